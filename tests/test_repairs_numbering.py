"""Order numbers per campus and year: parallel reports through real servers get 1..N, no gaps, no duplicates."""
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from helpers import PASSWORD
from werkzeug.serving import make_server

from houqin import db
from houqin.models import WorkOrder, WorkOrderCounter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORTS = 24


class Session:
    """A cookie-keeping client of a real server, signed in once; its CSRF token serves every thread."""

    def __init__(self, base, username):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = self.token('/login')
        self.post('/login', {'csrf_token': token, 'username': username, 'password': PASSWORD})
        self.csrf = self.token('/repairs/new')

    def token(self, path):
        html = self.opener.open(self.base + path, timeout=30).read().decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.status, response.geturl()


def report_in_parallel(base, place_id, count=REPORTS):
    """Send `count` reports at once from as many threads; returns the order ids they were sent to."""
    session = Session(base, 'teacher')
    urls, errors = [], []
    start = threading.Barrier(count)

    def one(i):
        try:
            start.wait()
            status, url = session.post('/repairs/new', {'csrf_token': session.csrf, 'place': place_id,
                                                        'title': f'并发报修 {i}'})
            urls.append(url)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    return [int(u.rsplit('/', 1)[1]) for u in urls]


def check_numbers(campus, ids):
    """Every report became one order, numbered 1..N in its year without gaps or duplicates."""
    with db.database.connection_context():
        orders = list(WorkOrder.select().where(WorkOrder.campus == campus))
        assert sorted(o.id for o in orders) == sorted(ids)
        assert sorted(o.sequence for o in orders) == list(range(1, len(ids) + 1))
        assert len({o.number for o in orders}) == len(ids)
        counter = WorkOrderCounter.get(WorkOrderCounter.campus == campus)
        assert counter.last == len(ids)


def test_parallel_reports_on_a_threaded_server(app, school):
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ids = report_in_parallel(f'http://127.0.0.1:{server.server_port}', school['room'].id)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    check_numbers(school['campus'], ids)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_parallel_reports_on_three_gunicorn_workers(app, school, database_url, tmp_path):
    """Three processes, each with its own connection, number the same campus's orders."""
    port = free_port()
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='shared-secret',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'), HOUQIN_ENV='development',
               HOUQIN_NOTIFY_AFTER_REQUESTS='0', HOUQIN_PHOTO_DIR=str(tmp_path / 'photos'))
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn', '-w', '3', '--threads', '4', '-b',
                             f'127.0.0.1:{port}', 'app:app'], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError('gunicorn did not start: ' + proc.stderr.read().decode()[-2000:])
        ids = report_in_parallel(f'http://127.0.0.1:{port}', school['room'].id)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    check_numbers(school['campus'], ids)
