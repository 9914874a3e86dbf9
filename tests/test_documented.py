"""What the README and docs/ARCHITECTURE.md promise, each pinned by a test: a reverse proxy's X-Forwarded-* headers,
Secure cookies on an https:// site, times shown in the campus's zone, patrol rounds closed lazily when a patrol
page opens, the SQLite pragmas."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from helpers import PASSWORD, PASSWORD_HASH, PG_URL, login, make_app, make_school
from peewee import IntegrityError
from test_patrol_helpers import make_route

from houqin import db
from houqin.clock import utcnow
from houqin.models import (AuditLog, Campus, LoginThrottle, Membership, NotificationChannel, Outbox, PatrolRun,
                           Place, Record, Tag, User)
from houqin.patrol.checkpoints import record_scan
from houqin.tags import new_token

ENGLISH = {'Accept-Language': 'en'}
WRONG = 'Wrong username or password.'
PAUSED = 'Too many failed log-ins. Please wait 1 seconds and try again.'


@pytest.fixture
def app_with(database_url, tmp_path):
    """app_with(SETTING=value, ...) -> an app on a fresh migrated database with the test school in it."""
    def make(**config):
        app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False, **config)
        make_school()
        return app
    yield make
    if not db.database.is_closed():
        db.database.close()


def try_login(client, username, password, headers):
    """One log-in through the form, every request with these headers (as a proxy would send them)."""
    token = csrf_token_with(client, '/login', headers)
    data = {'csrf_token': token, 'username': username, 'password': password, 'remember': 'y'}
    return client.post('/login', data=data, headers=dict(ENGLISH, **headers))


def csrf_token_with(client, path, headers):
    html = client.get(path, headers=headers).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def failures_by_address():
    return sorted(address for row in LoginThrottle.select() for address in [row.address] * row.failures)


# HOUQIN_PROXY_COUNT and X-Forwarded-For / X-Forwarded-Proto -------------------------------------------------

def test_behind_one_proxy_log_in_throttling_counts_the_forwarded_client_address(app_with):
    """README step 5: with HOUQIN_PROXY_COUNT=1 failed log-ins count against the address the proxy forwards.
    The proxy appends the real address, so a client's own X-Forwarded-For value in front of it is not trusted."""
    app = app_with(PROXY_COUNT=1, LOGIN_FREE_FAILURES=3)
    client = app.test_client()
    phone = {'X-Forwarded-For': '203.0.113.7'}
    for forwarded in ('203.0.113.7', '10.9.9.9, 203.0.113.7', '203.0.113.7'):
        response = try_login(client, 'teacher', 'wrong-pass', {'X-Forwarded-For': forwarded})
        assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    assert failures_by_address() == ['203.0.113.7'] * 3
    refused = try_login(client, 'teacher', PASSWORD, phone)  # the right password, from the throttled address
    assert refused.status_code == 200 and PAUSED in refused.get_data(as_text=True)
    other = app.test_client()  # another phone behind the same proxy (the same REMOTE_ADDR) is not paused
    allowed = try_login(other, 'teacher', PASSWORD, {'X-Forwarded-For': '198.51.100.9'})
    assert (allowed.status_code, allowed.headers['Location']) == (302, '/')


def test_without_a_proxy_count_the_forwarded_header_is_ignored(app_with):
    """HOUQIN_PROXY_COUNT=0 (the default): X-Forwarded-For is whatever the client wrote, so it is not believed;
    failures count against the connection's own address and changing the header does not escape the pause."""
    app = app_with(LOGIN_FREE_FAILURES=3)
    assert app.config['PROXY_COUNT'] == 0
    client = app.test_client()
    for i in range(3):
        response = try_login(client, 'teacher', 'wrong-pass', {'X-Forwarded-For': f'203.0.113.{i}'})
        assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    assert failures_by_address() == ['127.0.0.1'] * 3  # the test client's REMOTE_ADDR
    refused = try_login(client, 'teacher', PASSWORD, {'X-Forwarded-For': '198.51.100.9'})
    assert refused.status_code == 200 and PAUSED in refused.get_data(as_text=True)


def test_behind_one_proxy_x_forwarded_proto_makes_the_request_https(app_with):
    """With HOUQIN_PROXY_COUNT=1 a request the proxy forwards with X-Forwarded-Proto: https is an HTTPS request to
    the app, which shows in CSRF's HTTPS rule: a form must come from a page of this same https:// site."""
    app = app_with(PROXY_COUNT=1, BASE_URL='https://school.test')
    proxied = {'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https', 'Host': 'school.test'}
    elsewhere = try_login(app.test_client(), 'teacher', PASSWORD, dict(proxied, Referer='https://evil.test/login'))
    assert elsewhere.status_code == 400
    missing = try_login(app.test_client(), 'teacher', PASSWORD, proxied)
    assert missing.status_code == 400
    ours = try_login(app.test_client(), 'teacher', PASSWORD, dict(proxied, Referer='https://school.test/login'))
    assert (ours.status_code, ours.headers['Location']) == (302, '/')


def test_without_a_proxy_count_x_forwarded_proto_is_ignored(app_with):
    """HOUQIN_PROXY_COUNT=0: a client's X-Forwarded-Proto does not make a plain HTTP request HTTPS."""
    app = app_with(BASE_URL='https://school.test')
    forged = {'X-Forwarded-Proto': 'https', 'Host': 'school.test', 'Referer': 'https://evil.test/login'}
    response = try_login(app.test_client(), 'teacher', PASSWORD, forged)
    assert (response.status_code, response.headers['Location']) == (302, '/')


def cookie_flags(response):
    """{cookie name: set of its attributes, lower case} of a response's Set-Cookie headers."""
    found = {}
    for header in response.headers.getlist('Set-Cookie'):
        name = header.split('=', 1)[0]
        found[name] = {part.strip().split('=', 1)[0].lower() for part in header.split(';')[1:]}
    return found


@pytest.mark.parametrize('base_url, secure', [('https://hq.example.edu.cn', True), ('http://192.168.1.20:8000', False)])
def test_cookies_are_secure_exactly_when_the_site_is_https(app_with, base_url, secure):
    """README: cookies become Secure when HOUQIN_BASE_URL is https:// (both the session and remember-me)."""
    app = app_with(BASE_URL=base_url, PROXY_COUNT=1)
    client = app.test_client()
    headers = {'X-Forwarded-Proto': 'https', 'Host': 'hq.example.edu.cn',
               'Referer': 'https://hq.example.edu.cn/login'} if secure else {}
    response = try_login(client, 'teacher', PASSWORD, headers)
    assert response.status_code == 302
    flags = cookie_flags(response)
    assert set(flags) == {'session', 'remember_token'}
    for name in ('session', 'remember_token'):
        assert ('secure' in flags[name]) is secure, (name, flags[name])
        assert 'httponly' in flags[name]
    assert 'samesite' in flags['session']


# Times shown in the campus's zone ---------------------------------------------------------------------------

# 18:30 UTC on 9 March 2026 is 02:30 the next morning in Shanghai (UTC+8) and 14:30 in New York (EDT, UTC-4,
# since 8 March): different hours and, for Shanghai, a different date.
MOMENT = dt.datetime(2026, 3, 9, 18, 30)


def cleaned_at(campus, place, tag, when):
    return Record.create(uuid=f'00000000-0000-4000-8000-{campus.id:012d}', campus=campus, tag=tag, place=place,
                         activity='cleaning', created_at=when)


def test_a_record_shows_at_the_campus_time_on_the_scan_page_and_the_audit_log(app, school, as_role):
    """Times are stored as naive UTC and shown in the campus's zone (Asia/Shanghai by default)."""
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    cleaned_at(school['campus'], school['room'], tag, MOMENT)
    AuditLog.create(campus=school['campus'], user=school['users']['admin'], action='update', entity='place',
                    row_id=school['room'].id, summary='101教室', created_at=MOMENT)
    assert school['campus'].timezone == 'Asia/Shanghai'
    page = as_role('manager').get(f'/t/{tag.token}', headers=ENGLISH).get_data(as_text=True)
    assert '<dt>Last cleaned</dt><dd>2026-03-10 02:30</dd>' in page
    assert '<li>03-10 02:30 · Cleaning' in page
    assert '18:30' not in page
    audit = as_role('admin').get('/admin/audit', headers=ENGLISH)
    assert audit.status_code == 200
    assert '<tr><td>2026-03-10 02:30</td>' in audit.get_data(as_text=True)


def test_a_campus_in_another_zone_shows_its_own_time(app, school):
    """A campus in New York shows the same stored moment at New York's time, to its own staff."""
    campus = Campus.create(name='Riverside School', code='ny', timezone='America/New_York')
    room = Place.create(campus=campus, name='Room 5', kind='classroom')
    tag = Tag.create(token=new_token(), campus=campus, place=room)
    cleaned_at(campus, room, tag, MOMENT)
    user = User.create(username='nymanager', password_hash=PASSWORD_HASH)
    Membership.create(user=user, campus=campus, role='manager')
    client = app.test_client()
    assert login(client, 'nymanager').status_code == 302
    page = client.get(f'/t/{tag.token}', headers=ENGLISH).get_data(as_text=True)
    assert '<dt>Last cleaned</dt><dd>2026-03-09 14:30</dd>' in page
    assert '<li>03-09 14:30 · Cleaning' in page
    assert '02:30' not in page and '18:30' not in page


# A patrol round closed lazily when a patrol page opens --------------------------------------------------------

SHANGHAI = ZoneInfo('Asia/Shanghai')


def shift_ending(now, minutes_ago, hours=2):
    """(HH:MM, HH:MM) on the Shanghai clock: a shift of one round that ended about `minutes_ago` minutes ago,
    and the round's start as naive UTC."""
    end = (now.replace(tzinfo=dt.timezone.utc).astimezone(SHANGHAI) - dt.timedelta(minutes=minutes_ago))
    end = end.replace(second=0, microsecond=0)
    start = end - dt.timedelta(hours=hours)
    return (f'{start:%H:%M}', f'{end:%H:%M}'), start.astimezone(dt.timezone.utc).replace(tzinfo=None)


def test_opening_a_patrol_page_closes_a_round_whose_grace_has_ended_once(app_with):
    """README "Night patrol": a round is closed (missed checkpoints written, the managers told through the
    outbox) when its grace period has ended and someone opens a patrol page; opening pages again writes nothing
    more. A round still in its grace stays open."""
    app = app_with()
    campus = Campus.get(Campus.code == 'test')
    guard = User.get(User.username == 'guard')
    now = utcnow()
    NotificationChannel.create(campus=campus, name='后勤群', kind='webhook', url='http://127.0.0.1:9/hook',
                               audience='managers')
    shift, start = shift_ending(now, 60)  # ended an hour ago; grace 15 minutes
    ended, _places, tags, _stops = make_route(campus, ['校门', '配电房'], name='夜班', shift=shift, every=24 * 60,
                                              grace=15, created_at=now - dt.timedelta(hours=4))
    record_scan(tags[0], guard, now=start + dt.timedelta(minutes=10))
    shift, start = shift_ending(now, 5)  # ended five minutes ago: still in its grace
    in_grace, _places, late_tags, _stops = make_route(campus, ['东门', '西门'], name='晚班', shift=shift,
                                                      every=24 * 60, grace=15, created_at=now - dt.timedelta(hours=4))
    record_scan(late_tags[0], guard, now=start + dt.timedelta(minutes=10))
    assert [(r.route_id, r.status, r.evaluated_at) for r in PatrolRun.select().order_by(PatrolRun.id)] == [
        (ended.id, 'open', None), (in_grace.id, 'open', None)]

    guard_client = app.test_client()
    assert login(guard_client, 'guard').status_code == 302
    assert guard_client.get('/patrol/').status_code == 200
    run = PatrolRun.get(PatrolRun.route == ended)
    assert (run.status, run.result['missed_names']) == ('incomplete', ['配电房'])
    evaluated_at = run.evaluated_at
    assert evaluated_at is not None and now <= evaluated_at <= utcnow()
    assert (PatrolRun.get(PatrolRun.route == in_grace).status,
            PatrolRun.get(PatrolRun.route == in_grace).evaluated_at) == ('open', None)
    messages = list(Outbox.select().where(Outbox.topic == 'patrol'))
    assert len(messages) == 1 and '夜班' in messages[0].subject and '配电房' in messages[0].body

    manager = app.test_client()
    assert login(manager, 'manager').status_code == 302
    night = run.night.isoformat()
    report = manager.get(f'/patrol/reports/?night={night}')
    assert report.status_code == 200 and '漏巡：配电房' in report.get_data(as_text=True)
    assert guard_client.get('/patrol/').status_code == 200
    assert PatrolRun.get_by_id(run.id).evaluated_at == evaluated_at
    assert Outbox.select().where(Outbox.topic == 'patrol').count() == 1
    assert PatrolRun.select().count() == 2


# The SQLite pragmas -----------------------------------------------------------------------------------------

@pytest.mark.skipif(bool(PG_URL), reason='this run uses PostgreSQL, which has no SQLite pragmas')
def test_the_apps_sqlite_connection_runs_with_wal_foreign_keys_and_a_lock_timeout(client, school):
    """docs/ARCHITECTURE.md: SQLite runs with WAL, foreign keys on, a 64 MB cache and a 10 s lock timeout; checked
    on the connection a request opened (kept open for this thread)."""
    assert client.get('/login').status_code == 200
    assert not db.database.is_closed()
    connection = db.database.connection()

    def pragma(name):
        return connection.execute(f'PRAGMA {name}').fetchone()[0]
    assert pragma('journal_mode') == 'wal'
    assert pragma('foreign_keys') == 1
    assert pragma('busy_timeout') == 10000
    assert pragma('cache_size') == -64000
    assert pragma('synchronous') == 1  # NORMAL
    with pytest.raises(IntegrityError, match='FOREIGN KEY constraint failed'):
        Place.create(campus=987654, name='nowhere', kind='room')
