"""Every speed figure of the phone pages in one run, each beside its same-run baseline (issues 12 and 14).

    python bench/run.py [--quick] [--only scan,pages,writes,weights,routines] [--no-pg] [--seconds 2]
                        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Builds its data sets (the demo school; the demo school + 1,000,000 records generated in SQL; issue 12's campus of
5,000 targets and 50 routines at 10,000 and at 1,000,000 records) on SQLite and on PostgreSQL (databases of its
own, dropped at the end), serves each with gunicorn on 127.0.0.1 (2 sync workers; 4 for the writes) beside a
one-route bare Flask app served the same way, drives them with wrk (2 threads, 4 connections, bounded
durations) in alternating rounds, and prints one table (also written to bench/out/latest.md):

- scan / pages: requests per second of each phone page (the scan page of a toilet for every role, 今日任务,
  我的报修, 我的工单) on the demo school and at 1 M records, each as a ratio to the bare app (median of the
  rounds), and the page's 1 M cost against its demo cost (bare-relative cost ratio; 1.20 is the limit);
- writes: cleaning sign-offs through the real form path (POST /t/<token>/clean as signed-in janitors, CSRF token
  and session cookie, multipart), 4 workers, as a ratio to the bare GET on 4 workers; errors, 2xx+3xx answers
  counted in gunicorn's access log, and rows stored;
- weights: each phone page's HTML + CSS + JS gzipped and its request count, against the 14 KB budget;
- routines: issue 12's dashboard, a janitor's 今日任务 and one building's month of compliance at 10 k and 1 M
  records, each in milliseconds beside the same run's trivial indexed query (a label by its token).

--quick: one round of 1 s, the demo data sets with 200,000 records, the campus at 2,000 and 100,000 records.
"""
import argparse
import datetime
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, ROOT)

import datasets  # noqa: E402

PYTHON = sys.executable
WRK = shutil.which('wrk') or '/usr/bin/wrk'
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BARE_APP = '''from flask import Flask
app = Flask(__name__)
@app.route("/t/<token>")
def bare(token):
    return "ok " + token
'''
DEMO_PASSWORD = 'demo1234'
BUDGET = 14 * 1024
SECTIONS = ('scan', 'pages', 'writes', 'weights', 'routines')
WRITE_JANITORS = 100


# Processes --------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving `module` with `workers` sync workers on 127.0.0.1 (stopped by stop())."""

    def __init__(self, module, workers, env, cwd, access_log=None):
        self.port = free_port()
        command = [PYTHON, '-m', 'gunicorn', '-w', str(workers), '-b', f'127.0.0.1:{self.port}',
                   '--access-logfile', access_log or '/dev/null', '--backlog', '2048', module]
        self.proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f'{module} did not start: {self.proc.stderr.read().decode()[-2000:]}')
                time.sleep(0.1)
        else:
            raise RuntimeError(f'{module} did not start')
        self.url = f'http://127.0.0.1:{self.port}'

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def app_env(url, instance):
    env = dict(os.environ, HOUQIN_INSTANCE_PATH=instance, HOUQIN_SECRET_KEY='bench', HOUQIN_ENV='production',
               HOUQIN_NOTIFY_AFTER_REQUESTS='0', HOUQIN_DATABASE_URL=url)
    return env


def wrk(url, seconds, cookie=None, script=None, args=(), threads=2, connections=4):
    """{'rps', 'requests', 'errors', 'non2xx'} of one bounded wrk run."""
    command = [WRK, f'-t{threads}', f'-c{connections}', f'-d{seconds:g}s', '--timeout', '5s']
    if cookie:
        command += ['-H', f'Cookie: {cookie}']
    if script:
        command += ['-s', script]
    command.append(url)
    if args:
        command += ['--'] + [str(a) for a in args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    requests = int(re.search(r'(\d+) requests in', out).group(1))
    socket_errors = sum(int(n) for n in re.findall(r'(?:connect|read|write|timeout) (\d+)', out))
    non2xx = int((re.search(r'Non-2xx or 3xx responses: (\d+)', out) or [0, 0])[1])
    return {'rps': rps, 'requests': requests, 'errors': socket_errors, 'non2xx': non2xx}


# HTTP as a phone -----------------------------------------------------------------------------------------------

def fetch(server, path, cookie=None, method='GET', body=None, headers=None):
    """(status, headers, body bytes) of one request."""
    conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=30)
    sent = dict(headers or {})
    if cookie:
        sent['Cookie'] = cookie
    conn.request(method, path, body, sent)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


def merge_cookies(cookie, headers):
    jar = dict(c.split('=', 1) for c in cookie.split('; ') if '=' in c) if cookie else {}
    for header in headers.get_all('Set-Cookie') or []:
        name, value = header.split(';')[0].split('=', 1)
        jar[name] = value
    return '; '.join(f'{k}={v}' for k, v in jar.items())


def log_in(server, username, password=DEMO_PASSWORD):
    """The cookies of a signed-in browser."""
    status, headers, html = fetch(server, '/login')
    cookie = merge_cookies('', headers)
    token = CSRF.search(html.decode()).group(1)
    body = urllib.parse.urlencode({'csrf_token': token, 'username': username, 'password': password})
    status, headers, _body = fetch(server, '/login', cookie, 'POST', body,
                                   {'Content-Type': 'application/x-www-form-urlencoded'})
    if status != 302:
        raise RuntimeError(f'log-in of {username} answered {status}')
    return merge_cookies(cookie, headers)


# Data sets ---------------------------------------------------------------------------------------------------

class Sets:
    """The data sets of one database engine: demo, demo + history, and a fresh demo copy for writes."""

    def __init__(self, engine, work, pg_admin, history):
        self.engine, self.work, self.pg_admin, self.history = engine, work, pg_admin, history
        self.instance = os.path.join(work, engine)
        os.makedirs(self.instance, exist_ok=True)
        self.dbs = {}
        self.seconds = {}

    def demo(self):
        if 'demo' in self.dbs:
            return self.dbs['demo']
        if self.engine == 'sqlite':
            db = datasets.Database.sqlite(os.path.join(self.instance, 'demo.sqlite3'))
        else:
            db = datasets.Database.create_pg(self.pg_admin, 'houqin_bench_demo')
        started = time.perf_counter()
        subprocess.run([PYTHON, '-m', 'flask', '--app', 'app', 'houqin', 'demo'], cwd=ROOT, check=True,
                       env=app_env(db.url, self.instance), stdout=subprocess.DEVNULL)
        self.seconds['demo'] = time.perf_counter() - started
        self.dbs['demo'] = db
        return db

    def copy(self, name):
        """A copy of the demo database."""
        demo = self.demo()
        if self.engine == 'sqlite':
            path = os.path.join(self.instance, f'{name}.sqlite3')
            source = datasets.Database.sqlite(demo.path()).connect()
            target = datasets.sqlite3.connect(path)
            source.backup(target)
            source.close()
            target.close()
            return datasets.Database.sqlite(path)
        return datasets.Database.create_pg(self.pg_admin, f'houqin_bench_{name}', template=demo.name)

    def big(self):
        if 'big' not in self.dbs:
            db = self.copy('big')
            self.seconds['history'] = datasets.add_demo_history(db, self.history)
            self.dbs['big'] = db
        return self.dbs['big']

    def drop(self):
        for db in self.dbs.values():
            db.drop()


def demo_tokens(db):
    """A toilet's label and 160 places' labels (for rotating sign-offs) of the demo school."""
    toilet = db.query("SELECT t.token FROM tag t JOIN place p ON p.id = t.place_id WHERE p.kind = 'toilet' "
                      "AND t.item_id IS NULL AND t.status = 'active' ORDER BY t.id LIMIT 1")[0][0]
    places = [r[0] for r in db.query("SELECT t.token FROM tag t WHERE t.item_id IS NULL AND t.place_id IS NOT NULL "
                                     "AND t.status = 'active' ORDER BY t.id")]
    return toilet, places


# Measuring ---------------------------------------------------------------------------------------------------

def roles():
    from houqin.vocab import ROLES
    return ROLES


def phone_pages(server, toilet, every_role=True):
    """[(label, path, username or None)]: the scan page of a toilet for each role (and anonymous), 今日任务 of
    each role that has it, 我的报修 of the teacher, 我的工单 of the repair worker."""
    from houqin.permissions import can
    pages = [('scan page, anonymous', f'/t/{toilet}', None)]
    wanted = roles() if every_role else ('janitor',)
    for role in wanted:
        pages.append((f'scan page, {role}', f'/t/{toilet}', role))
    for role in (roles() if every_role else ('janitor',)):
        cookie = log_in(server, role)
        status, _h, _b = fetch(server, '/', cookie)
        if status == 200:
            pages.append((f'今日任务 /, {role}', '/', role))
    if can('repairs.report', 'teacher'):
        pages.append(('我的报修, teacher', '/repairs/mine', 'teacher'))
    if can('repairs.work', 'repair'):
        pages.append(('我的工单, repair', '/repairs/jobs', 'repair'))
    return pages


def measure_pages(servers, bare, pages, rounds, seconds):
    """({(set, label): median rps, 'bare': median rps}, {label: median of the rounds' demo ÷ big}): alternating
    rounds, bare first in each, each page on the demo and then at once on the big set, so the cost of history is
    read from two measurements seconds apart (a round of every page takes minutes, over which a shared machine's
    speed drifts)."""
    cookies = {}
    for name, server in servers.items():
        for _label, _path, user in pages:
            if user and (name, user) not in cookies:
                cookies[(name, user)] = log_in(server, user)
    results, costs = {}, {}
    for _round in range(rounds):
        results.setdefault('bare', []).append(wrk(bare.url + f'/t/{pages[0][1][-10:]}', seconds)['rps'])
        for label, path, user in pages:
            for name, server in servers.items():
                run = wrk(server.url + path, seconds, cookie=cookies.get((name, user)))
                if run['non2xx'] or run['errors']:
                    raise RuntimeError(f'{label} on {name}: {run}')
                results.setdefault((name, label), []).append(run['rps'])
            if 'big' in servers and results[('big', label)][-1]:
                costs.setdefault(label, []).append(results[('demo', label)][-1] / results[('big', label)][-1])
    return ({key: statistics.median(values) for key, values in results.items()},
            {label: statistics.median(values) for label, values in costs.items()})


def page_weight(server, path, cookie):
    """(gzip bytes of HTML + CSS + JS, request count) of one page as served."""
    status, headers, body = fetch(server, path, cookie, headers={'Accept-Encoding': 'gzip'})
    html = gzip.decompress(body) if headers.get('Content-Encoding') == 'gzip' else body
    total, requests = len(body if headers.get('Content-Encoding') == 'gzip' else gzip.compress(body, 6)), 1
    text = html.decode()
    assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text) + \
        re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', text) + re.findall(r'<script[^>]+src="([^"]+)"', text)
    for asset in dict.fromkeys(assets):
        status, headers, data = fetch(server, asset, cookie, headers={'Accept-Encoding': 'gzip'})
        total += len(data) if headers.get('Content-Encoding') == 'gzip' else len(gzip.compress(data, 6))
        requests += 1
    return total, requests


def create_write_janitors(db, count):
    """`count` janitors on the demo campus with a cheap password hash (log-in is not what is measured)."""
    from werkzeug.security import generate_password_hash
    hashed = generate_password_hash(DEMO_PASSWORD, method='pbkdf2:sha256:1000')
    campus = db.query('SELECT id FROM campus WHERE is_demo = %s' % ('true' if db.pg else '1'))[0][0]
    conn = db.connect()
    mark = '%s' if db.pg else '?'
    try:
        for n in range(count):  # a copy of the demo janitor's row, so every column the schema has is filled
            conn.execute(f'INSERT INTO "user" (username, display_name, phone, password_hash, active, language, '
                         f'session_token, created_at) SELECT {mark}, {mark}, phone, {mark}, active, language, {mark}, '
                         f'created_at FROM "user" WHERE username = {mark}',
                         (f'wjanitor{n}', f'保洁{n}', hashed, os.urandom(16).hex(), 'janitor'))
        conn.execute(f"INSERT INTO membership (user_id, campus_id, role) SELECT id, {campus}, 'janitor' "
                     "FROM \"user\" WHERE username LIKE 'wjanitor%%'" if db.pg else
                     f"INSERT INTO membership (user_id, campus_id, role) SELECT id, {campus}, 'janitor' "
                     "FROM \"user\" WHERE username LIKE 'wjanitor%'")
        if not db.pg:
            conn.commit()
    finally:
        conn.close()


def measure_writes(engine, sets, work, rounds, seconds):
    """Cleaning sign-offs per second on 4 workers against the bare GET on 4 workers, with errors and rows."""
    db = sets.copy('writes')
    sets.dbs['writes'] = db
    create_write_janitors(db, WRITE_JANITORS)
    toilet, places = demo_tokens(db)
    log = os.path.join(work, f'access-{engine}.log')
    server = Server('app:app', 4, app_env(db.url, sets.instance), ROOT, access_log=log)
    bare = Server('bare_app:app', 4, dict(os.environ), work)
    try:
        accounts = []
        for n in range(WRITE_JANITORS):
            cookie = log_in(server, f'wjanitor{n}')
            _s, headers, html = fetch(server, f'/t/{places[0]}', cookie)
            cookie = merge_cookies(cookie, headers)
            accounts.append((cookie, CSRF.search(html.decode()).group(1)))
        accounts_file = os.path.join(work, f'accounts-{engine}.lua')
        with open(accounts_file, 'w') as fh:
            fh.write('accounts = {\n' + ''.join(f'{{cookie="{c}", csrf="{t}"}},\n' for c, t in accounts) + '}\n')
            fh.write('tokens = {' + ', '.join(f'"{t}"' for t in places) + '}\n')
        pairs = len(accounts) * len(places)
        span = pairs // max(rounds, 1)
        before = db.query("SELECT count(*) FROM record WHERE activity = 'cleaning'")[0][0]
        open(log, 'w').close()
        posts, gets, errors, overflow = [], [], 0, False
        for number in range(rounds):
            gets.append(wrk(bare.url + f'/t/{toilet}', seconds, threads=2, connections=8)['rps'])
            run = wrk(server.url + f'/t/{toilet}/clean', seconds, script=os.path.join(BENCH, 'clean.lua'),
                      args=(accounts_file, number, number * span, 2), threads=2, connections=8)
            posts.append(run['rps'])
            errors += run['errors'] + run['non2xx']
            overflow = overflow or run['requests'] > span
        time.sleep(0.5)  # the access log is written after each response
        answered = 0
        with open(log) as fh:
            for line in fh:
                if '"POST /t/' in line and re.search(r'" (2\d\d|3\d\d) ', line):
                    answered += 1
        rows = db.query("SELECT count(*) FROM record WHERE activity = 'cleaning'")[0][0] - before
    finally:
        server.stop()
        bare.stop()
    return {'rps': statistics.median(posts), 'bare': statistics.median(gets), 'errors': errors, 'answered': answered,
            'rows': rows, 'pairs_reused': overflow}


def measure_routines(db_factory, small, large, repeat):
    """Issue 12's campus at `small` and then `large` records: {'small': figures, 'large': figures}."""
    db = db_factory()
    script = os.path.join(BENCH, 'campus.py')
    out = {}
    started = time.perf_counter()
    subprocess.run([PYTHON, script, 'build', db.url, '--records', str(small)], check=True, cwd=db_factory.cwd,
                   stdout=subprocess.DEVNULL)
    out['build_seconds'] = time.perf_counter() - started
    out['small'] = json.loads(subprocess.run([PYTHON, script, 'time', db.url, '--repeat', str(repeat)], check=True,
                                             cwd=db_factory.cwd, capture_output=True, text=True).stdout)
    grown = json.loads(subprocess.run([PYTHON, script, 'grow', db.url, '--records', str(large - small)], check=True,
                                      cwd=db_factory.cwd, capture_output=True, text=True).stdout)
    out['grow_seconds'] = grown['seconds']
    out['large'] = json.loads(subprocess.run([PYTHON, script, 'time', db.url, '--repeat', str(repeat)], check=True,
                                             cwd=db_factory.cwd, capture_output=True, text=True).stdout)
    return out, db


# The table ---------------------------------------------------------------------------------------------------

def machine():
    model = ''
    try:
        with open('/proc/cpuinfo') as fh:
            model = next((line.split(':', 1)[1].strip() for line in fh if line.startswith('model name')), '')
    except OSError:
        pass
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return (f'{os.cpu_count()} cores, {model or platform.processor()}, Python {platform.python_version()}, '
            f'commit {commit}{" (with local changes)" if dirty else ""}, {datetime.datetime.now():%Y-%m-%d %H:%M}')


def fmt(value, digits=2):
    return f'{value:.{digits}f}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='one round of 1 s and smaller data sets')
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated: ' + ', '.join(SECTIONS))
    parser.add_argument('--seconds', type=float, default=None, help='wrk duration of one round (default 2)')
    parser.add_argument('--rounds', type=int, default=None, help='alternating rounds (default 3, median)')
    parser.add_argument('--pg', default='postgresql://postgres@127.0.0.1:5432/postgres')
    parser.add_argument('--no-pg', action='store_true', help='SQLite only')
    parser.add_argument('--keep', action='store_true', help='keep the work folder and databases')
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(',') if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f'unknown section(s): {", ".join(sorted(unknown))}')
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (1 if args.quick else 2)
    history = 200_000 if args.quick else 1_000_000
    campus_sizes = (2_000, 100_000) if args.quick else (10_000, 1_000_000)
    engines = ['sqlite'] + ([] if args.no_pg else ['pg'])
    work = tempfile.mkdtemp(prefix='houqin-bench-')
    with open(os.path.join(work, 'bare_app.py'), 'w') as fh:
        fh.write(BARE_APP)
    started = time.time()
    lines = [f'# houqin bench: `python bench/run.py{" --quick" if args.quick else ""}'
             f'{" --only " + args.only if args.only != ",".join(SECTIONS) else ""}`', '',
             f'Machine: {machine()}. wrk 2 threads × 4 connections, {rounds} alternating round(s) of {seconds:g} s, '
             f'medians; gunicorn 2 sync workers (4 for the writes); history {history:,} records.', '']
    sets = {engine: Sets(engine, work, args.pg, history) for engine in engines}
    notes = []
    printed = 0
    try:
        for section, wanted in ((lambda: page_tables(lines, sets, work, only, rounds, seconds, history, notes),
                                 {'scan', 'pages', 'weights'}),
                                (lambda: write_table(lines, sets, work, rounds, seconds), {'writes'}),
                                (lambda: routine_table(lines, sets, work, args, campus_sizes), {'routines'})):
            if wanted & set(only):
                section()
                print('\n'.join(lines[printed:]), flush=True)  # each part as soon as it is measured
                printed = len(lines)
    finally:
        if not args.keep:
            for s in sets.values():
                s.drop()
            shutil.rmtree(work, ignore_errors=True)
    built = '; '.join(f'{e}: demo {s.seconds.get("demo", 0):.0f} s, +{history:,} records {s.seconds["history"]:.0f} s'
                      for e, s in sets.items() if 'history' in s.seconds)
    lines += [''] + notes + ([f'Data sets built in SQL: {built}.'] if built else []) + \
        [f'Whole run: {time.time() - started:.0f} s.']
    table = '\n'.join(lines)
    print('\n'.join(lines[printed:]))
    os.makedirs(os.path.join(BENCH, 'out'), exist_ok=True)
    with open(os.path.join(BENCH, 'out', 'latest.md'), 'w') as fh:
        fh.write(table + '\n')


def page_tables(lines, sets, work, only, rounds, seconds, history, notes):
    """The scan page and phone page figures, demo against demo + history, and the page weights."""
    for engine, s in sets.items():
        title = 'SQLite' if engine == 'sqlite' else 'PostgreSQL'
        demo = s.demo()
        toilet, _places = demo_tokens(demo)
        big = s.big() if 'scan' in only or 'pages' in only else None  # built before any server connects
        servers = {'demo': Server('app:app', 2, app_env(demo.url, s.instance), ROOT)}
        if big is not None:
            servers['big'] = Server('app:app', 2, app_env(big.url, s.instance), ROOT)
        bare = Server('bare_app:app', 2, dict(os.environ), work)
        try:
            # PostgreSQL: the anonymous and janitor scan pages and one of each list (the run stays within minutes).
            pages = phone_pages(servers['demo'], toilet, every_role='pages' in only and engine == 'sqlite')
            if 'pages' not in only:
                pages = [p for p in pages if p[0] in ('scan page, anonymous', 'scan page, janitor')]
            if 'scan' in only or 'pages' in only:
                medians, costs = measure_pages(servers, bare, pages, rounds, seconds)
                b = medians['bare']
                lines += [f'## Phone pages on {title}: requests/s, ratio to the bare app (same run: '
                          f'{b:.0f} req/s), and the cost at {history:,} records against the demo\'s', '',
                          f'| page | demo req/s | demo × bare | +{history // 1000:,}k req/s | +{history // 1000:,}k × bare '
                          '| cost vs demo (≤ 1.20) |', '| --- | --- | --- | --- | --- | --- |']
                for label, _path, _user in pages:
                    d, g = medians[('demo', label)], medians[('big', label)]
                    if not (d and g and b):  # wrk saw no answer within the round: slower than the round lasts
                        lines.append(f'| {label} | {d:.0f} | — | {g:.0f} | — | no answer within {seconds:g} s |')
                        continue
                    cost = costs.get(label, d / g)
                    flag = '' if cost <= 1.2 else ' **over**'
                    lines.append(f'| {label} | {d:.0f} | {fmt(d / b, 3)} | {g:.0f} | {fmt(g / b, 3)} | '
                                 f'{fmt(cost)}{flag} |')
                lines.append('')
            if 'weights' in only and engine == 'sqlite':
                lines += ['## Page weight (demo school): HTML + CSS + JS as sent gzipped, and requests, '
                          'against the 14 KB budget', '', '| page | gzip bytes | requests | of budget |',
                          '| --- | --- | --- | --- |']
                every_pages = phone_pages(servers['demo'], toilet, every_role=True)
                cookies = {}
                for label, path, user in every_pages:
                    if user and user not in cookies:
                        cookies[user] = log_in(servers['demo'], user)
                    size, requests = page_weight(servers['demo'], path, cookies.get(user))
                    lines.append(f'| {label} | {size:,} | {requests} | {size / BUDGET:.0%} |')
                lines.append('')
        finally:
            for server in list(servers.values()) + [bare]:
                server.stop()


def write_table(lines, sets, work, rounds, seconds):
    lines += ['## Writes: cleaning sign-offs (POST /t/<token>/clean, signed-in janitors, keep-alive), 4 workers', '',
              '| database | sign-offs/s | bare GET/s (4 workers) | × bare | errors | answered 2xx/3xx | rows stored |',
              '| --- | --- | --- | --- | --- | --- | --- |']
    for engine, s in sets.items():
        r = measure_writes(engine, s, work, rounds, seconds)
        title = 'SQLite' if engine == 'sqlite' else 'PostgreSQL'
        reuse = ' (pairs reused: repeats not stored)' if r['pairs_reused'] else ''
        lines.append(f'| {title} | {r["rps"]:.0f} | {r["bare"]:.0f} | {fmt(r["rps"] / r["bare"], 3)} | {r["errors"]} | '
                     f'{r["answered"]} | {r["rows"]}{reuse} |')
    lines.append('')


def routine_table(lines, sets, work, args, sizes):
    small, large = sizes
    lines += [f'## Issue 12\'s campus (5,000 targets, 50 routines): ms per call at {small:,} and {large:,} records, '
              'beside the same run\'s trivial indexed query (a label by its token)', '',
              f'| database | figure | {small // 1000:,}k ms | × baseline | {large // 1000:,}k ms | × baseline | '
              f'{large // 1000:,}k vs {small // 1000:,}k (≤ 1.5) |', '| --- | --- | --- | --- | --- | --- | --- |']
    names = {'dashboard': '概览 dashboard (manager)', 'today': '今日任务 (janitor)',
             'building_month': 'one building, one month of compliance', 'baseline': 'baseline: label by token'}
    for engine, s in sets.items():
        title = 'SQLite' if engine == 'sqlite' else 'PostgreSQL'

        def factory():
            if engine == 'sqlite':
                return datasets.Database.sqlite(os.path.join(s.instance, 'campus.sqlite3'))
            return datasets.Database.create_pg(args.pg, 'houqin_bench_campus')
        factory.cwd = s.instance
        out, db = measure_routines(factory, small, large, 3)
        s.dbs['campus'] = db
        a, b = out['small'], out['large']
        for key in ('dashboard', 'today', 'building_month', 'baseline'):
            ra, rb = a[key] / a['baseline'], b[key] / b['baseline']
            flag = '' if rb / ra <= 1.5 else ' **over**'
            lines.append(f'| {title} | {names[key]} | {a[key]:.1f} | {ra:.0f} | {b[key]:.1f} | {rb:.0f} | '
                         f'{fmt(rb / ra)}{flag} |')
        lines.append(f'| {title} | (built in {out["build_seconds"]:.0f} s, grown by {large - small:,} records in SQL in '
                     f'{out["grow_seconds"]:.0f} s) | | | | | |')
    lines.append('')


if __name__ == '__main__':
    main()
