"""Layouts, text fitting, the CJK font, the three outputs, selections, reprint, blank labels, the layout editor, the CLI."""
import io
import random
import re
import zipfile

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw
from helpers import csrf_token, login, make_app

from houqin import db
from houqin.labels import render
from houqin.labels.compose import ApproxMetrics, LINE_HEIGHT, LabelContent, compose_label, fit_text
from houqin.labels.fonts import LabelFontError, find_label_font
from houqin.labels.layouts import BUILTIN_LAYOUTS, Layout, MIN_MODULE_MM, layout_problems, module_mm
from houqin.models import AuditLog, Campus, Item, LabelLayout, Place, Tag
from houqin.tags import human_code, new_token, qr_matrix

NAMES = ['男厕所', '一年级(1)班', '教学楼三楼东侧女卫生间（教师专用）', '干粉灭火器 4kg MHQ-0001',
         '多功能报告厅舞台后台设备间及控制室附属储藏室东侧走廊尽头的消防器材柜', 'Physics Lab 2', '校门']
LOCATIONS = ['教学楼 › 一楼', '综合楼 › 三楼 › 多功能报告厅舞台后台设备间', '']
MATRIX = qr_matrix('HTTP://SCHOOL.TEST/T/7K3M9Q2XAB')


@pytest.fixture(scope='module')
def font():
    return find_label_font()


# --- layouts -------------------------------------------------------------------------------------

def test_the_built_in_layouts_are_the_ones_asked_for():
    sizes = {key: (l.columns, l.rows, l.label_width, l.label_height) for key, l in BUILTIN_LAYOUTS.items()}
    assert sizes['a4-3x8'] == (3, 8, 70.0, 37.0)
    assert sizes['a4-3x7'] == (3, 7, 63.5, 38.1)
    assert sizes['a4-2x5'][:2] == (2, 5) and sizes['a4-4x10'][:2] == (4, 10)
    for w, h in ((40, 30), (50, 30), (60, 40), (70, 50)):
        layout = BUILTIN_LAYOUTS[f'thermal-{w}x{h}']
        assert (layout.page_width, layout.page_height, layout.per_page) == (w, h, 1)


@pytest.mark.parametrize('modules', [25, 29])  # alphanumeric and byte mode
def test_every_built_in_layout_prints_modules_of_at_least_0_4_mm(modules):
    for key, layout in BUILTIN_LAYOUTS.items():
        assert layout_problems(layout, modules) == [], key
        assert module_mm(layout, modules) >= MIN_MODULE_MM
        if not layout.thermal:  # the last label ends inside the A4 page
            x, y = layout.label_origin(layout.per_page - 1)
            assert x + layout.label_width <= 210.01 and y + layout.label_height <= 297.01


def test_a_label_too_small_for_the_qr_is_refused_with_the_reason():
    tiny = Layout('t', 'tiny', 25, 18, 25, 18)
    problems = layout_problems(tiny, 25)
    assert len(problems) == 1 and '0.4' in problems[0] and 'mm' in problems[0]
    crowded = Layout('c', 'crowded', 210, 297, 70, 37, columns=4, rows=8)
    assert any('across the page' in p for p in layout_problems(crowded, 25))
    assert layout_problems(Layout('n', 'neg', 210, 297, 70, 37, margin_left=-1), 25)


# --- fitting text ------------------------------------------------------------------------------

def test_a_short_name_stays_large_on_one_line(font):
    fitted = fit_text('男厕所', 30, 20, 6, 2, 3, font.width)
    assert fitted.lines == ('男厕所',) and fitted.size == 6


def test_long_names_shrink_then_wrap_then_ellipsize(font):
    shrunk = fit_text('三年级二班教室', 30, 20, 6, 2, 3, font.width)
    assert len(shrunk.lines) == 1 and 2 < shrunk.size < 6
    wrapped = fit_text('教学楼三楼东侧女卫生间（教师专用）', 30, 20, 6, 2, 3, font.width)
    assert wrapped.wrapped and not wrapped.ellipsized and ''.join(wrapped.lines) == '教学楼三楼东侧女卫生间（教师专用）'
    cut = fit_text(NAMES[4] * 3, 20, 8, 6, 2, 3, font.width)
    assert cut.ellipsized and cut.lines[-1].endswith('…')


def test_lines_never_start_with_closing_punctuation_and_paths_break_between_levels(font):
    for size_box in (18, 22, 26, 30):
        for line in fit_text('教学楼三楼东侧女卫生间（教师专用），二楼', size_box, 30, 6, 2, 4, font.width).lines[1:]:
            assert line[0] not in '，）'
    fitted = fit_text('教学楼 › 一楼 › 一年级(1)班', 21, 6.6, 2.5, 1.5, 2, font.width)
    assert fitted.lines == ('教学楼 › 一楼 ›', '一年级(1)班')


@pytest.mark.parametrize('text,width,lines', [
    # With 1 mm type each Chinese character and full-width mark is 1 mm wide, so `width` is characters per line.
    ('男厕所（教师用），二楼', 4, ('男厕所', '（教师', '用），', '二楼')),   # not '（教师用' / '），二楼'
    ('灭火器、消防栓、水带', 3, ('灭火', '器、消', '防栓、', '水带')),     # not '灭火器' / '、消防'
    ('一楼男厕所。二楼', 5, ('一楼男厕', '所。二楼')),                   # not '一楼男厕所' / '。二楼'
    ('注意：地滑', 2, ('注', '意：', '地滑')),                           # not '注意' / '：地'
    # A lone last character may not pull closing punctuation onto its line: '（2）' / '班', not '（2' / '）班'.
    ('三年级（2）班', 3, ('三年级', '（2）', '班')),
], ids=['bracket-and-comma', 'enumeration-comma', 'full-stop', 'colon', 'lone-last-character'])
def test_a_line_never_starts_with_closing_punctuation(text, width, lines):
    fitted = fit_text(text, width, 20, 1, 1, 6, ApproxMetrics().width)
    assert (fitted.size, fitted.lines) == (1, lines)


def test_a_class_name_keeps_its_brackets_together_in_the_label_font(font):
    fitted = fit_text('三年级（2）班', 10, 20, 3, 3, 4, font.width)
    assert fitted.lines == ('三年级', '（2）', '班')


def test_names_break_at_spaces_before_inside_words(font):
    fitted = fit_text('干粉灭火器 4kg MHQ-0001', 18.5, 15, 6, 2, 3, font.width)
    assert fitted.lines == ('干粉灭火器', '4kg', 'MHQ-0001')
    # No space to break at: the line breaks between Chinese characters, and no line is a lone character.
    lines = fit_text('三年级二班教室北侧', 12, 15, 6, 2, 3, font.width).lines
    assert len(lines) > 1 and all(len(line) > 1 for line in lines)


def test_text_never_overflows_its_box(font):
    rng = random.Random(7)
    alphabet = '教学楼综合一二三楼男女厕所灭火器消防栓(1)班 ABC-0123456789'
    for _ in range(400):
        text = ''.join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        width, height = rng.uniform(8, 60), rng.uniform(3, 30)
        fitted = fit_text(text, width, height, rng.uniform(3, 8), 1.5, rng.randint(1, 3), font.width)
        assert all(w <= width + 1e-6 for w in fitted.widths), (text, width, fitted)
        assert fitted.height <= height + 1e-6
        assert all(abs(font.width(line, fitted.size) - w) < 1e-6 for line, w in zip(fitted.lines, fitted.widths))


@pytest.mark.parametrize('key', sorted(BUILTIN_LAYOUTS))
def test_every_label_keeps_its_text_inside_and_clear_of_the_qr(key, font):
    layout = BUILTIN_LAYOUTS[key]
    for name in NAMES:
        for location in LOCATIONS:
            d = compose_label(layout, LabelContent('7K3M9Q2XAB', name, location, '测试中心小学'), MATRIX, font)
            assert 0 <= d.qr_x and d.qr_x + d.qr_side <= d.width + 1e-6 and d.qr_y + d.qr_side <= d.height + 1e-6
            roles = [line.role for line in d.lines]
            assert 'name' in roles and 'code' in roles
            assert [line.text for line in d.lines if line.role == 'code'] == ['7K3M-9Q2X-AB']
            boxes = []
            for line in d.lines:
                top = line.baseline - font.ascent * line.size
                bottom = line.baseline + font.descent * line.size
                assert line.x >= -1e-6 and line.x + line.width <= d.width - layout.padding + 1e-6
                assert top >= -1e-6 and bottom <= d.height + 1e-6
                # Clear of the QR square (its quiet zone included).
                beside = line.x >= d.qr_x + d.qr_side - 1e-6
                below = top >= d.qr_y + d.qr_side - 1e-6
                assert beside or below, (key, name, line)
                boxes.append((top, bottom))
            boxes.sort()
            for (_t1, b1), (t2, _b2) in zip(boxes, boxes[1:]):
                assert t2 >= b1 - 0.05 * LINE_HEIGHT, (key, name, boxes)


def test_without_a_font_the_print_page_measures_approximately():
    d = compose_label(BUILTIN_LAYOUTS['a4-3x8'], LabelContent('7K3M9Q2XAB', '男厕所'), MATRIX, ApproxMetrics())
    assert d.lines[0].text == '男厕所'


# --- the font ----------------------------------------------------------------------------------

def test_a_cjk_font_is_found_and_covers_chinese(font):
    assert not font.missing('教学楼一楼男厕所灭火器消防栓课桌')
    assert font.printable('教学楼\U000F0000') == '教学楼?'  # a character the font lacks is never a box


def test_the_font_setting_is_used_or_refused_clearly(font):
    assert find_label_font(f'{font.path}#{font.index}').path == font.path
    with pytest.raises(LabelFontError, match='HOUQIN_LABEL_FONT=/nowhere/font.ttf.*does not exist'):
        find_label_font('/nowhere/font.ttf')
    with pytest.raises(LabelFontError, match='lacks Chinese'):
        find_label_font('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')
    with pytest.raises(LabelFontError, match='No font covering Chinese.*apt-get install fonts-wqy-microhei'):
        find_label_font(None, candidates=())


def glyph_cells(image, left, baseline, size_px, count):
    """Square cells (one em wide, as CJK characters are) along a line of text in an image."""
    top = baseline - round(size_px * 0.9)
    return [image.crop((round(left + i * size_px), top, round(left + (i + 1) * size_px), top + size_px)).convert('1')
            for i in range(count)]


def notdef_cell(font, size_px):
    """The font's missing-glyph box at a pixel size, drawn as Pillow draws an unknown character."""
    image = Image.new('L', (size_px * 2, size_px * 2), 255)
    ImageDraw.Draw(image).text((0, size_px * 1.5), '\U000F0000', font=font.pil(size_px), fill=0, anchor='ls')
    return image.crop((0, round(size_px * 1.5) - round(size_px * 0.9), size_px,
                       round(size_px * 1.5) - round(size_px * 0.9) + size_px)).convert('1')


def differ(a, b):
    """Share of pixels that differ between two same-sized 1-bit images."""
    diff = ImageChops.difference(a.convert('L'), b.convert('L'))
    return 1 - diff.histogram()[0] / (a.width * a.height)


def assert_real_glyphs(cells, notdef):
    inked = [c for c in cells if c.convert('L').getextrema()[0] == 0]
    assert len(inked) == len(cells), 'a character drew nothing'
    for cell in cells:
        assert differ(cell, notdef.resize(cell.size)) > 0.08, 'a character drew the missing-glyph box'
    for a in range(len(cells)):
        for b in range(a + 1, len(cells)):
            assert differ(cells[a], cells[b]) > 0.05, 'two characters drew the same shape (boxes?)'


def test_chinese_glyphs_drawn_are_not_the_missing_glyph_box(font):
    name = '灭火器箱'
    layout = BUILTIN_LAYOUTS['thermal-70x50']
    drawing = compose_label(layout, LabelContent('7K3M9Q2XAB', name, '教学楼 › 一楼', '测试中心小学'), MATRIX, font)
    line = next(l for l in drawing.lines if l.role == 'name')
    assert line.text == name
    # The PNG a thermal printer gets.
    dpi = 300
    ppm = dpi / 25.4
    png = render.label_png(drawing, dpi, font)
    size_px = round(line.size * ppm)
    cells = glyph_cells(png, line.x * ppm, round(line.baseline * ppm), size_px, len(name))
    assert_real_glyphs(cells, notdef_cell(font, size_px))
    # The PDF, rasterised by an independent renderer (PDFium) from the embedded subset font.
    pdf = pdfium.PdfDocument(render.pdf_bytes(layout, [drawing], font))
    page = pdf[0].render(scale=dpi / 72).to_pil().convert('L')
    cells = glyph_cells(page, line.x * ppm, round(line.baseline * ppm), size_px, len(name))
    assert_real_glyphs(cells, notdef_cell(font, size_px))
    assert name in pdf[0].get_textpage().get_text_range()


# --- outputs ---------------------------------------------------------------------------------------

def sample_drawings(layout, font, count):
    contents = [LabelContent(new_token(), NAMES[i % len(NAMES)], LOCATIONS[i % 3], '测试中心小学') for i in range(count)]
    return [compose_label(layout, c, qr_matrix('HTTP://SCHOOL.TEST/T/' + c.token), font) for c in contents]


def test_pdf_is_vector_with_a_small_embedded_subset_font(font):
    layout = BUILTIN_LAYOUTS['a4-3x8']
    data = render.pdf_bytes(layout, sample_drawings(layout, font, 24), font)
    assert len(data) < 150_000           # a subset: the full font file is 5 MB
    assert data.count(b'/FontFile2') >= 1 and re.search(rb'/BaseFont /[A-Z]{6}\+', data)
    assert b'/Subtype /Image' not in data  # QR codes are paths, not pictures
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    width, height = pdf[0].get_size()
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297


def test_pdf_pages_follow_the_layout(font):
    layout = BUILTIN_LAYOUTS['thermal-50x30']
    pdf = pdfium.PdfDocument(render.pdf_bytes(layout, sample_drawings(layout, font, 3), font))
    assert len(pdf) == 3
    assert [round(v / 72 * 25.4) for v in pdf[0].get_size()] == [50, 30]


def test_thermal_png_is_true_to_size_at_203_and_300_dpi(font):
    layout = BUILTIN_LAYOUTS['thermal-50x30']
    drawing = sample_drawings(layout, font, 1)[0]
    for dpi, size in ((203, (400, 240)), (300, (591, 354))):
        image = Image.open(io.BytesIO(render.png_bytes(drawing, dpi, font)))
        assert image.size == size
        assert round(image.info['dpi'][0]) == dpi


def test_svg_page_is_true_to_size_with_one_path_per_qr(font):
    layout = BUILTIN_LAYOUTS['a4-3x8']
    drawings = sample_drawings(layout, font, 5)
    svg = render.svg_page(layout, next(render.pages(layout, drawings)))
    assert 'width="210mm" height="297mm" viewBox="0 0 210 297"' in svg
    assert svg.count('<path') == 5 and svg.count('<image') == 0
    assert 'style=' not in svg


# --- selections and pages over HTTP ------------------------------------------------------------------

@pytest.fixture
def labelled(school):
    """The test school with toilets on two floors, a second building and fire extinguishers, each labelled."""
    with db.database.connection_context():
        campus, building, floor = school['campus'], school['building'], school['floor']
        floor2 = Place.create(campus=campus, parent=building, name='二楼', kind='floor')
        other = Place.create(campus=campus, name='综合楼', kind='building', code='B')
        toilets = [Place.create(campus=campus, parent=f, name=n, kind='toilet')
                   for f in (floor, floor2) for n in ('男厕所', '女厕所')]
        elsewhere = Place.create(campus=campus, parent=other, name='男厕所', kind='toilet')
        extinguishers = [Item.create(campus=campus, place=school['room'], kind='fire_extinguisher',
                                     name='干粉灭火器', asset_number=f'MHQ-{i:04d}') for i in range(3)]
        tags = {}
        for obj in toilets + [elsewhere]:
            tags[obj.id] = Tag.create(token=new_token(), campus=campus, place=obj)
        for item in extinguishers:
            tags[('item', item.id)] = Tag.create(token=new_token(), campus=campus, item=item)
    return dict(school, toilets=toilets, elsewhere=elsewhere, extinguishers=extinguishers, tags=tags)


def sheet_html(client, **args):
    response = client.get('/admin/labels/sheet', query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def printed_tokens(html):
    return re.findall(r'>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})</text>', html)


def test_toilets_of_the_teaching_building_on_a4_3x8(as_role, labelled):
    client = as_role('manager')
    html = sheet_html(client, place_id=labelled['building'].id, kind='place:toilet', layout='a4-3x8')
    expected = {human_code(labelled['tags'][t.id].token) for t in labelled['toilets']}
    assert set(printed_tokens(html)) == expected                      # not the other building's toilet
    assert html.count('class="sheet-page"') == 1 and '/admin/labels/page.css?layout=a4-3x8' in html
    assert 'style="' not in html and '<script>' not in html           # strict CSP: no inline style or script
    css = client.get('/admin/labels/page.css?layout=a4-3x8').get_data(as_text=True)
    assert '@page{size:210mm 297mm;margin:0}' in css


def test_kind_never_printed_and_hand_picked_selections(as_role, labelled):
    client = as_role('admin')
    html = sheet_html(client, kind='item:fire_extinguisher')
    assert len(printed_tokens(html)) == 3
    picked = [labelled['tags'][labelled['toilets'][0].id].token, labelled['tags'][labelled['elsewhere'].id].token]
    html = sheet_html(client, t=[human_code(picked[0]).lower(), picked[1]])
    assert sorted(printed_tokens(html)) == sorted(human_code(t) for t in picked)
    # Print the toilets of the first floor; "never printed" then leaves them out.
    token = csrf_token(client, '/admin/labels/sheet?kind=place:toilet')
    response = client.post('/admin/labels/print', data={'csrf_token': token, 'kind': 'place:toilet',
                                                         'place_id': labelled['floor'].id, 'layout': 'a4-3x8'})
    assert response.status_code == 200 and 'id="autoprint"' in response.get_data(as_text=True)
    with db.database.connection_context():
        printed = {t.place_id for t in Tag.select().where(Tag.printed_at.is_null(False))}
    assert printed == {t.id for t in labelled['toilets'][:2]}
    html = sheet_html(client, kind='place:toilet', unprinted='y')
    assert len(printed_tokens(html)) == 3


def test_bad_selection_input_gets_a_message_and_keeps_what_was_typed(as_role, labelled):
    client = as_role('admin')
    response = client.get('/admin/labels/sheet?kind=place:spaceship&layout=nope&t=not-a-code')
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'not-a-code' in html and 'class="error"' in html


def test_pdf_download_marks_printed(as_role, labelled):
    client = as_role('admin')
    token = csrf_token(client, '/admin/labels/sheet?kind=item:fire_extinguisher')
    assert client.post('/admin/labels/pdf', data={'kind': 'item:fire_extinguisher'}).status_code == 400  # no CSRF
    response = client.post('/admin/labels/pdf', data={'csrf_token': token, 'kind': 'item:fire_extinguisher',
                                                       'layout': 'a4-3x8', 'place_id': 0})
    assert response.status_code == 200 and response.mimetype == 'application/pdf'
    assert 'attachment' in response.headers['Content-Disposition']
    assert len(pdfium.PdfDocument(response.data)) == 1
    with db.database.connection_context():
        assert Tag.select().where(Tag.item.is_null(False) & Tag.printed_at.is_null()).count() == 0


def test_png_downloads_one_label_or_a_zip(as_role, labelled):
    client = as_role('admin')
    token = csrf_token(client, '/admin/labels/sheet')
    one = labelled['tags'][('item', labelled['extinguishers'][0].id)].token
    response = client.post('/admin/labels/png', data={'csrf_token': token, 't': one, 'layout': 'thermal-50x30',
                                                       'dpi': '203'})
    assert response.mimetype == 'image/png'
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (400, 240)
    response = client.post('/admin/labels/png', data={'csrf_token': token, 'kind': 'item:fire_extinguisher',
                                                       'layout': 'thermal-40x30', 'dpi': '300'})
    assert response.mimetype == 'application/zip'
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 3 and all(n.endswith('.png') for n in names)
    response = client.post('/admin/labels/png', data={'csrf_token': token, 't': one, 'dpi': '150'})
    assert response.status_code == 400


def test_without_a_cjk_font_pdf_is_refused_clearly(database_url, tmp_path):
    app = make_app(database_url, tmp_path, LABEL_FONT='/nowhere/wqy.ttc')
    from helpers import make_school
    make_school()
    client = app.test_client()
    login(client, 'admin')
    assert '/nowhere/wqy.ttc' in client.get('/admin/labels/').get_data(as_text=True)
    assert client.get('/admin/labels/sheet').status_code == 200   # the browser draws the print page's text
    token = csrf_token(client, '/admin/labels/sheet')
    response = client.post('/admin/labels/pdf', data={'csrf_token': token})
    assert response.status_code == 422
    assert 'HOUQIN_LABEL_FONT' in response.get_data(as_text=True)


def test_byte_mode_is_explained_on_the_admin_page(database_url, tmp_path):
    app = make_app(database_url, tmp_path, BASE_URL='https://example.org/houqin')
    from helpers import make_school
    make_school()
    client = app.test_client()
    login(client, 'admin')
    html = client.get('/admin/labels/').get_data(as_text=True)
    assert 'https://example.org/houqin' in html and 'class="flash error"' in html


# --- reprint, blank labels -----------------------------------------------------------------------

def test_reprint_issues_a_new_code_after_confirmation(as_role, labelled):
    client = as_role('manager')
    old = labelled['tags'][labelled['toilets'][0].id]
    page = client.get(f'/admin/labels/tag/{old.token}/reprint').get_data(as_text=True)
    assert human_code(old.token) in page
    token = csrf_token(client, f'/admin/labels/tag/{old.token}/reprint')
    response = client.post(f'/admin/labels/tag/{old.token}/reprint', data={'csrf_token': token})
    assert response.status_code == 302   # not confirmed: nothing happens
    with db.database.connection_context():
        assert Tag.get_by_id(old.id).status == 'active'
    response = client.post(f'/admin/labels/tag/{old.token}/reprint', data={'csrf_token': token, 'confirm': 'yes'})
    with db.database.connection_context():
        revoked = Tag.get_by_id(old.id)
        new = Tag.get_by_id(revoked.replaced_by_id)
        assert revoked.status == 'revoked' and revoked.revoked_at and new.status == 'active'
        assert new.place_id == old.place_id and new.token != old.token
        assert AuditLog.select().where(AuditLog.entity == 'tag').count() == 2
    assert response.headers['Location'].endswith(f'/admin/labels/tag/{new.token}')
    detail = client.get(f'/admin/labels/tag/{new.token}').get_data(as_text=True)
    assert human_code(old.token) in detail     # listed as an earlier code
    # A second reprint of the revoked label is refused politely.
    response = client.post(f'/admin/labels/tag/{old.token}/reprint', data={'csrf_token': token, 'confirm': 'yes'})
    assert response.status_code == 302
    with db.database.connection_context():
        assert Tag.select().where(Tag.place == old.place_id).count() == 2


def test_blank_labels_are_created_and_previewed(as_role, labelled):
    client = as_role('admin')
    token = csrf_token(client, '/admin/labels/unclaimed')
    response = client.post('/admin/labels/unclaimed', data={'csrf_token': token, 'count': 'abc', 'layout': 'a4-3x8'})
    assert response.status_code == 200 and 'value="abc"' in response.get_data(as_text=True)
    response = client.post('/admin/labels/unclaimed', data={'csrf_token': token, 'count': '5', 'layout': 'a4-4x10'})
    assert response.status_code == 302 and 'kind=unclaimed' in response.headers['Location']
    html = client.get(response.headers['Location']).get_data(as_text=True)
    assert len(printed_tokens(html)) == 5
    with db.database.connection_context():
        assert Tag.select().where(Tag.status == 'unclaimed').count() == 5


# --- the layout editor -------------------------------------------------------------------------------

LAYOUT_FORM = {'name': '得力 DL-2x6', 'page_width': '210', 'page_height': '297', 'columns': '2', 'rows': '6',
               'label_width': '100', 'label_height': '46', 'margin_left': '5', 'margin_top': '10,5',
               'gap_x': '0', 'gap_y': '0', 'padding': '2', 'action': 'save'}


def test_an_admin_adds_edits_and_deletes_a_layout(as_role, labelled):
    client = as_role('admin')
    token = csrf_token(client, '/admin/labels/layouts/new')
    response = client.post('/admin/labels/layouts/new', data=dict(LAYOUT_FORM, csrf_token=token))
    assert response.status_code == 302
    with db.database.connection_context():
        row = LabelLayout.get()
        assert (row.columns, row.rows, row.margin_top) == (2, 6, 10.5)
    assert '得力 DL-2x6' in client.get('/admin/labels/layouts').get_data(as_text=True)
    html = sheet_html(client, kind='place:toilet', layout=f'custom-{row.id}')
    assert len(printed_tokens(html)) == 5
    css = client.get(f'/admin/labels/page.css?layout=custom-{row.id}').get_data(as_text=True)
    assert 'size:210mm 297mm' in css
    edit = dict(LAYOUT_FORM, csrf_token=token, rows='7', label_height='40')
    assert client.post(f'/admin/labels/layouts/{row.id}', data=edit).status_code == 302
    with db.database.connection_context():
        assert LabelLayout.get_by_id(row.id).rows == 7
    assert client.post(f'/admin/labels/layouts/{row.id}/delete', data={'csrf_token': token}).status_code == 302
    with db.database.connection_context():
        assert LabelLayout.select().count() == 0


def test_a_layout_too_small_to_scan_is_refused_with_the_reason(as_role, labelled):
    client = as_role('admin')
    token = csrf_token(client, '/admin/labels/layouts/new')
    small = dict(LAYOUT_FORM, csrf_token=token, label_width='25', label_height='12', columns='8', rows='20')
    response = client.post('/admin/labels/layouts/new', data=small)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '0.4' in html and 'value="25"' in html
    bad = dict(LAYOUT_FORM, csrf_token=token, label_width='seventy')
    response = client.post('/admin/labels/layouts/new', data=bad)
    assert response.status_code == 400 and 'seventy' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert LabelLayout.select().count() == 0


def test_layouts_belong_to_a_campus_and_only_admins_edit_them(as_role, labelled):
    with db.database.connection_context():
        other = Campus.create(name='另一所学校', code='other')
        row = LabelLayout.create(campus=other, name='theirs', page_width=210, page_height=297, label_width=70,
                                 label_height=37, columns=3, rows=8)
    admin = as_role('admin')
    assert admin.get(f'/admin/labels/layouts/{row.id}').status_code == 404
    assert 'theirs' not in admin.get('/admin/labels/layouts').get_data(as_text=True)
    assert as_role('manager').get('/admin/labels/layouts/new').status_code == 403


# --- the command line -------------------------------------------------------------------------------

def test_cli_writes_a_pdf_and_pngs_and_marks_them_printed(app, runner, labelled, tmp_path):
    out = tmp_path / 'toilets.pdf'
    result = runner.invoke(args=['houqin', 'labels', '--layout', 'a4-3x8', '--place', 'A', '--kind', 'toilet',
                                 '--out', str(out)])
    assert result.exit_code == 0, result.output
    assert 'Wrote 4 labels' in result.output and out.stat().st_size < 100_000
    result = runner.invoke(args=['houqin', 'labels', '--layout', 'thermal-50x30', '--kind', 'fire_extinguisher',
                                 '--png', '--dpi', '300', '--out', str(tmp_path / 'png')])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / 'png').iterdir())
    assert len(files) == 3 and Image.open(files[0]).size == (591, 354)
    with db.database.connection_context():
        assert Tag.select().where(Tag.printed_at.is_null(False)).count() == 7
    result = runner.invoke(args=['houqin', 'labels', '--kind', 'toilet', '--unprinted', '--out', str(out)])
    assert result.exit_code == 0 and 'Wrote 1 labels' in result.output  # only the other building's toilet
    assert runner.invoke(args=['houqin', 'labels', '--layout', 'a5-9x9']).exit_code != 0
    assert 'thermal-70x50' in runner.invoke(args=['houqin', 'labels', '--list-layouts']).output


def test_cli_prints_a_batch_of_blank_labels(app, runner, labelled, tmp_path):
    result = runner.invoke(args=['houqin', 'labels', '--unclaimed', '30', '--layout', 'a4-4x10',
                                 '--out', str(tmp_path / 'blank.pdf')])
    assert result.exit_code == 0, result.output
    assert 'Wrote 30 labels on 1 pages' in result.output
    words = pdfium.PdfDocument(str(tmp_path / 'blank.pdf'))[0].get_textpage().get_text_range()
    assert '未启用标签' in words and '测试中心小学' in words
    with db.database.connection_context():
        assert Tag.select().where((Tag.status == 'unclaimed') & Tag.printed_at.is_null(False)).count() == 30
