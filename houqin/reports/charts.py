"""SVG charts drawn on the server (no script): horizontal bars, this term against the previous one."""
from markupsafe import Markup, escape

BAR, GAP, LABEL_WIDTH, WIDTH = 14, 10, 150, 640
NOW_COLOUR, BEFORE_COLOUR = '#0b57d0', '#a8c7fa'


def number(value):
    """A value as the chart writes it: whole numbers without decimals."""
    return f'{value:g}' if isinstance(value, float) else str(value)


def bars(rows, title, unit=''):
    """An SVG of [(label, this term, previous term or None)]: a dark bar for this term, a light one before it."""
    top = max([max(a or 0, b or 0) for _l, a, b in rows] + [1])
    paired = any(b is not None for _l, _a, b in rows)
    row_height = (2 * BAR if paired else BAR) + GAP
    height = 28 + len(rows) * row_height + (18 if paired else 0)
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold" fill="#111">{escape(title)}</text>']
    span = WIDTH - LABEL_WIDTH - 70
    for i, (label, now, before) in enumerate(rows):
        y = 28 + i * row_height
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR - 3}" font-size="12" text-anchor="end" '
                     f'fill="#333">{escape(label)}</text>')
        for j, (value, colour) in enumerate(((now, NOW_COLOUR), (before, BEFORE_COLOUR))):
            if j and not paired:
                continue
            length = round(span * (value or 0) / top, 1)
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + j * BAR}" width="{length}" height="{BAR - 2}" '
                         f'fill="{colour}"/>')
            parts.append(f'<text x="{LABEL_WIDTH + length + 4}" y="{y + j * BAR + BAR - 4}" font-size="11" '
                         f'fill="#333">{"—" if value is None else number(value) + unit}</text>')
    parts.append('</svg>')
    return Markup(''.join(parts))


def legend(this_name, previous_name):
    """The two colours' meaning, as a small SVG."""
    return Markup(
        f'<svg class="legend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 18" width="100%">'
        f'<rect x="0" y="3" width="12" height="12" fill="{NOW_COLOUR}"/>'
        f'<text x="18" y="13" font-size="12" fill="#333">{escape(this_name)}</text>'
        f'<rect x="320" y="3" width="12" height="12" fill="{BEFORE_COLOUR}"/>'
        f'<text x="338" y="13" font-size="12" fill="#333">{escape(previous_name)}</text></svg>')
