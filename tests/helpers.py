"""What tests share besides fixtures: the test school, signing in, the databases, Chromium's settings."""
import io
import os
import pathlib
import re
import shutil
import uuid

import jinja2
import psycopg
import pytest
import werkzeug.routing.rules
from PIL import Image
from werkzeug.security import generate_password_hash

from houqin import create_app, db
from houqin.clock import utcnow
from houqin.demo import load_demo
from houqin.models import Campus, Holiday, Item, Membership, Place, Tag, User
from houqin.routines.service import campus_calendar
from houqin.vocab import ROLES

PG_URL = os.environ.get('HOUQIN_TEST_DATABASE_URL')
PASSWORD = 'test-pass-1234'
DEMO_PASSWORD = 'demo1234'  # what `flask houqin demo` gives every demo account
# Passwords are hashed with scrypt in the app (~0.1 s each, by design); tests hash theirs cheaply, and
# make_app tells the app to do the same for accounts it creates. Checking goes by the stored method.
TEST_PASSWORD_METHOD = 'pbkdf2:sha256:1000'
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TEST_PASSWORD_METHOD)


def reuse_url_builders():
    """Compile each URL rule's builder once per test process instead of once per app.

    Every test makes its own app, and werkzeug generates and compiles Python code for each of the ~1,700 URL
    builders of every new app: 0.1 s, most of a test's set-up. That code is a function of the rule's parsed parts,
    its defaults and its converters' types only (a converter is reached through the rule at call time), so the
    code made for an equal rule is reused. Only the speed of making an app changes.
    """
    rules = werkzeug.routing.rules
    compile_builder = rules.Rule._compile_builder
    made = {}

    def cached(rule, append_unknown=True):
        key = (tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple((name, type(c)) for name, c in rule._converters.items()), append_unknown)
        if key not in made:
            made[key] = compile_builder(rule, append_unknown)
        return made[key]
    rules.Rule._compile_builder = cached


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's bytecode cache, kept in memory for the test process: every test makes its own app, whose Jinja
    environment would otherwise compile each template it renders again (a page walk of every role compiled ~100
    templates, 0.1 s each). Jinja keys each entry by the template's name and a checksum of its source."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def new_pg_schema(url):
    """Create a throw-away schema on the test PostgreSQL server; returns (url using it, drop function)."""
    schema = 'houqin_test_' + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA {schema}')

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA {schema} CASCADE')
    sep = '&' if '?' in url else '?'
    return f'{url}{sep}options=-csearch_path%3D{schema}', drop


class MigratedTemplate:
    """The schema as `flask houqin init` leaves it, migrated once per test session and copied for each test.

    SQLite: the migrated file is copied. PostgreSQL: the statements the migrations ran are recorded once and
    replayed into a schema of this test process, which later tests reuse after emptying it back to the
    migrated rows (tests/test_app.py still migrates for real). Replaying the DDL costs ~0.4 s a test;
    emptying ~20 ms. A schema whose tables changed, or that a leftover connection still locks, is not reused.
    """

    def __init__(self, folder):
        self.folder = folder
        self.sqlite_file = None
        self.demo_sqlite_file = None
        self.demo_schema = None  # the PostgreSQL schema holding the loaded demo school, as a source to copy
        self.demo_loaded_at = None  # when load_demo returned (UTC)
        self.statements = None
        self.spare = None      # (url, drop) of this process's reusable schema, when no test holds it
        self.snapshot = None   # what the migrations leave: shape, rows and sequences
        self.drops = []

    def sqlite_copy(self, path):
        """A migrated SQLite file at path."""
        if self.sqlite_file is None:
            self.sqlite_file = os.path.join(self.folder, 'migrated.sqlite3')
            db.init_database('sqlite:///' + self.sqlite_file)
            with db.database.connection_context():  # closing the last connection folds the WAL into the file
                db.migrate()
        shutil.copyfile(self.sqlite_file, path)
        return 'sqlite:///' + path

    def demo_sqlite_copy(self, path):
        """A migrated SQLite file at path holding the demo school (loaded once per test process)."""
        if self.demo_sqlite_file is None:
            source = os.path.join(self.folder, 'demo.sqlite3')
            self.load_demo_into(self.sqlite_copy(source))
            self.demo_sqlite_file = source
        shutil.copyfile(self.demo_sqlite_file, path)
        return 'sqlite:///' + path

    def demo_postgres_copy(self):
        """(url, release) of a PostgreSQL schema holding the migrated tables and the demo school's rows, copied
        server-side from a schema the demo was loaded into once per test process."""
        if self.demo_schema is None:
            url, _drop = self.fresh_schema()
            self.load_demo_into(url)
            self.demo_schema = url.rsplit('%3D', 1)[1]
        url, release = self.postgres_copy()
        with psycopg.connect(url) as conn:
            tables, _rows, _sequences = self.snapshot
            conn.execute('SET LOCAL session_replication_role = replica')
            for name, kind, _ in tables:
                if kind == 'r':
                    conn.execute(f'DELETE FROM "{name}"')
                    conn.execute(f'INSERT INTO "{name}" SELECT * FROM {self.demo_schema}."{name}"')
            for name, last in conn.execute('SELECT sequencename, last_value FROM pg_sequences '
                                           'WHERE schemaname = %s', (self.demo_schema,)).fetchall():
                conn.execute('SELECT setval(%s, %s, %s)', (name, last or 1, last is not None))
        return url, release

    def load_demo_into(self, url):
        """Load the demo school (`flask houqin demo`) into the migrated database at url."""
        app = make_app(url, pathlib.Path(self.folder))
        with app.app_context(), db.database.connection_context():  # closing folds SQLite's WAL into the file
            assert load_demo(password=DEMO_PASSWORD)
        self.demo_loaded_at = utcnow()
        db.database.close() if not db.database.is_closed() else None

    def postgres_copy(self):
        """(url, release) of a PostgreSQL schema holding exactly the migrated tables and rows."""
        if self.statements is None:
            self.statements = self.record_migrations()
        schema, self.spare = self.spare, None
        if schema is None or not self.reset(schema[0]):
            schema = self.fresh_schema()
        url, _ = schema

        def release():
            self.spare = schema
        return url, release

    def fresh_schema(self):
        """A new schema with the migrations replayed into it (dropped when the session ends)."""
        if self.statements is None:  # the demo's schema may be the first a test process asks for
            self.statements = self.record_migrations()
        url, drop = new_pg_schema(PG_URL)
        self.drops.append(drop)
        with psycopg.connect(url) as conn:  # one transaction: committed when the block ends
            for sql, params in self.statements:
                conn.execute(sql, params or None)
            if self.snapshot is None:
                self.snapshot = take_snapshot(conn)
        return url, drop

    def reset(self, url):
        """Empty a used schema back to the migrated rows; False if it can't be (changed shape, locked)."""
        tables, rows, sequences = self.snapshot
        try:
            with psycopg.connect(url) as conn:
                conn.execute("SET LOCAL lock_timeout = '2s'")
                if schema_shape(conn) != tables:
                    return False
                conn.execute('SET LOCAL session_replication_role = replica')  # no FK order needed
                for name, kind, _ in tables:
                    if kind == 'r':
                        conn.execute(f'DELETE FROM "{name}"')
                for table, (columns, values) in rows.items():
                    names = ', '.join(f'"{c}"' for c in columns)
                    marks = ', '.join(['%s'] * len(columns))
                    with conn.cursor() as cursor:
                        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
                for name, last in sequences:
                    conn.execute('SELECT setval(%s, %s, %s)', (name, last or 1, last is not None))
            return True
        except psycopg.errors.LockNotAvailable:
            return False

    def close(self):
        """Drop every schema this process made."""
        for drop in self.drops:
            try:
                drop()
            except psycopg.Error:
                pass

    def record_migrations(self):
        """Run the migrations into a scratch schema, keeping every statement they sent."""
        url, drop = new_pg_schema(PG_URL)
        database = db.init_database(url)
        recorded, execute = [], database.execute_sql

        def recording(sql, params=None, *args, **kwargs):
            recorded.append((sql, tuple(params or ())))
            return execute(sql, params, *args, **kwargs)
        database.execute_sql = recording
        try:
            with db.database.connection_context():
                db.migrate()
        finally:
            database.execute_sql = execute
            drop()
        return recorded


def schema_shape(conn):
    """The current schema's relations and their column counts, to tell a schema a test altered."""
    return conn.execute("SELECT c.relname, c.relkind, c.relnatts FROM pg_class c "
                        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'S', 'i') "
                        "ORDER BY c.relkind, c.relname").fetchall()


def take_snapshot(conn):
    """(shape, rows of each non-empty table, sequences' last values) of a freshly migrated schema."""
    shape = schema_shape(conn)
    rows = {}
    for name, kind, _ in shape:
        if kind == 'r':
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            values = cursor.fetchall()
            if values:
                rows[name] = ([d.name for d in cursor.description], values)
    sequences = conn.execute('SELECT sequencename, last_value FROM pg_sequences '
                             'WHERE schemaname = current_schema()').fetchall()
    return shape, rows, sequences


def make_app(database_url, tmp_path, **extra):
    """An app on the database (migrated, unless it already is), configured for tests."""
    config = {'TESTING': True, 'DATABASE_URL': database_url, 'SECRET_KEY': 'test-secret',
              'PHOTO_DIR': str(tmp_path / 'photos'), 'BASE_URL': 'http://school.test',
              'PASSWORD_HASH_METHOD': TEST_PASSWORD_METHOD}
    config.update(extra)
    app = create_app(config)
    app.instance_path = str(tmp_path / 'instance')
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with db.database.connection_context():
        db.migrate()
    return app


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


def make_a_school_day(campus, day=None):
    """Make a day (the campus's today by default) a school day when the campus calendar says it is not (a weekend,
    a holiday, between terms): a make-up working day (调休上班) counting as a Wednesday. For tests of what a
    school day shows, which must pass whatever day the suite runs on."""
    with db.database.connection_context():
        day = day or campus.today()
        if not campus_calendar(campus).is_school_day(day):
            Holiday.create(campus=campus, name='调休上班', kind='makeup', counts_as=2, starts_on=day, ends_on=day)


def csrf_token(client, path):
    """The CSRF token of the form on a page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f'no CSRF token on {path}'
    return match.group(1)


def jpeg_upload(name='photo.jpg', color='green', size=(60, 40)):
    """A small JPEG as a (file, name) pair for a test client's multipart form."""
    out = io.BytesIO()
    Image.new('RGB', size, color).save(out, 'JPEG')
    out.seek(0)
    return out, name


def login(client, username, password=PASSWORD, remember=True):
    """Sign a test client in through the real log-in form."""
    token = csrf_token(client, '/login')
    data = {'csrf_token': token, 'username': username, 'password': password}
    if remember:
        data['remember'] = 'y'
    return client.post('/login', data=data)


# Browser tests (tests/browser/): Debian's Chromium driven by Playwright against a live server.
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f'{CHROMIUM} is not installed (apt-get install chromium)')


def sign_in(page, live_server, username, then='/'):
    """Sign a browser page in through the log-in form, asking to go on to `then`."""
    page.goto(f'{live_server}/login?next={then}')
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()


def sign_in_from_label(page, live_server, token, username):
    """Scan (open the label URL), follow the log-in link, sign in, and land back on the label."""
    page.goto(f'{live_server}/T/{token}')
    page.locator('footer').get_by_role('link', name='工作人员登录').click()
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url(f'**/t/{token}')


def photo_file(tmp_path, name, color, size=(3000, 2000), quality=95):
    """A phone-camera-sized JPEG of one colour, as a path for set_input_files."""
    path = tmp_path / name
    Image.new('RGB', size, color).save(path, 'JPEG', quality=quality)
    return str(path)


PHONE = {'viewport': {'width': 390, 'height': 844}, 'device_scale_factor': 2, 'is_mobile': True, 'has_touch': True,
         'locale': 'zh-CN', 'timezone_id': 'Asia/Shanghai'}


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
