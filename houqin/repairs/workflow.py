"""Work orders from report to verified close: the one transition table, numbering, due times, item status.

Plain functions over models; no Flask request is needed. Every change is one transaction that writes the
order, its event (who, when, note, photos) and the notifications it causes, or nothing at all.
"""
import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _, lazy_gettext as _l

from houqin import db
from houqin.clock import to_local, utcnow, zone_name
from houqin.db import Compiled, Slot, write_transaction
from houqin.models import (Campus, Item, Membership, Photo, Place, RepairCategory, RepairSettings, User,
                           WorkOrder, WorkOrderEvent)
from houqin.notify.outbox import enqueue_first, people_with_roles
from houqin.photos import save_photo
from houqin.repairs.notices import on_order_event, order_notice
from houqin.vocab import CATEGORY_LABELS, MANAGER_ROLES, ORDER_STATUS_LABELS, PRIORITY_LABELS
from houqin.web import bounded_int, int_or_none

ACTION_LABELS = {
    'report': _l('reported'), 'join': _l('reported the same problem'), 'accept': _l('accepted the job'),
    'assign': _l('assigned'), 'start': _l('started the repair'), 'finish': _l('finished the repair'),
    'verify': _l('verified the repair'), 'reopen': _l('reopened'), 'close': _l('closed'),
    'reject': _l('rejected'), 'merge': _l('merged as a duplicate'), 'merged_in': _l('took in a duplicate'),
    'classify': _l('changed category or priority'), 'compensate': _l('recorded damage compensation'),
    'comment': _l('added information'),
}
# What the buttons say (imperative), where it differs from the history's past tense.
BUTTON_LABELS = {
    'accept': _l('Accept the job'), 'assign': _l('Assign'), 'start': _l('Start'), 'finish': _l('Repair done'),
    'verify': _l('Fixed: verify'), 'reopen': _l('Not fixed: reopen'), 'close': _l('Verify and close'),
    'reject': _l('Reject'), 'merge': _l('Merge into another order'), 'classify': _l('Save'),
    'compensate': _l('Save compensation'), 'comment': _l('Add information'),
}

OPEN_STATUSES = ('reported', 'accepted', 'in_progress', 'done', 'verified')
FINAL_STATUSES = ('closed', 'rejected', 'merged')
WAITING_STATUSES = ('reported', 'accepted', 'in_progress')  # not yet repaired: these can be overdue
ALL_STATUSES = OPEN_STATUSES + FINAL_STATUSES
HAZARD_PRIORITY = 'urgent'

# The transition table: action -> ({status before: status after}, who may). Besides campus roles, "who"
# names relations to the order: reporter (who reported it), worker (a repair worker whose job it is, or
# an unassigned one), follower (an anonymous reporter through the receipt link), anyone.
TRANSITIONS = {
    'accept': ({'reported': 'accepted'}, {'worker'}),
    'assign': ({'reported': 'accepted', 'accepted': 'accepted', 'in_progress': 'in_progress'}, MANAGER_ROLES),
    'start': ({'reported': 'in_progress', 'accepted': 'in_progress'}, {'worker'} | MANAGER_ROLES),
    'finish': ({'in_progress': 'done'}, {'worker'} | MANAGER_ROLES),
    'verify': ({'done': 'verified'}, {'reporter'} | MANAGER_ROLES),
    'reopen': ({'done': 'accepted', 'verified': 'accepted'}, {'reporter'} | MANAGER_ROLES),
    'close': ({'done': 'closed', 'verified': 'closed'}, MANAGER_ROLES),
    'reject': ({'reported': 'rejected', 'accepted': 'rejected'}, MANAGER_ROLES),
    'merge': ({s: 'merged' for s in WAITING_STATUSES}, MANAGER_ROLES),
    'classify': ({s: s for s in OPEN_STATUSES}, MANAGER_ROLES),
    'compensate': ({s: s for s in ('done', 'verified', 'closed')}, MANAGER_ROLES),
    'comment': ({s: s for s in ALL_STATUSES}, {'reporter', 'worker', 'repair', 'follower'} | MANAGER_ROLES),
    'join': ({s: s for s in OPEN_STATUSES}, {'anyone'}),
}

# Guessing a category from what was reported on.
KIND_CATEGORY = {
    'light': 'electrical', 'air_conditioner': 'electrical', 'water_dispenser': 'electrical',
    'door': 'doors_windows', 'window': 'doors_windows', 'desk': 'furniture', 'chair': 'furniture',
    'projector': 'it_av', 'computer': 'it_av', 'camera': 'it_av', 'fire_extinguisher': 'fire', 'hydrant': 'fire',
    'toilet': 'plumbing',
}
DEFAULT_DUE_HOURS = {'urgent': 4, 'high': 24, 'normal': 72, 'low': 168}
MAX_PARTS = 10


class TransitionRefused(Exception):
    """A change the table or the data does not allow; the message is for the user. Nothing was written."""


class ActionForbidden(TransitionRefused):
    """The table never lets this actor (role, or relation to the order) take this action on the order."""


class StatusConflict(TransitionRefused):
    """The actor may take the action, but not while the order is in this status (or it changed meanwhile)."""


def guess_category(item=None, place=None):
    """The category a report on this item or place most likely needs."""
    kind = item.kind if item is not None else (place.kind if place is not None else '')
    return KIND_CATEGORY.get(kind, 'other')


def due_hours(campus):
    """{priority: hours until due} for a campus, the defaults where it has not set its own."""
    row = RepairSettings.get_or_none(RepairSettings.campus == campus)
    if row is None:
        return dict(DEFAULT_DUE_HOURS)
    return {'urgent': row.urgent_hours, 'high': row.high_hours, 'normal': row.normal_hours, 'low': row.low_hours}


def due_at_for(created_at, priority, hours):
    """When an order of this priority, reported at created_at, is due."""
    return created_at + datetime.timedelta(hours=hours.get(priority, hours['normal']))


def is_overdue(order, now=None):
    """True when the order is not yet repaired and its due time has passed."""
    return bool(order.due_at and order.status in WAITING_STATUSES and order.due_at < (now or utcnow()))


def default_assignee(campus, category):
    """The person a category's new orders go to on this campus, or None."""
    row = (RepairCategory.select(RepairCategory, User).join(User, on=(RepairCategory.assignee == User.id))
           .where((RepairCategory.campus == campus) & (RepairCategory.key == category) & User.active).first())
    return row.assignee if row else None


def campus_year(campus, when):
    """The calendar year of a stored (UTC) time on the campus's clock."""
    return to_local(when, zone_name(campus)).year


def next_sequence(campus, year):
    """The next order number of the campus's year, inside the caller's transaction (no gaps, no duplicates).

    One upsert statement on the (campus, year) counter row: PostgreSQL locks the row until the
    transaction ends, SQLite holds its single write lock; a rolled-back report rolls its number back.
    """
    cursor = db.database.execute_sql(
        'INSERT INTO work_order_counter (campus_id, year, last) VALUES (%s, %s, 1) '
        'ON CONFLICT (campus_id, year) DO UPDATE SET last = work_order_counter.last + 1 RETURNING last'
        .replace('%s', '?' if db.is_sqlite() else '%s'), (campus.id, year))
    return cursor.fetchone()[0]


def follow_item_status(item_id):
    """Set an item's status from its orders: broken while one waits, under repair from the start of the work
    until the order is closed, in use when no order on it is open. Missing and scrapped items keep theirs."""
    if item_id is None:
        return
    statuses = [o.status for o in WorkOrder.select(WorkOrder.status)
                .where((WorkOrder.item == item_id) & WorkOrder.status.in_(OPEN_STATUSES))]
    wanted = ('broken' if any(s in ('reported', 'accepted') for s in statuses)
              else 'under_repair' if statuses else 'in_use')
    (Item.update(status=wanted)
     .where((Item.id == item_id) & Item.status.in_(['in_use', 'broken', 'under_repair']))
     .execute())


def attach_photos(event, photos, campus_id, user=None):
    """Link stored Photo rows to an event, or save prepared photos (houqin.photos.prepare_photo) for it."""
    for photo in photos:
        if isinstance(photo, Photo):
            photo.event = event
            photo.save()
        else:
            save_photo(photo, campus_id, user, event=event)


def report_problem(campus, *, place=None, item=None, record=None, title, description='', category=None,
                   hazard=False, reporter=None, reporter_name='', reporter_phone='', photos=(),
                   priority='normal'):
    """Create a work order in status 'reported' with its first event, number, due time and notifications."""
    title = (title or '').strip()[:200]
    if not title:
        raise TransitionRefused(_('Please say in one line what is wrong.'))
    if item is not None and place is None:
        place = Place.get_by_id(item.place_id)
    category = category if category in CATEGORY_LABELS else guess_category(item, place)
    priority = HAZARD_PRIORITY if hazard else (priority if priority in PRIORITY_LABELS else 'normal')
    now = utcnow()
    with write_transaction():
        year = campus_year(campus, now)
        order = WorkOrder.create(
            campus=campus, year=year, sequence=next_sequence(campus, year), place=place, item=item,
            record=record, category=category, priority=priority, hazard=bool(hazard), status='reported',
            title=title, description=(description or '').strip(), reporter=reporter,
            reporter_name=(reporter_name or '').strip()[:50], reporter_phone=(reporter_phone or '').strip()[:30],
            assignee=default_assignee(campus, category),
            due_at=due_at_for(now, priority, due_hours(campus)), created_at=now, updated_at=now)
        event = WorkOrderEvent.create(
            order=order, actor=reporter, actor_name=actor_name(reporter, reporter_name), action='report',
            from_status='', to_status='reported', note=order.description, created_at=now,
            data={'hazard': True} if hazard else {})
        attach_photos(event, photos, campus.id, reporter)
        if item is not None:
            follow_item_status(item.id)
        on_order_event(order, event)
    return order


def actor_name(user, fallback=''):
    """The name an event shows for who acted."""
    return (user.name if user is not None else (fallback or '').strip())[:50]


# Every scan page asks for them: their SQL is built once per process.
OPEN_ON_ITEM = Compiled(lambda: WorkOrder.select().where(WorkOrder.status.in_(OPEN_STATUSES)
                                                         & (WorkOrder.item == Slot('item')))
                        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()))
OPEN_AT_PLACE = Compiled(lambda: WorkOrder.select().where(WorkOrder.status.in_(OPEN_STATUSES)
                                                          & ((WorkOrder.place == Slot('place')) & WorkOrder.item.is_null()))
                         .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()))


def open_orders_for(place=None, item=None):
    """Open orders on exactly this item, or on this place itself (not its items), newest first."""
    if item is not None:
        return OPEN_ON_ITEM(item=item)
    if place is not None:
        return OPEN_AT_PLACE(place=place)
    return []


def join_order(order, *, reporter=None, reporter_name='', note='', photos=()):
    """"Same problem": add the extra reporter, note and photos to an open order instead of a duplicate."""
    return apply_action(order, 'join', user=reporter, role=None, note=note, photos=photos,
                        name=reporter_name, relations={'anyone'})


def relations_of(order, user, role, via_link=False):
    """Who the actor is to this order: their campus role plus reporter / worker / follower / anyone."""
    found = {'anyone'}
    if via_link:
        found.add('follower')
    if role:
        found.add(role)
    if user is not None:
        if order.reporter_id == user.id:
            found.add('reporter')
        if role == 'repair' and order.assignee_id in (None, user.id):
            found.add('worker')
    return found


def check_action(status, action, relations):
    """The status an action leads to from this status for an actor with these relations.

    Raises ActionForbidden when the actor may not take the action at all, StatusConflict when not in this
    status, TransitionRefused for an unknown action.
    """
    if action not in TRANSITIONS:
        raise TransitionRefused(_('Unknown action.'))
    moves, allowed = TRANSITIONS[action]
    # Who first: an actor the table never allows is refused for that (ActionForbidden) in every status,
    # and StatusConflict means only "not now".
    if not relations & allowed:
        if action in ('accept', 'start', 'finish') and 'repair' in relations:
            raise ActionForbidden(_('This job is assigned to someone else.'))
        raise ActionForbidden(_('You may not do “%(action)s” on this order.',
                                action=BUTTON_LABELS.get(action, action)))
    if status not in moves:
        raise StatusConflict(_('This order is “%(status)s”: “%(action)s” is not possible now.',
                               status=ORDER_STATUS_LABELS.get(status, status), action=BUTTON_LABELS.get(action, action)))
    return moves[status]


def allowed_actions(order, user, role, via_link=False):
    """The actions this actor may take on the order now, in the table's order."""
    relations = relations_of(order, user, role, via_link)
    found = []
    for action, (moves, allowed) in TRANSITIONS.items():
        if action != 'join' and order.status in moves and relations & allowed:
            found.append(action)
    return found


def parse_money(text, what):
    """A non-negative amount in yuan with at most two decimals, or TransitionRefused naming what."""
    text = (text or '').strip().replace('¥', '').replace('元', '').replace(',', '')
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= Decimal('100000000') \
            or value != value.quantize(Decimal('0.01')):
        raise TransitionRefused(_('%(what)s must be an amount in yuan, e.g. 35 or 35.50; “%(text)s” is not.',
                                  what=what, text=text))
    return value.quantize(Decimal('0.01'))


def clean_parts(rows):
    """[{'name', 'qty'}] from (name, quantity text) pairs; blank rows skipped, bad quantities refused."""
    parts = []
    for name, qty in rows:
        name = (name or '').strip()[:40]
        qty = (qty or '').strip()
        if not name and not qty:
            continue
        if not name:
            raise TransitionRefused(_('Please name the part used (quantity %(qty)s).', qty=qty))
        if not qty:
            qty = '1'
        if int_or_none(qty, 1, 999) is None:
            raise TransitionRefused(_(
                'The quantity of %(part)s must be a whole number from 1 to 999; “%(qty)s” is not.', part=name, qty=qty))
        parts.append({'name': name, 'qty': int(qty)})
    if len(parts) > MAX_PARTS:
        raise TransitionRefused(_('At most %(n)d kinds of parts per repair.', n=MAX_PARTS))
    return parts


def repair_workers(campus):
    """Active users with the repair role on the campus (the people jobs are assigned to), by name."""
    return list(User.select().join(Membership).where(
        (Membership.campus == campus) & (Membership.role == 'repair') & User.active)
        .order_by(User.display_name, User.username))


def assignable(campus, user_id):
    """The active user with a repair or manager role on the campus, or None."""
    return (User.select().join(Membership).where(
        (User.id == user_id) & User.active & (Membership.campus == campus)
        & Membership.role.in_(['repair', 'manager', 'admin'])).first()) if user_id else None


def apply_action(order, action, *, user=None, role=None, via_link=False, note='', photos=(), name='',
                 relations=None, **fields):
    """Make one transition or annotation; returns its event, or raises TransitionRefused having written nothing.

    fields by action: assign (assignee: user id), finish (parts: [(name, qty)], cost: text), reject/reopen
    (note required), merge (into: '2026-0042' or number), classify (category, priority, hazard),
    compensate (liable_party, compensation: text).
    """
    note = (note or '').strip()
    relations = relations or relations_of(order, user, role, via_link)
    data, changes = {}, {}
    with write_transaction():
        current = WorkOrder.get_by_id(order.id)
        to_status = check_action(current.status, action, relations)
        changes.update(prepare(current, action, user, note, photos, data, fields))
        now = utcnow()
        changes.update(status=to_status, updated_at=now)
        if to_status in FINAL_STATUSES and current.status not in FINAL_STATUSES:
            changes['closed_at'] = now
        elif to_status not in FINAL_STATUSES:
            changes['closed_at'] = None
        # Guarded by the status read above: a concurrent change makes this update miss, and we refuse.
        updated = (WorkOrder.update(**changes)
                   .where((WorkOrder.id == current.id) & (WorkOrder.status == current.status)
                          & (WorkOrder.updated_at == current.updated_at)).execute())
        if not updated:
            raise StatusConflict(_('Someone changed this order a moment ago; please look again.'))
        event = WorkOrderEvent.create(order=current, actor=user, actor_name=actor_name(user, name),
                                      action=action, from_status=current.status, to_status=to_status,
                                      note=note, data=data, created_at=now)
        attach_photos(event, photos, current.campus_id, user)
        fresh = WorkOrder.get_by_id(current.id)
        if action == 'merge':
            target = fields['_target']
            WorkOrderEvent.create(order=target, actor=user, actor_name=actor_name(user, name), action='merged_in',
                                  from_status=target.status, to_status=target.status, created_at=now,
                                  note=note, data={'from': current.number, 'from_id': current.id})
        if to_status != current.status or action == 'merge':
            follow_item_status(fresh.item_id)
        on_order_event(fresh, event)
    for key, value in fresh.__data__.items():
        setattr(order, key, value)
    return event


def prepare(order, action, user, note, photos, data, fields):
    """Validate an action's own input; returns the order columns it changes and fills the event's data."""
    if action in ('reject', 'reopen') and not note:
        raise TransitionRefused(_('Please give the reason.'))
    if action in ('comment', 'join') and not note and not photos:
        raise TransitionRefused(_('Please write something or add a photo.'))
    if action in ('accept', 'start') and order.assignee_id is None and user is not None:
        return {'assignee': user.id}
    if action == 'assign':
        assignee = assignable(order.campus_id, fields.get('assignee'))
        if assignee is None:
            raise TransitionRefused(_('Please choose who will do the repair.'))
        data['assignee'] = assignee.name
        return {'assignee': assignee.id}
    if action == 'finish':
        if not note:
            raise TransitionRefused(_('Please say what was done.'))
        if not photos:
            raise TransitionRefused(_('Please add a photo of the finished repair.'))
        parts = clean_parts(fields.get('parts') or ())
        cost = parse_money(fields.get('cost'), _('The cost'))
        data.update(parts=parts, cost=str(cost) if cost is not None else None)
        return {'cost': cost} if cost is not None else {}
    if action == 'merge':
        target = find_by_number(order.campus_id, fields.get('into'))
        if target is None or target.id == order.id or target.status not in OPEN_STATUSES:
            raise TransitionRefused(_('Please give the number of another open order, e.g. %(example)s.',
                                      example=f'{order.year}-0001'))
        fields['_target'] = target
        data.update(into=target.number, into_id=target.id)
        return {'merged_into': target.id}
    if action == 'classify':
        return classify_changes(order, fields, data)
    if action == 'compensate':
        party = (fields.get('liable_party') or '').strip()[:100]
        amount = parse_money(fields.get('compensation'), _('The amount'))
        if not party or amount is None:
            raise TransitionRefused(_('Please give who is liable and the amount.'))
        data.update(liable_party=party, compensation=str(amount))
        return {'liable_party': party, 'compensation': amount}
    return {}


def classify_changes(order, fields, data):
    """Category, priority and hazard flag; a new priority moves the due time (from the report time)."""
    category = fields.get('category') or order.category
    hazard = bool(fields.get('hazard'))
    priority = HAZARD_PRIORITY if hazard else (fields.get('priority') or order.priority)
    if category not in CATEGORY_LABELS or priority not in PRIORITY_LABELS:
        raise TransitionRefused(_('Please choose a category and a priority from the lists.'))
    changes = {'category': category, 'priority': priority, 'hazard': hazard}
    if priority != order.priority:
        changes['due_at'] = due_at_for(order.created_at, priority, due_hours(Campus.get_by_id(order.campus_id)))
        changes['overdue_notified_at'] = None
    data.update(category=category, priority=priority, hazard=hazard, was_hazard=order.hazard)
    return changes


def find_by_number(campus_id, text):
    """The campus's order with a number like 2026-0042 (or just 42 for this year's), or None."""
    text = (text or '').strip()
    try:
        if '-' in text:
            year, sequence = (bounded_int(part, 1, 9999) for part in text.split('-', 1))
        else:
            year, sequence = utcnow().year, bounded_int(text, 1, 9999)
    except ValueError:
        return None
    return WorkOrder.get_or_none((WorkOrder.campus == campus_id) & (WorkOrder.year == year)
                                 & (WorkOrder.sequence == sequence))


OVERDUE_BATCH = 50


def enqueue_overdue(now=None):
    """Queue one overdue notice per order past its due time (assignee and managers); returns how many."""
    now = now or utcnow()
    due = (WorkOrder.select(WorkOrder.id).where(
        WorkOrder.status.in_(WAITING_STATUSES) & (WorkOrder.due_at < now) & WorkOrder.overdue_notified_at.is_null())
        .order_by(WorkOrder.due_at).limit(OVERDUE_BATCH))
    count = 0
    for (order_id,) in list(due.tuples()):
        with write_transaction():
            # The guarded update lets exactly one worker queue the notice.
            if not WorkOrder.update(overdue_notified_at=now).where(
                    (WorkOrder.id == order_id) & WorkOrder.overdue_notified_at.is_null()).execute():
                continue
            order = WorkOrder.get_by_id(order_id)
            people = people_with_roles(order.campus_id, MANAGER_ROLES)
            if order.assignee_id and order.assignee.active:
                people = [order.assignee] + [p for p in people if p.id != order.assignee_id]
            enqueue_first(order.campus_id, [order_notice('overdue', order, people)])
            count += 1
    return count


