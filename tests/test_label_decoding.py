"""Proof that labels scan: render through the app, rasterise (300 dpi, and 150 dpi slightly blurred), decode every
QR code with an independent decoder (zbar), and open every decoded URL through the app to the right object."""
import html
import io
import re
import zipfile
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter
from helpers import csrf_token
from pyzbar.pyzbar import ZBarSymbol, decode

from houqin import db
from houqin.labels.layouts import BUILTIN_LAYOUTS
from houqin.models import Item, Place, Tag
from houqin.tags import new_token

ROOMS = ['男厕所', '女厕所', '教师卫生间', '一年级(1)班', '二年级(2)班', '音乐教室', '美术教室', '计算机教室',
         '多功能报告厅舞台后台设备间及控制室附属储藏室', '校长室', '教务处', '总务处（后勤）', '保健室', '图书室',
         '实验准备室', '体育器材室', '心理咨询室', '档案室', '广播室']


@pytest.fixture
def campus_with_labels(school):
    """Rooms with short, long and bracketed names, fire extinguishers, all labelled: {token: expected name}."""
    expected = {}
    with db.database.connection_context():
        campus, floor = school['campus'], school['floor']
        expected['ABCDEFGH12'] = school['room'].name
        for name in ROOMS:
            room = Place.create(campus=campus, parent=floor, name=name, kind='toilet' if '厕' in name else 'office')
            tag = Tag.create(token=new_token(), campus=campus, place=room)
            expected[tag.token] = name
        for i in range(4):
            item = Item.create(campus=campus, place=school['room'], kind='fire_extinguisher', name='干粉灭火器 4kg',
                               asset_number=f'MHQ-{i:04d}')
            tag = Tag.create(token=new_token(), campus=campus, item=item)
            expected[tag.token] = item.name
    return expected


def decode_cells(image, layout, dpi, count):
    """Decode each label of a page separately, as a phone frames one label: {slot: payload}."""
    ppm = dpi / 25.4
    found = {}
    for slot in range(min(count, layout.per_page)):
        x, y = layout.label_origin(slot)
        cell = image.crop((int(x * ppm), int(y * ppm), int((x + layout.label_width) * ppm),
                           int((y + layout.label_height) * ppm)))
        symbols = decode(cell, symbols=[ZBarSymbol.QRCODE])
        if symbols:
            found[slot] = symbols[0].data.decode()
    return found


def assert_resolves(client, payloads, expected):
    """Every decoded URL opens, through the app, the page of the object its label was printed for."""
    for url in payloads:
        assert url.startswith('HTTP://SCHOOL.TEST/T/')    # upper case: QR alphanumeric mode
        parts = urlsplit(url)
        token = re.fullmatch(r'/T/([0-9A-Z]{10})', parts.path).group(1)
        response = client.get(parts.path)
        assert response.status_code == 200, url
        title = re.search(r'<h1[^>]*>(.*?)</h1>', response.get_data(as_text=True), re.S).group(1)
        assert html.unescape(re.sub(r'<[^>]+>', '', title)).strip() == expected[token], url


def post_output(client, path, **fields):
    token = csrf_token(client, '/admin/labels/sheet')
    response = client.post(path, data=dict(fields, csrf_token=token))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


@pytest.mark.parametrize('layout_key', ['a4-3x8', 'a4-4x10'])  # the usual sheet, and the smallest modules
def test_every_qr_on_a_pdf_sheet_decodes_and_resolves(as_role, campus_with_labels, layout_key):
    client = as_role('manager')
    layout = BUILTIN_LAYOUTS[layout_key]
    data = post_output(client, '/admin/labels/pdf', kind='all', layout=layout_key, place_id=0)
    page = pdfium.PdfDocument(data)[0]
    count = len(campus_with_labels)
    assert count <= layout.per_page
    sharp = page.render(scale=300 / 72).to_pil().convert('L')
    soft = page.render(scale=150 / 72).to_pil().convert('L').filter(ImageFilter.GaussianBlur(0.7))
    for image, dpi in ((sharp, 300), (soft, 150)):
        found = decode_cells(image, layout, dpi, count)
        assert len(found) == count, f'{layout_key} at {dpi} dpi: decoded {len(found)} of {count}'
        assert {url.rsplit('/', 1)[1] for url in found.values()} == set(campus_with_labels)
    anonymous = client.application.test_client()   # the scan page needs no log-in
    assert_resolves(anonymous, found.values(), campus_with_labels)


def test_thermal_pngs_at_203_dpi_decode_and_resolve(as_role, campus_with_labels):
    client = as_role('admin')
    data = post_output(client, '/admin/labels/png', kind='item:fire_extinguisher', layout='thermal-50x30', dpi='203')
    payloads = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == 4
        for name in names:
            image = Image.open(io.BytesIO(archive.read(name))).convert('L')
            assert image.size == (400, 240)                   # 50 × 30 mm at 203 dpi
            symbols = decode(image, symbols=[ZBarSymbol.QRCODE])
            assert len(symbols) == 1, name
            payloads.append(symbols[0].data.decode())
    assert_resolves(client.application.test_client(), payloads, campus_with_labels)
