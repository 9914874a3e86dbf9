"""Patrol rounds (houqin/patrol/rounds.py) edge by edge: the plan from stored values, clock times, round
windows and their grace, holidays, nights, the rounds due and next, and a finished round's outcome — pinned
for bench/mutation.py. Times are naive UTC; Shanghai is UTC+8 all year."""
import datetime as dt
import time

import pytest

from houqin.patrol.rounds import (DEFAULT_EVERY_MINUTES, DEFAULT_GRACE_MINUTES, PlanError, Round, RoundPlan,
                                  due_rounds, hhmm, is_holiday, is_out_of_order, local_date, minutes_of,
                                  next_round, night_of, nights_between, parse_hhmm, round_outcome, rounds_at,
                                  rounds_for_night, shift_window, sorted_starts, wall_to_utc)

SHANGHAI = 'Asia/Shanghai'
NIGHT = dt.date(2026, 3, 10)


def utc(*args):
    return dt.datetime(*args)


# --- the plan --------------------------------------------------------------------------------------------

def test_a_plan_from_stored_values_with_defaults():
    plan = RoundPlan.from_values('22:00', '06:00')
    assert plan == RoundPlan(dt.time(22), dt.time(6), (), 120, 15)
    assert (DEFAULT_EVERY_MINUTES, DEFAULT_GRACE_MINUTES) == (120, 15)
    assert RoundPlan(dt.time(22), dt.time(6)) == plan


def test_a_plan_from_stored_values_keeps_them():
    plan = RoundPlan.from_values('22:00', '06:00', ['01:00', '23:00'], '90', '0')
    assert plan == RoundPlan(dt.time(22), dt.time(6), (dt.time(23), dt.time(1)), 90, 0)
    assert RoundPlan.from_values('22:00', '06:00', every_minutes=0).every_minutes == 120   # 0: the default


def test_shift_length_on_the_wall_clock():
    assert RoundPlan(dt.time(22), dt.time(6)).shift_minutes() == 480
    assert RoundPlan(dt.time(8), dt.time(18)).shift_minutes() == 600
    assert RoundPlan(dt.time(8), dt.time(8)).shift_minutes() == 1440
    assert RoundPlan(dt.time(8, 30), dt.time(8)).shift_minutes() == 1410


def test_start_offsets_every_n_minutes_and_fixed():
    assert RoundPlan(dt.time(22), dt.time(6), every_minutes=180).start_offsets() == [0, 180, 360]
    fixed = RoundPlan(dt.time(22), dt.time(6), (dt.time(6), dt.time(22), dt.time(5, 59), dt.time(23)))
    assert fixed.start_offsets() == [0, 60, 479]        # 06:00 is the shift's end: no round starts there
    with pytest.raises(PlanError) as refused:
        RoundPlan(dt.time(22), dt.time(6), every_minutes=-5).start_offsets()
    assert str(refused.value) == 'every_minutes must be positive'
    assert RoundPlan(dt.time(22), dt.time(6), every_minutes=1).start_offsets()[-1] == 479


# --- clock times -----------------------------------------------------------------------------------------

def test_parse_hhmm_edges():
    assert parse_hhmm(dt.time(7, 15)) == dt.time(7, 15)
    assert parse_hhmm(' 23:59 ') == dt.time(23, 59)
    assert parse_hhmm('00:00') == dt.time(0, 0)
    assert parse_hhmm('7：30') == dt.time(7, 30)
    for bad in ('24:01', '123:00', '012:00', '12:60', ':00', '12:', '12:345', '1 2:00', '12-00'):
        with pytest.raises(ValueError) as refused:
            parse_hhmm(bad)
        assert str(refused.value) == f'not a time of day: {bad!r}'


def test_minutes_and_hhmm():
    assert minutes_of(dt.time(22, 5)) == 1325
    assert hhmm(dt.time(6, 5)) == '06:05'


def test_fixed_starts_are_ordered_from_the_shift_start_and_deduplicated():
    assert sorted_starts(['01:00', '22:00', '23:30', '1:00'], '22:00') == \
        [dt.time(22), dt.time(23, 30), dt.time(1)]
    assert sorted_starts(None, '22:00') == []
    assert sorted_starts(['02:00', '20:00', '12:00', '08:00'], '08:00') == \
        [dt.time(8), dt.time(12), dt.time(20), dt.time(2)]


def test_wall_to_utc_runs_into_later_days():
    assert wall_to_utc(NIGHT, 22 * 60, SHANGHAI) == utc(2026, 3, 10, 14)
    assert wall_to_utc(NIGHT, 24 * 60 + 90, SHANGHAI) == utc(2026, 3, 10, 17, 30)
    assert wall_to_utc(NIGHT, 48 * 60, SHANGHAI) == utc(2026, 3, 11, 16)


def test_wall_times_are_utc_on_a_server_whose_clock_is_set_to_china_time(monkeypatch):
    monkeypatch.setenv('TZ', 'Asia/Shanghai')
    time.tzset()
    try:
        assert wall_to_utc(NIGHT, 22 * 60, 'Europe/Berlin') == utc(2026, 3, 10, 21)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_shift_window():
    assert shift_window(NIGHT, RoundPlan(dt.time(22), dt.time(6)), SHANGHAI) == \
        (utc(2026, 3, 10, 14), utc(2026, 3, 10, 22))


# --- rounds ----------------------------------------------------------------------------------------------

def test_a_round_contains_its_window_and_grace():
    r = Round(NIGHT, 0, utc(2026, 3, 10, 14), utc(2026, 3, 10, 16), 15)
    assert r.due == utc(2026, 3, 10, 16, 15)
    assert r.contains(utc(2026, 3, 10, 14)) and not r.contains(utc(2026, 3, 10, 13, 59, 59))
    assert r.contains(utc(2026, 3, 10, 16, 14, 59)) and not r.contains(utc(2026, 3, 10, 16, 15))
    assert not r.is_late(utc(2026, 3, 10, 15, 59, 59))
    assert r.is_late(utc(2026, 3, 10, 16)) and r.is_late(utc(2026, 3, 10, 16, 14, 59))
    assert not r.is_late(utc(2026, 3, 10, 16, 15))
    assert Round(NIGHT, 0, r.start, r.end).grace_minutes == 15 and Round(NIGHT, 0, r.start, r.end).holiday is False


def test_rounds_for_night_carry_the_plans_grace_and_the_holiday():
    rounds = rounds_for_night(NIGHT, RoundPlan(dt.time(22), dt.time(2), every_minutes=120, grace_minutes=5),
                              SHANGHAI, holiday=True)
    assert [(r.index, r.start, r.end, r.grace_minutes, r.holiday) for r in rounds] == [
        (0, utc(2026, 3, 10, 14), utc(2026, 3, 10, 16), 5, True),
        (1, utc(2026, 3, 10, 16), utc(2026, 3, 10, 18), 5, True)]
    assert rounds_for_night(NIGHT, RoundPlan(dt.time(22), dt.time(2)), SHANGHAI)[0].holiday is False


def test_a_round_with_no_time_is_dropped_and_indexes_stay_contiguous():
    # Berlin, 2026-03-29: 02:00 and 02:30 both fall at 03:00 CEST; the 02:00 round has no time at all
    plan = RoundPlan(dt.time(1), dt.time(4), (dt.time(1), dt.time(2), dt.time(2, 30), dt.time(3, 30)))
    rounds = rounds_for_night(dt.date(2026, 3, 29), plan, 'Europe/Berlin')
    assert [(r.index, r.start, r.end) for r in rounds] == [
        (0, utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)),
        (1, utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)),
        (2, utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))]


# --- holidays, nights ------------------------------------------------------------------------------------

def test_holidays_by_range_and_weekday():
    holidays = [(dt.date(2026, 10, 1), dt.date(2026, 10, 3)), (dt.date(2026, 12, 31), dt.date(2026, 12, 31))]
    assert is_holiday(dt.date(2026, 12, 31), holidays)
    assert not is_holiday(dt.date(2026, 9, 30), holidays)
    assert is_holiday(dt.date(2026, 3, 9), weekdays=[0])          # a Monday
    assert not is_holiday(dt.date(2026, 3, 10), weekdays=[0])
    assert not is_holiday(dt.date(2026, 3, 9))
    assert is_holiday(dt.date(2026, 3, 9), (), None) is False


def test_local_date_and_night_of_at_noon():
    assert local_date(utc(2026, 3, 10, 16), SHANGHAI) == dt.date(2026, 3, 11)       # 00:00 on the 11th
    assert night_of(utc(2026, 3, 11, 3, 59), SHANGHAI) == dt.date(2026, 3, 10)      # 11:59
    assert night_of(utc(2026, 3, 11, 4), SHANGHAI) == dt.date(2026, 3, 11)          # 12:00


def test_nights_between_is_inclusive():
    assert nights_between(dt.date(2026, 3, 10), dt.date(2026, 3, 12)) == \
        [dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 12)]
    assert nights_between(NIGHT, NIGHT) == [NIGHT]


# --- rounds at, next, due --------------------------------------------------------------------------------

def nightly(plan=None, only=None):
    chosen = plan or RoundPlan(dt.time(22), dt.time(6))
    seen = []

    def chooser(night):
        seen.append(night)
        if only is not None and night not in only:
            return None
        return chosen, night in (only or ())
    return chooser, seen


def test_rounds_at_looks_at_last_night_and_tonight():
    chooser, seen = nightly()
    found = rounds_at(utc(2026, 3, 10, 16, 20), chooser, SHANGHAI)       # 00:20 on the 11th
    assert seen == [dt.date(2026, 3, 10), dt.date(2026, 3, 11)]
    assert [(r.night, r.index) for r in found] == [(dt.date(2026, 3, 10), 1)]


def test_rounds_at_a_night_without_rounds():
    chooser, _seen = nightly(only=[])
    assert rounds_at(utc(2026, 3, 10, 16, 20), chooser, SHANGHAI) == []
    chooser, _seen = nightly(only=[dt.date(2026, 3, 10)])
    found = rounds_at(utc(2026, 3, 10, 16, 20), chooser, SHANGHAI)
    assert len(found) == 1 and found[0].holiday is True


def test_rounds_at_are_oldest_first_across_two_nights():
    # a 24-hour shift from 12:00: at 12:05 the last round of yesterday's shift (in its grace) and today's first
    chooser, _seen = nightly(RoundPlan(dt.time(12), dt.time(12), every_minutes=360))
    found = rounds_at(utc(2026, 3, 11, 4, 5), chooser, SHANGHAI)
    assert [(r.night, r.index) for r in found] == [(dt.date(2026, 3, 10), 3), (dt.date(2026, 3, 11), 0)]


def test_next_round_is_the_first_starting_after_the_moment():
    chooser, seen = nightly()
    assert next_round(utc(2026, 3, 10, 14), chooser, SHANGHAI).start == utc(2026, 3, 10, 16)   # not the one at 14:00
    assert seen[0] == dt.date(2026, 3, 9) and seen[-1] == dt.date(2026, 3, 10)
    chooser, seen = nightly(only=[dt.date(2026, 3, 12)])
    found = next_round(utc(2026, 3, 10, 5), chooser, SHANGHAI)
    assert found.start == utc(2026, 3, 12, 14) and found.holiday is True
    assert seen == [dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 12)]
    chooser, _seen = nightly(only=[dt.date(2026, 3, 13)])
    assert next_round(utc(2026, 3, 10, 5), chooser, SHANGHAI) is None
    assert next_round(utc(2026, 3, 10, 5), chooser, SHANGHAI, days=3).start == utc(2026, 3, 13, 14)


def test_due_rounds_edges():
    chooser, seen = nightly(only=[dt.date(2026, 3, 10)])
    since = utc(2026, 3, 10, 16)                                 # the second round's start
    done = due_rounds(since, utc(2026, 3, 10, 18, 15), chooser, SHANGHAI)
    assert [(r.index, r.holiday) for r in done] == [(1, True)]
    assert seen == [dt.date(2026, 3, 10), dt.date(2026, 3, 11)]       # since is 00:00 on the 11th, local
    assert due_rounds(since, utc(2026, 3, 10, 18, 14), chooser, SHANGHAI) == []
    # a round from the night before `since`'s local date counts when it starts after `since`
    chooser, _seen = nightly(only=[dt.date(2026, 3, 10)])
    assert [r.index for r in due_rounds(utc(2026, 3, 10, 17), utc(2026, 3, 11, 0), chooser, SHANGHAI)] == [2, 3]
    chooser, _seen = nightly(only=[dt.date(2026, 3, 9)])
    assert [r.index for r in due_rounds(utc(2026, 3, 10, 0), utc(2026, 3, 10, 23), chooser, SHANGHAI)] == []
    chooser, _seen = nightly(only=[dt.date(2026, 3, 9)])
    assert len(due_rounds(utc(2026, 3, 9, 14), utc(2026, 3, 10, 23), chooser, SHANGHAI)) == 4


# --- order and outcome -----------------------------------------------------------------------------------

def test_out_of_order_edges():
    assert not is_out_of_order(2, [2])          # the same stop again is not going back
    assert is_out_of_order(2, [3])


def test_round_outcome_in_full():
    outcome = round_outcome([10, 11, 12], [(12, True, False, True), (10, False, True, False), (10, True, True, 1),
                                           (99, False, False, False)])
    assert outcome == {'status': 'incomplete', 'done': [10, 12], 'missed': [11], 'late': [12, 10],
                       'out_of_order': [10], 'flagged': 2, 'scans': 4}


def test_round_outcome_complete_and_missed_in_full():
    assert round_outcome([1], [(1, False, False, False)]) == {
        'status': 'complete', 'done': [1], 'missed': [], 'late': [], 'out_of_order': [], 'flagged': 0, 'scans': 1}
    assert round_outcome([1, 2], []) == {
        'status': 'missed', 'done': [], 'missed': [1, 2], 'late': [], 'out_of_order': [], 'flagged': 0,
        'scans': 0}
    # scans only of stops no longer on the route: not missed as a round, incomplete
    assert round_outcome([1], [(5, False, False, False)])['status'] == 'incomplete'
