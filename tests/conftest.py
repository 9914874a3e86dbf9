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


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A new phone-sized page (390×844, Chinese, Shanghai time), failing on any console error."""
    context = browser.new_context(viewport={'width': 390, 'height': 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale='zh-CN', timezone_id='Asia/Shanghai')
    page = context.new_page()
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f'browser console errors: {errors}'
