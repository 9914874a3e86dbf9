"""Checkpoints (houqin/patrol/checkpoints.py) function by function: who is a guard here, the stops at a place,
when a round has ended, the evidence token and its refusals, a round's run, walking minimums, the progress
panel, the phone's evidence and what record_scan refuses — pinned with exact values for bench/mutation.py,
on the real database without HTTP. Times are naive UTC; Shanghai is UTC+8."""
import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

import pytest
from flask import g
from test_patrol_helpers import local, make_route

from houqin.db import database
from houqin.models import Campus, Holiday, Membership, PatrolRun, PatrolScan, Place, Record, Route, RouteStop, Tag
from houqin.patrol import checkpoints
from houqin.patrol.checkpoints import (ANOMALIES, EVIDENCE_SECONDS, RELOAD_SECONDS, SEQUENCE_LOOKBACK, Progress,
                                       checkpoint_stops, evidence_refusal, evidence_token, record_evidence,
                                       record_scan, role_on_campus, round_has_ended, run_for_round, walk_minimums,
                                       with_progress)
from houqin.patrol.route_views import renumber
from houqin.patrol.rounds import Round
from houqin.scan.records import server_key

NIGHT = dt.date(2026, 3, 10)
NAMES = ['校门', '配电房', '女生宿舍', '后门']
SECRET = 'test-secret'


@pytest.fixture
def night(app, school):
    with app.test_request_context('/'), database.connection_context():
        route, places, tags, stops = make_route(school['campus'], NAMES)
        yield {'route': route, 'places': places, 'tags': tags, 'stops': stops, 'guard': school['users']['guard'],
               'school': school}


def scan(night, i, hour, minute, second=0, user=None, **kw):
    return record_scan(night['tags'][i], user or night['guard'], now=local(NIGHT, hour, minute, second), **kw)


def test_the_constants():
    assert (RELOAD_SECONDS, EVIDENCE_SECONDS, SEQUENCE_LOOKBACK) == (300, 120, dt.timedelta(hours=1))
    assert list(ANOMALIES) == ['door_unlocked', 'light_on', 'window_open', 'tap_running', 'socket_live',
                               'suspicious_person', 'damage', 'other']


# --- the progress panel's value -------------------------------------------------------------------------

def test_progress_is_complete_only_in_a_round_with_every_stop_done():
    rnd = Round(NIGHT, 0, local(NIGHT, 22), local(NIGHT, 24))
    assert Progress('r', rnd, total=4, done=4).complete is True
    assert Progress('r', rnd, total=4, done=5).complete is True
    assert not Progress('r', rnd, total=4, done=3).complete
    assert not Progress('r', None, total=4, done=4).complete
    assert not Progress('r', rnd, total=0, done=0).complete
    p = Progress('r')
    assert (p.round, p.total, p.done, p.next, p.skipped, p.next_round, p.anomalies, p.note, p.hazard, p.errors) == (
        None, 0, 0, [], [], None, ANOMALIES, '', False, [])
    assert len(p.form_uuid) == 36 and p.form_uuid != Progress('r').form_uuid


# --- roles and stops ------------------------------------------------------------------------------------

def test_the_role_is_the_request_s_on_its_campus_else_the_membership(night):
    guard, campus = night['guard'], night['school']['campus']
    assert role_on_campus(guard, campus.id) == 'guard'
    other = Campus.create(name='分校', code='other')
    assert role_on_campus(guard, other.id) is None
    g.campus, g.role = campus, 'manager'
    assert role_on_campus(guard, campus.id) == 'manager'         # the request's role on its campus
    Membership.create(user=guard, campus=other, role='teacher')
    assert role_on_campus(guard, other.id) == 'teacher'          # another campus: its membership
    g.campus = None
    assert role_on_campus(guard, campus.id) == 'guard'


def test_the_role_without_a_request_is_the_membership(app, school):
    with app.app_context(), database.connection_context():
        assert role_on_campus(school['users']['teacher'], school['campus'].id) == 'teacher'


def test_the_stops_at_a_place_are_of_active_routes_of_the_campus_in_order(night):
    gate = night['places'][0]
    second, _p, _t, second_stops = make_route(night['school']['campus'], ['校门', '食堂'], name='白天巡逻')
    extra = RouteStop.create(route=night['route'], place=gate, position=9)
    stops = checkpoint_stops(night['school']['campus'].id, gate.id)
    assert [s.id for s in stops] == [night['stops'][0].id, extra.id, second_stops[0].id]
    assert stops[0].route.name == '夜间巡逻'
    Route.update(active=False).where(Route.id == second.id).execute()
    assert [s.id for s in checkpoint_stops(night['school']['campus'].id, gate.id)] == [night['stops'][0].id,
                                                                                       extra.id]
    assert checkpoint_stops(Campus.create(name='分校', code='other').id, gate.id) == []
    assert checkpoint_stops(night['school']['campus'].id, night['school']['room'].id) == []


def test_stops_of_one_route_at_one_place_go_by_position_then_id(night):
    gate = night['places'][0]
    a = RouteStop.create(route=night['route'], place=gate, position=7)
    b = RouteStop.create(route=night['route'], place=gate, position=7)
    RouteStop.update(position=8).where(RouteStop.id == night['stops'][0].id).execute()
    assert [s.id for s in checkpoint_stops(night['school']['campus'].id, gate.id)] == [a.id, b.id,
                                                                                       night['stops'][0].id]


# --- rounds and runs ------------------------------------------------------------------------------------

def test_a_round_has_ended_at_its_end(night):
    first = scan(night, 0, 22, 5)
    end = local(NIGHT, 24)
    assert round_has_ended(first, end - dt.timedelta(microseconds=1)) is False
    assert round_has_ended(first, end) is True
    assert round_has_ended(first, end + dt.timedelta(hours=1)) is True
    outside = PatrolScan(run=None)
    assert round_has_ended(outside, end) is False


def test_a_run_is_made_once_per_route_and_round_and_takes_its_first_guard(night):
    route, guard = night['route'], night['guard']
    rnd = Round(NIGHT, 1, local(NIGHT, 24), local(NIGHT, 26), 15, True)
    run = run_for_round(route, rnd, None)
    run = PatrolRun.get_by_id(run.id)
    assert (run.route_id, run.guard_id, run.round_start, run.round_end, run.night, run.round_index, run.holiday,
            run.status) == (route.id, None, rnd.start, rnd.end, NIGHT, 1, True, 'open')
    again = run_for_round(route, rnd, guard)
    assert again.id == run.id and PatrolRun.get_by_id(run.id).guard_id == guard.id
    other = night['school']['users']['admin']
    run_for_round(route, rnd, other)
    assert PatrolRun.get_by_id(run.id).guard_id == guard.id        # the first guard stays
    assert PatrolRun.select().count() == 1
    made = run_for_round(route, Round(NIGHT, 2, local(NIGHT, 26), local(NIGHT, 28)), guard)
    assert (PatrolRun.get_by_id(made.id).guard_id, made.holiday, made.round_index) == (guard.id, False, 2)
    assert made.guard_id == guard.id                               # the run returned carries its guard
    day, _p, _t, _s = make_route(night['school']['campus'], ['食堂'], name='白天巡逻')   # the same round times
    theirs = run_for_round(day, rnd, guard)
    assert theirs.id != run.id and theirs.route_id == day.id and PatrolRun.select().count() == 3


def test_taking_a_guardless_run_leaves_the_other_runs_alone(night):
    route, guard = night['route'], night['guard']
    first = run_for_round(route, Round(NIGHT, 0, local(NIGHT, 22), local(NIGHT, 24)), None)
    second = run_for_round(route, Round(NIGHT, 1, local(NIGHT, 24), local(NIGHT, 26)), None)
    assert run_for_round(route, Round(NIGHT, 1, local(NIGHT, 24), local(NIGHT, 26)), guard).id == second.id
    assert (PatrolRun.get_by_id(first.id).guard_id, PatrolRun.get_by_id(second.id).guard_id) == (None, guard.id)


def test_a_run_made_meanwhile_by_another_request_is_taken(night, monkeypatch):
    """The unique (route, round start) index refuses a second run: the one made first is returned."""
    route, guard = night['route'], night['guard']
    rnd = Round(NIGHT, 0, local(NIGHT, 22), local(NIGHT, 24))
    eve = NIGHT - dt.timedelta(days=1)               # the night before's round of the same route, stored earlier
    before = PatrolRun.create(route=route, guard=None, round_start=local(eve, 22), round_end=local(eve, 24), night=eve)
    first = PatrolRun.create(route=route, guard=None, round_start=rnd.start, round_end=rnd.end, night=NIGHT)
    real = PatrolRun.get_or_none
    monkeypatch.setattr(PatrolRun, 'get_or_none', staticmethod(lambda *a, **k: None))   # it looked before
    run = run_for_round(route, rnd, guard)
    monkeypatch.setattr(PatrolRun, 'get_or_none', staticmethod(real))
    assert run.id == first.id and PatrolRun.select().count() == 2
    assert (PatrolRun.get_by_id(first.id).guard_id, PatrolRun.get_by_id(before.id).guard_id) == (guard.id, None)


# --- the evidence token ---------------------------------------------------------------------------------

def test_the_evidence_token_is_an_hmac_of_the_scan_and_its_record():
    scan_ = PatrolScan(id=12, record=34)
    want = hmac.new(b'k', b'patrol-evidence:12:34', hashlib.sha256).hexdigest()[:32]
    assert evidence_token(scan_, 'k') == want == evidence_token(scan_, b'k')
    assert len(want) == 32
    assert evidence_token(PatrolScan(id=12, record=35), 'k') != want


def test_evidence_is_refused_without_the_right_token_or_too_late():
    made = dt.datetime(2026, 3, 10, 14)
    scan_ = PatrolScan(id=12, record=34, created_at=made)
    token = evidence_token(scan_, SECRET)
    assert evidence_refusal(scan_, token, SECRET, made) is None
    assert evidence_refusal(scan_, token, SECRET, made + dt.timedelta(seconds=120)) is None
    assert evidence_refusal(scan_, token, SECRET, made + dt.timedelta(seconds=120, microseconds=1)) == 'late'
    for bad in (None, '', token[:-1], token.upper(), evidence_token(scan_, 'other'), 12):
        assert evidence_refusal(scan_, bad, SECRET, made) == 'token'
    assert evidence_refusal(scan_, None, SECRET, made + dt.timedelta(hours=1)) == 'token'   # the token first
    recent = PatrolScan(id=1, record=2, created_at=dt.datetime.utcnow() - dt.timedelta(seconds=5))
    assert evidence_refusal(recent, evidence_token(recent, SECRET), SECRET) is None   # now: the clock
    old = PatrolScan(id=1, record=2, created_at=dt.datetime.utcnow() - dt.timedelta(seconds=200))
    assert evidence_refusal(old, evidence_token(old, SECRET), SECRET) == 'late'


# --- walking minimums -----------------------------------------------------------------------------------

def test_walking_minimums_are_for_adjacent_stops_of_a_route(night):
    route = night['route']
    RouteStop.update(walk_minutes=3).where(RouteStop.id == night['stops'][1].id).execute()
    RouteStop.update(walk_minutes=5).where(RouteStop.id == night['stops'][2].id).execute()
    minimum = walk_minimums({route.id})
    assert [minimum(route.id, 0, 1), minimum(route.id, 1, 0), minimum(route.id, 1, 2), minimum(route.id, 2, 1)] == [
        3, 3, 5, 5]
    assert minimum(route.id, 0, 2) == 0          # not adjacent
    assert minimum(route.id, 1, 1) == 0
    assert minimum(route.id, 0, 9) == 0 and minimum(route.id, 9, 0) == 0
    assert minimum(route.id + 1, 0, 1) == 0
    assert walk_minimums(set())(route.id, 0, 1) == 0


def test_walking_minimums_follow_the_order_of_positions_not_their_values(night):
    route = night['route']
    RouteStop.update(position=RouteStop.position * 10).where(RouteStop.route == route).execute()
    RouteStop.update(walk_minutes=4).where(RouteStop.id == night['stops'][2].id).execute()
    minimum = walk_minimums([route.id])
    assert minimum(route.id, 10, 20) == 4 and minimum(route.id, 20, 10) == 4
    assert minimum(route.id, 20, 30) == 0        # stop 3's own minutes (0)
    assert minimum(route.id, 1, 2) == 0


def test_walking_minimums_follow_positions_not_the_order_stops_were_added(night):
    route, stops = night['route'], night['stops']
    RouteStop.update(position=2, walk_minutes=3).where(RouteStop.id == stops[1].id).execute()   # moved down
    RouteStop.update(position=1, walk_minutes=5).where(RouteStop.id == stops[2].id).execute()
    minimum = walk_minimums({route.id})
    assert [minimum(route.id, 0, 1), minimum(route.id, 1, 2), minimum(route.id, 2, 3), minimum(route.id, 0, 2)] == [
        5, 3, 0, 0]


# --- progress -------------------------------------------------------------------------------------------

def test_progress_in_a_round_counts_done_skipped_and_next(night):
    route, places = night['route'], night['places']
    five, _p, _t, _s = make_route(night['school']['campus'], ['a', 'b', 'c', 'd', 'e'], name='长线')
    tags = Tag.select().join(Place).where(Place.name.in_(['a', 'b', 'c', 'd', 'e'])).order_by(Place.position)
    guard = night['guard']
    record_scan(tags[2], guard, now=local(NIGHT, 22, 5))
    shown = with_progress(PatrolScan.get(PatrolScan.route == five.id), local(NIGHT, 22, 6))
    p = shown.progress
    assert (p.route_name, p.total, p.done, p.skipped, p.next, p.next_round) == (
        '长线', 5, 1, ['a', 'b'], ['d', 'e'], None)
    assert (p.round.night, p.round.index, p.round.start, p.round.end, p.round.grace_minutes, p.round.holiday) == (
        NIGHT, 0, local(NIGHT, 22), local(NIGHT, 24), 15, False)
    assert shown.place_name == 'c'
    first = scan(night, 0, 22, 7)
    assert first.progress.next == [places[1].name, places[2].name, places[3].name]   # three at most
    assert route.name == first.progress.route_name


def test_progress_names_three_next_stops_at_most(night):
    five, _p, tags, _s = make_route(night['school']['campus'], ['a', 'b', 'c', 'd', 'e'], name='长线')
    first = record_scan(tags[0], night['guard'], now=local(NIGHT, 22, 5))
    assert (first.progress.total, first.progress.next) == (5, ['b', 'c', 'd'])


def test_progress_of_a_scan_whose_stop_was_taken_off_the_route(night):
    """The manager removes the scanned checkpoint during the round (the editor deletes the stop and renumbers
    the rest): the scan keeps its run, loses its stop, and its panel counts nothing done."""
    first = scan(night, 0, 22, 5)
    night['stops'][0].delete_instance()
    renumber(night['route'])
    shown = with_progress(PatrolScan.get_by_id(first.id), local(NIGHT, 22, 6))
    assert (shown.stop_id, shown.run_id) == (None, first.run_id)
    p = shown.progress
    assert (p.total, p.done, p.skipped, p.next) == (3, 0, [], ['配电房', '女生宿舍', '后门'])


def test_the_next_round_s_progress_counts_that_round_only(night):
    for i in range(4):
        scan(night, i, 22, 5 + i)
    again = scan(night, 0, 24, 5)               # round 1's first scan: the same checkpoint as round 0's first
    assert (again.out_of_order, again.late) == (False, False)
    assert (again.progress.done, again.progress.skipped, again.progress.next) == (
        1, [], ['配电房', '女生宿舍', '后门'])


def test_progress_outside_a_round_names_the_next_round(night):
    outside = scan(night, 0, 8, 0)                     # 08:00: the shift is 22:00–06:00
    p = outside.progress
    assert (outside.run_id, p.round, p.total, p.done, p.next, p.skipped) == (None, None, 0, 0, [], [])
    assert (p.next_round.start, p.next_round.index) == (local(NIGHT, 22), 0)
    assert outside.place_name == '校门' and p.route_name == '夜间巡逻'
    again = with_progress(PatrolScan.get_by_id(outside.id), local(NIGHT, 23))
    assert again.progress.next_round.start == local(NIGHT, 24)


def test_progress_without_a_route_is_empty(night):
    first = scan(night, 0, 22, 5)
    PatrolScan.update(route=None).where(PatrolScan.id == first.id).execute()
    p = with_progress(PatrolScan.get_by_id(first.id), local(NIGHT, 22, 6)).progress
    assert (p.route_name, p.round, p.next_round, p.total) == ('', None, None, 0)
    PatrolScan.update(place=None).where(PatrolScan.id == first.id).execute()
    assert with_progress(PatrolScan.get_by_id(first.id)).place_name == ''


# --- record_scan's refusals -----------------------------------------------------------------------------

def test_only_an_active_checkpoint_label_scanned_by_a_signed_in_guard_is_a_patrol_scan(night):
    tag, guard = night['tags'][0], night['guard']
    now = local(NIGHT, 22, 5)
    assert record_scan(None, guard, now=now) is None
    assert record_scan(tag, None, now=now) is None

    class Anonymous:
        is_authenticated = False
        id = guard.id
    assert record_scan(tag, Anonymous(), now=now) is None

    class Plain:
        id = guard.id
    assert record_scan(tag, Plain(), now=now) is None
    Tag.update(status='revoked').where(Tag.id == tag.id).execute()
    assert record_scan(Tag.get_by_id(tag.id), guard, now=now) is None
    Tag.update(status='active', place=None).where(Tag.id == tag.id).execute()
    assert record_scan(Tag.get_by_id(tag.id), guard, now=now) is None
    assert PatrolScan.select().count() == 0
    Tag.update(place=night['places'][0]).where(Tag.id == tag.id).execute()
    made = record_scan(Tag.get_by_id(tag.id), guard, now=now)
    assert made is not None and made.fresh is True


def test_a_scan_within_five_minutes_is_a_reload(night):
    first = scan(night, 0, 8, 0)                      # outside any round: reloads matter most here
    assert scan(night, 0, 8, 5).id == first.id        # exactly 300 s later
    assert not hasattr(scan(night, 0, 8, 4), 'fresh')
    second = scan(night, 0, 8, 5, 1)
    assert second.id != first.id and second.fresh is True
    other = night['school']['users']['guard']
    assert scan(night, 1, 8, 6, user=other).place_id == night['places'][1].id


def test_a_reload_returns_the_newest_scan_there(night):
    first = scan(night, 0, 8, 0)
    newer = scan(night, 0, 8, 5, 1)
    assert scan(night, 0, 8, 6).id == newer.id != first.id


def test_a_reload_returns_the_newest_of_two_scans_stored_out_of_time_order(night):
    """A scan sent twice across a five-minute bucket: both requests miss the reload check, and the one that read
    the clock later commits first. Replayed in that order, each call sees what its request saw."""
    later = scan(night, 0, 8, 5, 1)
    earlier = scan(night, 0, 8, 4, 59)              # 08:05:01 is after its reload window
    assert earlier.id != later.id and earlier.fresh is True
    assert scan(night, 0, 8, 6).id == later.id


def test_a_reload_shows_the_next_round_from_the_scan_s_time(night):
    outside = scan(night, 0, 8, 0)
    reload = scan(night, 0, 8, 3)
    assert reload.id == outside.id and reload.progress.next_round.start == local(NIGHT, 22)


def test_a_second_visit_to_a_place_twice_on_the_route_returns_the_newest_scan(night):
    extra = RouteStop.create(route=night['route'], place=night['places'][0], position=9)   # the gate again, last
    first = scan(night, 0, 22, 5)
    second = scan(night, 0, 22, 15)
    assert (first.stop_id, second.stop_id) == (night['stops'][0].id, extra.id)
    done = scan(night, 0, 22, 25)               # both stops here scanned in this round: the newest scan
    assert done.id == second.id and not hasattr(done, 'fresh')


def test_a_holiday_night_follows_the_route_s_holiday_plan(night):
    route, campus = night['route'], night['school']['campus']
    Route.update(holiday_plan={'shift_start': '20:00'}).where(Route.id == route.id).execute()
    Holiday.create(campus=campus, name='劳动节', starts_on=NIGHT, ends_on=NIGHT)
    before = scan(night, 0, 8, 0)                # outside: the next round is the holiday plan's first
    assert before.progress.next_round.start == local(NIGHT, 20) and before.progress.next_round.holiday is True
    assert with_progress(PatrolScan.get_by_id(before.id), local(NIGHT, 9)).progress.next_round.start == \
        local(NIGHT, 20)
    first = scan(night, 1, 20, 30)               # 20:30: in the holiday round (the normal plan starts at 22:00)
    run = PatrolRun.get_by_id(first.run_id)
    assert (run.round_start, run.round_end, run.holiday, run.round_index) == (
        local(NIGHT, 20), local(NIGHT, 22), True, 0)
    assert (first.progress.round.start, first.progress.round.holiday) == (local(NIGHT, 20), True)


def test_rounds_follow_the_campus_s_time_zone(night):
    campus = night['school']['campus']
    tokyo = ZoneInfo('Asia/Tokyo')               # an hour ahead of Shanghai
    Campus.update(timezone='Asia/Tokyo').where(Campus.id == campus.id).execute()
    guard = night['guard']
    outside = record_scan(night['tags'][0], guard, now=local(NIGHT, 8, 0, zone=tokyo))
    assert outside.progress.next_round.start == local(NIGHT, 22, zone=tokyo)
    assert with_progress(PatrolScan.get_by_id(outside.id), local(NIGHT, 9, zone=tokyo)).progress.next_round.start \
        == local(NIGHT, 22, zone=tokyo)
    first = record_scan(night['tags'][1], guard, now=local(NIGHT, 22, 5, zone=tokyo))   # 21:05 in Shanghai
    assert first.run_id is not None and first.progress.round.start == local(NIGHT, 22, zone=tokyo)


def test_a_scan_outside_a_round_is_keyed_by_five_minute_bucket(night):
    made = scan(night, 0, 8, 0, client_time=local(NIGHT, 8, 0) - dt.timedelta(minutes=10))
    record = Record.get_by_id(made.record_id)
    bucket = int(local(NIGHT, 8, 0).timestamp()) // 300
    assert (made.stop_id, made.run_id, made.route_id, made.late, made.out_of_order) == (
        None, None, night['route'].id, False, False)
    assert made.flags == [{'code': 'clock', 'seconds': -600}]
    assert made.client_time == record.client_time == local(NIGHT, 8, 0) - dt.timedelta(minutes=10)
    assert (record.activity, record.user_id, record.place_id, record.created_at) == (
        'patrol', night['guard'].id, night['places'][0].id, local(NIGHT, 8))
    key = f'patrol:{night["places"][0].id}:{night["guard"].id}:{bucket}'
    assert record.uuid == server_key(key)
    later = scan(night, 0, 8, 5, 1)                    # the next bucket: its own key
    assert Record.get_by_id(later.record_id).uuid == server_key(f'{key[:-len(str(bucket))]}{bucket + 1}')


def test_a_scan_in_a_round_is_late_in_the_grace_and_flags_going_back(night):
    scan(night, 2, 22, 5)
    back = scan(night, 0, 22, 10)
    assert (back.out_of_order, back.late) == (True, False)
    forward = scan(night, 3, 22, 15)
    assert (forward.out_of_order, forward.late) == (False, False)
    late = scan(night, 1, 24, 5)
    assert (late.late, late.out_of_order, PatrolRun.get_by_id(late.run_id).round_index) == (True, True, 0)


def test_every_stop_scanned_in_a_round_that_has_ended_is_a_plain_record(night):
    for i in range(4):
        scan(night, i, 22, 5 + i)
    again = scan(night, 0, 24, 5)               # 00:05: round 0 over, round 1 new: a scan for round 1
    assert PatrolRun.get_by_id(again.run_id).round_index == 1
    for i in range(1, 4):
        scan(night, i, 24, 10 + i)
    done = scan(night, 0, 24, 20)               # round 1 complete and running: the old scan again
    assert done.id == again.id and not hasattr(done, 'fresh')


def test_a_complete_round_in_its_grace_makes_a_plain_record(night):
    route = night['route']
    Route.update(every_minutes=480).where(Route.id == route.id).execute()     # one round 22:00–06:00
    for i in range(4):
        scan(night, i, 22, 5 + i)
    in_grace = scan(night, 0, 30, 5)            # 06:05, the grace after the only round
    assert in_grace.run_id is None and in_grace.fresh is True
    assert PatrolScan.select().count() == 5


# --- sequence flags -------------------------------------------------------------------------------------

def test_a_burst_outside_any_round_is_flagged(night):
    made = [scan(night, i, 8, 0, 20 * i) for i in range(3)]        # three checkpoints in 40 s, no round
    assert [m.stop_id for m in made] == [None, None, None]
    burst = {'code': 'burst', 'count': 3, 'seconds': 40}
    assert [PatrolScan.get_by_id(m.id).flags for m in made] == [[burst], [burst], [burst]]


def test_sequence_flags_follow_the_scans_times_not_the_order_they_were_stored(night):
    """Two requests read the clock in one order and commit in the other: the walk is judged in time order."""
    RouteStop.update(walk_minutes=3).where(RouteStop.route == night['route']).execute()
    second = scan(night, 1, 22, 20)                 # stored first
    first = scan(night, 0, 22, 10)                  # ten minutes before it: a walk of 600 s, 180 s needed
    third = scan(night, 3, 22, 40)                  # recomputes the hour's flags in time order
    assert [PatrolScan.get_by_id(s.id).flags for s in (first, second, third)] == [[], [], []]


def test_a_flag_the_phone_adds_meanwhile_survives_the_sequence_refresh(night, monkeypatch):
    """The first scan's location arrives while the next scan recomputes the hour's flags: the refresh has nothing
    new for the first scan, so it does not write its stale copy of that scan's flags over the evidence."""
    gate = night['places'][0]
    Place.update(latitude=31.2304, longitude=121.4737, location_accuracy=10).where(Place.id == gate.id).execute()
    first = scan(night, 0, 22, 5, client_time=local(NIGHT, 22, 35))
    clock = {'code': 'clock', 'seconds': 1800}
    assert first.flags == [clock]
    real = checkpoints.walk_minimums

    def meanwhile(route_ids):
        record_evidence(first, now=local(NIGHT, 22, 6), location=(31.2404, 121.4737, 12.0))
        return real(route_ids)
    monkeypatch.setattr(checkpoints, 'walk_minimums', meanwhile)
    scan(night, 1, 22, 6)
    assert PatrolScan.get_by_id(first.id).flags == [clock, {'code': 'far', 'metres': 1112}]


# --- evidence -------------------------------------------------------------------------------------------

def test_evidence_is_kept_once_within_two_minutes(night):
    gate = night['places'][0]
    Place.update(latitude=31.2304, longitude=121.4737, location_accuracy=10).where(Place.id == gate.id).execute()
    first = scan(night, 0, 22, 5)
    made = first.created_at
    assert record_evidence(first, now=made + dt.timedelta(seconds=121),
                           client_time=made, location=(31.3, 121.4, 5.0)).client_time is None
    assert Record.get_by_id(first.record_id).latitude is None
    at_edge = made + dt.timedelta(seconds=120)
    kept = record_evidence(first, now=at_edge, client_time=made + dt.timedelta(seconds=30))
    assert kept.client_time == made + dt.timedelta(seconds=30) and kept.flags == []
    record = Record.get_by_id(first.record_id)
    assert record.client_time == made + dt.timedelta(seconds=30)
    record_evidence(first, now=at_edge, client_time=made - dt.timedelta(hours=1))   # the first report wins
    assert PatrolScan.get_by_id(first.id).client_time == made + dt.timedelta(seconds=30)
    near = record_evidence(first, now=at_edge, location=(31.2305, 121.4737, 8.0))
    assert near.flags == []
    record = Record.get_by_id(first.record_id)
    assert (record.latitude, record.longitude, record.accuracy) == (31.2305, 121.4737, 8.0)
    record_evidence(first, now=at_edge, location=(40.0, 100.0, 5.0))                # the first report wins
    assert Record.get_by_id(first.record_id).latitude == 31.2305
    assert PatrolScan.get_by_id(first.id).flags == []


def test_evidence_flags_a_skewed_clock_once_and_a_far_location(night):
    gate = night['places'][0]
    Place.update(latitude=31.2304, longitude=121.4737, location_accuracy=10).where(Place.id == gate.id).execute()
    first = scan(night, 0, 22, 5, client_time=local(NIGHT, 22, 5) + dt.timedelta(minutes=20))
    assert first.flags == [{'code': 'clock', 'seconds': 1200}]
    PatrolScan.update(client_time=None).where(PatrolScan.id == first.id).execute()
    now = first.created_at + dt.timedelta(seconds=10)
    again = record_evidence(first, now=now, client_time=first.created_at - dt.timedelta(minutes=30))
    assert again.flags == [{'code': 'clock', 'seconds': 1200}]          # one clock flag is enough
    far = record_evidence(first, now=now, location=(31.2404, 121.4737, 12.0))
    assert far.flags == [{'code': 'clock', 'seconds': 1200}, {'code': 'far', 'metres': 1112}]
    assert PatrolScan.get_by_id(first.id).flags == far.flags
    second = scan(night, 1, 22, 6)
    skewed = record_evidence(second, now=second.created_at, client_time=second.created_at + dt.timedelta(hours=1))
    assert skewed.flags == [{'code': 'clock', 'seconds': 3600}]
    assert PatrolScan.get_by_id(second.id).client_time == second.created_at + dt.timedelta(hours=1)


def test_evidence_at_a_place_that_is_gone_is_kept_unchecked(night):
    first = scan(night, 0, 22, 5)
    PatrolScan.update(place=None).where(PatrolScan.id == first.id).execute()
    kept = record_evidence(first, now=first.created_at, location=(31.0, 121.0, 5.0))
    assert kept.flags == [] and Record.get_by_id(first.record_id).latitude == 31.0


def test_evidence_writes_only_its_own_columns(night, monkeypatch):
    """The checkpoint's place is deleted while the evidence is checked (its record and scan lose the place):
    saving the evidence writes the phone's columns only, not the stale place back."""
    gate = night['places'][0]
    first = scan(night, 0, 22, 5)
    real = Place.get_or_none

    def meanwhile(*args, **kwargs):
        Place.delete().where(Place.id == gate.id).execute()
        return real(*args, **kwargs)
    monkeypatch.setattr(Place, 'get_or_none', staticmethod(meanwhile))
    kept = record_evidence(first, now=first.created_at, client_time=first.created_at, location=(31.0, 121.0, 5.0))
    monkeypatch.setattr(Place, 'get_or_none', staticmethod(real))
    record, stored = Record.get_by_id(first.record_id), PatrolScan.get_by_id(first.id)
    assert (record.place_id, record.latitude, record.client_time) == (None, 31.0, first.created_at)
    assert (stored.place_id, stored.client_time, kept.flags) == (None, first.created_at, [])


def test_evidence_without_a_time_uses_the_clock(night, monkeypatch):
    made = scan(night, 0, 22, 5)
    monkeypatch.setattr(checkpoints, 'utcnow', lambda: made.created_at + dt.timedelta(seconds=119))
    assert record_evidence(made, client_time=made.created_at).client_time == made.created_at
    monkeypatch.setattr(checkpoints, 'utcnow', lambda: made.created_at + dt.timedelta(seconds=121))
    assert record_evidence(made, location=(31.0, 121.0, 5.0)) is not None
    assert Record.get_by_id(made.record_id).latitude is None


def test_the_phones_evidence_arriving_while_a_refresh_changes_that_scans_flags_is_kept(night, monkeypatch):
    """The third checkpoint in 40 s makes a burst of the first two; the first scan's location arrives after the
    refresh read the flags and before it writes the burst into them: both flags are kept (no stale copy wins)."""
    gate = night['places'][0]
    Place.update(latitude=31.2304, longitude=121.4737, location_accuracy=10).where(Place.id == gate.id).execute()
    first, second = scan(night, 0, 8, 0, 0), scan(night, 1, 8, 0, 20)
    assert (first.flags, second.flags) == ([], [])
    real = checkpoints.walk_minimums

    def meanwhile(route_ids):
        record_evidence(first, now=local(NIGHT, 8, 0, 30), location=(31.2404, 121.4737, 12.0))
        return real(route_ids)
    monkeypatch.setattr(checkpoints, 'walk_minimums', meanwhile)
    scan(night, 2, 8, 0, 40)
    burst = {'code': 'burst', 'count': 3, 'seconds': 40}
    assert PatrolScan.get_by_id(first.id).flags == [{'code': 'far', 'metres': 1112}, burst]
    assert PatrolScan.get_by_id(second.id).flags == [burst]
