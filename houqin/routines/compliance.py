"""The compliance engine as pure functions: routines, targets, the campus calendar, records and a period in;
every slot with its status out. Times in and out are naive UTC, as stored. /work/shared/ROUTINES.md (and
docs/ARCHITECTURE.md) give the product rules; in short:

- a slot is (routine, target, window); a target counts only while it exists: at the window's start for a time
  of day, at the period's end for a whole period (an extinguisher registered on the 5th is due that month; one
  scrapped mid-month is not missed), a routine only from its creation (a window still open when it was made
  counts) until it was retired;
- at `now` a slot is upcoming (now < start), due (inside its window, not satisfied), done (satisfied by a
  record inside the window), late (satisfied after the end but before the late limit) or missed (ended and
  not satisfied; once the late limit passes it can never be satisfied);
- matching: the routine's records at the target in time order; each satisfies the earliest unsatisfied slot
  whose window contains it, else the latest unsatisfied ended slot whose late limit it beats (late), else it
  is an extra record. One record satisfies at most one slot. A record counts for its own target: a record
  at a place is not a record at the place's assets, nor the other way round.
"""
import bisect
import dataclasses
import datetime
import operator

from houqin.clock import to_local
from houqin.routines.schedule import Calendar, windows

STATUSES = ('done', 'late', 'missed', 'due', 'upcoming')
CLOSED = ('done', 'late', 'missed')  # the statuses an on-time rate counts
TICK = datetime.timedelta(microseconds=1)
SLOT_ORDER = operator.attrgetter('start', 'routine_id', 'target_type', 'target_id')


@dataclasses.dataclass(frozen=True)
class Rule:
    """What the engine needs of a routine: its activity, target type, schedule, calendar mode and lifetime."""
    id: int
    activity: str
    target_type: str  # 'place' | 'item'
    schedule: dict
    calendar: str = 'school_days'
    created_at: datetime.datetime = None
    retired_at: datetime.datetime = None


@dataclasses.dataclass(frozen=True)
class Target:
    """A place or an asset a routine covers, with when it came and went and its dates (for by-date schedules)."""
    type: str  # 'place' | 'item'
    id: int
    active_from: datetime.datetime = None
    retired_at: datetime.datetime = None
    dates: dict = dataclasses.field(default_factory=dict, hash=False, compare=False)

    def active_at(self, moment):
        """True when the target existed at the moment."""
        return ((self.active_from is None or self.active_from <= moment)
                and (self.retired_at is None or moment < self.retired_at))


@dataclasses.dataclass(frozen=True)
class Done:
    """A record as the engine sees it: who did which activity at which target when."""
    id: int
    target_type: str
    target_id: int
    activity: str
    at: datetime.datetime
    user_id: int = None


@dataclasses.dataclass
class Slot:
    """One (routine, target, window) and what became of it."""
    routine_id: int
    target_type: str
    target_id: int
    start: datetime.datetime
    end: datetime.datetime
    late_limit: datetime.datetime
    day: datetime.date           # the campus-local day the window belongs to (its first day)
    whole: bool                  # a whole period rather than a time of day
    status: str = 'upcoming'
    record_id: int = None
    user_id: int = None
    done_at: datetime.datetime = None

    @property
    def target(self):
        return self.target_type, self.target_id

    @property
    def satisfied(self):
        return self.status in ('done', 'late')


def match_records(spans, records):
    """Assign records (sorted by time) to windows [(start, end, late_limit)]; one record satisfies one window.

    Returns ({window index: (record, late)}, [extra records]).
    """
    taken, extras = {}, []
    starts, limits = [a for a, _b, _l in spans], [limit for _a, _b, limit in spans]
    ordered = all(x <= y for x, y in zip(starts, starts[1:])) and all(x <= y for x, y in zip(limits, limits[1:]))
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        # Only a window with start <= at < late limit can take the record: with windows in order (a schedule's
        # are), those are one run of indices, found by bisection instead of reading every window.
        near = range(bisect.bisect_right(limits, record.at), bisect.bisect_right(starts, record.at)) if ordered \
            else range(len(spans))
        inside = [i for i in near if spans[i][0] <= record.at < spans[i][1] and i not in taken]
        if inside:
            taken[min(inside, key=lambda i: (spans[i][0], i))] = (record, False)
            continue
        after = [i for i in near if spans[i][1] <= record.at < spans[i][2] and i not in taken]
        if after:
            taken[max(after, key=lambda i: (spans[i][1], spans[i][0], i))] = (record, True)
        else:
            extras.append(record)
    return taken, extras


def status_at(slot, now):
    """The status of an unsatisfied slot at `now`."""
    if now < slot.start:
        return 'upcoming'
    if now < slot.end:
        return 'due'
    return 'missed'


def in_period(slot, start, end):
    """True when a slot (or a window) belongs to the period: its window starts in it, or a whole period overlaps it."""
    return start <= slot.start < end or (slot.whole and slot.start < end and slot.end > start)


def check_moment(window):
    """When a target must exist for a window to count: its start, or for a whole period its last moment."""
    return window.end - TICK if window.whole else window.start


def routine_windows(rule, first, last, zone, cal, dates=None):
    """The rule's windows for local days first..last within its lifetime (from creation until retired)."""
    return [w for w in windows(rule.schedule, first, last, zone, cal, rule.calendar, dates)
            if (rule.created_at is None or w.end > rule.created_at)
            and (rule.retired_at is None or w.start < rule.retired_at)]


def records_by_target(records, now):
    """{(activity, target type, target id): [Done]} of the records made by `now`."""
    out = {}
    for record in records:
        if record.at <= now:
            out.setdefault((record.activity, record.target_type, record.target_id), []).append(record)
    return out


def routine_slots(rule, targets, cal, records, start, end, now, zone, indexed=None, statuses=None):
    """The slots of one routine in the period [start, end), each with its status at `now`.

    indexed: records_by_target(records, now), when the caller has it already (then `records` is not read);
    statuses: only the slots with one of these statuses (the others are still matched, not returned)."""
    first = to_local(start, zone).date() - datetime.timedelta(days=1)
    last = to_local(end - datetime.timedelta(microseconds=1), zone).date()
    by_target = indexed if indexed is not None else records_by_target(records, now)
    per_target = rule.schedule['type'] == 'by_date'
    shared = None if per_target else routine_windows(rule, first, last, zone, cal)
    if shared:
        earliest, latest = min(map(check_moment, shared)), max(map(check_moment, shared))
    out = []
    for target in targets:
        if target.type != rule.target_type:
            continue
        if per_target:
            found = [w for w in routine_windows(rule, first, last, zone, cal, target.dates)
                     if target.active_at(check_moment(w))]
        elif not shared:
            continue
        elif target.active_at(earliest) and target.active_at(latest):
            found = shared  # the target existed throughout: every window counts (the usual case, and cheap)
        else:
            found = [w for w in shared if target.active_at(check_moment(w))]
        own = by_target.get((rule.activity, target.type, target.id))
        taken = match_records([(w.start, w.end, w.late_limit) for w in found], own)[0] if own else {}
        for i, w in enumerate(found):
            if not in_period(w, start, end):
                continue  # a window before the period, read only for matching its records
            if i in taken:
                record, late = taken[i]
                status = 'late' if late else 'done'
            else:
                record, status = None, status_at(w, now)
            if statuses is not None and status not in statuses:
                continue
            slot = Slot(rule.id, target.type, target.id, w.start, w.end, w.late_limit, w.day, w.whole, status)
            if record is not None:
                slot.record_id, slot.user_id, slot.done_at = record.id, record.user_id, record.at
            out.append(slot)
    return out


def compliance(rules, targets, cal, records, start, end, now, zone, statuses=None):
    """Every slot of the routines in [start, end) at `now`, ordered by start, routine and target.

    rules: [Rule]; targets: {rule id: [Target]}; cal: schedule.Calendar; records: [Done] (any order);
    statuses: only the slots with one of these statuses (e.g. ('missed',) for the notices).
    """
    indexed = records_by_target(records, now)
    out = []
    for rule in rules:
        out.extend(routine_slots(rule, targets.get(rule.id, ()), cal or Calendar(), (), start, end, now, zone, indexed,
                                 statuses))
    return sorted(out, key=SLOT_ORDER)


def compliance_counts(rules, targets, cal, records, start, end, now, zone, bucket):
    """{bucket(slot): {status: how many}} of every slot compliance() would return, without making the slots.

    bucket(slot) -> a key (e.g. the local day the slot closes); it is called with windows and slots alike, so it
    may read only .start, .end, .day and .whole. A routine's targets that existed throughout the period share one
    count per window, corrected only where a target's records satisfied a window: the cost follows the windows
    and the records, not windows × targets."""
    indexed = records_by_target(records, now)
    cal = cal or Calendar()
    out = {}

    def add(key, status, n=1):
        found = out.get(key)
        if found is None:
            found = out[key] = dict.fromkeys(STATUSES, 0)
        found[status] += n
    for rule in rules:
        own = [t for t in targets.get(rule.id, ()) if t.type == rule.target_type]
        rest = own
        if rule.schedule['type'] != 'by_date':
            first = to_local(start, zone).date() - datetime.timedelta(days=1)
            last = to_local(end - datetime.timedelta(microseconds=1), zone).date()
            shared = routine_windows(rule, first, last, zone, cal)
            if not shared:
                continue
            earliest, latest = min(map(check_moment, shared)), max(map(check_moment, shared))
            throughout = [t for t in own if t.active_at(earliest) and t.active_at(latest)]
            rest = [t for t in own if not (t.active_at(earliest) and t.active_at(latest))]
            keys = [bucket(w) if in_period(w, start, end) else None for w in shared]
            unsatisfied = [status_at(w, now) for w in shared]
            if throughout:
                for i, key in enumerate(keys):
                    if key is not None:
                        add(key, unsatisfied[i], len(throughout))
            spans = [(w.start, w.end, w.late_limit) for w in shared]
            for target in throughout:
                done = indexed.get((rule.activity, target.type, target.id))
                if not done:
                    continue
                for i, (_record, late) in match_records(spans, done)[0].items():
                    if keys[i] is not None:
                        add(keys[i], unsatisfied[i], -1)
                        add(keys[i], 'late' if late else 'done')
        for slot in routine_slots(rule, rest, cal, (), start, end, now, zone, indexed):
            add(bucket(slot), slot.status)
    return out


def counts(slots):
    """{status: how many} for every status (zeros included)."""
    found = dict.fromkeys(STATUSES, 0)
    for slot in slots:
        found[slot.status] += 1
    return found


def on_time_rate(slots):
    """done ÷ (done + late + missed), or None when no slot is closed yet."""
    c = counts(slots)
    closed = c['done'] + c['late'] + c['missed']
    return c['done'] / closed if closed else None
