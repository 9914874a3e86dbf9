"""An admin on a phone picks "all toilets in the teaching building", previews, prints on A4 3×8 from the browser;
the printed page is true to size and every QR code on it opens that toilet's page."""
import html
import re

import pypdfium2 as pdfium
from helpers import PASSWORD, needs_chromium
from pyzbar.pyzbar import ZBarSymbol, decode

from houqin import db
from houqin.labels.layouts import BUILTIN_LAYOUTS
from houqin.models import Place, Tag
from houqin.tags import new_token

pytestmark = needs_chromium


def test_admin_prints_the_toilets_of_a_building_from_a_phone(app, live_server, phone, school):
    with db.database.connection_context():
        campus = school['campus']
        floor2 = Place.create(campus=campus, parent=school['building'], name='二楼', kind='floor')
        other = Place.create(campus=campus, name='综合楼', kind='building', code='B')
        toilets = {}
        for parent in (school['floor'], floor2, other):
            for name in ('男厕所', '女厕所'):
                place = Place.create(campus=campus, parent=parent, name=name, kind='toilet')
                toilets[Tag.create(token=new_token(), campus=campus, place=place).token] = (parent, name)
    wanted = {t for t, (parent, _n) in toilets.items() if parent.id != other.id}

    page = phone
    page.goto(live_server + '/admin/labels/')
    page.fill('input[name=username]', 'admin')
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url('**/admin/labels/')
    page.select_option('select[name=place_id]', str(school['building'].id))
    page.select_option('select[name=kind]', 'place:toilet')
    page.select_option('select[name=layout]', 'a4-3x8')
    page.get_by_role('button', name='预览').click()
    page.wait_for_url('**/admin/labels/sheet?**')
    assert page.locator('h1').inner_text() == '4 张标签'
    assert page.evaluate('document.documentElement.scrollWidth') <= 390
    # The page opens the print dialogue by itself; here it only counts, so that it can't still be printing when
    # page.pdf() below prints (Chromium refuses a second print: "Page is already being printed").
    page.add_init_script('window.print = function () { window.printCalls = (window.printCalls || 0) + 1; };')
    page.get_by_role('button', name='打印', exact=True).click()
    page.wait_for_load_state()
    assert '已记为已打印' in page.locator('.flash.success').inner_text()
    for _ in range(100):
        if page.evaluate('window.printCalls || 0'):
            break
        page.wait_for_timeout(50)
    assert page.evaluate('window.printCalls') == 1
    with db.database.connection_context():
        assert Tag.select().where(Tag.token.in_(list(wanted)) & Tag.printed_at.is_null(False)).count() == 4

    # What the browser prints: @page A4, no margins, the SVG true to size.
    pdf = pdfium.PdfDocument(page.pdf(prefer_css_page_size=True, print_background=False))
    assert len(pdf) == 1
    assert [round(v / 72 * 25.4) for v in pdf[0].get_size()] == [210, 297]
    image = pdf[0].render(scale=300 / 72).to_pil().convert('L')
    layout, ppm = BUILTIN_LAYOUTS['a4-3x8'], 300 / 25.4
    decoded = []
    for slot in range(4):
        x, y = layout.label_origin(slot)
        cell = image.crop((int(x * ppm), int(y * ppm), int((x + layout.label_width) * ppm),
                           int((y + layout.label_height) * ppm)))
        symbols = decode(cell, symbols=[ZBarSymbol.QRCODE])
        assert symbols, f'no QR code in label {slot + 1}'
        decoded.append(symbols[0].data.decode())
    assert {url.rsplit('/', 1)[1] for url in decoded} == wanted
    client = app.test_client()
    for url in decoded:
        assert url.startswith('HTTP://SCHOOL.TEST/T/')
        token = url.rsplit('/', 1)[1]
        parent, name = toilets[token]
        body = html.unescape(client.get('/T/' + token).get_data(as_text=True))
        assert re.search(rf'<h1[^>]*>\s*{name}\s*</h1>', body) and f'{parent.name}' in body
