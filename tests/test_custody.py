"""Custody (责任书, issue 16): term-start lists per class from the register, the head teacher's signature (once, for
the list as shown, frozen after), the term-end comparison with a stocktake, damage charged to the class, the A4
sheet; over HTTP with hostile input, another campus's ids and another class's teacher."""
import datetime
import threading
from decimal import Decimal

import pytest
from helpers import PASSWORD_HASH, csrf_token
from test_races import race

from houqin import db
from houqin.assets.custody import (CustodyRefused, charge_damage, compare, default_stocktake, generate_lists,
                                   sign_list)
from houqin.assets.stocktake import close_stocktake, confirm_item, open_stocktake, set_condition
from houqin.models import (AuditLog, Campus, CustodyLine, CustodyList, Item, Membership, Place, SchoolClass,
                           StocktakeLine, Term, User, WorkOrder)

AGENT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0'


def custody_school(school):
    """Two classes with a room each (and a teacher each), a class without a room, a term, and what is in the rooms:
    101教室 of 初一(1)班 has the desk, a chair, a projector and a scrapped stool; 102教室 of 初一(2)班 a lamp."""
    campus = school['campus']
    with db.database.connection_context():
        teacher2 = User.create(username='teacher2', display_name='李老师', password_hash=PASSWORD_HASH)
        Membership.create(user=teacher2, campus=campus, role='teacher')
        one = SchoolClass.create(campus=campus, grade='初一', name='初一(1)班', head_teacher=school['users']['teacher'])
        two = SchoolClass.create(campus=campus, grade='初一', name='初一(2)班', head_teacher=teacher2)
        SchoolClass.create(campus=campus, grade='初一', name='初一(3)班')  # no room of its own
        room2 = Place.create(campus=campus, parent=school['floor'], name='102教室', kind='classroom', school_class=two)
        Place.update(school_class=one).where(Place.id == school['room'].id).execute()
        chair = Item.create(campus=campus, place=school['room'], kind='chair', name='椅子', asset_number='YZ-0001')
        projector = Item.create(campus=campus, place=school['room'], kind='projector', name='投影仪',
                                asset_number='TY-0001')
        Item.create(campus=campus, place=school['room'], kind='chair', name='旧凳子', asset_number='DZ-0001',
                    status='scrapped')
        lamp = Item.create(campus=campus, place=room2, kind='light', name='台灯', asset_number='TD-0001')
        term = Term.create(campus=campus, name='2026秋季学期', starts_on=datetime.date(2026, 9, 1),
                           ends_on=datetime.date(2027, 1, 20))
    return {'one': one, 'two': two, 'room2': room2, 'chair': chair, 'projector': projector, 'lamp': lamp,
            'term': term, 'teacher2': teacher2}


def other_campus():
    """A second school with its own term, class, room, asset, list and closed stocktake."""
    with db.database.connection_context():
        campus = Campus.create(name='另一所学校', code='other')
        head = User.create(username='otherhead', password_hash=PASSWORD_HASH)
        Membership.create(user=head, campus=campus, role='teacher')
        school_class = SchoolClass.create(campus=campus, grade='一年级', name='一年级(1)班', head_teacher=head)
        room = Place.create(campus=campus, name='其他教室', kind='classroom', school_class=school_class)
        Item.create(campus=campus, place=room, kind='desk', name='外校课桌', asset_number='WX-1')
        term = Term.create(campus=campus, name='外校学期', starts_on=datetime.date(2026, 9, 1),
                           ends_on=datetime.date(2027, 1, 20))
        generate_lists(campus, term)
        take = open_stocktake(campus, head, name='外校清点', counters=[head.id])
        close_stocktake(take, head, '外校')
        custody = CustodyList.get(CustodyList.campus == campus)
    return {'campus': campus, 'term': term, 'custody': custody, 'line': CustodyLine.get(CustodyLine.custody == custody),
            'take': take}


def names_of(custody):
    return [line.name for line in CustodyLine.select().where(CustodyLine.custody == custody).order_by(CustodyLine.id)]


def the_list(school_class, term):
    return CustodyList.get((CustodyList.school_class == school_class) & (CustodyList.term == term))


def sign(custody, user, name='王老师', **extra):
    values = dict(signed_name=name, agreed=True, revision=custody.revision, agent=AGENT, address='10.0.0.7')
    values.update(extra)
    return sign_list(custody, user, **values)


# Domain ----------------------------------------------------------------------------------------------------------

def test_generating_twice_makes_one_list_per_class_and_a_signed_list_stays_frozen(app, school):
    data = custody_school(school)
    with db.database.connection_context():
        done = generate_lists(school['campus'], data['term'])
        assert (done.created, done.refreshed, done.kept) == (2, 0, 0)
        assert [c.name for c in done.no_rooms] == ['初一(3)班']
        one = the_list(data['one'], data['term'])
        assert sorted(names_of(one)) == ['投影仪', '椅子', '课桌']  # the scrapped stool is not in the active register
        assert names_of(the_list(data['two'], data['term'])) == ['台灯']
        line = CustodyLine.get((CustodyLine.custody == one) & (CustodyLine.name == '椅子'))
        assert (line.asset_number, line.place_path) == ('YZ-0001', '教学楼 › 一楼 › 101教室')
        again = generate_lists(school['campus'], data['term'])
        assert (again.created, again.refreshed, again.kept) == (0, 0, 2)
        assert CustodyList.select().count() == 2 and CustodyLine.select().count() == 4
        # The register changes before signing: the unsigned list follows it, with a new revision.
        Item.create(campus=school['campus'], place=school['room'], kind='other', name='黑板', asset_number='HB-1')
        assert generate_lists(school['campus'], data['term']).refreshed == 1
        one = CustodyList.get_by_id(one.id)
        assert one.revision == 2 and '黑板' in names_of(one)
        sign(one, school['users']['teacher'])
        # Signed: the list is the signed snapshot, whatever the register does next.
        data['chair'].place = data['room2']
        data['chair'].save()
        Item.create(campus=school['campus'], place=school['room'], kind='other', name='柜子', asset_number='GZ-1')
        later = generate_lists(school['campus'], data['term'])
        assert (later.kept, later.refreshed) == (1, 1)  # 初一(2)班's unsigned list gains the chair
        assert sorted(names_of(the_list(data['two'], data['term']))) == ['台灯', '椅子']
        assert sorted(names_of(one)) == ['投影仪', '椅子', '课桌', '黑板']
        assert CustodyList.get_by_id(one.id).revision == 2


def test_a_signature_keeps_who_when_and_the_device_and_is_given_once(app, school):
    data = custody_school(school)
    teacher, teacher2 = school['users']['teacher'], data['teacher2']
    now = datetime.datetime(2026, 9, 2, 1, 30)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
        for bad, message in (({'name': '  '}, 'name'), ({'name': 'a\nb'}, 'one line'), ({'name': 'x' * 51}, 'one line'),
                             ({'agreed': False}, 'Tick'), ({'revision': 2}, 'changed')):
            values = dict(signed_name=bad.get('name', '王老师'), agreed=bad.get('agreed', True),
                          revision=bad.get('revision', one.revision))
            with pytest.raises(CustodyRefused, match=message):
                sign_list(one, teacher, **values)
        with pytest.raises(CustodyRefused, match='head teacher'):
            sign(one, teacher2)  # another class's head teacher
        with pytest.raises(CustodyRefused, match='head teacher'):
            sign(one, school['users']['manager'])
        assert CustodyList.get_by_id(one.id).signed_at is None
        signed = sign(one, teacher, name=' 王老师 ', now=now)
        assert (signed.signed_by_id, signed.signed_name, signed.signed_at) == (teacher.id, '王老师', now)
        assert (signed.signed_agent, signed.signed_address) == (AGENT, '10.0.0.7')
        with pytest.raises(CustodyRefused, match='already signed by 王老师'):
            sign(one, teacher, name='别人')
        assert CustodyList.get_by_id(one.id).signed_name == '王老师'
        assert AuditLog.select().where((AuditLog.entity == 'custody_list') & (AuditLog.row_id == one.id)
                                       & (AuditLog.action == 'update')).get().summary == '初一(1)班 2026秋季学期：王老师'


def test_two_signatures_at_once_store_one(app, school):
    """Two phones of the head teacher sign at the same moment (threads meeting at a barrier, each with its own
    connection): one signature is stored, the other is refused as already signed. On SQLite and PostgreSQL."""
    data = custody_school(school)
    teacher = school['users']['teacher']
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
    for round_ in range(3):
        with db.database.connection_context():
            CustodyList.update(signed_at=None, signed_by=None, signed_name='').where(CustodyList.id == one.id).execute()
        barrier, outcomes = threading.Barrier(2, timeout=30), []

        def racer(name):
            try:
                with db.database.connection_context():
                    custody = CustodyList.get_by_id(one.id)
                    barrier.wait()
                    sign(custody, teacher, name=name)
                    outcomes.append(('signed', name))
            except CustodyRefused as refused:
                outcomes.append(('refused', str(refused)))
            except Exception as error:  # reported by the assertion below
                outcomes.append(('error', repr(error)))

        threads = [threading.Thread(target=racer, args=(f'王老师{n}',)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        kinds = sorted(kind for kind, _text in outcomes)
        assert kinds == ['refused', 'signed'], (round_, outcomes)
        winner = next(text for kind, text in outcomes if kind == 'signed')
        with db.database.connection_context():
            assert CustodyList.get_by_id(one.id).signed_name == winner
        assert 'already signed' in next(text for kind, text in outcomes if kind == 'refused')


def test_two_managers_generating_at_once_make_one_list_per_class(app, school):
    """Two generations of the same term meet at a barrier, each on its own connection: one list per class, no
    line twice. On SQLite and PostgreSQL."""
    data = custody_school(school)
    barrier = threading.Barrier(2, timeout=30)

    def generate():
        with db.database.connection_context():
            term = Term.get_by_id(data['term'].id)
            barrier.wait()
            generate_lists(school['campus'], term)
    errors = [repr(error) for _result, error in race(generate, generate) if error is not None]
    assert errors == []
    with db.database.connection_context():
        assert CustodyList.select().count() == 2
        assert CustodyLine.select().count() == 4
        assert CustodyLine.select(CustodyLine.custody, CustodyLine.item).distinct().count() == 4


def close_term_end_stocktake(school, data, *, damaged=True):
    """The term-end count of the floor: desk found, chair missing, projector found damaged, lamp found; closed."""
    manager, teacher = school['users']['manager'], school['users']['teacher']
    take = open_stocktake(school['campus'], manager, name='期末清点', scope_place=school['floor'],
                          counters=[teacher.id])
    room = Place.get_by_id(school['room'].id)
    for item in (school['desk'], data['projector']):
        confirm_item(take, teacher, item, room)
    confirm_item(take, teacher, data['lamp'], Place.get_by_id(data['room2'].id))
    if damaged:
        line = StocktakeLine.get((StocktakeLine.stocktake == take) & (StocktakeLine.item == data['projector'].id))
        set_condition(take, line.id, 'damaged')
    return close_stocktake(take, manager, '王主任')


def test_the_term_end_comparison_names_the_class_for_the_missing_and_the_damaged(app, school):
    data = custody_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
        sign(one, school['users']['teacher'])
        # Moved during the term: the desk of 初一(1)班 ends up counted in 102教室.
        take = close_term_end_stocktake(school, data)
        assert default_stocktake(one, [take]).id == take.id
        result = compare(one, take)
        by_status = {status: sorted(line.name for line, _s, _f in result.of(status))
                     for status in ('ok', 'missing', 'damaged', 'elsewhere', 'not_counted')}
        assert by_status == {'ok': ['课桌'], 'missing': ['椅子'], 'damaged': ['投影仪'], 'elsewhere': [],
                             'not_counted': []}
        assert result.extra == []
        two = the_list(data['two'], data['term'])
        assert [line.name for line, _s, _f in compare(two, take).of('ok')] == ['台灯']
        # A stocktake of one kind only, or of another building, does not cover the class: not the default.
        other = Place.create(campus=school['campus'], name='实验楼', kind='building')
        narrow = open_stocktake(school['campus'], school['users']['manager'], name='实验楼', scope_place=other,
                                counters=[school['users']['teacher'].id])
        close_stocktake(narrow, school['users']['manager'], '王主任')
        assert default_stocktake(one, [narrow, take]).id == take.id
        assert {status for _l, status, _f in compare(one, narrow).rows} == {'not_counted'}


def test_damage_is_charged_to_the_class_through_a_repair_order_once(app, school):
    data = custody_school(school)
    manager = school['users']['manager']
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
        take = close_term_end_stocktake(school, data)
        lines = {line.name: line for line in CustodyLine.select().where(CustodyLine.custody == one)}
        with pytest.raises(CustodyRefused, match='damaged'):
            charge_damage(one, lines['椅子'], take, manager)  # missing, not damaged
        with pytest.raises(CustodyRefused, match='damaged'):
            charge_damage(one, lines['课桌'], take, manager)  # found in good order
        order = charge_damage(one, lines['投影仪'], take, manager)
        assert order.item_id == data['projector'].id and order.liable_party == '初一(1)班'
        assert '初一(1)班' in order.title and order.status == 'reported' and order.compensation is None
        assert CustodyLine.get_by_id(lines['投影仪'].id).order_id == order.id
        assert charge_damage(one, lines['投影仪'], take, manager).id == order.id
        assert WorkOrder.select().count() == 1
        assert Item.get_by_id(data['projector'].id).status == 'broken'
        # A line of another list is refused.
        lamp_line = CustodyLine.get(CustodyLine.name == '台灯')
        with pytest.raises(CustodyRefused):
            charge_damage(one, lamp_line, take, manager)


# HTTP ------------------------------------------------------------------------------------------------------------

def test_a_manager_generates_a_head_teacher_signs_on_the_list_page(as_role, school, app):
    data = custody_school(school)
    manager, teacher = as_role('manager'), as_role('teacher')
    page = manager.get('/custody/').get_data(as_text=True)
    assert '2026秋季学期' in page and 'id="n-lists">0<' in page
    token = csrf_token(manager, '/custody/')
    for _ in range(2):
        assert manager.post('/custody/generate', data={'csrf_token': token, 'term': data['term'].id}).status_code == 302
    with db.database.connection_context():
        assert CustodyList.select().count() == 2
        one = the_list(data['one'], data['term'])
    page = manager.get(f'/custody/?term={data["term"].id}').get_data(as_text=True)
    assert 'id="n-lists">2<' in page and 'id="n-signed">0<' in page and '初一(3)班' in page
    home = teacher.get('/').get_data(as_text=True)
    assert 'id="custody-home"' in home and '/custody/mine' in home
    assert '初一(1)班' in teacher.get('/custody/mine').get_data(as_text=True)
    url = f'/custody/lists/{one.id}'
    page = teacher.get(url).get_data(as_text=True)
    assert 'id="sign-form"' in page and 'YZ-0001' in page and '投影仪' in page
    token = csrf_token(teacher, url)
    response = teacher.post(url + '/sign', data={'csrf_token': token, 'signed_name': '王老师', 'agreed': '1',
                                                 'revision': str(one.revision)},
                            headers={'User-Agent': AGENT}, environ_base={'REMOTE_ADDR': '10.1.2.3'})
    assert response.status_code == 302
    with db.database.connection_context():
        signed = CustodyList.get_by_id(one.id)
        assert (signed.signed_name, signed.signed_by_id) == ('王老师', school['users']['teacher'].id)
        assert (signed.signed_agent, signed.signed_address) == (AGENT, '10.1.2.3')
    page = teacher.get(url).get_data(as_text=True)
    assert 'id="sign-form"' not in page and 'id="signature"' in page
    again = teacher.post(url + '/sign', data={'csrf_token': token, 'signed_name': '另一个', 'agreed': '1',
                                              'revision': str(one.revision)})
    assert again.status_code == 400 and '王老师' in again.get_data(as_text=True)
    assert 'id="n-signed">1<' in manager.get(f'/custody/?term={data["term"].id}').get_data(as_text=True)
    sheet = manager.get(url + '/print').get_data(as_text=True)
    for text in ('测试中心小学', '班级财产责任书', '初一(1)班', '2026秋季学期', 'KZ-0001', 'YZ-0001',
                 '教学楼 › 一楼 › 101教室', 'id="signed-name">王老师<', '/static/custody.'):
        assert text in sheet, text
    with db.database.connection_context():
        two = the_list(data['two'], data['term'])
    unsigned = manager.get(f'/custody/lists/{two.id}/print').get_data(as_text=True)
    assert 'class="blank"' in unsigned and 'id="signed-name"' not in unsigned


def test_hostile_sign_input_changes_nothing_and_keeps_what_was_typed(as_role, school):
    data = custody_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
    teacher = as_role('teacher')
    url = f'/custody/lists/{one.id}'
    token = csrf_token(teacher, url)
    cases = [({'signed_name': '', 'agreed': '1'}, '签名'), ({'signed_name': '王老师²'}, '勾选'),
             ({'signed_name': 'x' * 100_000, 'agreed': '1'}, '50'), ({'signed_name': '王\r\n老师', 'agreed': '1'}, '50'),
             ({'signed_name': '王老师', 'agreed': '1', 'revision': str(2 ** 64)}, '重新核对'),
             ({'signed_name': '王老师', 'agreed': '1', 'revision': '-1'}, '重新核对')]
    for form, words in cases:
        values = {'csrf_token': token, 'revision': str(one.revision), **form}
        response = teacher.post(url + '/sign', data=values)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, form
        assert words in page, (form, page[page.find('role="alert"') - 50:page.find('role="alert"') + 200])
        if form['signed_name'] and len(form['signed_name']) < 60 and '\r' not in form['signed_name']:
            assert f'value="{form["signed_name"]}"' in page  # what they typed is kept
    nul = teacher.post(url + '/sign', data={'csrf_token': token, 'signed_name': '王\x00', 'agreed': '1',
                                            'revision': str(one.revision)})
    assert nul.status_code == 400
    with db.database.connection_context():
        assert CustodyList.get_by_id(one.id).signed_at is None


def test_another_class_and_another_campus_are_out_of_reach(as_role, school, app):
    data = custody_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one, two = the_list(data['one'], data['term']), the_list(data['two'], data['term'])
    far = other_campus()
    teacher, manager = as_role('teacher'), as_role('manager')
    # The teacher of 初一(1)班 neither sees nor signs 初一(2)班's list.
    assert teacher.get(f'/custody/lists/{two.id}').status_code == 404
    assert teacher.get(f'/custody/lists/{two.id}/print').status_code == 404
    token = csrf_token(teacher, f'/custody/lists/{one.id}')
    response = teacher.post(f'/custody/lists/{two.id}/sign', data={'csrf_token': token, 'signed_name': '王老师',
                                                                   'agreed': '1', 'revision': str(two.revision)})
    assert response.status_code == 404
    assert '初一(2)班' not in teacher.get('/custody/mine').get_data(as_text=True)
    assert teacher.get(f'/custody/lists/{one.id}/compare').status_code == 403
    # Another campus's list, term, stocktake and line.
    for url in (f'/custody/lists/{far["custody"].id}', f'/custody/lists/{far["custody"].id}/print',
                f'/custody/lists/{far["custody"].id}/compare'):
        assert manager.get(url).status_code == 404, url
    assert teacher.get(f'/custody/lists/{far["custody"].id}').status_code == 404
    assert manager.get(f'/custody/?term={far["term"].id}').status_code == 400
    assert manager.get('/custody/?term=99999999999999999999999').status_code == 400
    token = csrf_token(manager, '/custody/')
    for term in (far['term'].id, '', '²', str(2 ** 64), 'x' * 100_000):
        response = manager.post('/custody/generate', data={'csrf_token': token, 'term': term})
        assert response.status_code == 302
    compare_page = manager.get(f'/custody/lists/{one.id}/compare?stocktake={far["take"].id}')
    assert compare_page.status_code == 400
    for bad in (str(2 ** 64), '²', 'x' * 100_000, '-1'):
        assert manager.get(f'/custody/lists/{one.id}/compare', query_string={'stocktake': bad}).status_code == 400
    assert manager.get(f'/custody/lists/{one.id}/compare?stocktake=%00').status_code == 400
    response = manager.post(f'/custody/lists/{one.id}/lines/{far["line"].id}/charge',
                            data={'csrf_token': token, 'stocktake': far['take'].id})
    assert response.status_code == 302
    for bad in ('', str(2 ** 64), '²', 'x' * 100_000):
        response = manager.post(f'/custody/lists/{one.id}/lines/{far["line"].id}/charge',
                                data={'csrf_token': token, 'stocktake': bad})
        assert response.status_code == 302
    response = manager.post(f'/custody/lists/{far["custody"].id}/lines/{far["line"].id}/charge',
                            data={'csrf_token': token, 'stocktake': far['take'].id})
    assert response.status_code == 404
    with db.database.connection_context():
        assert CustodyList.select().where(CustodyList.campus == school['campus']).count() == 2
        assert CustodyList.select().where(CustodyList.campus == far['campus']).count() == 1
        assert WorkOrder.select().count() == 0
        assert CustodyList.select().where(CustodyList.signed_at.is_null(False)).count() == 0


def test_the_comparison_page_names_the_class_and_charges_damage(as_role, school):
    data = custody_school(school)
    with db.database.connection_context():
        generate_lists(school['campus'], data['term'])
        one = the_list(data['one'], data['term'])
        take = close_term_end_stocktake(school, data)
        projector_line = CustodyLine.get((CustodyLine.custody == one) & (CustodyLine.name == '投影仪'))
    manager, viewer = as_role('manager'), as_role('viewer')
    url = f'/custody/lists/{one.id}/compare'
    page = manager.get(url).get_data(as_text=True)
    assert 'id="n-missing">1<' in page and 'id="n-damaged">1<' in page and 'id="n-ok">1<' in page
    missing = page[page.index('id="missing"'):page.index('id="damaged"')]
    assert '椅子' in missing and '初一(1)班' in missing
    assert '计入班级' in page  # the charge button
    assert '计入班级' not in viewer.get(url).get_data(as_text=True)
    token = csrf_token(manager, url)
    for _ in range(2):
        response = manager.post(f'{url[:-len("/compare")]}/lines/{projector_line.id}/charge',
                                data={'csrf_token': token, 'stocktake': take.id})
        assert response.status_code == 302
    with db.database.connection_context():
        order = WorkOrder.get()
        assert WorkOrder.select().count() == 1 and order.liable_party == '初一(1)班'
    page = manager.get(f'{url}?stocktake={take.id}').get_data(as_text=True)
    assert f'href="/repairs/{order.id}"' in page
    # The term's comparison: each class with what it is missing and what was found damaged.
    term_page = manager.get(f'/custody/compare?term={data["term"].id}&stocktake={take.id}').get_data(as_text=True)
    rows = term_page[term_page.index('id="term-comparison"'):]
    one_row = rows[rows.index('初一(1)班'):rows.index('初一(2)班')]
    assert '丢失 1' in one_row and '损坏 1' in one_row
    assert '全部清点到' in rows[rows.index('初一(2)班'):]
    assert manager.get('/custody/compare').status_code == 200  # the current term and the newest stocktake
    for bad in ({'term': '99999'}, {'stocktake': str(2 ** 64)}, {'stocktake': '²'}, {'term': 'x' * 100_000}):
        assert manager.get('/custody/compare', query_string=bad).status_code == 400, bad
    assert viewer.get('/custody/compare').status_code == 200
    assert as_role('teacher').get('/custody/compare').status_code == 403
    # Once repaired, the order's compensation form names the class already; the amount is set there, as for any
    # repair (repairs' 'compensate' action).
    with db.database.connection_context():
        WorkOrder.update(status='done').where(WorkOrder.id == order.id).execute()
    order_page = manager.get(f'/repairs/{order.id}').get_data(as_text=True)
    assert 'name="liable_party"' in order_page and 'value="初一(1)班"' in order_page
    token = csrf_token(manager, f'/repairs/{order.id}')
    response = manager.post(f'/repairs/{order.id}/act', data={'csrf_token': token, 'action': 'compensate',
                                                               'liable_party': '初一(1)班', 'compensation': '120'})
    assert response.status_code == 302
    with db.database.connection_context():
        assert WorkOrder.get_by_id(order.id).compensation == Decimal('120')
