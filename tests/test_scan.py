"""The scan page: what each role can do at each kind of label, stored once, bad input kept and refused."""
import base64
import datetime
import gzip
import hashlib
import http.cookiejar
import io
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from PIL import Image
from helpers import PASSWORD, PASSWORD_HASH, csrf_token, login
from test_patrol_helpers import around_now, make_route

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import Campus, Item, Membership, Photo, Place, Record, Tag, User, WorkOrder, WorkOrderEvent
from houqin.vocab import ROLES


@pytest.fixture
def labels(school):
    """Labels on a toilet, a classroom, a desk, a fire extinguisher, a canteen and a function room."""
    with database.connection_context():
        campus, floor = school['campus'], school['floor']
        toilet = Place.create(campus=campus, parent=floor, name='一楼男厕所', kind='toilet')
        canteen = Place.create(campus=campus, parent=floor, name='食堂操作间', kind='canteen')
        music = Place.create(campus=campus, parent=floor, name='音乐室', kind='function_room')
        extinguisher = Item.create(campus=campus, place=floor, kind='fire_extinguisher', name='干粉灭火器 4kg',
                                   asset_number='MHQ-9', expires_on=datetime.date.today() - datetime.timedelta(days=3))
        tokens = {'toilet': 'TT00000001', 'canteen': 'CC00000001', 'music': 'MM00000001',
                  'extinguisher': 'EX00000001', 'desk': 'DK00000001', 'room': 'ABCDEFGH12'}
        Tag.create(token=tokens['toilet'], campus=campus, place=toilet)
        Tag.create(token=tokens['canteen'], campus=campus, place=canteen)
        Tag.create(token=tokens['music'], campus=campus, place=music)
        Tag.create(token=tokens['extinguisher'], campus=campus, item=extinguisher)
        Tag.create(token=tokens['desk'], campus=campus, item=school['desk'])
    return tokens


def page(client, token):
    response = client.get(f'/t/{token}')
    assert response.status_code == 200
    return response.get_data(as_text=True)


def form_fields(html, action):
    """The hidden fields of the form posting to `action` on a page."""
    form = html[html.index(f'action="{action}"'):]
    form = form[:form.index('</form>')]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def post_form(client, token, endpoint, extra=None, files=None, page_html=None):
    html = page_html or page(client, token)
    data = form_fields(html, f'/t/{token}/{endpoint}')
    data.update(extra or {})
    data.update(files or {})
    return client.post(f'/t/{token}/{endpoint}', data=data, content_type='multipart/form-data'), data


def jpeg(color='red'):
    out = io.BytesIO()
    Image.new('RGB', (800, 600), color).save(out, 'JPEG')
    return out.getvalue()


def count(model, *where):
    with database.connection_context():
        query = model.select()
        return (query.where(*where) if where else query).count()


@pytest.mark.parametrize('role,token,expected,absent', [
    ('janitor', 'toilet', ['完成保洁', '检查项（可选）', '便槽、便池干净'], ['灭火器月度检查']),
    ('teacher', 'room', ['报告问题', '哪里坏了'], ['完成保洁']),
    ('teacher', 'music', ['功能室使用登记', '报告问题'], []),
    ('manager', 'extinguisher', ['灭火器月度检查', '压力表指针在绿区', '已于', '已过期'], []),
    ('manager', 'room', ['教室安全检查', '报告问题', '最近记录'], []),
    ('canteen', 'canteen', ['食堂餐具消毒记录', '消毒方式'], ['完成保洁']),
    ('guard', 'desk', ['报告问题'], ['完成保洁', '教室安全检查']),
    ('repair', 'extinguisher', ['报告问题'], ['灭火器月度检查']),
    ('viewer', 'toilet', ['最近记录', '报告问题'], ['完成保洁']),
])
def test_each_role_sees_its_actions(as_role, labels, role, token, expected, absent):
    html = page(as_role(role), labels[token])
    for text in expected:
        assert text in html, (role, token, text)
    for text in absent:
        assert text not in html, (role, token, text)


def test_anonymous_sees_public_facts_report_form_and_log_in(client, as_role, labels):
    janitor = as_role('janitor')
    post_form(janitor, labels['toilet'], 'clean')
    html = page(client, labels['toilet'])
    assert '一楼男厕所' in html and '上次保洁' in html and '报告问题' in html
    assert '您的姓名（选填）' in html and '/login?next=/t/' in html
    assert '最近记录' not in html  # the history is for staff


def test_anonymous_reports_can_be_switched_off(client, school, labels):
    with database.connection_context():
        Campus.update(allow_anonymous_reports=False).where(Campus.id == school['campus'].id).execute()
    html = page(client, labels['room'])
    assert '哪里坏了' not in html and '请告诉学校办公室或登录' in html
    token = csrf_token(client, '/login')
    response = client.post(f'/t/{labels["room"]}/report', data={
        'csrf_token': token, 'submission_id': str(uuid.uuid4()), 'title': '灯坏了'})
    assert response.status_code == 403 and '请登录' in response.get_data(as_text=True)
    assert count(WorkOrder) == 0


def test_janitor_one_tap_cleaning_is_recorded_once(as_role, labels):
    janitor = as_role('janitor')
    response, data = post_form(janitor, labels['toilet'], 'clean')
    assert response.status_code == 302
    html = janitor.get(response.headers['Location']).get_data(as_text=True)
    assert '已记录：保洁' in html
    again = janitor.post(f'/t/{labels["toilet"]}/clean', data=data)  # a double tap / a retry
    assert again.status_code == 302
    assert count(Record, Record.activity == 'cleaning') == 1
    with database.connection_context():
        record = Record.get(Record.activity == 'cleaning')
        assert record.template is None and record.outcome == 'ok' and record.user.username == 'janitor'


def test_cleaning_checklist_failure_becomes_a_work_order(as_role, labels):
    janitor = as_role('janitor')
    html = page(janitor, labels['toilet'])
    questions = dict(re.findall(r'<legend>([^<]+)</legend>\s*<div class="seg"><label><input type="radio" name="q(\d+)"',
                                html))
    answers = {f'q{qid}': 'pass' for qid in questions.values()}
    answers[f'q{questions["下水管道通畅"]}'] = 'fail'
    answers['checklist'] = '1'
    response, _data = post_form(janitor, labels['toilet'], 'clean', answers, page_html=html)
    assert response.status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'cleaning')
        order = WorkOrder.get(WorkOrder.record == record)
    assert record.outcome == 'problem' and record.template.name == '厕所保洁标准'
    assert '下水管道通畅' in order.description and order.category == 'plumbing'


def test_inspection_with_hazard_opens_an_urgent_order_with_its_answers(as_role, labels):
    manager = as_role('manager')
    html = page(manager, labels['extinguisher'])
    pairs = re.findall(r'<legend>([^<]+)</legend>\s*<div class="seg"><label><input type="radio" name="q(\d+)"', html)
    answers = {f'q{qid}': 'pass' for _label, qid in pairs}
    by_label = dict(pairs)
    answers[f'q{by_label["在有效期内（过期须填粉或更换）"]}'] = 'fail'
    answers[f'hazard{by_label["在有效期内（过期须填粉或更换）"]}'] = '1'
    reading = re.search(r'<legend>压力读数.*?name="q(\d+)"', html, re.S).group(1)
    answers[f'q{reading}'] = '0.8'  # below 1.0 MPa: out of bounds, so failed
    response, _data = post_form(manager, labels['extinguisher'], 'inspect', answers, page_html=html)
    assert response.status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'inspection')
        order = WorkOrder.get(WorkOrder.record == record)
        assert record.answers['values'][reading] == 0.8 and record.template.version == 1
        assert order.hazard and order.priority == 'urgent' and order.item.name == '干粉灭火器 4kg'
        assert '压力读数: 0.8 MPa' in order.description


def test_missing_required_answers_keep_what_was_typed_and_store_nothing(as_role, labels):
    canteen = as_role('canteen')
    html = page(canteen, labels['canteen'])
    minutes = re.search(r'<legend>消毒时长.*?name="q(\d+)"', html, re.S).group(1)
    response, _data = post_form(canteen, labels['canteen'], 'canteen', {f'q{minutes}': '二十', 'note': '早餐后'},
                                page_html=html)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '请填写数字' in body and '请回答此项' in body and 'value="二十"' in body and 'value="早餐后"' in body
    assert count(Record) == 0


def test_teacher_reports_a_broken_desk_with_a_photo_and_a_second_teacher_joins(app, as_role, labels, school):
    teacher = as_role('teacher')
    response, _data = post_form(teacher, labels['desk'], 'report',
                                {'title': '桌腿断了', 'category': 'furniture'},
                                {'photo': (io.BytesIO(jpeg()), 'desk.jpg')})
    assert response.status_code == 302
    with database.connection_context():
        order = WorkOrder.get()
        assert order.item.id == school['desk'].id and order.title == '桌腿断了'
        event = WorkOrderEvent.get(WorkOrderEvent.order == order)
        assert Photo.select().where(Photo.event == event).count() == 1
        assert Item.get_by_id(school['desk'].id).status == 'broken'
    # Another teacher at the same desk is shown the open report first and offered "same problem".
    with database.connection_context():
        other = User.create(username='teacher2', display_name='李老师', password_hash=PASSWORD_HASH)
        Membership.create(user=other, campus=school['campus'], role='teacher')
    second = app.test_client()
    login(second, 'teacher2')
    html = page(second, labels['desk'])
    assert html.index('已经有人报告') < html.index('哪里坏了') and '同一个问题' in html
    response, _data = post_form(second, labels['desk'], f'same/{order.id}', {},
                                {'photo': (io.BytesIO(jpeg('blue')), 'again.jpg')}, page_html=html)
    assert response.status_code == 302
    assert count(WorkOrder) == 1
    with database.connection_context():
        joined = WorkOrderEvent.get((WorkOrderEvent.order == order) & (WorkOrderEvent.action == 'join'))
        assert joined.actor.username == 'teacher2' and Photo.select().where(Photo.event == joined).count() == 1


def test_bad_reports_are_refused_with_reasons(as_role, labels):
    teacher = as_role('teacher')
    response, _data = post_form(teacher, labels['room'], 'report', {'title': ''},
                                {'photo': (io.BytesIO(b'<?php echo 1; ?>'), 'x.jpg')})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and '请简单说明哪里坏了' in body and '不是可识别的照片' in body
    assert count(WorkOrder) == 0 and count(Record) == 0 and count(Photo) == 0


def test_anonymous_report_gives_a_receipt_and_is_rate_limited(app, client, labels):
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 2
    response, _data = post_form(client, labels['room'], 'report', {'title': '窗户玻璃裂了', 'name': '家长王先生',
                                                                   'phone': '13900000000'})
    assert response.status_code == 302 and '/receipt/' in response.headers['Location']
    receipt = client.get(response.headers['Location']).get_data(as_text=True)
    with database.connection_context():
        order = WorkOrder.get()
    assert order.number in receipt and order.reporter_name == '家长王先生' and order.reporter is None
    post_form(client, labels['room'], 'report', {'title': '灯不亮'})
    refused, _data = post_form(client, labels['room'], 'report', {'title': '第三次'})
    assert refused.status_code == 429 and '请稍后' in refused.get_data(as_text=True)
    assert 'value="第三次"' in refused.get_data(as_text=True)
    assert count(WorkOrder) == 2


def test_receipts_need_the_submission_id(client, labels):
    assert client.get(f'/t/{labels["room"]}/receipt/{uuid.uuid4()}').status_code == 404
    assert client.get(f'/t/{labels["room"]}/receipt/not-a-uuid').status_code == 404


def test_a_forged_or_missing_submission_id_stores_nothing(as_role, labels):
    janitor = as_role('janitor')
    token = csrf_token(janitor, f'/t/{labels["toilet"]}')
    response = janitor.post(f'/t/{labels["toilet"]}/clean', data={'csrf_token': token, 'submission_id': 'x'})
    assert response.status_code == 400 and '请刷新页面' in response.get_data(as_text=True)
    # An id already used at another label is that label's own (ids are scoped by label and sender): sent here,
    # it stores this label's record, never answered with the other label's.
    _r, data = post_form(janitor, labels['toilet'], 'clean')
    elsewhere = janitor.post(f'/t/{labels["room"]}/clean', data=data)
    assert elsewhere.status_code == 302
    assert sorted(r.tag.token for r in Record.select()) == sorted([labels['toilet'], labels['room']])


def test_roles_cannot_post_what_they_are_not_offered(as_role, labels):
    teacher = as_role('teacher')
    token = csrf_token(teacher, f'/t/{labels["toilet"]}')
    response = teacher.post(f'/t/{labels["toilet"]}/clean', data={'csrf_token': token,
                                                                  'submission_id': str(uuid.uuid4())})
    assert response.status_code == 403
    janitor = as_role('janitor')
    response = janitor.post(f'/t/{labels["desk"]}/clean', data={'csrf_token': token,
                                                               'submission_id': str(uuid.uuid4())})
    assert response.status_code == 400 and count(Record) == 0  # no cleaning of a desk


def test_the_same_submission_sent_concurrently_is_stored_once(app, labels, live_server):
    """Two copies of one submission racing through a real threaded server: one record, both answered alike."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())

    def fetch(url, data=None):
        try:
            response = opener.open(url, data)
        except urllib.error.HTTPError as exc:  # 3xx are not followed, so they arrive here
            return exc.code, ''
        return response.status, response.read().decode()
    _status, html = fetch(live_server + '/login')
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    fetch(live_server + '/login', urllib.parse.urlencode(
        {'csrf_token': token, 'username': 'janitor', 'password': PASSWORD}).encode())
    _status, html = fetch(f'{live_server}/t/{labels["toilet"]}')
    data = urllib.parse.urlencode(form_fields(html, f'/t/{labels["toilet"]}/clean')).encode()
    statuses, start = [], threading.Barrier(4)

    def send():
        start.wait()
        statuses.append(fetch(f'{live_server}/t/{labels["toilet"]}/clean', data)[0])
    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 4
    assert count(Record) == 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def busy_labels(app, as_role, labels, school):
    """The labels after some use: ten cleanings in the toilet's history, open reports at the room and the desk,
    and a patrol checkpoint (the gate) on a route whose round is running now."""
    janitor, teacher = as_role('janitor'), as_role('teacher')
    for _ in range(10):
        assert post_form(janitor, labels['toilet'], 'clean')[0].status_code == 302
        with database.connection_context():  # a shift apart: a sign-off within minutes is a repeat, not stored
            for record in Record.select():
                Record.update(created_at=record.created_at - datetime.timedelta(hours=4)).where(
                    Record.id == record.id).execute()
    for token, title, category in ((labels['room'], '窗户玻璃裂了', 'doors_windows'),
                                   (labels['room'], '插座冒烟', 'electrical'),
                                   (labels['desk'], '桌腿断了，学生坐着会摔', 'furniture')):
        assert post_form(teacher, token, 'report', {'title': title, 'category': category})[0].status_code == 302
    assert (count(Record, Record.activity == 'cleaning'), count(WorkOrder)) == (10, 3)
    with database.connection_context():
        _route, _places, tags, _stops = make_route(school['campus'], ['校门', '配电房', '后门'],
                                                   shift=around_now(utcnow()), every=24 * 60)
    return dict(labels, checkpoint=tags[0].token)


@pytest.mark.parametrize('role', ('anonymous',) + ROLES)
def test_page_weight_fits_one_round_trip(app, busy_labels, role):
    """For every role and an anonymous visitor, at every kind of label (the guard's checkpoint with its patrol
    panel too): HTML with its inline CSS plus its scripts, compressed, within 14 KB, nothing third-party."""
    viewer = app.test_client()
    if role != 'anonymous':
        assert login(viewer, role).status_code == 302
    for kind, token in busy_labels.items():
        response = viewer.get(f'/t/{token}')
        assert response.status_code == 200, (role, kind)
        html = response.data
        text = html.decode()
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', text)
        patrol = role == 'guard' and kind == 'checkpoint'
        names = [re.sub(r'\.[0-9a-f]{10}\.js$', '.js', s) for s in scripts]  # content-hashed names
        assert names == (['/static/scan.js', '/static/patrol.js'] if patrol else ['/static/scan.js']), (role, kind)
        assert ('id="patrol"' in text) == patrol, (role, kind)
        total = len(gzip.compress(html, 9)) + sum(len(gzip.compress(viewer.get(s).data, 9)) for s in scripts)
        assert total <= 14 * 1024, (role, kind, total)
        assert not re.search(r'(src|href)="(https?:)?//', text), 'third-party request'
        assert '<link rel="stylesheet"' not in text and '@font-face' not in text


def test_scan_page_policy_allows_only_its_own_inline_style(client, labels):
    response = client.get(f'/t/{labels["room"]}')
    csp = response.headers['Content-Security-Policy']
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", csp)
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert 'no-store' in response.headers['Cache-Control'] and 'private' in response.headers['Cache-Control']
    style = re.search(r'<style>(.*?)</style>', response.get_data(as_text=True), re.S).group(1)
    assert base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() in csp


def test_every_role_on_every_kind_of_label(app, school, labels):
    """Every role and an anonymous visitor open every kind of label: a page, never an error."""
    with database.connection_context():
        for kind in ('dormitory', 'gate', 'office', 'lab', 'corridor', 'stairwell', 'playground', 'storeroom'):
            place = Place.create(campus=school['campus'], parent=school['floor'], name=f'{kind} 1', kind=kind)
            labels[kind] = f'P{len(labels):09d}'
            Tag.create(token=labels[kind], campus=school['campus'], place=place)
        for kind in ('projector', 'light', 'hydrant', 'camera', 'door', 'window', 'air_conditioner'):
            item = Item.create(campus=school['campus'], place=school['room'], name=f'{kind} 1', kind=kind)
            labels[kind] = f'K{len(labels):09d}'
            Tag.create(token=labels[kind], campus=school['campus'], item=item)
    viewers = {'anonymous': app.test_client()}
    for role in ROLES:
        viewers[role] = app.test_client()
        login(viewers[role], role)
    for role, viewer in viewers.items():
        for kind, token in labels.items():
            response = viewer.get(f'/t/{token}')
            assert response.status_code == 200, (role, kind, response.status_code)
            html = response.get_data(as_text=True)
            assert ('最近记录' in html) == (role != 'anonymous'), (role, kind)


def test_repair_worker_goes_from_the_label_to_the_open_job(as_role, labels):
    teacher = as_role('teacher')
    post_form(teacher, labels['desk'], 'report', {'title': '抽屉坏了'})
    with database.connection_context():
        order = WorkOrder.get()
    html = page(as_role('repair'), labels['desk'])
    assert f'/repairs/{order.id}' in html and '抽屉坏了' in html
    anonymous = teacher.application.test_client()
    assert f'/repairs/{order.id}' not in page(anonymous, labels['desk'])


def test_a_mistyped_number_is_refused_but_an_out_of_range_one_is_a_failed_check(as_role, labels):
    manager = as_role('manager')
    html = page(manager, labels['extinguisher'])
    reading = re.search(r'<legend>压力读数.*?name="q(\d+)"', html, re.S).group(1)
    passes = {f'q{qid}': 'pass' for qid in
              re.findall(r'<legend>[^<]+</legend>\s*<div class="seg"><label><input type="radio" name="q(\d+)"', html)}
    # 14 for a 1.0–1.4 MPa gauge is a typo (far outside): refused, kept in the form, nothing stored.
    response, _data = post_form(manager, labels['extinguisher'], 'inspect', dict(passes, **{f'q{reading}': '14'}),
                                page_html=html)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and '14 可能输错了' in body and 'value="14"' in body
    assert count(Record) == 0 and count(WorkOrder) == 0
    # 1.6 is out of range but plausible: stored, as a failed check that opens a work order for it.
    response, _data = post_form(manager, labels['extinguisher'], 'inspect', dict(passes, **{f'q{reading}': '1.6'}))
    assert response.status_code == 302
    with database.connection_context():
        record = Record.get()
        order = WorkOrder.get()
        assert (record.activity, record.outcome, record.answers['values'][reading]) == ('inspection', 'problem', 1.6)
        assert order.record_id == record.id and not order.hazard and order.item.name == '干粉灭火器 4kg'
        assert (order.title, order.description) == ('灭火器月度检查：1 项不合格', '压力读数: 1.6 MPa')
    assert count(Record) == 1 and count(WorkOrder) == 1


def test_a_form_sent_to_a_replaced_label_saves_nothing_and_says_so(as_role, labels):
    teacher = as_role('teacher')
    html = page(teacher, labels['desk'])
    with database.connection_context():
        Tag.update(status='revoked').where(Tag.token == labels['desk']).execute()
    response, _data = post_form(teacher, labels['desk'], 'report', {'title': '桌面裂了'}, page_html=html)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '未保存' in body and '桌面裂了' in body and '此标签已被替换' in body
    assert count(Record) == 0 and count(WorkOrder) == 0


def test_open_reports_on_the_label_show_hazard_and_overdue(as_role, labels):
    teacher = as_role('teacher')
    post_form(teacher, labels['desk'], 'report', {'title': '桌角尖锐', 'hazard': '1'})
    with database.connection_context():
        WorkOrder.update(due_at=datetime.datetime(2020, 1, 1)).execute()
    html = page(teacher, labels['desk'])
    assert '安全隐患</span>' in html and '已超时' in html
