"""The first week at a real school (issue 11), over real HTTP: what a janitor, a guard, an anonymous reporter
and a logistics head ran into, each pinned."""
import datetime as dt
import gzip
import os
import re

import pytest
from helpers import csrf_token, login, make_app, make_school
from test_patrol_helpers import around_now, local, make_route
from test_scan import form_fields, labels, page, post_form  # noqa: F401  (labels is a fixture)

from houqin.checklists.versions import active_template, questions
from houqin.clock import today, utcnow
from houqin.db import database
from houqin.labels.compose import ApproxMetrics, fit_text
from houqin.models import AuditLog, Campus, DutyLog, PatrolScan, Photo, Record, Tag, User, WorkOrder
from houqin.patrol.checkpoints import EVIDENCE_SECONDS, record_evidence, record_scan

NIGHT = dt.date(2026, 3, 10)


def count(model, *where):
    with database.connection_context():
        query = model.select()
        return (query.where(*where) if where else query).count()


def toilet_items(school):
    with database.connection_context():
        return questions(active_template(school['campus'].id, 'toilet', 'cleaning'))


def shift_records_back(seconds):
    """Make every record older, as if that much time had passed."""
    with database.connection_context():
        for record in Record.select():
            Record.update(created_at=record.created_at - dt.timedelta(seconds=seconds)).where(
                Record.id == record.id).execute()


# 1. One form, one button: what the janitor marked goes with 完成保洁 ------------------------------------------

def test_a_failed_item_marked_before_cleaning_done_is_stored_with_it_and_opens_a_work_order(as_role, labels,
                                                                                          school):
    janitor = as_role('janitor')
    html = page(janitor, labels['toilet'])
    assert html.count(f'action="/t/{labels["toilet"]}/clean"') == 1
    cleaning_form = html[html.index(f'action="/t/{labels["toilet"]}/clean"'):]
    cleaning_form = cleaning_form[:cleaning_form.index('</form>')]
    assert cleaning_form.count('<button') == 1 and '完成保洁' in cleaning_form  # one form, one button
    assert '检查项（可选）：' in cleaning_form and '检查项（可选）:' not in cleaning_form
    floor = next(q for q in toilet_items(school) if q.item_type == 'pass_fail')
    response, _data = post_form(janitor, labels['toilet'], 'clean',
                                {f'q{floor.id}': 'fail', f'hazard{floor.id}': '1'}, page_html=html)
    assert response.status_code == 302
    shown = janitor.get(response.headers['Location']).get_data(as_text=True)
    with database.connection_context():
        record = Record.get(Record.activity == 'cleaning')
        order = WorkOrder.get()
        assert Record.select().where(Record.activity == 'cleaning').count() == 1
        assert record.outcome == 'problem' and record.answers['values'][str(floor.id)] == 'fail'
        assert record.answers['hazards'] == [str(floor.id)]
        assert order.record_id == record.id and order.hazard and floor.label in order.description
    assert f'维修单 <span class="nowrap">{order.number}</span>：' in shown  # the number never breaks inside


def test_an_untouched_checklist_is_a_plain_cleaning(as_role, labels):
    janitor = as_role('janitor')
    response, _data = post_form(janitor, labels['toilet'], 'clean')  # every item left at its default (合格)
    assert response.status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'cleaning')
        assert (record.outcome, record.answers, record.template_id) == ('ok', {}, None)
    assert count(WorkOrder) == 0


# 2. Staff see where to sign in --------------------------------------------------------------------------

def test_signed_out_visitors_see_a_short_staff_entry_above_the_public_report(client, labels):
    html = page(client, labels['room'])
    entry = html.index('class="staff-entry"')
    assert entry < html.index('id="r-title"')
    assert f'href="/login?next=/t/{labels["room"]}"' in html[entry:entry + 300]
    assert '工作人员登录后，可在这里记录工作。' in html
    assert html.count('>工作人员登录<') == 2  # the entry near the top and the footer link, no third card


# 3. Patrol evidence only from the page view that made the scan ------------------------------------------

@pytest.fixture
def live_route(app, school):
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房', '后门'],
                                            shift=around_now(utcnow()), every=24 * 60)
    return {'route': route, 'places': places, 'tags': tags}


def evidence_of(html):
    found = re.search(r'data-evidence-token="([0-9a-f]+)"', html)
    return found[1] if found else None


def test_evidence_is_taken_only_from_the_page_that_made_the_scan_and_only_soon(as_role, live_route):
    guard = as_role('guard')
    html = page(guard, live_route['tags'][0].token)
    scan = PatrolScan.select().order_by(PatrolScan.id.desc()).first()
    token, csrf = evidence_of(html), csrf_token(guard, f'/patrol/scans/{scan.id}')
    assert token is not None
    reload = page(guard, live_route['tags'][0].token)  # the same scan shown again: no token, so no evidence
    assert evidence_of(reload) is None and 'data-patrol-evidence' not in reload
    clock = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).isoformat()
    url = f'/patrol/scans/{scan.id}/evidence'
    for forged in ('', '0' * 32):
        refused = guard.post(url, data={'csrf_token': csrf, 'client_time': clock, 'token': forged})
        assert refused.status_code == 400 and refused.get_json() == {'error': '这次打卡不是由本页面产生的，未记录任何内容。'}
    assert PatrolScan.get_by_id(scan.id).client_time is None
    PatrolScan.update(created_at=scan.created_at - dt.timedelta(seconds=EVIDENCE_SECONDS + 1)).where(
        PatrolScan.id == scan.id).execute()
    late = guard.post(url, data={'csrf_token': csrf, 'client_time': clock, 'token': token})
    assert late.status_code == 409 and late.get_json() == {'error': '距离打卡时间太久，未记录任何内容。'}
    assert PatrolScan.get_by_id(scan.id).client_time is None and Record.get_by_id(scan.record_id).client_time is None


def test_a_rescan_after_the_round_ended_is_a_plain_record_and_rewrites_no_evidence(app, school):
    with database.connection_context():
        _route, _places, tags, _stops = make_route(school['campus'], ['校门', '配电房'], shift=('22:00', '06:00'),
                                                  starts=('04:00',))
        guard = school['users']['guard']
        first = record_scan(tags[0], guard, now=local(NIGHT, 28, 6))
        record_scan(tags[1], guard, now=local(NIGHT, 28, 14))
        assert first.run_id is not None
        record_evidence(first, now=local(NIGHT, 28, 6, 20), client_time=local(NIGHT, 28, 6, 5))
        again = record_scan(tags[0], guard, now=local(NIGHT + dt.timedelta(days=1), 6, 4))  # 06:04: the round ended, grace runs
        assert again.id != first.id and again.run_id is None and getattr(again, 'fresh', False)
        assert again.progress.round is None and again.progress.next_round.start == local(NIGHT + dt.timedelta(days=1), 28, 0)
        # The old scan's page posting the phone's clock at 06:04: ignored, the first clock stays.
        record_evidence(first, now=local(NIGHT + dt.timedelta(days=1), 6, 4, 10),
                        client_time=local(NIGHT + dt.timedelta(days=1), 6, 4, 9))
        kept = PatrolScan.get_by_id(first.id)
        assert kept.client_time == local(NIGHT, 28, 6, 5) and [f['code'] for f in kept.flags] == []
        assert Record.select().where(Record.activity == 'patrol').count() == 3


def test_the_clock_is_compared_with_the_scans_own_server_time(app, school):
    with database.connection_context():
        _route, _places, tags, _stops = make_route(school['campus'], ['校门'])
        scan = record_scan(tags[0], school['users']['guard'], now=local(NIGHT, 22, 5))
        # Sent 90 s after the scan with the phone's clock at the scan's time: no disagreement.
        after = record_evidence(scan, now=local(NIGHT, 22, 6, 30), client_time=local(NIGHT, 22, 5, 1))
        assert after.flags == []


# 4. Labels refuse the server's own address ----------------------------------------------------------------

@pytest.fixture
def loopback_app(database_url, tmp_path):
    return make_app(database_url, tmp_path, BASE_URL='http://127.0.0.1:8000')


def admin_of(app):
    school = make_school()
    client = app.test_client()
    assert login(client, 'admin').status_code == 302
    return client, school


def test_labels_for_a_loopback_address_are_refused_until_confirmed(loopback_app):
    admin, _school = admin_of(loopback_app)
    sheet = admin.get('/admin/labels/sheet?kind=places&layout=a4-3x8').get_data(as_text=True)
    assert '手机现在还打不开这些标签。' in sheet and 'HOUQIN_BASE_URL' in sheet and 'http://127.0.0.1:8000' in sheet
    assert sheet.count('name="confirm_address"') == 3  # print, PDF, PNG
    with database.connection_context():
        token = Tag.select().where(Tag.place.is_null(False)).first().token
    one = admin.get(f'/admin/labels/tag/{token}').get_data(as_text=True)
    assert '手机现在还打不开这些标签。' in one and one.count('name="confirm_address"') == 2  # PNG 203 and 300 dpi
    token = csrf_token(admin, '/admin/labels/')
    form = {'csrf_token': token, 'layout': 'a4-3x8', 'kind': 'places', 'place_id': '0'}
    refused = admin.post('/admin/labels/print', data=form)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'HOUQIN_BASE_URL' in body and '如果只是试打一张，请勾选按钮旁边的方框。' in body
    with database.connection_context():
        assert Tag.select().where(Tag.printed_at.is_null(False)).count() == 0  # nothing marked printed
    printed = admin.post('/admin/labels/print', data=dict(form, confirm_address='yes'))
    assert printed.status_code == 200
    with database.connection_context():
        assert Tag.select().where(Tag.printed_at.is_null(False)).count() > 0


def test_a_school_address_prints_and_the_qr_facts_speak_plainly(as_role, school):
    admin = as_role('admin')  # BASE_URL http://school.test
    index = admin.get('/admin/labels/').get_data(as_text=True)
    assert '手机现在还打不开' not in index
    assert '二维码尽量做得简单，手机扫得快，离远一点也能扫。' in index
    details = index[index.index('<details'):index.index('</details>')]
    assert '版本' in details and '模块' in details  # the jargon only behind the fold
    assert '模块' not in index.replace(details, '')
    sheet = admin.get('/admin/labels/sheet?kind=places&layout=thermal-40x30').get_data(as_text=True)
    assert 'name="confirm_address"' not in sheet and re.search('二维码(较大|大小合适|较小)', sheet)


# 5. Managers see the work: every place's and asset's admin page shows its records and photos ---------------

def test_a_place_and_an_asset_show_their_records_and_photos_page_by_page_and_the_overview_links_them(as_role,
                                                                                                   school):
    start = dt.datetime(2026, 12, 1, 1, 0)
    with database.connection_context():
        for n in range(12):  # 12 inspections of the desk and 12 cleanings of its room, one photo each at the oldest
            for at, activity, fields in ((n, 'inspection', {'item': school['desk']}), (100 + n, 'cleaning', {})):
                record = Record.create(uuid=f'00000000-0000-4000-8000-{at:012d}', campus=school['campus'],
                                       place=school['room'], activity=activity, user=school['users']['janitor'],
                                       created_at=start + dt.timedelta(minutes=n), **fields)
                if n == 0:
                    Photo.create(campus=school['campus'], sha256=f'{at:064d}', width=10, height=10, size=10,
                                 record=record)
        photos = {p.record.activity: p.id for p in Photo.select()}
    viewer = as_role('viewer')
    for url, photo in ((f'/admin/items/{school["desk"].id}', photos['inspection']),
                       (f'/admin/places/{school["room"].id}', photos['cleaning'])):
        first = viewer.get(url).get_data(as_text=True)
        shown = first[first.index('id="records"'):]
        assert shown.count('<li class="record">') == 10 and '12 条记录' in shown
        assert f'/photos/{photo}/thumb' not in shown  # the photo is on the oldest record, on the next page
        older = re.search(r'href="([^"]*records_before=\d+)#records"', shown)[1]
        second = viewer.get(older).get_data(as_text=True)
        rest = second[second.index('id="records"'):]
        assert rest.count('<li class="record">') == 2 and f'/photos/{photo}/thumb' in rest
        assert f'href="/photos/{photo}"' in rest  # the thumbnail opens the photo
    overview = viewer.get('/admin/').get_data(as_text=True)
    menu = overview[overview.index('<nav class="nav">'):overview.index('</nav>')]
    assert 'href="/admin/records/">记录<' in menu  # the menu has the records
    body = overview[overview.index('</nav>'):]
    assert 'href="/admin/records/"' in body  # and so does the overview itself


# 6. The anonymous receipt and finding one's report again -------------------------------------------------

def test_an_anonymous_report_is_kept_by_this_browser_and_found_again_at_the_label(client, labels):
    response, _data = post_form(client, labels['room'], 'report', {'title': '灯管闪个不停'})
    assert response.status_code == 302
    cookie = response.headers['Set-Cookie']
    with database.connection_context():
        order = WorkOrder.get()
    assert cookie.startswith(f'my_reports={order.follow_secret};') and 'HttpOnly' in cookie
    assert 'SameSite=Lax' in cookie and 'Max-Age=7776000' in cookie
    receipt = client.get(response.headers['Location']).get_data(as_text=True)
    assert f'<p class="big-number nowrap">{order.number}</p>' in receipt
    assert 'data-copy="http://localhost/repairs/follow/' in receipt and 'data-share=' in receipt
    assert '<script>' not in receipt and re.search(r'<script src="/static/scan\.[0-9a-f]{10}\.js" defer>', receipt)
    again = page(client, labels['room'])
    mine = again[again.index('您最近的报告'):]
    assert f'href="/repairs/follow/{order.follow_secret}"' in mine and order.number in mine
    stranger = client.application.test_client()
    assert '您最近的报告' not in page(stranger, labels['room'])


def test_a_forged_cookie_shows_nothing(client, labels):
    client.set_cookie('my_reports', '"><script>.x.' + 'A' * 50)
    assert '您最近的报告' not in page(client, labels['room'])


def test_the_follow_page_says_you_and_a_half_day(client, labels, school):
    response, _data = post_form(client, labels['room'], 'report', {'title': '门锁坏了'})
    with database.connection_context():
        order = WorkOrder.get()
        due = dt.datetime(2026, 12, 3, 1, 30)  # 09:30 in Shanghai
        WorkOrder.update(due_at=due).where(WorkOrder.id == order.id).execute()
    follow = client.get(f'/repairs/follow/{order.follow_secret}').get_data(as_text=True)
    assert '<b>您</b>' in follow and '有人' not in follow
    assert '<dd>12月3日上午</dd>' in follow


# 7. Layout and wording ------------------------------------------------------------------------------------

def test_a_label_never_leaves_one_character_alone():
    metrics = ApproxMetrics()
    for width in (5, 6, 7, 8, 10, 12):
        fitted = fit_text('男厕所', width, 12, 6, 1.5, 3, metrics.width)
        assert all(len(line) > 1 for line in fitted.lines), (width, fitted.lines)


def test_the_place_header_says_its_name_once_and_history_rows_their_person_once(as_role, labels, school):
    with database.connection_context():
        User.update(display_name='保洁 刘阿姨').where(User.username == 'janitor').execute()
    janitor = as_role('janitor')
    post_form(janitor, labels['toilet'], 'clean')
    html = page(as_role('manager'), labels['toilet'])
    assert html.count('一楼男厕所') == 2  # the <title> and the heading; the location names the places around it
    assert '<p>教学楼 › 一楼</p>' in html
    assert '保洁 · 保洁 刘阿姨' not in html and re.search(r'\d\d:\d\d · \s*<span class="sub">保洁 刘阿姨</span>', html)
    typed = janitor.get('/code').get_data(as_text=True)
    assert '请输入印在二维码右侧的编号（竖版标签印在二维码下方）。' in typed  # where labels print it


# 8. The audit log in Chinese -------------------------------------------------------------------------------

def test_the_audit_log_names_patrol_tables_in_chinese(as_role, school):
    with database.connection_context():
        for entity in ('route', 'route_stop', 'record'):
            AuditLog.create(campus=school['campus'], action='create', entity=entity, summary='')
    html = as_role('admin').get('/admin/audit').get_data(as_text=True)
    assert '巡逻路线' in html and '巡逻点' in html and '>记录<' in html
    assert not re.search(r'>\s*(route_stop|route|record)\s*<', html)


# 9. Undo and repeats ---------------------------------------------------------------------------------------

def test_a_second_sign_off_within_minutes_is_answered_not_stored(as_role, labels):
    janitor = as_role('janitor')
    assert post_form(janitor, labels['toilet'], 'clean')[0].status_code == 302
    shift_records_back(120)
    again = post_form(janitor, labels['toilet'], 'clean')[0]
    shown = janitor.get(again.headers['Location']).get_data(as_text=True)
    assert count(Record, Record.activity == 'cleaning') == 1
    assert re.search(r'2分钟前（\d\d:\d\d）已记录过，这次没有重复记录。', shown)
    shift_records_back(5 * 60)
    assert post_form(janitor, labels['toilet'], 'clean')[0].status_code == 302
    assert count(Record, Record.activity == 'cleaning') == 2  # after the repeat window: a new cleaning


def test_the_janitor_undoes_a_mistaken_sign_off_within_30_seconds(as_role, labels):
    janitor = as_role('janitor')
    post_form(janitor, labels['toilet'], 'clean')
    html = page(janitor, labels['toilet'])
    fields = form_fields(html, f'/t/{labels["toilet"]}/undo')
    assert '点错了？' in html and '撤销（30秒内）' in html
    other = as_role('manager')  # someone else sees no undo and cannot use it
    assert f'/t/{labels["toilet"]}/undo' not in page(other, labels['toilet'])
    undone = janitor.post(f'/t/{labels["toilet"]}/undo', data=fields)
    assert undone.status_code == 302
    assert re.search(r'已撤销：\d\d:\d\d的保洁记录已删除。', janitor.get(undone.headers['Location']).get_data(as_text=True))
    assert count(Record) == 0
    with database.connection_context():
        entry = AuditLog.get(AuditLog.entity == 'record')
        assert (entry.action, entry.user.username, entry.before['activity']) == ('delete', 'janitor', 'cleaning')
        assert entry.summary == '30秒内撤销：保洁'


def test_an_undo_after_30_seconds_is_refused_and_keeps_the_record(as_role, labels):
    janitor = as_role('janitor')
    post_form(janitor, labels['toilet'], 'clean')
    fields = form_fields(page(janitor, labels['toilet']), f'/t/{labels["toilet"]}/undo')
    shift_records_back(31)
    late = janitor.post(f'/t/{labels["toilet"]}/undo', data=fields)
    assert '已无法撤销（只能撤销自己30秒内的记录）。' in janitor.get(late.headers['Location']).get_data(as_text=True)
    assert count(Record, Record.activity == 'cleaning') == 1 and count(AuditLog) == 0


def test_a_guard_undoes_a_one_tap_anomaly_on_a_page_in_the_scan_look(as_role, live_route):
    guard = as_role('guard')
    page(guard, live_route['tags'][0].token)
    scan = PatrolScan.select().order_by(PatrolScan.id.desc()).first()
    token = csrf_token(guard, f'/patrol/scans/{scan.id}')
    tapped = guard.post(f'/patrol/scans/{scan.id}/anomaly', data={'csrf_token': token, 'anomaly': 'light_on'})
    detail = guard.get(tapped.headers['Location']).get_data(as_text=True)
    assert '<header class="top">' not in detail and re.search(r'<link rel="stylesheet" href="/static/scan\.', detail)
    fields = form_fields(detail, f'/patrol/scans/{scan.id}/undo')
    assert PatrolScan.get_by_id(scan.id).anomalies[0]['kind'] == 'light_on'
    undone = guard.post(f'/patrol/scans/{scan.id}/undo', data=fields)
    after = guard.get(undone.headers['Location']).get_data(as_text=True)
    assert '已撤销：不再记录“灯未关”。' in after
    assert PatrolScan.get_by_id(scan.id).anomalies == []
    assert Record.select().where(Record.activity == 'patrol').count() == 1  # the checkpoint scan stays
    assert AuditLog.get(AuditLog.entity == 'record').before['answers']['anomaly'] == 'light_on'


# 10. Static files cached for a year; pages gzipped ---------------------------------------------------------

def test_static_files_have_hashed_names_cached_a_year_and_pages_are_compressed(as_role, labels, live_route):
    guard = as_role('guard')
    response = guard.get(f'/t/{live_route["tags"][0].token}', headers={'Accept-Encoding': 'gzip, deflate'})
    assert response.headers['Content-Encoding'] == 'gzip' and response.headers['Cache-Control'] == 'private, no-store'
    assert 'Accept-Encoding' in response.headers['Vary']
    wire = len(response.data)
    html = gzip.decompress(response.data).decode()
    assert wire <= 14600 and wire == int(response.headers['Content-Length'])  # one round trip
    for src in re.findall(r'<script src="([^"]+)"', html):
        assert re.fullmatch(r'/static/(scan|patrol)\.[0-9a-f]{10}\.js', src)
        script = guard.get(src, headers={'Accept-Encoding': 'gzip'})
        assert script.status_code == 200 and script.headers['Cache-Control'] == 'public, max-age=31536000, immutable'
        plain = guard.get(src.replace(src.split('/')[-1], src.split('/')[-1].split('.')[0] + '.js'))
        assert gzip.decompress(script.data) == plain.data
        assert 'immutable' not in plain.headers.get('Cache-Control', '')  # the unhashed name stays revalidated
    stale = guard.get('/static/scan.0000000000.js')  # an old page's name: served, but not cached for a year
    assert stale.status_code == 200 and 'immutable' not in stale.headers.get('Cache-Control', '')
    plain = guard.get(f'/t/{live_route["tags"][0].token}')  # no Accept-Encoding: not compressed
    assert 'Content-Encoding' not in plain.headers
    small = guard.get('/healthz', headers={'Accept-Encoding': 'gzip'})
    assert 'Content-Encoding' not in small.headers  # too small to be worth it


# 11. Dates on the campus's clock ------------------------------------------------------------------------

def test_the_label_pdf_is_named_with_the_campus_date(as_role, school):
    hour = utcnow().hour
    zone = 'Pacific/Kiritimati' if hour >= 10 else 'Pacific/Pago_Pago'  # a zone whose date is not UTC's now
    with database.connection_context():
        Campus.update(timezone=zone).where(Campus.id == school['campus'].id).execute()
    admin = as_role('admin')
    token = csrf_token(admin, '/admin/labels/')
    response = admin.post('/admin/labels/pdf', data={'csrf_token': token, 'layout': 'a4-3x8', 'kind': 'places',
                                                       'place_id': '0'})
    if response.status_code == 422:
        pytest.skip('no CJK font on this machine for PDF labels')
    stamp = today(zone).isoformat()
    assert stamp != utcnow().date().isoformat()
    assert f'labels-test-a4-3x8-{stamp}.pdf' in response.headers['Content-Disposition']


def test_the_label_command_names_its_file_with_the_campus_clock(runner, school):
    hour = utcnow().hour
    zone = 'Pacific/Kiritimati' if hour >= 10 else 'Pacific/Pago_Pago'  # a zone whose date is not UTC's now
    with database.connection_context():
        Campus.update(timezone=zone).where(Campus.id == school['campus'].id).execute()
    result = runner.invoke(args=['houqin', 'labels', '--layout', 'a4-3x8'])  # no --out: named by the command
    if 'font' in result.output and result.exit_code != 0:
        pytest.skip('no CJK font on this machine for PDF labels')
    assert result.exit_code == 0, result.output
    path = result.output.strip().split(' to ')[-1]
    os.remove(path)
    assert os.path.basename(path).startswith(f'test-a4-3x8-{today(zone):%Y%m%d}-')
    assert today(zone) != utcnow().date()
    assert 'HOUQIN_BASE_URL' not in result.output  # http://school.test is an address phones reach


def test_the_label_command_warns_of_a_loopback_address(loopback_app, tmp_path):
    admin_of(loopback_app)
    result = loopback_app.test_cli_runner().invoke(args=['houqin', 'labels', '--out', str(tmp_path / 'a.pdf')])
    if 'font' in result.output and result.exit_code != 0:
        pytest.skip('no CJK font on this machine for PDF labels')
    assert result.exit_code == 0, result.output
    assert 'http://127.0.0.1:8000' in result.output and 'HOUQIN_BASE_URL' in result.output


def test_no_demo_duty_log_entry_is_after_the_demo_was_loaded(demo_app, migrated_template):
    with demo_app.app_context(), database.connection_context():
        assert DutyLog.select().count() > 0
        assert DutyLog.select().where(DutyLog.created_at > migrated_template.demo_loaded_at).count() == 0
