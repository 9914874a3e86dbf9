"""Schedules (houqin/routines/schedule.py) edge by edge: times, dates, numbers, the calendar's days, every
validation refusal with its message, wall-clock arithmetic and each kind of window — pinned with exact values
for bench/mutation.py, without a database. Messages are the English msgids (no app)."""
import datetime as dt

import pytest

from houqin.routines.schedule import (AT_TIMES, CALENDAR_MODES, Calendar, DATE_FIELDS, DAY, LOOKAHEAD_DAYS,
                                      PER_TARGET, ScheduleError, TYPES, Window, _int, _weekdays, days, midnight,
                                      minutes_of, parse_date, parse_hhmm, parse_local_datetime, time_windows,
                                      validate, wall, windows)

SHANGHAI, BERLIN, NEW_YORK = 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York'
MONDAY = dt.date(2026, 3, 9)


def utc(*args):
    return dt.datetime(*args)


def refused(call, *args):
    with pytest.raises(ScheduleError) as caught:
        call(*args)
    return str(caught.value)


def spans(found):
    return [(w.start, w.end, w.late_limit, w.day, w.whole) for w in found]


def test_the_constants():
    assert TYPES == ('windows', 'times', 'daily', 'weekly', 'every_n_weeks', 'monthly', 'term', 'by_date',
                     'campaign')
    assert (AT_TIMES, PER_TARGET, CALENDAR_MODES, DATE_FIELDS, LOOKAHEAD_DAYS, DAY) == (
        ('windows', 'times'), ('by_date', 'campaign'), ('school_days', 'every_day', 'holidays'),
        ('expires_on', 'purchased_on'), 14, dt.timedelta(days=1))
    assert issubclass(ScheduleError, ValueError)


# --- parsing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, value', [('07:30', dt.time(7, 30)), (' 7:05 ', dt.time(7, 5)),
                                         ('07：30', dt.time(7, 30)), ('24:00', dt.time(0)), ('00:00', dt.time(0)),
                                         ('23:59', dt.time(23, 59)), ('0:00', dt.time(0))])
def test_a_time_of_day(text, value):
    assert parse_hhmm(text) == value


@pytest.mark.parametrize('text, shown', [('24:01', '24:01'), ('25:00', '25:00'), ('23:60', '23:60'), ('7', '7'),
                                         ('7:5', '7:5'), ('7:055', '7:055'), ('007:30', '007:30'), ('a:30', 'a:30'),
                                         ('07:3a', '07:3a'), (':30', ':30'), (None, ''), ('', ''), ('-1:30', '-1:30'),
                                         ('12:30:00', '12:30:00'), (' 9 ', '9')])
def test_not_a_time_of_day(text, shown):
    assert refused(parse_hhmm, text) == f'"{shown}" is not a time of day (write it like 07:30).'


def test_a_time_of_day_from_a_number_is_read_as_its_text():
    assert refused(parse_hhmm, 730) == '"730" is not a time of day (write it like 07:30).'


def test_a_date():
    assert parse_date(' 2026-09-07 ') == dt.date(2026, 9, 7)
    assert parse_date(dt.date(2026, 9, 7)) == dt.date(2026, 9, 7)
    assert refused(parse_date, dt.datetime(2026, 9, 7, 8)) == \
        '"2026-09-07 08:00:00" is not a date (write it like 2026-09-07).'
    for text in ('9月7日', '2026-02-30', ''):
        assert refused(parse_date, text) == f'"{text}" is not a date (write it like 2026-09-07).'
    assert refused(parse_date, None) == '"None" is not a date (write it like 2026-09-07).'


def test_a_local_date_and_time():
    assert parse_local_datetime(' 2026-04-30 18:00 ') == utc(2026, 4, 30, 18)
    assert parse_local_datetime('2026-04-30T18:05:59.5') == utc(2026, 4, 30, 18, 5)
    assert parse_local_datetime('2026-04-30T18:00+08:00') == utc(2026, 4, 30, 18)    # the zone is dropped
    assert parse_local_datetime('2026-04-30').tzinfo is None
    for text in ('tomorrow', '', None, '2026-04-31 18:00'):
        assert refused(parse_local_datetime, text) == \
            f'"{text}" is not a date and time (write it like 2026-04-30 18:00).'


def test_minutes_after_midnight():
    assert minutes_of(dt.time(7, 30)) == 450
    assert minutes_of(dt.time(23, 59)) == 1439


def test_a_bounded_whole_number():
    assert _int('5', 1, 28, 'm') == 5
    assert _int(1, 1, 28, 'm') == 1
    assert _int(28, 1, 28, 'm') == 28
    for bad in (0, 29, None, 'x', '1.5', True, False, [1]):
        assert refused(_int, bad, 1, 28, 'the message') == 'the message'
    assert _int(0, 0, 1, 'm') == 0


def test_weekdays_are_sorted_and_distinct():
    assert _weekdays([4, '0', 4, 6]) == [0, 4, 6]
    assert _weekdays((2,)) == [2]
    assert _weekdays([]) == []
    message = 'Weekdays must be a list of numbers from 0 (Monday) to 6 (Sunday).'
    for bad in ('0,1', 3, None, [7], [-1], [True]):
        assert refused(_weekdays, bad) == message


# --- the calendar ---------------------------------------------------------------------------------------

CAL = Calendar(terms=((dt.date(2026, 3, 2), dt.date(2026, 7, 10)),),
               holidays=((dt.date(2026, 4, 4), dt.date(2026, 4, 6)), (dt.date(2026, 5, 1), dt.date(2026, 5, 5))),
               makeups=((dt.date(2026, 4, 26), 0), (dt.date(2026, 5, 3), 4)))


def test_make_up_days_count_as_the_weekday_they_replace():
    assert CAL.makeup_weekday(dt.date(2026, 4, 26)) == 0
    assert CAL.makeup_weekday(dt.date(2026, 5, 3)) == 4
    assert CAL.makeup_weekday(dt.date(2026, 4, 27)) is None
    assert CAL.weekday(dt.date(2026, 4, 26)) == 0           # a Sunday made up as a Monday
    assert CAL.weekday(dt.date(2026, 4, 27)) == 0
    assert CAL.weekday(dt.date(2026, 4, 25)) == 5
    assert Calendar(makeups=((dt.date(2026, 4, 26), 0),)).weekday(dt.date(2026, 4, 26)) == 0
    assert Calendar().weekday(dt.date(2026, 4, 26)) == 6


def test_holidays_terms_and_school_days():
    assert [CAL.is_holiday(dt.date(2026, 4, d)) for d in (3, 4, 5, 6, 7)] == [False, True, True, True, False]
    assert CAL.is_holiday(dt.date(2026, 5, 3)) is False         # a make-up day inside the holiday
    assert CAL.is_holiday(dt.date(2026, 5, 5)) is True
    assert CAL.in_term(dt.date(2026, 3, 2)) and CAL.in_term(dt.date(2026, 7, 10))
    assert not CAL.in_term(dt.date(2026, 3, 1)) and not CAL.in_term(dt.date(2026, 7, 11))
    assert Calendar().in_term(dt.date(1999, 1, 1)) is True
    assert CAL.is_school_day(MONDAY) is True
    assert CAL.is_school_day(dt.date(2026, 3, 13)) is True       # a Friday
    assert CAL.is_school_day(dt.date(2026, 3, 14)) is False      # a Saturday
    assert CAL.is_school_day(dt.date(2026, 4, 6)) is False       # a holiday Monday
    assert CAL.is_school_day(dt.date(2026, 4, 26)) is True       # a make-up Sunday
    assert CAL.is_school_day(dt.date(2026, 7, 13)) is False      # after the term
    assert CAL.is_school_day(dt.date(2026, 5, 3)) is True        # a make-up day inside a holiday


def test_a_routine_runs_on_its_calendar_s_days():
    saturday, holiday, monday = dt.date(2026, 3, 14), dt.date(2026, 4, 6), MONDAY
    assert [CAL.runs_on('every_day', d) for d in (saturday, holiday, monday)] == [True, True, True]
    assert [CAL.runs_on('holidays', d) for d in (saturday, holiday, monday)] == [True, True, False]
    assert [CAL.runs_on('school_days', d) for d in (saturday, holiday, monday)] == [False, False, True]
    assert [CAL.runs_on('anything', d) for d in (saturday, monday)] == [False, True]


# --- validation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('spec, message', [
    (None, 'Please choose when the routine is due.'),
    ([], 'Please choose when the routine is due.'),
    ({}, 'Please choose when the routine is due.'),
    ({'type': 'hourly'}, 'Please choose when the routine is due.'),
    ({'type': 'windows'}, 'Please give at least one time window.'),
    ({'type': 'windows', 'windows': []}, 'Please give at least one time window.'),
    ({'type': 'windows', 'windows': '07:00-09:00'}, 'Please give at least one time window.'),
    ({'type': 'windows', 'windows': [['07:00']]}, 'Each window needs a start and an end time.'),
    ({'type': 'windows', 'windows': [['07:00', '08:00', '09:00']]}, 'Each window needs a start and an end time.'),
    ({'type': 'windows', 'windows': ['07:00-09:00']}, 'Each window needs a start and an end time.'),
    ({'type': 'windows', 'windows': [['7:00', '07:00']]}, 'A window must not end when it starts (7:00).'),
    ({'type': 'windows', 'windows': [['00:00', '24:00']]}, 'A window must not end when it starts (00:00).'),
    ({'type': 'windows', 'windows': [['07:00', '09:00'], ['09:00', '08:00']]},
     'The windows overlap; each must end before the next one starts.'),
    ({'type': 'windows', 'windows': [['22:00', '07:30'], ['07:00', '09:00']]},
     'The windows overlap; each must end before the next one starts.'),
    ({'type': 'times'}, 'Please give at least one check time.'),
    ({'type': 'times', 'times': []}, 'Please give at least one check time.'),
    ({'type': 'times', 'times': '07:50'}, 'Please give at least one check time.'),
    ({'type': 'times', 'times': ['07:50'], 'tolerance': 361},
     'The tolerance must be a whole number of minutes from 1 to 360.'),
    ({'type': 'times', 'times': ['07:00', '07:20'], 'tolerance': 15},
     'The windows overlap; each must end before the next one starts.'),
    ({'type': 'times', 'times': ['00:10', '23:50'], 'tolerance': 15},
     'The windows overlap; each must end before the next one starts.'),
    ({'type': 'weekly', 'weekdays': 'mon'}, 'Weekdays must be a list of numbers from 0 (Monday) to 6 (Sunday).'),
    ({'type': 'every_n_weeks', 'anchor': '2026-09-07'}, '"Every N weeks" needs N from 2 to 52.'),
    ({'type': 'every_n_weeks', 'n': 53, 'anchor': '2026-09-07'}, '"Every N weeks" needs N from 2 to 52.'),
    ({'type': 'every_n_weeks', 'n': 2}, '"None" is not a date (write it like 2026-09-07).'),
    ({'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-09-07', 'weekday': 7},
     'The weekday must be from 0 (Monday) to 6 (Sunday).'),
    ({'type': 'monthly', 'day': 0}, 'The day of the month must be from 1 to 28.'),
    ({'type': 'monthly', 'day': 29}, 'The day of the month must be from 1 to 28.'),
    ({'type': 'by_date', 'days_before': 30}, 'Please choose which date of the asset the routine follows.'),
    ({'type': 'by_date', 'field': 'expires_on'}, '"Days before" must be a whole number from 0 to 366.'),
    ({'type': 'by_date', 'field': 'expires_on', 'days_before': 367},
     '"Days before" must be a whole number from 0 to 366.'),
    ({'type': 'by_date', 'field': 'expires_on', 'days_before': -1},
     '"Days before" must be a whole number from 0 to 366.'),
    ({'type': 'campaign', 'start': '2026-04-20T00:00', 'deadline': '2026-04-20T00:00'},
     'The deadline must come after the start.'),
    ({'type': 'campaign', 'start': 'x', 'deadline': '2026-04-20T00:00'},
     '"x" is not a date and time (write it like 2026-04-30 18:00).'),
    ({'type': 'campaign', 'start': '2026-04-20T00:00', 'deadline': 'y'},
     '"y" is not a date and time (write it like 2026-04-30 18:00).'),
])
def test_each_bad_spec_is_refused_saying_why(spec, message):
    assert refused(validate, spec) == message


def test_good_specs_are_normalised_into_a_new_dict():
    spec = {'type': 'windows', 'windows': [('11:30', '13:30'), ['7:00', '09:00']], 'extra': 1}
    assert validate(spec) == {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30']]}
    assert spec['windows'][1] == ['7:00', '09:00']
    assert validate({'type': 'windows', 'windows': [['22:00', '06:00'], ['07:00', '09:00']]})['windows'] == [
        ['07:00', '09:00'], ['22:00', '06:00']]
    assert validate({'type': 'windows', 'windows': [['07:00', '09:00'], ['09:00', '10:00']]})['windows'] == [
        ['07:00', '09:00'], ['09:00', '10:00']]                     # touching windows do not overlap
    assert validate({'type': 'times', 'times': ('07:50',), 'tolerance': '360'}) == {
        'type': 'times', 'times': ['07:50'], 'tolerance': 360}
    assert validate({'type': 'times', 'times': ['07:50'], 'tolerance': 1})['tolerance'] == 1
    assert validate({'type': 'times', 'times': ['07:00', '07:30']}) == {
        'type': 'times', 'times': ['07:00', '07:30'], 'tolerance': 15}   # 06:45-07:15 touches 07:15-07:45
    assert validate({'type': 'times', 'times': ['00:15', '23:45'], 'tolerance': 15})['times'] == ['00:15', '23:45']
    assert validate({'type': 'daily', 'windows': 'ignored'}) == {'type': 'daily'}
    assert validate({'type': 'weekly'}) == {'type': 'weekly'}
    assert validate({'type': 'weekly', 'weekdays': []}) == {'type': 'weekly'}
    assert validate({'type': 'weekly', 'weekdays': [4, 0, 4]}) == {'type': 'weekly', 'weekdays': [0, 4]}
    assert validate({'type': 'every_n_weeks', 'n': '2', 'anchor': ' 2026-09-07'}) == {
        'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-09-07'}
    assert validate({'type': 'every_n_weeks', 'n': 52, 'anchor': '2026-09-07', 'weekday': ''}) == {
        'type': 'every_n_weeks', 'n': 52, 'anchor': '2026-09-07'}
    assert validate({'type': 'every_n_weeks', 'n': 3, 'anchor': '2026-09-07', 'weekday': 0}) == {
        'type': 'every_n_weeks', 'n': 3, 'anchor': '2026-09-07', 'weekday': 0}
    assert validate({'type': 'every_n_weeks', 'n': 3, 'anchor': '2026-09-07', 'weekday': '6'})['weekday'] == 6
    for day in (None, '', 1):
        assert validate({'type': 'monthly', 'day': day}) == {'type': 'monthly'}
    assert validate({'type': 'monthly', 'day': '28'}) == {'type': 'monthly', 'day': 28}
    assert validate({'type': 'monthly', 'day': 2}) == {'type': 'monthly', 'day': 2}
    assert validate({'type': 'term'}) == {'type': 'term'}
    assert validate({'type': 'by_date', 'field': 'purchased_on', 'days_before': '0'}) == {
        'type': 'by_date', 'field': 'purchased_on', 'days_before': 0}
    assert validate({'type': 'by_date', 'field': 'expires_on', 'days_before': 366})['days_before'] == 366
    assert validate({'type': 'campaign', 'start': '2026-04-20 08:00', 'deadline': '2026-04-20T08:01'}) == {
        'type': 'campaign', 'start': '2026-04-20T08:00', 'deadline': '2026-04-20T08:01'}


def test_daily_windows_in_minutes():
    assert time_windows({'type': 'windows', 'windows': [['22:00', '06:00'], ['07:00', '09:30']]}) == [
        (420, 150), (1320, 480)]
    assert time_windows({'type': 'times', 'times': ['14:30', '07:50'], 'tolerance': 15}) == [(455, 30), (855, 30)]
    assert time_windows({'type': 'times', 'times': ['00:05']}) == [(5, 0)]
    assert time_windows({'type': 'times', 'times': ['00:05'], 'tolerance': '10'}) == [(-5, 20)]


# --- wall-clock arithmetic ------------------------------------------------------------------------------

def test_wall_times_in_utc():
    assert wall(MONDAY, 450, SHANGHAI) == utc(2026, 3, 8, 23, 30)
    assert wall(MONDAY, 24 * 60 + 60, SHANGHAI) == utc(2026, 3, 9, 17)       # 01:00 the next day
    assert wall(MONDAY, 2 * 24 * 60, SHANGHAI) == utc(2026, 3, 10, 16)
    assert wall(MONDAY, -10, SHANGHAI) == utc(2026, 3, 8, 15, 50)            # 23:50 the day before
    assert wall(dt.date(2026, 3, 29), 150, BERLIN) == utc(2026, 3, 29, 1, 30)  # 02:30 does not exist: 03:30
    assert wall(dt.date(2026, 11, 1), 90, NEW_YORK) == utc(2026, 11, 1, 5, 30)  # 01:30 twice: the first


def test_midnight_and_days():
    assert midnight(MONDAY, SHANGHAI) == utc(2026, 3, 8, 16)
    assert midnight(MONDAY, BERLIN) == utc(2026, 3, 8, 23)
    assert days(MONDAY, MONDAY) == [MONDAY]
    assert days(MONDAY, MONDAY + 2 * DAY) == [MONDAY, MONDAY + DAY, MONDAY + 2 * DAY]
    assert days(MONDAY, MONDAY - DAY) == []


# --- windows of each kind -------------------------------------------------------------------------------

def test_time_windows_take_the_next_window_as_late_limit_across_skipped_days():
    spec = validate({'type': 'windows', 'windows': [['07:00', '09:00'], ['16:00', '17:00']]})
    friday = dt.date(2026, 3, 13)
    found = windows(spec, friday, friday, SHANGHAI)
    assert spans(found) == [
        (utc(2026, 3, 12, 23), utc(2026, 3, 13, 1), utc(2026, 3, 13, 8), friday, False),
        (utc(2026, 3, 13, 8), utc(2026, 3, 13, 9), utc(2026, 3, 15, 23), friday, False)]
    two = windows(spec, MONDAY, MONDAY + DAY, SHANGHAI)
    assert [w.day for w in two] == [MONDAY, MONDAY, MONDAY + DAY, MONDAY + DAY]
    assert two[1].late_limit == two[2].start


def test_time_windows_beyond_the_lookahead_are_late_for_a_day():
    spec = validate({'type': 'windows', 'windows': [['07:00', '09:00']]})
    cal = Calendar(holidays=((dt.date(2026, 3, 10), dt.date(2026, 4, 30)),))
    [only] = windows(spec, MONDAY, MONDAY, SHANGHAI, cal)
    assert (only.end, only.late_limit) == (utc(2026, 3, 9, 1), utc(2026, 3, 10, 1))   # none within 14 days
    cal = Calendar(holidays=((dt.date(2026, 3, 10), dt.date(2026, 3, 22)),))         # back on Monday the 23rd
    [only] = windows(spec, MONDAY, MONDAY, SHANGHAI, cal)
    assert only.late_limit == utc(2026, 3, 22, 23)
    assert windows(spec, dt.date(2026, 3, 10), dt.date(2026, 3, 20), SHANGHAI, cal) == []


def test_time_windows_on_holidays_only_and_every_day():
    spec = validate({'type': 'times', 'times': ['20:00'], 'tolerance': 30})
    saturday = dt.date(2026, 3, 14)
    found = windows(spec, MONDAY, saturday + DAY, SHANGHAI, mode='holidays')
    assert [w.day for w in found] == [saturday, saturday + DAY]
    assert found[0].late_limit == found[1].start
    assert len(windows(spec, MONDAY, saturday + DAY, SHANGHAI, mode='every_day')) == 7


def test_a_window_inside_the_skipped_hour_has_no_time():
    spec = validate({'type': 'windows', 'windows': [['02:00', '03:00'], ['07:00', '08:00']]})
    sunday = dt.date(2026, 3, 29)
    found = windows(spec, sunday, sunday, BERLIN, mode='every_day')
    assert spans(found) == [(utc(2026, 3, 29, 5), utc(2026, 3, 29, 6), utc(2026, 3, 30, 0), sunday, False)]
    monday = windows(spec, sunday + DAY, sunday + DAY, BERLIN, mode='every_day')
    assert [w.start for w in monday] == [utc(2026, 3, 30, 0), utc(2026, 3, 30, 5)]


def test_a_night_window_late_limit_is_never_before_its_end():
    spec = validate({'type': 'windows', 'windows': [['22:00', '06:00']]})
    found = windows(spec, MONDAY, MONDAY + DAY, SHANGHAI, mode='every_day')
    assert [(w.start, w.end, w.late_limit) for w in found] == [
        (utc(2026, 3, 9, 14), utc(2026, 3, 9, 22), utc(2026, 3, 10, 14)),
        (utc(2026, 3, 10, 14), utc(2026, 3, 10, 22), utc(2026, 3, 11, 14))]


def test_daily_and_weekday_windows_are_whole_days():
    found = windows({'type': 'daily'}, MONDAY, MONDAY + 6 * DAY, SHANGHAI)
    assert [w.day for w in found] == [MONDAY + n * DAY for n in range(5)]
    assert spans(found[:1]) == [(utc(2026, 3, 8, 16), utc(2026, 3, 9, 16), utc(2026, 3, 10, 16), MONDAY, True)]
    found = windows({'type': 'weekly', 'weekdays': [0, 5]}, MONDAY, MONDAY + 13 * DAY, SHANGHAI, mode='every_day')
    assert [w.day for w in found] == [MONDAY, MONDAY + 5 * DAY, MONDAY + 7 * DAY, MONDAY + 12 * DAY]
    made_up = Calendar(makeups=((dt.date(2026, 3, 15), 0),))
    found = windows({'type': 'weekly', 'weekdays': [0]}, MONDAY, MONDAY + 6 * DAY, SHANGHAI, made_up)
    assert [w.day for w in found] == [MONDAY, dt.date(2026, 3, 15)]


def test_weekly_windows_are_whole_weeks_with_a_day_to_run_on():
    wednesday = MONDAY + 2 * DAY
    found = windows({'type': 'weekly'}, wednesday, wednesday + 7 * DAY, SHANGHAI)
    assert spans(found) == [
        (utc(2026, 3, 8, 16), utc(2026, 3, 15, 16), utc(2026, 3, 16, 16), MONDAY, True),
        (utc(2026, 3, 15, 16), utc(2026, 3, 22, 16), utc(2026, 3, 23, 16), MONDAY + 7 * DAY, True)]
    holiday_week = Calendar(holidays=((MONDAY, MONDAY + 6 * DAY),))
    assert windows({'type': 'weekly'}, MONDAY, MONDAY + 6 * DAY, SHANGHAI, holiday_week) == []
    assert len(windows({'type': 'weekly'}, MONDAY, MONDAY + 6 * DAY, SHANGHAI, holiday_week, 'holidays')) == 1
    assert [w.day for w in windows({'type': 'weekly'}, MONDAY + 6 * DAY, MONDAY + 7 * DAY, SHANGHAI)] == [
        MONDAY, MONDAY + 7 * DAY]


def test_every_n_weeks_counts_weeks_from_the_anchor_s_monday():
    spec = validate({'type': 'every_n_weeks', 'n': 3, 'anchor': '2026-03-11'})   # a Wednesday
    found = windows(spec, MONDAY - 7 * DAY, MONDAY + 34 * DAY, SHANGHAI, mode='every_day')
    assert [w.day for w in found] == [MONDAY, MONDAY + 21 * DAY]
    assert all(w.whole and w.end - w.start == 7 * DAY for w in found)
    before = windows(spec, MONDAY - 21 * DAY, MONDAY - 15 * DAY, SHANGHAI, mode='every_day')
    assert [w.day for w in before] == [MONDAY - 21 * DAY]
    on_friday = validate({'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-03-09', 'weekday': 4})
    found = windows(on_friday, MONDAY, MONDAY + 27 * DAY, SHANGHAI)
    assert spans(found) == [
        (utc(2026, 3, 12, 16), utc(2026, 3, 13, 16), utc(2026, 3, 14, 16), dt.date(2026, 3, 13), True),
        (utc(2026, 3, 26, 16), utc(2026, 3, 27, 16), utc(2026, 3, 28, 16), dt.date(2026, 3, 27), True)]
    assert windows(on_friday, MONDAY + 5 * DAY, MONDAY + 13 * DAY, SHANGHAI) == []   # after that Friday
    assert windows(on_friday, MONDAY, MONDAY + 3 * DAY, SHANGHAI) == []             # before it
    assert windows(on_friday, MONDAY + 4 * DAY, MONDAY + 4 * DAY, SHANGHAI, mode='holidays') == []
    on_monday = validate({'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-03-09', 'weekday': 0})
    assert [w.day for w in windows(on_monday, MONDAY, MONDAY, SHANGHAI)] == [MONDAY]


def test_monthly_windows_run_from_their_day_to_the_month_s_end():
    found = windows({'type': 'monthly'}, dt.date(2026, 1, 31), dt.date(2026, 3, 1), SHANGHAI, mode='every_day')
    assert spans(found) == [
        (utc(2025, 12, 31, 16), utc(2026, 1, 31, 16), utc(2026, 2, 1, 16), dt.date(2026, 1, 1), True),
        (utc(2026, 1, 31, 16), utc(2026, 2, 28, 16), utc(2026, 3, 1, 16), dt.date(2026, 2, 1), True),
        (utc(2026, 2, 28, 16), utc(2026, 3, 31, 16), utc(2026, 4, 1, 16), dt.date(2026, 3, 1), True)]
    fifth = windows({'type': 'monthly', 'day': 5}, dt.date(2026, 12, 1), dt.date(2026, 12, 1), SHANGHAI)
    assert spans(fifth) == [(utc(2026, 12, 4, 16), utc(2026, 12, 31, 16), utc(2027, 1, 1, 16),
                             dt.date(2026, 12, 5), True)]
    leap = windows({'type': 'monthly'}, dt.date(2028, 2, 10), dt.date(2028, 2, 10), SHANGHAI)
    assert leap[0].end == utc(2028, 2, 29, 16)
    # a month whose days from the 28th on are all holidays has no window
    summer = Calendar(holidays=((dt.date(2026, 7, 28), dt.date(2026, 8, 31)),))
    assert windows({'type': 'monthly', 'day': 28}, dt.date(2026, 7, 1), dt.date(2026, 8, 1), SHANGHAI, summer) == []
    assert len(windows({'type': 'monthly', 'day': 27}, dt.date(2026, 7, 1), dt.date(2026, 7, 1), SHANGHAI,
                       summer)) == 1


def test_term_windows_are_the_terms_overlapping_the_days_in_order():
    cal = Calendar(terms=((dt.date(2026, 9, 1), dt.date(2027, 1, 20)), (dt.date(2026, 2, 23), dt.date(2026, 7, 3))))
    found = windows({'type': 'term'}, dt.date(2026, 7, 3), dt.date(2026, 9, 1), SHANGHAI, cal)
    assert [(w.day, w.end) for w in found] == [(dt.date(2026, 2, 23), utc(2026, 7, 3, 16)),
                                               (dt.date(2026, 9, 1), utc(2027, 1, 20, 16))]
    assert windows({'type': 'term'}, dt.date(2026, 7, 4), dt.date(2026, 8, 31), SHANGHAI, cal) == []
    assert windows({'type': 'term'}, MONDAY, MONDAY, SHANGHAI) == []


def test_by_date_windows_open_days_before_the_target_s_date():
    spec = {'type': 'by_date', 'field': 'expires_on', 'days_before': 30}
    dates = {'expires_on': dt.date(2026, 4, 30), 'purchased_on': dt.date(2020, 1, 1)}
    found = windows(spec, dt.date(2026, 3, 31), dt.date(2026, 3, 31), SHANGHAI, target_dates=dates)
    assert spans(found) == [(utc(2026, 3, 30, 16), utc(2026, 4, 30, 16), utc(2026, 5, 1, 16),
                             dt.date(2026, 3, 31), True)]
    assert windows(spec, dt.date(2026, 3, 30), dt.date(2026, 3, 30), SHANGHAI, target_dates=dates) == []
    assert len(windows(spec, dt.date(2026, 4, 30), dt.date(2026, 4, 30), SHANGHAI, target_dates=dates)) == 1
    assert windows(spec, dt.date(2026, 5, 1), dt.date(2026, 5, 1), SHANGHAI, target_dates=dates) == []
    assert windows(spec, MONDAY, MONDAY, SHANGHAI) == []
    assert windows(spec, MONDAY, MONDAY, SHANGHAI, target_dates={'purchased_on': MONDAY}) == []
    same_day = windows({'type': 'by_date', 'field': 'purchased_on'}, MONDAY, MONDAY, SHANGHAI,
                       target_dates={'purchased_on': MONDAY})
    assert [(w.day, w.end) for w in same_day] == [(MONDAY, utc(2026, 3, 9, 16))]


def test_a_campaign_window_runs_to_its_deadline_and_is_late_until_the_next_day_ends():
    spec = {'type': 'campaign', 'start': '2026-04-20T08:00', 'deadline': '2026-04-30T18:00'}
    found = windows(spec, dt.date(2026, 4, 20), dt.date(2026, 4, 20), SHANGHAI)
    assert spans(found) == [(utc(2026, 4, 20, 0), utc(2026, 4, 30, 10), utc(2026, 5, 1, 16),
                             dt.date(2026, 4, 20), True)]
    assert windows(spec, dt.date(2026, 4, 30), dt.date(2026, 5, 3), SHANGHAI) == found
    assert windows(spec, dt.date(2026, 4, 19), dt.date(2026, 4, 19), SHANGHAI) == []
    assert windows(spec, dt.date(2026, 5, 1), dt.date(2026, 5, 1), SHANGHAI) == []
    assert windows(spec, dt.date(2026, 4, 1), dt.date(2026, 4, 19), SHANGHAI, mode='holidays') == []


def test_a_window_is_a_frozen_value():
    w = Window(utc(2026, 1, 1), utc(2026, 1, 2), utc(2026, 1, 3), dt.date(2026, 1, 1))
    assert w.whole is False
    with pytest.raises(AttributeError):
        w.start = None


# --- added for the survivors of the first mutation run ------------------------------------------------

def test_a_day_whose_only_window_is_skipped_neither_ends_the_look_ahead_nor_fails():
    spec = validate({'type': 'windows', 'windows': [['02:00', '03:00']]})   # Berlin skips 02:00-03:00 on 29 March
    saturday, sunday = dt.date(2026, 3, 28), dt.date(2026, 3, 29)
    [window] = windows(spec, saturday, saturday, BERLIN, mode='every_day')
    assert (window.start, window.end, window.late_limit) == (utc(2026, 3, 28, 1), utc(2026, 3, 28, 2),
                                                             utc(2026, 3, 30, 0))   # Monday 02:00 CEST
    assert windows(spec, sunday, sunday, BERLIN, mode='every_day') == []


def test_monthly_from_the_1st_written_as_text_is_the_default():
    assert validate({'type': 'monthly', 'day': '1'}) == {'type': 'monthly', 'day': 1}
    assert validate({'type': 'monthly', 'day': True}) == {'type': 'monthly'}


def test_a_monthly_window_follows_the_routine_s_calendar_mode():
    july = Calendar(holidays=((dt.date(2026, 7, 1), dt.date(2026, 7, 31)),))
    assert windows({'type': 'monthly'}, dt.date(2026, 7, 1), dt.date(2026, 7, 1), SHANGHAI, july) == []
    assert [w.day for w in windows({'type': 'monthly'}, dt.date(2026, 7, 1), dt.date(2026, 7, 1), SHANGHAI, july,
                                   'every_day')] == [dt.date(2026, 7, 1)]
    assert [w.day for w in windows({'type': 'monthly'}, dt.date(2026, 7, 1), dt.date(2026, 7, 1), SHANGHAI, july,
                                   'holidays')] == [dt.date(2026, 7, 1)]
    # February 2026 from the 28th is one Saturday: a weekday routine has no window, a holiday one has
    feb = {'type': 'monthly', 'day': 28}
    assert windows(feb, dt.date(2026, 2, 1), dt.date(2026, 2, 1), SHANGHAI) == []
    assert len(windows(feb, dt.date(2026, 2, 1), dt.date(2026, 2, 1), SHANGHAI, mode='holidays')) == 1
