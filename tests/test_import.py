"""Bulk import of places and assets: templates, good files, bad files, confirming once, 5,000 assets."""
import csv
import datetime
import io

import pytest
from helpers import csrf_token
from openpyxl import Workbook, load_workbook

from houqin.db import database
from houqin.importing import files as files_module, rows as rows_module
from houqin.importing.rows import ITEM_KINDS, PLACE_KINDS, parse_date, split_path
from houqin.models import AuditLog, Item, Place, Tag

PLACE_HEADER = ['名称', '类型', '上级位置', '编号', '备注']
ITEM_HEADER = ['名称', '类型', '所在位置', '资产编号', '数量', '保管人', '状态', '购置日期', '有效期至', '备注']


def xlsx_bytes(rows, title=None):
    """A workbook whose first sheet holds the rows (a title line above them when given)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet('Sheet1')
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding='utf-8-sig'):
    out = io.StringIO()
    csv.writer(out, lineterminator='\r\n').writerows(rows)
    return out.getvalue().encode(encoding)


def counts():
    """How many places, assets, labels and audit entries the database holds."""
    with database.connection_context():
        return {m.__name__: m.select().count() for m in (Place, Item, Tag, AuditLog)}


def upload(client, kind, filename, data):
    token = csrf_token(client, '/admin/import/')
    return client.post('/admin/import/', data={'csrf_token': token, 'kind': kind,
                                               'file': (io.BytesIO(data), filename)},
                       content_type='multipart/form-data')


def preview_url(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    location = response.headers['Location']
    assert '/admin/import/preview/' in location
    return location


def confirm(client, preview):
    return client.post(preview + '/confirm', data={'csrf_token': csrf_token(client, preview)})


def import_file(client, kind, filename, data):
    """Upload, look at the preview, confirm; returns the preview page's text."""
    preview = preview_url(upload(client, kind, filename, data))
    page = client.get(preview).get_data(as_text=True)
    response = confirm(client, preview)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return page


def text(response):
    return response.get_data(as_text=True)


def place_by_path(*names):
    with database.connection_context():
        place = None
        for name in names:
            place = Place.get((Place.name == name) & (Place.parent == (place.id if place else None)))
        return place


def active_tag_count(**where):
    with database.connection_context():
        query = Tag.select().where(Tag.status == 'active')
        for name, value in where.items():
            query = query.where(getattr(Tag, name) == value)
        return query.count()


# The rules, without HTTP

@pytest.mark.parametrize('value, expected', [
    ('2026-03-01', datetime.date(2026, 3, 1)), ('2026/3/1', datetime.date(2026, 3, 1)),
    ('2026年3月1日', datetime.date(2026, 3, 1)), ('20260301', datetime.date(2026, 3, 1)),
    ('２０２６－０３－０１', datetime.date(2026, 3, 1)), ('2026-03-01 00:00:00', datetime.date(2026, 3, 1)),
    (datetime.datetime(2026, 3, 1, 0, 0), datetime.date(2026, 3, 1)), (20260301, datetime.date(2026, 3, 1)),
])
def test_dates_in_the_ways_people_write_them(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize('value', ['2026-02-30', '3/1/2026', '明年', '2026', '45000', '1800-01-01'])
def test_not_dates(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_paths_and_kinds(app):
    assert split_path('教学楼/一楼 › 101') == ['教学楼', '一楼', '101']
    assert split_path(' 教学楼 ／ 一楼 > 101 ＞ 柜子 ') == ['教学楼', '一楼', '101', '柜子']
    with app.app_context():
        assert PLACE_KINDS.key('卫生间') == 'toilet'
        assert PLACE_KINDS.key('教学楼') == 'building'
        assert PLACE_KINDS.key('Function room') == 'function_room'
        assert ITEM_KINDS.key('fire_extinguisher') == 'fire_extinguisher'
        assert ITEM_KINDS.key('火箭') is None


def test_example_rows_are_known_by_their_note_not_their_content(app):
    """A real row that looks like the template's example (教学楼, 楼栋, A) is imported; a marked example is not."""
    from houqin.importing.rows import EXAMPLE_NOTE, Table, plan_import
    from houqin.models import Campus
    with app.test_request_context(), database.connection_context():
        campus = Campus.create(name='新校区', code='new')
        table = Table(headers=PLACE_HEADER, rows=[(2, ('教学楼', '楼栋', '', 'A', EXAMPLE_NOTE)),
                                                  (3, ('教学楼', '楼栋', '', 'A', '')),
                                                  (4, ('一楼', '楼层', '教学楼', '', None))])
        plan = plan_import('places', campus, table)
    assert not plan.errors
    assert plan.examples_skipped == 1
    assert [(r.row, r.path) for r in plan.rows] == [(3, '教学楼'), (4, '教学楼 › 一楼')]


# Templates

def test_templates_download_and_round_trip(as_role):
    client = as_role('manager')
    response = client.get('/admin/import/template/places.xlsx')
    assert response.status_code == 200
    assert 'attachment' in response.headers['Content-Disposition']
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == PLACE_HEADER
    assert '厕所' in [c.value for c in book['可选值']['A']]
    assert sheet.data_validations.dataValidation, 'the kind column offers a drop-down list'
    assert '填写说明' in book.sheetnames
    # Fill in the template below the untouched examples, as a user would.
    sheet.append(['综合楼', '楼栋', '', 'B', ''])
    sheet.append(['二楼', '楼层', '综合楼', '', ''])
    sheet.append(['音乐室', '功能室', '综合楼/二楼', 'B201', '有钢琴'])
    out = io.BytesIO()
    book.save(out)
    before = counts()
    page = import_file(client, 'places', '场所导入模板.xlsx', out.getvalue())
    assert '3 个示例行' in page or '3 example rows' in page
    assert counts()['Place'] == before['Place'] + 3
    room = place_by_path('综合楼', '二楼', '音乐室')
    assert (room.kind, room.code, room.note) == ('function_room', 'B201', '有钢琴')

    response = client.get('/admin/import/template/items.csv')
    assert response.status_code == 200 and response.data.startswith(b'\xef\xbb\xbf')
    rows = list(csv.reader(io.StringIO(response.data.decode('utf-8-sig'))))
    assert rows[0] == ITEM_HEADER
    rows.append(['电子白板', '其他', '综合楼/二楼/音乐室', 'BB-01', '1', '王老师', '在用', '2025-09-01', '', ''])
    before = counts()
    import_file(client, 'items', 'items.csv', csv_bytes(rows))
    assert counts()['Item'] == before['Item'] + 1  # the example rows were not imported
    assert client.get('/admin/import/template/items.xlsx').status_code == 200
    assert client.get('/admin/import/template/places.csv').status_code == 200
    assert client.get('/admin/import/template/secrets.xlsx').status_code == 404


# Good files

def test_a_tree_of_places_in_one_xlsx(as_role, school):
    client = as_role('admin')
    before = counts()
    rows = [PLACE_HEADER,
            ['实验楼', '教学楼', '', 'S', '2019 年建成'],
            ['一层', '楼层', '实验楼', '', ''],
            ['二层', '楼层', '实验楼', None, None],
            ['物理实验室', '实验室', '实验楼/一层', 'S101', ''],
            ['男卫生间', '卫生间', '实验楼 › 一层', '', ''],
            ['器材室', '仓库', '实验楼／二层', 201, ''],     # a number cell as the code
            ['102教室', 'classroom', '教学楼/一楼', '102', ''],  # inside a place already in the database
            ['楼梯间', '', 'S', '', '']]                       # the parent given by its code
    page = import_file(client, 'places', '实验楼.xlsx', xlsx_bytes(rows))
    assert '实验楼 › 一层' in page
    after = counts()
    assert after['Place'] == before['Place'] + 8
    assert after['Tag'] == before['Tag'] + 8
    assert after['AuditLog'] == before['AuditLog'] + 1
    lab = place_by_path('实验楼', '一层', '物理实验室')
    assert (lab.kind, lab.code) == ('lab', 'S101')
    assert place_by_path('实验楼', '一层', '男卫生间').kind == 'toilet'
    assert place_by_path('实验楼', '二层', '器材室').code == '201'
    assert place_by_path('实验楼').note == '2019 年建成'
    assert place_by_path('教学楼', '一楼', '102教室').kind == 'classroom'
    assert place_by_path('实验楼', '楼梯间').kind == 'other'
    with database.connection_context():
        floors = list(Place.select().where(Place.parent == place_by_path('实验楼').id).order_by(Place.position))
        assert [f.name for f in floors] == ['一层', '二层', '楼梯间']  # file order, not character order
        assert Tag.select().where(Tag.place.in_([f.id for f in floors]), Tag.status == 'active').count() == 3
        entry = AuditLog.select().order_by(AuditLog.id.desc()).get()
        assert (entry.action, entry.entity, entry.user_id) == ('import', 'place', school['users']['admin'].id)
        assert '实验楼.xlsx' in entry.summary and '8' in entry.summary


def test_assets_from_xlsx(as_role, school):
    client = as_role('manager')
    before = counts()
    rows = [['XX学校资产登记表'],  # a title line above the headers, as many school sheets have
            ITEM_HEADER,
            ['投影仪', '投影机', '教学楼/一楼/101教室', 'TY-001', None, '王老师', '在用',
             datetime.datetime(2024, 9, 1), None, '爱普生'],
            ['灭火器', '灭火器', '教学楼/一楼', 'XF-101', 1, '', '', '2025/3/1', '2030年3月1日', ''],
            ['学生椅', '椅子', '101', '', 3, '', '损坏', '', '', ''],
            ['饮水机', 'Water dispenser', '教学楼 › 一楼 › 101教室', '', '', '', 'under repair', '', '', '']]
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    page = import_file(client, 'items', 'assets.xlsx', out.getvalue())
    assert '教学楼 › 一楼 › 101教室' in page
    after = counts()
    assert after['Item'] == before['Item'] + 6
    assert after['Tag'] == before['Tag'] + 6
    with database.connection_context():
        projector = Item.get(Item.asset_number == 'TY-001')
        assert (projector.kind, projector.place_id, projector.custodian, projector.purchased_on) == (
            'projector', school['room'].id, '王老师', datetime.date(2024, 9, 1))
        assert projector.attributes == {'note': '爱普生'}
        extinguisher = Item.get(Item.asset_number == 'XF-101')
        assert (extinguisher.place_id, extinguisher.status) == (school['floor'].id, 'in_use')
        assert (extinguisher.purchased_on, extinguisher.expires_on) == (datetime.date(2025, 3, 1),
                                                                        datetime.date(2030, 3, 1))
        chairs = list(Item.select().where(Item.name == '学生椅'))
        assert len(chairs) == 3 and {c.status for c in chairs} == {'broken'} and chairs[0].asset_number is None
        assert Item.get(Item.name == '饮水机').status == 'under_repair'
        for item in Item.select().where(Item.id != school['desk'].id):
            assert Tag.select().where((Tag.item == item) & (Tag.status == 'active')).count() == 1


@pytest.mark.parametrize('encoding', ['utf-8-sig', 'utf-8', 'gbk'])
def test_assets_from_csv_in_each_encoding_excel_writes(as_role, school, encoding):
    client = as_role('manager')
    rows = [ITEM_HEADER,
            ['灭火器', '灭火器', '教学楼/一楼', 'XF-201', '', '张师傅', '在用', '2025-03-01', '2030-03-01', ''],
            ['吸顶灯', '灯', '教学楼/一楼/101教室', '', '2', '', '', '', '', '已更换灯管']]
    import_file(client, 'items', '资产.csv', csv_bytes(rows, encoding))
    with database.connection_context():
        assert Item.get(Item.asset_number == 'XF-201').custodian == '张师傅'
        assert Item.select().where((Item.name == '吸顶灯') & (Item.kind == 'light')).count() == 2


def test_tab_separated_utf16_text(as_role, school):
    """Excel's "Unicode text" is UTF-16 with tabs."""
    client = as_role('manager')
    data = '\r\n'.join(['\t'.join(PLACE_HEADER), '\t'.join(['操场', '操场', '', '', ''])]).encode('utf-16')
    import_file(client, 'places', 'places.txt', data)
    assert place_by_path('操场').kind == 'playground'


# Bad files: every problem with its row number, and nothing written

def test_bad_asset_rows_are_all_reported_and_nothing_is_written(as_role, school):
    client = as_role('manager')
    rows = [ITEM_HEADER,
            ['投影仪', '投影仪', '教学楼/一楼/101教室', 'OK-1', '', '', '', '', '', ''],   # row 2: good
            ['课桌', '课桌', '教学楼/五楼', '', '', '', '', '', '', ''],                  # row 3
            ['灭火器', '灭火器', '教学楼/一楼', '', '', '', '', '2025-13-01', '', ''],     # row 4
            ['电脑', '电脑', '教学楼/一楼', 'PC-1', '', '', '', '', '', ''],              # row 5
            ['电脑', '电脑', '教学楼/一楼', 'PC-1', '', '', '', '', '', ''],              # row 6
            ['课桌', '课桌', '教学楼/一楼', 'KZ-0001', '', '', '', '', '', ''],           # row 7: in the database
            ['', '椅子', '教学楼/一楼', '', '', '', '', '', '', ''],                       # row 8
            ['火箭', '火箭', '教学楼/一楼', '', '', '', '', '', '', ''],                   # row 9
            ['灭火器', '灭火器', '教学楼/一楼', '', '', '', '', '2026-01-01', '2025-01-01', ''],  # row 10
            ['椅子', '椅子', '教学楼/一楼', 'YZ-1', '5', '', '坏了一半', '', '', '']]           # row 11
    before = counts()
    response = upload(client, 'items', 'bad.xlsx', xlsx_bytes(rows))
    page = text(response)
    assert response.status_code == 200
    assert '没有导入任何数据' in page
    for expected in ('第 3 行：找不到位置「教学楼/五楼」',
                     '第 4 行：购置日期「2025-13-01」不是日期',
                     '第 6 行：资产编号 PC-1 与第 5 行重复',
                     '第 7 行：资产编号 KZ-0001 已被其他资产使用',
                     '第 8 行：缺少名称',
                     '第 9 行：无法识别的类型「火箭」',
                     '第 10 行：有效期早于购置日期',
                     '第 11 行：无法识别的状态「坏了一半」',
                     '第 11 行：数量大于 1 的行不能填资产编号'):
        assert expected in page, expected
    assert '第 2 行' not in page and '第 5 行：' not in page
    assert counts() == before
    assert '/admin/import/preview/' not in page


def test_bad_place_rows_are_all_reported_and_nothing_is_written(as_role, school):
    client = as_role('admin')
    rows = [PLACE_HEADER,
            ['新楼', '楼栋', '', 'N', ''],            # row 2: good
            ['一层', '楼层', '新楼', '', ''],          # row 3: good
            ['101', '教室', '新楼/二层', '', ''],      # row 4: its parent comes later
            ['二层', '楼层', '新楼', '', ''],          # row 5: good
            ['一层', '楼层', '新楼', '', ''],          # row 6: twice in the file
            ['教学楼', '楼栋', '', '', ''],            # row 7: already in the database
            ['储物间', '太空舱', '新楼/一层', 'N', ''],  # row 8: unknown kind, code taken in the file
            ['办公室', '办公室', '新楼/一层', 'A', ''],  # row 9: code taken in the database
            ['A/B 室', '教室', '', '', ''],           # row 10: a separator inside a name
            ['走廊', '走廊', '旧楼', '', '']]          # row 11: unknown parent
    before = counts()
    page = text(upload(client, 'places', 'places.csv', csv_bytes(rows)))
    for expected in ('第 4 行：上级位置「新楼/二层」在后面的第 5 行',
                     '第 6 行：场所「新楼 › 一层」与第 3 行重复',
                     '第 7 行：场所「教学楼」已存在',
                     '第 8 行：无法识别的类型「太空舱」',
                     '第 8 行：编号 N 与第 2 行重复',
                     '第 9 行：编号 A 已被其他场所使用',
                     '第 10 行：',
                     '第 11 行：找不到位置「旧楼」'):
        assert expected in page, expected
    assert counts() == before


@pytest.mark.parametrize('filename, data, message', [
    ('places.xlsx', '名称,类型\n教学楼,楼栋\n'.encode(), '不是有效的 Excel 工作簿'),
    ('places.xls', b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 600, '旧版 Excel'),
    ('places.csv', b'', '文件是空的'),
    ('places.pdf', b'%PDF-1.4 ...', '请上传 .xlsx 或 .csv 文件'),
    ('places.csv', '地点,颜色\n教学楼,红\n'.encode(), '找不到标题行'),
    ('places.csv', '名称,颜色\n教学楼,红\n'.encode(), '无法识别的列「颜色」（B 列）'),
    ('places.csv', '类型,编号\n楼栋,A\n'.encode(), '缺少必填列「名称」'),
    ('places.csv', '名称,所在位置,资产编号\n课桌,教学楼,1\n'.encode(), '是否要导入资产'),
    ('places.csv', '名称,类型\n'.encode(), '文件中没有要导入的行'),
    ('places.csv', b'\x00\x01\x02\xff\xfe\x00binary', '无法作为文本读取'),
], ids=['text-named-xlsx', 'old-xls', 'empty', 'pdf', 'no-header-row', 'unknown-column', 'no-name-column',
        'asset-columns-for-places', 'header-only', 'binary'])
def test_files_that_are_not_import_files(as_role, school, filename, data, message):
    client = as_role('manager')
    before = counts()
    response = upload(client, 'places', filename, data)
    assert response.status_code == 200
    assert message in text(response), text(response)[:3000]
    assert counts() == before


def test_a_workbook_with_macros_is_refused(as_role, school):
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes([PLACE_HEADER, ['楼', '楼栋', '', '', '']]))) as good:
            for name in good.namelist():
                archive.writestr(name, good.read(name))
        archive.writestr('xl/vbaProject.bin', b'macro')
    response = upload(as_role('manager'), 'places', 'places.xlsx', out.getvalue())
    assert '宏' in text(response)


def test_too_many_rows(as_role, school, monkeypatch):
    monkeypatch.setattr(rows_module, 'MAX_ROWS', 10)
    monkeypatch.setattr(files_module, 'MAX_ROWS', 10)
    rows = [PLACE_HEADER] + [[f'房间{i}', '教室', '教学楼/一楼', '', ''] for i in range(11)]
    response = upload(as_role('manager'), 'places', 'big.csv', csv_bytes(rows))
    assert '最多' in text(response) and '10' in text(response)


def test_an_oversized_file_gets_a_message_not_a_bare_413(app, as_role, school):
    app.config.update(MAX_CONTENT_LENGTH=50_000, UPLOAD_MAX_MB=0)
    response = upload(as_role('manager'), 'places', 'big.csv', b'x' * 60_000)
    assert response.status_code == 413
    assert '文件大于' in text(response) and 'name="file"' in text(response)


# The flow: preview, confirm once, only by the uploader

def test_preview_shows_rows_and_cancel_writes_nothing(as_role, school):
    client = as_role('manager')
    rows = [PLACE_HEADER, ['传达室', '校门', '', 'G1', '']]
    preview = preview_url(upload(client, 'places', 'gate.csv', csv_bytes(rows)))
    page = text(client.get(preview))
    assert '传达室' in page and 'G1' in page and '尚未写入' in page
    before = counts()
    response = client.post(preview + '/cancel', data={'csrf_token': csrf_token(client, preview)})
    assert response.status_code == 302
    assert counts() == before
    response = client.get(preview, follow_redirects=True)
    assert '已过期' in text(response)


def test_confirming_twice_imports_once(app, as_role, school):
    client = as_role('manager')
    rows = [ITEM_HEADER] + [[f'课桌{i}', '课桌', '教学楼/一楼/101教室', f'ZZ-{i}', '', '', '', '', '', '']
                            for i in range(20)]
    preview = preview_url(upload(client, 'items', 'desks.csv', csv_bytes(rows)))
    token = csrf_token(client, preview)
    before = counts()
    first = client.post(preview + '/confirm', data={'csrf_token': token})
    second = client.post(preview + '/confirm', data={'csrf_token': token}, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert '已经导入' in text(second)
    after = counts()
    assert (after['Item'], after['Tag'], after['AuditLog']) == (
        before['Item'] + 20, before['Tag'] + 20, before['AuditLog'] + 1)


def test_two_confirms_at_the_same_moment_import_once(as_role, school):
    """A double tap sends two requests at once; the upload is claimed by exactly one of them."""
    import threading
    first, second = as_role('manager'), as_role('manager')
    rows = [ITEM_HEADER] + [[f'椅子{i}', '椅子', '教学楼/一楼/101教室', '', '', '', '', '', '', ''] for i in range(300)]
    preview = preview_url(upload(first, 'items', 'chairs.csv', csv_bytes(rows)))
    tokens = [csrf_token(c, preview) for c in (first, second)]
    before = counts()
    barrier, statuses = threading.Barrier(2), []

    def tap(client, token):
        barrier.wait()
        statuses.append(client.post(preview + '/confirm', data={'csrf_token': token}).status_code)
        database.close() if not database.is_closed() else None
    threads = [threading.Thread(target=tap, args=pair) for pair in zip((first, second), tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]
    after = counts()
    assert (after['Item'], after['AuditLog']) == (before['Item'] + 300, before['AuditLog'] + 1)


def test_another_user_cannot_confirm_someone_elses_upload(as_role, school):
    manager, admin = as_role('manager'), as_role('admin')
    rows = [PLACE_HEADER, ['车库', '其他', '', '', '']]
    preview = preview_url(upload(manager, 'places', 'garage.csv', csv_bytes(rows)))
    before = counts()
    assert admin.get(preview).status_code == 403
    response = admin.post(preview + '/confirm', data={'csrf_token': csrf_token(admin, '/admin/import/')})
    assert response.status_code == 403 and '其他用户' in text(response)
    assert admin.post(preview + '/cancel', data={'csrf_token': csrf_token(admin, '/admin/import/')}).status_code == 403
    assert counts() == before
    assert confirm(manager, preview).status_code == 302  # the uploader still can
    assert counts()['Place'] == before['Place'] + 1


def test_unknown_token(as_role, school):
    client = as_role('manager')
    for token in ('ABCDEFGH12', 'x' * 32, '..%2F..%2Fsecret_key_000000000'):
        response = client.get(f'/admin/import/preview/{token}', follow_redirects=True)
        assert response.status_code in (200, 404)
        assert response.status_code == 404 or '已过期' in text(response)


def test_data_changed_between_preview_and_confirm(as_role, school):
    client = as_role('manager')
    rows = [ITEM_HEADER, ['空调', '空调', '教学楼/一楼/101教室', 'KT-1', '', '', '', '', '', '']]
    preview = preview_url(upload(client, 'items', 'ac.csv', csv_bytes(rows)))
    token = csrf_token(client, preview)
    with database.connection_context():
        Item.create(campus=school['campus'], place=school['room'], kind='air_conditioner', name='空调',
                    asset_number='KT-1')
    before = counts()
    response = client.post(preview + '/confirm', data={'csrf_token': token})
    assert response.status_code == 200
    assert '第 2 行：资产编号 KT-1 已被其他资产使用' in text(response)
    assert counts() == before


def test_viewers_and_teachers_may_not_import(as_role):
    assert as_role('viewer').get('/admin/import/').status_code == 403
    teacher = as_role('teacher')
    assert teacher.get('/admin/import/template/places.xlsx').status_code == 403
    token = csrf_token(teacher, '/account')
    response = teacher.post('/admin/import/', data={'csrf_token': token, 'kind': 'places',
                                                    'file': (io.BytesIO(b'x'), 'a.csv')},
                            content_type='multipart/form-data')
    assert response.status_code == 403


def test_upload_page_in_english(as_role):
    client = as_role('manager')
    page = text(client.get('/admin/import/', headers={'Accept-Language': 'en'}))
    assert 'Import places and assets' in page or '导入场所和资产' in page


# Scale

def test_five_thousand_assets(as_role, school):
    client = as_role('manager')
    rows = [ITEM_HEADER] + [
        [f'课桌椅{i:04d}', '课桌', '教学楼/一楼/101教室', f'DK-{i:05d}', '', '李老师', '在用',
         datetime.date(2024, 9, 1), None, None] for i in range(5000)]
    data = xlsx_bytes(rows)
    before = counts()
    real = database.obj
    sent, execute = [], real.execute_sql

    def counting(sql, *args, **kwargs):
        sent.append(sql)
        return execute(sql, *args, **kwargs)
    real.execute_sql = counting
    try:
        page = import_file(client, 'items', 'desks.xlsx', data)
    finally:
        real.execute_sql = execute
    assert '5000' in page
    after = counts()
    assert after['Item'] == before['Item'] + 5000
    assert after['Tag'] == before['Tag'] + 5000
    with database.connection_context():
        untagged = (Item.select().where(Item.asset_number.startswith('DK-'))
                    .where(Item.id.not_in(Tag.select(Tag.item).where(Tag.item.is_null(False)))).count())
        assert untagged == 0
        tagged = (Tag.select(Tag.item).join(Item).where(Item.asset_number.startswith('DK-'))
                  .distinct().count())
        assert tagged == 5000
        assert len({t.token for t in Tag.select(Tag.token)}) == after['Tag']
    # Rows go in batches, not a statement (or three) per asset: the cost that made this slow was per row.
    assert len(sent) < 400, f'5,000 assets took {len(sent)} statements'
