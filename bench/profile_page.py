"""One phone page in one process: CPU milliseconds per request and where they go (cProfile), for measuring one
lever at a time without wrk or a quiet machine.

    python bench/profile_page.py sqlite:///path/to/demo.sqlite3 [--role janitor] [--path /t/TOKEN] [-n 200]
                                 [--top 25]

Without --path it opens the scan page of the first active toilet label. Statements per request are counted too.
The database is migrated first.
"""
import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH))

from houqin import create_app, db  # noqa: E402

DEMO_PASSWORD = 'demo1234'


def toilet_token():
    """The demo's first active toilet label."""
    return db.database.execute_sql(
        "SELECT t.token FROM tag t JOIN place p ON p.id = t.place_id WHERE p.kind = 'toilet' AND t.item_id IS NULL "
        "AND t.status = 'active' ORDER BY t.id LIMIT 1").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('url')
    parser.add_argument('--role', default=None, help='demo account to sign in as (default anonymous)')
    parser.add_argument('--path', default=None)
    parser.add_argument('-n', type=int, default=200)
    parser.add_argument('--top', type=int, default=25)
    parser.add_argument('--sort', default='cumulative')
    parser.add_argument("--no-cookies", action="store_true", help="a fresh browser at each request, as wrk is")
    args = parser.parse_args()
    os.environ.update(HOUQIN_DATABASE_URL=args.url, HOUQIN_SECRET_KEY='bench', HOUQIN_NOTIFY_AFTER_REQUESTS='0',
                      HOUQIN_INSTANCE_PATH=tempfile.mkdtemp(prefix='houqin-profile-'))
    app = create_app()
    client = app.test_client(use_cookies=not args.no_cookies)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        db.migrate()  # a data set built by an older checkout
        path = args.path or f'/t/{toilet_token()}'
    if args.role:
        page = client.get('/login').get_data(as_text=True)
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        answer = client.post('/login', data={'csrf_token': token, 'username': args.role, 'password': DEMO_PASSWORD})
        assert answer.status_code == 302, answer.status_code
    for _ in range(20):  # warm the per-process caches
        assert client.get(path).status_code == 200
    database = db.database.obj
    counted, execute = [0], database.execute_sql

    def counting(sql, params=None, *a, **k):
        counted[0] += 1
        return execute(sql, params, *a, **k)
    database.execute_sql = counting
    started = time.process_time()
    for _ in range(args.n):
        client.get(path)
    cpu = (time.process_time() - started) / args.n * 1000
    del database.execute_sql
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        client.get(path)
    profile.disable()
    print(f'{path} as {args.role or "anonymous"}: {cpu:.2f} ms CPU a request, {counted[0] / args.n:.1f} statements')
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == '__main__':
    main()
