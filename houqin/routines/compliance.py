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
import dataclasses
import datetime

from houqin.clock import to_local
from houqin.routines.schedule import Calendar, windows

STATUSES = ('done', 'late', 'missed', 'due', 'upcoming')
CLOSED = ('done', 'late', 'missed')  # the statuses an on-time rate counts
TICK = datetime.timedelta(microseconds=1)


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
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        inside = [i for i, (a, b, _l) in enumerate(spans) if a <= record.at < b and i not in taken]
        if inside:
            taken[min(inside, key=lambda i: (spans[i][0], i))] = (record, False)
            continue
        after = [i for i, (_a, b, limit) in enumerate(spans) if b <= record.at < limit and i not in taken]
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
    """True when a slot belongs to the period: its window starts in it, or a whole period overlaps it."""
    return start <= slot.start < end or (slot.whole and slot.start < end and slot.end > start)


def routine_slots(rule, targets, cal, records, start, end, now, zone):
    """The slots of one routine in the period [start, end), each with its status at `now`."""
    first = to_local(start, zone).date() - datetime.timedelta(days=1)
    last = to_local(end - datetime.timedelta(microseconds=1), zone).date()
    shared = None
    by_target = {}
    for record in records:
        if record.activity == rule.activity and record.at <= now:
            by_target.setdefault((record.target_type, record.target_id), []).append(record)
    out = []
    for target in targets:
        if target.type != rule.target_type:
            continue
        if rule.schedule['type'] in ('by_date',):
            found = windows(rule.schedule, first, last, zone, cal, rule.calendar, target.dates)
        else:
            if shared is None:
                shared = windows(rule.schedule, first, last, zone, cal, rule.calendar)
            found = shared
        found = [w for w in found if target.active_at(w.end - TICK if w.whole else w.start)
                 and (rule.created_at is None or w.end > rule.created_at)
                 and (rule.retired_at is None or w.start < rule.retired_at)]
        slots = [Slot(rule.id, target.type, target.id, w.start, w.end, w.late_limit, w.day, w.whole) for w in found]
        taken, _extras = match_records([(s.start, s.end, s.late_limit) for s in slots],
                                       by_target.get((target.type, target.id), ()))
        for i, slot in enumerate(slots):
            if i in taken:
                record, late = taken[i]
                slot.status, slot.record_id, slot.user_id, slot.done_at = ('late' if late else 'done'), record.id, \
                    record.user_id, record.at
            else:
                slot.status = status_at(slot, now)
            if in_period(slot, start, end):
                out.append(slot)
    return out


def compliance(rules, targets, cal, records, start, end, now, zone):
    """Every slot of the routines in [start, end) at `now`, ordered by start, routine and target.

    rules: [Rule]; targets: {rule id: [Target]}; cal: schedule.Calendar; records: [Done] (any order).
    """
    out = []
    for rule in rules:
        out.extend(routine_slots(rule, targets.get(rule.id, ()), cal or Calendar(), records, start, end, now, zone))
    return sorted(out, key=lambda s: (s.start, s.routine_id, s.target_type, s.target_id))


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
