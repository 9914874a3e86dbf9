"""Delivery: claim due outbox rows, send them, record every attempt; the worker and the after-request thread.

A notification is an Outbox row written in the same transaction as the event that causes it, one row per
channel that reaches one of its recipients. Delivery claims rows atomically (so two live workers never send
one twice), sends outside any transaction within one total deadline per send (senders.py), far inside the
claim's lease, and records each attempt; a failed row is retried after 15 s, 1 min, 4 min, 16 min, then
hourly, until it goes through. Channels are delivered independently, each by its own thread of a small
pool, so a slow or hanging robot never holds back another channel's messages; a channel whose send fails
waits for the next pass before its other rows are tried.

What this guarantees: every row is sent until one attempt succeeds; a row is sent twice only when a worker
dies (or its database write fails) after the receiver has the message but before the attempt is recorded,
and then the message carries the same delivery id (X-Houqin-Delivery for webhooks, Message-ID for e-mail).
"""
import datetime
import logging
import secrets
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import click
from flask import current_app, g
from flask.cli import with_appcontext
from peewee import OperationalError

from houqin import db
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import NotificationChannel, Outbox
from houqin.notify.senders import SENDERS, SendFailed, timeout_seconds

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (15, 60, 240, 960, 3600)  # then hourly, for as long as it takes
BATCH = 50
CHANNEL_THREADS = 4  # channels delivered at the same time by one pass


# Delivery ------------------------------------------------------------------------------------------------

def retry_delay(attempts):
    """Seconds to wait after the given number of failed attempts: 15 s, 1 min, 4 min, 16 min, then 1 h."""
    return BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]


def lease_seconds():
    """How long a claim holds: four times a send's whole deadline and 30 s more, so a live claim is never
    taken over (the deadline is enforced, senders.Deadline)."""
    return int(timeout_seconds() * 4) + 30


def claim(row_id, worker, now):
    """Take one due row for this worker; True when no other worker holds it."""
    until = now + datetime.timedelta(seconds=lease_seconds())
    return bool(Outbox.update(locked_until=until, claimed_by=worker).where(
        (Outbox.id == row_id) & Outbox.sent_at.is_null() & (Outbox.next_attempt_at <= now)
        & (Outbox.locked_until.is_null() | (Outbox.locked_until < now))).execute())


def record_attempt(row_id, worker, error, now=None):
    """Write one attempt's outcome on a row this worker holds: sent, or the error and the next try."""
    now = max(now or utcnow(), utcnow())
    with write_transaction():
        row = Outbox.get_by_id(row_id)
        if row.claimed_by != worker:
            return  # our lease ran out and another worker took over: its outcome stands
        attempts = row.attempts + 1
        changes = {'attempts': attempts, 'locked_until': None, 'claimed_by': None,
                   'attempt_log': (row.attempt_log or [])[-49:] + [
                       {'at': now.isoformat(timespec='seconds'), 'error': error or ''}]}
        if error:
            wait = datetime.timedelta(seconds=retry_delay(attempts))
            changes.update(last_error=error[:2000], next_attempt_at=now + wait)
        else:
            changes.update(sent_at=now)
        Outbox.update(**changes).where((Outbox.id == row_id) & (Outbox.claimed_by == worker)).execute()


def record_or_retry(row_id, worker, error, now):
    """Record an attempt, trying again on a passing database error: an unrecorded send would be repeated."""
    for wait in (0.2, 0.5, 1, 2, 0):
        try:
            return record_attempt(row_id, worker, error, now)
        except OperationalError:
            if not wait:
                raise
            log.warning('could not record delivery of outbox row %s yet; retrying', row_id)
            time.sleep(wait)


def deliver_due(now=None, worker=None, limit=BATCH, stop=None):
    """Send every due notification of every campus once, channels side by side; returns (sent, failed).
    A set `stop` ends it early (after the sends in flight)."""
    now = now or utcnow()
    worker = worker or secrets.token_hex(8)
    due = (Outbox.select(Outbox.id, Outbox.target).join(NotificationChannel, on=(Outbox.target == NotificationChannel.id))
           .where(Outbox.sent_at.is_null() & (Outbox.next_attempt_at <= now) & NotificationChannel.active
                  & (Outbox.locked_until.is_null() | (Outbox.locked_until < now)))
           .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit))
    by_channel = {}
    for row_id, target_id in due.tuples():
        by_channel.setdefault(target_id, []).append(row_id)
    if len(by_channel) <= 1:
        results = [deliver_channel(ids, worker, now, stop) for ids in by_channel.values()]
    else:
        app = current_app._get_current_object()
        with ThreadPoolExecutor(max_workers=min(CHANNEL_THREADS, len(by_channel)),
                                thread_name_prefix='houqin-channel') as pool:
            results = list(pool.map(lambda ids: deliver_in_thread(app, ids, worker, now, stop),
                                    by_channel.values()))
    return sum(r[0] for r in results), sum(r[1] for r in results)


def deliver_in_thread(app, row_ids, worker, now, stop):
    """deliver_channel in a pool thread: its own app context and database connection."""
    with app.app_context(), db.database.connection_context():
        return deliver_channel(row_ids, worker, now, stop)


def deliver_channel(row_ids, worker, now, stop=None):
    """Send one channel's due rows in order; after a failure the rest wait for the next pass. (sent, failed)"""
    sent = failed = 0
    for row_id in row_ids:
        if stop is not None and stop.is_set():
            break
        if not claim(row_id, worker, now):
            continue
        row = Outbox.get_by_id(row_id)
        channel = NotificationChannel.get_by_id(row.target_id)
        error = ''
        try:
            SENDERS[channel.kind](channel, row)
        except SendFailed as exc:
            error = str(exc) or 'failed'
        except Exception as exc:  # a sender bug must not stop the other rows
            log.exception('notification %s failed', row_id)
            error = f'{type(exc).__name__}: {exc}'
        record_or_retry(row_id, worker, error, now)
        if error:
            failed += 1
            break  # this channel is down or slow now: don't spend this pass on its other rows
        sent += 1
    return sent, failed


def seconds_until_next_due(now=None):
    """Seconds until the earliest unsent row is due (0 if one is due now), or None when none waits."""
    now = now or utcnow()
    row = (Outbox.select(Outbox.next_attempt_at, Outbox.locked_until)
           .join(NotificationChannel, on=(Outbox.target == NotificationChannel.id))
           .where(Outbox.sent_at.is_null() & NotificationChannel.active)
           .order_by(Outbox.next_attempt_at).first())
    if row is None:
        return None
    when = max(row.next_attempt_at, row.locked_until or row.next_attempt_at)
    return max(0.0, (when - now).total_seconds())


# What areas queue on the worker's schedule rather than on an event (e.g. repairs' overdue notices).
SCHEDULED = {}  # check: seconds between its runs in one process (0: every pass)
_NEXT_RUN = {}  # check: time.monotonic() before which this process leaves it alone


def schedule(check, every=0):
    """Run `check(now)` at the start of delivery passes, at most once every `every` seconds per process; it
    queues what has become due."""
    SCHEDULED.setdefault(check, every)


def run_pass(now=None, stop=None):
    """One round of the worker: run the scheduled checks that are due, then send what is due; returns (sent,
    failed)."""
    moment = time.monotonic()
    for check, every in SCHEDULED.items():
        if moment >= _NEXT_RUN.get(check, 0.0):
            _NEXT_RUN[check] = moment + every
            check(now)
    return deliver_due(now, stop=stop)


# Opportunistic delivery after requests, where no worker runs --------------------------------------------

POLL_SECONDS = 30


class BackgroundDelivery:
    """One delivery thread per process at most, started after a request when something may be due."""

    def __init__(self, app):
        self.app = app
        self.database = db.database.obj  # a later create_app in this process (tests) re-points the proxy
        self.lock = threading.Lock()
        self.again = False
        self.next_check = 0.0  # monotonic time; the first request of a process checks for leftovers

    def maybe_start(self, wrote):
        """Start a pass unless one runs (then ask it to go again); never waits."""
        if not wrote and time.monotonic() < self.next_check:
            return False
        if db.database.obj is not self.database or not self.app.extensions.get('houqin.schema_ok'):
            return False
        if not self.lock.acquire(blocking=False):
            self.again = self.again or wrote
            return False
        self.next_check = time.monotonic() + POLL_SECONDS
        threading.Thread(target=self.run, name='houqin-notify', daemon=True).start()
        return True

    def run(self):
        """Deliver until nothing more was asked for; this thread's own connection is closed at the end."""
        try:
            with self.app.app_context():
                while True:
                    self.again = False
                    if db.database.obj is not self.database:
                        break
                    try:
                        db.database.connect(reuse_if_open=True)
                        run_pass()
                        wait = seconds_until_next_due()
                    except Exception:
                        log.exception('background notification delivery failed')
                        wait = POLL_SECONDS
                    finally:
                        if not db.database.is_closed():
                            db.database.close()
                    self.next_check = time.monotonic() + min(POLL_SECONDS, wait if wait is not None else POLL_SECONDS)
                    if not self.again:
                        break
        finally:
            self.lock.release()


def init_app(app):
    """Deliver after requests when NOTIFY_AFTER_REQUESTS is on (the default; off where a worker runs)."""
    if not app.config.get('NOTIFY_AFTER_REQUESTS'):
        return
    delivery = BackgroundDelivery(app)
    app.extensions['houqin.notify'] = delivery

    @app.teardown_request
    def deliver_after_request(exc=None):
        """Start a background pass when this request queued something or a check is due."""
        if exc is None:
            delivery.maybe_start(bool(g.get('notify_written')))


# The worker ----------------------------------------------------------------------------------------------

@click.command('notify')
@with_appcontext
@click.option('--once', is_flag=True, help='deliver what is due now, then exit')
@click.option('--interval', default=5.0, show_default=True, help='seconds between checks when idle')
def notify_command(once, interval):
    """Deliver notifications until stopped (SIGTERM finishes the message in flight first)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    click.echo('Delivering notifications' + ('' if once else f' every {interval:g} s; stop with Ctrl-C') + '.')
    while True:
        with db.database.connection_context():
            sent, failed = run_pass(stop=stop)
            wait = seconds_until_next_due()
        if sent or failed:
            click.echo(f'{utcnow():%Y-%m-%d %H:%M:%S} sent {sent}, failed {failed}')
        if once or stop.is_set():
            break
        stop.wait(min(interval, wait) if wait is not None else interval)
        if stop.is_set():
            break
