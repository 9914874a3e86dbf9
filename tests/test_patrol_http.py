"""The guard's side over real HTTP: the scan page records the checkpoint, anomalies, evidence, the duty log."""
import datetime as dt
import io
import re

import pytest
from PIL import Image
from helpers import PASSWORD_HASH, csrf_token, login
from test_patrol_helpers import around_now, make_route

from houqin.clock import utcnow
from houqin.models import DutyLog, Membership, PatrolScan, Record, User, WorkOrder
from houqin.scan.records import client_key


@pytest.fixture
def live_route(app, school):
    """A route whose one round is running now: 校门 → 配电房 → 后门."""
    shift = around_now(utcnow())
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房', '后门'], shift=shift, every=24 * 60)
    return {'route': route, 'places': places, 'tags': tags, 'stops': stops}


def jpeg():
    out = io.BytesIO()
    Image.new('RGB', (64, 48), 'orange').save(out, 'JPEG')
    out.seek(0)
    return out


def scan_via_page(client, tag):
    """Open the label's page as a phone would; returns (html, the scan recorded)."""
    response = client.get(f'/t/{tag.token}')
    assert response.status_code == 200
    return response.get_data(as_text=True), PatrolScan.select().order_by(PatrolScan.id.desc()).first()


def test_opening_a_checkpoint_label_records_it_without_a_tap(as_role, live_route):
    guard = as_role('guard')
    html, scan = scan_via_page(guard, live_route['tags'][0])
    assert scan is not None and scan.place_id == live_route['places'][0].id
    assert '1/3' in html and '配电房' in html
    html, again = scan_via_page(guard, live_route['tags'][0])   # reload: still one scan
    assert again.id == scan.id and PatrolScan.select().count() == 1
    html, second = scan_via_page(guard, live_route['tags'][2])  # skipping 配电房
    assert '2/3' in html and '配电房' in html and second.id != scan.id
    page = guard.get(f'/patrol/scans/{second.id}').get_data(as_text=True)
    assert '2/3' in page and '门未锁' in page and re.search(r'/static/patrol\.[0-9a-f]{10}\.js', page)


@pytest.mark.parametrize('role', ['admin', 'manager', 'janitor', 'teacher', 'repair', 'canteen', 'viewer'])
def test_anyone_but_a_guard_opening_the_label_records_no_patrol(as_role, live_route, role):
    response = as_role(role).get(f'/t/{live_route["tags"][0].token}')
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<h1>校门</h1>' in html  # the checkpoint's ordinary label page
    assert 'id="patrol"' not in html and '/static/patrol.' not in html
    assert PatrolScan.select().count() == 0 and Record.select().where(Record.activity == 'patrol').count() == 0


def test_one_tap_anomaly_with_note_and_photo(as_role, live_route):
    guard = as_role('guard')
    _html, scan = scan_via_page(guard, live_route['tags'][1])
    token = csrf_token(guard, f'/patrol/scans/{scan.id}')
    data = {'csrf_token': token, 'uuid': '7b0e4a6e-2f8e-4a47-8c0e-2b1a3c4d5e6f', 'anomaly': 'door_unlocked',
            'note': '配电房门没锁', 'photo': (jpeg(), 'door.jpg')}
    response = guard.post(f'/patrol/scans/{scan.id}/anomaly', data=data, content_type='multipart/form-data')
    assert response.status_code == 302
    page = guard.get(response.headers['Location']).get_data(as_text=True)
    assert '已记录：门未锁' in page
    record = Record.get(Record.uuid == client_key(data['uuid'], scan.record.tag, scan.user_id, None))
    assert (record.outcome, record.note, record.answers['anomaly']) == ('problem', '配电房门没锁', 'door_unlocked')
    assert record.photos.count() == 1
    data['photo'] = (jpeg(), 'door.jpg')  # a double tap: the same submission again
    guard.post(f'/patrol/scans/{scan.id}/anomaly', data=data, content_type='multipart/form-data')
    assert Record.select().where(Record.outcome == 'problem').count() == 1
    assert len(PatrolScan.get_by_id(scan.id).anomalies) == 1


def test_bad_anomaly_input_keeps_what_was_typed_and_saves_nothing(as_role, live_route):
    guard = as_role('guard')
    _html, scan = scan_via_page(guard, live_route['tags'][0])
    token = csrf_token(guard, f'/patrol/scans/{scan.id}')
    response = guard.post(f'/patrol/scans/{scan.id}/anomaly',
                          data={'csrf_token': token, 'anomaly': 'nonsense', 'note': '东侧铁门'})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '请点选一种异常' in page and '东侧铁门' in page
    fake = (io.BytesIO(b'<?php system($_GET["c"]); ?>'), 'x.jpg')
    response = guard.post(f'/patrol/scans/{scan.id}/anomaly', content_type='multipart/form-data',
                          data={'csrf_token': token, 'anomaly': 'light_on', 'note': '二楼', 'photo': fake,
                                'hazard': 'y'})
    assert response.status_code == 400 and '二楼' in response.get_data(as_text=True)
    assert Record.select().where(Record.outcome == 'problem').count() == 0
    assert WorkOrder.select().count() == 0


def test_a_hazard_anomaly_becomes_a_work_order(as_role, live_route):
    guard = as_role('guard')
    _html, scan = scan_via_page(guard, live_route['tags'][1])
    token = csrf_token(guard, f'/patrol/scans/{scan.id}')
    response = guard.post(f'/patrol/scans/{scan.id}/anomaly', content_type='multipart/form-data',
                          data={'csrf_token': token, 'anomaly': 'socket_live', 'hazard': 'y', 'note': '插座冒烟',
                                'photo': (jpeg(), 'socket.jpg')})
    assert response.status_code == 302
    order = WorkOrder.get()
    assert order.hazard and order.place_id == live_route['places'][1].id and order.category == 'electrical'
    assert '插座未断电' in order.title and order.description == '插座冒烟'
    assert order.record.answers['anomaly'] == 'socket_live'
    assert PatrolScan.get_by_id(scan.id).anomalies[0]['order'] == order.id
    photo = order.record.photos.get()
    assert photo.event_id is not None and photo.event.order_id == order.id  # the photo shows on the work order
    assert order.number in guard.get(response.headers['Location']).get_data(as_text=True)


def test_evidence_is_posted_by_the_page_script(as_role, live_route):
    guard = as_role('guard')
    html, scan = scan_via_page(guard, live_route['tags'][0])
    evidence = re.search(r'data-evidence-token="([0-9a-f]+)"', html)[1]  # only the page that made the scan has it
    token = csrf_token(guard, f'/patrol/scans/{scan.id}')
    skewed = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).isoformat()
    response = guard.post(f'/patrol/scans/{scan.id}/evidence',
                          data={'csrf_token': token, 'client_time': skewed, 'token': evidence})
    assert response.status_code == 200 and response.get_json() == {'flags': ['clock']}
    bad = guard.post(f'/patrol/scans/{scan.id}/evidence', data={'csrf_token': token, 'latitude': '999',
                                                                'longitude': '0', 'accuracy': '5', 'token': evidence})
    assert bad.status_code == 400
    ok = guard.post(f'/patrol/scans/{scan.id}/evidence', data={'csrf_token': token, 'latitude': '31.23',
                                                               'longitude': '121.47', 'accuracy': '18',
                                                               'token': evidence})
    assert ok.status_code == 200
    assert Record.get_by_id(scan.record_id).accuracy == 18.0
    nothing = guard.post(f'/patrol/scans/{scan.id}/evidence', data={'csrf_token': token, 'token': evidence})
    assert nothing.status_code == 400


def test_a_guard_sees_only_their_own_scans_and_a_manager_sees_all(as_role, live_route, school):
    guard = as_role('guard')
    _html, scan = scan_via_page(guard, live_route['tags'][0])
    other = User.create(username='guard2', password_hash=PASSWORD_HASH)
    Membership.create(user=other, campus=school['campus'], role='guard')
    client = guard.application.test_client()
    login(client, 'guard2')
    assert client.get(f'/patrol/scans/{scan.id}').status_code == 404
    assert as_role('manager').get(f'/patrol/scans/{scan.id}').status_code == 200


def test_duty_log_entries_and_what_the_next_shift_must_know(as_role, school):
    guard = as_role('guard')
    token = csrf_token(guard, '/patrol/duty')
    empty = guard.post('/patrol/duty', data={'csrf_token': token, 'kind': 'incident', 'body': '  '})
    assert empty.status_code == 400 and '请填写记录内容' in empty.get_data(as_text=True)
    assert re.search(r'<option selected value="incident">|<option value="incident" selected>',
                     empty.get_data(as_text=True))
    assert DutyLog.select().count() == 0
    guard.post('/patrol/duty', data={'csrf_token': token, 'kind': 'handover', 'body': '后门锁坏了，用铁链锁上',
                                     'for_next_shift': 'y'})
    entry = DutyLog.get()
    assert entry.for_next_shift and entry.kind == 'handover' and entry.user_id == school['users']['guard'].id
    # The next shift sees it at the top for a day.
    page = as_role('manager').get('/patrol/duty').get_data(as_text=True)
    assert '上一班交代' in page and '后门锁坏了' in page
    DutyLog.update(created_at=utcnow() - dt.timedelta(hours=30)).execute()
    assert '上一班交代' not in as_role('manager').get('/patrol/duty').get_data(as_text=True)
