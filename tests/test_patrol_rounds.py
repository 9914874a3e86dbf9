"""Round scheduling, midnight-crossing shifts, time zones with and without daylight saving time, missed
computation and evidence flags: pure functions, travelling in time without a database."""
import datetime as dt

import pytest

from houqin.patrol import evidence
from houqin.patrol.rounds import (PlanError, RoundPlan, due_rounds, is_holiday, is_out_of_order, next_round,
                                  night_of, parse_hhmm, round_outcome, rounds_at, rounds_for_night, shift_window)

SHANGHAI, BERLIN, NEW_YORK = 'Asia/Shanghai', 'Europe/Berlin', 'America/New_York'


def utc(*args):
    return dt.datetime(*args)


def plan(start='22:00', end='06:00', starts=(), every=120, grace=15):
    return RoundPlan.from_values(start, end, starts, every, grace)


def windows(rounds):
    return [(r.start, r.end) for r in rounds]


def test_parse_hhmm_accepts_clock_times_and_refuses_the_rest():
    assert parse_hhmm('22:00') == dt.time(22, 0)
    assert parse_hhmm('6:05') == dt.time(6, 5)
    assert parse_hhmm('24:00') == dt.time(0, 0)
    assert parse_hhmm('２２：００'.replace('２', '2').replace('０', '0')) == dt.time(22, 0)  # full-width colon
    for bad in ('', '22', '25:00', '22:60', '22:5', 'ab:cd', None, '-1:00'):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_every_two_hours_from_22_to_06_in_shanghai_crosses_midnight():
    rounds = rounds_for_night(dt.date(2026, 3, 10), plan(), SHANGHAI)
    # Shanghai is UTC+8 all year: 22:00 local is 14:00 UTC.
    assert windows(rounds) == [(utc(2026, 3, 10, 14), utc(2026, 3, 10, 16)), (utc(2026, 3, 10, 16), utc(2026, 3, 10, 18)),
                               (utc(2026, 3, 10, 18), utc(2026, 3, 10, 20)), (utc(2026, 3, 10, 20), utc(2026, 3, 10, 22))]
    assert [r.index for r in rounds] == [0, 1, 2, 3]
    assert rounds[-1].due == utc(2026, 3, 10, 22, 15)
    assert all(r.night == dt.date(2026, 3, 10) for r in rounds)


def test_fixed_start_times_are_ordered_from_the_shift_start_and_outside_ones_ignored():
    rounds = rounds_for_night(dt.date(2026, 3, 10), plan(starts=['01:00', '22:30', '04:00', '12:00']), SHANGHAI)
    # 12:00 lies outside 22:00–06:00; the others run until the next start, the last until the shift end.
    assert windows(rounds) == [(utc(2026, 3, 10, 14, 30), utc(2026, 3, 10, 17)),
                               (utc(2026, 3, 10, 17), utc(2026, 3, 10, 20)),
                               (utc(2026, 3, 10, 20), utc(2026, 3, 10, 22))]


def test_a_shift_within_one_day_and_a_24_hour_holiday_shift():
    day = rounds_for_night(dt.date(2026, 2, 1), plan('08:00', '18:00', every=240), SHANGHAI)
    assert windows(day) == [(utc(2026, 2, 1, 0), utc(2026, 2, 1, 4)), (utc(2026, 2, 1, 4), utc(2026, 2, 1, 8)),
                            (utc(2026, 2, 1, 8), utc(2026, 2, 1, 10))]
    whole = rounds_for_night(dt.date(2026, 2, 1), plan('08:00', '08:00', every=360), SHANGHAI)
    assert len(whole) == 4 and whole[0].start == utc(2026, 2, 1, 0) and whole[-1].end == utc(2026, 2, 2, 0)


def test_spring_forward_night_in_berlin_skips_the_missing_hour():
    # 2026-03-29 02:00 CET → 03:00 CEST. Night of the 28th: 22:00 CET = 21:00 UTC.
    night = dt.date(2026, 3, 28)
    start, end = shift_window(night, plan(), BERLIN)
    assert (start, end) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 4))  # 06:00 CEST: a 7-hour night
    rounds = rounds_for_night(night, plan(), BERLIN)
    # 22:00, 00:00 CET; 02:00 does not exist and falls an hour later, at 03:00 CEST = 01:00 UTC; 04:00 CEST.
    assert windows(rounds) == [(utc(2026, 3, 28, 21), utc(2026, 3, 28, 23)), (utc(2026, 3, 28, 23), utc(2026, 3, 29, 1)),
                               (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)), (utc(2026, 3, 29, 2), utc(2026, 3, 29, 4))]
    # The round at the skipped hour is one real hour long, and rounds stay contiguous.
    assert all(a.end == b.start for a, b in zip(rounds, rounds[1:]))


def test_fall_back_night_in_new_york_takes_the_first_of_the_repeated_hour():
    # 2026-11-01 02:00 EDT → 01:00 EST. Fixed rounds at 22:00, 01:30 (happens twice) and 04:00.
    night = dt.date(2026, 10, 31)
    rounds = rounds_for_night(night, plan(starts=['22:00', '01:30', '04:00']), NEW_YORK)
    assert windows(rounds) == [(utc(2026, 11, 1, 2), utc(2026, 11, 1, 5, 30)),     # 22:00 EDT → 01:30 EDT
                               (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 9)),     # 01:30 EDT → 04:00 EST
                               (utc(2026, 11, 1, 9), utc(2026, 11, 1, 11))]        # 04:00 → 06:00 EST
    assert shift_window(night, plan(), NEW_YORK) == (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))  # a 9-hour night


def test_the_same_wall_times_on_an_ordinary_berlin_night():
    rounds = rounds_for_night(dt.date(2026, 3, 21), plan(), BERLIN)  # CET all night
    assert rounds[0].start == utc(2026, 3, 21, 21) and rounds[-1].end == utc(2026, 3, 22, 5)


def test_which_round_a_moment_is_in_across_midnight_and_grace():
    chooser = lambda night: (plan(), False)  # noqa: E731
    # 00:20 Shanghai on the 11th belongs to the night of the 10th: round 00:00–02:00.
    found = rounds_at(utc(2026, 3, 10, 16, 20), chooser, SHANGHAI)
    assert [(r.night, r.index) for r in found] == [(dt.date(2026, 3, 10), 1)]
    # 00:05 is also within the grace of round 22:00–00:00: both rounds, oldest first.
    found = rounds_at(utc(2026, 3, 10, 16, 5), chooser, SHANGHAI)
    assert [r.index for r in found] == [0, 1] and found[0].is_late(utc(2026, 3, 10, 16, 5))
    # 06:10 is in the last round's grace; 06:20 is after every round; 21:59 is before the shift.
    assert [r.index for r in rounds_at(utc(2026, 3, 10, 22, 10), chooser, SHANGHAI)] == [3]
    assert rounds_at(utc(2026, 3, 10, 22, 20), chooser, SHANGHAI) == []
    assert rounds_at(utc(2026, 3, 10, 13, 59), chooser, SHANGHAI) == []
    assert next_round(utc(2026, 3, 10, 22, 20), chooser, SHANGHAI).start == utc(2026, 3, 11, 14)


def test_holiday_nights_follow_their_own_plan():
    holidays = [(dt.date(2026, 10, 1), dt.date(2026, 10, 7))]
    assert is_holiday(dt.date(2026, 10, 1), holidays) and is_holiday(dt.date(2026, 10, 7), holidays)
    assert not is_holiday(dt.date(2026, 10, 8), holidays)
    assert is_holiday(dt.date(2026, 10, 10), holidays, weekdays=[5, 6])  # a Saturday
    normal, special = plan(), plan('18:00', '08:00', every=180)

    def chooser(night):
        h = is_holiday(night, holidays)
        return (special if h else normal), h
    at = utc(2026, 10, 2, 11)  # 19:00 Shanghai on 2 October: in the holiday's first round
    found = rounds_at(at, chooser, SHANGHAI)
    assert len(found) == 1 and found[0].holiday and found[0].start == utc(2026, 10, 2, 10)
    assert rounds_at(utc(2026, 10, 9, 11), chooser, SHANGHAI) == []  # 19:00 on an ordinary night


def test_due_rounds_are_those_whose_grace_has_ended():
    chooser = lambda night: (plan(), False)  # noqa: E731
    since = utc(2026, 3, 10, 0)
    assert due_rounds(since, utc(2026, 3, 10, 16, 14), chooser, SHANGHAI) == []
    done = due_rounds(since, utc(2026, 3, 10, 16, 15), chooser, SHANGHAI)
    assert [(r.night, r.index) for r in done] == [(dt.date(2026, 3, 10), 0)]
    assert len(due_rounds(since, utc(2026, 3, 12, 0), chooser, SHANGHAI)) == 8  # two whole nights
    assert due_rounds(utc(2026, 3, 10, 15), utc(2026, 3, 10, 23), chooser, SHANGHAI)[0].index == 1


def test_night_of_runs_noon_to_noon():
    assert night_of(utc(2026, 3, 10, 19), SHANGHAI) == dt.date(2026, 3, 10)   # 03:00 on the 11th
    assert night_of(utc(2026, 3, 11, 4), SHANGHAI) == dt.date(2026, 3, 11)    # 12:00 on the 11th


def test_a_plan_needs_a_positive_interval():
    with pytest.raises(PlanError):
        RoundPlan(dt.time(22), dt.time(6), (), 0, 15).start_offsets()


def test_out_of_order_means_going_back_not_skipping_ahead():
    assert not is_out_of_order(3, [0, 1])        # skipping stop 2 is a skip, not out of order
    assert is_out_of_order(2, [0, 1, 3])         # coming back to 2 after 3 is out of order
    assert not is_out_of_order(0, [])


def test_round_outcome_complete_incomplete_and_missed():
    stops = [10, 11, 12, 13]
    complete = round_outcome(stops, [(10, False, False, False), (11, False, False, False),
                                     (13, False, False, True), (12, True, True, False)])
    assert complete['status'] == 'complete' and complete['missed'] == []
    assert complete['late'] == [12] and complete['out_of_order'] == [12] and complete['flagged'] == 1
    incomplete = round_outcome(stops, [(10, False, False, False), (12, False, False, False)])
    assert incomplete['status'] == 'incomplete' and incomplete['missed'] == [11, 13]
    missed = round_outcome(stops, [])
    assert missed['status'] == 'missed' and missed['missed'] == stops  # a round with no scans is missed


def scans_at(*items):
    base = utc(2026, 3, 10, 14, 0)
    return [{'time': base + dt.timedelta(seconds=s), 'place_id': p, 'route_id': 1, 'position': pos}
            for s, p, pos in items]


def test_burst_flags_every_scan_in_it_and_nothing_else():
    scans = scans_at((0, 1, 0), (300, 2, 1), (320, 3, 2), (335, 4, 3), (900, 5, 4))
    flags = evidence.sequence_flags(scans, lambda r, a, b: 0)
    assert [bool(f) for f in flags] == [False, True, True, True, False]
    assert flags[1] == [{'code': 'burst', 'count': 3, 'seconds': 35}]
    # The same place scanned three times is a reload, not a burst.
    assert not any(evidence.sequence_flags(scans_at((0, 1, 0), (10, 1, 0), (20, 1, 0)), lambda r, a, b: 0))


def test_a_burst_window_includes_its_edge():
    no_minimum = lambda r, a, b: 0  # noqa: E731
    # Three checkpoints exactly BURST_SECONDS (60 s) apart first to last: a burst, all three flagged.
    assert evidence.BURST_SECONDS == 60 and evidence.BURST_COUNT == 3
    edge = evidence.sequence_flags(scans_at((0, 1, 0), (30, 2, 1), (60, 3, 2)), no_minimum)
    assert edge == [[{'code': 'burst', 'count': 3, 'seconds': 60}]] * 3
    assert evidence.burst_members([(s['time'], s['place_id']) for s in scans_at((0, 1, 0), (30, 2, 1), (60, 3, 2))]) \
        == {0: (3, 60), 1: (3, 60), 2: (3, 60)}
    # One second more and it is a fast walk, not a burst.
    assert evidence.sequence_flags(scans_at((0, 1, 0), (30, 2, 1), (61, 3, 2)), no_minimum) == [[], [], []]
    # A fourth 30 s later: two overlapping windows of three (0–60 s, 30–90 s), never one of four over 90 s.
    four = evidence.sequence_flags(scans_at((0, 1, 0), (30, 2, 1), (60, 3, 2), (90, 4, 3)), no_minimum)
    assert four == [[{'code': 'burst', 'count': 3, 'seconds': 60}]] * 4
    # Four places within the window: one burst of four.
    tight = evidence.sequence_flags(scans_at((0, 1, 0), (20, 2, 1), (40, 3, 2), (60, 4, 3)), no_minimum)
    assert tight == [[{'code': 'burst', 'count': 4, 'seconds': 60}]] * 4


def test_the_clock_tolerance_includes_its_edge():
    server = utc(2026, 3, 10, 14)
    assert evidence.CLOCK_TOLERANCE_SECONDS == 300
    assert evidence.clock_flag(server, server + dt.timedelta(seconds=300)) is None
    assert evidence.clock_flag(server, server - dt.timedelta(seconds=300)) is None
    assert evidence.clock_flag(server, server + dt.timedelta(seconds=301)) == {'code': 'clock', 'seconds': 301}


def test_walking_faster_than_the_pairs_minimum_is_flagged():
    minimum = lambda route, a, b: 3 if abs(a - b) == 1 else 0  # noqa: E731
    flags = evidence.sequence_flags(scans_at((0, 1, 0), (100, 2, 1), (400, 3, 2), (450, 5, 4)), minimum)
    assert flags[0] == [] and flags[2] == [] and flags[3] == []   # 5 min is enough; 2→4 are not neighbours
    assert flags[1] == [{'code': 'too_fast', 'seconds': 100, 'minimum': 3, 'from_place': 1}]


def test_clock_disagreement_and_location_checks():
    server = utc(2026, 3, 10, 14)
    assert evidence.clock_flag(server, server + dt.timedelta(minutes=4)) is None
    assert evidence.clock_flag(server, server - dt.timedelta(minutes=20)) == {'code': 'clock', 'seconds': -1200}
    assert evidence.clock_flag(server, None) is None
    gate = (31.2304, 121.4737, 10.0)
    assert evidence.location_check((31.2305, 121.4737, 15.0), gate)[0] == 'near'      # ~11 m away
    far = evidence.location_check((31.2404, 121.4737, 15.0), gate)                     # ~1.1 km away
    assert far[0] == 'far' and 1000 < far[1] < 1200
    assert evidence.location_check((31.2404, 121.4737, 80.0), gate) == ('unchecked', 'inaccurate')
    assert evidence.location_check((31.2404, 121.4737, 15.0), (None, None, None)) == \
        ('unchecked', 'no_checkpoint_location')
    assert evidence.location_check(None, gate) == ('unchecked', 'no_location')
    assert evidence.valid_location('31.2', '121.4', '12') and not evidence.valid_location('91', '0', '5')
    assert not evidence.valid_location('x', '0', '5') and not evidence.valid_location('1', '1', '0')
