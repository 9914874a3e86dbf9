"""Scrapping (issue 16): a request with a reason and photos, three sign-offs by three people in order (office,
storekeeper, leader), refusals, the scrapped asset on its label and in the 报废登记表, and two people signing at once."""
import contextlib
import datetime
import io
import re

import pytest
from flask_babel import force_locale
from helpers import PASSWORD_HASH, csrf_token, jpeg_upload, login
from openpyxl import load_workbook
from PIL import Image
from test_races import Meeting, in_app, in_a_transaction, race

from houqin import db
from houqin.audit import log_change, snapshot
from houqin.assets.scrapping import (ScrapRefused, refuse_request, request_scrapping, scrapped_on,
                                     set_storekeepers, sign_off, waiting_for)
from houqin.models import (AuditLog, Campus, Item, Membership, NotificationChannel, Outbox, Photo, Place,
                           ScrapRequest, Tag, User)
from houqin.photos import decode_photo, PreparedPhoto

SID = '00000000-0000-4000-8000-00000000000{}'
ENGLISH = {'Accept-Language': 'en'}


@contextlib.contextmanager
def in_english(app):
    """An app context with English messages and a database connection, for calling the domain functions."""
    with app.app_context(), force_locale('en'), db.database.connection_context():
        yield


def add_person(campus, username, role):
    """Another account with a role on the campus."""
    user = User.create(username=username, display_name=username.title(), password_hash=PASSWORD_HASH)
    Membership.create(user=user, campus=campus, role=role)
    return user


@pytest.fixture
def people(app, school):
    """The requester (teacher), the office (manager), a named storekeeper (a teacher account), the leader (admin)."""
    with in_english(app):
        keeper = add_person(school['campus'], 'keeper', 'teacher')
        set_storekeepers(school['campus'], [keeper.id])
    users = school['users']
    return {'teacher': users['teacher'], 'manager': users['manager'], 'keeper': keeper, 'admin': users['admin']}


def prepared(color='red'):
    """A prepared (validated, cleaned) photo, as the views hand it over."""
    return PreparedPhoto(decode_photo(jpeg_upload(color=color)[0].getvalue()))


def ask(school, people, sid=SID.format(1), **kwargs):
    return request_scrapping(Item.get_by_id(school['desk'].id), people['teacher'], kwargs.pop('reason', '桌面开裂，无法修复'),
                             submission_id=sid, **kwargs)


# Domain ----------------------------------------------------------------------------------------------------------

def test_three_sign_offs_in_order_scrap_the_asset_with_the_date_and_the_audit_log(app, school, people):
    now = datetime.datetime(2026, 12, 3, 17, 30)  # 01:30 on 12-04 in Shanghai: the scrapping date is the campus's
    with in_english(app):
        req = ask(school, people, photos=[prepared('red'), prepared('blue')], now=now)
        assert (req.status, req.requested_by_id, req.place_id) == ('office', people['teacher'].id, school['room'].id)
        assert len(req.photos) == 2 and Photo.select().where(Photo.id.in_(req.photos)).count() == 2
        assert waiting_for(school['campus'].id, people['manager'], 'manager') == {'office': [req]}
        assert waiting_for(school['campus'].id, people['keeper'], 'teacher') == {}
        req = sign_off(req, 'office', people['manager'], 'manager', '同意', now=now)
        assert (req.status, req.office_by_id, req.office_at, req.office_note) == (
            'store', people['manager'].id, now, '同意')
        assert waiting_for(school['campus'].id, people['keeper'], 'teacher') == {'store': [req]}
        req = sign_off(req, 'store', people['keeper'], 'teacher', now=now)
        assert Item.get_by_id(school['desk'].id).status == 'in_use'  # not before the leader approves
        req = sign_off(req, 'leader', people['admin'], 'admin', '批准', now=now)
        assert (req.status, req.leader_by_id, req.scrapped_on) == ('approved', people['admin'].id,
                                                                   datetime.date(2026, 12, 4))
        item = Item.get_by_id(school['desk'].id)
        assert item.status == 'scrapped' and scrapped_on(item) == datetime.date(2026, 12, 4)
        entry = AuditLog.get((AuditLog.entity == 'item') & (AuditLog.row_id == item.id))
        assert (entry.before['status'], entry.after['status'], entry.user_id) == ('in_use', 'scrapped', None)
        entries = AuditLog.select().where(AuditLog.entity == 'scrap_request').order_by(AuditLog.id)
        assert [e.summary for e in entries] == [
            'scrapping request: 课桌', f'scrapping request {req.id}: office signed',
            f'scrapping request {req.id}: store signed', f'scrapping request {req.id}: leader signed']
        with pytest.raises(ScrapRefused, match='already scrapped'):
            ask(school, people, sid=SID.format(2))


def test_three_different_people_and_each_step_only_by_its_holder(app, school, people):
    campus = school['campus']
    with in_english(app):
        manager2 = add_person(campus, 'manager2', 'manager')
        req = ask(school, people)
        for user, role, step, message in [
                (people['keeper'], 'teacher', 'office', 'Only the logistics office'),
                (people['admin'], 'admin', 'office', 'Only the logistics office'),
                (people['manager'], 'manager', 'store', 'no longer waiting for this step'),
                (people['admin'], 'admin', 'leader', 'no longer waiting for this step')]:
            with pytest.raises(ScrapRefused, match=message):
                sign_off(req, step, user, role)
        # A logistics head who asked for it does not confirm it; another one does.
        own = request_scrapping(Item.create(campus=campus, place=school['room'], name='椅子', asset_number='YZ-1'),
                                people['manager'], '腿断了', submission_id=SID.format(5))
        with pytest.raises(ScrapRefused, match='Nobody signs off their own request'):
            sign_off(own, 'office', people['manager'], 'manager')
        assert waiting_for(campus.id, people['manager'], 'manager') == {'office': [req]}
        sign_off(own, 'office', manager2, 'manager')
        req = sign_off(req, 'office', people['manager'], 'manager')
        with pytest.raises(ScrapRefused, match='Only a storekeeper named in the settings'):
            sign_off(req, 'store', manager2, 'manager')
        set_storekeepers(campus, [people['keeper'].id, people['manager'].id])  # the office head is a storekeeper too
        with pytest.raises(ScrapRefused, match='You have signed an earlier step'):
            sign_off(req, 'store', people['manager'], 'manager')
        assert waiting_for(campus.id, people['manager'], 'manager') == {}  # signed one, asked for the other
        req = sign_off(req, 'store', people['keeper'], 'teacher')
        with pytest.raises(ScrapRefused, match='Only the leader'):
            sign_off(req, 'leader', manager2, 'manager')
        assert sign_off(req, 'leader', people['admin'], 'admin').status == 'approved'
        assert ScrapRequest.get_by_id(own.id).status == 'store'
        # The one who asked never signs their own, even when they hold the step (a storekeeper asking).
        chair = Item.get(Item.asset_number == 'YZ-1')
        assert chair.status == 'in_use'


def test_a_refusal_ends_the_request_with_its_reason(app, school, people):
    with in_english(app):
        req = sign_off(ask(school, people), 'office', people['manager'], 'manager')
        with pytest.raises(ScrapRefused, match='Please say why'):
            refuse_request(req, 'store', people['keeper'], 'teacher', '   ')
        with pytest.raises(ScrapRefused, match='Only a storekeeper'):
            refuse_request(req, 'store', people['admin'], 'admin', '还能用')
        req = refuse_request(req, 'store', people['keeper'], 'teacher', '还能修')
        assert (req.status, req.refused_step, req.refused_by_id, req.refusal) == (
            'refused', 'store', people['keeper'].id, '还能修')
        for step, user, role in (('store', people['keeper'], 'teacher'), ('leader', people['admin'], 'admin')):
            with pytest.raises(ScrapRefused, match='no longer waiting'):
                sign_off(req, step, user, role)
        assert Item.get_by_id(school['desk'].id).status == 'in_use'
        assert waiting_for(school['campus'].id, people['admin'], 'admin') == {}
        again = ask(school, people, sid=SID.format(2), reason='又坏了')  # a refused request leaves room for a new one
        assert again.status == 'office' and again.id != req.id


def test_one_request_per_form_and_one_waiting_per_asset(app, school, people):
    with in_english(app):
        for bad, message in (('', 'Please give the reason'), ('  \n ', 'Please give the reason'),
                             ('长' * 1001, 'under 1000 characters')):
            with pytest.raises(ScrapRefused, match=message):
                ask(school, people, reason=bad)
        with pytest.raises(ScrapRefused, match='At most 4 photos'):
            ask(school, people, photos=[prepared()] * 5)
        assert ScrapRequest.select().count() == 0 and Photo.select().count() == 0
        first = ask(school, people)
        assert ask(school, people).id == first.id  # the same form again: the same request
        with pytest.raises(ScrapRefused, match='already waiting'):
            ask(school, people, sid=SID.format(2))
        with pytest.raises(ScrapRefused, match='already sent'):
            request_scrapping(Item.create(campus=school['campus'], place=school['room'], name='椅子'),
                              people['teacher'], '坏了', submission_id=SID.format(1))
        assert ScrapRequest.select().count() == 1


def test_each_step_notifies_whoever_signs_next(app, school, people):
    NotificationChannel.create(campus=school['campus'], name='全体', kind='webhook', url='http://127.0.0.1:9/hook',
                               audience='staff')
    with in_english(app):
        req = ask(school, people)
        req = sign_off(req, 'office', people['manager'], 'manager')
        req = sign_off(req, 'store', people['keeper'], 'teacher')
        sign_off(req, 'leader', people['admin'], 'admin')
        sent = [(o.topic, o.subject, o.body.splitlines()[-1]) for o in Outbox.select().order_by(Outbox.id)]
    assert sent == [('scrap', '【报废待签】课桌', f'http://school.test/scrapping/{req.id}')] * 3
    bodies = [o.body for o in Outbox.select().order_by(Outbox.id)]
    assert ['待总务处确认' in bodies[0], '待保管员确认' in bodies[1], '待主管领导审批' in bodies[2]] == [True] * 3


# Two people signing one step at once ----------------------------------------------------------------------------

def is_request_read(*args, **kwargs):
    """sign_off's read of the request, inside its write transaction (whose status it then guards on)."""
    return in_a_transaction()


def test_two_logistics_heads_confirming_at_once_sign_the_step_once(app, school, people, monkeypatch):
    """Both tap 确认 at the same moment. On PostgreSQL both read the request as waiting for the office; the first
    guarded UPDATE (… WHERE status = 'office') wins and the second, after the first commits, matches no row and is
    refused. On SQLite the second waits for the write lock and then reads 'store'. One sign-off, one notice."""
    with in_english(app):
        req = ask(school, people)
        manager2 = add_person(school['campus'], 'manager2', 'manager')
    heads = [people['manager'], manager2]
    sqlite = db.is_sqlite()
    meeting = Meeting('begin' if sqlite else 'lookup')
    meeting.wrap_lookup(monkeypatch, ScrapRequest, 'get_by_id', is_request_read)
    if sqlite:
        meeting.watch_begin(monkeypatch)
    outcomes = race(*(in_app(app, lambda head=head: sign_off(req, 'office', head, 'manager', head.username))
                      for head in heads))
    won = [i for i, (_done, error) in enumerate(outcomes) if error is None]
    assert len(won) == 1, outcomes
    refusal = outcomes[1 - won[0]][1]
    assert isinstance(refusal, ScrapRefused)
    if sqlite:
        assert str(refusal) == ('This request is no longer waiting for this step: '
                                'Waiting for the storekeeper.')
    else:
        assert str(refusal) == 'Someone signed this step a moment ago; please look again.'
        assert [looks[0].status for looks in meeting.looked.values()] == ['office', 'office']
    with db.database.connection_context():
        fresh = ScrapRequest.get_by_id(req.id)
        winner = heads[won[0]]
        assert (fresh.status, fresh.office_by_id, fresh.office_note) == ('store', winner.id, winner.username)
        signed = AuditLog.select().where((AuditLog.entity == 'scrap_request') & (AuditLog.action == 'update'))
        assert signed.count() == 1


def is_submission_lookup(query=None, *args, **kwargs):
    """request_scrapping's "already sent?" lookup, made after it holds the asset's lock."""
    return in_a_transaction()


def test_two_people_asking_to_scrap_one_asset_at_once_make_one_request(app, school, people, monkeypatch):
    """Two teachers send the form for the same desk at the same moment. The second has begun its transaction before
    the first commits: on SQLite it waits for the write lock (BEGIN IMMEDIATE), on PostgreSQL for the asset's
    advisory lock (db.serialize_on) — without which both would find no waiting request and both insert. Then it
    finds the first's request waiting and is refused: one request."""
    with in_english(app):
        other = add_person(school['campus'], 'teacher2', 'teacher')
    meeting = Meeting('begin')
    meeting.wrap_lookup(monkeypatch, ScrapRequest, 'get_or_none', is_submission_lookup)
    meeting.watch_begin(monkeypatch)
    askers = [people['teacher'], other]

    def send(n):
        return in_app(app, lambda: request_scrapping(Item.get_by_id(school['desk'].id), askers[n], f'坏了{n}',
                                                     submission_id=SID.format(n + 1)))
    outcomes = race(send(0), send(1))
    won = [i for i, (_req, error) in enumerate(outcomes) if error is None]
    assert len(won) == 1, outcomes
    refusal = outcomes[1 - won[0]][1]
    assert isinstance(refusal, ScrapRefused) and 'already waiting for its sign-offs' in str(refusal)
    with db.database.connection_context():
        assert [(r.requested_by_id, r.reason) for r in ScrapRequest.select()] == [(askers[won[0]].id, f'坏了{won[0]}')]


def test_the_same_form_sent_twice_makes_one_request(app, as_role, school, people):
    teacher = as_role('teacher')
    link = f'/scrapping/items/{school["desk"].id}/new'
    data = new_form(teacher, school['desk'].id)
    first, second = teacher.post(link, data=data), teacher.post(link, data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers['Location'] == second.headers['Location']
    with db.database.connection_context():
        assert ScrapRequest.select().count() == 1


# The 报废登记表 ---------------------------------------------------------------------------------------------------

def test_the_scrapping_register_reads_back_with_the_three_sign_offs(app, school, people, runner, tmp_path):
    with in_english(app):
        req = ask(school, people)
        req = sign_off(req, 'office', people['manager'], 'manager')
        req = sign_off(req, 'store', people['keeper'], 'teacher')
        sign_off(req, 'leader', people['admin'], 'admin')
        chair = Item.create(campus=school['campus'], place=school['room'], name='椅子', asset_number='YZ-1')
        refused = request_scrapping(chair, people['teacher'], '=HYPERLINK("http://evil.example")',
                                    submission_id=SID.format(3))
        refuse_request(refused, 'office', people['manager'], 'manager', '还能用')
    today = datetime.date.today()
    path = tmp_path / 'scrapping.xlsx'
    first, last = today - datetime.timedelta(days=2), today + datetime.timedelta(days=2)
    result = runner.invoke(args=['houqin', 'ledger', 'scrapping', '--from', first.isoformat(), '--to', last.isoformat(),
                                 '--out', str(path), '--campus', 'test'])
    assert result.exit_code == 0, result.output
    ws = load_workbook(path).worksheets[0]
    assert '报废登记表' in ws.cell(1, 1).value
    assert [c.value for c in ws[2]] == ['资产编号', '名称', '类型', '位置', '原因', '申请人', '申请时间', '总务处确认',
                                        '总务处确认时间', '保管员确认', '保管员确认时间', '主管领导审批', '主管领导审批时间',
                                        '状态', '报废日期', '不同意理由']
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {'KZ-0001', 'YZ-1'}
    desk = rows['KZ-0001']
    assert desk[1:6] == ('课桌', '课桌', '教学楼 › 一楼 › 101教室', '桌面开裂，无法修复', 'Teacher')
    assert (desk[7], desk[9], desk[11], desk[13]) == ('Manager', 'Keeper', 'Admin', '已批准报废')
    assert all(isinstance(desk[i], datetime.datetime) for i in (6, 8, 10, 12))
    assert isinstance(desk[14], datetime.datetime) and desk[15] is None
    chair_row = rows['YZ-1']
    assert chair_row[4] == '=HYPERLINK("http://evil.example")' and chair_row[13] == '未通过'
    assert chair_row[15] == '总务处：还能用' and chair_row[7] is None and chair_row[14] is None
    for row in ws.iter_rows():
        assert all(cell.data_type != 'f' for cell in row)


# The scrapped asset's label ----------------------------------------------------------------------------------------

def test_a_scrapped_label_says_scrapped_with_the_date_to_everyone_and_takes_nothing(app, client, school, people,
                                                                                  as_role):
    with in_english(app):
        tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        req = ask(school, people)
        req = sign_off(req, 'office', people['manager'], 'manager')
        req = sign_off(req, 'store', people['keeper'], 'teacher')
        day = sign_off(req, 'leader', people['admin'], 'admin').scrapped_on.isoformat()
    teacher = as_role('teacher')
    for viewer in (client, teacher, as_role('manager')):
        page = viewer.get(f'/T/{tag.token}')
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert '已报废' in html and f'报废日期：{day}' in html and '课桌' in html
        assert '<form' not in html and '报修' not in html and 'submission_id' not in html
    records = len(list(Tag.get_by_id(tag.id).records))
    response = client.post(f'/t/{tag.token}/report', data={'title': '坏了', 'submission_id': SID.format(9)})
    assert response.status_code in (400, 409)
    token = csrf_token(teacher, '/scrapping/')
    response = teacher.post(f'/t/{tag.token}/report', data={'csrf_token': token, 'title': '坏了',
                                                            'submission_id': SID.format(9)})
    assert response.status_code == 409 and '未保存：这件资产已报废。' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert len(list(Tag.get_by_id(tag.id).records)) == records == 0


def test_the_asset_form_neither_scraps_nor_unscraps(app, as_role, school):
    """Scrapping takes its three sign-offs: the asset's form offers no 报废 and a scrapped asset stays scrapped."""
    manager = as_role('manager')
    path = f'/admin/items/{school["desk"].id}'
    assert '<option value="scrapped"' not in manager.get(path).get_data(as_text=True)
    data = {'csrf_token': csrf_token(manager, path), 'name': '课桌', 'kind': 'desk', 'place': school['room'].id,
            'asset_number': 'KZ-0001', 'status': 'scrapped'}
    assert manager.post(path, data=data).status_code == 200  # the form again, with its message
    with db.database.connection_context():
        assert Item.get_by_id(school['desk'].id).status == 'in_use'
        Item.update(status='scrapped').where(Item.id == school['desk'].id).execute()
    data['status'] = 'in_use'
    assert manager.post(path, data=data).status_code == 200
    with db.database.connection_context():
        assert Item.get_by_id(school['desk'].id).status == 'scrapped'


def test_an_asset_scrapped_by_hand_shows_the_date_of_that_change(app, as_role, school):
    """Before scrapping had its sign-offs, the asset's form set the status: the audit log's change gives the date."""
    with app.test_request_context(), db.database.connection_context():
        tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        desk = Item.get_by_id(school['desk'].id)
        before = snapshot(desk)
        desk.status = 'scrapped'
        desk.save()
        log_change('update', desk, before, summary=desk.name, campus=school['campus'])
        today = Campus.get_by_id(school['campus'].id).today().isoformat()
    html = as_role('teacher').get(f'/t/{tag.token}').get_data(as_text=True)
    assert '已报废' in html and f'报废日期：{today}' in html


# Pages, permissions, bad input ---------------------------------------------------------------------------------------

def new_form(client, item_id, **extra):
    html = client.get(f'/scrapping/items/{item_id}/new').get_data(as_text=True)
    data = {'csrf_token': re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            'submission_id': re.search(r'name="submission_id" value="([^"]+)"', html).group(1), 'reason': '桌腿断裂'}
    data.update(extra)
    return data


def sign_form(client, scrap_id, decision='confirm', **extra):
    html = client.get(f'/scrapping/{scrap_id}').get_data(as_text=True)
    step = re.search(r'name="step" value="([a-z]+)"', html)
    data = {'csrf_token': re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            'step': step.group(1) if step else 'office', 'decision': decision, 'note': ''}
    data.update(extra)
    return data


def test_over_http_from_the_label_to_approval(app, as_role, school, people):
    with db.database.connection_context():
        tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
    teacher = as_role('teacher')
    label = teacher.get(f'/t/{tag.token}').get_data(as_text=True)
    link = f'/scrapping/items/{school["desk"].id}/new'
    assert f'href="{link}"' in label and '申请报废' in label
    response = teacher.post(link, data=dict(new_form(teacher, school['desk'].id),
                                            photos=[jpeg_upload('a.jpg'), jpeg_upload('b.png', 'blue')]),
                            content_type='multipart/form-data')
    assert response.status_code == 302
    with db.database.connection_context():
        req = ScrapRequest.get()
        assert len(req.photos) == 2
    detail = f'/scrapping/{req.id}'
    assert response.headers['Location'] == detail
    page = teacher.get(detail).get_data(as_text=True)
    assert '待总务处确认' in page and '桌腿断裂' in page and page.count('/thumb"') == 2 and 'id="scrap-sign"' not in page
    label = teacher.get(f'/t/{tag.token}').get_data(as_text=True)
    assert f'href="{detail}"' in label and '已申请报废：待总务处确认' in label
    assert teacher.get(link).headers['Location'] == detail  # one waiting request per asset
    item_page = as_role('viewer').get(f'/admin/items/{school["desk"].id}').get_data(as_text=True)
    assert f'href="{detail}"' in item_page and '已申请报废：待总务处确认' in item_page
    manager, admin = as_role('manager'), as_role('admin')
    keeper = app.test_client()
    assert login(keeper, 'keeper').status_code == 302
    # Not yet their step: no form, and a forged one is refused with the reason, nothing changed.
    assert 'id="scrap-sign"' not in admin.get(detail).get_data(as_text=True)
    response = admin.post(f'{detail}/sign', data=sign_form(admin, req.id, step='office'))
    assert response.status_code == 409 and '这一步由总务处（后勤主任）确认。' in response.get_data(as_text=True)
    index = manager.get('/scrapping/').get_data(as_text=True)
    assert 'id="waiting-office"' in index and detail in index
    assert manager.post(f'{detail}/sign', data=sign_form(manager, req.id, note='属实')).status_code == 302
    # A stale page (the office's step again) changes nothing.
    response = manager.post(f'{detail}/sign', data=sign_form(manager, req.id, step='office'))
    assert response.status_code == 409 and '这份申请已不在这一步' in response.get_data(as_text=True)
    assert 'id="waiting-store"' in keeper.get('/scrapping/').get_data(as_text=True)
    assert 'href="/scrapping/"' in keeper.get('/').get_data(as_text=True)  # the storekeeper's menu has 报废
    assert keeper.post(f'{detail}/sign', data=sign_form(keeper, req.id)).status_code == 302
    response = admin.post(f'{detail}/sign', data=sign_form(admin, req.id, note='同意'))
    assert response.status_code == 302
    page = admin.get(detail).get_data(as_text=True)
    assert '已批准报废' in page and '总务处确认' in page and '属实' in page and '同意' in page
    with db.database.connection_context():
        assert Item.get_by_id(school['desk'].id).status == 'scrapped'
    assert '已报废' in teacher.get(f'/t/{tag.token}').get_data(as_text=True)
    assert '/scrapping/items/' not in manager.get(f'/admin/items/{school["desk"].id}').get_data(as_text=True)
    items = as_role('viewer').get('/admin/items').get_data(as_text=True)
    assert 'KZ-0001' not in items and '0 件资产' in items  # gone from the active register
    assert 'KZ-0001' in as_role('viewer').get('/admin/items?status=scrapped').get_data(as_text=True)


def test_refusing_over_http_needs_a_reason_and_ends_it(app, as_role, school, people):
    with db.database.connection_context():
        req = ScrapRequest.create(campus=school['campus'], item=school['desk'], submission_id=SID.format(1),
                                  reason='坏了', requested_by=school['users']['teacher'], place=school['room'])
    manager = as_role('manager')
    detail = f'/scrapping/{req.id}'
    response = manager.post(f'{detail}/sign', data=sign_form(manager, req.id, decision='refuse', note=' '))
    assert response.status_code == 409 and '请写明不同意的理由。' in response.get_data(as_text=True)
    response = manager.post(f'{detail}/sign', data=sign_form(manager, req.id, decision='refuse', note='还能修'))
    assert response.status_code == 302
    page = manager.get(detail).get_data(as_text=True)
    assert '未通过' in page and '还能修' in page and 'Manager 签了不同意' in page and 'id="scrap-sign"' not in page


def test_bad_input_changes_nothing(app, as_role, school, people):
    teacher = as_role('teacher')
    link = f'/scrapping/items/{school["desk"].id}/new'
    for extra, message in [({'reason': ''}, '请填写报废原因。'), ({'reason': 'x' * 100_000}, '1000 字以内'),
                           ({'submission_id': 'nope'}, '表单不完整'),
                           ({'photos': [(io.BytesIO(b'<?php system($_GET[1]); ?>'), 'x.jpg')]}, '不是可识别的照片'),
                           ({'photos': [jpeg_upload(f'{n}.jpg') for n in range(5)]}, '一次最多 4 张照片'),
                           ({'reason': '²\r\n桌腿断裂', 'photos': [(io.BytesIO(b''), 'empty.jpg')]}, '照片是空的')]:
        response = teacher.post(link, data=dict(new_form(teacher, school['desk'].id), **extra),
                                content_type='multipart/form-data')
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and message in html, (extra.keys(), html[:2000])
        if 'photos' in extra or 'submission_id' in extra:
            assert '桌腿断裂' in html  # what they typed is kept
    bomb = io.BytesIO()
    Image.new('RGB', (5000, 3000)).save(bomb, 'PNG')  # 15 M pixels: refused from its header
    response = teacher.post(link, data=dict(new_form(teacher, school['desk'].id),
                                            photos=[(io.BytesIO(bomb.getvalue()), 'big.png')]),
                            content_type='multipart/form-data')
    assert response.status_code == 400
    with db.database.connection_context():
        assert ScrapRequest.select().count() == 0 and Photo.select().count() == 0
        other = Campus.create(name='别的学校', code='other')
        room = Place.create(campus=other, name='教室')
        theirs = Item.create(campus=other, place=room, name='别人的课桌')
    for url in (f'/scrapping/items/{theirs.id}/new', f'/scrapping/items/{2 ** 64}/new', '/scrapping/99999',
                f'/scrapping/{2 ** 64}'):
        assert teacher.get(url).status_code == 404, url
    data = new_form(teacher, school['desk'].id)
    assert teacher.post(f'/scrapping/items/{theirs.id}/new', data=data).status_code == 404
    assert as_role('viewer').get(link).status_code == 403
    with db.database.connection_context():
        their_request = ScrapRequest.create(campus=other, item=theirs, submission_id=SID.format(8), reason='坏了')
    assert teacher.get(f'/scrapping/{their_request.id}').status_code == 404
    admin = as_role('admin')
    assert admin.get(f'/scrapping/{their_request.id}').status_code == 404
    data = {'csrf_token': csrf_token(admin, '/scrapping/'), 'step': 'office', 'decision': 'confirm'}
    assert admin.post(f'/scrapping/{their_request.id}/sign', data=data).status_code == 404
    with db.database.connection_context():
        req = ScrapRequest.create(campus=school['campus'], item=school['desk'], submission_id=SID.format(1),
                                  reason='坏了', requested_by=school['users']['teacher'], place=school['room'])
    manager = as_role('manager')
    for bad in ({'step': 'leader'}, {'step': '²'}, {'decision': 'maybe'}, {'step': ''}, {'note': 'x' * 100_000,
                                                                                          'decision': 'nope'}):
        response = manager.post(f'/scrapping/{req.id}/sign', data=dict(sign_form(manager, req.id), **bad))
        assert response.status_code == 409, bad
    # Someone who neither asked nor holds a step does not see the request.
    janitor = as_role('janitor')
    assert janitor.get(f'/scrapping/{req.id}').status_code == 404
    data = dict(sign_form(manager, req.id), csrf_token=csrf_token(janitor, '/scrapping/'))
    assert janitor.post(f'/scrapping/{req.id}/sign', data=data).status_code == 404
    with db.database.connection_context():
        fresh = ScrapRequest.get_by_id(req.id)
        assert (fresh.status, fresh.office_by_id) == ('office', None)


def test_naming_storekeepers(app, as_role, school):
    admin = as_role('admin')
    path = '/scrapping/storekeepers'
    teacher_id = school['users']['teacher'].id
    token = csrf_token(admin, path)
    with db.database.connection_context():
        stranger = User.create(username='stranger', password_hash=PASSWORD_HASH)
    for bad in (['x'], [str(stranger.id)], [str(2 ** 64)], ['-1']):
        response = admin.post(path, data={'csrf_token': token, 'users': bad})
        assert response.status_code == 400 and '请选择本校的账号。' in response.get_data(as_text=True), bad
    assert admin.post(path, data={'csrf_token': token, 'users': [str(teacher_id)]}).status_code == 302
    assert 'value="%d" checked' % teacher_id in admin.get(path).get_data(as_text=True)
    assert 'href="/scrapping/"' in as_role('teacher').get('/scrapping/').get_data(as_text=True)  # in the menu
    assert admin.post(path, data={'csrf_token': token}).status_code == 302
    with db.database.connection_context():
        assert [e.action for e in AuditLog.select().where(AuditLog.entity == 'storekeeper').order_by(AuditLog.id)] == \
            ['create', 'delete']
    assert as_role('manager').get(path).status_code == 403
