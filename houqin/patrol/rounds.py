"""Patrol rounds as pure functions: shift windows in a campus's zone, the rounds of a night, the round a moment
falls in, and what a finished round's scans amount to. Times in and out are naive UTC, as stored.

Wall-clock rules, for the two nights a year when clocks change in zones that have daylight saving time:
shift and round starts are wall-clock times on the campus's clock. A wall time that does not exist (the hour
skipped in spring) falls the length of the gap later (02:30 → 03:30); a wall time that happens twice (the
hour repeated in autumn) is its first occurrence. A round lasts until the next round starts, the last one
until the shift ends, so rounds stay contiguous and a night's real length is what the clock says.
"""
import dataclasses
import datetime
from zoneinfo import ZoneInfo

from houqin.clock import to_local

UTC = datetime.timezone.utc
DAY_MINUTES = 24 * 60
DEFAULT_GRACE_MINUTES = 15
DEFAULT_EVERY_MINUTES = 120
NOON = 12  # a duty night runs from noon to noon: a note at 03:00 belongs to the night before


class PlanError(ValueError):
    """A round plan that cannot be scheduled; the message names the problem (in English, for logs)."""


@dataclasses.dataclass(frozen=True)
class RoundPlan:
    """How a night is patrolled: the shift window and either fixed round starts or one every N minutes."""
    shift_start: datetime.time
    shift_end: datetime.time
    starts: tuple = ()                  # fixed wall-clock starts; empty: every `every_minutes`
    every_minutes: int = DEFAULT_EVERY_MINUTES
    grace_minutes: int = DEFAULT_GRACE_MINUTES

    @classmethod
    def from_values(cls, shift_start, shift_end, starts=(), every_minutes=None, grace_minutes=None):
        """A plan from stored text values ('22:00', ['22:00', '01:00'], 120, 15)."""
        return cls(parse_hhmm(shift_start), parse_hhmm(shift_end), tuple(sorted_starts(starts, shift_start)),
                   int(every_minutes or DEFAULT_EVERY_MINUTES),
                   DEFAULT_GRACE_MINUTES if grace_minutes is None else int(grace_minutes))

    def shift_minutes(self):
        """The shift's length on the wall clock, in minutes (a start equal to the end means 24 hours)."""
        return (minutes_of(self.shift_end) - minutes_of(self.shift_start)) % DAY_MINUTES or DAY_MINUTES

    def start_offsets(self):
        """Minutes after the shift start (wall clock) at which rounds start, in order."""
        length = self.shift_minutes()
        if self.starts:
            offsets = {(minutes_of(t) - minutes_of(self.shift_start)) % DAY_MINUTES for t in self.starts}
            return sorted(o for o in offsets if o < length)
        if self.every_minutes <= 0:
            raise PlanError('every_minutes must be positive')
        return list(range(0, length, self.every_minutes))


@dataclasses.dataclass(frozen=True)
class Round:
    """One round of one night: from its start to the next round's start (or the shift end), plus grace."""
    night: datetime.date
    index: int
    start: datetime.datetime
    end: datetime.datetime
    grace_minutes: int = DEFAULT_GRACE_MINUTES
    holiday: bool = False

    @property
    def due(self):
        """When the round is over for good: its end plus the grace period."""
        return self.end + datetime.timedelta(minutes=self.grace_minutes)

    def contains(self, moment):
        """True when a scan at this moment may count for this round (late ones included, up to the grace)."""
        return self.start <= moment < self.due

    def is_late(self, moment):
        """True when a scan at this moment came after the round's end, in its grace period."""
        return self.end <= moment < self.due


def parse_hhmm(text):
    """A wall-clock time from 'H:MM' or 'HH:MM' ('24:00' is midnight); ValueError otherwise."""
    if isinstance(text, datetime.time):
        return text
    value = str(text or '').strip().replace('：', ':')
    hours, sep, minutes = value.partition(':')
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise ValueError(f'not a time of day: {text!r}')
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return datetime.time(0, 0)
    if h > 23 or m > 59:
        raise ValueError(f'not a time of day: {text!r}')
    return datetime.time(h, m)


def minutes_of(t):
    """Minutes after midnight of a wall-clock time."""
    return t.hour * 60 + t.minute


def hhmm(t):
    """'22:00' for a time of day."""
    return f'{t.hour:02d}:{t.minute:02d}'


def sorted_starts(starts, shift_start):
    """Fixed start times parsed and ordered from the shift start on (so 00:00 comes after 22:00)."""
    base = minutes_of(parse_hhmm(shift_start))
    times = {parse_hhmm(s) for s in starts or ()}
    return sorted(times, key=lambda t: (minutes_of(t) - base) % DAY_MINUTES)


def wall_to_utc(day, wall_minutes, zone):
    """Naive UTC for a wall-clock time `wall_minutes` after midnight of `day` (may run into later days)."""
    day = day + datetime.timedelta(days=wall_minutes // DAY_MINUTES)
    minutes = wall_minutes % DAY_MINUTES
    local = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), tzinfo=ZoneInfo(str(zone)))
    # zoneinfo reads a skipped wall time with the offset before the change (fold=0): 02:30 → 03:30.
    return local.astimezone(UTC).replace(tzinfo=None)


def shift_window(night, plan, zone):
    """(start, end) in naive UTC of the shift that starts on the local date `night`."""
    base = minutes_of(plan.shift_start)
    return wall_to_utc(night, base, zone), wall_to_utc(night, base + plan.shift_minutes(), zone)


def rounds_for_night(night, plan, zone, holiday=False):
    """The rounds of the shift starting on local date `night`, in order, as naive-UTC Rounds."""
    base = minutes_of(plan.shift_start)
    _start, shift_end = shift_window(night, plan, zone)
    starts = [wall_to_utc(night, base + offset, zone) for offset in plan.start_offsets()]
    rounds = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else shift_end
        if end > start:  # two wall times may meet in a skipped hour; that round has no time at all
            rounds.append(Round(night, len(rounds), start, end, plan.grace_minutes, holiday))
    return rounds


def is_holiday(night, holidays=(), weekdays=()):
    """True when the night is in one of the (first, last) date ranges or on one of the weekdays (Mon=0)."""
    return night.weekday() in set(weekdays or ()) or any(first <= night <= last for first, last in holidays)


def local_date(moment, zone):
    """The campus-local date of a naive-UTC moment."""
    return to_local(moment, zone).date()


def night_of(moment, zone):
    """The duty night a moment belongs to: the local date, or the day before when it is before noon."""
    local = to_local(moment, zone)
    return local.date() - datetime.timedelta(days=1) if local.hour < NOON else local.date()


def nights_between(first, last):
    """Every date from first to last, inclusive."""
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def rounds_at(moment, plan_for_night, zone):
    """The rounds (of the night before and this one) whose window, grace included, contains the moment.

    plan_for_night(night) -> (RoundPlan, holiday) or None when the night has no rounds.
    """
    today = local_date(moment, zone)
    found = []
    for night in (today - datetime.timedelta(days=1), today):
        chosen = plan_for_night(night)
        if chosen:
            plan, holiday = chosen
            found.extend(r for r in rounds_for_night(night, plan, zone, holiday) if r.contains(moment))
    return sorted(found, key=lambda r: r.start)


def next_round(moment, plan_for_night, zone, days=2):
    """The first round starting after the moment, looking a couple of nights ahead; None if there is none."""
    today = local_date(moment, zone)
    for night in nights_between(today - datetime.timedelta(days=1), today + datetime.timedelta(days=days)):
        chosen = plan_for_night(night)
        if chosen:
            for r in rounds_for_night(night, chosen[0], zone, chosen[1]):
                if r.start > moment:
                    return r
    return None


def due_rounds(since, until, plan_for_night, zone):
    """Rounds that started at or after `since` and whose grace ended by `until`, oldest first."""
    first = local_date(since, zone) - datetime.timedelta(days=1)
    found = []
    for night in nights_between(first, local_date(until, zone)):
        chosen = plan_for_night(night)
        if chosen:
            found.extend(r for r in rounds_for_night(night, chosen[0], zone, chosen[1])
                         if r.start >= since and r.due <= until)
    return found


def is_out_of_order(position, earlier_positions):
    """True when a stop is scanned after a stop that comes later on the route (the guard went back).

    Skipping ahead is not out of order: the skipped stop shows as skipped, and as missed if never scanned.
    """
    return any(p > position for p in earlier_positions)


def round_outcome(stop_ids, scans):
    """What a finished round amounts to, from the route's stop ids (in order) and its scans.

    scans: (stop_id, late, out_of_order, flagged) tuples. Returns a dict with the stop ids done, missed, late
    and out of order, the number of flagged scans, and a status: complete (every stop scanned), incomplete
    (some missed) or missed (no scan at all: a missed round, not nothing).
    """
    done, late, out_of_order, flagged = [], [], [], 0
    for stop_id, was_late, was_out_of_order, was_flagged in scans:
        if stop_id in stop_ids and stop_id not in done:
            done.append(stop_id)
        if was_late and stop_id not in late:
            late.append(stop_id)
        if was_out_of_order and stop_id not in out_of_order:
            out_of_order.append(stop_id)
        flagged += bool(was_flagged)
    missed = [s for s in stop_ids if s not in done]
    if not scans:
        status = 'missed'
    elif missed:
        status = 'incomplete'
    else:
        status = 'complete'
    return {'status': status, 'done': [s for s in stop_ids if s in done], 'missed': missed, 'late': late,
            'out_of_order': out_of_order, 'flagged': flagged, 'scans': len(scans)}
