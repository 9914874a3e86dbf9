"""Fixtures: an app on its own migrated database (SQLite file, or a PostgreSQL schema), clients, signed-in
roles, a live server and phone-sized Chromium pages. Shared helpers live in helpers.py."""
import functools
import threading

import pytest
from helpers import (CHROMIUM, CHROMIUM_ARGS, MigratedTemplate, PG_URL, PHONE, WatchedBrowser, login, make_app,
                     make_school, new_pg_schema, reuse_url_builders)
from werkzeug.serving import make_server

from houqin import db


reuse_url_builders()

DATABASE_FIXTURES = {'database_url', 'demo_database_url', 'empty_database_url', 'migrated_template'}
# A module naming these reaches the database by itself (its own schemas, subprocess servers given the URL).
OWN_DATABASE_NAMES = ('PG_URL', 'new_pg_schema', 'HOUQIN_TEST_DATABASE_URL')


@functools.lru_cache(maxsize=None)
def module_reaches_the_database(path):
    """True if a test module names the test database itself, outside the fixtures."""
    with open(path, encoding='utf-8') as fh:
        text = fh.read()
    return any(name in text for name in OWN_DATABASE_NAMES)


def touches_the_database(item):
    """True if the test can behave differently on PostgreSQL: it uses a test database or makes its own."""
    return bool(DATABASE_FIXTURES & set(item.fixturenames)) or module_reaches_the_database(str(item.fspath))


# The longest test files (--durations on both databases, heaviest first). xdist hands a worker one whole file at a
# time (--dist loadfile) in the order collected: the longest go first, so none is left running alone at the end.
LONGEST_FILES = ('test_fuzz.py', 'test_hardening.py', 'test_zh_pages.py', 'test_permissions.py', 'test_stocktake.py',
                 'test_scan.py', 'test_install.py', 'test_field_fixes.py', 'test_routine_views.py', 'test_demo.py',
                 'test_repairs_rules.py', 'test_import.py', 'browser/test_assets_term.py', 'test_app.py',
                 'test_notify.py', 'test_core_workflow.py', 'test_scores_classes.py', 'test_canteen.py',
                 'test_auth.py', 'browser/test_field_fixes_on_phone.py')


def longest_first(items):
    """The items with the files of LONGEST_FILES first, in that order; then by tests per file, most first."""
    per_file = {}
    for item in items:
        per_file.setdefault(item.nodeid.split('::')[0], []).append(item)

    def rank(path):
        name = path.split('tests/', 1)[-1]
        return (LONGEST_FILES.index(name), 0) if name in LONGEST_FILES else (len(LONGEST_FILES), -len(per_file[path]))
    return [item for path in sorted(per_file, key=rank) for item in per_file[path]]


def pytest_collection_modifyitems(config, items):
    """Browser tests are slow tests (`-m 'not slow'` leaves them out). Against PostgreSQL, tests that touch no
    database are left out: they are the same test as on SQLite, which runs them (CI runs both). The longest
    files run first."""
    for item in items:
        if '/browser/' in str(item.fspath):
            item.add_marker(pytest.mark.slow)
    if PG_URL:
        same = [item for item in items if not touches_the_database(item)]
        if same:
            config.hook.pytest_deselected(items=same)
            items[:] = [item for item in items if touches_the_database(item)]
    items[:] = longest_first(items)


@pytest.fixture(scope='session')
def migrated_template(tmp_path_factory):
    """The migrated schema, made once for the session."""
    template = MigratedTemplate(str(tmp_path_factory.mktemp('template')))
    yield template
    template.close()


@pytest.fixture
def database_url(tmp_path, migrated_template):
    """This test's own migrated database: a PostgreSQL schema when HOUQIN_TEST_DATABASE_URL is set, else a
    SQLite file."""
    if PG_URL:
        url, release = migrated_template.postgres_copy()
        yield url
        db.database.close() if not db.database.is_closed() else None
        release()
    else:
        yield migrated_template.sqlite_copy(str(tmp_path / 'test.sqlite3'))


@pytest.fixture
def demo_database_url(tmp_path, migrated_template):
    """This test's own database holding the demo school, copied from one loaded once per test process (as
    `flask houqin demo` loads it: its three weeks of history end when the process first needed it)."""
    if PG_URL:
        url, release = migrated_template.demo_postgres_copy()
        yield url
        db.database.close() if not db.database.is_closed() else None
        release()
    else:
        yield migrated_template.demo_sqlite_copy(str(tmp_path / 'demo.sqlite3'))


@pytest.fixture
def demo_app(demo_database_url, tmp_path):
    """An app on a database holding the demo school (accounts' password: helpers.DEMO_PASSWORD)."""
    app = make_app(demo_database_url, tmp_path)
    yield app
    if not db.database.is_closed():
        db.database.close()


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables at all, for the tests of migrating and of refusing an old schema."""
    if PG_URL:
        url, drop = new_pg_schema(PG_URL)
        yield url
        db.database.close() if not db.database.is_closed() else None
        drop()
    else:
        yield 'sqlite:///' + str(tmp_path / 'empty.sqlite3')


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
