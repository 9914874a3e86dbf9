"""Load and fault run: 16 clients against 4 gunicorn workers with one SIGKILLed mid-load, then two notification
workers with one SIGKILLed mid-send, on SQLite and on PostgreSQL. Not a test: it prints what happened.

    python bench/load.py [--seconds 20] [--clients 16] [--workers 4] [--messages 200]
                         [--pg postgresql://postgres@127.0.0.1:5432/postgres | --pg '']

Everything runs on 127.0.0.1. Each database gets the demo school in a fresh instance (PostgreSQL: a new
database, dropped afterwards). Phases, each at most 30 s:

1. load: the clients, signed in as the demo teacher, report damage on classroom labels with their own submission
   ids; a tenth of the submissions are sent twice (a double tap), and a request that fails at the connection or
   with a 5xx is retried with the same id (as the scan page's offline queue does). A third of the way in, one
   gunicorn worker is SIGKILLed (gunicorn starts another).
   2xx = acknowledged POSTs (double taps included), rows = records stored for the run's submissions,
   lost = acknowledged submissions without a record,
   duplicated = records beyond one per submission.
2. notify: `--messages` outbox rows to a local webhook (answering in 70 ms); two `flask houqin notify` workers;
   once a quarter of the rows are out, one worker is SIGKILLed in the middle of a send.
3. lease: the surviving worker runs on until the killed worker's claim has expired and its row is sent again.
   rows = outbox rows of the bench's channel (the run's own scheduled notices, e.g. overdue repairs, included),
   lost = rows never received, duplicated = deliveries received more than once (by their
   X-Houqin-Delivery id: a kill between the receiver's answer and the recorded attempt).
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHASE_LIMIT = 30.0
NOTIFY_TIMEOUT = 2  # seconds a send may take; the claim's lease is 4 × that + 30 s = 38 s
RECEIVER_SECONDS = 0.07  # the webhook's answer time: the survivor needs ~15 s for the rest, then the lease ends
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# The databases -----------------------------------------------------------------------------------------------

class SQLiteTarget:
    name = 'SQLite'

    def __init__(self, work):
        self.path = os.path.join(work, 'houqin.sqlite3')
        self.url = 'sqlite:///' + self.path

    def query(self, sql, params=()):
        import sqlite3
        with sqlite3.connect(self.path, timeout=30) as conn:
            return conn.execute(sql.replace('%s', '?'), params).fetchall()

    def execute(self, sql, params=()):
        import sqlite3
        with sqlite3.connect(self.path, timeout=30) as conn:
            conn.execute(sql.replace('%s', '?'), params)

    def drop(self):
        pass


class PostgresTarget:
    name = 'PostgreSQL'

    def __init__(self, admin_url):
        import psycopg
        self.admin_url = admin_url
        self.dbname = f'houqin_load_{os.getpid()}'
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE {self.dbname}')
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path='/' + self.dbname))

    def query(self, sql, params=()):
        import psycopg
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql, params=()):
        import psycopg
        with psycopg.connect(self.url) as conn:
            conn.execute(sql, params)

    def drop(self):
        import psycopg
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)')


# A browser-like client -------------------------------------------------------------------------------------

class Client:
    """Keep-alive HTTP with cookies; reconnects after a dropped connection."""

    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method, path, form=None):
        """(status, location, body text); raises OSError / HTTPException when the connection fails."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        headers = {'Cookie': '; '.join(f'{k}={v}' for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            text = response.read().decode('utf-8', 'replace')
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for header in response.headers.get_all('Set-Cookie') or []:
            name, _eq, value = header.split(';', 1)[0].partition('=')
            self.cookies[name.strip()] = value
        if response.getheader('Connection', '').lower() == 'close':
            self.conn.close()
            self.conn = None
        return response.status, response.getheader('Location', ''), text

    def log_in(self, username, password='demo1234'):
        """Sign in; a try refused because simultaneous tries of this account from this address were counted
        first (the throttle counts a try before its password is checked) waits and goes again. Returns the
        statuses of the refused tries."""
        refused = []
        for _attempt in range(10):
            _status, _location, html = self.request('GET', '/login')
            status, location, _text = self.request('POST', '/login', {
                'csrf_token': CSRF.search(html).group(1), 'username': username, 'password': password})
            if status == 302:
                return refused
            refused.append(status)
            time.sleep(1 + random.random())
        raise RuntimeError(f'log-in as {username} failed: {refused}')


# Phase 1: load, with a gunicorn worker killed ----------------------------------------------------------------

def start_gunicorn(env, port, workers, log):
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn', '-w', str(workers), '-b', f'127.0.0.1:{port}',
                             '--access-logfile', '/dev/null', '--graceful-timeout', '5', 'app:app'],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + PHASE_LIMIT
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            conn.request('GET', '/healthz')
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError('gunicorn did not start; see ' + log.name)


def worker_pids(master):
    """The gunicorn master's worker processes."""
    with open(f'/proc/{master.pid}/task/{master.pid}/children') as fh:
        return [int(p) for p in fh.read().split()]


def load_phase(target, env, args, run):
    """Drive the clients; returns the phase's figures."""
    port = free_port()
    log = open(os.path.join(env['HOUQIN_INSTANCE_PATH'], 'gunicorn.log'), 'w')
    server = start_gunicorn(env, port, args.workers, log)
    tokens = [t for (t,) in target.query(
        "SELECT t.token FROM tag t JOIN place p ON p.id = t.place_id WHERE p.kind = 'classroom' "
        "AND t.status = 'active' ORDER BY t.id")]
    stats = {'requests': 0, 'ok': 0, '5xx': 0, 'errors': 0, 'other': 0, 'login waits': 0}
    acked, lock = set(), threading.Lock()
    end = time.monotonic() + min(args.seconds, PHASE_LIMIT - 5)

    def count(key):
        with lock:
            stats[key] += 1

    def client(number):
        rng = random.Random(number)
        browser = Client(port)
        for status in browser.log_in('teacher'):
            count('5xx' if status >= 500 else 'login waits')
        serial = 0
        while time.monotonic() < end:
            token = rng.choice(tokens)
            serial += 1
            marker = f'bench-{run}-{number}-{serial}'
            sid = str(uuid.uuid4())
            sends = 2 if rng.random() < 0.1 else 1
            for _ in range(sends):
                for _attempt in range(6):  # the offline queue: same id again after a failure
                    try:
                        status, _location, html = browser.request('GET', f'/t/{token}')
                        count('requests')
                        found = CSRF.search(html)
                        if status >= 500 or not found:
                            count('5xx' if status >= 500 else 'other')
                            continue
                        status, location, _text = browser.request('POST', f'/t/{token}/report', {
                            'csrf_token': found.group(1), 'submission_id': sid, 'title': marker})
                        count('requests')
                    except (OSError, http.client.HTTPException):
                        count('errors')
                        time.sleep(0.05)
                        continue
                    if status >= 500:
                        count('5xx')
                        continue
                    if status in (302, 303) and '/login' not in location:
                        count('ok')
                        with lock:
                            acked.add(marker)
                    else:
                        count('other')
                    break

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(min(args.seconds, PHASE_LIMIT - 5) / 3)
    victim = worker_pids(server)[0]
    os.kill(victim, signal.SIGKILL)
    for t in threads:
        t.join(timeout=max(1.0, end - time.monotonic() + 10))
    elapsed = time.monotonic() - started
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
    with open(log.name, encoding='utf-8', errors='replace') as fh:
        errors = sorted({line.strip() for line in fh if re.match(r'^\w+(\.\w+)*(Error|Exception): ', line)})
    rows = dict(target.query("SELECT note, COUNT(*) FROM record WHERE activity = 'report' AND note LIKE %s "
                             "GROUP BY note", (f'bench-{run}-%',)))
    orders = dict(target.query('SELECT title, COUNT(*) FROM work_order WHERE title LIKE %s GROUP BY title',
                               (f'bench-{run}-%',)))
    return {'phase': f'load, {args.clients} clients, {args.workers} workers, 1 SIGKILLed',
            'seconds': elapsed, '2xx': stats['ok'], 'requests': stats['requests'], 'rows': sum(rows.values()),
            'lost': len(acked - set(rows)), 'duplicated': sum(n - 1 for n in rows.values())
            + sum(n - 1 for n in orders.values()),
            '500s': stats['5xx'], 'note': f'{stats["errors"]} dropped connections (retried), '
                                          f'{len(orders)} work orders, {stats["other"]} other answers, '
                                          f'{stats["login waits"]} log-in tries told to wait'
                                          + (f'; errors logged: {"; ".join(errors)[:300]}' if errors else '')}


# Phases 2 and 3: two notification workers, one killed --------------------------------------------------------

class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with self.server.lock:  # received: from here on, a kill of the sender makes a duplicate later
            self.server.deliveries.append(self.headers.get('X-Houqin-Delivery'))
        time.sleep(RECEIVER_SECONDS)
        data = json.dumps({'errcode': 0}).encode()
        try:
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the killed worker's connection
            pass
        del body

    def log_message(self, *args):
        pass


def notify_phases(target, env, args):
    receiver = ThreadingHTTPServer(('127.0.0.1', 0), Receiver)
    receiver.daemon_threads, receiver.deliveries, receiver.lock = True, [], threading.Lock()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f'http://127.0.0.1:{receiver.server_port}/hook'
    campus = target.query("SELECT id FROM campus WHERE code = 'demo'")[0][0]
    now = time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())
    target.execute("INSERT INTO notification_channel (campus_id, name, kind, url, secret, addresses, audience, "
                   "active, created_at, updated_at) VALUES (%s, 'bench', 'webhook', %s, '', '', 'managers', %s, "
                   "%s, %s)", (campus, url, True, now, now))
    channel = target.query("SELECT id FROM notification_channel WHERE name = 'bench'")[0][0]
    for n in range(args.messages):
        target.execute("INSERT INTO outbox (campus_id, channel, recipient, subject, body, attempts, last_error, "
                       "next_attempt_at, created_at, target_id, topic, attempt_log) VALUES (%s, 'webhook', '', "
                       "%s, %s, 0, '', %s, %s, %s, 'test', '[]')",
                       (campus, f'bench {n}', f'bench message {n}', now, now, channel))
    worker_env = dict(env, HOUQIN_NOTIFY_TIMEOUT=str(NOTIFY_TIMEOUT))
    workers = [subprocess.Popen([sys.executable, '-m', 'flask', '--app', 'app', 'houqin', 'notify',
                                 '--interval', '0.5'], cwd=ROOT, env=worker_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]

    def unsent():
        return target.query('SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND target_id = %s', (channel,))[0][0]

    started = time.monotonic()
    killed_at = None
    try:
        while time.monotonic() - started < PHASE_LIMIT:
            if killed_at is None and len(receiver.deliveries) >= args.messages // 4:
                # Kill the worker as one of its sends arrives: mid-send, before the attempt is recorded.
                seen = len(receiver.deliveries)
                while len(receiver.deliveries) == seen and time.monotonic() - started < PHASE_LIMIT:
                    time.sleep(0.001)
                workers[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
            if killed_at is not None and unsent() <= 1:
                break
            time.sleep(0.05)
        phase2 = time.monotonic() - started
        held = unsent()
        third = time.monotonic()
        while held and time.monotonic() - third < PHASE_LIMIT and unsent():
            time.sleep(0.25)
        phase3 = time.monotonic() - third
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=15)
            except subprocess.TimeoutExpired:
                w.kill()
        receiver.shutdown()
        receiver.server_close()
    ids = [d for d in receiver.deliveries if d]
    received = set(ids)
    row_ids = {str(i) for (i,) in target.query('SELECT id FROM outbox WHERE target_id = %s', (channel,))}
    sent_rows = target.query('SELECT COUNT(*) FROM outbox WHERE target_id = %s AND sent_at IS NOT NULL',
                             (channel,))[0][0]
    common = {'rows': len(row_ids), '500s': 0}
    return [
        dict(common, phase='notify, 2 workers, 1 SIGKILLed mid-send', seconds=phase2, **{'2xx': len(ids)},
             lost=len(row_ids - received), duplicated=len(ids) - len(received),
             note=f'{held} row(s) still held by the killed worker\'s claim'),
        dict(common, phase='lease: the survivor after the claim expires', seconds=phase3, **{'2xx': len(ids)},
             lost=len(row_ids - received), duplicated=len(ids) - len(received),
             note=f'{sent_rows} of {len(row_ids)} rows recorded as sent'),
    ]


# The run ---------------------------------------------------------------------------------------------------

def run_database(target, work, args, run):
    env = dict(os.environ, HOUQIN_DATABASE_URL=target.url, HOUQIN_INSTANCE_PATH=work, HOUQIN_SECRET_KEY='bench',
               HOUQIN_ENV='production', HOUQIN_NOTIFY_AFTER_REQUESTS='0', HOUQIN_BASE_URL='http://127.0.0.1:8000')
    subprocess.run([sys.executable, '-m', 'flask', '--app', 'app', 'houqin', 'demo'], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return [load_phase(target, env, args, run)] + notify_phases(target, env, args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seconds', type=float, default=20, help='length of the load phase (at most 25)')
    parser.add_argument('--clients', type=int, default=16)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--messages', type=int, default=200)
    parser.add_argument('--pg', default='postgresql://postgres@127.0.0.1:5432/postgres',
                        help="a PostgreSQL server's admin URL ('' to skip PostgreSQL)")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:6]
    results = []
    for make in (SQLiteTarget, PostgresTarget):
        if make is PostgresTarget and not args.pg:
            continue
        work = tempfile.mkdtemp(prefix='houqin-load-')
        target = make(work) if make is SQLiteTarget else make(args.pg)
        try:
            results += [(target.name, r) for r in run_database(target, work, args, run)]
        finally:
            target.drop()
    print(f'{"database":<11} {"phase":<47} {"s":>5} {"2xx":>6} {"rows":>6} {"lost":>5} {"dup":>4} {"500s":>5}  notes')
    for name, r in results:
        print(f'{name:<11} {r["phase"]:<47} {r["seconds"]:5.1f} {r["2xx"]:6d} {r["rows"]:6d} {r["lost"]:5d} '
              f'{r["duplicated"]:4d} {r["500s"]:5d}  {r["note"]}')


if __name__ == '__main__':
    main()
