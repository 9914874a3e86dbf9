"""Notifications that always arrive: who hears what, the outbox, the senders, the delivery loop.

A notification is an Outbox row written in the same transaction as the event that causes it, one row per
channel that reaches one of its recipients. Delivery claims rows atomically (so two workers never send one
twice), sends outside any transaction with a timeout on every network call, and records each attempt;
a failed row is retried after 15 s, 1 min, 4 min, 16 min, then hourly, until it goes through.
"""
import base64
import datetime
import hashlib
import hmac
import json
import logging
import secrets
import smtplib
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

import click
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from peewee import OperationalError

from . import db
from .models import Campus, Membership, NotificationChannel, Outbox, Place, User, WorkOrder, utcnow

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (15, 60, 240, 960, 3600)  # then hourly, for as long as it takes
BATCH = 50

CHANNEL_KINDS = {
    'wecom': _l('WeCom group robot'), 'dingtalk': _l('DingTalk group robot'), 'feishu': _l('Feishu / Lark bot'),
    'webhook': _l('JSON webhook'), 'email': _l('E-mail'),
}
AUDIENCES = {
    'managers': _l('Logistics heads and administrators'), 'repair': _l('Repair workers'),
    'staff': _l('All staff'), 'person': _l('One person'),
}
AUDIENCE_ROLES = {'managers': {'admin', 'manager'}, 'repair': {'repair'},
                  'staff': {'admin', 'manager', 'guard', 'janitor', 'teacher', 'repair', 'canteen', 'viewer'}}
TOPIC_LABELS = {
    'hazard': _l('Safety hazard'), 'reported': _l('New repair'), 'assigned': _l('Assigned to you'),
    'overdue': _l('Overdue'), 'done': _l('Repair done'), 'reopened': _l('Reopened'), 'test': _l('Test message'),
}


# Who hears what ------------------------------------------------------------------------------------------

def people_with_roles(campus_id, roles):
    """Active users holding one of the roles on the campus."""
    return list(User.select().join(Membership).where(
        (Membership.campus == campus_id) & Membership.role.in_(list(roles)) & User.active))


def topics_for(order, event):
    """[(topic, recipients)] an event causes, most urgent first (pure but for looking people up)."""
    managers = lambda: people_with_roles(order.campus_id, {'admin', 'manager'})  # noqa: E731
    assignee = [order.assignee] if order.assignee_id and order.assignee.active else []
    action = event.action
    if action == 'report':
        found = [('hazard', managers())] if order.hazard else []
        return found + [('reported', assignee or managers())]
    if action == 'classify' and order.hazard and not (event.data or {}).get('was_hazard', True):
        return [('hazard', managers())]
    if action == 'assign' and assignee and assignee[0].id != event.actor_id:
        return [('assigned', assignee)]
    if action == 'reopen':
        return [('reopened', assignee or managers())]
    if action == 'finish':
        reporter = [order.reporter] if order.reporter_id and order.reporter.active else []
        return [('done', reporter + managers())]
    return []


def reaches(channel, user, roles):
    """True when a channel reaches this user ({user id: role} on the channel's campus)."""
    if channel.audience == 'person':
        return channel.user_id == user.id
    return roles.get(user.id) in AUDIENCE_ROLES.get(channel.audience, ())


def on_order_event(order, event):
    """Write the outbox rows an order event causes (call inside the event's transaction)."""
    plan = topics_for(order, event)
    if plan:
        enqueue(order.campus_id, plan, order=order)


def enqueue(campus_id, plan, order=None, channels=None):
    """One outbox row per active channel that reaches someone in the plan, for the plan's first such topic."""
    channels = channels if channels is not None else list(NotificationChannel.select().where(
        (NotificationChannel.campus == campus_id) & NotificationChannel.active))
    if not channels:
        return []
    roles = dict(Membership.select(Membership.user, Membership.role).where(Membership.campus == campus_id).tuples())
    rows = []
    for channel in channels:
        for topic, people in plan:
            reached = [u for u in people if reaches(channel, u, roles)]
            if reached or topic == 'test':
                subject, body = compose(topic, order, reached)
                rows.append(Outbox.create(
                    campus=campus_id, channel=channel.kind, target=channel, topic=topic, order=order,
                    recipient=','.join(u.phone for u in reached if u.phone)[:255], subject=subject[:200], body=body))
                break
    if rows:
        written_now()
    return rows


def compose(topic, order, people):
    """(subject, text) of a notification, in the campus's default language."""
    locale = current_app.config.get('DEFAULT_LOCALE', 'zh_CN') if has_app_context() else 'zh_CN'
    with force_locale(locale):
        label = str(TOPIC_LABELS.get(topic, topic))
        if order is None:
            return (f'【{label}】houqin',
                    _('This is a test message from houqin. If you can read it, this channel works.'))
        from .repairs.workflow import CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS
        place = Place.get_or_none(Place.id == order.place_id)
        lines = [f'【{label}】{order.number} {order.title}']
        if place is not None:
            lines.append(_('Where: %(place)s', place=place.path()) +
                         (f' · {order.item.name}' if order.item_id else ''))
        lines.append(_('Category: %(category)s · priority: %(priority)s · status: %(status)s',
                       category=CATEGORY_LABELS.get(order.category, order.category),
                       priority=PRIORITY_LABELS.get(order.priority, order.priority),
                       status=STATUS_LABELS.get(order.status, order.status)))
        if order.description:
            lines.append(order.description[:300])
        reporter = order.reporter.name if order.reporter_id else order.reporter_name
        if reporter:
            lines.append(_('Reported by %(name)s', name=reporter))
        if order.due_at and topic in ('hazard', 'reported', 'assigned', 'overdue', 'reopened'):
            lines.append(_('Due by %(time)s', time=campus_time(order.campus_id, order.due_at)))
        if people:
            lines.append(' '.join('@' + u.name for u in people))
        base = current_app.config.get('BASE_URL', '') if has_app_context() else ''
        lines.append(f'{base}/repairs/{order.id}')
        return lines[0], '\n'.join(lines)


def campus_time(campus_id, when):
    """A stored UTC time as the campus's wall clock, e.g. 2026-03-05 14:30."""
    from zoneinfo import ZoneInfo
    zone = Campus.get_by_id(campus_id).timezone or 'Asia/Shanghai'
    return when.replace(tzinfo=datetime.timezone.utc).astimezone(ZoneInfo(zone)).strftime('%Y-%m-%d %H:%M')


def enqueue_overdue(now=None):
    """Queue one overdue notice per order past its due time (assignee and managers); returns how many."""
    from .repairs.workflow import WAITING_STATUSES, write_transaction
    now = now or utcnow()
    due = (WorkOrder.select(WorkOrder.id).where(
        WorkOrder.status.in_(WAITING_STATUSES) & (WorkOrder.due_at < now) & WorkOrder.overdue_notified_at.is_null())
        .order_by(WorkOrder.due_at).limit(BATCH))
    count = 0
    for (order_id,) in list(due.tuples()):
        with write_transaction():
            # The guarded update lets exactly one worker queue the notice.
            if not WorkOrder.update(overdue_notified_at=now).where(
                    (WorkOrder.id == order_id) & WorkOrder.overdue_notified_at.is_null()).execute():
                continue
            order = WorkOrder.get_by_id(order_id)
            people = people_with_roles(order.campus_id, {'admin', 'manager'})
            if order.assignee_id and order.assignee.active:
                people = [order.assignee] + [p for p in people if p.id != order.assignee_id]
            enqueue(order.campus_id, [('overdue', people)], order=order)
            count += 1
    return count


def send_test(channel):
    """Queue a test message on one channel (delivered like any other)."""
    from .repairs.workflow import write_transaction
    with write_transaction():
        return enqueue(channel.campus_id, [('test', [])], channels=[channel])[0]


# Senders -------------------------------------------------------------------------------------------------

class SendFailed(Exception):
    """A delivery attempt failed; the message is recorded on the outbox row."""


def timeout_seconds():
    """Seconds any one network call may take."""
    return float(current_app.config.get('NOTIFY_TIMEOUT', 10)) if has_app_context() else 10.0


def post_json(url, payload, headers=None):
    """POST JSON and return the decoded reply (or {}); SendFailed on a network error or non-2xx status."""
    body = json.dumps(payload, ensure_ascii=False).encode('utf-8')
    request = urllib.request.Request(url, data=body, method='POST', headers={
        'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'houqin', **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds()) as response:
            text = response.read(65536).decode('utf-8', 'replace')
    except urllib.error.HTTPError as exc:
        raise SendFailed(f'HTTP {exc.code}: {exc.read(500).decode("utf-8", "replace")}')
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SendFailed(f'{type(exc).__name__}: {getattr(exc, "reason", exc)}')
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return {}


def dingtalk_signed_url(url, secret, timestamp_ms):
    """A DingTalk robot URL with &timestamp=…&sign=…: base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    digest = hmac.new(secret.encode('utf-8'), f'{timestamp_ms}\n{secret}'.encode('utf-8'), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f'{url}{"&" if "?" in url else "?"}timestamp={timestamp_ms}&sign={sign}'


def feishu_sign(secret, timestamp):
    """The Feishu/Lark bot signature: base64 HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message."""
    return base64.b64encode(hmac.new(f'{timestamp}\n{secret}'.encode('utf-8'), b'', hashlib.sha256).digest()).decode()


def check_reply(reply, *keys):
    """SendFailed unless the robot's JSON reply says 0 under one of the keys (absent keys count as success)."""
    for key in keys:
        if key in reply and reply[key] not in (0, '0'):
            raise SendFailed(f'{key}={reply[key]}: {reply.get("errmsg") or reply.get("msg") or reply}'[:500])


def send_wecom(channel, row):
    """WeCom group robot: a text message, @-mentioning recipients by mobile."""
    text = {'content': row.body}
    if row.recipient:
        text['mentioned_mobile_list'] = row.recipient.split(',')
    check_reply(post_json(channel.url, {'msgtype': 'text', 'text': text}), 'errcode')


def send_dingtalk(channel, row):
    """DingTalk group robot, signed when the robot has a secret; mentions need @mobile in the text."""
    mobiles = row.recipient.split(',') if row.recipient else []
    content = row.body + ('\n' + ' '.join('@' + m for m in mobiles) if mobiles else '')
    url = dingtalk_signed_url(channel.url, channel.secret, int(time.time() * 1000)) if channel.secret else channel.url
    check_reply(post_json(url, {'msgtype': 'text', 'text': {'content': content},
                                'at': {'atMobiles': mobiles, 'isAtAll': False}}), 'errcode')


def send_feishu(channel, row):
    """Feishu/Lark custom bot, with timestamp and sign in the body when the bot has a secret."""
    payload = {'msg_type': 'text', 'content': {'text': row.body}}
    if channel.secret:
        stamp = str(int(time.time()))
        payload.update(timestamp=stamp, sign=feishu_sign(channel.secret, stamp))
    check_reply(post_json(channel.url, payload), 'code', 'StatusCode')


def send_webhook(channel, row):
    """Generic JSON webhook; with a secret, X-Houqin-Signature is the hex HMAC-SHA256 of the body."""
    order = row.order if row.order_id else None
    payload = {'topic': row.topic, 'subject': row.subject, 'text': row.body, 'id': row.id,
               'mobiles': row.recipient.split(',') if row.recipient else [],
               'order': {'id': order.id, 'number': order.number, 'status': order.status, 'hazard': order.hazard,
                         'category': order.category, 'priority': order.priority} if order else None}
    headers = {'X-Houqin-Delivery': str(row.id)}
    if channel.secret:
        body = json.dumps(payload, ensure_ascii=False).encode('utf-8')
        headers['X-Houqin-Signature'] = hmac.new(channel.secret.encode(), body, hashlib.sha256).hexdigest()
    post_json(channel.url, payload, headers)


def send_email(channel, row):
    """E-mail over the SMTP server of the settings, to the channel's addresses."""
    config = current_app.config
    if not config.get('SMTP_HOST'):
        raise SendFailed('HOUQIN_SMTP_HOST is not set')
    addresses = [a.strip() for a in channel.addresses.replace(';', ',').split(',') if a.strip()]
    message = EmailMessage()
    message['Subject'] = row.subject
    message['From'] = config.get('SMTP_FROM') or f'houqin@{config["SMTP_HOST"]}'
    message['To'] = ', '.join(addresses)
    message['Message-ID'] = f'<houqin-outbox-{row.id}@{config["SMTP_HOST"]}>'
    message.set_content(row.body)
    security = (config.get('SMTP_SECURITY') or 'none').lower()
    port = int(config.get('SMTP_PORT') or (465 if security == 'ssl' else 25))
    try:
        cls = smtplib.SMTP_SSL if security == 'ssl' else smtplib.SMTP
        with cls(config['SMTP_HOST'], port, timeout=timeout_seconds()) as smtp:
            if security == 'starttls':
                smtp.starttls()
            if config.get('SMTP_USER'):
                smtp.login(config['SMTP_USER'], config.get('SMTP_PASSWORD') or '')
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f'{type(exc).__name__}: {exc}'[:500])


SENDERS = {'wecom': send_wecom, 'dingtalk': send_dingtalk, 'feishu': send_feishu, 'webhook': send_webhook,
           'email': send_email}


# Delivery ------------------------------------------------------------------------------------------------

def retry_delay(attempts):
    """Seconds to wait after the given number of failed attempts: 15 s, 1 min, 4 min, 16 min, then 1 h."""
    return BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]


def lease_seconds():
    """How long a claim holds: longer than any send can take, so a live claim is never taken over."""
    return int(timeout_seconds() * 4) + 30


def claim(row_id, worker, now):
    """Take one due row for this worker; True when no other worker holds it."""
    until = now + datetime.timedelta(seconds=lease_seconds())
    return bool(Outbox.update(locked_until=until, claimed_by=worker).where(
        (Outbox.id == row_id) & Outbox.sent_at.is_null() & (Outbox.next_attempt_at <= now)
        & (Outbox.locked_until.is_null() | (Outbox.locked_until < now))).execute())


def record_attempt(row_id, worker, error, now=None):
    """Write one attempt's outcome on a row this worker holds: sent, or the error and the next try."""
    from .repairs.workflow import write_transaction
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
    """Send every due notification of every campus once; returns (sent, failed). A set `stop` ends it early."""
    now = now or utcnow()
    worker = worker or secrets.token_hex(8)
    due = (Outbox.select(Outbox.id).join(NotificationChannel, on=(Outbox.target == NotificationChannel.id))
           .where(Outbox.sent_at.is_null() & (Outbox.next_attempt_at <= now) & NotificationChannel.active
                  & (Outbox.locked_until.is_null() | (Outbox.locked_until < now)))
           .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit))
    sent = failed = 0
    for (row_id,) in list(due.tuples()):
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
        sent, failed = (sent + 1, failed) if not error else (sent, failed + 1)
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


def run_pass(now=None, stop=None):
    """One round of the worker: queue overdue notices, then send what is due; returns (sent, failed)."""
    enqueue_overdue(now)
    return deliver_due(now, stop=stop)


# Opportunistic delivery after requests, where no worker runs --------------------------------------------

POLL_SECONDS = 30


def written_now():
    """Note that this request queued notifications, so delivery starts as soon as the response is out."""
    if has_request_context():
        g.notify_written = True


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
@click.option('--once', is_flag=True, help='deliver what is due now, then exit')
@click.option('--interval', default=5.0, show_default=True, help='seconds between checks when idle')
def notify_command(once, interval):
    """Deliver notifications until stopped (SIGTERM finishes the message in flight first)."""
    import signal
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
