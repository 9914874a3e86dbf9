"""The compliance engine (houqin/routines/compliance.py) function by function: targets' lifetimes, matching
records to windows (in order and not), each status's edges, periods, a routine's lifetime, the slots' fields,
filters, order, and the counts without slots — pinned with exact values for bench/mutation.py, no database."""
import datetime as dt

import pytest

from houqin.clock import days_bounds
from houqin.routines.compliance import (CLOSED, STATUSES, TICK, Done, Rule, Slot, Target, check_moment,
                                        compliance, compliance_counts, counts, in_period, match_records,
                                        on_time_rate, records_by_target, routine_slots, routine_windows,
                                        status_at)
from houqin.routines.schedule import Calendar, Window

SHANGHAI = 'Asia/Shanghai'
MONDAY = dt.date(2026, 3, 9)
TOILETS = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}
H = dt.timedelta(hours=1)


def utc(*args):
    return dt.datetime(*args)


def rec(rid, at, target=7, activity='cleaning', user=None, kind='place'):
    return Done(rid, kind, target, activity, at, user)


def window(start, end, limit, whole=False):
    return Window(start, end, limit, start.date(), whole)


def slot(start, end, whole=False):
    return Slot(1, 'place', 7, start, end, end, start.date(), whole)


def test_the_constants():
    assert STATUSES == ('done', 'late', 'missed', 'due', 'upcoming')
    assert CLOSED == ('done', 'late', 'missed')
    assert TICK == dt.timedelta(microseconds=1)


def test_a_target_is_active_from_its_start_until_it_is_retired():
    t = Target('place', 1, utc(2026, 3, 9), utc(2026, 3, 10))
    assert [t.active_at(m) for m in (utc(2026, 3, 9) - TICK, utc(2026, 3, 9), utc(2026, 3, 10) - TICK,
                                     utc(2026, 3, 10))] == [False, True, True, False]
    assert Target('place', 1).active_at(utc(1990, 1, 1)) is True
    assert Target('place', 1, retired_at=utc(2026, 3, 10)).active_at(utc(2026, 3, 9)) is True
    assert Target('place', 1, active_from=utc(2026, 3, 10)).active_at(utc(2030, 3, 9)) is True
    assert Target('place', 1, dates={'a': 1}) == Target('place', 1)


def test_a_slot_s_target_and_whether_it_is_satisfied():
    s = slot(utc(2026, 3, 9), utc(2026, 3, 10))
    assert s.target == ('place', 7)
    assert (s.status, s.record_id, s.user_id, s.done_at) == ('upcoming', None, None, None)
    assert [Slot(1, 'place', 7, 0, 0, 0, 0, False, st).satisfied for st in STATUSES] == [
        True, True, False, False, False]


# --- matching -------------------------------------------------------------------------------------------

W1 = (utc(2026, 3, 9, 1), utc(2026, 3, 9, 2), utc(2026, 3, 9, 5))
W2 = (utc(2026, 3, 9, 5), utc(2026, 3, 9, 6), utc(2026, 3, 9, 9))


@pytest.mark.parametrize('at, taken', [
    (W1[0] - TICK, {}), (W1[0], {0: False}), (W1[1] - TICK, {0: False}), (W1[1], {0: True}),
    (W1[2] - TICK, {0: True}), (W2[0], {1: False}), (W2[1], {1: True}), (W2[2] - TICK, {1: True}), (W2[2], {})])
def test_a_record_s_window_at_each_edge(at, taken):
    record = rec(1, at)
    found, extras = match_records([W1, W2], [record])
    assert {i: late for i, (r, late) in found.items()} == taken
    assert all(r is record for r, _late in found.values())
    assert extras == ([] if taken else [record])


def test_records_are_matched_in_time_order_and_a_later_window_is_not_taken_early():
    first, second, third = rec(3, W1[0]), rec(1, W1[0] + H / 2), rec(2, W1[1])
    found, extras = match_records([W1, W2], [third, second, first])
    assert found == {0: (first, False)} and extras == [second, third]


def test_records_at_the_same_time_go_by_id():
    a, b = rec(2, W1[0]), rec(1, W1[0])
    assert match_records([W1], [a, b]) == ({0: (b, False)}, [a])


def test_overlapping_windows_the_earliest_open_one_takes_the_record():
    wide = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 4), utc(2026, 3, 9, 8))
    narrow = (utc(2026, 3, 9, 1), utc(2026, 3, 9, 2), utc(2026, 3, 9, 3))
    r1, r2, r3 = rec(1, utc(2026, 3, 9, 1, 30)), rec(2, utc(2026, 3, 9, 1, 40)), rec(3, utc(2026, 3, 9, 1, 50))
    found, extras = match_records([narrow, wide], [r1, r2, r3])     # not in order: every window is read
    assert found == {1: (r1, False), 0: (r2, False)} and extras == [r3]
    same = [(utc(2026, 3, 9, 1), utc(2026, 3, 9, 2), utc(2026, 3, 9, 3))] * 2
    assert match_records(same, [r1]) == ({0: (r1, False)}, [])


def test_a_late_record_takes_the_latest_ended_window_it_beats():
    early = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 1), utc(2026, 3, 9, 10))
    later = (utc(2026, 3, 9, 2), utc(2026, 3, 9, 3), utc(2026, 3, 9, 10))
    r1, r2, r3 = rec(1, utc(2026, 3, 9, 4)), rec(2, utc(2026, 3, 9, 5)), rec(3, utc(2026, 3, 9, 6))
    assert match_records([early, later], [r1, r2, r3]) == ({1: (r1, True), 0: (r2, True)}, [r3])
    # same end, later start first; then the higher index
    a = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 3), utc(2026, 3, 9, 10))
    b = (utc(2026, 3, 9, 1), utc(2026, 3, 9, 3), utc(2026, 3, 9, 9))
    assert match_records([a, b], [r1]) == ({1: (r1, True)}, [])
    assert match_records([b, a], [r1])[0] == {0: (r1, True)}
    assert match_records([b, b], [r1])[0] == {1: (r1, True)}


def test_unordered_windows_are_all_read():
    # limits out of order: the bisection would miss the first window
    long_late = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 1), utc(2026, 3, 9, 12))
    short = (utc(2026, 3, 9, 2), utc(2026, 3, 9, 3), utc(2026, 3, 9, 4))
    r = rec(1, utc(2026, 3, 9, 5))
    assert match_records([long_late, short], [r]) == ({0: (r, True)}, [])
    starts_backwards = [W2, W1]
    assert match_records(starts_backwards, [rec(1, W1[0])])[0] == {1: (rec(1, W1[0]), False)}


def test_no_windows_no_records():
    assert match_records([], [rec(1, W1[0])]) == ({}, [rec(1, W1[0])])
    assert match_records([W1], []) == ({}, [])


# --- status and periods ---------------------------------------------------------------------------------

def test_the_status_of_an_unsatisfied_slot_at_each_edge():
    s = slot(utc(2026, 3, 9, 1), utc(2026, 3, 9, 2))
    assert [status_at(s, m) for m in (s.start - TICK, s.start, s.end - TICK, s.end)] == [
        'upcoming', 'due', 'due', 'missed']


def test_a_window_belongs_to_a_period_when_it_starts_in_it_or_as_a_whole_period_overlaps_it():
    start, end = utc(2026, 3, 9), utc(2026, 3, 10)
    assert in_period(slot(start, start + H), start, end) is True
    assert in_period(slot(end - TICK, end + H), start, end) is True
    assert in_period(slot(end, end + H), start, end) is False
    assert in_period(slot(start - H, start + H), start, end) is False            # a time of day started before
    assert in_period(slot(start - H, start + H, True), start, end) is True      # a whole period overlapping
    assert in_period(slot(start - H, start, True), start, end) is False         # ended as the period starts
    assert in_period(slot(start - H, start + TICK, True), start, end) is True
    assert in_period(slot(end, end + H, True), start, end) is False


def test_when_a_target_must_exist_for_a_window():
    w = window(utc(2026, 3, 9), utc(2026, 3, 10), utc(2026, 3, 11))
    assert check_moment(w) == utc(2026, 3, 9)
    assert check_moment(window(utc(2026, 3, 9), utc(2026, 3, 10), utc(2026, 3, 11), True)) == utc(2026, 3, 10) - TICK


def test_a_routine_s_windows_within_its_lifetime():
    def rule(created=None, retired=None):
        return Rule(1, 'cleaning', 'place', TOILETS, 'every_day', created, retired)
    starts = [w.start for w in routine_windows(rule(), MONDAY, MONDAY, SHANGHAI, Calendar())]
    assert starts == [utc(2026, 3, 8, 23), utc(2026, 3, 9, 3, 30), utc(2026, 3, 9, 8, 30)]
    ends = [utc(2026, 3, 9, 1), utc(2026, 3, 9, 5, 30), utc(2026, 3, 9, 10, 30)]
    assert [w.start for w in routine_windows(rule(created=ends[0]), MONDAY, MONDAY, SHANGHAI, Calendar())] == \
        starts[1:]                                                    # created as the window ends: not counted
    assert [w.start for w in routine_windows(rule(created=ends[0] - TICK), MONDAY, MONDAY, SHANGHAI,
                                             Calendar())] == starts
    assert [w.start for w in routine_windows(rule(retired=starts[1]), MONDAY, MONDAY, SHANGHAI, Calendar())] == \
        starts[:1]                                                    # retired as the window starts: not counted
    assert [w.start for w in routine_windows(rule(retired=starts[1] + TICK), MONDAY, MONDAY, SHANGHAI,
                                             Calendar())] == starts[:2]
    holidays = Calendar(holidays=((MONDAY, MONDAY),))
    assert routine_windows(Rule(1, 'c', 'place', TOILETS), MONDAY, MONDAY, SHANGHAI, holidays) == []
    by_date = Rule(1, 'c', 'item', {'type': 'by_date', 'field': 'expires_on', 'days_before': 0}, 'every_day')
    assert [w.day for w in routine_windows(by_date, MONDAY, MONDAY, SHANGHAI, Calendar(),
                                           {'expires_on': MONDAY})] == [MONDAY]


def test_records_by_target_up_to_now():
    a, b = rec(1, utc(2026, 3, 9, 1)), rec(2, utc(2026, 3, 9, 2))
    c, d = rec(3, utc(2026, 3, 9, 1), target=8, activity='x', kind='item'), rec(4, utc(2026, 3, 9, 3))
    assert records_by_target([b, a, c, d], utc(2026, 3, 9, 2)) == {
        ('cleaning', 'place', 7): [b, a], ('x', 'item', 8): [c]}
    assert records_by_target([], utc(2026, 3, 9)) == {}


# --- slots ----------------------------------------------------------------------------------------------

def slots_of(rule, targets, records, now, first=MONDAY, last=MONDAY, cal=None, **kw):
    start, end = days_bounds(first, last, SHANGHAI)
    return routine_slots(rule, targets, cal or Calendar(), records, start, end, now, SHANGHAI, **kw)


def test_slots_carry_their_window_and_record():
    rule = Rule(4, 'cleaning', 'place', TOILETS)
    done = rec(9, utc(2026, 3, 9, 0, 30), user=5)
    slots = slots_of(rule, [Target('place', 7)], [done], utc(2026, 3, 9, 4))
    first = slots[0]
    assert (first.routine_id, first.target_type, first.target_id, first.start, first.end, first.late_limit,
            first.day, first.whole, first.status, first.record_id, first.user_id, first.done_at) == (
        4, 'place', 7, utc(2026, 3, 8, 23), utc(2026, 3, 9, 1), utc(2026, 3, 9, 3, 30), MONDAY, False, 'done',
        9, 5, done.at)
    assert [(s.status, s.record_id, s.user_id, s.done_at) for s in slots[1:]] == [
        ('due', None, None, None), ('upcoming', None, None, None)]


def test_a_late_record_from_the_day_before_the_period_counts_for_it():
    rule = Rule(1, 'cleaning', 'place', {'type': 'windows', 'windows': [['16:30', '18:30']]}, 'every_day')
    late = rec(1, utc(2026, 3, 8, 23, 30))     # Monday 07:30 for Sunday's evening: Sunday's slot, not Monday's
    slots = slots_of(rule, [Target('place', 7)], [late], utc(2026, 3, 9, 12))
    assert [(s.day, s.status, s.record_id) for s in slots] == [(MONDAY, 'missed', None)]
    sunday = slots_of(rule, [Target('place', 7)], [late], utc(2026, 3, 9, 12), MONDAY - dt.timedelta(1),
                      MONDAY - dt.timedelta(1))
    assert [(s.status, s.record_id) for s in sunday] == [('late', 1)]


def test_the_period_s_last_day_is_read_up_to_its_end_only():
    rule = Rule(1, 'cleaning', 'place', {'type': 'windows', 'windows': [['00:00', '01:00']]}, 'every_day')
    slots = slots_of(rule, [Target('place', 7)], [], utc(2026, 3, 20), MONDAY, MONDAY + dt.timedelta(1))
    assert [s.day for s in slots] == [MONDAY, MONDAY + dt.timedelta(1)]


def test_only_targets_of_the_routine_s_type_with_records_of_its_activity():
    rule = Rule(1, 'cleaning', 'place', TOILETS)
    records = [rec(1, utc(2026, 3, 9, 0), target=1), rec(2, utc(2026, 3, 9, 0), target=2, activity='inspection'),
               rec(3, utc(2026, 3, 9, 0), target=3, kind='item')]
    slots = slots_of(rule, [Target('place', 1), Target('item', 3), Target('place', 2)], records,
                     utc(2026, 3, 9, 12))
    assert [(s.target_id, s.status, s.record_id) for s in slots] == [
        (1, 'done', 1), (1, 'missed', None), (1, 'missed', None), (2, 'missed', None), (2, 'missed', None),
        (2, 'missed', None)]


def test_indexed_records_replace_the_records_and_statuses_filter():
    rule = Rule(1, 'cleaning', 'place', TOILETS)
    record = rec(1, utc(2026, 3, 9, 0))
    indexed = records_by_target([record], utc(2026, 3, 9, 12))
    slots = slots_of(rule, [Target('place', 7)], [], utc(2026, 3, 9, 12), indexed=indexed)
    assert [s.status for s in slots] == ['done', 'missed', 'missed']
    assert [s.status for s in slots_of(rule, [Target('place', 7)], [], utc(2026, 3, 9, 12), indexed={})] == [
        'missed'] * 3
    assert [s.start for s in slots_of(rule, [Target('place', 7)], [record], utc(2026, 3, 9, 12),
                                      statuses=('missed',))] == [utc(2026, 3, 9, 3, 30), utc(2026, 3, 9, 8, 30)]
    assert slots_of(rule, [Target('place', 7)], [record], utc(2026, 3, 9, 12), statuses=()) == []
    # a record made after `now` is not seen
    assert [s.status for s in slots_of(rule, [Target('place', 7)], [record], utc(2026, 3, 8, 23, 30))] == [
        'due', 'upcoming', 'upcoming']


def test_targets_that_come_or_go_during_the_period_get_their_own_windows():
    rule = Rule(1, 'cleaning', 'place', TOILETS)
    came = Target('place', 1, active_from=utc(2026, 3, 8, 23))             # exactly at the first start
    late = Target('place', 2, active_from=utc(2026, 3, 8, 23) + TICK)
    left = Target('place', 3, retired_at=utc(2026, 3, 9, 8, 30))            # exactly at the last start
    stays = Target('place', 4, retired_at=utc(2026, 3, 9, 8, 30) + TICK)
    slots = slots_of(rule, [came, late, left, stays], [rec(1, utc(2026, 3, 9, 4), target=2)], utc(2026, 3, 9, 12))
    assert [(s.target_id, s.start.hour, s.status) for s in slots] == [
        (1, 23, 'missed'), (1, 3, 'missed'), (1, 8, 'missed'), (2, 3, 'done'), (2, 8, 'missed'),
        (3, 23, 'missed'), (3, 3, 'missed'), (4, 23, 'missed'), (4, 3, 'missed'), (4, 8, 'missed')]


def test_no_windows_no_slots():
    holidays = Calendar(holidays=((MONDAY, MONDAY),))
    assert slots_of(Rule(1, 'cleaning', 'place', TOILETS), [Target('place', 7)], [], utc(2026, 3, 9, 12),
                    cal=holidays) == []


def test_by_date_slots_are_per_target_and_its_lifetime():
    rule = Rule(1, 'inspection', 'item', {'type': 'by_date', 'field': 'expires_on', 'days_before': 0}, 'every_day')
    dated = Target('item', 1, dates={'expires_on': MONDAY})
    gone = Target('item', 2, retired_at=utc(2026, 3, 9, 15), dates={'expires_on': MONDAY})
    there = Target('item', 3, retired_at=utc(2026, 3, 9, 16), dates={'expires_on': MONDAY})
    record = rec(5, utc(2026, 3, 9, 2), target=1, activity='inspection', kind='item')
    slots = slots_of(rule, [dated, gone, there, Target('place', 1, dates={'expires_on': MONDAY})], [record],
                     utc(2026, 3, 9, 12))
    assert [(s.target_id, s.status, s.record_id, s.whole) for s in slots] == [
        (1, 'done', 5, True), (3, 'due', None, True)]


def test_compliance_orders_every_routine_s_slots_by_start_routine_and_target():
    a = Rule(2, 'cleaning', 'place', {'type': 'windows', 'windows': [['07:00', '09:00']]})
    b = Rule(1, 'cleaning', 'place', {'type': 'windows', 'windows': [['07:00', '09:00'], ['12:00', '13:00']]})
    targets = {1: [Target('place', 9), Target('place', 3)], 2: [Target('place', 5)], 3: [Target('place', 1)]}
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    slots = compliance([a, b], targets, None, [rec(1, utc(2026, 3, 9, 0), target=9)], start, end,
                       utc(2026, 3, 9, 12), SHANGHAI)
    assert [(s.start.hour, s.routine_id, s.target_id, s.status) for s in slots] == [
        (23, 1, 3, 'missed'), (23, 1, 9, 'done'), (23, 2, 5, 'missed'), (4, 1, 3, 'missed'), (4, 1, 9, 'missed')]
    missed = compliance([a, b], targets, Calendar(), [], start, end, utc(2026, 3, 9, 4, 30), SHANGHAI,
                        statuses=('missed',))
    assert [(s.routine_id, s.target_id) for s in missed] == [(1, 3), (1, 9), (2, 5)]
    holidays = Calendar(holidays=((MONDAY, MONDAY),))
    assert compliance([a], targets, holidays, [], start, end, utc(2026, 3, 9, 12), SHANGHAI) == []
    assert compliance([Rule(3, 'c', 'place', TOILETS)], {}, None, [], start, end, utc(2026, 3, 9), SHANGHAI) == []


# --- counts ---------------------------------------------------------------------------------------------

def by_day(s):
    return s.day


def test_counts_without_slots_per_bucket():
    rule = Rule(1, 'cleaning', 'place', TOILETS)
    targets = {1: [Target('place', 1), Target('place', 2), Target('place', 3, active_from=utc(2026, 3, 9, 4)),
                   Target('item', 4)]}
    records = [rec(1, utc(2026, 3, 9, 0), target=1), rec(2, utc(2026, 3, 9, 2), target=2),
               rec(3, utc(2026, 3, 9, 9), target=3), rec(4, utc(2026, 3, 8, 23, 30), target=1),
               rec(5, utc(2026, 3, 9, 0), target=4, kind='item')]
    start, end = days_bounds(MONDAY, MONDAY + dt.timedelta(1), SHANGHAI)
    now = utc(2026, 3, 9, 9)                                 # 17:00 Monday
    got = compliance_counts([rule], targets, None, records, start, end, now, SHANGHAI, by_day)
    slots = compliance([rule], targets, None, records, start, end, now, SHANGHAI)
    want = {}
    for s in slots:
        want.setdefault(s.day, dict.fromkeys(STATUSES, 0))[s.status] += 1
    assert got == want == {
        MONDAY: {'done': 2, 'late': 1, 'missed': 2, 'due': 2, 'upcoming': 0},
        MONDAY + dt.timedelta(1): {'done': 0, 'late': 0, 'missed': 0, 'due': 0, 'upcoming': 9}}


def test_counts_of_whole_periods_by_date_and_none():
    monthly = Rule(1, 'inspection', 'item', {'type': 'monthly'}, 'every_day')
    by_date = Rule(2, 'inspection', 'item', {'type': 'by_date', 'field': 'expires_on', 'days_before': 3},
                   'every_day')
    none = Rule(3, 'inspection', 'item', {'type': 'windows', 'windows': [['07:00', '08:00']]})
    items = [Target('item', 1, dates={'expires_on': MONDAY}), Target('item', 2, dates={'expires_on': MONDAY}),
             Target('item', 3)]
    records = [rec(1, utc(2026, 3, 8, 2), target=1, activity='inspection', kind='item')]
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    holidays = Calendar(holidays=((MONDAY, MONDAY),))
    got = compliance_counts([monthly, by_date, none], {1: items, 2: items, 3: items}, holidays, records, start, end,
                            utc(2026, 3, 9, 4), SHANGHAI, lambda s: s.whole)
    assert got == {True: {'done': 2, 'late': 0, 'missed': 0, 'due': 3, 'upcoming': 0}}   # one record, two routines
    assert compliance_counts([none], {3: items}, holidays, records, start, end, utc(2026, 3, 9), SHANGHAI,
                             by_day) == {}
    assert compliance_counts([monthly], {}, None, [], start, end, utc(2026, 3, 9), SHANGHAI, by_day) == {}


def test_counts_skip_windows_outside_the_period():
    rule = Rule(1, 'cleaning', 'place', {'type': 'windows', 'windows': [['16:30', '18:30']]}, 'every_day')
    late = rec(1, utc(2026, 3, 8, 23, 30))       # late for Sunday's window, read before the period
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    got = compliance_counts([rule], {1: [Target('place', 7)]}, None, [late], start, end, utc(2026, 3, 9, 12),
                            SHANGHAI, by_day)
    assert got == {MONDAY: {'done': 0, 'late': 0, 'missed': 1, 'due': 0, 'upcoming': 0}}


def test_counts_and_the_on_time_rate():
    def of(*statuses):
        return [Slot(1, 'place', 1, 0, 0, 0, 0, False, st) for st in statuses]
    assert counts([]) == {'done': 0, 'late': 0, 'missed': 0, 'due': 0, 'upcoming': 0}
    assert counts(of('done', 'done', 'due')) == {'done': 2, 'late': 0, 'missed': 0, 'due': 1, 'upcoming': 0}
    assert on_time_rate(of('done', 'late', 'missed', 'due', 'upcoming')) == pytest.approx(1 / 3)
    assert on_time_rate(of('done', 'done', 'late', 'due')) == pytest.approx(2 / 3)
    assert on_time_rate(of('missed')) == 0
    assert on_time_rate(of('due', 'upcoming')) is None
    assert on_time_rate([]) is None


# --- added for the survivors of the first mutation run ------------------------------------------------

def test_a_period_ending_just_after_midnight_reads_that_day():
    rule = Rule(1, 'cleaning', 'place', {'type': 'windows', 'windows': [['00:00', '01:00']]}, 'every_day')
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    end += TICK                                     # Tuesday 00:00:00.000001: Tuesday's midnight window starts in it
    slots = routine_slots(rule, [Target('place', 7)], Calendar(), [], start, end, utc(2026, 3, 20), SHANGHAI)
    assert [s.day for s in slots] == [MONDAY, MONDAY + dt.timedelta(1)]
    counted = compliance_counts([rule], {1: [Target('place', 7)]}, None, [], start, end, utc(2026, 3, 20), SHANGHAI,
                                by_day)
    assert counted == {MONDAY: {'done': 0, 'late': 0, 'missed': 1, 'due': 0, 'upcoming': 0},
                       MONDAY + dt.timedelta(1): {'done': 0, 'late': 0, 'missed': 1, 'due': 0, 'upcoming': 0}}


def test_counts_do_not_let_the_next_day_take_a_late_record():
    rule = Rule(1, 'inspection', 'place', {'type': 'daily'}, 'every_day')
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    record = rec(1, utc(2026, 3, 10, 2), activity='inspection')      # Tuesday 10:00: late for Monday
    now = utc(2026, 3, 10, 4)
    [late] = compliance([rule], {1: [Target('place', 7)]}, None, [record], start, end, now, SHANGHAI)
    assert (late.status, late.record_id) == ('late', 1)
    assert compliance_counts([rule], {1: [Target('place', 7)]}, None, [record], start, end, now, SHANGHAI,
                             by_day) == {MONDAY: {'done': 0, 'late': 1, 'missed': 0, 'due': 0, 'upcoming': 0}}


def test_a_routine_without_windows_does_not_stop_the_counts_of_the_next():
    holidays = Calendar(holidays=((MONDAY, MONDAY),))
    none = Rule(1, 'cleaning', 'place', TOILETS)                      # school days: none on a holiday
    daily = Rule(2, 'cleaning', 'place', {'type': 'daily'}, 'every_day')
    start, end = days_bounds(MONDAY, MONDAY, SHANGHAI)
    targets = {1: [Target('place', 7)], 2: [Target('place', 7)]}
    assert compliance_counts([none, daily], targets, holidays, [], start, end, utc(2026, 3, 9, 4), SHANGHAI,
                             by_day) == {MONDAY: {'done': 0, 'late': 0, 'missed': 0, 'due': 1, 'upcoming': 0}}


def test_windows_out_of_order_two_apart_are_not_taken_for_ordered():
    a = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 1), utc(2026, 3, 9, 5))
    b = (utc(2026, 3, 9, 3), utc(2026, 3, 9, 4), utc(2026, 3, 9, 6))
    c = (utc(2026, 3, 9, 2), utc(2026, 3, 9, 2, 30), utc(2026, 3, 9, 7))   # starts 0, 3, 2: out of order
    r = rec(1, utc(2026, 3, 9, 2, 10))
    assert match_records([a, b, c], [r]) == ({2: (r, False)}, [])


def test_unordered_windows_a_record_at_a_late_limit_is_not_late_for_it():
    short = (utc(2026, 3, 9, 2), utc(2026, 3, 9, 3), utc(2026, 3, 9, 4))
    long_late = (utc(2026, 3, 9, 0), utc(2026, 3, 9, 1), utc(2026, 3, 9, 6))
    r = rec(1, utc(2026, 3, 9, 4))
    assert match_records([short, long_late], [r]) == ({1: (r, True)}, [])
