"""`flask houqin backup`: a consistent copy of a live SQLite database; PostgreSQL is pointed at pg_dump."""
import json
import os
import sqlite3
import threading
import time
from contextlib import closing

import pytest
from helpers import PG_URL

from houqin import create_app, db

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason='the online backup copies SQLite files; '
                                                      'PostgreSQL is backed up with pg_dump')

PADDING = json.dumps({'note': '后勤' * 1000})  # ~6 KB a row, so the database outgrows one backup step quickly


def audit_row(n):
    return ('pulse', 'pulse', n, f'row {n}', PADDING, 'cli', '2026-01-01 00:00:00')


INSERT = ('INSERT INTO audit_log (action, entity, row_id, summary, "before", address, created_at) '
          'VALUES (?, ?, ?, ?, ?, ?, ?)')


class Writer(threading.Thread):
    """Another process's worth of writes: one row per transaction, on its own connection, until stopped."""

    def __init__(self, path, start_at, deadline=15):
        super().__init__(daemon=True)
        self.path, self.next, self.deadline = path, start_at, time.monotonic() + deadline
        self.committed = start_at - 1  # the highest row_id known to be committed
        self.stop, self.error = threading.Event(), None

    def run(self):
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as conn:
                while not self.stop.is_set() and time.monotonic() < self.deadline:
                    conn.execute(INSERT, audit_row(self.next))
                    conn.commit()
                    self.committed, self.next = self.next, self.next + 1
        except Exception as exc:  # noqa: BLE001 — reported by the test
            self.error = exc


def database_path():
    return db.database.obj.database


def fill(path, rows):
    """Grow the live database to several MB of committed rows."""
    with closing(sqlite3.connect(path, timeout=10)) as conn:
        conn.executemany(INSERT, (audit_row(n) for n in range(1, rows + 1)))
        conn.commit()


def check_copy(path):
    """integrity_check's verdict and the row_ids of the pulse rows in a backup."""
    with closing(sqlite3.connect(path)) as conn:
        verdict = conn.execute('PRAGMA integrity_check').fetchone()[0]
        ids = [r[0] for r in conn.execute("SELECT row_id FROM audit_log WHERE action = 'pulse' ORDER BY id")]
    return verdict, ids


@sqlite_only
def test_backup_of_a_database_being_written_is_consistent(app, runner, tmp_path):
    path = database_path()
    fill(path, 7000)
    assert sum(os.path.getsize(p) for p in (path, path + '-wal') if os.path.exists(p)) > 40_000_000
    writer = Writer(path, start_at=7001)
    writer.start()
    while writer.committed < 7100 and writer.is_alive():
        time.sleep(0.01)
    committed_before = writer.committed
    out = tmp_path / 'copy.sqlite3'
    result = runner.invoke(args=['houqin', 'backup', '--out', str(out)])
    still_writing, committed_after = writer.is_alive(), writer.committed
    writer.stop.set()
    writer.join()
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    # The copy finished while the writer kept committing: a backup must not wait for a quiet moment.
    assert still_writing and committed_after > committed_before
    verdict, ids = check_copy(out)
    assert verdict == 'ok'
    # Every row committed before the backup began is there, and the copy is one moment: no gaps.
    assert ids[:committed_before] == list(range(1, committed_before + 1))
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) <= writer.committed


@sqlite_only
def test_backup_without_out_goes_to_instance_backups(app, runner, school):
    result = runner.invoke(args=['houqin', 'backup'])
    assert result.exit_code == 0, result.output
    folder = os.path.join(app.instance_path, 'backups')
    written = os.listdir(folder)
    assert len(written) == 1 and written[0].endswith('.sqlite3')
    assert written[0] in result.output
    copy = os.path.join(folder, written[0])
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
        assert conn.execute('SELECT name FROM campus').fetchall() == [(school['campus'].name,)]


@sqlite_only
def test_backup_refuses_to_overwrite_a_file(app, runner, tmp_path):
    out = tmp_path / 'precious.sqlite3'
    out.write_bytes(b'yesterday')
    result = runner.invoke(args=['houqin', 'backup', '--out', str(out)])
    assert result.exit_code != 0
    assert 'exists' in result.output
    assert out.read_bytes() == b'yesterday'


def test_backup_refuses_when_the_database_file_is_missing(tmp_path):
    """A mistyped HOUQIN_DATABASE_URL in a cron job must not yield a 'backup' of a new, empty database."""
    missing = tmp_path / 'typo.sqlite3'
    app = create_app({'TESTING': True, 'DATABASE_URL': 'sqlite:///' + str(missing), 'SECRET_KEY': 'test'})
    app.instance_path = str(tmp_path / 'instance')
    result = app.test_cli_runner().invoke(args=['houqin', 'backup', '--out', str(tmp_path / 'copy.sqlite3')])
    assert result.exit_code != 0
    assert str(missing) in result.output
    assert not missing.exists() and not (tmp_path / 'copy.sqlite3').exists()


@pytest.mark.skipif(not PG_URL, reason='needs HOUQIN_TEST_DATABASE_URL (a PostgreSQL server)')
def test_backup_on_postgresql_points_to_pg_dump(app, runner, tmp_path):
    out = tmp_path / 'copy.sqlite3'
    result = runner.invoke(args=['houqin', 'backup', '--out', str(out)])
    assert result.exit_code != 0
    assert 'pg_dump' in result.output and 'PostgreSQL' in result.output
    assert not out.exists()
