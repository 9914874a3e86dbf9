"""The zero-tap checkpoint: record_scan as the scan page calls it, at chosen moments of a night."""
import datetime as dt

import pytest
from test_patrol_helpers import local, make_route

from houqin.labels.lifecycle import reprint
from houqin.models import PatrolRun, PatrolScan, Place, Record, Route, Tag
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
    record_scan(tags[2], guard, now=at(5))
    for i, second in ((3, 10), (4, 30)):
        record_scan(tags[i], guard, now=at(5, second))
    flags = {s.place_id: [f['code'] for f in s.flags] for s in PatrolScan.select()}
    assert flags[places[1].id] == ['too_fast']
    assert flags[places[0].id] == []
    assert flags[places[2].id] == flags[places[3].id] == flags[places[4].id] == ['burst']  # the first one too
    assert quick.id


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
    from houqin.models import Membership, User
    from conftest import PASSWORD_HASH
    second = User.create(username='guard2', display_name='保安 王师傅', password_hash=PASSWORD_HASH)
    Membership.create(user=second, campus=night['school']['campus'], role='guard')
    a = scan(night, 0, 22, 5, user=other)
    b = scan(night, 0, 22, 6, user=second)
    assert a.id != b.id and a.run_id == b.run_id and b.progress.done == 1
