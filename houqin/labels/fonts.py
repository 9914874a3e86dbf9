"""The CJK font the server draws label text with: found at run time, checked to cover Chinese, or refused."""
import hashlib
import os
import shutil
import subprocess
from functools import lru_cache

# Text a label font must draw: common characters of place and asset names.
COVERAGE_SAMPLE = '教学楼综合一二三楼男女厕所宿舍食堂灭火器消防栓课桌椅投影仪校门号室标签测试中心小学'
REPLACEMENT = '?'

# Fonts that cover Chinese with TrueType outlines (the PDF writer embeds TrueType; CFF-only fonts
# such as Noto Sans CJK's .ttc are skipped with a note). Debian: apt-get install fonts-wqy-microhei.
CANDIDATES = (
    '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
    '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
    '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
    '/usr/share/fonts/truetype/arphic/uming.ttc',
    '/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf',
    '/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc',   # Fedora, Arch
    '/usr/share/fonts/wqy-microhei/wqy-microhei.ttc',
    '/Library/Fonts/Arial Unicode.ttf',                             # macOS
    'C:/Windows/Fonts/msyh.ttc', 'C:/Windows/Fonts/simhei.ttf', 'C:/Windows/Fonts/simsun.ttc',
)

HINT = ('Install a font that covers Chinese (Debian/Ubuntu: apt-get install fonts-wqy-microhei) '
        'or set HOUQIN_LABEL_FONT to the path of a TrueType font (.ttf or .ttc, "path#N" picks face N '
        'of a collection) that covers Chinese, then restart the app.')


class LabelFontError(RuntimeError):
    """No usable CJK font: the message says what was tried and what to do."""


class LabelFont:
    """One face of a font file: metrics in the units of the size asked for, and Pillow fonts by pixel size."""

    def __init__(self, path, index, ttfont):
        self.path, self.index, self.ttfont = path, index, ttfont
        self.name = ttfont.fontName
        units = ttfont.face
        self.ascent = units.ascent / 1000.0      # of the font size
        self.descent = -units.descent / 1000.0
        self._cmap = units.charToGlyph
        self._pil = {}

    def __repr__(self):
        return f'LabelFont({self.path!r}#{self.index})'

    def covers(self, char):
        """True when the font has a real glyph (not .notdef) for the character."""
        return self._cmap.get(ord(char), 0) != 0 or char in ' \n'

    def missing(self, text):
        """The characters of the text the font cannot draw."""
        return sorted({c for c in text if not self.covers(c)})

    def printable(self, text):
        """The text with characters the font lacks replaced, so nothing prints as an empty box."""
        return ''.join(c if self.covers(c) else REPLACEMENT for c in text)

    def width(self, text, size):
        """The advance width of the text at a font size, in the size's unit."""
        return self.ttfont.stringWidth(text, size)

    def pil(self, pixels):
        """A Pillow font of this face at a pixel size."""
        font = self._pil.get(pixels)
        if font is None:
            from PIL import ImageFont
            font = self._pil[pixels] = ImageFont.truetype(self.path, pixels, index=self.index)
        return font


def parse_setting(value):
    """('path', face index) from a HOUQIN_LABEL_FONT value: 'path' or 'path#N'."""
    path, _, index = value.strip().partition('#')
    return os.path.expanduser(path), int(index) if index.isdigit() else None


def open_font(path, index=None):
    """Load a face that covers Chinese from a font file; raises LabelFontError saying why not."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont
    if not os.path.isfile(path):
        raise LabelFontError(f'{path} does not exist.')
    indexes = [index] if index is not None else range(8 if path.lower().endswith(('.ttc', '.otc')) else 1)
    reasons = []
    for i in indexes:
        name = 'HouqinLabel-' + hashlib.sha1(f'{os.path.abspath(path)}#{i}'.encode()).hexdigest()[:10]
        try:
            ttfont = pdfmetrics.getFont(name)
        except KeyError:
            try:
                ttfont = TTFont(name, path, subfontIndex=i)
            except (TTFError, OSError, ValueError, IndexError) as exc:
                reasons.append(f'face {i}: {exc}')
                if 'subfont' in str(exc).lower() or 'index' in str(exc).lower():
                    break
                continue
            pdfmetrics.registerFont(ttfont)
        font = LabelFont(path, i, ttfont)
        lacking = font.missing(COVERAGE_SAMPLE)
        if not lacking:
            return font
        reasons.append(f'face {i} lacks Chinese characters such as {"".join(lacking[:8])}')
    raise LabelFontError(f'{path} cannot be used: ' + '; '.join(reasons or ['no usable face']))


def system_font_files():
    """Font files the system says cover Chinese (fontconfig), after the well-known paths."""
    found = [p for p in CANDIDATES if os.path.isfile(p)]
    if shutil.which('fc-list'):
        try:
            out = subprocess.run(['fc-list', ':lang=zh', 'file'], capture_output=True, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            out = ''
        for line in sorted(out.splitlines()):
            path = line.split(':')[0].strip()
            if path.lower().endswith(('.ttf', '.ttc', '.otf')) and path not in found:
                found.append(path)
    return found


@lru_cache(maxsize=8)
def find_label_font(setting=None, candidates=None):
    """The label font: HOUQIN_LABEL_FONT when set, else the first system font covering Chinese."""
    if setting:
        path, index = parse_setting(setting)
        try:
            return open_font(path, index)
        except LabelFontError as exc:
            raise LabelFontError(f'HOUQIN_LABEL_FONT={setting}: {exc} {HINT}') from None
    tried = []
    for path in (system_font_files() if candidates is None else candidates):
        try:
            return open_font(path)
        except LabelFontError as exc:
            tried.append(str(exc))
    detail = ' Tried: ' + ' | '.join(tried) + '.' if tried else ''
    raise LabelFontError('No font covering Chinese was found for printing labels.' + detail + ' ' + HINT)


_refusals = {}


def label_font(config):
    """The label font for an app's configuration; a refusal is remembered too (restart after installing a font)."""
    setting = config.get('LABEL_FONT') or None
    if setting in _refusals:
        raise _refusals[setting]
    try:
        return find_label_font(setting)
    except LabelFontError as exc:
        _refusals[setting] = exc
        raise
