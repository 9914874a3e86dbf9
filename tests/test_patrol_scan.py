"""The zero-tap checkpoint: record_scan as the scan page calls it, at chosen moments of a night."""
import datetime as dt

import pytest
from helpers import PASSWORD_HASH
from test_patrol_helpers import local, make_route

from houqin.labels.lifecycle import reprint
from houqin.models import Membership, PatrolRun, PatrolScan, Place, Record, Route, Tag, User
from houqin.patrol.checkpoints import record_evidence, record_scan

NIGHT = dt.date(2026, 3, 10)
NAMES = ['校门', '配电房', '女生宿舍', '后门']


@pytest.fixture
def night(app, school):
    route, places, tags, stops = make_route(school['campus'], NAMES)
    return {'route': route, 'places': places, 'tags': tags, 'stops': stops, 'guard': school['users']['guard'],
            'school': school}


def scan(night, i, hour, minute, second=0, user=None):
    return record_scan(night['tags'][i], user or night['guard'], now=local(NIGHT, hour, minute, second))


def test_a_scan_in_a_round_records_the_checkpoint_and_shows_progress(night):
    first = scan(night, 0, 22, 5)
    assert first is not None and first.run_id is not None and first.stop_id == night['stops'][0].id
    progress = first.progress
    assert (progress.done, progress.total) == (1, 4)
    assert progress.next == ['配电房', '女生宿舍', '后门'] and progress.skipped == []
    assert progress.round.start == local(NIGHT, 22) and progress.round.end == local(NIGHT, 24)
    record = Record.get_by_id(first.record_id)
    assert (record.activity, record.place_id, record.user_id) == ('patrol', night['places'][0].id, night['guard'].id)
    run = PatrolRun.get_by_id(first.run_id)
    assert (run.night, run.round_index, run.status, run.guard_id) == (NIGHT, 0, 'open', night['guard'].id)
    second = scan(night, 1, 22, 15)
    assert second.run_id == first.run_id and (second.progress.done, second.progress.next) == (2, ['女生宿舍', '后门'])
    assert not second.out_of_order and not second.late


def test_a_reload_or_a_second_scan_in_the_same_round_adds_nothing(night):
    first = scan(night, 0, 22, 5)
    assert scan(night, 0, 22, 5, 30).id == first.id           # reload
    assert scan(night, 0, 23, 30).id == first.id              # again, later in the same round
    assert Record.select().where(Record.activity == 'patrol').count() == 1
    assert scan(night, 0, 0, 20) is not None                  # the next round (00:00) is a new scan
    assert PatrolScan.select().count() == 2


def test_only_guards_on_active_routes_at_checkpoint_labels_are_recorded(night):
    school = night['school']
    for role in ('manager', 'admin', 'teacher', 'janitor', 'viewer'):
        assert record_scan(night['tags'][0], school['users'][role], now=local(NIGHT, 22, 5)) is None
    classroom = Tag.get(Tag.token == 'ABCDEFGH12')  # a label that is no checkpoint
    assert record_scan(classroom, night['guard'], now=local(NIGHT, 22, 5)) is None
    Route.update(active=False).where(Route.id == night['route'].id).execute()
    assert scan(night, 0, 22, 5) is None
    Route.update(active=True).where(Route.id == night['route'].id).execute()
    new = reprint(night['tags'][1])  # the label was copied: reissued, the old one no longer counts
    assert record_scan(Tag.get_by_id(night['tags'][1].id), night['guard'], now=local(NIGHT, 22, 6)) is None
    assert record_scan(new, night['guard'], now=local(NIGHT, 22, 7)).stop_id == night['stops'][1].id
    assert PatrolScan.select().count() == 1


def test_skipping_ahead_shows_skipped_and_going_back_is_out_of_order(night):
    scan(night, 0, 22, 5)
    ahead = scan(night, 2, 22, 20)
    assert not ahead.out_of_order and ahead.progress.skipped == ['配电房'] and ahead.progress.next == ['后门']
    back = scan(night, 1, 22, 30)
    assert back.out_of_order and back.progress.skipped == [] and back.progress.done == 3


def test_a_scan_outside_any_round_is_a_plain_patrol_record(night):
    noon = scan(night, 0, 12, 0)
    assert noon is not None and noon.run_id is None and noon.stop_id is None
    assert noon.progress.round is None and noon.progress.next_round.start == local(NIGHT, 22)
    assert Record.get_by_id(noon.record_id).activity == 'patrol'
    assert PatrolRun.select().count() == 0
    assert scan(night, 0, 12, 3).id == noon.id  # a reload is still one record


def test_in_the_grace_period_an_unscanned_stop_counts_late_for_the_round_before(night):
    for i, minute in enumerate((5, 20, 35)):
        scan(night, i, 22, minute)
    late = scan(night, 3, 24, 5)                      # 00:05: round 22:00–00:00 still lacks 后门
    assert late.late and PatrolRun.get_by_id(late.run_id).round_index == 0 and late.progress.done == 4
    fresh = scan(night, 0, 24, 8)                     # 校门 was done in that round: this starts the next
    assert not fresh.late and PatrolRun.get_by_id(fresh.run_id).round_index == 1


def test_burst_and_walking_time(app, school):
    route, places, tags, stops = make_route(school['campus'], ['东门', '西门', '北门', '南门', '操场围墙'], walk=3)
    guard = school['users']['guard']
    at = lambda m, s=0: local(NIGHT, 22, m, s)  # noqa: E731
    record_scan(tags[0], guard, now=at(0))
    quick = record_scan(tags[1], guard, now=at(1))           # 1 minute for a 3-minute walk
    # What the guard's page gets back is the scan with its flag, and the round's progress all the same.
    assert quick.flags == [{'code': 'too_fast', 'seconds': 60, 'minimum': 3, 'from_place': places[0].id}]
    assert (quick.progress.done, quick.progress.next) == (2, ['北门', '南门', '操场围墙'])
    record_scan(tags[2], guard, now=at(5))
    for i, second in ((3, 10), (4, 30)):
        record_scan(tags[i], guard, now=at(5, second))
    flags = {s.place_id: s.flags for s in PatrolScan.select()}
    assert flags[places[1].id] == [{'code': 'too_fast', 'seconds': 60, 'minimum': 3, 'from_place': places[0].id}]
    assert flags[places[0].id] == []
    burst = [{'code': 'burst', 'count': 3, 'seconds': 30}]
    assert flags[places[2].id] == flags[places[3].id] == flags[places[4].id] == burst  # the first one too


def burst_route(school):
    """Six checkpoints with no walking minimums (so only bursts flag) and a second guard, 王师傅."""
    _route, _places, tags, _stops = make_route(school['campus'], ['东门', '西门', '北门', '南门', '操场围墙', '车库'])
    second = User.create(username='guard2', display_name='保安 王师傅', password_hash=PASSWORD_HASH)
    Membership.create(user=second, campus=school['campus'], role='guard')
    return tags, school['users']['guard'], second


def seconds_after_ten(seconds):
    """22:00 on the test night plus some seconds, as the server's clock (naive UTC)."""
    return local(NIGHT, 22) + dt.timedelta(seconds=seconds)


def flags_by_scan():
    """{(guard's username, place name): flags} of every scan."""
    return {(s.user.username, Place.get_by_id(s.place_id).name): s.flags for s in PatrolScan.select()}


def test_a_burst_window_includes_its_edge(app, school):
    tags, guard, _second = burst_route(school)
    for i, at in enumerate((0, 30, 60)):                 # 东门, 西门, 北门: first to last exactly 60 s
        record_scan(tags[i], guard, now=seconds_after_ten(at))
    for i, at in enumerate((300, 330, 361), start=3):    # 南门, 操场围墙, 车库: 61 s
        record_scan(tags[i], guard, now=seconds_after_ten(at))
    edge = [{'code': 'burst', 'count': 3, 'seconds': 60}]
    assert flags_by_scan() == {('guard', '东门'): edge, ('guard', '西门'): edge, ('guard', '北门'): edge,
                               ('guard', '南门'): [], ('guard', '操场围墙'): [], ('guard', '车库'): []}


def test_bursts_are_one_guards_scans_not_two_guards_together(app, school):
    tags, guard, second = burst_route(school)
    # 李师傅 scans 东门 at 22:00:00 and 北门 at 22:00:40; 王师傅 scans 西门 at 22:00:20 between them. Three
    # checkpoints within 60 s, but by two people: neither guard's own scans are a burst.
    record_scan(tags[0], guard, now=seconds_after_ten(0))
    record_scan(tags[1], second, now=seconds_after_ten(20))
    record_scan(tags[2], guard, now=seconds_after_ten(40))
    assert flags_by_scan() == {('guard', '东门'): [], ('guard2', '西门'): [], ('guard', '北门'): []}
    # Then 王师傅 bursts through 南门, 操场围墙, 车库 in 30 s while 李师傅 scans 西门 in the middle of it: only
    # 王师傅's three scans are flagged, and his burst counts his three places, not four.
    record_scan(tags[3], second, now=seconds_after_ten(600))
    record_scan(tags[1], guard, now=seconds_after_ten(610))
    record_scan(tags[4], second, now=seconds_after_ten(620))
    record_scan(tags[5], second, now=seconds_after_ten(630))
    burst = [{'code': 'burst', 'count': 3, 'seconds': 30}]
    assert flags_by_scan() == {('guard', '东门'): [], ('guard2', '西门'): [], ('guard', '北门'): [],
                               ('guard2', '南门'): burst, ('guard', '西门'): [], ('guard2', '操场围墙'): burst,
                               ('guard2', '车库'): burst}


def test_evidence_keeps_the_first_clock_and_location_and_flags_disagreement(night):
    gate = night['places'][0]
    Place.update(latitude=31.2304, longitude=121.4737, location_accuracy=10).where(Place.id == gate.id).execute()
    first = scan(night, 0, 22, 5)
    now = local(NIGHT, 22, 5, 3)
    record_evidence(first, now=now, client_time=now - dt.timedelta(minutes=42))
    record_evidence(first, now=now, client_time=now)  # a second report changes nothing
    after = record_evidence(first, now=now, location=(31.2404, 121.4737, 12.0))
    assert [f['code'] for f in after.flags] == ['clock', 'far']
    record = Record.get_by_id(first.record_id)
    assert (record.latitude, record.accuracy) == (31.2404, 12.0)
    assert record.client_time == now - dt.timedelta(minutes=42)
    near = record_evidence(scan(night, 1, 22, 15), now=now, location=(0.0, 0.0, 900.0))
    assert near.flags == []  # no recorded location there, and a poor fix: compared with nothing, not flagged


def test_two_guards_walking_together_share_the_round(night):
    other = night['school']['users']['guard']
    second = User.create(username='guard2', display_name='保安 王师傅', password_hash=PASSWORD_HASH)
    Membership.create(user=second, campus=night['school']['campus'], role='guard')
    a = scan(night, 0, 22, 5, user=other)
    b = scan(night, 0, 22, 6, user=second)
    assert a.id != b.id and a.run_id == b.run_id and b.progress.done == 1
