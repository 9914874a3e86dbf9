"""When a routine is due, as pure functions: a schedule spec (stored JSON) in, windows in naive UTC out.

Specs (all times are the campus's wall clock):
  {'type': 'windows', 'windows': [['07:00', '09:00'], ['22:00', '06:00']]}   N times a day; may cross midnight
  {'type': 'times', 'times': ['07:50', '14:30'], 'tolerance': 15}           fixed times ± minutes
  {'type': 'daily'}                                                          the whole day
  {'type': 'weekly'} / {'type': 'weekly', 'weekdays': [0, 2]}                the whole week / each of those days
  {'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-09-07', 'weekday': 4}    every n weeks from the anchor's week
                                                                             (that day, or the whole week)
  {'type': 'monthly'} / {'type': 'monthly', 'day': 5}                        the month (from its 1st, or the day)
  {'type': 'term'}                                                           each term of the calendar
  {'type': 'by_date', 'field': 'expires_on', 'days_before': 30}              per target, before its date
  {'type': 'campaign', 'start': '2026-04-20T00:00', 'deadline': '2026-04-30T18:00'}   one window per target

Wall-clock rules (as in patrol/rounds.py): a wall time that does not exist (spring-forward) moves forward by the
gap, an ambiguous one (fall-back) is its first occurrence — zoneinfo's fold=0 reading, through clock.to_utc.
A window crossing midnight belongs to the day it starts. Weekday rules read a make-up working day as the
weekday it replaces. The late limit of a window is the start of the next window of the same schedule (for
windows and times), or the end of the day after the window (for whole periods, by-date and campaigns).
"""
import calendar as month_calendar
import dataclasses
import datetime

from flask_babel import gettext as _

from houqin.clock import to_utc

DAY = datetime.timedelta(days=1)
TYPES = ('windows', 'times', 'daily', 'weekly', 'every_n_weeks', 'monthly', 'term', 'by_date', 'campaign')
AT_TIMES = ('windows', 'times')          # several windows a day: the late limit is the next window's start
PER_TARGET = ('by_date', 'campaign')     # windows that do not follow the calendar's days
CALENDAR_MODES = ('school_days', 'every_day', 'holidays')
DATE_FIELDS = ('expires_on', 'purchased_on')
LOOKAHEAD_DAYS = 14  # how far ahead the next window is looked for, for a late limit


class ScheduleError(ValueError):
    """A schedule spec that cannot be used; the message says what is wrong, in the user's language."""


@dataclasses.dataclass(frozen=True)
class Calendar:
    """A campus calendar: terms and holidays as (first, last) date ranges, make-up days as {date: weekday}."""
    terms: tuple = ()
    holidays: tuple = ()
    makeups: tuple = ()  # ((date, weekday it counts as), ...)

    def makeup_weekday(self, day):
        """The weekday a make-up working day counts as, or None when the day is no make-up day."""
        for made_up, weekday in self.makeups:
            if made_up == day:
                return weekday
        return None

    def weekday(self, day):
        """The weekday (Mon=0) a day counts as: a make-up day counts as the day it replaces."""
        made_up = self.makeup_weekday(day)
        return day.weekday() if made_up is None else made_up

    def is_holiday(self, day):
        """True when the day is in a holiday range and is not a make-up working day."""
        return self.makeup_weekday(day) is None and any(a <= day <= b for a, b in self.holidays)

    def in_term(self, day):
        """True when the day is in a term (every day is, when the calendar has no terms)."""
        return not self.terms or any(a <= day <= b for a, b in self.terms)

    def is_school_day(self, day):
        """A make-up day, or a weekday in a term that is not a holiday."""
        if self.makeup_weekday(day) is not None:
            return True
        return day.weekday() < 5 and not self.is_holiday(day) and self.in_term(day)

    def runs_on(self, mode, day):
        """True when a routine with this calendar mode runs on the day."""
        if mode == 'every_day':
            return True
        if mode == 'holidays':
            return not self.is_school_day(day)
        return self.is_school_day(day)


@dataclasses.dataclass(frozen=True)
class Window:
    """One window of a schedule: naive-UTC start, end and late limit, the local day it belongs to."""
    start: datetime.datetime
    end: datetime.datetime
    late_limit: datetime.datetime
    day: datetime.date
    whole: bool = False  # a whole period (day, week, month, term, by-date, campaign), not a time of day


# Parsing and validation --------------------------------------------------------------------------------


def parse_hhmm(text):
    """A wall-clock time from 'HH:MM' ('24:00' is midnight); ScheduleError otherwise."""
    value = str(text if text is not None else '').strip().replace('：', ':')
    hours, sep, minutes = value.partition(':')
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise ScheduleError(_('"%(value)s" is not a time of day (write it like 07:30).', value=value))
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return datetime.time(0, 0)
    if h > 23 or m > 59:
        raise ScheduleError(_('"%(value)s" is not a time of day (write it like 07:30).', value=value))
    return datetime.time(h, m)


def parse_date(text):
    """A date from 'YYYY-MM-DD'; ScheduleError otherwise."""
    if isinstance(text, datetime.date) and not isinstance(text, datetime.datetime):
        return text
    try:
        return datetime.date.fromisoformat(str(text or '').strip())
    except ValueError:
        raise ScheduleError(_('"%(value)s" is not a date (write it like 2026-09-07).', value=text)) from None


def parse_local_datetime(text):
    """A naive local date and time from 'YYYY-MM-DDTHH:MM' (or a space instead of T); ScheduleError otherwise."""
    try:
        moment = datetime.datetime.fromisoformat(str(text or '').strip().replace(' ', 'T'))
    except ValueError:
        raise ScheduleError(_('"%(value)s" is not a date and time (write it like 2026-04-30 18:00).',
                              value=text)) from None
    return moment.replace(tzinfo=None, second=0, microsecond=0)


def minutes_of(t):
    """Minutes after midnight of a wall-clock time."""
    return t.hour * 60 + t.minute


def _int(value, low, high, message):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ScheduleError(message) from None
    if isinstance(value, bool) or not low <= number <= high:
        raise ScheduleError(message)
    return number


def _weekdays(values):
    if not isinstance(values, (list, tuple)):
        raise ScheduleError(_('Weekdays must be a list of numbers from 0 (Monday) to 6 (Sunday).'))
    days = sorted({_int(v, 0, 6, _('Weekdays must be a list of numbers from 0 (Monday) to 6 (Sunday).'))
                   for v in values})
    return days


def time_windows(spec):
    """The schedule's daily windows as (start minutes, length minutes), in order (windows and times only)."""
    if spec['type'] == 'windows':
        out = []
        for start, end in spec['windows']:
            a, b = minutes_of(parse_hhmm(start)), minutes_of(parse_hhmm(end))
            out.append((a, (b - a) % (24 * 60)))
        return sorted(out)
    tolerance = int(spec.get('tolerance', 0))
    return sorted((minutes_of(parse_hhmm(t)) - tolerance, 2 * tolerance) for t in spec['times'])


def validate(spec):
    """The spec checked and normalised (a new dict); ScheduleError with a message for the person otherwise."""
    if not isinstance(spec, dict) or spec.get('type') not in TYPES:
        raise ScheduleError(_('Please choose when the routine is due.'))
    kind = spec['type']
    out = {'type': kind}
    if kind == 'windows':
        windows = spec.get('windows')
        if not isinstance(windows, (list, tuple)) or not windows:
            raise ScheduleError(_('Please give at least one time window.'))
        pairs = []
        for pair in windows:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ScheduleError(_('Each window needs a start and an end time.'))
            start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
            if start == end:
                raise ScheduleError(_('A window must not end when it starts (%(start)s).', start=pair[0]))
            pairs.append([f'{start:%H:%M}', f'{end:%H:%M}'])
        out['windows'] = sorted(pairs)
    elif kind == 'times':
        times = spec.get('times')
        if not isinstance(times, (list, tuple)) or not times:
            raise ScheduleError(_('Please give at least one check time.'))
        out['times'] = sorted({f'{parse_hhmm(t):%H:%M}' for t in times})
        out['tolerance'] = _int(spec.get('tolerance', 15), 1, 360,
                                _('The tolerance must be a whole number of minutes from 1 to 360.'))
    elif kind == 'weekly':
        if spec.get('weekdays'):
            out['weekdays'] = _weekdays(spec['weekdays'])
    elif kind == 'every_n_weeks':
        out['n'] = _int(spec.get('n'), 2, 52, _('"Every N weeks" needs N from 2 to 52.'))
        out['anchor'] = parse_date(spec.get('anchor')).isoformat()
        if spec.get('weekday') is not None and spec.get('weekday') != '':
            out['weekday'] = _int(spec['weekday'], 0, 6, _('The weekday must be from 0 (Monday) to 6 (Sunday).'))
    elif kind == 'monthly':
        if spec.get('day') not in (None, '', 1):
            out['day'] = _int(spec['day'], 1, 28, _('The day of the month must be from 1 to 28.'))
    elif kind == 'by_date':
        if spec.get('field') not in DATE_FIELDS:
            raise ScheduleError(_('Please choose which date of the asset the routine follows.'))
        out['field'] = spec['field']
        out['days_before'] = _int(spec.get('days_before'), 0, 366,
                                  _('"Days before" must be a whole number from 0 to 366.'))
    elif kind == 'campaign':
        start, deadline = parse_local_datetime(spec.get('start')), parse_local_datetime(spec.get('deadline'))
        if deadline <= start:
            raise ScheduleError(_('The deadline must come after the start.'))
        out['start'], out['deadline'] = f'{start:%Y-%m-%dT%H:%M}', f'{deadline:%Y-%m-%dT%H:%M}'
    if kind in AT_TIMES:
        spans = time_windows(out)
        for (a, la), (b, _lb) in zip(spans, spans[1:] + [(spans[0][0] + 24 * 60, 0)]):
            if len(spans) > 1 and a + la > b:
                raise ScheduleError(_('The windows overlap; each must end before the next one starts.'))
    return out


# Windows -------------------------------------------------------------------------------------------------


def wall(day, minutes, zone):
    """Naive UTC of a wall-clock time `minutes` after local midnight of `day` (may run into later days)."""
    day = day + datetime.timedelta(days=minutes // (24 * 60))
    minutes %= 24 * 60
    return to_utc(datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60)), zone)


def midnight(day, zone):
    """Naive UTC of local midnight at the start of `day`."""
    return wall(day, 0, zone)


def days(first, last):
    """Every date from first to last, inclusive."""
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def windows(spec, first, last, zone, cal=Calendar(), mode='school_days', target_dates=None):
    """The schedule's windows belonging to local days first..last (whole periods overlapping them), in order.

    target_dates: the target's dates ({'expires_on': date}) for a by-date schedule.
    """
    kind = spec['type']
    if kind in AT_TIMES:
        return _time_of_day_windows(spec, first, last, zone, cal, mode)
    if kind == 'campaign':
        start = to_utc(parse_local_datetime(spec['start']), zone)
        end = to_utc(parse_local_datetime(spec['deadline']), zone)
        anchor = parse_local_datetime(spec['start']).date()
        deadline_day = parse_local_datetime(spec['deadline']).date()
        if anchor > last or deadline_day < first:
            return []
        return [Window(start, end, midnight(deadline_day + 2 * DAY, zone), anchor, True)]
    if kind == 'by_date':
        due = (target_dates or {}).get(spec['field'])
        if due is None:
            return []
        opens = due - datetime.timedelta(days=int(spec.get('days_before', 0)))
        if opens > last or due < first:
            return []
        return [_period(opens, due, zone)]
    periods = []
    if kind == 'daily':
        periods = [(d, d) for d in days(first, last) if cal.runs_on(mode, d)]
    elif kind == 'weekly' and spec.get('weekdays'):
        wanted = set(spec['weekdays'])
        periods = [(d, d) for d in days(first, last) if cal.runs_on(mode, d) and cal.weekday(d) in wanted]
    elif kind in ('weekly', 'every_n_weeks'):
        monday = first - datetime.timedelta(days=first.weekday())
        anchor = parse_date(spec['anchor']) if kind == 'every_n_weeks' else None
        while monday <= last:
            sunday = monday + datetime.timedelta(days=6)
            if anchor is None or ((monday - (anchor - datetime.timedelta(days=anchor.weekday()))).days // 7) \
                    % int(spec['n']) == 0:
                if kind == 'every_n_weeks' and spec.get('weekday') is not None:
                    periods += [(d, d) for d in days(monday, sunday) if first <= d <= last
                                and cal.runs_on(mode, d) and cal.weekday(d) == spec['weekday']]
                elif any(cal.runs_on(mode, d) for d in days(monday, sunday)):
                    periods.append((monday, sunday))
            monday += datetime.timedelta(days=7)
    elif kind == 'monthly':
        month = first.replace(day=1)
        while month <= last:
            end = month.replace(day=month_calendar.monthrange(month.year, month.month)[1])
            opens = month.replace(day=int(spec.get('day', 1)))
            if any(cal.runs_on(mode, d) for d in days(opens, end)):
                periods.append((opens, end))
            month = end + DAY
    elif kind == 'term':
        periods = [(a, b) for a, b in sorted(cal.terms) if a <= last and b >= first]
    return [_period(a, b, zone) for a, b in periods]


def _period(first, last, zone):
    """The window of whole local days first..last; late until the end of the following day."""
    return Window(midnight(first, zone), midnight(last + DAY, zone), midnight(last + 2 * DAY, zone), first, True)


def _time_of_day_windows(spec, first, last, zone, cal, mode):
    spans = time_windows(spec)
    found = []
    for day in days(first, last + datetime.timedelta(days=LOOKAHEAD_DAYS)):
        if not cal.runs_on(mode, day):
            continue
        for start, length in spans:
            a, b = wall(day, start, zone), wall(day, start + length, zone)
            if b > a:  # a window inside a skipped hour has no time at all
                found.append((day, a, b))
        if day > last and found and found[-1][0] > last:
            break
    out = []
    for i, (day, a, b) in enumerate(found):
        if day > last:
            break
        following = found[i + 1][1] if i + 1 < len(found) else b + DAY
        out.append(Window(a, b, max(b, following), day))
    return out
