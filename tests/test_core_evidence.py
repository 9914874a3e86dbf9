"""Evidence of presence (houqin/patrol/evidence.py): bursts, walking too fast, the phone's clock, the distance
to a checkpoint, kept and recomputed flags, plausible fixes — pinned for bench/mutation.py."""
import datetime

import pytest

from houqin.patrol.evidence import (burst_members, clock_flag, distance_metres, location_check, merge_flags,
                                    sequence_flags, too_fast, valid_location)

T0 = datetime.datetime(2026, 12, 2, 22, 0, 0)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


# --- bursts ----------------------------------------------------------------------------------------------

def test_three_places_within_a_minute_are_a_burst():
    scans = [(at(0), 1), (at(20), 2), (at(60), 3)]
    assert burst_members(scans) == {0: (3, 60), 1: (3, 60), 2: (3, 60)}


def test_three_places_in_61_seconds_are_no_burst():
    assert burst_members([(at(0), 1), (at(30), 2), (at(61), 3)]) == {}


def test_two_places_or_one_place_scanned_often_are_no_burst():
    assert burst_members([(at(0), 1), (at(5), 2), (at(10), 1), (at(15), 2)]) == {}


def test_the_first_scan_is_part_of_a_burst_that_starts_with_it():
    # the scan before the window must not be reached by wrapping to the end of the list
    scans = [(at(0), 1), (at(10), 2), (at(20), 3), (at(500), 4)]
    assert burst_members(scans) == {0: (3, 20), 1: (3, 20), 2: (3, 20)}


def test_a_scan_keeps_the_largest_burst_it_belongs_to():
    scans = [(at(0), 1), (at(10), 2), (at(20), 3), (at(30), 4), (at(75), 5)]
    # windows ending at scan 2: 3 places in 20 s; at scan 3: 4 places in 30 s (replaces it); at scan 4: scans
    # 2..4, 3 places in 55 s (scans 2 and 3 keep their 4-place burst)
    assert burst_members(scans) == {0: (4, 30), 1: (4, 30), 2: (4, 30), 3: (4, 30), 4: (3, 55)}


def test_burst_count_and_seconds_can_be_chosen():
    scans = [(at(0), 1), (at(90), 2)]
    assert burst_members(scans, count=2, seconds=90) == {0: (2, 90), 1: (2, 90)}
    assert burst_members(scans, count=2, seconds=89) == {}


def test_burst_span_is_rounded_to_seconds():
    scans = [(at(0), 1), (at(0.4), 2), (at(1.6), 3)]
    assert burst_members(scans) == {0: (3, 2), 1: (3, 2), 2: (3, 2)}


# --- too fast --------------------------------------------------------------------------------------------

def test_too_fast_is_under_the_pairs_minimum():
    assert too_fast(119, 2) is True
    assert too_fast(120, 2) is False
    assert too_fast(0, 0) is False
    assert too_fast(0, None) is False


# --- sequence flags --------------------------------------------------------------------------------------

def scan(seconds, place, route=1, position=None):
    return {'time': at(seconds), 'place_id': place, 'route_id': route, 'position': position}


def minimum_of(table):
    calls = []

    def minimum(route, a, b):
        calls.append((route, a, b))
        return table.get((route, a, b), 0)
    return minimum, calls


def test_a_walk_faster_than_the_minimum_is_flagged_with_its_seconds():
    minimum, calls = minimum_of({(1, 0, 1): 3})
    flags = sequence_flags([scan(0, 10, position=0), scan(100.4, 11, position=1)], minimum)
    assert flags == [[], [{'code': 'too_fast', 'seconds': 100, 'minimum': 3, 'from_place': 10}]]
    assert calls == [(1, 0, 1)]


def test_a_walk_at_the_minimum_is_not_flagged():
    minimum, _calls = minimum_of({(1, 0, 1): 3})
    assert sequence_flags([scan(0, 10, position=0), scan(180, 11, position=1)], minimum) == [[], []]


@pytest.mark.parametrize('before,after', [
    (scan(0, 10, route=1, position=0), scan(10, 11, route=2, position=1)),     # another route
    (scan(0, 10, position=None), scan(10, 11, position=1)),                   # before: no position
    (scan(0, 10, position=0), scan(10, 11, position=None)),                   # after: no position
    (scan(0, 10, position=0), scan(10, 10, position=1)),                      # the same place again
])
def test_no_walk_is_judged_between_scans_that_are_not_two_stops_of_one_route(before, after):
    minimum, calls = minimum_of({(1, 0, 1): 3, (2, 0, 1): 3})
    assert sequence_flags([before, after], minimum) == [[], []]
    assert calls == []


def test_positions_zero_are_positions():
    minimum, calls = minimum_of({(1, 0, 0): 5})
    assert sequence_flags([scan(0, 10, position=0), scan(10, 11, position=0)], minimum)[1][0]['code'] == 'too_fast'


def test_a_scan_in_a_burst_is_flagged_as_burst_only():
    minimum, _calls = minimum_of({(1, 0, 1): 3, (1, 1, 2): 3, (1, 2, 3): 3})
    scans = [scan(0, 10, position=0), scan(10, 11, position=1), scan(20, 12, position=2), scan(400, 13, position=3)]
    flags = sequence_flags(scans, minimum)
    assert flags[:3] == [[{'code': 'burst', 'count': 3, 'seconds': 20}]] * 3
    assert flags[3] == []       # 380 s after the last: slower than 3 minutes


def test_the_first_scan_has_no_walk_before_it():
    minimum, calls = minimum_of({})
    assert sequence_flags([scan(0, 10, position=0)], minimum) == [[]]
    assert calls == []


# --- the phone's clock -----------------------------------------------------------------------------------

def test_clock_flag_beyond_five_minutes_either_way():
    assert clock_flag(at(0), at(301)) == {'code': 'clock', 'seconds': 301}
    assert clock_flag(at(0), at(-301.4)) == {'code': 'clock', 'seconds': -301}
    assert clock_flag(at(0), at(300)) is None
    assert clock_flag(at(0), at(-300)) is None
    assert clock_flag(at(0), None) is None
    assert clock_flag(at(0), at(11), tolerance=10) == {'code': 'clock', 'seconds': 11}


# --- distance and location -------------------------------------------------------------------------------

def test_distance_of_a_degree_of_latitude_and_of_longitude_at_60_degrees():
    assert distance_metres(31.0, 121.0, 32.0, 121.0) == pytest.approx(111195, abs=1)
    assert distance_metres(60.0, 10.0, 60.0, 11.0) == pytest.approx(55597.5, abs=1)
    assert distance_metres(31.2, 121.4, 31.2, 121.4) == 0


def test_distance_is_symmetric_and_half_the_globe_at_most():
    assert distance_metres(10, 20, -30, 50) == pytest.approx(distance_metres(-30, 50, 10, 20))
    assert distance_metres(0, 0, 0, 180) == pytest.approx(20015086.8, abs=1)


HERE = (31.2, 121.4, 10)


def north(metres, accuracy=10):
    return (31.2 + metres / 111195.0, 121.4, accuracy)


def test_location_near_and_far():
    assert location_check(north(69), HERE) == ('near', 69)        # 10 + 10 + 50 = 70 m allowed
    assert location_check(north(71), HERE) == ('far', 71)


def test_location_far_needs_more_than_both_accuracies_and_the_margin():
    assert location_check(north(95, accuracy=40), HERE) == ('near', 95)      # 40 + 10 + 50 = 100
    assert location_check(north(105, accuracy=40), HERE) == ('far', 105)
    assert location_check(north(25, accuracy=10), HERE, margin=0) == ('far', 25)


def test_location_is_unchecked_without_fixes_or_with_poor_ones():
    assert location_check(None, HERE) == ('unchecked', 'no_location')
    assert location_check((31.2, None, 10), HERE) == ('unchecked', 'no_location')
    assert location_check(HERE, None) == ('unchecked', 'no_checkpoint_location')
    assert location_check(HERE, (31.2, 121.4, None)) == ('unchecked', 'no_checkpoint_location')
    assert location_check(north(500, accuracy=51), HERE) == ('unchecked', 'inaccurate')
    assert location_check(HERE, (31.2, 121.4, 51)) == ('unchecked', 'inaccurate')
    assert location_check(north(500, accuracy=50), (31.2, 121.4, 50)) == ('far', 500)
    assert location_check(north(500, accuracy=21), HERE, max_accuracy=20) == ('unchecked', 'inaccurate')
    assert location_check(HERE, (31.2, 121.4, 21), max_accuracy=20) == ('unchecked', 'inaccurate')


# --- merging and plausible fixes -------------------------------------------------------------------------

def test_merge_keeps_the_scans_own_flags_and_replaces_sequence_flags():
    existing = [{'code': 'clock', 'seconds': 400}, {'code': 'burst', 'count': 3, 'seconds': 20},
                {'code': 'too_fast', 'seconds': 10}, {'code': 'far', 'metres': 300}, {}]
    fresh = ({'code': 'too_fast', 'seconds': 12},)
    assert merge_flags(existing, fresh) == [{'code': 'clock', 'seconds': 400}, {'code': 'far', 'metres': 300}, {},
                                            {'code': 'too_fast', 'seconds': 12}]


@pytest.mark.parametrize('fix', [(90, 180, 0.1), (-90, -180, 99999), ('31.2', '121.4', '15')])
def test_valid_locations_include_the_edges_of_the_globe(fix):
    assert valid_location(*fix) is True


@pytest.mark.parametrize('fix', [(90.01, 0, 10), (-90.01, 0, 10), (0, 180.01, 10), (0, -180.01, 10), (0, 0, 0),
                                 (0, 0, -5), (0, 0, 100000), (None, 0, 10), (0, 'east', 10), (0, 0, None)])
def test_invalid_locations(fix):
    assert valid_location(*fix) is False


def test_a_scans_burst_flag_stays_as_first_shown_until_a_larger_burst_comes():
    # Flags are recomputed at every scan; a scan already flagged for a burst of three keeps that flag's seconds
    # when a later, equally large burst overlaps it (the evidence shown does not drift as the night goes on).
    scans = [(at(0), 1), (at(10), 2), (at(20), 3), (at(70), 1)]
    assert burst_members(scans[:3]) == {0: (3, 20), 1: (3, 20), 2: (3, 20)}
    assert burst_members(scans) == {0: (3, 20), 1: (3, 20), 2: (3, 20), 3: (3, 60)}


def test_at_exactly_both_accuracies_plus_the_margin_a_scan_is_near():
    # 'far' is further apart than both accuracies plus the margin: the same point with nothing to spare is near
    assert location_check((31.2, 121.4, 0), (31.2, 121.4, 0), margin=0) == ('near', 0)
