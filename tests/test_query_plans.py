"""The phone pages' hot queries read records, work orders and photos through indexes, in index order.

The SQL is what the pages really run: every statement a request sends is recorded (database.execute_sql)
while the Flask test client fetches the page, then explained. SQLite plans as in production (no ANALYZE,
which the app never runs); PostgreSQL gets years of generated history and ANALYZE, as autovacuum would give
it. A full scan of record / work_order / photo (a table or a
whole index) or a sort of their rows (unless only a recent time window is read) fails, naming the page, the statement and the plan. On PostgreSQL the
explain runs with sequential scans and sorts priced out, so either shows only where no index avoids it.
"""
import json
import re
import threading

import pytest
from helpers import login, make_app

from houqin import db
from houqin.models import Campus, Item, Place, Tag, User, WorkOrder
from houqin.permissions import can
from houqin.repairs.workflow import enqueue_overdue
from houqin.vocab import ROLES

HOT = {'record', 'work_order', 'photo'}
HISTORY = 6000  # generated records: enough rows that PostgreSQL's statistics favour what a real school's would


def history_sql(count):
    """INSERT statements that add `count` old records (and photos and work orders on some) to the demo campus."""
    pg = not db.is_sqlite()
    when = ("(SELECT min(created_at) FROM record) - n.i * interval '7 minutes'" if pg else
            "datetime((SELECT min(created_at) FROM record), '-' || (n.i * 7) || ' minutes')")
    numbers = f'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})'
    targets = ('CREATE TEMPORARY TABLE bench_target AS SELECT ROW_NUMBER() OVER (ORDER BY t.id) - 1 AS rn, '
               't.id AS tag_id, t.campus_id, COALESCE(t.place_id, i.place_id) AS place_id, t.item_id '
               "FROM tag t LEFT JOIN item i ON i.id = t.item_id WHERE t.status = 'active'")
    activity = ("CASE n.i % 10 WHEN 0 THEN 'inspection' WHEN 1 THEN 'report' WHEN 2 THEN 'patrol' "
                "WHEN 3 THEN 'inspection' ELSE 'cleaning' END")
    records = (f'INSERT INTO record (uuid, campus_id, tag_id, place_id, item_id, activity, reporter_name, '
               f'reporter_phone, answers, outcome, note, created_at, client_address) {numbers} '
               f"SELECT 'history-' || n.i, t.campus_id, t.tag_id, t.place_id, t.item_id, {activity}, '', '', "
               f"'{{}}', CASE WHEN n.i % 10 = 1 THEN 'problem' ELSE 'ok' END, '', {when}, '' FROM n "
               f'JOIN bench_target t ON t.rn = n.i % (SELECT count(*) FROM bench_target)')
    photos = ("INSERT INTO photo (campus_id, sha256, content_type, width, height, size, record_id, created_at) "
              "SELECT campus_id, 'history', 'image/jpeg', 640, 480, 20000, id, created_at FROM record "
              "WHERE uuid LIKE 'history-%' AND activity = 'report'")
    year = "CAST(EXTRACT(YEAR FROM r.created_at) AS INTEGER)" if pg else "CAST(strftime('%Y', r.created_at) AS INTEGER)"
    orders = ('INSERT INTO work_order (campus_id, year, sequence, place_id, item_id, record_id, category, priority, '
              'hazard, status, title, description, reporter_name, reporter_phone, follow_secret, liable_party, '
              f"created_at, updated_at, closed_at) SELECT r.campus_id, {year}, 100000 + r.id, r.place_id, "
              "r.item_id, r.id, 'other', 'normal', " + ('false' if pg else '0') +
              ", 'closed', 'history', '', '', '', 'history-' || r.id, '', r.created_at, r.created_at, r.created_at "
              "FROM record r WHERE r.uuid LIKE 'history-%' AND r.activity = 'report'")
    statements = [targets, records, photos, orders, 'DROP TABLE bench_target']
    return [s.replace('%', '%%') for s in statements] if pg else statements  # psycopg's placeholders


@pytest.fixture
def app(demo_database_url, tmp_path):
    """The app on the demo school, without the after-request notification thread: its background reads are not a
    page's."""
    app = make_app(demo_database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False)
    yield app
    if not db.database.is_closed():
        db.database.close()


@pytest.fixture
def demo(app):
    """The demo school with years of extra history; on PostgreSQL analysed as autovacuum would."""
    with db.database.connection_context():
        with db.database.atomic():
            for sql in history_sql(HISTORY):
                db.database.execute_sql(sql)
        if not db.is_sqlite():
            db.database.execute_sql('ANALYZE')
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        toilet = (Tag.select().join(Place, on=(Tag.place == Place.id))
                  .where((Place.kind == 'toilet') & (Tag.status == 'active')).order_by(Tag.id).first())
        asset = (Tag.select().join(Item, on=(Tag.item == Item.id))
                 .where(Tag.status == 'active').order_by(Tag.id).first())
        return {'campus': campus, 'toilet': toilet.token, 'asset': asset.token}


def recorded_statements(client, path):
    """Every statement the request for `path` sends to the database: [(sql, params)].

    Only the request's own thread counts: the notification thread a request may start (the overdue check every
    30 s) is background work, not the page's.
    """
    database = db.database.obj
    recorded, execute, me = [], database.execute_sql, threading.get_ident()

    def recording(sql, params=None, *args, **kwargs):
        if threading.get_ident() == me:
            recorded.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)
    database.execute_sql = recording
    try:
        response = client.get(path)
    finally:
        del database.execute_sql
    assert response.status_code == 200, (path, response.status_code)
    return recorded


def aliases(sql):
    """{alias or table name: table} of the tables a statement names."""
    found = {}
    for table, alias in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+AS\s+"?(\w+)"?)?', sql, re.I):
        found[table] = table
        if alias:
            found[alias] = table
    return found


def windowed(sql):
    """True when a statement reads only a recent time window (created_at or updated_at after a moment).

    Sorting such rows costs what the last minutes or days hold, never what the years hold, so a sort is
    allowed there (a full scan never is).
    """
    return re.search(r'"(created_at|updated_at)" >=? ', sql) is not None


def sqlite_problems(sql, params):
    """What is wrong with SQLite's plan for a statement: full scans and sorts of hot tables."""
    rows = db.database.execute_sql('EXPLAIN QUERY PLAN ' + sql, params).fetchall()
    names = aliases(sql)
    lines = [row[-1] for row in rows]
    problems = [line for line in lines
                if (m := re.match(r'SCAN (\w+)', line)) and names.get(m.group(1)) in HOT]
    if HOT & set(names.values()) and not windowed(sql):
        problems += [line for line in lines if 'TEMP B-TREE' in line]
    return problems, lines


def pg_nodes(node):
    """A PostgreSQL plan node and every node below it."""
    yield node
    for child in node.get('Plans', ()):
        yield from pg_nodes(child)


def pg_problems(sql, params):
    """What is wrong with PostgreSQL's plan for a statement: full scans and sorts of hot tables."""
    with db.database.atomic():
        # A sort or a sequential scan is then chosen only where no index can do without it (on a few demo
        # rows a sort is cheaper, and the planner would rightly take it); the history and ANALYZE keep the
        # estimates those of a school with years of records.
        db.database.execute_sql('SET LOCAL enable_seqscan = off')
        if not windowed(sql):
            db.database.execute_sql('SET LOCAL enable_sort = off')
        plan = db.database.execute_sql('EXPLAIN (FORMAT JSON) ' + sql, params).fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    root = plan[0]['Plan']
    problems = []
    for node in pg_nodes(root):
        relation = node.get('Relation Name')
        kind = node['Node Type']
        if relation in HOT and kind == 'Seq Scan':
            problems.append(f'Seq Scan on {relation}')
        if relation in HOT and kind in ('Index Scan', 'Index Only Scan') and 'Index Cond' not in node:
            problems.append(f'{kind} of all of {node["Index Name"]}')
        if (kind in ('Sort', 'Incremental Sort') and not windowed(sql)
                and any(n.get('Relation Name') in HOT for n in pg_nodes(node))):
            problems.append(f'{kind} by {node.get("Sort Key")}')
    return problems, [json.dumps(root)[:2000]]


def plan_problems(statements):
    """[(sql, problems, plan)] for every SELECT that reads a hot table and plans badly."""
    explain = sqlite_problems if db.is_sqlite() else pg_problems
    bad = []
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(('SELECT', 'WITH')) or not HOT & set(aliases(sql).values()):
            continue
        problems, lines = explain(sql, params)
        if problems:
            bad.append((sql, problems, lines))
    return bad


def signed_in(app, role):
    """A test client signed in as the demo account of a role (or anonymous for None)."""
    client = app.test_client()
    if role is not None:
        assert login(client, role, 'demo1234').status_code == 302
    return client


def pages_of(client, demo, role):
    """The phone pages a role opens: a toilet's and an asset's label, its own lists (and 我的报修's older
    reports), and 今日任务 (the start page of everyone with routines; the logistics office without any is sent
    on to its overview)."""
    pages = [f'/t/{demo["toilet"]}', f'/t/{demo["asset"]}']
    if role is not None and can('repairs.report', role):
        pages.append('/repairs/mine')
        with db.database.connection_context():
            newest = (WorkOrder.select(WorkOrder.id).join(User, on=(WorkOrder.reporter == User.id))
                      .where(User.username == role).order_by(WorkOrder.id.desc()).first())
        if newest is not None:  # its older reports: the page after the role's newest order
            pages.append(f'/repairs/mine?before={newest.id}')
    if role is not None and can('repairs.work', role):
        pages.append('/repairs/jobs')
    if role is not None and client.get('/').status_code == 200:
        pages.append('/')
    return pages


def test_every_hot_query_of_the_phone_pages_uses_an_index_without_sorting(app, demo):
    """Each role (and anonymous) at a toilet's and an asset's label, and on its own phone lists."""
    failures, checked, opened = [], 0, set()
    for role in (None,) + ROLES:
        client = signed_in(app, role)
        for path in pages_of(client, demo, role):
            opened.add(path.split('=')[0])
            client.get(path)  # once to warm the per-process caches, so the steady state is what is explained
            statements = recorded_statements(client, path)
            with db.database.connection_context():
                bad = plan_problems(statements)
            checked += len(statements)
            failures += [f'{role} at {path}:\n{sql}\n  -> {problems}\n  plan: {lines}' for sql, problems, lines in bad]
    assert checked > 100 and '/repairs/mine?before' in opened
    assert failures == [], '\n\n'.join(failures)


def test_the_checker_sees_a_full_scan_and_a_sort(app, demo):
    """The check itself: a query without a usable index and one sorted by a column no index holds fail."""
    with db.database.connection_context():
        mark = db.database.param
        bad = plan_problems([(f'SELECT "t1"."id" FROM "record" AS "t1" WHERE ("t1"."note" = {mark})', ('x',)),
                             (f'SELECT "t1"."id" FROM "work_order" AS "t1" WHERE ("t1"."place_id" = {mark}) '
                              'ORDER BY "t1"."title"', (1,))])
    assert [sql.split('WHERE')[0] for sql, _p, _l in bad] == [
        'SELECT "t1"."id" FROM "record" AS "t1" ', 'SELECT "t1"."id" FROM "work_order" AS "t1" ']


def test_the_overdue_check_reads_waiting_orders_by_index(app, demo):
    """The overdue notices' query (every 30 s in every process) reads only waiting orders past their due time,
    by the (status, due_at) index: no scan of every order the campus ever had."""
    database = db.database.obj
    recorded, execute = [], database.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        recorded.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)
    with app.app_context(), db.database.connection_context():
        database.execute_sql = recording
        try:
            enqueue_overdue()
        finally:
            del database.execute_sql
        selects = [(sql, params) for sql, params in recorded if 'FROM "work_order"' in sql and 'due_at' in sql]
        assert selects, recorded
        explain = sqlite_problems if db.is_sqlite() else pg_problems
        # Sorting the few overdue rows is fine; scanning the orders is not.
        problems = [p for sql, params in selects for p in explain(sql, params)[0]
                    if 'SORT' not in p.upper() and 'B-TREE' not in p.upper()]
    assert problems == []
