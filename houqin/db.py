"""The database: one proxy, chosen from a URL at start-up; connection handling per request."""
import hashlib
import os
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from peewee import DatabaseProxy, Node, OperationalError, SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase

database = DatabaseProxy()

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), 'migrations')

SQLITE_PRAGMAS = {
    'journal_mode': 'wal',
    'foreign_keys': 1,
    'cache_size': -64000,
    'synchronous': 'normal',
}


def open_database(url):
    """Build a peewee database from sqlite:///path or postgresql://user:pw@host:port/name?options."""
    parts = urlsplit(url)
    if parts.scheme == 'sqlite':
        path = unquote(parts.path[1:] if parts.path.startswith('/') else parts.path)
        if parts.netloc:  # sqlite://relative/path
            path = parts.netloc + '/' + path
        # timeout: wait for the write lock instead of failing "database is locked".
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    if parts.scheme in ('postgres', 'postgresql'):
        kwargs = dict(parse_qsl(parts.query))
        # A pool per process: a request borrows a connection and gives it back (no connect per request).
        # Connections idle for 5 minutes are replaced; a 21st concurrent borrower waits up to 10 s.
        return PooledPostgresqlDatabase(
            unquote(parts.path.lstrip('/')), user=unquote(parts.username or '') or None,
            password=unquote(parts.password or '') or None, host=parts.hostname,
            port=parts.port or 5432, prefer_psycopg3=True, max_connections=20, stale_timeout=300, timeout=10,
            **kwargs)
    raise ValueError(f'unsupported database URL scheme: {parts.scheme!r} (use sqlite:/// or postgresql://)')


def init_database(url):
    """Point the shared proxy at the database the URL names."""
    previous = database.obj
    if isinstance(previous, PooledPostgresqlDatabase):
        previous.close_idle()  # a re-pointed proxy (tests, tools) leaves no idle connections behind
    db = open_database(url)
    database.initialize(db)
    return db


def is_sqlite():
    """True when the proxy points at SQLite."""
    return isinstance(database.obj, SqliteDatabase)


BUSY_RETRIES = 3   # a busy database (SQLite's lock wait ran out, a PostgreSQL deadlock): tries again, 50–200 ms apart


def write_transaction():
    """Every write transaction: one that takes the write lock at once on SQLite (BEGIN IMMEDIATE), a plain one
    elsewhere (tests/test_hardening.py fails on any other database.atomic()).

    A read-then-write (the next number) in a deferred SQLite transaction can fail to upgrade its lock
    when another writer commits in between; IMMEDIATE queues writers instead. Nested, it is a savepoint
    inside the caller's transaction.
    """
    if is_sqlite() and not database.in_transaction():
        return database.atomic('IMMEDIATE')
    return database.atomic()


def is_busy(error):
    """True when a database error only means "busy, try again": SQLite's lock, a PostgreSQL deadlock or
    serialization failure."""
    text = str(error).lower()
    return any(words in text for words in ('database is locked', 'database table is locked', 'deadlock detected',
                                           'could not serialize'))


def retry_when_busy(work):
    """work(), run again (up to BUSY_RETRIES times) when the database answers busy; work opens its own write
    transaction, which rolled back, so nothing is stored twice. Inside a caller's transaction it runs once."""
    for attempt in range(BUSY_RETRIES + 1):
        try:
            return work()
        except OperationalError as error:
            if attempt == BUSY_RETRIES or database.in_transaction() or not is_busy(error):
                raise
            time.sleep(0.05 * 2 ** attempt)


def serialize_on(key):
    """Inside a write transaction: wait until no other transaction holds the same key, until commit (PostgreSQL:
    an advisory lock). SQLite needs nothing: BEGIN IMMEDIATE already lets one writer in at a time."""
    if is_sqlite():
        return
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'big', signed=True)
    database.execute_sql('SELECT pg_advisory_xact_lock(%s)', (number,))


def migration_runner():
    """peewee's migration runner over our numbered scripts."""
    return Runner(database.obj, MIGRATIONS_DIR)


def pending_migrations():
    """Names of migrations not yet applied to the database."""
    return [m.name for m in migration_runner().status() if m.path and not m.applied]


def migrate():
    """Apply every pending migration; safe to run again. Returns the names applied."""
    return migration_runner().up()


def data_version():
    """A value that differs whenever a write may have been committed since it was last read, by any connection
    or process: what a per-process cache of database reads keys on, read before the reads it guards.

    SQLite: this connection (the object itself, so a reconnect never matches an older value), PRAGMA
    data_version (commits by other connections) and the connection's total_changes (its own writes).
    PostgreSQL: this database and its current snapshot (which transactions are visible), so a write committed
    after the value was read changes the next value.
    """
    if is_sqlite():
        connection = database.connection()
        return (connection, connection.execute('PRAGMA data_version').fetchone()[0], connection.total_changes)
    return database.obj, database.execute_sql('SELECT pg_current_snapshot()::text').fetchone()[0]


class Slot(Node):
    """A parameter of a compiled query, named; its value is given at each run (see Compiled)."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        ctx._values.append(_Bound(self.name, ctx.state.converter))  # converted as a plain value would be, per run
        return ctx.literal(ctx.state.param or '?')


class _Bound:
    """Where a Slot's value goes among a compiled query's parameters, and the field's conversion of it."""

    def __init__(self, name, converter):
        self.name, self.converter = name, converter

    def value(self, values):
        value = values[self.name]
        return self.converter(value) if self.converter else value


class Compiled:
    """A peewee SELECT whose SQL text is built once per process (and database), not at every request: building a
    query's SQL costs far more than SQLite's running it. `build()` returns the query with Slot('name') where the
    values go; calling the Compiled with those names runs it and returns its rows as the query would (models)."""

    def __init__(self, build):
        self.build = build
        self._built = None

    def __call__(self, **values):
        built = self._built
        if built is None or built[0] is not database.obj:
            query = self.build()
            sql, params = query.sql()
            built = self._built = (database.obj, query, sql, params)
        _db, query, sql, params = built
        bound = [p.value(values) if isinstance(p, _Bound) else p for p in params]
        return list(query._get_cursor_wrapper(database.execute_sql(sql, bound)))


def connect_for_request():
    """Open (or reuse) this thread's connection; on PostgreSQL, borrow one from the process's pool."""
    database.connect(reuse_if_open=True)


def close_after_request(exc=None):
    """Give PostgreSQL connections back to the pool after each request; keep SQLite's open.

    Closing the last SQLite connection checkpoints and deletes the WAL (~1.4 ms a
    request), so each worker thread keeps one SQLite connection for its lifetime.
    """
    if not database.is_closed() and not is_sqlite():
        database.close()


def forget_connections():
    """In a forked child, drop (never use or close) the parent's connections: the child opens its own.

    Closing an inherited PostgreSQL connection would end the parent's session too, and SQLite forbids
    using a connection across fork(); so the child only forgets them.
    """
    db = database.obj
    if db is None:
        return
    db._state.reset()
    if isinstance(db, PooledPostgresqlDatabase):
        db._connections, db._in_use = [], {}


os.register_at_fork(after_in_child=forget_connections)
