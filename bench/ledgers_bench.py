"""Peak memory of a streamed ledger export (issue 13): a campus with N cleaning records over a year, exported as
xlsx by `flask houqin ledger cleaning` in a fresh process; prints rows, seconds, file size and peak RSS, so 10 k
and 100 k rows can be compared (flat memory: the rows stream through openpyxl's write-only mode).

    .venv/bin/python bench/ledgers_bench.py 10000 100000
    .venv/bin/python bench/ledgers_bench.py --heap 10000 100000   # Python's own peak (tracemalloc) instead

RSS also counts SQLite's page cache (up to 64 MB, db.py), which fills as the database grows; --heap measures
only what Python allocates (tracemalloc, in the same fresh process, so slower), where a growing row list, a
cache or openpyxl's shared strings would show.
"""
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from houqin import db  # noqa: E402 — after the path is set
from houqin.models import Campus, Place, Record, User  # noqa: E402

YEAR_START = datetime.datetime(2025, 9, 1)
# BENCH_NOTES=blank: records without notes (most real cleanings), to separate openpyxl's shared-strings table.
UNIQUE_NOTES = os.environ.get('BENCH_NOTES') != 'blank'


def build(url, rows):
    """A migrated database with one campus, 200 toilets, 20 janitors and `rows` cleaning records over a year."""
    db.init_database(url)
    with db.database.connection_context():
        db.migrate()
        with db.write_transaction():
            campus = Campus.create(name='基准学校', code='bench')
            places = [Place.create(campus=campus, name=f'{n}号厕所', kind='toilet') for n in range(200)]
            users = [User.create(username=f'j{n}', display_name=f'保洁{n}', password_hash='x') for n in range(20)]
        step = datetime.timedelta(seconds=365 * 86400 / rows)
        for start in range(0, rows, 5000):
            with db.write_transaction():
                Record.insert_many([dict(uuid=str(uuid.uuid4()), campus=campus.id, place=places[i % 200].id,
                                         activity='cleaning', user=users[i % 20].id, note=f'第{i}次' if UNIQUE_NOTES else '',
                                         answers={}, created_at=YEAR_START + step * i)
                                    for i in range(start, min(rows, start + 5000))]).execute()


HEAP_CHILD = """
import sys, tracemalloc
tracemalloc.start()
from app import app
result = app.test_cli_runner().invoke(args=sys.argv[1:])
assert result.exit_code == 0, result.output
print(tracemalloc.get_traced_memory()[1])
"""


def measure(rows, heap=False):
    """(seconds, bytes, peak RSS in MB) of exporting `rows` cleaning records in a child process."""
    folder = tempfile.mkdtemp(prefix='ledgers-bench-')
    url = f'sqlite:///{folder}/bench.db'
    build(url, rows)
    out = os.path.join(folder, 'cleaning.xlsx')
    env = dict(os.environ, HOUQIN_DATABASE_URL=url, FLASK_APP='app')
    args = ['houqin', 'ledger', 'cleaning', '--from', '2025-09-01', '--to', '2026-08-31', '--out', out,
            '--campus', 'bench']
    began = time.monotonic()
    if heap:
        done = subprocess.run([sys.executable, '-c', HEAP_CHILD, *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
        peak = int(done.stdout.split()[-1]) / 2 ** 20
    else:
        subprocess.run([sys.executable, '-m', 'flask', *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    seconds = time.monotonic() - began
    return seconds, os.path.getsize(out), peak


if __name__ == '__main__':
    heap = '--heap' in sys.argv
    counts = [int(a) for a in sys.argv[1:] if a != '--heap'] or [10_000, 100_000]
    for count in counts:
        # RUSAGE_CHILDREN is the largest child so far: measure in a fresh interpreter per size.
        if len(counts) > 1:
            subprocess.run([sys.executable, __file__, str(count)] + (['--heap'] if heap else []), check=True)
            continue
        seconds, size, peak = measure(count, heap)
        what = 'peak Python heap' if heap else 'peak RSS'
        print(f'{count:>7} rows  {seconds:6.1f} s  {size / 1e6:6.1f} MB xlsx  {what} {peak:6.1f} MB')
