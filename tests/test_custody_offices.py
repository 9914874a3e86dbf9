"""Custody lists for offices (部门财产责任书, issue 16): a place names its keeper (负责人) on its page; generating a
term's lists makes one per office from what is in its rooms, the keeper signs it as a head teacher signs a class's
(once; nobody else may), the term-end comparison names the office (责任部门) and the A4 sheet is the office's; another
campus's ids and accounts are refused."""
import datetime
import re
import threading

import pytest
from helpers import PASSWORD_HASH, csrf_token, login
from test_races import race

from houqin import db
from houqin.assets.custody import (CustodyRefused, compare, generate_lists, office_rooms, sign_list,
                                   term_comparison)
from houqin.assets.stocktake import close_stocktake, confirm_item, open_stocktake, set_condition
from houqin.models import (AuditLog, Campus, CustodyLine, CustodyList, Item, Membership, Place, SchoolClass,
                           StocktakeLine, Term, User, WorkOrder)

AGENT = 'Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0'


def office_school(school):
    """An office building: 总务处 (kept by 赵主任) with a storeroom inside, and 财务室 inside it kept by 钱会计 (its
    own list), 会议室 with no keeper (no list); 初一(1)班 has the classroom of the test school."""
    campus = school['campus']
    with db.database.connection_context():
        zhao = User.create(username='zhao', display_name='赵主任', password_hash=PASSWORD_HASH)
        qian = User.create(username='qian', display_name='钱会计', password_hash=PASSWORD_HASH)
        for user in (zhao, qian):
            Membership.create(user=user, campus=campus, role='teacher')
        SchoolClass.create(campus=campus, grade='初一', name='初一(1)班', head_teacher=school['users']['teacher'])
        Place.update(school_class=SchoolClass.get()).where(Place.id == school['room'].id).execute()
        hall = Place.create(campus=campus, name='行政楼', kind='building')
        office = Place.create(campus=campus, parent=hall, name='总务处', kind='office', keeper=zhao)
        store = Place.create(campus=campus, parent=office, name='总务仓库', kind='storeroom')
        finance = Place.create(campus=campus, parent=office, name='财务室', kind='office', keeper=qian)
        meeting = Place.create(campus=campus, parent=hall, name='会议室', kind='office')
        items = {name: Item.create(campus=campus, place=place, kind=kind, name=name, asset_number=number)
                 for name, place, kind, number in (('电脑', office, 'computer', 'DN-0001'),
                                                   ('打印机', office, 'other', 'DY-0001'),
                                                   ('梯子', store, 'other', 'TZ-0001'),
                                                   ('保险柜', finance, 'other', 'BX-0001'),
                                                   ('投影仪', meeting, 'projector', 'TY-0009'))}
        Item.create(campus=campus, place=office, kind='other', name='旧柜子', asset_number='GZ-0009', status='scrapped')
        term = Term.create(campus=campus, name='2026秋季学期', starts_on=datetime.date(2026, 9, 1),
                           ends_on=datetime.date(2027, 1, 20))
    return {'zhao': zhao, 'qian': qian, 'hall': hall, 'office': office, 'store': store, 'finance': finance,
            'meeting': meeting, 'items': items, 'term': term}


def office_list(office, term):
    return CustodyList.get((CustodyList.office == office) & (CustodyList.term == term))


def names_of(custody):
    return sorted(line.name for line in CustodyLine.select().where(CustodyLine.custody == custody))


def sign(custody, user, name='赵主任', **extra):
    values = dict(signed_name=name, agreed=True, revision=custody.revision, agent=AGENT, address='10.0.0.8')
    values.update(extra)
    return sign_list(custody, user, **values)


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


# Domain ----------------------------------------------------------------------------------------------------------

def test_generating_twice_makes_one_list_per_office_from_its_rooms(app, school):
    data = office_school(school)
    with db.database.connection_context():
        done = generate_lists(school['campus'], data['term'])
        assert (done.created, done.refreshed, done.kept) == (3, 0, 0)  # the class, 总务处 and 财务室
        office = office_list(data['office'], data['term'])
        assert (office.office_name, office.class_name, office.school_class_id) == ('总务处', '', None)
        # The office and the places below it, less 财务室 (its own keeper signs for it); nothing scrapped.
        assert names_of(office) == ['打印机', '梯子', '电脑']
        assert names_of(office_list(data['finance'], data['term'])) == ['保险柜']
        assert not CustodyList.select().where(CustodyList.office == data['meeting']).exists()  # no keeper, no list
        line = CustodyLine.get((CustodyLine.custody == office) & (CustodyLine.name == '梯子'))
        assert (line.asset_number, line.place_path) == ('TZ-0001', '行政楼 › 总务处 › 总务仓库')
        assert office_rooms(data['office']) == {data['office'].id, data['store'].id}
        again = generate_lists(school['campus'], data['term'])
        assert (again.created, again.refreshed, again.kept) == (0, 0, 3)
        assert CustodyList.select().count() == 3 and CustodyLine.select().count() == 5
        # Renamed before signing: the unsigned list follows, with a new revision; the audit log names the office.
        Place.update(name='总务处（后勤）').where(Place.id == data['office'].id).execute()
        assert generate_lists(school['campus'], data['term']).refreshed == 2  # and 财务室's, whose path names it
        office = CustodyList.get_by_id(office.id)
        assert (office.office_name, office.revision) == ('总务处（后勤）', 2)
        assert AuditLog.select().where((AuditLog.entity == 'custody_list') & (AuditLog.row_id == office.id)
                                       & (AuditLog.action == 'create')).get().summary == '总务处 2026秋季学期'
        # A keeper removed: no new list is made; the term's list made already stays.
        Place.update(keeper=None).where(Place.id == data['finance'].id).execute()
        assert generate_lists(school['campus'], data['term']).created == 0
        assert CustodyList.select().where(CustodyList.office.is_null(False)).count() == 2


def test_the_keeper_signs_once_and_nobody_else_does(app, school):
    data = office_school(school)
    now = datetime.datetime(2026, 9, 2, 2, 0)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        office = office_list(data['office'], data['term'])
        for other in (data['qian'], school['users']['teacher'], school['users']['manager']):
            with pytest.raises(CustodyRefused, match='keeper of 总务处'):
                sign(office, other)
        assert CustodyList.get_by_id(office.id).signed_at is None
        signed = sign(office, data['zhao'], name=' 赵主任 ', now=now)
        assert (signed.signed_by_id, signed.signed_name, signed.signed_at) == (data['zhao'].id, '赵主任', now)
        assert (signed.signed_agent, signed.signed_address) == (AGENT, '10.0.0.8')
        with pytest.raises(CustodyRefused, match='already signed by 赵主任'):
            sign(office, data['zhao'], name='别人')
        assert AuditLog.select().where((AuditLog.entity == 'custody_list') & (AuditLog.row_id == office.id)
                                       & (AuditLog.action == 'update')).get().summary == '总务处 2026秋季学期：赵主任'
        # Signed: the list stays as signed, whatever the register does next.
        Item.create(campus=school['campus'], place=data['office'], kind='other', name='柜子', asset_number='GZ-1')
        assert generate_lists(school['campus'], data['term']).refreshed == 0
        assert names_of(office) == ['打印机', '梯子', '电脑']


def test_two_managers_generating_at_once_make_one_list_per_office(app, school):
    """Two generations of the same term meet at a barrier, each on its own connection: one list per class and
    office, no line twice. On SQLite and PostgreSQL."""
    data = office_school(school)
    barrier = threading.Barrier(2, timeout=30)

    def generate():
        with db.database.connection_context():
            term = Term.get_by_id(data['term'].id)
            barrier.wait()
            generate_lists(school['campus'], term)
    errors = [repr(error) for _result, error in race(generate, generate) if error is not None]
    assert errors == []
    with db.database.connection_context():
        assert CustodyList.select().where(CustodyList.office.is_null(False)).count() == 2
        assert CustodyLine.select().count() == 5  # the class's desk, 总务处's three, 财务室's safe
        assert CustodyLine.select(CustodyLine.custody, CustodyLine.item).distinct().count() == 5


def close_office_stocktake(school, data):
    """The campus-wide term-end count: the computer missing, the printer damaged, the rest found; closed."""
    manager = school['users']['manager']
    take = open_stocktake(school['campus'], manager, name='期末清点', counters=[manager.id])
    items = data['items']
    for name, place in (('打印机', data['office']), ('梯子', data['store']), ('保险柜', data['finance']),
                        ('投影仪', data['meeting'])):
        confirm_item(take, manager, items[name], Place.get_by_id(place.id))
    confirm_item(take, manager, school['desk'], Place.get_by_id(school['room'].id))
    line = StocktakeLine.get((StocktakeLine.stocktake == take) & (StocktakeLine.item == items['打印机'].id))
    set_condition(take, line.id, 'damaged')
    return close_stocktake(take, manager, '王主任')


def test_the_term_end_comparison_names_the_office(app, school):
    data = office_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        office = office_list(data['office'], data['term'])
        take = close_office_stocktake(school, data)
        result = compare(office, take)
        assert [line.name for line, _s, _f in result.of('missing')] == ['电脑']
        assert [line.name for line, _s, _f in result.of('damaged')] == ['打印机']
        assert [line.name for line, _s, _f in result.of('ok')] == ['梯子']
        rows = {c.holder_name: (missing, damaged) for c, missing, damaged in term_comparison(
            school['campus'], data['term'], take)}
        assert rows == {'初一(1)班': (0, 0), '总务处': (1, 1), '财务室': (0, 0)}


# HTTP ------------------------------------------------------------------------------------------------------------

def test_a_manager_names_the_keeper_on_the_place_page_and_bad_choices_change_nothing(app, as_role, school):
    data = office_school(school)
    far = other_campus()
    manager = as_role('manager')
    url = f'/admin/places/{data["meeting"].id}'
    page = manager.get(url).get_data(as_text=True)
    assert 'name="keeper"' in page and '钱会计' in page and '负责人' in page
    token = csrf_token(manager, url)
    form = {'csrf_token': token, 'name': '会议室', 'kind': 'office', 'parent': data['hall'].id, 'code': '', 'note': ''}
    for bad in (far['keeper'].id, '²', str(2 ** 64), 'x' * 100_000, '-1'):
        response = manager.post(url, data={**form, 'keeper': bad})
        assert response.status_code == 200 and '请选择本校人员' in response.get_data(as_text=True), bad
    assert manager.post(url, data={**form, 'keeper': '\x00'}).status_code == 400
    with db.database.connection_context():
        assert Place.get_by_id(data['meeting'].id).keeper_id is None
    # A class's place: its head teacher signs for it, not a keeper.
    room_url = f'/admin/places/{school["room"].id}'
    response = manager.post(room_url, data={**form, 'name': '101教室', 'kind': 'classroom',
                                            'parent': school['floor'].id, 'code': '101',
                                            'keeper': data['zhao'].id})
    assert '班主任' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert Place.get_by_id(school['room'].id).keeper_id is None
    teacher = as_role('teacher')
    response = teacher.post(url, data={**form, 'csrf_token': csrf_token(teacher, '/custody/mine'),
                                       'keeper': data['qian'].id})
    assert response.status_code == 403
    assert manager.post(url, data={**form, 'keeper': data['qian'].id}).status_code == 302
    with db.database.connection_context():
        assert Place.get_by_id(data['meeting'].id).keeper_id == data['qian'].id
    assert re.search(f'<option[^>]*selected[^>]*value="{data["qian"].id}"|<option[^>]*value="{data["qian"].id}"'
                     '[^>]*selected', manager.get(url).get_data(as_text=True))
    # Posted without the field (an old page): the keeper stays; (none) clears it.
    assert manager.post(url, data=form).status_code == 302
    with db.database.connection_context():
        assert Place.get_by_id(data['meeting'].id).keeper_id == data['qian'].id
    assert manager.post(url, data={**form, 'keeper': '0'}).status_code == 302
    with db.database.connection_context():
        assert Place.get_by_id(data['meeting'].id).keeper_id is None


def test_the_keeper_signs_on_the_phone_and_prints_the_office_sheet(app, as_role, school):
    data = office_school(school)
    manager = as_role('manager')
    token = csrf_token(manager, '/custody/')
    for _ in range(2):
        assert manager.post('/custody/generate', data={'csrf_token': token, 'term': data['term'].id}).status_code == 302
    with db.database.connection_context():
        assert CustodyList.select().count() == 3
        office = office_list(data['office'], data['term'])
    page = manager.get(f'/custody/?term={data["term"].id}').get_data(as_text=True)
    rows = page[page.index('id="custody-lists"'):]
    assert '总务处' in rows and '赵主任' in rows and '财务室' in rows and '钱会计' in rows
    assert rows.index('初一(1)班') < rows.index('总务处')  # classes first, then offices
    zhao = signed_in(app, 'zhao')
    home = zhao.get('/').get_data(as_text=True)
    assert 'id="custody-home"' in home and '我的财产责任书' in home
    mine = zhao.get('/custody/mine').get_data(as_text=True)
    assert '总务处' in mine and '财务室' not in mine and '初一(1)班' not in mine
    url = f'/custody/lists/{office.id}'
    page = zhao.get(url).get_data(as_text=True)
    assert 'id="sign-form"' in page and 'DN-0001' in page and '部门负责人：赵主任' in page and '在本部门房间内' in page
    # Another account neither sees nor signs the office's list: 钱会计 (another office), the head teacher.
    for other in (signed_in(app, 'qian'), as_role('teacher')):
        assert other.get(url).status_code == 404 and other.get(url + '/print').status_code == 404
        other_token = csrf_token(other, '/custody/mine')
        response = other.post(url + '/sign', data={'csrf_token': other_token, 'signed_name': '别人', 'agreed': '1',
                                                   'revision': str(office.revision)})
        assert response.status_code == 404
    token = csrf_token(zhao, url)
    response = zhao.post(url + '/sign', data={'csrf_token': token, 'signed_name': '赵主任', 'agreed': '1',
                                              'revision': str(office.revision)},
                         headers={'User-Agent': AGENT}, environ_base={'REMOTE_ADDR': '10.1.2.4'})
    assert response.status_code == 302
    again = zhao.post(url + '/sign', data={'csrf_token': token, 'signed_name': '另一个', 'agreed': '1',
                                           'revision': str(office.revision)})
    assert again.status_code == 400 and '赵主任' in again.get_data(as_text=True)
    with db.database.connection_context():
        signed = CustodyList.get_by_id(office.id)
        assert (signed.signed_name, signed.signed_by_id) == ('赵主任', data['zhao'].id)
        assert (signed.signed_agent, signed.signed_address) == (AGENT, '10.1.2.4')
    assert 'id="n-signed">1<' in manager.get(f'/custody/?term={data["term"].id}').get_data(as_text=True)
    sheet = zhao.get(url + '/print').get_data(as_text=True)
    for text in ('测试中心小学', '部门财产责任书', '部门：总务处', '部门负责人：赵主任', '部门负责人（签字）：',
                 'DN-0001', '行政楼 › 总务处 › 总务仓库', 'id="signed-name">赵主任<'):
        assert text in sheet, text
    assert '班主任' not in sheet and '班级财产责任书' not in sheet
    with db.database.connection_context():
        finance = office_list(data['finance'], data['term'])
    unsigned = manager.get(f'/custody/lists/{finance.id}/print').get_data(as_text=True)
    assert 'class="blank"' in unsigned and 'id="signed-name"' not in unsigned and '部门：财务室' in unsigned


def test_the_comparison_pages_name_the_office_and_charge_it(app, as_role, school):
    data = office_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        office = office_list(data['office'], data['term'])
        take = close_office_stocktake(school, data)
        printer = CustodyLine.get((CustodyLine.custody == office) & (CustodyLine.name == '打印机'))
    manager = as_role('manager')
    url = f'/custody/lists/{office.id}/compare'
    page = manager.get(url).get_data(as_text=True)
    assert 'id="n-missing">1<' in page and 'id="n-damaged">1<' in page and 'id="n-ok">1<' in page
    missing = page[page.index('id="missing"'):page.index('id="damaged"')]
    assert '电脑' in missing and '责任部门：总务处' in missing and '责任班级' not in page
    assert '计入部门' in page
    token = csrf_token(manager, url)
    for _ in range(2):
        response = manager.post(f'/custody/lists/{office.id}/lines/{printer.id}/charge',
                                data={'csrf_token': token, 'stocktake': take.id})
        assert response.status_code == 302
    with db.database.connection_context():
        assert WorkOrder.select().count() == 1 and WorkOrder.get().liable_party == '总务处'
    term_page = manager.get(f'/custody/compare?term={data["term"].id}&stocktake={take.id}').get_data(as_text=True)
    rows = term_page[term_page.index('id="term-comparison"'):]
    office_row = rows[rows.index('<b>总务处</b>'):rows.index('<b>财务室</b>')]
    assert '丢失 1' in office_row and '损坏 1' in office_row and '责任部门：总务处' in office_row


def other_campus():
    """A second school with an office kept by its own account, its term and list."""
    with db.database.connection_context():
        campus = Campus.create(name='另一所学校', code='other')
        keeper = User.create(username='otherkeeper', display_name='外校主任', password_hash=PASSWORD_HASH)
        Membership.create(user=keeper, campus=campus, role='teacher')
        office = Place.create(campus=campus, name='外校总务处', kind='office', keeper=keeper)
        Item.create(campus=campus, place=office, kind='desk', name='外校办公桌', asset_number='WX-9')
        term = Term.create(campus=campus, name='外校学期', starts_on=datetime.date(2026, 9, 1),
                           ends_on=datetime.date(2027, 1, 20))
        generate_lists(campus, term)
    return {'campus': campus, 'keeper': keeper, 'custody': CustodyList.get(CustodyList.campus == campus)}


def test_another_campus_office_list_is_out_of_reach(app, as_role, school):
    data = office_school(school)
    far = other_campus()
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        office = office_list(data['office'], data['term'])
    zhao, manager = signed_in(app, 'zhao'), as_role('manager')
    far_url = f'/custody/lists/{far["custody"].id}'
    for client in (zhao, manager):
        for suffix in ('', '/print', '/compare'):
            assert client.get(far_url + suffix).status_code in (403, 404), suffix
    token = csrf_token(zhao, f'/custody/lists/{office.id}')
    response = zhao.post(far_url + '/sign', data={'csrf_token': token, 'signed_name': '赵主任', 'agreed': '1',
                                                  'revision': '1'})
    assert response.status_code == 404
    assert '外校总务处' not in zhao.get('/custody/mine').get_data(as_text=True)
    # The other campus's keeper, signed in there, does not see this campus's office list either.
    outsider = signed_in(app, 'otherkeeper')
    assert outsider.get(f'/custody/lists/{office.id}').status_code == 404
    with db.database.connection_context():
        assert CustodyList.select().where(CustodyList.signed_at.is_null(False)).count() == 0
        assert CustodyList.select().where(CustodyList.campus == far['campus']).count() == 1


def test_an_office_with_custody_lists_is_not_deleted(app, as_role, school):
    data = office_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        finance = office_list(data['finance'], data['term'])
        Item.delete().where(Item.place == data['finance'].id).execute()  # emptied: otherwise it could go
    manager = as_role('manager')
    url = f'/admin/places/{data["finance"].id}'
    response = manager.post(url + '/delete', data={'csrf_token': csrf_token(manager, url)}, follow_redirects=True)
    assert '财务室 有已签或待签的财产责任书' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert Place.get_or_none(Place.id == data['finance'].id) is not None
        assert CustodyList.get_or_none(CustodyList.id == finance.id) is not None
