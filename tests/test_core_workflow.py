"""The repairs workflow (houqin/repairs/workflow.py) function by function: categories, due times, numbering,
item status, who may do what and why not, money and parts, each action's input, the guarded update, merging,
classifying and the overdue notices — pinned with exact values for bench/mutation.py, mostly without HTTP.
Messages are the English msgids (no request locale: force_locale('en'))."""
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from flask_babel import force_locale
from helpers import PASSWORD_HASH
from PIL import Image

from houqin import db
from houqin.clock import utcnow
from houqin.models import (Campus, Item, Membership, NotificationChannel, Outbox, Photo, Place, RepairCategory,
                           RepairSettings, User, WorkOrder, WorkOrderEvent)
from houqin.photos import PreparedPhoto
from houqin.repairs import workflow
from houqin.repairs.workflow import (ActionForbidden, DEFAULT_DUE_HOURS, MAX_PARTS, OVERDUE_BATCH, StatusConflict,
                                     TransitionRefused, actor_name, allowed_actions, apply_action, assignable,
                                     attach_photos, campus_year, check_action, clean_parts, default_assignee,
                                     due_at_for, due_hours, enqueue_overdue, find_by_number, follow_item_status,
                                     guess_category, is_overdue, join_order, next_sequence, open_orders_for,
                                     parse_money, relations_of, repair_workers, report_problem)

T0 = dt.datetime(2026, 3, 10, 2, 0)


@pytest.fixture
def s(app, school):
    """The school, inside an app context with a connection and English messages."""
    with app.test_request_context('/'), db.database.connection_context(), force_locale('en'):
        yield school


def refused(exc_type, call, *args, **kwargs):
    """The message of the exception (exactly this type) the call raises."""
    with pytest.raises(TransitionRefused) as caught:
        call(*args, **kwargs)
    assert type(caught.value) is exc_type, caught.value
    return str(caught.value)


def prepared(color='red'):
    return PreparedPhoto(Image.new('RGB', (64, 48), color))


def user(username, campus=None, role=None, display_name='', active=True):
    made = User.create(username=username, display_name=display_name, password_hash=PASSWORD_HASH, active=active)
    if campus is not None:
        Membership.create(user=made, campus=campus, role=role)
    return made


def order_row(s, status='reported', sequence=1, **fields):
    values = dict(campus=s['campus'], year=2026, sequence=sequence, title='t', status=status)
    values.update(fields)
    return WorkOrder.create(**values)


def person_channel(campus, person):
    return NotificationChannel.create(campus=campus, name=f'to {person.username}', kind='webhook',
                                      url='http://127.0.0.1:9/h', audience='person', user=person)


# --- categories, due times ------------------------------------------------------------------------------

def test_the_category_is_guessed_from_the_item_first_then_the_place():
    door, toilet, field = NS(kind='door'), NS(kind='toilet'), NS(kind='field')
    assert guess_category(door, toilet) == 'doors_windows'
    assert guess_category(None, toilet) == 'plumbing'
    assert guess_category(place=toilet) == 'plumbing'
    assert guess_category(field, toilet) == 'other'       # the item's kind decides, even when it has no category
    assert guess_category() == 'other'
    assert guess_category(NS(kind='projector')) == 'it_av'
    assert guess_category(NS(kind='fire_extinguisher')) == 'fire'


def test_due_hours_are_the_defaults_until_the_campus_sets_its_own(s):
    hours = due_hours(s['campus'])
    assert hours == {'urgent': 4, 'high': 24, 'normal': 72, 'low': 168}
    hours['urgent'] = 1
    assert DEFAULT_DUE_HOURS['urgent'] == 4                  # a copy: the caller cannot change the defaults
    RepairSettings.create(campus=s['campus'], urgent_hours=2, high_hours=12, normal_hours=48, low_hours=100)
    assert due_hours(s['campus']) == {'urgent': 2, 'high': 12, 'normal': 48, 'low': 100}
    other = Campus.create(name='分校', code='other')
    assert due_hours(other) == DEFAULT_DUE_HOURS


def test_the_due_time_counts_the_priority_s_hours_from_the_report_or_the_normal_ones():
    hours = {'urgent': 2, 'high': 12, 'normal': 48, 'low': 100}
    assert due_at_for(T0, 'urgent', hours) == T0 + dt.timedelta(hours=2)
    assert due_at_for(T0, 'low', hours) == T0 + dt.timedelta(hours=100)
    assert due_at_for(T0, 'whatever', hours) == T0 + dt.timedelta(hours=48)


@pytest.mark.parametrize('status, overdue', [('reported', True), ('accepted', True), ('in_progress', True),
                                             ('done', False), ('verified', False), ('closed', False)])
def test_only_an_order_not_yet_repaired_is_overdue(status, overdue):
    assert is_overdue(NS(due_at=T0, status=status), T0 + dt.timedelta(seconds=1)) is overdue


def test_overdue_only_after_the_due_time_and_only_with_one():
    assert is_overdue(NS(due_at=T0, status='reported'), T0) is False
    assert is_overdue(NS(due_at=None, status='reported'), T0) is False
    assert is_overdue(NS(due_at=utcnow() - dt.timedelta(minutes=1), status='reported')) is True   # now: the clock
    assert is_overdue(NS(due_at=utcnow() + dt.timedelta(minutes=1), status='reported')) is False


def test_a_category_s_default_assignee_is_an_active_person_of_this_campus(s):
    repair, campus = s['users']['repair'], s['campus']
    RepairCategory.create(campus=campus, key='plumbing', assignee=repair)
    assert default_assignee(campus, 'plumbing') == repair
    assert default_assignee(campus, 'electrical') is None
    other = Campus.create(name='分校', code='other')
    assert default_assignee(other, 'plumbing') is None
    repair.active = False
    repair.save()
    assert default_assignee(campus, 'plumbing') is None


# --- numbering ------------------------------------------------------------------------------------------

def test_the_year_is_the_campus_s_local_year(s):
    campus = s['campus']                                        # Asia/Shanghai, UTC+8
    assert campus_year(campus, dt.datetime(2026, 12, 31, 15, 59)) == 2026
    assert campus_year(campus, dt.datetime(2026, 12, 31, 16, 0)) == 2027
    campus.timezone = 'America/New_York'
    assert campus_year(campus, dt.datetime(2027, 1, 1, 3, 0)) == 2026


def test_numbers_count_up_per_campus_and_year(s):
    other = Campus.create(name='分校', code='other')
    with db.write_transaction():
        assert [next_sequence(s['campus'], 2026) for _ in range(3)] == [1, 2, 3]
        assert next_sequence(s['campus'], 2027) == 1
        assert next_sequence(other, 2026) == 1
        assert next_sequence(s['campus'], 2026) == 4


# --- the item's status ----------------------------------------------------------------------------------

@pytest.mark.parametrize('statuses, wanted', [
    ([], 'in_use'), (['reported'], 'broken'), (['accepted'], 'broken'), (['in_progress'], 'under_repair'),
    (['done'], 'under_repair'), (['verified'], 'under_repair'), (['closed', 'rejected', 'merged'], 'in_use'),
    (['in_progress', 'reported'], 'broken'), (['done', 'closed'], 'under_repair')])
def test_the_item_follows_its_orders(s, statuses, wanted):
    desk = s['desk']
    for n, status in enumerate(statuses, 1):
        order_row(s, status, n, item=desk)
    order_row(s, 'reported', 99)                               # an order elsewhere changes nothing
    assert follow_item_status(desk.id) is None
    assert Item.get_by_id(desk.id).status == wanted


@pytest.mark.parametrize('kept', ['missing', 'scrapped'])
def test_a_missing_or_scrapped_item_keeps_its_status(s, kept):
    desk = s['desk']
    Item.update(status=kept).where(Item.id == desk.id).execute()
    order_row(s, 'reported', item=desk)
    follow_item_status(desk.id)
    assert Item.get_by_id(desk.id).status == kept


def test_no_item_no_change(s):
    Item.update(status='broken').execute()
    assert follow_item_status(None) is None
    assert Item.get_by_id(s['desk'].id).status == 'broken'


# --- photos ---------------------------------------------------------------------------------------------

def test_photos_are_linked_or_saved_for_the_event(s):
    order = order_row(s)
    event = WorkOrderEvent.create(order=order, action='comment', from_status='reported', to_status='reported')
    stored = Photo.create(campus=s['campus'], sha256='a' * 64, width=1, height=1, size=1)
    teacher = s['users']['teacher']
    attach_photos(event, [stored, prepared()], s['campus'].id, teacher)
    rows = list(Photo.select().order_by(Photo.id))
    assert [(p.event_id, p.campus_id) for p in rows] == [(event.id, s['campus'].id)] * 2
    assert rows[0].uploaded_by_id is None and rows[1].uploaded_by_id == teacher.id
    assert (rows[1].width, rows[1].height, rows[1].content_type) == (64, 48, 'image/jpeg')


# --- reporting ------------------------------------------------------------------------------------------

def test_a_report_stores_what_was_said_trimmed(s):
    teacher = s['users']['teacher']
    order = report_problem(s['campus'], place=s['room'], title='  ' + '灯' * 250, description=' 第三排 \n',
                           reporter=teacher, reporter_name=' 张 ' + 'x' * 60, reporter_phone=' 1' + '3' * 40)
    order = WorkOrder.get_by_id(order.id)
    assert order.title == '灯' * 200 and order.description == '第三排'
    assert order.reporter_name == '张 ' + 'x' * 48 and order.reporter_phone == '1' + '3' * 29
    assert (order.status, order.hazard, order.priority, order.category) == ('reported', False, 'normal', 'other')
    assert (order.place_id, order.item_id, order.record_id, order.reporter_id) == (s['room'].id, None, None,
                                                                                  teacher.id)
    assert order.created_at == order.updated_at and order.closed_at is None
    assert order.due_at == order.created_at + dt.timedelta(hours=72)
    assert (order.year, order.sequence) == (order.created_at.year, 1)
    [event] = order.events
    assert (event.action, event.from_status, event.to_status, event.actor_id, event.actor_name, event.note,
            event.data, event.created_at) == ('report', '', 'reported', teacher.id, 'Teacher', '第三排', {},
                                              order.created_at)


@pytest.mark.parametrize('title', [None, '', '   '])
def test_a_report_needs_a_title(s, title):
    assert refused(TransitionRefused, report_problem, s['campus'], place=s['room'], title=title) == \
        'Please say in one line what is wrong.'
    assert WorkOrder.select().count() == 0


def test_a_report_on_an_item_is_at_its_place_unless_a_place_is_given(s):
    on_desk = report_problem(s['campus'], item=s['desk'], title='desk')
    assert (on_desk.place_id, on_desk.item_id, on_desk.category) == (s['room'].id, s['desk'].id, 'furniture')
    given = report_problem(s['campus'], item=s['desk'], place=s['floor'], title='desk')
    assert given.place_id == s['floor'].id


def test_a_known_category_and_priority_are_kept_others_replaced(s):
    kept = report_problem(s['campus'], item=s['desk'], title='x', category='fire', priority='low')
    assert (kept.category, kept.priority) == ('fire', 'low')
    assert kept.due_at - kept.created_at == dt.timedelta(hours=168)
    odd = report_problem(s['campus'], item=s['desk'], title='x', category='space', priority='asap')
    assert (odd.category, odd.priority) == ('furniture', 'normal')


def test_a_hazard_is_urgent_whatever_priority_was_asked_and_tells_the_managers(s):
    NotificationChannel.create(campus=s['campus'], name='群', kind='webhook', url='http://127.0.0.1:9/h')
    order = report_problem(s['campus'], place=s['floor'], title='扶手松动', hazard=1, priority='low')
    order = WorkOrder.get_by_id(order.id)
    assert (order.priority, order.hazard) == ('urgent', True)
    assert order.due_at - order.created_at == dt.timedelta(hours=4)
    [event] = order.events
    assert event.data == {'hazard': True}
    assert [(o.topic, o.order_id) for o in Outbox.select()] == [('hazard', order.id)]


def test_a_report_takes_its_number_default_assignee_item_status_and_photos(s):
    repair, teacher = s['users']['repair'], s['users']['teacher']
    RepairCategory.create(campus=s['campus'], key='furniture', assignee=repair)
    person_channel(s['campus'], repair)
    first = report_problem(s['campus'], place=s['room'], title='x')
    order = report_problem(s['campus'], item=s['desk'], title='桌腿断了', reporter=teacher, photos=[prepared()])
    assert (order.sequence, first.sequence, order.assignee_id, first.assignee_id) == (2, 1, repair.id, None)
    assert Item.get_by_id(s['desk'].id).status == 'broken'
    [shot] = Photo.select()
    [event] = order.events
    assert (shot.event_id, shot.uploaded_by_id) == (event.id, teacher.id)
    assert [(o.topic, o.order_id) for o in Outbox.select()] == [('reported', order.id)]


def test_an_anonymous_report_keeps_the_given_name():
    assert actor_name(None, '  路过的家长 ') == '路过的家长'
    assert actor_name(None) == ''
    assert actor_name(None, None) == ''
    assert actor_name(None, 'x' * 60) == 'x' * 50
    assert actor_name(NS(name='李' * 60), '家长') == '李' * 50


def test_open_orders_on_exactly_this_item_or_place_newest_first(s):
    room, desk = s['room'], s['desk']
    older = order_row(s, 'reported', 1, place=room, created_at=T0)
    same_time = order_row(s, 'done', 2, place=room, created_at=T0 + dt.timedelta(hours=1))
    same_time2 = order_row(s, 'verified', 3, place=room, created_at=T0 + dt.timedelta(hours=1))
    order_row(s, 'closed', 4, place=room)
    on_desk = order_row(s, 'accepted', 5, place=room, item=desk)
    order_row(s, 'in_progress', 6, place=s['floor'])
    assert open_orders_for(place=room) == [same_time2, same_time, older]
    assert open_orders_for(item=desk) == [on_desk]
    assert open_orders_for(place=room, item=desk) == [on_desk]
    assert open_orders_for() == []


def test_joining_adds_a_reporter_s_note_and_photos_to_the_order(s):
    order = report_problem(s['campus'], item=s['desk'], title='desk')
    event = join_order(order, reporter_name=' 家长 ', note=' 我也看到了 ', photos=[prepared()])
    assert (event.action, event.from_status, event.to_status, event.actor_id, event.actor_name, event.note) == (
        'join', 'reported', 'reported', None, '家长', '我也看到了')
    assert Photo.get().event_id == event.id
    janitor = s['users']['janitor']
    assert join_order(order, reporter=janitor, note='x').actor_id == janitor.id
    assert refused(TransitionRefused, join_order, order, reporter=janitor) == 'Please write something or add a photo.'


# --- who may do what ------------------------------------------------------------------------------------

def test_relations_of_an_actor_to_an_order():
    order = NS(reporter_id=7, assignee_id=None)
    assert relations_of(order, None, None) == {'anyone'}
    assert relations_of(order, None, None, via_link=True) == {'anyone', 'follower'}
    assert relations_of(order, NS(id=7), 'teacher') == {'anyone', 'teacher', 'reporter'}
    assert relations_of(order, NS(id=8), 'repair') == {'anyone', 'repair', 'worker'}
    assert relations_of(NS(reporter_id=7, assignee_id=8), NS(id=8), 'repair') == {'anyone', 'repair', 'worker'}
    assert relations_of(NS(reporter_id=7, assignee_id=9), NS(id=8), 'repair') == {'anyone', 'repair'}
    assert relations_of(NS(reporter_id=7, assignee_id=8), NS(id=8), 'manager') == {'anyone', 'manager'}
    assert relations_of(NS(reporter_id=None, assignee_id=None), NS(id=8), '') == {'anyone'}


def test_the_table_answers_the_next_status():
    assert check_action('reported', 'accept', {'worker'}) == 'accepted'
    assert check_action('in_progress', 'assign', {'admin'}) == 'in_progress'
    assert check_action('verified', 'reopen', {'reporter'}) == 'accepted'
    assert check_action('closed', 'comment', {'follower'}) == 'closed'


def test_each_refusal_says_why():
    assert refused(TransitionRefused, check_action, 'reported', 'fly', {'admin'}) == 'Unknown action.'
    assert refused(ActionForbidden, check_action, 'reported', 'accept', {'repair', 'anyone'}) == \
        'This job is assigned to someone else.'
    assert refused(ActionForbidden, check_action, 'accepted', 'finish', {'repair'}) == \
        'This job is assigned to someone else.'
    assert refused(ActionForbidden, check_action, 'done', 'verify', {'repair'}) == \
        'You may not do “Fixed: verify” on this order.'
    assert refused(ActionForbidden, check_action, 'reported', 'accept', {'teacher'}) == \
        'You may not do “Accept the job” on this order.'
    assert refused(ActionForbidden, check_action, 'done', 'close', {'reporter', 'teacher'}) == \
        'You may not do “Verify and close” on this order.'
    assert refused(StatusConflict, check_action, 'reported', 'finish', {'manager'}) == \
        'This order is “Reported”: “Repair done” is not possible now.'
    assert refused(StatusConflict, check_action, 'closed', 'join', {'anyone'}) == \
        'This order is “Closed”: “join” is not possible now.'
    assert refused(StatusConflict, check_action, 'odd', 'comment', {'admin'}) == \
        'This order is “odd”: “Add information” is not possible now.'


def test_the_actions_an_actor_may_take_now_in_the_table_s_order():
    reported = NS(status='reported', reporter_id=1, assignee_id=None)
    assert allowed_actions(reported, NS(id=2), 'manager') == [
        'assign', 'start', 'reject', 'merge', 'classify', 'comment']
    assert allowed_actions(reported, NS(id=3), 'repair') == ['accept', 'start', 'comment']
    assert allowed_actions(reported, NS(id=1), 'teacher') == ['comment']
    assert allowed_actions(reported, None, None) == []
    assert allowed_actions(reported, None, None, via_link=True) == ['comment']
    done = NS(status='done', reporter_id=1, assignee_id=3)
    assert allowed_actions(done, NS(id=1), 'teacher') == ['verify', 'reopen', 'comment']
    assert allowed_actions(done, NS(id=2), 'admin') == ['verify', 'reopen', 'close', 'classify', 'compensate',
                                                        'comment']


# --- money and parts ------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, value', [
    ('35', Decimal('35.00')), (' ¥35.5元 ', Decimal('35.50')), ('1,234.56', Decimal('1234.56')), ('0', Decimal('0')),
    ('99999999.99', Decimal('99999999.99'))])
def test_money_is_yuan_with_two_decimals(text, value):
    parsed = parse_money(text, 'The cost')
    assert parsed == value and parsed.as_tuple().exponent == -2


@pytest.mark.parametrize('text', [None, '', '  ', '¥', '元'])
def test_no_money_is_none(text):
    assert parse_money(text, 'The cost') is None


@pytest.mark.parametrize('text, shown', [('-1', '-1'), ('1.234', '1.234'), ('100000000', '100000000'),
                                         ('abc', 'abc'), ('NaN', 'NaN'), ('Infinity', 'Infinity'),
                                         ('¥ 3 5', ' 3 5')])
def test_other_money_is_refused_naming_what(text, shown):
    assert refused(TransitionRefused, parse_money, text, 'The cost') == \
        f'The cost must be an amount in yuan, e.g. 35 or 35.50; “{shown}” is not.'


def test_parts_are_named_with_whole_quantities():
    assert clean_parts([(' 灯管 ', ' 2 '), ('', ''), (None, None), ('螺丝', ''), ('x' * 50, '999'),
                        ('垫片', '1')]) == [
        {'name': '灯管', 'qty': 2}, {'name': '螺丝', 'qty': 1}, {'name': 'x' * 40, 'qty': 999},
        {'name': '垫片', 'qty': 1}]
    assert clean_parts([]) == []


def test_bad_parts_are_refused():
    assert refused(TransitionRefused, clean_parts, [('', '3')]) == 'Please name the part used (quantity 3).'
    for qty in ('0', '1000', 'two', '-1', '1.5'):
        assert refused(TransitionRefused, clean_parts, [('灯管', qty)]) == \
            f'The quantity of 灯管 must be a whole number from 1 to 999; “{qty}” is not.'
    assert len(clean_parts([(f'p{i}', '1') for i in range(MAX_PARTS)])) == MAX_PARTS == 10
    assert refused(TransitionRefused, clean_parts, [(f'p{i}', '1') for i in range(MAX_PARTS + 1)]) == \
        'At most 10 kinds of parts per repair.'


# --- people ---------------------------------------------------------------------------------------------

def test_repair_workers_are_the_campus_s_active_repair_people_by_name(s):
    campus = s['campus']
    b = user('b', campus, 'repair', 'B')
    a2 = user('a2', campus, 'repair', 'A')
    a1 = user('a1', campus, 'repair', 'A')
    user('gone', campus, 'repair', 'C', active=False)
    user('elsewhere', Campus.create(name='分校', code='other'), 'repair', 'D')
    assert repair_workers(campus) == [a1, a2, b, s['users']['repair']]


def test_who_a_job_may_be_assigned_to(s):
    campus, u = s['campus'], s['users']
    for role in ('repair', 'manager', 'admin'):
        assert assignable(campus, u[role].id) == u[role]
    for role in ('teacher', 'guard', 'janitor'):
        assert assignable(campus, u[role].id) is None
    assert assignable(campus, None) is None
    assert assignable(campus, 0) is None
    assert assignable(Campus.create(name='分校', code='other'), u['repair'].id) is None
    gone = user('gone', campus, 'repair', active=False)
    assert assignable(campus, gone.id) is None


# --- actions --------------------------------------------------------------------------------------------

def test_accept_and_start_take_an_unassigned_job_for_the_worker(s):
    u = s['users']
    order = report_problem(s['campus'], place=s['room'], title='x')
    event = apply_action(order, 'accept', user=u['repair'], role='repair', note='  马上到 ')
    assert (order.status, order.assignee_id) == ('accepted', u['repair'].id)
    assert (event.action, event.from_status, event.to_status, event.note, event.actor_name, event.data) == (
        'accept', 'reported', 'accepted', '马上到', 'Repair', {})
    other = user('other', s['campus'], 'repair')
    second = report_problem(s['campus'], place=s['room'], title='y')
    apply_action(second, 'assign', user=u['manager'], role='manager', assignee=other.id)
    apply_action(second, 'start', user=u['admin'], role='admin')        # a manager starts: the assignee stays
    assert (second.status, second.assignee_id) == ('in_progress', other.id)
    third = report_problem(s['campus'], place=s['room'], title='z')
    apply_action(third, 'start', user=u['manager'], role='manager')     # unassigned: the starter takes it
    assert third.assignee_id == u['manager'].id
    fourth = report_problem(s['campus'], place=s['room'], title='w')
    apply_action(fourth, 'start', relations={'manager'})               # nobody named: still unassigned
    assert (fourth.status, fourth.assignee_id) == ('in_progress', None)


def test_assign_names_the_assignee_and_refuses_anyone_else(s):
    u = s['users']
    order = report_problem(s['campus'], place=s['room'], title='x')
    event = apply_action(order, 'assign', user=u['manager'], role='manager', assignee=u['repair'].id)
    assert (order.status, order.assignee_id, event.data) == ('accepted', u['repair'].id, {'assignee': 'Repair'})
    for bad in (u['teacher'].id, None, 999999):   # the view passes a bounded int or None
        assert refused(TransitionRefused, apply_action, order, 'assign', user=u['manager'], role='manager',
                       assignee=bad) == 'Please choose who will do the repair.'
    assert WorkOrder.get_by_id(order.id).assignee_id == u['repair'].id


def test_finish_needs_a_note_and_a_photo_and_keeps_parts_and_cost(s):
    u = s['users']
    order = report_problem(s['campus'], item=s['desk'], title='x')
    apply_action(order, 'start', user=u['repair'], role='repair')
    shot = prepared()
    assert refused(TransitionRefused, apply_action, order, 'finish', user=u['repair'], role='repair',
                   photos=[shot]) == 'Please say what was done.'
    assert refused(TransitionRefused, apply_action, order, 'finish', user=u['repair'], role='repair',
                   note='ok') == 'Please add a photo of the finished repair.'
    assert refused(TransitionRefused, apply_action, order, 'finish', user=u['repair'], role='repair', note='ok',
                   photos=[shot], cost='x') == 'The cost must be an amount in yuan, e.g. 35 or 35.50; “x” is not.'
    event = apply_action(order, 'finish', user=u['repair'], role='repair', note='换了', photos=[shot],
                         parts=[('螺丝', '4')], cost='12.5')
    assert (order.status, order.cost) == ('done', Decimal('12.50'))
    assert event.data == {'parts': [{'name': '螺丝', 'qty': 4}], 'cost': '12.50'}
    assert Photo.get().event_id == event.id
    assert Item.get_by_id(s['desk'].id).status == 'under_repair'
    again = report_problem(s['campus'], place=s['room'], title='y')
    apply_action(again, 'start', user=u['repair'], role='repair')
    event = apply_action(again, 'finish', user=u['repair'], role='repair', note='好了', photos=[prepared()])
    assert (again.cost, event.data) == (None, {'parts': [], 'cost': None})


@pytest.mark.parametrize('action', ['reject', 'reopen'])
def test_reject_and_reopen_need_a_reason(s, action):
    order = order_row(s, 'accepted' if action == 'reject' else 'done')
    assert refused(TransitionRefused, apply_action, order, action, user=s['users']['manager'], role='manager',
                   note='  ') == 'Please give the reason.'
    assert WorkOrderEvent.select().count() == 0


def test_a_comment_needs_a_note_or_a_photo(s):
    order = order_row(s)
    assert refused(TransitionRefused, apply_action, order, 'comment', user=s['users']['manager'],
                   role='manager') == 'Please write something or add a photo.'
    event = apply_action(order, 'comment', user=s['users']['manager'], role='manager', photos=[prepared()])
    assert (event.note, Photo.get().event_id) == ('', event.id)


def test_an_action_updates_the_order_in_place_and_records_its_event(s):
    u = s['users']
    order = report_problem(s['campus'], place=s['room'], title='x', reporter=u['teacher'])
    before = order.updated_at
    event = apply_action(order, 'reject', user=u['manager'], role='manager', note=' 不归后勤 ')
    fresh = WorkOrder.get_by_id(order.id)
    assert order.__data__ == fresh.__data__
    assert (fresh.status, fresh.closed_at, fresh.updated_at) == ('rejected', event.created_at, event.created_at)
    assert fresh.updated_at > before
    assert (event.order_id, event.actor_id, event.actor_name, event.from_status, event.to_status, event.note) == (
        order.id, u['manager'].id, 'Manager', 'reported', 'rejected', '不归后勤')
    assert [e.action for e in WorkOrderEvent.select().order_by(WorkOrderEvent.id)] == ['report', 'reject']


def test_closed_at_is_set_on_closing_kept_by_a_comment_and_cleared_on_reopening(s):
    u = s['users']
    order = order_row(s, 'verified')
    close = apply_action(order, 'close', user=u['manager'], role='manager')
    assert order.closed_at == close.created_at
    apply_action(order, 'comment', user=u['manager'], role='manager', note='补充')
    assert WorkOrder.get_by_id(order.id).closed_at == close.created_at
    done = order_row(s, 'done', 2, closed_at=T0)          # an odd stored value: a non-final change clears it
    apply_action(done, 'reopen', user=u['manager'], role='manager', note='没修好')
    assert (done.status, WorkOrder.get_by_id(done.id).closed_at) == ('accepted', None)


def test_the_status_is_read_afresh_inside_the_transaction(s):
    u = s['users']
    order = order_row(s, 'reported')
    stale = WorkOrder.get_by_id(order.id)
    apply_action(order, 'reject', user=u['manager'], role='manager', note='重复')
    assert refused(StatusConflict, apply_action, stale, 'reject', user=u['manager'], role='manager',
                   note='重复') == 'This order is “Rejected”: “Reject” is not possible now.'


@pytest.mark.parametrize('changed', ['status', 'updated_at'])
def test_the_guarded_update_refuses_a_change_made_after_the_read(s, monkeypatch, changed):
    """Another request changes the order between apply_action's read and its update: nothing is written."""
    u = s['users']
    order = order_row(s, 'reported', updated_at=T0)
    real = WorkOrder.get_by_id

    def read_then_someone_changes_it(key):
        current = real(key)
        if db.database.in_transaction():
            meanwhile = {'status': 'accepted'} if changed == 'status' else {'updated_at': T0 + dt.timedelta(1)}
            WorkOrder.update(**meanwhile).where(WorkOrder.id == key).execute()
        return current
    monkeypatch.setattr(WorkOrder, 'get_by_id', staticmethod(read_then_someone_changes_it))
    assert refused(StatusConflict, apply_action, order, 'reject', user=u['manager'], role='manager',
                   note='x') == 'Someone changed this order a moment ago; please look again.'
    monkeypatch.undo()
    fresh = WorkOrder.get_by_id(order.id)
    assert (fresh.status, fresh.updated_at) == ('reported', T0)    # rolled back with the refusal
    assert WorkOrderEvent.select().count() == 0


def test_only_a_change_of_status_moves_the_item(s):
    u = s['users']
    order = order_row(s, 'reported', item=s['desk'])
    Item.update(status='in_use').execute()                     # out of step on purpose
    apply_action(order, 'comment', user=u['manager'], role='manager', note='x')
    assert Item.get_by_id(s['desk'].id).status == 'in_use'
    apply_action(order, 'reject', user=u['manager'], role='manager', note='x')
    Item.update(status='broken').execute()
    assert Item.get_by_id(s['desk'].id).status == 'broken'
    again = order_row(s, 'reported', 2, item=s['desk'])
    apply_action(again, 'accept', user=u['repair'], role='repair')
    Item.update(status='in_use').execute()
    apply_action(again, 'start', user=u['repair'], role='repair')
    assert Item.get_by_id(s['desk'].id).status == 'under_repair'


def test_an_action_s_notices_go_out(s):
    u = s['users']
    person_channel(s['campus'], u['teacher'])
    order = report_problem(s['campus'], place=s['room'], title='x', reporter=u['teacher'])
    apply_action(order, 'start', user=u['repair'], role='repair')
    apply_action(order, 'finish', user=u['repair'], role='repair', note='ok', photos=[prepared()])
    assert [(o.topic, o.order_id) for o in Outbox.select()] == [('done', order.id)]


# --- merging --------------------------------------------------------------------------------------------

def test_merge_into_another_open_order(s):
    u = s['users']
    first = report_problem(s['campus'], item=s['desk'], title='desk')
    duplicate = report_problem(s['campus'], item=s['desk'], title='desk again')
    Item.update(status='in_use').execute()
    event = apply_action(duplicate, 'merge', user=u['manager'], role='manager', into=f' {first.number} ',
                         note='同一张桌子')
    assert (duplicate.status, duplicate.merged_into_id, duplicate.closed_at) == ('merged', first.id,
                                                                                 event.created_at)
    assert event.data == {'into': first.number, 'into_id': first.id}
    [taken] = first.events.where(WorkOrderEvent.action == 'merged_in')
    assert (taken.actor_id, taken.actor_name, taken.from_status, taken.to_status, taken.note, taken.data,
            taken.created_at) == (u['manager'].id, 'Manager', 'reported', 'reported', '同一张桌子',
                                  {'from': duplicate.number, 'from_id': duplicate.id}, event.created_at)
    assert Item.get_by_id(s['desk'].id).status == 'broken'


def test_merge_into_a_waiting_order_counts_for_the_item(s):
    u = s['users']
    first = order_row(s, 'in_progress', 1, item=s['desk'])
    duplicate = order_row(s, 'in_progress', 2, item=s['desk'])
    Item.update(status='broken').execute()
    apply_action(duplicate, 'merge', user=u['manager'], role='manager', into='2026-1')
    assert Item.get_by_id(s['desk'].id).status == 'under_repair'
    assert first.events.count() == 1


def test_merge_needs_another_open_order_of_the_campus(s):
    u = s['users']
    order = order_row(s, 'reported', 5, year=2031)
    order_row(s, 'closed', 6, year=2031)
    elsewhere = Campus.create(name='分校', code='other')
    WorkOrder.create(campus=elsewhere, year=2031, sequence=7, title='t')
    message = 'Please give the number of another open order, e.g. 2031-0001.'
    for into in ('2031-0005', '2031-0006', '2031-0007', '2031-0099', '', None, 'abc'):
        assert refused(TransitionRefused, apply_action, order, 'merge', user=u['manager'], role='manager',
                       into=into) == message
    assert WorkOrder.get_by_id(order.id).status == 'reported' and WorkOrderEvent.select().count() == 0


def test_an_order_is_found_by_its_number(s):
    campus = s['campus']
    this_year = utcnow().year
    old = order_row(s, 'reported', 42, year=2025)
    now = order_row(s, 'reported', 42, year=this_year)
    order_row(s, 'reported', 9999, year=9999)
    assert find_by_number(campus.id, '2025-0042') == old
    assert find_by_number(campus.id, ' 2025-42 ') == old
    assert find_by_number(campus.id, '42') == now
    assert find_by_number(campus.id, '9999-9999').sequence == 9999
    for text in (None, '', '2025-', '-42', '2025-42-1', 'x-1', '0', '10000', '2025-10000', '10000-1', '0-42',
                 '4 2', '2025-0043'):
        assert find_by_number(campus.id, text) is None, text
    assert find_by_number(Campus.create(name='分校', code='other').id, '2025-0042') is None


# --- classifying and compensation -----------------------------------------------------------------------

def test_classify_changes_category_and_priority_and_moves_the_due_time_from_the_report(s):
    u = s['users']
    RepairSettings.create(campus=s['campus'], urgent_hours=2, high_hours=12, normal_hours=48, low_hours=100)
    order = order_row(s, 'accepted', category='other', priority='normal', created_at=T0,
                      due_at=T0 + dt.timedelta(hours=48), overdue_notified_at=T0)
    event = apply_action(order, 'classify', user=u['manager'], role='manager', category='plumbing',
                         priority='high')
    assert (order.category, order.priority, order.hazard, order.due_at, order.overdue_notified_at) == (
        'plumbing', 'high', False, T0 + dt.timedelta(hours=12), None)
    assert event.data == {'category': 'plumbing', 'priority': 'high', 'hazard': False, 'was_hazard': False}
    assert order.status == 'accepted'


def test_classify_as_a_hazard_makes_it_urgent_and_an_unchanged_priority_keeps_the_due_time(s):
    u = s['users']
    order = order_row(s, 'reported', category='fire', priority='low', created_at=T0, due_at=T0, hazard=True,
                      overdue_notified_at=T0)
    apply_action(order, 'classify', user=u['manager'], role='manager')    # nothing chosen: kept, no hazard
    assert (order.category, order.priority, order.hazard, order.due_at, order.overdue_notified_at) == (
        'fire', 'low', False, T0, T0)
    event = apply_action(order, 'classify', user=u['manager'], role='manager', hazard='on', priority='low')
    assert (order.priority, order.hazard, order.due_at) == ('urgent', True, T0 + dt.timedelta(hours=4))
    assert event.data == {'category': 'fire', 'priority': 'urgent', 'hazard': True, 'was_hazard': False}


@pytest.mark.parametrize('fields', [{'category': 'space'}, {'priority': 'asap'}])
def test_classify_refuses_what_is_not_in_the_lists(s, fields):
    order = order_row(s)
    assert refused(TransitionRefused, apply_action, order, 'classify', user=s['users']['manager'],
                   role='manager', **fields) == 'Please choose a category and a priority from the lists.'


def test_compensation_names_who_is_liable_and_how_much(s):
    u = s['users']
    order = order_row(s, 'done')
    event = apply_action(order, 'compensate', user=u['manager'], role='manager',
                         liable_party='  五(2)班 ' + '李' * 120, compensation='80.5')
    party = '五(2)班 ' + '李' * 94
    assert (order.liable_party, order.compensation) == (party, Decimal('80.50'))
    assert event.data == {'liable_party': party, 'compensation': '80.50'}
    for fields in ({'liable_party': ' ', 'compensation': '1'}, {'liable_party': 'x', 'compensation': ''},
                   {'compensation': '1'}, {'liable_party': 'x'}):
        assert refused(TransitionRefused, apply_action, order, 'compensate', user=u['manager'], role='manager',
                       **fields) == 'Please give who is liable and the amount.'
    assert refused(TransitionRefused, apply_action, order, 'compensate', user=u['manager'], role='manager',
                   liable_party='x', compensation='-1') == \
        'The amount must be an amount in yuan, e.g. 35 or 35.50; “-1” is not.'


# --- overdue notices ------------------------------------------------------------------------------------

def test_overdue_notices_go_once_to_the_assignee_first_then_the_managers(s):
    u = s['users']
    for person in (u['repair'], u['manager']):
        person_channel(s['campus'], person)
    late = order_row(s, 'accepted', 1, assignee=u['repair'], due_at=T0)
    order_row(s, 'done', 2, due_at=T0)                                     # repaired: not overdue
    order_row(s, 'reported', 3, due_at=T0 + dt.timedelta(hours=1))          # not yet due
    order_row(s, 'reported', 4, due_at=T0 - dt.timedelta(hours=1), overdue_notified_at=T0)   # told already
    order_row(s, 'reported', 5)                                            # no due time
    now = T0 + dt.timedelta(minutes=30)
    assert enqueue_overdue(now) == 1
    assert WorkOrder.get_by_id(late.id).overdue_notified_at == now
    rows = list(Outbox.select().order_by(Outbox.id))
    assert [(o.topic, o.order_id, o.target_id) for o in rows] == [('overdue', late.id, c.id) for c in
                                                                   NotificationChannel.select().order_by(
                                                                       NotificationChannel.id)]
    assert rows[0].body.endswith('@Repair\nhttp://school.test/repairs/%d' % late.id)
    assert enqueue_overdue(now) == 0 and Outbox.select().count() == 2


def test_an_overdue_notice_without_an_active_assignee_goes_to_the_managers(s):
    u = s['users']
    channel = NotificationChannel.create(campus=s['campus'], name='群', kind='webhook', url='http://127.0.0.1:9/h',
                                         audience='staff')
    gone = user('gone', s['campus'], 'repair', 'Gone', active=False)
    order_row(s, 'reported', 1, assignee=gone, due_at=T0)
    order_row(s, 'in_progress', 2, due_at=T0)
    assert enqueue_overdue(T0 + dt.timedelta(seconds=1)) == 2
    bodies = [o.body for o in Outbox.select().where(Outbox.target == channel).order_by(Outbox.id)]
    assert len(bodies) == 2 and all('@Gone' not in b and '@Admin' in b and '@Manager' in b for b in bodies)


def test_overdue_without_a_time_is_now_and_in_batches_most_overdue_first(s):
    rows = [dict(campus=s['campus'], year=2026, sequence=n, title='t', status='reported',
                 due_at=T0 + dt.timedelta(minutes=n)) for n in range(1, OVERDUE_BATCH + 2)]
    WorkOrder.insert_many(rows).execute()
    assert OVERDUE_BATCH == 50
    assert enqueue_overdue() == 50
    assert [o.sequence for o in WorkOrder.select().where(WorkOrder.overdue_notified_at.is_null())] == [51]
    assert enqueue_overdue() == 1


def test_the_guarded_update_lets_one_worker_queue_an_overdue_notice(s, monkeypatch):
    """Another worker marks the order between this one's select and its update: this one queues nothing."""
    person_channel(s['campus'], s['users']['manager'])
    order = order_row(s, 'reported', due_at=T0)
    real = workflow.write_transaction

    def another_worker_first():
        WorkOrder.update(overdue_notified_at=T0).where(WorkOrder.id == order.id).execute()
        return real()
    monkeypatch.setattr(workflow, 'write_transaction', another_worker_first)
    assert enqueue_overdue(T0 + dt.timedelta(hours=1)) == 0
    assert Outbox.select().count() == 0
    assert WorkOrder.get_by_id(order.id).overdue_notified_at == T0


# --- added for the survivors of the first mutation run ------------------------------------------------

def test_an_anonymous_joiner_without_a_name_is_nameless(s):
    order = report_problem(s['campus'], item=s['desk'], title='desk')
    assert join_order(order, note='我也看到了').actor_name == ''


def test_repair_workers_go_by_display_name_before_username(s):
    campus = s['campus']
    late = user('aaa', campus, 'repair', '赵')
    early = user('zzz', campus, 'repair', 'A')
    same_a = user('mmm', campus, 'repair', 'A')
    assert repair_workers(campus) == [same_a, early, s['users']['repair'], late]


def test_order_numbers_run_from_1_to_9999(s):
    campus = s['campus']
    this_year = utcnow().year
    first = order_row(s, 'reported', 1, year=this_year)
    order_row(s, 'reported', 10000, year=this_year)
    order_row(s, 'reported', 10000, year=2025)
    order_row(s, 'reported', 1, year=10000)
    assert find_by_number(campus.id, '1') == first
    assert find_by_number(campus.id, f'{this_year}-1') == first
    for text in ('10000', '2025-10000', '10000-1', '10000-0001'):
        assert find_by_number(campus.id, text) is None, text


def test_open_orders_go_by_report_time_before_id(s):
    room = s['room']
    newer = order_row(s, 'reported', 1, place=room, created_at=T0 + dt.timedelta(hours=2))
    older = order_row(s, 'reported', 2, place=room, created_at=T0)
    assert open_orders_for(place=room) == [newer, older]
    on_desk_old = order_row(s, 'reported', 3, item=s['desk'], created_at=T0)
    on_desk_new = order_row(s, 'reported', 4, item=s['desk'], created_at=T0 + dt.timedelta(hours=1))
    on_desk_tie = order_row(s, 'reported', 5, item=s['desk'], created_at=T0 + dt.timedelta(hours=1))
    assert open_orders_for(item=s['desk']) == [on_desk_tie, on_desk_new, on_desk_old]


def test_a_follower_comments_through_the_receipt_link_only(s):
    order = report_problem(s['campus'], place=s['room'], title='x', reporter=s['users']['teacher'])
    event = apply_action(order, 'comment', via_link=True, note='还没修')
    assert (event.actor_id, event.actor_name) == (None, '')
    assert refused(ActionForbidden, apply_action, order, 'comment', note='还没修') == \
        'You may not do “Add information” on this order.'
    assert refused(ActionForbidden, apply_action, order, 'comment', user=s['users']['janitor'], role='janitor',
                   note='x') == 'You may not do “Add information” on this order.'
    assert apply_action(order, 'comment', via_link=True, note='x', name=' 家长 ').actor_name == '家长'


def test_an_order_due_exactly_now_is_not_overdue_yet(s):
    order_row(s, 'reported', 1, due_at=T0)
    assert enqueue_overdue(T0) == 0
    assert enqueue_overdue(T0 + dt.timedelta(microseconds=1)) == 1


def test_the_batch_takes_the_most_overdue_first_whatever_their_ids(s):
    rows = [dict(campus=s['campus'], year=2026, sequence=n, title='t', status='reported',
                 due_at=T0 - dt.timedelta(minutes=n)) for n in range(1, OVERDUE_BATCH + 2)]
    WorkOrder.insert_many(rows).execute()
    assert enqueue_overdue(T0) == 50
    assert [o.sequence for o in WorkOrder.select().where(WorkOrder.overdue_notified_at.is_null())] == [1]


def test_an_order_another_worker_took_is_skipped_and_the_next_one_queued(s, monkeypatch):
    person_channel(s['campus'], s['users']['manager'])
    taken = order_row(s, 'reported', 1, due_at=T0 - dt.timedelta(hours=2))
    free = order_row(s, 'reported', 2, due_at=T0 - dt.timedelta(hours=1))
    real = workflow.write_transaction
    calls = []

    def another_worker_takes_the_first():
        calls.append(1)
        if len(calls) == 1:
            WorkOrder.update(overdue_notified_at=T0).where(WorkOrder.id == taken.id).execute()
        return real()
    monkeypatch.setattr(workflow, 'write_transaction', another_worker_takes_the_first)
    assert enqueue_overdue(T0 + dt.timedelta(hours=1)) == 1
    assert [o.order_id for o in Outbox.select()] == [free.id]


def test_an_action_s_new_photos_are_the_actor_s(s):
    order = order_row(s)
    manager = s['users']['manager']
    event = apply_action(order, 'comment', user=manager, role='manager', photos=[prepared()])
    [shot] = Photo.select()
    assert (shot.event_id, shot.uploaded_by_id, shot.campus_id) == (event.id, manager.id, s['campus'].id)


def test_the_merged_in_event_names_who_merged_without_an_account(s):
    first = order_row(s, 'reported', 1)
    duplicate = order_row(s, 'reported', 2)
    event = apply_action(duplicate, 'merge', relations={'manager'}, into='2026-0001', name=' 值班员 ')
    [taken] = first.events
    assert (event.actor_name, taken.action, taken.actor_name, taken.actor_id) == ('值班员', 'merged_in', '值班员', None)


def test_the_batch_takes_the_most_overdue_first_across_statuses(s):
    rows = [dict(campus=s['campus'], year=2026, sequence=n, title='t', status='accepted',
                 due_at=T0 - dt.timedelta(minutes=n)) for n in range(1, OVERDUE_BATCH + 1)]
    rows.append(dict(campus=s['campus'], year=2026, sequence=99, title='t', status='reported',
                     due_at=T0 - dt.timedelta(days=1)))
    WorkOrder.insert_many(rows).execute()
    assert enqueue_overdue(T0) == 50
    assert [o.sequence for o in WorkOrder.select().where(WorkOrder.overdue_notified_at.is_null())] == [1]


def test_a_bare_report_has_no_description_name_or_phone(s):
    order = WorkOrder.get_by_id(report_problem(s['campus'], place=s['room'], title='灯不亮').id)
    assert (order.description, order.reporter_name, order.reporter_phone, order.priority) == ('', '', '', 'normal')
    [event] = order.events
    assert (event.note, event.actor_name) == ('', '')


def test_the_order_year_is_the_year_on_the_campus_clock(s, monkeypatch):
    campus = s['campus']
    campus.timezone = 'America/New_York'
    campus.save()
    monkeypatch.setattr(workflow, 'utcnow', lambda: dt.datetime(2027, 1, 1, 3, 0))   # 22:00 on 31 Dec in New York
    order = report_problem(campus, place=s['room'], title='x')
    assert (order.year, order.number, order.created_at) == (2026, '2026-0001', dt.datetime(2027, 1, 1, 3, 0))


def test_an_action_without_a_button_label_is_named_as_it_is():
    assert refused(ActionForbidden, check_action, 'reported', 'join', {'manager'}) == \
        'You may not do “join” on this order.'


def test_finishing_again_without_a_cost_keeps_the_first_cost(s):
    u = s['users']
    order = order_row(s, 'in_progress')
    apply_action(order, 'finish', user=u['repair'], role='repair', note='换了', photos=[prepared()], cost='60')
    apply_action(order, 'reopen', user=u['manager'], role='manager', note='还在漏')
    apply_action(order, 'start', user=u['repair'], role='repair')
    event = apply_action(order, 'finish', user=u['repair'], role='repair', note='再修', photos=[prepared()])
    assert (order.cost, event.data['cost']) == (Decimal('60.00'), None)


def test_an_anonymous_report_s_event_names_the_reporter(s):
    order = report_problem(s['campus'], place=s['room'], title='x', reporter_name=' 路过的家长 ')
    [event] = order.events
    assert (event.actor_id, event.actor_name, order.reporter_name) == (None, '路过的家长', '路过的家长')
