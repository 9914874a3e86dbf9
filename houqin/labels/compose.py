"""What goes where on one label, in millimetres: the QR square and the text lines, fitted so nothing overflows.

Text rules: a long name first shrinks, then wraps onto more lines, then is cut with an ellipsis; the
location, campus name and code do the same within their own smaller budgets. Every output (the print
page's SVG, the PDF, the PNG) draws the same LabelDrawing.
"""
import math
import re
import unicodedata
from dataclasses import dataclass

from houqin.labels.layouts import qr_arrangement
from houqin.tags import QUIET_ZONE, human_code

LINE_HEIGHT = 1.18     # line box as a multiple of the font size
ELLIPSIS = '…'
SHRINK_FLOOR = 0.62    # a one-line text shrinks to this share of its largest size before it wraps
READABLE = 2.2        # mm: below this Chinese gets hard to read, so wrapping beats shrinking further
SIZE_STEP = 0.95       # each smaller size tried is 5 % smaller
# Lines may not start with these (they stay with the character before them).
NO_BREAK_BEFORE = set('，。、；：？！）】》」』”’%›·…,.;:?!)]}') | {'-'}
# Lines may not end with these (they go with the character after them).
NO_BREAK_AFTER = set('（【《「『“‘([{')


@dataclass(frozen=True)
class LabelContent:
    """The words on one label."""
    token: str
    name: str
    location: str = ''
    campus: str = ''
    tag_id: int = None


@dataclass(frozen=True)
class FittedText:
    """A text fitted into a box: its size (mm), lines and their widths."""
    size: float
    lines: tuple
    widths: tuple
    wrapped: bool = False
    ellipsized: bool = False

    @property
    def height(self):
        return len(self.lines) * self.size * LINE_HEIGHT


EMPTY = FittedText(0.0, (), ())


@dataclass(frozen=True)
class TextLine:
    """One line of text to draw: left x and baseline y (mm from the label's top-left), size (mm)."""
    role: str
    x: float
    baseline: float
    size: float
    text: str
    width: float


@dataclass(frozen=True)
class LabelDrawing:
    """Everything drawn on one label."""
    width: float
    height: float
    qr_x: float        # top-left of the QR square, quiet zone included
    qr_y: float
    qr_side: float
    module: float      # mm per module
    matrix: tuple
    lines: tuple
    content: LabelContent

    @property
    def qr_origin(self):
        """Top-left of the first module (inside the quiet zone)."""
        return self.qr_x + QUIET_ZONE * self.module, self.qr_y + QUIET_ZONE * self.module


class ApproxMetrics:
    """Character widths without a font file (the browser draws the print page's text itself)."""
    ascent, descent = 0.80, 0.20

    def width(self, text, size):
        """Wide characters one em, others a little over half."""
        return size * sum(1.0 if unicodedata.east_asian_width(c) in 'WF' else 0.58 for c in text)

    def printable(self, text):
        return text


def break_units(text, keep_levels=True):
    """Split text into pieces a line may break between: one CJK character, a Latin word, a path level."""
    if keep_levels and ' › ' in text:
        # A location breaks between its levels (building › floor › room) before anywhere else.
        levels = text.split(' › ')
        units = []
        for level in levels[:-1]:
            units += [level + ' ›', ' ']
        return units + [levels[-1]]
    units, opening = [], ''
    for piece in re.findall(r'[A-Za-z0-9][A-Za-z0-9./_\-]*|\s+|.', text):
        if piece.isspace():
            units.append(' ')
        elif piece in NO_BREAK_AFTER:
            opening += piece
        elif units and piece[0] in NO_BREAK_BEFORE and not opening:
            if units[-1] == ' ' and len(units) > 1:  # 'building › floor': the › stays with 'building'
                units.pop()
                units[-1] += ' '
            units[-1] += piece
        else:
            units.append(opening + piece)
            opening = ''
    if opening:
        units.append(opening)
    return units


def wrap(text, width, size, measure, mode='chars'):
    """Greedy line breaking; `mode` says where a line may break.

    'words': only at spaces (and between the levels of a location); 'units': also between CJK
    characters; 'chars': also inside a word too wide for a line; 'any': 'chars' that may leave one CJK character
    alone on a line (the last resort). None when a piece does not fit.
    """
    if mode == 'words' and ' › ' not in text:
        units = [' ' if piece.isspace() else piece for piece in re.split(r'(\s+)', text) if piece]
    else:
        units = break_units(text, keep_levels=mode not in ('chars', 'any'))
    lines, current = [], ''
    for unit in units:
        if measure((current + unit).strip(), size) <= width:
            current += unit
            continue
        if current.strip():
            lines.append(current.strip())
        current = unit.lstrip()
        if measure(current, size) > width:
            if mode not in ('chars', 'any'):
                return None
            current = ''
            for char in unit.strip():
                if current and measure(current + char, size) > width:
                    lines.append(current)
                    current = ''
                current += char
    if current.strip():
        lines.append(current.strip())
    if (len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-2]) > 2 and is_wide(lines[-2][-1])
            and lines[-2][-1] not in NO_BREAK_BEFORE and lines[-2][-2] not in NO_BREAK_AFTER):
        # No lone character on the last line: take one more from the line above (unless that would start the
        # line with closing punctuation or end the line above with an opening one).
        lines[-2:] = [lines[-2][:-1], lines[-2][-1] + lines[-1]]
    if mode != 'any' and len(lines) > 1 and any(len(line) == 1 and is_wide(line) for line in lines):
        return None  # '男厕' / '所' reads as two words: a smaller size that keeps them together is better
    return lines


def is_wide(char):
    """True for a CJK (full-width) character."""
    return unicodedata.east_asian_width(char) in 'WF'


def ellipsize(text, width, size, measure):
    """The longest start of the text that fits with an ellipsis after it."""
    if measure(text, size) <= width:
        return text
    kept = text
    while kept and measure(kept.rstrip() + ELLIPSIS, size) > width:
        kept = kept[:-1]
    return kept.rstrip() + ELLIPSIS if kept else ELLIPSIS


def sizes_between(largest, smallest):
    """Sizes to try, largest first, ending exactly at the smallest."""
    sizes, size = [], largest
    while size > smallest:
        sizes.append(size)
        size *= SIZE_STEP
    return sizes + [smallest]


def fit_text(text, width, height, largest, smallest, max_lines, measure):
    """Fit text into width × height (mm): shrink on one line, then wrap, then ellipsize; never overflow."""
    text = ' '.join((text or '').split())
    if not text or width <= 0 or smallest * LINE_HEIGHT > height + 1e-9:
        return EMPTY
    largest = max(smallest, min(largest, height / LINE_HEIGHT))

    def done(size, lines, **flags):
        return FittedText(size, tuple(lines), tuple(measure(line, size) for line in lines), **flags)

    sizes = sizes_between(largest, smallest)
    floor = max(smallest, largest * SHRINK_FLOOR, min(largest, READABLE)) if max_lines > 1 else smallest
    for size in sizes:
        if size >= floor and measure(text, size) <= width:
            return done(size, [text])
    # Wrap: at spaces if the text stays large enough; then the fewest lines while the text stays large;
    # then any size down to the smallest; a word wider than a line breaks only as the last resort.
    attempts = [(lines, 'words', max(smallest, floor * 0.8)) for lines in range(2, max_lines + 1) if ' ' in text]
    attempts += [(lines, 'units', floor) for lines in range(2, max_lines + 1)]
    attempts += [(max_lines, mode, smallest) for mode in ('units', 'chars', 'any')]
    for most, mode, lowest in (attempts if max_lines > 1 else ()):
        for size in sizes:
            if size < lowest:
                break
            lines = wrap(text, width, size, measure, mode)
            if lines and (len(lines) <= most and len(lines) * size * LINE_HEIGHT <= height + 1e-9
                          and all(measure(line, size) <= width for line in lines)):
                return done(size, lines, wrapped=len(lines) > 1)
    size = smallest
    room = max(1, min(max_lines, int((height + 1e-9) // (size * LINE_HEIGHT))))
    lines = wrap(text, width, size, measure, 'any')
    position = 0
    for line in lines[:room - 1]:
        position = text.index(line, position) + len(line)
    kept = lines[:room - 1] + [ellipsize(text[position:].strip(), width, size, measure)]
    return done(size, kept, wrapped=len(kept) > 1, ellipsized=True)


def compose_label(layout, content, matrix, metrics):
    """Place the QR code and the fitted text of one label on a layout's label."""
    w, h, pad = layout.label_width, layout.label_height, layout.padding
    arrangement, side = qr_arrangement(layout)
    module = side / (len(matrix) + 2 * QUIET_ZONE)
    if arrangement == 'side':
        # The QR's own quiet zone is the white space between the code and the text.
        qr_x, qr_y = 0.0, (h - side) / 2
        x0, y0, x1, y1 = side, pad, w - pad, h - pad
    else:
        qr_x, qr_y = (w - side) / 2, 0.0
        x0, y0, x1, y1 = pad, side, w - pad, h - pad
    tw, th = x1 - x0, y1 - y0
    measure = metrics.width
    name = metrics.printable(content.name)
    location = metrics.printable(content.location)
    campus = metrics.printable(content.campus)
    code = human_code(content.token)

    gap = th * 0.03
    code_fit = fit_text(code, tw, th, min(3.6, th * 0.13), 1.2, 1, measure)
    campus_fit = fit_text(campus, tw, th * 0.12, min(2.8, th * 0.11), 1.4, 1, measure)
    bottom = code_fit.height + (campus_fit.height + gap if campus_fit.lines else 0)
    above = th - bottom - gap
    location_largest = min(3.2, th * 0.13)
    # Keep room for one line of location at its full size; the name takes the rest.
    location_room = location_largest * LINE_HEIGHT + gap if location else 0
    name_fit = fit_text(name, tw, above - location_room, min(8.0, th * 0.3), 2.0, 3, measure)
    rest = above - (name_fit.height + gap if name_fit.lines else 0)
    # The location is never larger than the name above it.
    location_fit = fit_text(location, tw, rest, min(location_largest, name_fit.size * 0.85 or location_largest),
                            1.5, 2, measure)
    lines = []
    centred = arrangement == 'stacked'

    def place(role, fitted, top):
        half_leading = (LINE_HEIGHT - metrics.ascent - metrics.descent) / 2
        for i, (text, width) in enumerate(zip(fitted.lines, fitted.widths)):
            line_top = top + i * fitted.size * LINE_HEIGHT
            x = x0 + (tw - width) / 2 if centred else x0
            lines.append(TextLine(role, round(x, 3), round(line_top + fitted.size * (half_leading + metrics.ascent), 3),
                                  round(fitted.size, 3), text, round(width, 3)))
        return top + fitted.height

    top = place('name', name_fit, y0)
    place('location', location_fit, top + gap if name_fit.lines else top)
    code_top = y1 - code_fit.height
    place('code', code_fit, code_top)
    place('campus', campus_fit, code_top - gap - campus_fit.height)
    return LabelDrawing(w, h, qr_x, qr_y, side, module, tuple(tuple(r) for r in matrix), tuple(lines), content)


def page_count(layout, total):
    """Pages needed for `total` labels."""
    return max(1, math.ceil(total / layout.per_page))
