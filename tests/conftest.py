"""Fixtures: an app on a fresh database (SQLite file, or a PostgreSQL schema), clients, signed-in roles."""
import os
import re
import threading
import uuid

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from houqin import create_app, db
from houqin.models import Campus, Item, Membership, Place, Tag, User
from houqin.vocab import ROLES

PG_URL = os.environ.get('HOUQIN_TEST_DATABASE_URL')
PASSWORD = 'test-pass-1234'
# Hashing is slow by design; the fixtures share one hash of the test password.
PASSWORD_HASH = generate_password_hash(PASSWORD)


def new_pg_schema(url):
    """Create a throw-away schema on the test PostgreSQL server; returns (url using it, drop function)."""
    import psycopg
    schema = 'houqin_test_' + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA {schema}')

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA {schema} CASCADE')
    sep = '&' if '?' in url else '?'
    return f'{url}{sep}options=-csearch_path%3D{schema}', drop


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database: PostgreSQL when HOUQIN_TEST_DATABASE_URL is set, else a SQLite file."""
    if PG_URL:
        url, drop = new_pg_schema(PG_URL)
        yield url
        db.database.close() if not db.database.is_closed() else None
        drop()
    else:
        yield 'sqlite:///' + str(tmp_path / 'test.sqlite3')


def make_app(database_url, tmp_path, **extra):
    """An app with a migrated database, the way `flask houqin init` leaves it."""
    config = {'TESTING': True, 'DATABASE_URL': database_url, 'SECRET_KEY': 'test-secret',
              'PHOTO_DIR': str(tmp_path / 'photos'), 'BASE_URL': 'http://school.test'}
    config.update(extra)
    app = create_app(config)
    app.instance_path = str(tmp_path / 'instance')
    with db.database.connection_context():
        db.migrate()
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    if not db.database.is_closed():
        db.database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def school(app):
    """A small campus: a building with a floor, a classroom with a desk, a user per role."""
    return make_school()


def make_school():
    """Create the small test campus (see the school fixture)."""
    with db.database.connection_context():
        campus = Campus.create(name='测试中心小学', code='test')
        building = Place.create(campus=campus, name='教学楼', kind='building', code='A')
        floor = Place.create(campus=campus, parent=building, name='一楼', kind='floor')
        room = Place.create(campus=campus, parent=floor, name='101教室', kind='classroom', code='101')
        desk = Item.create(campus=campus, place=room, kind='desk', name='课桌', asset_number='KZ-0001')
        Tag.create(token='ABCDEFGH12', campus=campus, place=room)
        users = {}
        for role in ROLES:
            user = User.create(username=role, display_name=role.title(), password_hash=PASSWORD_HASH)
            Membership.create(user=user, campus=campus, role=role)
            users[role] = user
        User.create(username='norole', password_hash=PASSWORD_HASH)
    return {'campus': campus, 'building': building, 'floor': floor, 'room': room, 'desk': desk,
            'users': users}


def csrf_token(client, path):
    """The CSRF token of the form on a page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f'no CSRF token on {path}'
    return match.group(1)


def login(client, username, password=PASSWORD, remember=True):
    """Sign a test client in through the real log-in form."""
    token = csrf_token(client, '/login')
    data = {'csrf_token': token, 'username': username, 'password': password}
    if remember:
        data['remember'] = 'y'
    return client.post('/login', data=data)


@pytest.fixture
def as_role(app, school):
    """as_role('manager') -> a test client signed in with that role."""
    def make(role):
        c = app.test_client()
        response = login(c, role)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c
    return make


# Browser tests (tests/browser/): Debian's Chromium driven by Playwright against a live server.
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f'{CHROMIUM} is not installed (apt-get install chromium)')


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port, in a thread."""
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    thread.join(timeout=5)


class WatchedBrowser:
    """Chromium, where every new context reports its console errors and uncaught script errors to `errors`."""

    def __init__(self, browser):
        self.browser = browser
        self.errors = []
        self.opened = 0

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        self.opened += 1
        number = self.opened
        context.on('console', lambda m: self.errors.append(f'context {number} console: {m.text} ({m.location["url"]})')
                   if m.type == 'error' else None)
        context.on('weberror', lambda e: self.errors.append(f'context {number} page error: {e.error}'))
        return context

    def __getattr__(self, name):
        return getattr(self.browser, name)


@pytest.fixture(scope='session')
def browser():
    """The one Chromium of the session; every context opened on it is watched for console errors."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield WatchedBrowser(chromium)
        chromium.close()


@pytest.fixture(autouse=True)
def no_browser_console_errors(request):
    """A test that uses the browser fails on any console error in any context it opened, however it opened it;
    contexts it left open are closed first (so their last messages arrive)."""
    if 'browser' not in request.fixturenames:
        yield
        return
    watched = request.getfixturevalue('browser')
    watched.errors.clear()
    yield
    for context in list(watched.contexts):
        context.close()
    assert not watched.errors, f'browser console errors: {watched.errors}'


PHONE = {'viewport': {'width': 390, 'height': 844}, 'device_scale_factor': 2, 'is_mobile': True, 'has_touch': True,
         'locale': 'zh-CN', 'timezone_id': 'Asia/Shanghai'}


@pytest.fixture
def new_phone(browser):
    """new_phone() -> a page on a new phone: its own context (390×844, Chinese, Shanghai time, no cookies).

    Every phone is closed at teardown; a console error on any of them fails the test (no_browser_console_errors).
    """
    contexts = []

    def open_phone():
        contexts.append(browser.new_context(**PHONE))
        return contexts[-1].new_page()
    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone):
    """A page on one new phone (see new_phone), failing the test on any console error."""
    return new_phone()
