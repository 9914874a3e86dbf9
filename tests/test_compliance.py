"""The compliance engine and schedules as pure functions, travelling in time without a database: windows in
Shanghai, Berlin's spring-forward and New York's fall-back, midnight windows, done / late / missed / due /
upcoming, one record per slot, extra records, targets that come and go, the calendar, campaigns, monthly and
by-date schedules."""
import datetime as dt

import pytest
from flask_babel import force_locale

from houqin.clock import day_bounds, days_bounds
from houqin.routines.compliance import (Done, Rule, Target, compliance, compliance_counts, counts, match_records,
                                        on_time_rate)
from houqin.routines.schedule import Calendar, ScheduleError, validate, windows

SHANGHAI, BERLIN, NEW_YORK = 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York'
TOILETS = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}
MONDAY = dt.date(2026, 3, 9)  # a school Monday


def utc(*args):
    return dt.datetime(*args)


def spans(found):
    return [(w.start, w.end, w.late_limit) for w in found]


def run(spec, records, now, day=MONDAY, zone=SHANGHAI, targets=None, cal=None, mode='school_days', first=None,
        last=None, created_at=None, activity='cleaning'):
    """The slots of one routine over days first..last (default: the day) at `now`."""
    rule = Rule(1, activity, 'place', validate(spec), mode, created_at)
    start, end = days_bounds(first or day, last or day, zone)
    return compliance([rule], {1: targets or [Target('place', 7)]}, cal or Calendar(), records, start, end, now, zone)


def rec(rid, at, target=7, activity='cleaning', user=None, kind='place'):
    return Done(rid, kind, target, activity, at, user)


def states(slots):
    return [(s.status, s.record_id) for s in slots]


# Windows ---------------------------------------------------------------------------------------------------


def test_three_windows_a_day_in_shanghai_with_late_limits_at_the_next_window():
    found = windows(validate(TOILETS), MONDAY, MONDAY, SHANGHAI)
    # Shanghai is UTC+8: 07:00 local is 23:00 UTC the day before.
    assert spans(found) == [(utc(2026, 3, 8, 23), utc(2026, 3, 9, 1), utc(2026, 3, 9, 3, 30)),
                            (utc(2026, 3, 9, 3, 30), utc(2026, 3, 9, 5, 30), utc(2026, 3, 9, 8, 30)),
                            (utc(2026, 3, 9, 8, 30), utc(2026, 3, 9, 10, 30), utc(2026, 3, 9, 23))]
    assert [w.day for w in found] == [MONDAY] * 3 and not any(w.whole for w in found)


def test_friday_evening_is_late_until_monday_morning_on_school_days():
    friday = dt.date(2026, 3, 13)
    last = windows(validate(TOILETS), friday, friday, SHANGHAI)[-1]
    assert (last.end, last.late_limit) == (utc(2026, 3, 13, 10, 30), utc(2026, 3, 15, 23))  # Monday 07:00
    every_day = windows(validate(TOILETS), friday, friday, SHANGHAI, mode='every_day')[-1]
    assert every_day.late_limit == utc(2026, 3, 13, 23)  # Saturday 07:00


def test_fixed_times_with_a_tolerance():
    found = windows(validate({'type': 'times', 'times': ['14:30', '07:50'], 'tolerance': 15}), MONDAY, MONDAY,
                    SHANGHAI)
    assert spans(found) == [(utc(2026, 3, 8, 23, 35), utc(2026, 3, 9, 0, 5), utc(2026, 3, 9, 6, 15)),
                            (utc(2026, 3, 9, 6, 15), utc(2026, 3, 9, 6, 45), utc(2026, 3, 9, 23, 35))]


def test_a_night_window_crosses_midnight_and_belongs_to_the_day_it_starts():
    spec = {'type': 'windows', 'windows': [['22:00', '06:00']]}
    found = windows(validate(spec), MONDAY, MONDAY, SHANGHAI, mode='every_day')
    assert spans(found) == [(utc(2026, 3, 9, 14), utc(2026, 3, 9, 22), utc(2026, 3, 10, 14))]
    assert found[0].day == MONDAY
    # A record at 02:00 on Tuesday satisfies Monday's night; Tuesday's list does not hold Monday's night.
    tuesday_2am = utc(2026, 3, 9, 18)
    assert states(run(spec, [rec(1, tuesday_2am)], utc(2026, 3, 9, 23), mode='every_day')) == [('done', 1)]
    tuesday = run(spec, [rec(1, tuesday_2am)], utc(2026, 3, 9, 23), day=dt.date(2026, 3, 10), mode='every_day')
    assert [(s.day, s.status) for s in tuesday] == [(dt.date(2026, 3, 10), 'upcoming')]


def test_berlin_spring_forward_moves_a_skipped_wall_time_forward_by_the_gap():
    day = dt.date(2026, 3, 29)  # 02:00 CET jumps to 03:00 CEST
    spec = {'type': 'windows', 'windows': [['01:00', '02:30'], ['02:30', '05:00'], ['07:00', '09:00']]}
    found = windows(validate(spec), day, day, BERLIN, mode='every_day')
    assert spans(found) == [
        (utc(2026, 3, 29, 0), utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 1, 30)),   # 01:00 CET – "02:30" = 03:30 CEST
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 3), utc(2026, 3, 29, 5)),       # 03:30 CEST – 05:00 CEST
        (utc(2026, 3, 29, 5), utc(2026, 3, 29, 7), utc(2026, 3, 29, 23))]           # 07:00 CEST; next day 01:00 CEST
    whole = windows(validate({'type': 'daily'}), day, day, BERLIN, mode='every_day')[0]
    assert whole.end - whole.start == dt.timedelta(hours=23)


def test_new_york_fall_back_takes_the_first_occurrence_and_the_day_lasts_25_hours():
    day = dt.date(2026, 11, 1)  # 02:00 EDT falls back to 01:00 EST
    found = windows(validate({'type': 'windows', 'windows': [['01:30', '03:00']]}), day, day, NEW_YORK,
                    mode='every_day')
    assert (found[0].start, found[0].end) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))  # 01:30 EDT – 03:00 EST
    whole = windows(validate({'type': 'daily'}), day, day, NEW_YORK, mode='every_day')[0]
    assert (whole.start, whole.end) == (utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))
    record = rec(1, utc(2026, 11, 1, 6, 10))  # 01:10 EST, the second 01:10 of the night, inside the window
    assert states(run({'type': 'windows', 'windows': [['01:30', '03:00']]}, [record], utc(2026, 11, 1, 9), day=day,
                      zone=NEW_YORK, mode='every_day')) == [('done', 1)]


# Status and matching -----------------------------------------------------------------------------------------


def test_each_status_as_the_day_goes_by():
    records = [rec(1, utc(2026, 3, 8, 23, 40), user=5)]          # 07:40, in the morning window
    at_noon = run(TOILETS, records, utc(2026, 3, 9, 4))          # 12:00
    assert states(at_noon) == [('done', 1), ('due', None), ('upcoming', None)]
    assert at_noon[0].user_id == 5 and at_noon[0].done_at == utc(2026, 3, 8, 23, 40)
    at_night = run(TOILETS, records, utc(2026, 3, 9, 12))         # 20:00
    assert states(at_night) == [('done', 1), ('missed', None), ('missed', None)]
    before = run(TOILETS, records, utc(2026, 3, 8, 22))           # 06:00: nothing has started, the record not made
    assert states(before) == [('upcoming', None)] * 3


def test_a_record_after_the_window_is_late_until_the_next_window_starts_then_it_is_extra():
    late = rec(1, utc(2026, 3, 9, 2))    # 10:00, after 07:00–09:00, before 11:30
    assert states(run(TOILETS, [late], utc(2026, 3, 9, 12))) == [('late', 1), ('missed', None), ('missed', None)]
    # 14:00 is after the midday window and before the evening one: late for midday, not for the morning.
    afternoon = rec(2, utc(2026, 3, 9, 6))
    assert states(run(TOILETS, [afternoon], utc(2026, 3, 9, 12))) == [('missed', None), ('late', 2),
                                                                     ('missed', None)]
    slots = run(TOILETS, [late, afternoon], utc(2026, 3, 9, 12))
    assert states(slots) == [('late', 1), ('late', 2), ('missed', None)]
    assert on_time_rate(slots) == 0 and counts(slots) == {'done': 0, 'late': 2, 'missed': 1, 'due': 0, 'upcoming': 0}


def test_one_record_satisfies_one_slot_and_a_second_in_the_window_is_extra():
    two = [rec(1, utc(2026, 3, 8, 23, 10)), rec(2, utc(2026, 3, 8, 23, 50))]
    assert states(run(TOILETS, two, utc(2026, 3, 9, 12))) == [('done', 1), ('missed', None), ('missed', None)]
    taken, extras = match_records([(utc(2026, 3, 8, 23), utc(2026, 3, 9, 1), utc(2026, 3, 9, 3, 30))], two)
    assert taken == {0: (two[0], False)} and extras == [two[1]]


def test_records_of_another_activity_target_or_kind_do_not_count():
    others = [rec(1, utc(2026, 3, 8, 23, 10), activity='inspection'), rec(2, utc(2026, 3, 8, 23, 10), target=8),
              rec(3, utc(2026, 3, 8, 23, 10), kind='item')]
    assert states(run(TOILETS, others, utc(2026, 3, 9, 12))) == [('missed', None)] * 3


def test_records_after_now_are_not_seen_by_a_look_into_the_past():
    record = rec(1, utc(2026, 3, 8, 23, 40))
    assert states(run(TOILETS, [record], utc(2026, 3, 8, 23, 30)))[0] == ('due', None)


def test_targets_count_only_while_they_exist_and_routines_from_their_creation():
    new = Target('place', 7, active_from=utc(2026, 3, 9, 4))      # created at noon: the evening window only
    gone = Target('place', 8, retired_at=utc(2026, 3, 9, 4))      # removed at noon: the first two windows
    slots = run(TOILETS, [], utc(2026, 3, 9, 12), targets=[new, gone])
    assert [(s.target_id, s.start) for s in slots] == [(8, utc(2026, 3, 8, 23)), (8, utc(2026, 3, 9, 3, 30)),
                                                       (7, utc(2026, 3, 9, 8, 30))]
    made_at_eight = run(TOILETS, [], utc(2026, 3, 9, 12), created_at=utc(2026, 3, 9, 0))  # 08:00: morning still open
    assert len(made_at_eight) == 3
    made_at_ten = run(TOILETS, [], utc(2026, 3, 9, 12), created_at=utc(2026, 3, 9, 2))
    assert [s.start for s in made_at_ten] == [utc(2026, 3, 9, 3, 30), utc(2026, 3, 9, 8, 30)]


def test_a_whole_period_counts_the_targets_that_exist_at_its_end():
    added = Target('place', 7, active_from=utc(2026, 3, 5))      # registered on the 5th: due this month
    scrapped = Target('place', 8, retired_at=utc(2026, 3, 20))   # gone before the month ended: not missed
    later = Target('place', 9, active_from=utc(2026, 4, 2))      # not there yet
    slots = run({'type': 'monthly'}, [], utc(2026, 4, 5), day=dt.date(2026, 3, 15), targets=[added, scrapped, later],
                activity='inspection')
    assert [(s.target_id, s.status) for s in slots] == [(7, 'missed')]


# The calendar ------------------------------------------------------------------------------------------------


def test_school_days_skip_weekends_holidays_and_days_outside_terms_and_make_up_days_count():
    cal = Calendar(terms=((dt.date(2026, 2, 23), dt.date(2026, 7, 3)),),
                   holidays=((dt.date(2026, 5, 1), dt.date(2026, 5, 5)),),
                   makeups=((dt.date(2026, 5, 9), 4),))  # Saturday 9 May is a working Friday (调休)
    week = [dt.date(2026, 5, 4) + dt.timedelta(days=n) for n in range(7)]  # Mon 4 – Sun 10 May
    assert [cal.is_school_day(d) for d in week] == [False, False, True, True, True, True, False]
    assert cal.weekday(dt.date(2026, 5, 9)) == 4 and not cal.is_holiday(dt.date(2026, 5, 9))
    assert not cal.is_school_day(dt.date(2026, 7, 6)) and not cal.is_school_day(dt.date(2026, 2, 20))
    daily = windows(validate({'type': 'daily'}), week[0], week[-1], SHANGHAI, cal)
    assert [w.day for w in daily] == week[2:6]
    fridays = windows(validate({'type': 'weekly', 'weekdays': [4]}), week[0], week[-1], SHANGHAI, cal)
    assert [w.day for w in fridays] == [dt.date(2026, 5, 8), dt.date(2026, 5, 9)]  # the make-up day is a Friday
    holiday_only = windows(validate({'type': 'daily'}), week[0], week[-1], SHANGHAI, cal, mode='holidays')
    assert [w.day for w in holiday_only] == [week[0], week[1], week[6]]


def test_weekly_is_the_whole_week_and_every_two_weeks_follows_its_anchor():
    week = windows(validate({'type': 'weekly'}), dt.date(2026, 3, 11), dt.date(2026, 3, 11), SHANGHAI)
    assert spans(week) == [(utc(2026, 3, 8, 16), utc(2026, 3, 15, 16), utc(2026, 3, 16, 16))]
    spec = validate({'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-03-04', 'weekday': 4})
    found = windows(spec, dt.date(2026, 3, 1), dt.date(2026, 4, 5), SHANGHAI)
    assert [w.day for w in found] == [dt.date(2026, 3, 6), dt.date(2026, 3, 20), dt.date(2026, 4, 3)]
    whole = windows(validate({'type': 'every_n_weeks', 'n': 2, 'anchor': '2026-03-02'}), dt.date(2026, 3, 9),
                    dt.date(2026, 3, 22), SHANGHAI)
    assert [w.day for w in whole] == [dt.date(2026, 3, 16)]


# Whole periods, by date, campaigns ---------------------------------------------------------------------------


def test_monthly_is_due_all_month_missed_after_it_and_late_on_the_next_day():
    spec = {'type': 'monthly'}
    mid = utc(2026, 3, 15, 4)
    assert states(run(spec, [], mid, day=dt.date(2026, 3, 15), activity='inspection')) == [('due', None)]
    done = [rec(1, utc(2026, 3, 20, 2), activity='inspection')]
    assert states(run(spec, done, mid + dt.timedelta(days=6), day=dt.date(2026, 3, 15),
                      activity='inspection')) == [('done', 1)]
    april = utc(2026, 4, 1, 4)  # 1 April, noon
    assert states(run(spec, [], april, day=dt.date(2026, 3, 31), activity='inspection')) == [('missed', None)]
    on_first = [rec(2, utc(2026, 4, 1, 2), activity='inspection')]  # 1 April 10:00: late, within the next day
    assert states(run(spec, on_first, april, day=dt.date(2026, 3, 31), activity='inspection')) == [('late', 2)]
    on_second = [rec(3, utc(2026, 4, 2, 2), activity='inspection')]
    assert states(run(spec, on_second, april + dt.timedelta(days=1), day=dt.date(2026, 3, 31),
                      activity='inspection')) == [('missed', None)]
    found = windows(validate({'type': 'monthly', 'day': 20}), dt.date(2026, 2, 1), dt.date(2026, 2, 28), SHANGHAI)
    assert spans(found) == [(utc(2026, 2, 19, 16), utc(2026, 2, 28, 16), utc(2026, 3, 1, 16))]


def test_by_date_opens_days_before_each_assets_date():
    spec = {'type': 'by_date', 'field': 'expires_on', 'days_before': 30}
    soon = Target('item', 1, dates={'expires_on': dt.date(2026, 4, 10)})
    later = Target('item', 2, dates={'expires_on': dt.date(2026, 9, 1)})
    undated = Target('item', 3)
    rule = Rule(1, 'inspection', 'item', validate(spec), 'school_days')
    start, end = day_bounds(dt.date(2026, 3, 20), SHANGHAI)
    slots = compliance([rule], {1: [soon, later, undated]}, Calendar(), [], start, end, utc(2026, 3, 20, 4), SHANGHAI)
    assert [(s.target_id, s.start, s.end, s.status) for s in slots] == [
        (1, utc(2026, 3, 10, 16), utc(2026, 4, 10, 16), 'due')]  # 11 March – 10 April inclusive


def test_a_campaign_has_one_window_per_target_to_its_deadline():
    spec = {'type': 'campaign', 'start': '2026-04-20T00:00', 'deadline': '2026-04-30T18:00'}
    rule = Rule(1, 'inspection', 'place', validate(spec), 'school_days')
    targets = [Target('place', n) for n in (1, 2, 3)]
    records = [rec(1, utc(2026, 4, 22, 2), target=1, activity='inspection'),
               rec(2, utc(2026, 4, 30, 12), target=2, activity='inspection')]  # 20:00 on the deadline day: late
    start, end = days_bounds(dt.date(2026, 4, 20), dt.date(2026, 4, 30), SHANGHAI)
    during = compliance([rule], {1: targets}, Calendar(), records, start, end, utc(2026, 4, 25), SHANGHAI)
    assert [(s.target_id, s.status) for s in during] == [(1, 'done'), (2, 'due'), (3, 'due')]
    after = compliance([rule], {1: targets}, Calendar(), records, start, end, utc(2026, 5, 3), SHANGHAI)
    assert [(s.target_id, s.status, s.record_id) for s in after] == [(1, 'done', 1), (2, 'late', 2),
                                                                     (3, 'missed', None)]
    assert {(s.start, s.end) for s in after} == {(utc(2026, 4, 19, 16), utc(2026, 4, 30, 10))}
    # Any day inside the campaign shows its slots (a whole period overlapping the day).
    one_day = day_bounds(dt.date(2026, 4, 27), SHANGHAI)
    assert len(compliance([rule], {1: targets}, Calendar(), records, *one_day, utc(2026, 4, 27), SHANGHAI)) == 3


def test_term_windows_follow_the_calendar():
    cal = Calendar(terms=((dt.date(2026, 2, 23), dt.date(2026, 7, 3)), (dt.date(2026, 9, 1), dt.date(2027, 1, 22))))
    found = windows(validate({'type': 'term'}), dt.date(2026, 6, 1), dt.date(2026, 9, 30), SHANGHAI, cal)
    assert [(w.day, w.end) for w in found] == [(dt.date(2026, 2, 23), utc(2026, 7, 3, 16)),
                                               (dt.date(2026, 9, 1), utc(2027, 1, 22, 16))]


# Validation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('spec, message', [
    (None, '请选择这项任务的时间安排。'),
    ({'type': 'hourly'}, '请选择这项任务的时间安排。'),
    ({'type': 'windows', 'windows': []}, '请至少填写一个时间段。'),
    ({'type': 'windows', 'windows': [['07:00']]}, '每个时间段都需要开始和结束时间。'),
    ({'type': 'windows', 'windows': [['7点', '09:00']]}, '“7点”不是时刻（请写成 07:30 这样）。'),
    ({'type': 'windows', 'windows': [['07:00', '07:00']]}, '时间段的开始和结束不能相同（07:00）。'),
    ({'type': 'windows', 'windows': [['07:00', '09:00'], ['08:30', '10:00']]}, '时间段有重叠：每段须在下一段开始前结束。'),
    ({'type': 'times', 'times': ['07:50'], 'tolerance': 0}, '允许误差须为 1 到 360 分钟的整数。'),
    ({'type': 'every_n_weeks', 'n': 1, 'anchor': '2026-09-07'}, '“每 N 周”的 N 须为 2 到 52。'),
    ({'type': 'every_n_weeks', 'n': 2, 'anchor': '9月7日'}, '“9月7日”不是日期（请写成 2026-09-07 这样）。'),
    ({'type': 'weekly', 'weekdays': [7]}, '星期须为 0（周一）到 6（周日）的数字列表。'),
    ({'type': 'monthly', 'day': 31}, '每月的日期须为 1 到 28。'),
    ({'type': 'by_date', 'field': 'colour', 'days_before': 30}, '请选择按资产的哪个日期安排。'),
    ({'type': 'campaign', 'start': '2026-04-30T18:00', 'deadline': '2026-04-20T00:00'}, '截止时间须晚于开始时间。'),
])
def test_bad_specs_are_refused_with_a_chinese_message(app, spec, message):
    with app.test_request_context(), force_locale('zh_CN'):
        with pytest.raises(ScheduleError) as refused:
            validate(spec)
    assert str(refused.value) == message


def test_validation_normalises_good_specs():
    assert validate({'type': 'windows', 'windows': [['11:30', '13:30'], ['7:00', '09:00']]}) == {
        'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30']]}
    assert validate({'type': 'times', 'times': ['14:30', '07:50', '07:50']}) == {
        'type': 'times', 'times': ['07:50', '14:30'], 'tolerance': 15}
    assert validate({'type': 'campaign', 'start': '2026-04-20 00:00', 'deadline': '2026-04-30 18:00'}) == {
        'type': 'campaign', 'start': '2026-04-20T00:00', 'deadline': '2026-04-30T18:00'}
    assert validate({'type': 'windows', 'windows': [['22:00', '06:00']]})['windows'] == [['22:00', '06:00']]


def test_counts_without_slots_agree_with_the_slots_counted():
    """compliance_counts (the dashboard's trend) counts exactly what compliance() returns, for every kind of
    schedule, targets that come and go, records on time, late, extra and at other targets."""
    made = utc(2026, 3, 1)
    rules = [Rule(1, 'cleaning', 'place', validate(TOILETS), 'school_days', made),
             Rule(2, 'inspection', 'place', validate({'type': 'daily'}), 'every_day', utc(2026, 3, 10, 5)),
             Rule(3, 'inspection', 'place', validate({'type': 'weekly', 'weekdays': [0, 3]}), 'school_days', made,
                  utc(2026, 3, 19)),
             Rule(4, 'inspection', 'item', validate({'type': 'monthly'}), 'every_day', made),
             Rule(5, 'inspection', 'item', validate({'type': 'by_date', 'field': 'expires_on', 'days_before': 5}),
                  'every_day', made),
             Rule(6, 'campaign', 'place', validate({'type': 'campaign', 'start': '2026-03-11T08:00',
                                                   'deadline': '2026-03-13T18:00'}), 'every_day', made)]
    places = [Target('place', n, made) for n in range(1, 9)] + [
        Target('place', 9, utc(2026, 3, 12, 3)), Target('place', 10, made, utc(2026, 3, 16, 2))]
    items = [Target('item', 20 + n, made, None, {'expires_on': dt.date(2026, 3, 10 + 3 * n)}) for n in range(4)] + [
        Target('item', 30, made, utc(2026, 3, 17), {'expires_on': dt.date(2026, 3, 18)})]
    targets = {1: places, 2: places, 3: places[:5], 4: items, 5: items, 6: places[2:]}
    records, rid = [], 0
    for day in range(9, 21):
        for target in (1, 2, 9, 10):
            for hour in (0, 4, 9, 12):  # in windows, late and extra, in UTC
                rid += 1
                records.append(rec(rid, utc(2026, 3, day, hour + target % 3), target))
        rid += 1
        records.append(rec(rid, utc(2026, 3, day, 6), 2 + day % 5, 'inspection'))
        rid += 1
        records.append(rec(rid, utc(2026, 3, day, 7), 20 + day % 4, 'inspection', kind='item'))
        rid += 1
        records.append(rec(rid, utc(2026, 3, day, 7), 3 + day % 6, 'campaign'))
    cal = Calendar(((dt.date(2026, 3, 1), dt.date(2026, 7, 10)),), ((dt.date(2026, 3, 16), dt.date(2026, 3, 17)),),
                   ((dt.date(2026, 3, 15), 0),))
    start, end = days_bounds(dt.date(2026, 3, 10), dt.date(2026, 3, 20), SHANGHAI)
    for now in (utc(2026, 3, 12, 4, 30), utc(2026, 3, 18, 23), utc(2026, 4, 2)):
        slots = compliance(rules, targets, cal, records, start, end, now, SHANGHAI)

        def bucket(slot):
            return (slot.day, slot.whole)
        expected = {}
        for slot in slots:
            expected.setdefault(bucket(slot), dict.fromkeys(counts([]), 0))[slot.status] += 1
        assert len(slots) > 300 and len({s.status for s in slots}) >= 3
        assert compliance_counts(rules, targets, cal, records, start, end, now, SHANGHAI, bucket) == expected
