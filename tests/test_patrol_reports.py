"""After the round: missed checkpoints written once, managers notified through the outbox, reports per night and
per guard, the duty sheet, `flask houqin patrol-check`; and a full night over HTTP."""
import datetime as dt

import pytest
from test_patrol_helpers import around_now, local, make_route

from houqin.clock import utcnow
from houqin.models import NotificationChannel, Outbox, PatrolRun, PatrolScan, Record
from houqin.patrol.checkpoints import record_scan
from houqin.patrol.evaluation import evaluate_due_rounds
from houqin.patrol.plans import route_rounds
from houqin.patrol.reports import guard_report, night_report

NIGHT = dt.date(2026, 3, 10)


def managers_channel(campus):
    return NotificationChannel.create(campus=campus, name='后勤群', kind='webhook', url='http://127.0.0.1:9/hook',
                                      audience='managers')


@pytest.fixture
def night(app, school):
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房', '女生宿舍', '后门'],
                                            created_at=local(NIGHT, 12))
    managers_channel(school['campus'])
    with app.app_context():  # as under `flask houqin patrol-check`: messages in the site's language
        yield {'route': route, 'places': places, 'tags': tags, 'stops': stops, 'guard': school['users']['guard'],
               'campus': school['campus']}


def walk(night, plan):
    """plan: [(stop index, hour, minute)] scanned by the guard."""
    for i, hour, minute in plan:
        record_scan(night['tags'][i], night['guard'], now=local(NIGHT, hour, minute))


def test_rounds_are_evaluated_once_at_their_end_plus_grace(night):
    walk(night, [(0, 22, 5), (1, 22, 15), (2, 22, 25), (3, 22, 35),     # round 1: complete
                 (0, 24, 10), (2, 24, 30), (3, 24, 40)])                # round 2: 配电房 missed
    campus = night['campus']
    assert evaluate_due_rounds(now=local(NIGHT, 24, 14), campus=campus) == []      # round 1 still in grace
    first = evaluate_due_rounds(now=local(NIGHT, 24, 15), campus=campus)
    assert [(r.round_index, r.status) for r in first] == [(0, 'complete')]
    done = evaluate_due_rounds(now=local(NIGHT, 30, 15), campus=campus)         # 06:15: the rest of the night
    assert [(r.round_index, r.status) for r in done] == [(1, 'incomplete'), (2, 'missed'), (3, 'missed')]
    incomplete = done[0]
    assert incomplete.result['missed'] == [night['stops'][1].id] and incomplete.result['missed_names'] == ['配电房']
    assert done[1].result['missed'] == [s.id for s in night['stops']]  # a round with no scans is a missed round
    assert evaluate_due_rounds(now=local(NIGHT, 30, 20), campus=campus) == []      # idempotent
    messages = list(Outbox.select().where(Outbox.topic == 'patrol').order_by(Outbox.id))
    assert len(messages) == 3  # one per round with misses, and none twice
    assert '配电房' in messages[0].body and '漏巡1个点' in messages[0].subject
    assert '整轮漏巡' in messages[1].subject and '02:00' in messages[1].subject
    assert PatrolRun.select().count() == 4


def test_two_evaluators_at_once_write_one_result(night):
    walk(night, [(0, 22, 5)])
    now = local(NIGHT, 24, 20)
    from houqin.patrol.evaluation import evaluate_round
    rnd = route_rounds(night['route'], NIGHT, [], 'Asia/Shanghai')[0]
    assert evaluate_round(night['route'], rnd, now) is not None
    assert evaluate_round(night['route'], rnd, now) is None
    assert Outbox.select().where(Outbox.topic == 'patrol').count() == 1


def test_no_channel_means_no_outbox_rows_but_results_still_written(app, school):
    route, places, tags, stops = make_route(school['campus'], ['东门', '西门'], created_at=local(NIGHT, 12))
    runs = evaluate_due_rounds(now=local(NIGHT, 30, 20), campus=school['campus'])
    assert len(runs) == 4 and {r.status for r in runs} == {'missed'}
    assert Outbox.select().count() == 0


def test_night_report_and_guard_report(night):
    walk(night, [(0, 22, 5), (2, 22, 20), (1, 22, 30),     # 配电房 after 女生宿舍: out of order
                 (3, 24, 5),                                # 后门 in the grace: late for the first round
                 (0, 24, 10)])                              # the second round: 校门 only
    evaluate_due_rounds(now=local(NIGHT, 30, 20), campus=night['campus'])
    report = night_report(night['campus'], NIGHT, now=local(NIGHT, 30, 20))
    totals = report['totals']
    assert (totals['rounds'], totals['complete'], totals['missed_rounds'], totals['incomplete']) == (4, 1, 2, 1)
    assert totals['missed'] == 3 + 4 + 4 and totals['out_of_order'] == 1 and totals['late'] == 1
    rounds = report['routes'][0]['rounds']
    assert [r['status'] for r in rounds] == ['complete', 'incomplete', 'missed', 'missed']
    assert [s.place.name for s in rounds[1]['missed']] == ['配电房', '女生宿舍', '后门']
    guards = guard_report(night['campus'], NIGHT, NIGHT)
    row = guards['guards'][0]
    assert (row['rounds'], row['complete'], row['missed'], row['late'], row['out_of_order']) == (2, 1, 3, 1, 1)
    assert len(guards['missed_rounds']) == 2


def test_patrol_check_command_is_idempotent(runner, school):
    make_route(school['campus'], ['东门', '西门'], created_at=utcnow() - dt.timedelta(days=2))
    first = runner.invoke(args=['houqin', 'patrol-check'])
    assert first.exit_code == 0, first.output
    assert 'Evaluated' in first.output and PatrolRun.select().count() >= 4
    count = PatrolRun.select().count()
    second = runner.invoke(args=['houqin', 'patrol-check'])
    assert second.exit_code == 0 and 'Evaluated 0 patrol rounds' in second.output
    assert PatrolRun.select().count() == count


def test_a_full_night_over_http_in_order_out_of_order_a_missed_stop_and_a_burst(as_role, school):
    """Eight checkpoints: 1, 2 and 4 walked, 3 scanned after 4 (out of order), 5–7 scanned in a burst over
    HTTP, 8 never: the report shows exactly that."""
    now = utcnow()
    names = ['校门', '教学楼', '综合楼', '配电房', '水泵房', '食堂后门', '女生宿舍', '后门']
    route, places, tags, stops = make_route(school['campus'], names, shift=around_now(now), every=24 * 60, walk=2,
                                            created_at=now - dt.timedelta(hours=2))
    managers_channel(school['campus'])
    guard = school['users']['guard']
    for i, minutes_ago in ((0, 50), (1, 40), (3, 30), (2, 20)):
        record_scan(tags[i], guard, now=now - dt.timedelta(minutes=minutes_ago))
    client = as_role('guard')
    for i in (4, 5, 6):
        assert client.get(f'/t/{tags[i].token}').status_code == 200
    scans = {s.place_id: s for s in PatrolScan.select()}
    assert scans[places[2].id].out_of_order and not scans[places[3].id].out_of_order
    assert [f['code'] for f in scans[places[6].id].flags] == ['burst']
    run = PatrolRun.get()
    evaluate_due_rounds(now=run.round_end + dt.timedelta(minutes=16), campus=school['campus'])
    run = PatrolRun.get()
    assert run.status == 'incomplete' and run.result['missed_names'] == ['后门']
    message = Outbox.get(Outbox.topic == 'patrol')
    assert '后门' in message.body
    page = as_role('manager').get(f'/patrol/reports/?night={run.night.isoformat()}').get_data(as_text=True)
    assert '漏巡：后门' in page
    assert page.count('顺序不符') == 2  # the badge on 综合楼, and the total
    assert '秒内连扫3个点' in page and '连扫1次' in page
    assert '7/8' in page
    sheet = as_role('viewer').get(f'/patrol/reports/sheet?night={run.night.isoformat()}')
    assert sheet.status_code == 200 and '值班记录表' in sheet.get_data(as_text=True)
    assert Record.select().where(Record.activity == 'patrol').count() == 7


def test_report_pages_refuse_bad_dates_politely(as_role, school):
    manager = as_role('manager')
    response = manager.get('/patrol/reports/?night=2026-13-45')
    assert response.status_code == 400 and '2026-13-45' in response.get_data(as_text=True)
    response = manager.get('/patrol/reports/guards?from=2026-03-10&to=2026-03-01')
    assert response.status_code == 400 and '开始日期晚于结束日期' in response.get_data(as_text=True)
    assert manager.get('/patrol/reports/guards').status_code == 200
    assert as_role('guard').get('/patrol/reports/').status_code == 403
