"""Routines over the database: the campus calendar, each routine's targets, and the compliance engine's slots
with the names, labels and people a page shows. No Flask here; times in and out are naive UTC.

API (the routines pages, the dashboard, the CLI and the notifications use only these):

campus_slots(campus, start, end, now=None, activity=None, routine_ids=None, place_ids=None, statuses=None)
    -> [SlotView]
    Every slot of the campus's routines in [start, end) (naive UTC) with its status at `now` (default: the
    present), ordered by start, routine, target. A slot belongs to the period when its window starts in it, or
    when it is a whole period (day, week, month, term, by-date, campaign) overlapping it. Filters: one activity,
    some routine ids, targets at some place ids (an item counts at its place; pass a subtree's ids), some statuses.
campus_counts(campus, start, end, bucket, now=None) -> {key: {status: n}}
    The slots campus_slots would return, counted by bucket(slot) (it may read .start, .end, .day, .whole)
    without making them: what a trend over weeks of a whole campus needs.
day_slots(campus, day, now=None, activity=None) -> [SlotView]
    campus_slots for one campus-local date (what `flask houqin compliance --date` prints).
slots_for_person(campus, user, role, now=None) -> PersonTasks
    今日任务: today's slots of the routines whose role is `role` or that name the user — .due (now), .upcoming
    (later today), .missed, .done (done or late), and .next (the first slots of the next day that has any,
    within a week, when nothing is left today). .all is today's list.
campaign_progress(routine, now=None) -> Progress
    A campaign routine's slots: .total, .done, .late, .missed, .due, .upcoming, .percent, .remaining ([SlotView]
    still to do), .start and .deadline (naive UTC).
check_missed(campus, now=None) -> int
    Queue one notice per routine for slots missed since the last check (each slot once, ever: RoutineNotice),
    to the routine's people or role holders and the managers; returns how many slots were notified. Called by
    `flask houqin check-routines`, by the delivery worker (check_all_campuses, scheduled at most once a
    minute) and lazily by the dashboard.
campus_calendar(campus) -> schedule.Calendar;  routine_targets(routine) -> [TargetInfo]
campus_places(campus_id) -> {id: PlaceRow}: the campus's places as the slots were worked out from (the map).
routines_at(campus, target) -> [Routine]
    The campus's active routines that cover one place or asset (what its label page offers for them).
activity_names(campus) -> ActivityNames
    A readable name for every activity key: vocab's names, else the name of the campus's checklist or routine
    for it (what the admin typed); read from the database only when a key is not one of vocab's.
counts(slots) / on_time_rate(slots) (re-exported from compliance).

SlotView fields: routine (Routine), activity, target_type ('place'|'item'), target_id, target_name,
target_path ('教学楼 › 一楼 › 101' — for an item, its place's path), place_id (the place, or the item's
place), token (the active label's token or ''), start, end, late_limit (naive UTC), day (campus-local date),
whole (a whole period), status ('done'|'late'|'missed'|'due'|'upcoming'), record_id, user_id, user_name,
done_at, assignees ([display names]), role (the routine's role key or ''); .local_start / .local_end
(campus-local ISO 'YYYY-MM-DDTHH:MM:SS+08:00').

Records count for a routine when they have its activity and are at its target (Record.place without an item
for a place, Record.item for an asset); they are read by (campus, activity, created_at), an indexed range, so
the cost follows the period asked, not the history.
"""
import collections
import dataclasses
import datetime

from flask import g, has_request_context
from flask_babel import force_locale, gettext as _
from peewee import IntegrityError

from houqin import clock
from houqin.db import database, write_transaction
from houqin.models import AuditLog, Campus, ChecklistTemplate, Holiday, Item, Place, Record, Routine, RoutineNotice, \
    Tag, Term, User
from houqin.notify.outbox import enqueue, message_locale, people_with_roles
from houqin.routines.compliance import Done, Rule, Target, compliance, compliance_counts, counts, in_period, \
    on_time_rate
from houqin.routines.schedule import Calendar
from houqin.vocab import MANAGER_ROLES, RECORD_ACTIVITY_LABELS, ROLE_LABELS

__all__ = ['campus_slots', 'campus_counts', 'campus_places', 'day_slots', 'slots_for_person', 'campaign_progress', 'check_missed', 'routines_at',
           'activity_names', 'ActivityNames',
           'check_all_campuses', 'campus_calendar', 'routine_targets', 'counts', 'on_time_rate', 'SlotView',
           'PersonTasks', 'Progress', 'TargetInfo']

RETIRED_STATUSES = ('scrapped',)  # an asset in these statuses is no longer a target (from when it changed)
NOTICE_LOOKBACK = datetime.timedelta(days=2)  # after a longer outage, older misses are not told any more
# How far before a period's start records may still satisfy a slot in it, by schedule type.
RECORD_LOOKBACK = {'windows': 2, 'times': 2, 'daily': 2, 'weekly': 8, 'every_n_weeks': 8, 'monthly': 32}
RECORD_LOOKAHEAD = datetime.timedelta(days=16)  # a late record may come up to the next window's start
TARGET_FILTER_LIMIT = 2000  # a place filter with up to this many targets also filters the records read


@dataclasses.dataclass
class TargetInfo:
    """A routine's target with what pages show of it."""
    type: str
    id: int
    name: str
    kind: str
    path: str
    place_id: int
    token: str
    active_from: datetime.datetime
    retired_at: datetime.datetime = None
    dates: dict = dataclasses.field(default_factory=dict)

    def engine_target(self):
        """The target as the compliance engine sees it."""
        return Target(self.type, self.id, self.active_from, self.retired_at, self.dates)


@dataclasses.dataclass
class SlotView:
    """A slot with the names, label and people a page or the CLI shows."""
    routine: Routine
    activity: str
    target_type: str
    target_id: int
    target_name: str
    target_path: str
    place_id: int
    token: str
    start: datetime.datetime
    end: datetime.datetime
    late_limit: datetime.datetime
    day: datetime.date
    whole: bool
    status: str
    record_id: int = None
    user_id: int = None
    user_name: str = ''
    done_at: datetime.datetime = None
    assignees: list = dataclasses.field(default_factory=list)
    role: str = ''
    zone: str = clock.DEFAULT_ZONE

    @property
    def satisfied(self):
        return self.status in ('done', 'late')

    @property
    def local_start(self):
        return clock.to_local(self.start, self.zone).isoformat()

    @property
    def local_end(self):
        return clock.to_local(self.end, self.zone).isoformat()


@dataclasses.dataclass
class PersonTasks:
    """今日任务: a person's slots of today, by what to do about them, and what comes next."""
    all: list
    due: list
    upcoming: list
    missed: list
    done: list
    next: list


@dataclasses.dataclass
class Progress:
    """A campaign's progress over its targets."""
    total: int
    done: int
    late: int
    missed: int
    due: int
    upcoming: int
    remaining: list
    start: datetime.datetime = None
    deadline: datetime.datetime = None

    @property
    def percent(self):
        return round(100 * (self.done + self.late) / self.total) if self.total else 0


# The calendar and the targets -----------------------------------------------------------------------------


def campus_calendar(campus):
    """The campus calendar: its terms, holidays and make-up working days."""
    terms = tuple((t.starts_on, t.ends_on) for t in Term.select(Term.starts_on, Term.ends_on)
                  .where(Term.campus == campus).order_by(Term.starts_on))
    holidays, makeups = [], []
    for h in Holiday.select(Holiday.starts_on, Holiday.ends_on, Holiday.kind, Holiday.counts_as) \
            .where(Holiday.campus == campus):
        if h.kind == 'makeup':
            day = h.starts_on
            while day <= h.ends_on:
                makeups.append((day, h.counts_as if h.counts_as is not None else day.weekday()))
                day += datetime.timedelta(days=1)
        else:
            holidays.append((h.starts_on, h.ends_on))
    return Calendar(terms, tuple(holidays), tuple(makeups))


PlaceRow = collections.namedtuple('PlaceRow', 'id name parent_id kind created_at position')
ItemRow = collections.namedtuple('ItemRow', 'id name kind place_id status created_at expires_on purchased_on')


class _CampusTargets:
    """The campus's places and (by kind) assets, read once (as plain rows) and shared by its routines; each
    routine's targets are worked out once per instance (a request keeps one: see request_cached)."""

    def __init__(self, campus_id):
        self.campus_id = campus_id
        self.places = {row[0]: PlaceRow(*row) for row in Place.select(
            Place.id, Place.name, Place.parent, Place.kind, Place.created_at, Place.position)
            .where(Place.campus == campus_id).tuples()}
        self._children = None
        self._by_kind = None
        self._below = {}
        self._paths = {}
        self._items = {}
        self._tokens = None
        self._targets = {}

    def path(self, place_id):
        if place_id not in self._paths:
            chain, node = [], place_id
            while node is not None and node in self.places and len(chain) < 50:
                chain.append(self.places[node].name)
                node = self.places[node].parent_id
            self._paths[place_id] = ' › '.join(reversed(chain))
        return self._paths[place_id]

    def below(self, place_id):
        if place_id in self._below:
            return self._below[place_id]
        if self._children is None:
            self._children = {}
            for p in self.places.values():
                self._children.setdefault(p.parent_id, []).append(p.id)
        found, frontier = {place_id}, [place_id]
        while frontier:
            frontier = [c for f in frontier for c in self._children.get(f, ())]
            found.update(frontier)
        self._below[place_id] = found
        return found

    def of_kind(self, kind):
        """The ids of the campus's places of a kind (every place for no kind)."""
        if not kind:
            return list(self.places)
        if self._by_kind is None:
            self._by_kind = {}
            for p in self.places.values():
                self._by_kind.setdefault(p.kind, []).append(p.id)
        return self._by_kind.get(kind, [])

    def items(self, kind=None, ids=None):
        key = (kind, tuple(ids) if ids else None)
        if key not in self._items:
            query = Item.select(Item.id, Item.name, Item.kind, Item.place, Item.status, Item.created_at,
                                Item.expires_on, Item.purchased_on).where(Item.campus == self.campus_id)
            if ids:
                query = query.where(Item.id.in_(list(ids)))
            elif kind:
                query = query.where(Item.kind == kind)
            self._items[key] = [ItemRow(*row) for row in query.order_by(Item.id).tuples()]
        return self._items[key]

    def token(self, target_type, target_id):
        if self._tokens is None:
            self._tokens = {}
            for token, place_id, item_id in Tag.select(Tag.token, Tag.place, Tag.item).where(
                    (Tag.campus == self.campus_id) & (Tag.status == 'active')).order_by(Tag.id).tuples():
                self._tokens[('item', item_id) if item_id else ('place', place_id)] = token
        return self._tokens.get((target_type, target_id), '')

    def targets(self, routine):
        """The routine's targets: picked ones, or every one of its kind (under its subtree)."""
        picked = tuple(int(i) for i in routine.targets or ())
        key = (routine.target_type, routine.target_kind or '', picked, routine.subtree_id)
        if key not in self._targets:
            self._targets[key] = self._find(routine.target_type, routine.target_kind, picked, routine.subtree_id)
        return self._targets[key]

    def _find(self, target_type, kind, picked, subtree_id):
        within = self.below(subtree_id) if subtree_id else None
        out = []
        if target_type == 'item':
            rows = self.items(ids=picked) if picked else self.items(kind=kind or None)
            retired = retirement_times([i.id for i in rows if i.status in RETIRED_STATUSES])
            for i in rows:
                if within is not None and i.place_id not in within:
                    continue
                out.append(TargetInfo('item', i.id, i.name, i.kind, self.path(i.place_id), i.place_id,
                                      self.token('item', i.id), i.created_at, retired.get(i.id),
                                      {'expires_on': i.expires_on, 'purchased_on': i.purchased_on}))
        else:
            ids = picked or self.of_kind(kind)
            if within is not None:
                ids = [i for i in ids if i in within]
            for pid in sorted(ids, key=lambda i: (self.path(i), i)):
                p = self.places.get(pid)
                if p is None:
                    continue
                out.append(TargetInfo('place', p.id, p.name, p.kind, self.path(p.id), p.id, self.token('place', p.id),
                                      p.created_at))
        return out

    def engine_targets(self, routine):
        """The routine's targets as the compliance engine sees them (worked out once)."""
        key = ('engine', routine.target_type, routine.target_kind or '', tuple(int(i) for i in routine.targets or ()),
               routine.subtree_id)
        if key not in self._targets:
            self._targets[key] = [t.engine_target() for t in self.targets(routine)]
        return self._targets[key]


def campus_places(campus_id):
    """{place id: PlaceRow(id, name, parent_id, kind, created_at, position)} of the campus (read once a request)."""
    return request_cached(('targets', campus_id), lambda: _CampusTargets(campus_id)).places


def request_cached(key, build):
    """build(), kept for the rest of the request when there is one (a page asks for several periods' slots: the
    campus's places, labels and calendar are read once); outside a request, built afresh each call."""
    if not has_request_context():
        return build()
    store = g.setdefault('routines_cache', {})
    if key not in store:
        store[key] = build()
    return store[key]


def retirement_times(item_ids):
    """{item id: when it was retired} for scrapped assets: the last change the audit log holds (else its creation)."""
    if not item_ids:
        return {}
    found = {i.id: i.created_at for i in Item.select(Item.id, Item.created_at).where(Item.id.in_(item_ids))}
    for row in AuditLog.select(AuditLog.row_id, AuditLog.created_at).where(
            (AuditLog.entity == 'item') & AuditLog.row_id.in_(item_ids) & (AuditLog.action == 'update')):
        found[row.row_id] = max(found[row.row_id], row.created_at)
    return found


def routine_targets(routine):
    """The targets one routine covers, with names, paths and label tokens."""
    return _CampusTargets(routine.campus_id).targets(routine)


def covers(routine, target, chain_ids):
    """True when the routine's targets include this place or asset (chain_ids: the places it is in, itself too)."""
    target_type = 'item' if isinstance(target, Item) else 'place'
    if routine.target_type != target_type:
        return False
    if routine.targets:
        return target.id in [int(i) for i in routine.targets]
    if routine.target_kind and routine.target_kind != target.kind:
        return False
    return routine.subtree_id is None or routine.subtree_id in chain_ids


def routines_at(campus, target):
    """The campus's active routines that cover this place or asset, by name."""
    target_type = 'item' if isinstance(target, Item) else 'place'
    found = list(Routine.select().where((Routine.campus == campus) & Routine.active & Routine.retired_at.is_null()
                                        & (Routine.target_type == target_type)).order_by(Routine.name, Routine.id))
    if not found:
        return []
    chain_ids = set()
    if any(r.subtree_id for r in found):
        chain_ids = {p.id for p in Place(id=target.place_id if target_type == 'item' else target.id).chain()}
    return [r for r in found if covers(r, target, chain_ids)]


class ActivityNames:
    """{activity key: readable name} for one campus; the campus's own names are read at the first unknown key."""

    def __init__(self, campus):
        self.campus_id = campus.id if isinstance(campus, Campus) else campus
        self._own = None

    def own(self):
        """The names of the campus's checklists and routines for keys vocab does not name (read once)."""
        if self._own is None:
            self._own = {}
            for activity, name in (ChecklistTemplate.select(ChecklistTemplate.activity, ChecklistTemplate.name)
                                   .where(((ChecklistTemplate.campus == self.campus_id)
                                           | ChecklistTemplate.campus.is_null()) & ChecklistTemplate.active)
                                   .order_by(ChecklistTemplate.id).tuples()):
                self._own.setdefault(activity, name)
            for activity, name in (Routine.select(Routine.activity, Routine.name)
                                   .where(Routine.campus == self.campus_id).order_by(Routine.id).tuples()):
                self._own.setdefault(activity, name)
        return self._own

    def get(self, key, default=None):
        if key in RECORD_ACTIVITY_LABELS:
            return RECORD_ACTIVITY_LABELS[key]
        return self.own().get(key, key if default is None else default)

    def __getitem__(self, key):
        return self.get(key)

    def __contains__(self, key):
        return key in RECORD_ACTIVITY_LABELS or key in self.own()

    def __iter__(self):
        return iter(dict(self.items()))

    def items(self):
        """Every named activity: vocab's first, then the campus's own."""
        names = dict(RECORD_ACTIVITY_LABELS)
        for key, name in self.own().items():
            names.setdefault(key, name)
        return names.items()


def activity_names(campus):
    """A readable name for every activity key on the campus (see ActivityNames)."""
    return ActivityNames(campus)


def rule_of(routine):
    """A stored routine as the engine's Rule."""
    return Rule(routine.id, routine.activity, routine.target_type, routine.schedule or {'type': 'daily'},
                routine.calendar, routine.created_at, routine.retired_at)


# Slots ----------------------------------------------------------------------------------------------------


def campus_routines(campus, start, end, activity=None, routine_ids=None):
    """The routines that may have slots in [start, end): active ones, and retired ones retired after start."""
    query = Routine.select().where((Routine.campus == campus) & (Routine.created_at < end)
                                   & ((Routine.active & Routine.retired_at.is_null()) | (Routine.retired_at > start)))
    if activity:
        query = query.where(Routine.activity == activity)
    if routine_ids is not None:
        query = query.where(Routine.id.in_(list(routine_ids) or [0]))
    return list(query.order_by(Routine.name, Routine.id))


def record_range(routines, cal, start, end, now, zone=clock.DEFAULT_ZONE):
    """(from, until) of the records that may satisfy the routines' slots in [start, end)."""
    earliest = start - datetime.timedelta(days=2)
    for routine in routines:
        spec = routine.schedule or {}
        kind = spec.get('type')
        if kind in RECORD_LOOKBACK:
            earliest = min(earliest, start - datetime.timedelta(days=RECORD_LOOKBACK[kind]))
        elif kind == 'term':
            earliest = min([earliest] + [datetime.datetime.combine(a, datetime.time()) - datetime.timedelta(days=1)
                                         for a, b in cal.terms if b >= (start - datetime.timedelta(days=1)).date()])
        elif kind == 'by_date':
            earliest = min(earliest, start - datetime.timedelta(days=int(spec.get('days_before', 0)) + 2))
        elif kind == 'campaign':
            # The campaign's one window opens at its start: no record before it can count, however long ago.
            opens = clock.to_utc(datetime.datetime.fromisoformat(spec['start']), zone)
            earliest = min(earliest, opens)
    return earliest, min(now, end + RECORD_LOOKAHEAD)


def read_records(campus_id, activities, since, until, at=None):
    """The records of the activities on the campus up to `until`, as the engine's Done rows. since: a time, or
    {'place': time, 'item': time} — records at places from the one, at assets from the other (a monthly check of
    extinguishers looks further back than the daily ones of rooms: the rooms' older records are not read), a
    target type left out not at all. With at={'place': [ids], 'item': [ids]}, only those at these targets (when
    they are not too many to list)."""
    if not activities:
        return []
    sinces = since if isinstance(since, dict) else {'place': since, 'item': since}
    if not sinces:
        return []
    query = (Record.select(Record.id, Record.place, Record.item, Record.activity, Record.created_at, Record.user)
             .where((Record.campus == campus_id) & Record.activity.in_(sorted(activities))
                    & (Record.created_at >= min(sinces.values())) & (Record.created_at <= until)))
    if sinces.get('place') != sinces.get('item'):
        by_type = []
        if 'place' in sinces:
            by_type.append(Record.item.is_null() & (Record.created_at >= sinces['place']))
        if 'item' in sinces:
            by_type.append(Record.item.is_null(False) & (Record.created_at >= sinces['item']))
        query = query.where(by_type[0] if len(by_type) == 1 else (by_type[0] | by_type[1]))
    if at is not None and len(at['place']) + len(at['item']) <= TARGET_FILTER_LIMIT:
        query = query.where((Record.place.in_(at['place'] or [0]) & Record.item.is_null())
                            | Record.item.in_(at['item'] or [0]))
    # The raw rows: SQLite gives created_at as text, parsed here by fromisoformat, many times faster than peewee's
    # trying of formats (a month of a campus's records is tens of thousands of rows).
    return [Done(rid, 'item' if item_id else 'place', item_id or place_id, activity,
                 at if isinstance(at, datetime.datetime) else datetime.datetime.fromisoformat(at), user_id)
            for rid, place_id, item_id, activity, at, user_id in database.execute(query)]


def period_records(campus_id, activity, sinces, until):
    """read_records of one activity (sinces: {target type: from when}), served within a request from the widest
    range it has read so far (the dashboard asks for 30 days, then for today and the last three days: read once)."""
    if not has_request_context():
        return read_records(campus_id, {activity}, sinces, until)
    store = g.setdefault('routines_records', {})
    held = store.get((campus_id, activity))
    if held is None or until > held[1] or any(kind not in held[0] or held[0][kind] > since
                                              for kind, since in sinces.items()):
        held = store[(campus_id, activity)] = (dict(sinces), until, read_records(campus_id, {activity}, sinces, until))
    return [r for r in held[2] if r.target_type in sinces and sinces[r.target_type] <= r.at <= until]


def campus_slots(campus, start, end, now=None, activity=None, routine_ids=None, place_ids=None, statuses=None):
    """Every slot of the campus's routines in [start, end) with its status at `now` (see the module's API);
    statuses: only slots with one of these statuses."""
    now = now or clock.utcnow()
    campus = campus if isinstance(campus, Campus) else Campus.get_by_id(campus)
    zone = clock.zone_name(campus)
    found = engine_inputs(campus, start, end, now, activity, routine_ids, place_ids)
    if found is None:
        return []
    routines, targets, infos, cal, records = found
    slots = compliance([rule_of(r) for r in routines], targets, cal, records, start, end, now, zone, statuses)
    return describe(slots, {r.id: r for r in routines}, infos, zone)


def campus_counts(campus, start, end, bucket, now=None):
    """{bucket(slot): {status: how many}} of campus_slots(campus, start, end, now), without describing each slot
    (the dashboard's 30-day trend: a month of a whole campus's slots would cost seconds as SlotViews)."""
    now = now or clock.utcnow()
    campus = campus if isinstance(campus, Campus) else Campus.get_by_id(campus)
    found = engine_inputs(campus, start, end, now)
    if found is None:
        return {}
    routines, targets, _infos, cal, records = found
    return compliance_counts([rule_of(r) for r in routines], targets, cal, records, start, end, now,
                             clock.zone_name(campus), bucket)


def engine_inputs(campus, start, end, now, activity=None, routine_ids=None, place_ids=None):
    """(routines, {routine id: [Target]}, {(type, id): TargetInfo}, calendar, [Done]) for a period, or None when
    the campus has no routine with slots in it."""
    zone = clock.zone_name(campus)
    routines = campus_routines(campus.id, start, end, activity, routine_ids)
    if not routines:
        return None
    cal = request_cached(('calendar', campus.id), lambda: campus_calendar(campus.id))
    known = request_cached(('targets', campus.id), lambda: _CampusTargets(campus.id))
    wanted = set(place_ids) if place_ids is not None else None
    targets, infos = {}, {}
    for routine in routines:
        found = known.targets(routine)
        if wanted is None:
            targets[routine.id] = known.engine_targets(routine)
        else:
            found = [t for t in found if t.place_id in wanted]
            targets[routine.id] = [t.engine_target() for t in found]
        infos.update({(routine.target_type, t.id): t for t in found})
    records = []
    for activity_key in sorted({r.activity for r in routines}):
        of_activity = [r for r in routines if r.activity == activity_key]
        sinces, until = {}, None
        for kind in ('place', 'item'):
            of_kind = [r for r in of_activity if r.target_type == kind]
            if of_kind:
                sinces[kind], until = record_range(of_kind, cal, start, end, now, zone)
        at = None
        if wanted is not None:  # some places only: read only their targets' records
            at = {kind: sorted({t.id for r in of_activity if r.target_type == kind for t in targets[r.id]})
                  for kind in ('place', 'item')}
        records += (read_records(campus.id, {activity_key}, sinces, until, at) if at is not None
                    else period_records(campus.id, activity_key, sinces, until))
    return routines, targets, infos, cal, records


def describe(slots, routines, infos, zone):
    """The engine's slots with names, labels and people."""
    user_ids = {s.user_id for s in slots if s.user_id}
    for routine in routines.values():
        user_ids.update(int(u) for u in routine.people or ())
    names = {u.id: u.name for u in User.select(User.id, User.username, User.display_name)
             .where(User.id.in_(sorted(user_ids) or [0]))}
    assigned = {r.id: [names[int(u)] for u in r.people or () if int(u) in names] for r in routines.values()}
    out = []
    for s in slots:
        routine, info = routines[s.routine_id], infos[(s.target_type, s.target_id)]
        out.append(SlotView(routine, routine.activity, s.target_type, s.target_id, info.name, info.path,
                            info.place_id, info.token, s.start, s.end, s.late_limit, s.day, s.whole, s.status,
                            s.record_id, s.user_id, names.get(s.user_id, ''), s.done_at, list(assigned[routine.id]),
                            routine.role, zone))
    return out


def day_slots(campus, day, now=None, activity=None):
    """The slots of one campus-local day (windows starting that day, and whole periods overlapping it)."""
    campus = campus if isinstance(campus, Campus) else Campus.get_by_id(campus)
    start, end = clock.day_bounds(day, clock.zone_name(campus))
    return campus_slots(campus, start, end, now=now, activity=activity)


def person_routine_ids(campus, user, role):
    """The ids of the campus's active routines whose role is `role` or that name the user."""
    out = []
    for routine in Routine.select(Routine.id, Routine.role, Routine.people).where(
            (Routine.campus == campus) & Routine.active & Routine.retired_at.is_null()):
        if (role and routine.role == role) or user.id in [int(u) for u in routine.people or ()]:
            out.append(routine.id)
    return out


def slots_for_person(campus, user, role, now=None):
    """今日任务: the person's slots today by what to do about them, and the next day's when none is left."""
    now = now or clock.utcnow()
    campus = campus if isinstance(campus, Campus) else Campus.get_by_id(campus)
    zone = clock.zone_name(campus)
    ids = person_routine_ids(campus.id, user, role)
    if not ids:
        return PersonTasks([], [], [], [], [], [])
    today = clock.today(zone, now)
    start, end = clock.day_bounds(today, zone)
    slots = campus_slots(campus, start, end, now=now, routine_ids=ids)
    upcoming = [s for s in slots if s.status == 'upcoming']
    due = [s for s in slots if s.status == 'due']
    following = []
    if not upcoming and not due:  # the week ahead in one pass, then its first day with something to do
        week = [s for s in campus_slots(campus, end, clock.day_bounds(today + datetime.timedelta(days=7), zone)[1],
                                        now=now, routine_ids=ids) if s.status in ('upcoming', 'due')]
        for ahead in range(1, 8):
            day_start, day_end = clock.day_bounds(today + datetime.timedelta(days=ahead), zone)
            following = [s for s in week if in_period(s, day_start, day_end)]
            if following:
                break
    return PersonTasks(slots, sorted(due, key=lambda s: (s.end, s.start)), upcoming,
                       [s for s in slots if s.status == 'missed'], [s for s in slots if s.satisfied],
                       following)


def campaign_progress(routine, now=None):
    """A campaign's slots counted: how many targets are done, late, missed, due, upcoming, and what remains."""
    now = now or clock.utcnow()
    spec = routine.schedule or {}
    campus = Campus.get_by_id(routine.campus_id)
    zone = clock.zone_name(campus)
    if spec.get('type') != 'campaign':
        return Progress(0, 0, 0, 0, 0, 0, [])
    start = clock.to_utc(datetime.datetime.fromisoformat(spec['start']), zone)
    deadline = clock.to_utc(datetime.datetime.fromisoformat(spec['deadline']), zone)
    slots = campus_slots(campus, start, deadline, now=now, routine_ids=[routine.id])
    c = counts(slots)
    remaining = [s for s in slots if s.status in ('due', 'upcoming', 'missed')]
    return Progress(len(slots), c['done'], c['late'], c['missed'], c['due'], c['upcoming'], remaining, start,
                    deadline)


# Missed slots: told once each ----------------------------------------------------------------------------


def check_missed(campus, now=None):
    """Notify the slots missed since the last check, each once ever; returns how many slots were notified."""
    now = now or clock.utcnow()
    campus = campus if isinstance(campus, Campus) else Campus.get_by_id(campus)
    database_in_use = database.obj
    since = now - NOTICE_LOOKBACK
    start = since - datetime.timedelta(days=1)
    found = engine_inputs(campus, start, now, now)
    if found is None:
        return 0
    routines, targets, infos, cal, records = found
    zone = clock.zone_name(campus)
    slots = [s for s in compliance([rule_of(r) for r in routines], targets, cal, records, start, now, now, zone,
                                   ('missed',)) if s.end >= since]
    if not slots:
        return 0
    told = set(RoutineNotice.select(RoutineNotice.routine, RoutineNotice.target_type, RoutineNotice.target_id,
                                    RoutineNotice.window_start).where(
        RoutineNotice.routine.in_(sorted({s.routine_id for s in slots}))
        & RoutineNotice.window_start.in_(sorted({s.start for s in slots}))).tuples())  # exact: the index's pairs
    # Only the slots not told yet are described (names, labels, people): usually none.
    fresh = describe([s for s in slots if (s.routine_id, s.target_type, s.target_id, s.start) not in told],
                     {r.id: r for r in routines}, infos, zone)
    by_routine = {}
    for slot in fresh:
        by_routine.setdefault(slot.routine.id, []).append(slot)
    notified = 0
    for routine_slots in by_routine.values():
        if database.obj is not database_in_use:
            break  # the process now serves another database (tests): write nothing into it
        notified += notify_routine(campus, routine_slots, now)
    return notified


def notify_routine(campus, slots, now):
    """Claim the routine's missed slots (one RoutineNotice each) and queue one notice for those claimed."""
    routine = slots[0].routine
    with write_transaction():
        claimed = []
        for slot in slots:
            try:
                with write_transaction():
                    RoutineNotice.create(routine=routine.id, target_type=slot.target_type, target_id=slot.target_id,
                                         window_start=slot.start, created_at=now)
                claimed.append(slot)
            except IntegrityError:
                continue  # another checker told this one
        if claimed:
            people = list(User.select().where(User.id.in_([int(u) for u in routine.people or ()] or [0])
                                              & User.active))
            roles = set(MANAGER_ROLES) | ({routine.role} if routine.role and not people else set())
            subject, body = compose_missed(routine, claimed, clock.zone_name(campus))
            day = clock.to_local(claimed[0].start, clock.zone_name(campus)).date()
            enqueue(campus.id, 'routine', subject, body, roles=roles, people=people,
                    link=f'/admin/routines/slots?routine={routine.id}&status=missed&day={day.isoformat()}')
    return len(claimed)


def compose_missed(routine, slots, zone):
    """(subject, text) about a routine's missed slots, in the site's default language."""
    with force_locale(message_locale()):
        subject = _('[Routine] %(n)d missed: %(routine)s', n=len(slots), routine=routine.name)
        lines = [subject]
        for slot in slots[:30]:
            window = (f'{clock.to_local(slot.start, zone):%m-%d}' if slot.whole else
                      f'{clock.to_local(slot.start, zone):%m-%d %H:%M}–{clock.to_local(slot.end, zone):%H:%M}')
            lines.append(f'{slot.target_path or slot.target_name}  {window}')
        if len(slots) > 30:
            lines.append(_('… and %(n)d more.', n=len(slots) - 30))
    return subject, '\n'.join(lines)


SCHEDULED_EVERY_SECONDS = 60  # the delivery worker runs check_all_campuses at most once a minute


def check_all_campuses(now=None):
    """check_missed on every campus that has active routines (the delivery worker's scheduled check)."""
    now = now or clock.utcnow()
    total = 0
    campus_ids = sorted({r.campus_id for r in Routine.select(Routine.campus).where(
        Routine.active & Routine.retired_at.is_null())})
    for campus_id in campus_ids:
        total += check_missed(Campus.get_by_id(campus_id), now)
    return total


def role_name(role):
    """The readable name of a routine's role, or ''."""
    return str(ROLE_LABELS.get(role, role)) if role else ''


def members_of(campus, role):
    """Active users holding the role on the campus (for showing a routine's assignees)."""
    return people_with_roles(campus, [role]) if role else []

