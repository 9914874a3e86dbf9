"""How fast the scan page answers, as a ratio to a bare Flask response measured in the same run.

    python bench/scan_bench.py [--seconds 5] [--workers 2] [--clients 4]

Loads the demo school into a temporary instance, serves it and a one-line Flask app with gunicorn
(same worker count), and drives both with keep-alive HTTP clients in separate processes. Prints
requests per second and the ratio to bare for: the scan page anonymously, the scan page for a
signed-in janitor, and the compressed page weight. Numbers vary with the machine; the ratios are
what to compare between runs.
"""
import argparse
import gzip
import http.client
import multiprocessing
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BARE_APP = '''from flask import Flask
app = Flask(__name__)
@app.route("/t/<token>")
def bare(token):
    return "ok " + token
'''


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def serve(module, port, workers, env, cwd):
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn', '-w', str(workers), '-b', f'127.0.0.1:{port}',
                             '--access-logfile', '/dev/null', module], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f'{module} did not start')


def hammer(port, path, cookie, seconds, counter):
    """One client: keep-alive GETs for `seconds`; adds its count of 200 responses."""
    conn = http.client.HTTPConnection('127.0.0.1', port)
    headers = {'Cookie': cookie} if cookie else {}
    done, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        conn.request('GET', path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
    with counter.get_lock():
        counter.value += done


def rate(port, path, cookie, seconds, clients):
    """Requests per second over `clients` processes."""
    counter = multiprocessing.Value('i', 0)
    procs = [multiprocessing.Process(target=hammer, args=(port, path, cookie, seconds, counter))
             for _ in range(clients)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return counter.value / seconds


def log_in(port, username):
    """A session cookie for a demo account."""
    conn = http.client.HTTPConnection('127.0.0.1', port)
    conn.request('GET', '/login')
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader('Set-Cookie').split(';')[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({'csrf_token': token, 'username': username, 'password': 'demo1234'})
    conn.request('POST', '/login', body, {'Content-Type': 'application/x-www-form-urlencoded', 'Cookie': cookie})
    response = conn.getresponse()
    response.read()
    return '; '.join(c.split(';')[0] for c in response.headers.get_all('Set-Cookie'))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seconds', type=float, default=5)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--clients', type=int, default=4)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='houqin-bench-')
    env = dict(os.environ, HOUQIN_INSTANCE_PATH=work, HOUQIN_SECRET_KEY='bench', HOUQIN_ENV='production',
               HOUQIN_NOTIFY_AFTER_REQUESTS='0')
    env.pop('HOUQIN_DATABASE_URL', None)
    subprocess.run([sys.executable, '-m', 'flask', '--app', 'app', 'houqin', 'demo'], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with sqlite3.connect(os.path.join(work, 'houqin.sqlite3')) as db:
        token = db.execute("SELECT t.token FROM tag t JOIN place p ON p.id = t.place_id "
                           "WHERE p.kind = 'toilet' LIMIT 1").fetchone()[0]
    with open(os.path.join(work, 'bare_app.py'), 'w') as fh:
        fh.write(BARE_APP)
    bare_port, app_port = free_port(), free_port()
    servers = [serve('bare_app:app', bare_port, args.workers, env, work),
               serve('app:app', app_port, args.workers, env, ROOT)]
    try:
        path = f'/t/{token}'
        janitor = log_in(app_port, 'janitor')
        for port in (bare_port, app_port):  # warm up every worker
            rate(port, path, None, 0.5, args.clients)
        bare = rate(bare_port, path, None, args.seconds, args.clients)
        anonymous = rate(app_port, path, None, args.seconds, args.clients)
        signed_in = rate(app_port, path, janitor, args.seconds, args.clients)
        conn = http.client.HTTPConnection('127.0.0.1', app_port)
        conn.request('GET', path, headers={'Cookie': janitor})
        html = conn.getresponse().read()
        script = open(os.path.join(ROOT, 'static', 'scan.js'), 'rb').read()
    finally:
        for s in servers:
            s.terminate()
            s.wait()
    print(f'gunicorn, {args.workers} sync workers, {args.clients} keep-alive clients, {args.seconds:g} s each')
    print(f'bare Flask response           {bare:8.0f} req/s   1.00x')
    print(f'scan page, anonymous          {anonymous:8.0f} req/s   {anonymous / bare:.2f}x')
    print(f'scan page, janitor signed in  {signed_in:8.0f} req/s   {signed_in / bare:.2f}x')
    print(f'page weight (janitor): HTML {len(html)} B, gzip {len(gzip.compress(html, 9))} B '
          f'+ script gzip {len(gzip.compress(script, 9))} B')


if __name__ == '__main__':
    main()
