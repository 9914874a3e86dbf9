"""The work-order workflow as plain functions: reporting, numbering, due times, the transition table, items."""
import datetime
import io
from decimal import Decimal

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from houqin import db
from houqin.clock import utcnow
from houqin.models import Item, Outbox, Photo, RepairCategory, RepairSettings, WorkOrder, WorkOrderEvent
from houqin.photos import store_photo
from houqin.repairs.workflow import (ActionForbidden, StatusConflict, TRANSITIONS, TransitionRefused,
                                     apply_action, check_action, join_order, open_orders_for, report_problem)
from houqin.vocab import CATEGORY_LABELS, ORDER_STATUS_LABELS


@pytest.fixture
def ctx(app, school):
    """An app context with a database connection, for calling the workflow directly."""
    with app.test_request_context('/'), db.database.connection_context():
        yield school


def jpeg(color='red'):
    out = io.BytesIO()
    Image.new('RGB', (64, 48), color).save(out, 'JPEG')
    out.seek(0)
    return FileStorage(out, filename='x.jpg', content_type='image/jpeg')


def photo(school, user=None):
    return store_photo(jpeg(), school['campus'], user)


def test_report_creates_a_numbered_order_with_its_first_event(ctx):
    s = ctx
    teacher = s['users']['teacher']
    shot = photo(s, teacher)
    order = report_problem(s['campus'], item=s['desk'], title=' 桌面开裂 ', description='第三排', reporter=teacher,
                           photos=[shot])
    assert order.status == 'reported' and order.title == '桌面开裂'
    assert order.place_id == s['room'].id and order.category == 'furniture'
    assert order.number == f'{order.year}-0001' and order.sequence == 1
    assert order.due_at == order.created_at + datetime.timedelta(hours=72)
    events = list(order.events)
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        ('report', '', 'reported', teacher.id)]
    assert Photo.get_by_id(shot.id).event_id == events[0].id
    assert Item.get_by_id(s['desk'].id).status == 'broken'
    second = report_problem(s['campus'], place=s['room'], title='灯不亮', reporter_name='路过的家长')
    assert second.sequence == 2 and second.reporter_id is None and second.reporter_name == '路过的家长'
    assert len(second.follow_secret) >= 16 and second.follow_secret != order.follow_secret


def test_category_is_guessed_from_what_was_reported(ctx):
    s = ctx
    light = Item.create(campus=s['campus'], place=s['room'], kind='light', name='日光灯')
    assert report_problem(s['campus'], item=light, title='闪').category == 'electrical'
    s['room'].kind = 'toilet'
    assert report_problem(s['campus'], place=s['room'], title='堵了').category == 'plumbing'
    assert report_problem(s['campus'], place=s['floor'], title='?').category == 'other'
    assert report_problem(s['campus'], place=s['floor'], title='?', category='fire').category == 'fire'
    assert set(CATEGORY_LABELS) == {'electrical', 'plumbing', 'doors_windows', 'furniture', 'it_av', 'building',
                                    'fire', 'other'}


def test_hazard_is_urgent_and_due_times_follow_the_campus_settings(ctx):
    s = ctx
    hazard = report_problem(s['campus'], place=s['floor'], title='扶手松动', hazard=True)
    assert hazard.priority == 'urgent' and hazard.due_at - hazard.created_at == datetime.timedelta(hours=4)
    RepairSettings.create(campus=s['campus'], urgent_hours=2, high_hours=12, normal_hours=48, low_hours=100)
    assert report_problem(s['campus'], place=s['floor'], title='x', hazard=True).due_at - utcnow() \
        < datetime.timedelta(hours=2, seconds=1)
    high = report_problem(s['campus'], place=s['floor'], title='x', priority='high')
    assert high.due_at - high.created_at == datetime.timedelta(hours=12)


def test_category_default_assignee_gets_the_order(ctx):
    s = ctx
    RepairCategory.create(campus=s['campus'], key='furniture', assignee=s['users']['repair'])
    order = report_problem(s['campus'], item=s['desk'], title='椅子腿断了')
    assert order.assignee_id == s['users']['repair'].id and order.status == 'reported'
    assert report_problem(s['campus'], place=s['room'], title='x', category='plumbing').assignee_id is None


def test_open_orders_for_an_item_or_exactly_a_place(ctx):
    s = ctx
    on_desk = report_problem(s['campus'], item=s['desk'], title='desk')
    on_room = report_problem(s['campus'], place=s['room'], title='room')
    newer = report_problem(s['campus'], place=s['room'], title='room again')
    assert open_orders_for(item=s['desk']) == [on_desk]
    assert open_orders_for(place=s['room']) == [newer, on_room]
    apply_action(on_room, 'reject', user=s['users']['manager'], role='manager', note='重复')
    assert open_orders_for(place=s['room']) == [newer]
    assert open_orders_for() == []


def test_join_adds_the_reporter_and_photos_without_a_new_order(ctx):
    s = ctx
    order = report_problem(s['campus'], item=s['desk'], title='desk', reporter=s['users']['teacher'])
    shot = photo(s)
    event = join_order(order, reporter=s['users']['janitor'], note='我也看到了', photos=[shot])
    assert event.action == 'join' and event.actor_id == s['users']['janitor'].id
    assert Photo.get_by_id(shot.id).event_id == event.id
    anonymous = join_order(order, reporter_name='家长', photos=[photo(s)])
    assert anonymous.actor_name == '家长'
    assert WorkOrder.select().count() == 1
    apply_action(order, 'reject', user=s['users']['admin'], role='admin', note='不是问题')
    with pytest.raises(TransitionRefused):
        join_order(order, reporter_name='x', note='again')


def test_the_transition_table_refuses_what_it_does_not_list():
    assert check_action('reported', 'accept', {'worker', 'repair'}) == 'accepted'
    assert check_action('accepted', 'start', {'manager'}) == 'in_progress'
    assert check_action('done', 'verify', {'reporter', 'teacher'}) == 'verified'
    assert check_action('done', 'reopen', {'reporter'}) == 'accepted'
    with pytest.raises(StatusConflict, match='not possible now'):
        check_action('reported', 'finish', {'manager'})      # not started
    with pytest.raises(ActionForbidden, match='You may not do'):
        check_action('done', 'verify', {'teacher'})           # not the reporter
    with pytest.raises(ActionForbidden, match='someone else'):  # no app: the English message id
        check_action('accepted', 'start', {'repair'})         # another worker's job
    with pytest.raises(StatusConflict):
        check_action('closed', 'reopen', {'manager'})
    with pytest.raises(ActionForbidden):
        check_action('reported', 'close', {'reporter', 'teacher'})  # who is refused before when
    with pytest.raises(TransitionRefused, match='Unknown action') as unknown:
        check_action('reported', 'fly', {'admin'})
    assert type(unknown.value) is TransitionRefused
    # every target status is a known status, every "who" a role or a relation
    known = set(ORDER_STATUS_LABELS)
    for action, (moves, who) in TRANSITIONS.items():
        assert set(moves) <= known and set(moves.values()) <= known, action
        assert who <= {'admin', 'manager', 'repair', 'worker', 'reporter', 'follower', 'anyone'}, action


def test_full_lifecycle_moves_the_item_status(ctx):
    s = ctx
    u = s['users']
    order = report_problem(s['campus'], item=s['desk'], title='desk', reporter=u['teacher'])
    apply_action(order, 'assign', user=u['manager'], role='manager', assignee=u['repair'].id)
    assert (order.status, order.assignee_id) == ('accepted', u['repair'].id)
    apply_action(order, 'start', user=u['repair'], role='repair')
    assert Item.get_by_id(s['desk'].id).status == 'under_repair'
    apply_action(order, 'finish', user=u['repair'], role='repair', note='换了桌面', photos=[photo(s)],
                 parts=[('桌面板', '1'), ('螺丝', '4')], cost='60')
    assert order.status == 'done' and order.cost == Decimal('60')
    assert Item.get_by_id(s['desk'].id).status == 'under_repair'  # in use again once the order is closed
    apply_action(order, 'reopen', user=u['teacher'], role='teacher', note='还是晃')
    assert order.status == 'accepted' and Item.get_by_id(s['desk'].id).status == 'broken'
    apply_action(order, 'start', user=u['repair'], role='repair')
    apply_action(order, 'finish', user=u['repair'], role='repair', note='紧固', photos=[photo(s)])
    apply_action(order, 'verify', user=u['teacher'], role='teacher')
    apply_action(order, 'close', user=u['manager'], role='manager')
    assert order.status == 'closed' and order.closed_at is not None
    assert Item.get_by_id(s['desk'].id).status == 'in_use'
    events = list(order.events.order_by(WorkOrderEvent.id))
    assert [e.action for e in events] == ['report', 'assign', 'start', 'finish', 'reopen', 'start', 'finish',
                                          'verify', 'close']
    assert all(a.to_status == b.from_status for a, b in zip(events, events[1:]))
    assert events[3].data['parts'] == [{'name': '桌面板', 'qty': 1}, {'name': '螺丝', 'qty': 4}]


def test_a_refused_action_writes_nothing(ctx):
    s = ctx
    u = s['users']
    order = report_problem(s['campus'], item=s['desk'], title='desk', reporter=u['teacher'])
    before = (WorkOrderEvent.select().count(), Outbox.select().count(), WorkOrder.get_by_id(order.id).updated_at)
    shot = photo(s)
    for action, kwargs in (('finish', {'user': u['repair'], 'role': 'repair', 'note': 'x', 'photos': [shot]}),
                           ('close', {'user': u['teacher'], 'role': 'teacher'}),
                           ('reject', {'user': u['manager'], 'role': 'manager', 'note': ''}),
                           ('assign', {'user': u['manager'], 'role': 'manager', 'assignee': u['teacher'].id}),
                           ('merge', {'user': u['manager'], 'role': 'manager', 'into': order.number})):
        with pytest.raises(TransitionRefused):
            apply_action(order, action, **kwargs)
    apply_action(order, 'start', user=u['repair'], role='repair')
    for bad in ({'note': '', 'photos': [shot]}, {'note': 'ok', 'photos': []},
                {'note': 'ok', 'photos': [shot], 'parts': [('灯管', 'two')]},
                {'note': 'ok', 'photos': [shot], 'cost': '-5'}, {'note': 'ok', 'photos': [shot], 'cost': '1.234'}):
        with pytest.raises(TransitionRefused):
            apply_action(order, 'finish', user=u['repair'], role='repair', **bad)
    assert WorkOrder.get_by_id(order.id).status == 'in_progress'
    assert Photo.get_by_id(shot.id).event_id is None
    assert WorkOrderEvent.select().count() == before[0] + 1


def test_merge_and_compensation(ctx):
    s = ctx
    u = s['users']
    first = report_problem(s['campus'], item=s['desk'], title='desk')
    duplicate = report_problem(s['campus'], item=s['desk'], title='desk again')
    apply_action(duplicate, 'merge', user=u['manager'], role='manager', into=first.number)
    assert duplicate.status == 'merged' and duplicate.merged_into_id == first.id
    assert first.events.where(WorkOrderEvent.action == 'merged_in').count() == 1
    assert Item.get_by_id(s['desk'].id).status == 'broken'  # the first order still waits
    apply_action(first, 'start', user=u['repair'], role='repair')
    with pytest.raises(TransitionRefused):
        apply_action(first, 'compensate', user=u['manager'], role='manager', liable_party='五(2)班 李明',
                     compensation='80')
    apply_action(first, 'finish', user=u['repair'], role='repair', note='修好', photos=[photo(s)])
    with pytest.raises(TransitionRefused):
        apply_action(first, 'compensate', user=u['repair'], role='repair', liable_party='x', compensation='1')
    apply_action(first, 'compensate', user=u['manager'], role='manager', liable_party='五(2)班 李明', compensation='80')
    assert first.liable_party == '五(2)班 李明' and first.compensation == Decimal('80')


def test_a_worker_takes_only_unassigned_or_own_jobs(ctx):
    s = ctx
    u = s['users']
    from houqin.models import Membership, User
    from helpers import PASSWORD_HASH
    other = User.create(username='repair2', display_name='电工', password_hash=PASSWORD_HASH)
    Membership.create(user=other, campus=s['campus'], role='repair')
    order = report_problem(s['campus'], item=s['desk'], title='desk')
    apply_action(order, 'accept', user=other, role='repair')
    assert order.assignee_id == other.id
    with pytest.raises(TransitionRefused, match='已派给别人'):
        apply_action(order, 'start', user=u['repair'], role='repair')
    apply_action(order, 'start', user=other, role='repair')
    apply_action(order, 'comment', user=u['repair'], role='repair', note='需要梯子')  # any worker may add information
