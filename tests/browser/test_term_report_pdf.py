"""The term report prints to A4 in Chromium (issue 13's Done when): page.pdf of the demo's report is A4, leaves the
menus out and carries its three server-drawn charts."""
import re
import zlib

import pytest
from helpers import needs_chromium

pytestmark = needs_chromium
A4_POINTS = (595, 842)  # 210 × 297 mm


@pytest.fixture
def app(demo_app):
    """The test here runs in the demo school."""
    return demo_app


def test_the_demo_term_report_prints_on_a4_with_its_charts(live_server, browser, tmp_path):
    context = browser.new_context(viewport={'width': 1200, 'height': 900}, locale='zh-CN', timezone_id='Asia/Shanghai')
    page = context.new_page()
    page.goto(f'{live_server}/login')
    page.fill('input[name=username]', 'manager')
    page.fill('input[name=password]', 'demo1234')
    page.locator('input[name=password]').press('Enter')
    page.wait_for_load_state()
    page.goto(f'{live_server}/reports/term')
    assert page.locator('svg.chart').count() == 3
    assert page.locator('svg.chart rect').count() >= 8  # bars drawn, this term and last
    page.emulate_media(media='print')
    assert page.locator('header.top').evaluate('e => getComputedStyle(e).display') == 'none'
    pdf = page.pdf(prefer_css_page_size=True)
    (tmp_path / 'term.pdf').write_bytes(pdf)
    assert pdf.startswith(b'%PDF')
    boxes = {tuple(round(float(v)) for v in m.groups()) for m in
             re.finditer(rb'/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', pdf)}
    assert boxes == {A4_POINTS}, boxes
    pages = len(re.findall(rb'/Type\s*/Page\b', pdf))
    assert 1 <= pages <= 3
    # The charts' bars are in the PDF as filled rectangles in the bars' colours (#0b57d0 and #a8c7fa as RGB).
    drawn = b''.join(inflate(m.group(1)) for m in re.finditer(rb'stream\r?\n(.*?)\r?\nendstream', pdf, re.S))
    for colour in ((0x0b, 0x57, 0xd0), (0xa8, 0xc7, 0xfa)):
        rgb = ' '.join(f'{c / 255:.4f}'.lstrip('0') for c in colour).encode() + b' rg'
        assert rgb in drawn, f'no fill in {colour} (a chart\'s bars) in the PDF'
    assert len(re.findall(rb' re\b', drawn)) >= 8  # rectangles: the bars among them

def inflate(data):
    """A PDF stream's content, inflated where it is compressed."""
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b''
