"""Drawing composed labels three ways: SVG pages for the browser's print page, a vector PDF, PNGs for thermal printers."""
import io
import math
import zipfile
from xml.sax.saxutils import escape

from houqin.tags import QUIET_ZONE, dark_runs, human_code, svg_path_data

MM = 72 / 25.4  # PDF points per millimetre
FONT_STACK = ("'WenQuanYi Micro Hei','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB',"
              "'Microsoft YaHei',sans-serif")


def pages(layout, drawings):
    """Group drawings into pages: lists of (x, y, drawing) with each label's top-left in mm."""
    page = []
    for drawing in drawings:
        page.append((*layout.label_origin(len(page)), drawing))
        if len(page) == layout.per_page:
            yield page
            page = []
    if page:
        yield page


def n(value):
    """A number for SVG: three decimals at most, no trailing zeros."""
    return f'{value:.3f}'.rstrip('0').rstrip('.')


def svg_label(drawing, x=0.0, y=0.0, outline=False):
    """One label as an SVG group in millimetres, its top-left at (x, y)."""
    ox, oy = drawing.qr_origin
    parts = [f'<g transform="translate({n(x)} {n(y)})">']
    if outline:
        parts.append(f'<rect class="cut" width="{n(drawing.width)}" height="{n(drawing.height)}" rx="1.5"/>')
    parts.append(f'<path transform="translate({n(ox)} {n(oy)}) scale({drawing.module:.5f})" '
                 f'd="{svg_path_data(drawing.matrix)}"/>')
    for line in drawing.lines:
        # textLength makes the browser's font take exactly the width measured with the label font.
        parts.append(f'<text class="{line.role}" x="{n(line.x)}" y="{n(line.baseline)}" font-size="{n(line.size)}" '
                     f'textLength="{n(line.width)}" lengthAdjust="spacingAndGlyphs">{escape(line.text)}</text>')
    parts.append('</g>')
    return ''.join(parts)


def svg_page(layout, placed, outline=True):
    """One page of labels as an SVG true to size (width and height in mm)."""
    body = ''.join(svg_label(d, x, y, outline) for x, y, d in placed)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sheet-page" width="{n(layout.page_width)}mm" '
            f'height="{n(layout.page_height)}mm" viewBox="0 0 {n(layout.page_width)} {n(layout.page_height)}" '
            f'font-family="{FONT_STACK}" shape-rendering="geometricPrecision">{body}</svg>')


def svg_single(drawing):
    """One label as a standalone SVG document, true to size."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{n(drawing.width)}mm" height="{n(drawing.height)}mm" '
            f'viewBox="0 0 {n(drawing.width)} {n(drawing.height)}" font-family="{FONT_STACK}">'
            f'<rect width="100%" height="100%" fill="#fff"/>{svg_label(drawing)}</svg>')


def write_pdf(out, layout, drawings, font, title='labels'):
    """Write labels as a PDF: vector QR codes, text in an embedded subset of the label font.

    `drawings` may be a generator: pages are drawn as they come and kept only as vector streams.
    """
    from reportlab.pdfgen import canvas
    page_h = layout.page_height
    pdf = canvas.Canvas(out, pagesize=(layout.page_width * MM, page_h * MM), pageCompression=1,
                        invariant=1, initialFontName=font.name)
    pdf.setTitle(title)
    pdf.setCreator('houqin')
    count = 0
    for placed in pages(layout, drawings):
        for x, y, drawing in placed:
            ox, oy = drawing.qr_origin
            pdf.saveState()
            pdf.translate((x + ox) * MM, (page_h - y - oy) * MM)
            pdf.scale(drawing.module * MM, -drawing.module * MM)
            path = pdf.beginPath()
            for rx, ry, width in dark_runs(drawing.matrix):
                path.rect(rx, ry, width, 1)
            # One path filled at once: no hairline seams between modules when rasterised.
            pdf.drawPath(path, stroke=0, fill=1)
            pdf.restoreState()
            for line in drawing.lines:
                pdf.setFont(font.name, line.size * MM)
                pdf.drawString((x + line.x) * MM, (page_h - y - line.baseline) * MM, line.text)
            count += 1
        pdf.showPage()
    if not count:
        pdf.showPage()
    pdf.save()
    return count


def pdf_bytes(layout, drawings, font, title='labels'):
    """The PDF as bytes."""
    buffer = io.BytesIO()
    write_pdf(buffer, layout, drawings, font, title)
    return buffer.getvalue()


def label_png(drawing, dpi, font):
    """One label as a greyscale PIL image at a printer resolution, modules snapped to whole dots."""
    from PIL import Image, ImageDraw
    ppm = dpi / 25.4
    image = Image.new('L', (round(drawing.width * ppm), round(drawing.height * ppm)), 255)
    draw = ImageDraw.Draw(image)
    total = len(drawing.matrix) + 2 * QUIET_ZONE
    dot = max(1, math.floor(drawing.qr_side * ppm / total))
    left = round(drawing.qr_x * ppm + (drawing.qr_side * ppm - dot * total) / 2) + QUIET_ZONE * dot
    top = round(drawing.qr_y * ppm + (drawing.qr_side * ppm - dot * total) / 2) + QUIET_ZONE * dot
    for x, y, width in dark_runs(drawing.matrix):
        draw.rectangle((left + x * dot, top + y * dot, left + (x + width) * dot - 1, top + (y + 1) * dot - 1), fill=0)
    for line in drawing.lines:
        pixels = max(4, round(line.size * ppm))
        limit = line.width * ppm + 1
        face = font.pil(pixels)
        while pixels > 4 and face.getlength(line.text) > limit:
            # Hinting at whole pixel sizes can widen a line a little: never past its box.
            pixels -= 1
            face = font.pil(pixels)
        draw.text((line.x * ppm, line.baseline * ppm), line.text, font=face, fill=0, anchor='ls')
    return image


def png_bytes(drawing, dpi, font):
    """One label as PNG bytes, with its resolution recorded so it prints true to size."""
    buffer = io.BytesIO()
    label_png(drawing, dpi, font).save(buffer, format='PNG', dpi=(dpi, dpi))
    return buffer.getvalue()


def png_name(drawing, index):
    """A file name for a label's PNG: position, code and a short name."""
    safe = ''.join(c for c in drawing.content.name if c.isalnum())[:20]
    return f'{index:04d}-{human_code(drawing.content.token)}{"-" + safe if safe else ""}.png'


def write_png_zip(out, drawings, dpi, font):
    """Write one PNG per label into a zip file; returns how many."""
    count = 0
    with zipfile.ZipFile(out, 'w', compression=zipfile.ZIP_STORED) as archive:
        for count, drawing in enumerate(drawings, start=1):
            archive.writestr(png_name(drawing, count), png_bytes(drawing, dpi, font))
    return count

