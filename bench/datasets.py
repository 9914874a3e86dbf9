"""The benchmark's data sets: the demo school, the demo school with a million more records, and issue 12's campus.

Records are generated in SQL, copying the demo's own records (their place or asset, label, activity, person,
checklist, answers, outcome) into the years before the demo's history, so the history has the demo's shape:
photo rows on reports, failed checks and one record in 50, closed work orders on reports (reported by the demo's
teacher, done by its repair worker). No Flask here: plain sqlite3 / psycopg connections.
"""
import datetime
import os
import sqlite3
import time
import urllib.parse

HISTORY_STEP_SECONDS = 157  # a million records a little more than 157 s apart: about five years of history


class Database:
    """One benchmark database, SQLite (a file) or PostgreSQL (a database of its own, dropped at the end)."""

    def __init__(self, url, admin_url=None):
        self.url, self.admin_url = url, admin_url
        self.pg = url.startswith('postgresql')

    @classmethod
    def sqlite(cls, path):
        return cls('sqlite:///' + path)

    @classmethod
    def create_pg(cls, admin_url, name, template=None):
        """A new PostgreSQL database (from a template database when given)."""
        import psycopg
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
            conn.execute(f'CREATE DATABASE {name}' + (f' TEMPLATE {template}' if template else ''))
        parts = urllib.parse.urlsplit(admin_url)
        return cls(urllib.parse.urlunsplit(parts._replace(path='/' + name)), admin_url)

    @property
    def name(self):
        return urllib.parse.urlsplit(self.url).path.lstrip('/')

    def path(self):
        return urllib.parse.unquote(self.url[len('sqlite:///'):])

    def connect(self):
        if self.pg:
            import psycopg
            return psycopg.connect(self.url, autocommit=True)
        conn = sqlite3.connect(self.path(), timeout=30, isolation_level=None)
        conn.execute('PRAGMA journal_mode=wal')
        return conn

    def bulk_connect(self):
        """A connection for loading: on SQLite no journal and a large cache (a failed load is rebuilt anyway)."""
        if self.pg:
            return self.connect()
        conn = sqlite3.connect(self.path(), timeout=30, isolation_level=None)
        for pragma in ('journal_mode=off', 'synchronous=off', 'cache_size=-1000000', 'temp_store=memory'):
            conn.execute('PRAGMA ' + pragma)
        return conn

    def run(self, statements):
        """Run statements in one transaction."""
        conn = self.bulk_connect()
        try:
            conn.execute('BEGIN')
            if self.pg:  # generated rows name rows that exist (copied or built first): no per-row foreign-key triggers
                conn.execute('SET LOCAL session_replication_role = replica')
            for sql in statements:
                conn.execute(sql)
            conn.execute('COMMIT')
            # PostgreSQL: vacuumed and analysed, as autovacuum leaves a database it has caught up with (left to
            # autovacuum, the million new rows may be vacuumed while the pages are measured)
            conn.execute('VACUUM ANALYZE' if self.pg else 'PRAGMA journal_mode=wal')
        finally:
            conn.close()

    def query(self, sql, params=()):
        conn = self.connect()
        try:
            if not self.pg:
                sql = sql.replace('%s', '?')
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def drop(self):
        if self.pg:
            import psycopg
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS {self.name} WITH (FORCE)')


def numbers(db, count, start=1):
    """A FROM clause of the integers start..start+count-1 as n(i)."""
    if db.pg:
        return f'generate_series({start}, {start + count - 1}) AS n(i)'
    return (f'(WITH RECURSIVE s(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM s WHERE i < {start + count - 1}) '
            'SELECT i FROM s) AS n')


def seconds_before(db, moment, seconds_sql):
    """SQL for `moment` (a quoted timestamp literal) minus an integer expression of seconds."""
    if db.pg:
        return f"(TIMESTAMP {moment} - ({seconds_sql}) * INTERVAL '1 second')"
    return f"datetime({moment}, '-' || ({seconds_sql}) || ' seconds')"


def year_of(db, column):
    return f'CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)' if db.pg else f"CAST(strftime('%Y', {column}) AS INTEGER)"


def copied_history_sql(db, count, models_sql, oldest, step_sql, prefix):
    """INSERT … SELECT of `count` records copying the rows of `models_sql` (numbered rn from 0) round-robin,
    record i at `oldest` minus step_sql(i) seconds, then their photos and work orders."""
    true = 'true' if db.pg else '1'
    models = f'CREATE TEMPORARY TABLE bench_model AS {models_sql}'
    records = (
        'INSERT INTO record (uuid, campus_id, tag_id, place_id, item_id, activity, user_id, reporter_name, '
        'reporter_phone, template_id, answers, outcome, note, created_at, client_address) '
        f"SELECT '{prefix}-' || n.i, m.campus_id, m.tag_id, m.place_id, m.item_id, m.activity, m.user_id, "
        "m.reporter_name, '', m.template_id, m.answers, m.outcome, m.note, "
        f"{seconds_before(db, oldest, step_sql)}, '' FROM {numbers(db, count)} "
        'JOIN bench_model m ON m.rn = n.i % (SELECT count(*) FROM bench_model)')
    first_new = '(SELECT max(id) FROM record) - {count}'.format(count=count)
    photos = (
        'INSERT INTO photo (campus_id, sha256, content_type, width, height, size, record_id, uploaded_by_id, '
        "created_at) SELECT campus_id, 'bench-history', 'image/jpeg', 640, 480, 20000, id, user_id, created_at "
        f"FROM record WHERE id > {first_new} AND (activity = 'report' OR outcome = 'problem' OR id % 50 = 0)")
    repairer = "(SELECT m.user_id FROM membership m WHERE m.campus_id = r.campus_id AND m.role = 'repair' LIMIT 1)"
    orders = (
        'INSERT INTO work_order (campus_id, year, sequence, place_id, item_id, record_id, category, priority, '
        'hazard, status, title, description, reporter_id, reporter_name, reporter_phone, assignee_id, '
        'follow_secret, liable_party, due_at, created_at, updated_at, closed_at) '
        f"SELECT r.campus_id, {year_of(db, 'r.created_at')}, 100000 + r.id, r.place_id, r.item_id, r.id, 'other', "
        f"'normal', {'false' if db.pg else '0'}, 'closed', r.note, '', r.user_id, '', '', {repairer}, "
        f"'{prefix}-' || r.id, '', r.created_at, r.created_at, r.created_at, r.created_at "
        f"FROM record r WHERE r.id > {first_new} AND r.activity = 'report'")
    del true
    return [models, records, photos, orders, 'DROP TABLE bench_model']


def add_demo_history(db, count):
    """`count` records before the demo's history, copied from the demo's own records (seconds taken)."""
    started = time.perf_counter()
    oldest = db.query('SELECT min(created_at) FROM record')[0][0]
    oldest = f"'{oldest if isinstance(oldest, str) else oldest.isoformat(' ')}'"
    models_sql = ('SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn, campus_id, tag_id, place_id, item_id, '
                  'activity, user_id, reporter_name, template_id, answers, outcome, note FROM record')
    db.run(copied_history_sql(db, count, models_sql, oldest, f'n.i * {HISTORY_STEP_SECONDS}', 'history'))
    return time.perf_counter() - started


# Issue 12's campus: 5,000 targets, 50 routines ------------------------------------------------------------

BUILDINGS, FLOORS, ROOMS = 10, 5, 90          # 4,500 rooms …
EXTINGUISHERS_PER_FLOOR = 10                  # … and 500 fire extinguishers: 5,000 targets
ROOM_KINDS = ['classroom'] * 60 + ['toilet'] * 10 + ['office'] * 10 + ['lab'] * 10
RECENT_DAYS = 35                              # the first records span the last 35 days; older ones lie before
OLDER_GAP_DAYS = 40                           # the history beyond the first records starts 40 days back
OLDER_STEP_SECONDS = 60
BENCH_PASSWORD = 'bench1234'


def campus_routines(buildings, janitors, inspectors, templates):
    """50 routines: per building a janitor's toilets 3× a day, 卫生检查 at two times, classroom safety daily,
    offices daily, and (two buildings in one) labs weekly or extinguishers monthly."""
    windows = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}
    out = []
    for number, building in enumerate(buildings):
        janitor = janitors[number % len(janitors)]
        out.append(dict(name=f'{building["name"]}厕所保洁', activity='cleaning', target_type='place',
                        target_kind='toilet', subtree=building['id'], people=[janitor], role='',
                        schedule=windows))
        out.append(dict(name=f'{building["name"]}卫生检查', activity='hygiene', target_type='place',
                        target_kind='classroom', subtree=building['id'], role='inspector', people=[],
                        template=templates['hygiene'],
                        schedule={'type': 'times', 'times': ['07:50', '14:30'], 'tolerance': 15}))
        out.append(dict(name=f'{building["name"]}教室安全检查', activity='inspection', target_type='place',
                        target_kind='classroom', subtree=building['id'], role='inspector', people=[],
                        schedule={'type': 'daily'}))
        out.append(dict(name=f'{building["name"]}办公室检查', activity='inspection', target_type='place',
                        target_kind='office', subtree=building['id'], role='manager', people=[],
                        schedule={'type': 'daily'}))
        if number % 2:
            out.append(dict(name=f'{building["name"]}灭火器月检', activity='inspection', target_type='item',
                            target_kind='fire_extinguisher', subtree=building['id'], role='manager', people=[],
                            schedule={'type': 'monthly'}, calendar='every_day'))
        else:
            out.append(dict(name=f'{building["name"]}实验室周检', activity='inspection', target_type='place',
                            target_kind='lab', subtree=building['id'], role='inspector', people=[inspectors[0]],
                            schedule={'type': 'weekly'}))
    return out
