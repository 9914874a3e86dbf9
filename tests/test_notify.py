"""Notifications: who hears what, the outbox, retries with backoff, senders against real local servers.

Webhooks go to a real HTTP server on 127.0.0.1 (failing, hanging or checking signatures as each test needs);
e-mail to a small real SMTP server. Nothing is mocked.
"""
import base64
import datetime
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import csrf_token, make_app

from houqin import db
from houqin.clock import utcnow
from houqin.models import NotificationChannel, Outbox, RepairCategory, User, WorkOrder, WorkOrderCounter
from houqin.notify.delivery import deliver_due, retry_delay
from houqin.notify.outbox import send_test
from houqin.repairs.workflow import apply_action, enqueue_overdue, report_problem

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# A real webhook server -----------------------------------------------------------------------------------

class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with server.lock:
            server.calls += 1
            failing = server.calls <= server.fail_first
        if server.delay:
            time.sleep(server.delay)
        request = {'path': self.path, 'query': dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)),
                   'headers': dict(self.headers), 'json': json.loads(body.decode('utf-8'))}
        problem = 'down for maintenance' if failing else server.check(request)
        if problem:
            self.reply(500 if failing else 200, {'errcode': 310000, 'code': 19021, 'errmsg': problem})
            return
        with server.lock:
            server.received.append(request)
        self.reply(200, {'errcode': 0, 'errmsg': 'ok', 'code': 0, 'msg': 'success'})

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    """hook(fail_first=0, check=None, delay=0) -> a running webhook server; .url, .received, .calls."""
    servers = []

    def start(fail_first=0, check=None, delay=0.0):
        server = ThreadingHTTPServer(('127.0.0.1', 0), Hook)
        server.daemon_threads = True
        server.fail_first, server.delay, server.calls, server.received = fail_first, delay, 0, []
        server.check = check or (lambda request: None)
        server.lock = threading.Lock()
        server.url = f'http://127.0.0.1:{server.server_port}/hook'
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def dingtalk_check(secret):
    """The check DingTalk makes: sign = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret")))."""
    def check(request):
        stamp, sign = request['query'].get('timestamp'), request['query'].get('sign')
        if not stamp or not sign:
            return 'missing signature'
        wanted = base64.b64encode(hmac.new(secret.encode(), f'{stamp}\n{secret}'.encode(), hashlib.sha256).digest())
        if sign != wanted.decode():  # parse_qsl has already undone the URL encoding
            return 'sign not match'
        if abs(int(stamp) - time.time() * 1000) > 3600 * 1000:
            return 'timestamp expired'
        if request['json'].get('msgtype') != 'text':
            return 'bad msgtype'
        return None
    return check


def feishu_check(secret):
    """Feishu's check: sign = base64(HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing), in the body."""
    def check(request):
        body = request['json']
        stamp = body.get('timestamp', '')
        wanted = base64.b64encode(hmac.new(f'{stamp}\n{secret}'.encode(), b'', hashlib.sha256).digest()).decode()
        if body.get('sign') != wanted:
            return 'sign match fail or timestamp is not within one hour from current time'
        if body.get('msg_type') != 'text' or not body.get('content', {}).get('text'):
            return 'bad message'
        return None
    return check


# Fixtures: an app without background delivery, so each test drives delivery itself ----------------------

@pytest.fixture
def quiet_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False, NOTIFY_TIMEOUT=3)
    yield app
    if not db.database.is_closed():
        db.database.close()


@pytest.fixture
def ctx(quiet_app):
    """The small test school, with phone numbers, inside an app context with a connection."""
    from helpers import make_school
    school = make_school()
    with quiet_app.test_request_context('/'), db.database.connection_context():
        for role, user in school['users'].items():
            User.update(phone=f'13800{user.id:06d}').where(User.id == user.id).execute()
            school['users'][role] = User.get_by_id(user.id)
        yield school


def channel(school, url, kind='webhook', audience='managers', **fields):
    fields.setdefault('name', f'{kind}-{audience}')
    return NotificationChannel.create(campus=school['campus'], kind=kind, url=url, audience=audience, **fields)


def deliver(now=None):
    return deliver_due(now=now)


# Who hears what -------------------------------------------------------------------------------------------

def test_backoff_is_15_s_1_min_4_min_16_min_then_hourly():
    assert [retry_delay(n) for n in range(1, 9)] == [15, 60, 240, 960, 3600, 3600, 3600, 3600]


def test_who_hears_what(ctx, hook):
    s, server = ctx, hook()
    u = s['users']
    managers = channel(s, server.url, audience='managers')
    workers = channel(s, server.url + '/repair', audience='repair')
    teacher_only = channel(s, server.url + '/teacher', audience='person', user=u['teacher'])
    RepairCategory.create(campus=s['campus'], key='building', assignee=u['repair'])

    hazard = report_problem(s['campus'], place=s['floor'], title='楼梯扶手松动', category='building', hazard=True,
                            reporter=u['teacher'])
    rows = {r.target_id: r for r in Outbox.select().where(Outbox.order == hazard)}
    assert rows[managers.id].topic == 'hazard' and '安全隐患' in rows[managers.id].body
    assert rows[workers.id].topic == 'reported' and u['repair'].phone in rows[workers.id].recipient
    assert teacher_only.id not in rows
    assert hazard.number in rows[managers.id].body and '/repairs/' in rows[managers.id].body

    plain = report_problem(s['campus'], place=s['room'], title='门把手掉了', category='doors_windows')
    rows = {r.target_id: r.topic for r in Outbox.select().where(Outbox.order == plain)}
    assert rows == {managers.id: 'reported'}  # nobody takes doors by default: the heads hear of it

    apply_action(hazard, 'start', user=u['repair'], role='repair')
    from test_repairs_workflow import photo
    apply_action(hazard, 'finish', user=u['repair'], role='repair', note='加固', photos=[photo(s)])
    done = {r.target_id: r for r in Outbox.select().where((Outbox.order == hazard) & (Outbox.topic == 'done'))}
    assert set(done) == {managers.id, teacher_only.id}
    assert u['teacher'].phone in done[teacher_only.id].recipient

    late = utcnow() + datetime.timedelta(days=4)
    assert enqueue_overdue(late) == 1  # the door order; the hazard is repaired already
    assert enqueue_overdue(late) == 0  # once
    overdue = {r.target_id for r in Outbox.select().where(Outbox.topic == 'overdue')}
    assert overdue == {managers.id}
    apply_action(plain, 'assign', user=u['manager'], role='manager', assignee=u['repair'].id)
    assert {r.target_id for r in Outbox.select().where((Outbox.order == plain) & (Outbox.topic == 'assigned'))} \
        == {workers.id}


def test_outbox_rows_roll_back_with_their_event(ctx, hook):
    s = ctx
    channel(s, hook().url)
    with db.database.atomic() as transaction:
        report_problem(s['campus'], place=s['room'], title='会被撤回', hazard=True)
        assert Outbox.select().count() == 1
        transaction.rollback()
    assert (WorkOrder.select().count(), Outbox.select().count(), WorkOrderCounter.select().count()) == (0, 0, 0)


# Delivery -------------------------------------------------------------------------------------------------

def test_a_failing_webhook_is_retried_with_backoff_and_the_message_arrives_once(ctx, hook):
    s = ctx
    server = hook(fail_first=3)
    channel(s, server.url)
    order = report_problem(s['campus'], place=s['room'], title='配电箱冒烟', hazard=True)
    row = Outbox.get(Outbox.order == order)
    t0 = row.next_attempt_at
    schedule = [(t0, 1), (t0 + datetime.timedelta(seconds=10), 1), (t0 + datetime.timedelta(seconds=16), 2),
                (t0 + datetime.timedelta(seconds=80), 3), (t0 + datetime.timedelta(seconds=330), 4),
                (t0 + datetime.timedelta(hours=3), 4)]
    for when, calls in schedule:
        deliver(when)
        assert server.calls == calls, when
    row = Outbox.get_by_id(row.id)
    assert row.sent_at is not None and row.attempts == 4
    assert [bool(a['error']) for a in row.attempt_log] == [True, True, True, False]
    assert 'HTTP 500' in row.attempt_log[0]['error'] and 'down for maintenance' in row.last_error
    assert len(server.received) == 1
    assert server.received[0]['json']['order']['number'] == order.number
    assert server.received[0]['headers']['X-Houqin-Delivery'] == str(row.id)


def test_backoff_times_are_recorded(ctx, hook):
    s = ctx
    channel(s, hook(fail_first=99).url)
    report_problem(s['campus'], place=s['room'], title='x', hazard=True)
    row = Outbox.get()
    now = row.next_attempt_at
    waits = []
    for _ in range(6):
        deliver(now)
        row = Outbox.get_by_id(row.id)
        waits.append(round((row.next_attempt_at - now).total_seconds()))
        now = row.next_attempt_at
    assert [abs(w - d) <= 2 for w, d in zip(waits, [15, 60, 240, 960, 3600, 3600])] == [True] * 6
    assert row.attempts == 6 and row.sent_at is None and len(row.attempt_log) == 6


def test_nothing_is_lost_when_the_sender_is_down_or_the_app_restarts(database_url, tmp_path, hook):
    with socket.socket() as probe:  # a port where nothing listens yet
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False, NOTIFY_TIMEOUT=3)
    from helpers import make_school
    school = make_school()
    with app.test_request_context('/'), db.database.connection_context():
        channel(school, f'http://127.0.0.1:{port}/hook')
        report_problem(school['campus'], place=school['room'], title='水管爆裂', hazard=True)
        assert deliver() == (0, 1)
        row = Outbox.get()
        assert row.sent_at is None and 'refused' in row.last_error.lower()
    # The app restarts; the server comes up on that port; the row goes out on the next due pass.
    restarted = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False, NOTIFY_TIMEOUT=3)
    server = ThreadingHTTPServer(('127.0.0.1', port), Hook)
    server.fail_first, server.delay, server.calls, server.received = 0, 0, 0, []
    server.check, server.lock = (lambda request: None), threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with restarted.test_request_context('/'), db.database.connection_context():
            assert deliver(utcnow() + datetime.timedelta(seconds=20)) == (1, 0)
            assert deliver(utcnow() + datetime.timedelta(hours=2)) == (0, 0)
    finally:
        server.shutdown()
        server.server_close()
    assert len(server.received) == 1


def test_a_dead_workers_claim_expires_and_a_live_one_is_respected(ctx, hook):
    s, server = ctx, hook()
    channel(s, server.url)
    report_problem(s['campus'], place=s['room'], title='x', hazard=True)
    row = Outbox.get()
    now = utcnow()
    Outbox.update(locked_until=now + datetime.timedelta(seconds=30), claimed_by='other').execute()
    assert deliver(now) == (0, 0) and server.calls == 0
    assert deliver(now + datetime.timedelta(seconds=31)) == (1, 0)  # the other worker died mid-send
    assert Outbox.get_by_id(row.id).claimed_by is None


def test_two_workers_in_parallel_never_send_one_twice(quiet_app, ctx, hook):
    s = ctx
    server = hook(delay=0.02)
    target = channel(s, server.url)
    with db.database.atomic():
        for _ in range(40):
            send_test(target)
    results = []

    def worker():
        with quiet_app.app_context(), db.database.connection_context():
            total = 0
            while True:
                sent, failed = deliver_due(limit=5)
                total += sent
                if not sent and not failed and not Outbox.select().where(Outbox.sent_at.is_null()).exists():
                    break
            results.append(total)
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ids = [r['headers']['X-Houqin-Delivery'] for r in server.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(results) == 40 and all(results)  # both took a share
    assert Outbox.select().where(Outbox.sent_at.is_null()).count() == 0


@pytest.mark.slow
def test_two_notify_worker_processes_share_the_outbox(quiet_app, ctx, hook, database_url, tmp_path):
    """`flask houqin notify --once` twice at the same moment: each message goes out once."""
    s = ctx
    server = hook(delay=0.03)
    target = channel(s, server.url)
    with db.database.atomic():
        for _ in range(30):
            send_test(target)
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='x', HOUQIN_ENV='development',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'), HOUQIN_NOTIFY_TIMEOUT='5')
    workers = [subprocess.Popen([sys.executable, '-m', 'flask', '--app', 'app', 'houqin', 'notify', '--once'],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for _ in range(2)]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    ids = [r['headers']['X-Houqin-Delivery'] for r in server.received]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 30


# Senders --------------------------------------------------------------------------------------------------

def test_wecom_dingtalk_and_feishu_messages_are_signed_and_shaped_as_the_robots_expect(ctx, hook):
    s = ctx
    wecom = hook(check=lambda r: None if r['json'].get('msgtype') == 'text' and r['json']['text'].get('content')
                 else 'bad wecom message')
    ding = hook(check=dingtalk_check('SECdemo123'))
    fei = hook(check=feishu_check('feishu-secret'))
    channel(s, wecom.url + '?key=abc', kind='wecom', audience='managers')
    channel(s, ding.url + '?access_token=t', kind='dingtalk', audience='managers', secret='SECdemo123')
    channel(s, fei.url, kind='feishu', audience='managers', secret='feishu-secret')
    order = report_problem(s['campus'], place=s['room'], title='消防通道堵塞', hazard=True,
                           reporter=s['users']['teacher'])
    assert deliver() == (3, 0)
    manager_phone = s['users']['manager'].phone
    text = wecom.received[0]['json']['text']
    assert order.number in text['content'] and '安全隐患' in text['content'] and '消防通道堵塞' in text['content']
    assert manager_phone in text['mentioned_mobile_list']
    assert wecom.received[0]['query']['key'] == 'abc'
    assert ding.received[0]['query']['access_token'] == 't'
    assert manager_phone in ding.received[0]['json']['at']['atMobiles']
    assert '@' + manager_phone in ding.received[0]['json']['text']['content']
    assert order.number in fei.received[0]['json']['content']['text']
    # Robots cannot de-duplicate: each message ends with its delivery id, so a rare second copy is recognisable.
    ids = {str(row.id) for row in Outbox.select()}
    for content in (text['content'], ding.received[0]['json']['text']['content'],
                    fei.received[0]['json']['content']['text']):
        assert re.search(r'\n#(\d+)(\n|$)', content).group(1) in ids


def test_a_wrong_signature_is_an_error_and_retried(ctx, hook):
    s = ctx
    ding = hook(check=dingtalk_check('SECright'))
    channel(s, ding.url + '?access_token=t', kind='dingtalk', secret='SECwrong')
    report_problem(s['campus'], place=s['room'], title='x', hazard=True)
    assert deliver() == (0, 1)
    assert 'sign not match' in Outbox.get().last_error


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take a message: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.say('220 test ESMTP')
        sender, recipients = None, []
        while True:
            line = self.rfile.readline().decode('utf-8', 'replace').rstrip('\r\n')
            if not line:
                return
            verb = line.split(' ', 1)[0].upper()
            if verb in ('EHLO', 'HELO'):
                self.say('250-test\r\n250 8BITMIME' if verb == 'EHLO' else '250 test')
            elif verb == 'MAIL':
                sender = line[10:].strip('<>')
                self.say('250 OK')
            elif verb == 'RCPT':
                recipients.append(line[8:].strip('<>'))
                self.say('250 OK')
            elif verb == 'DATA':
                self.say('354 go ahead')
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b'.\r\n', b'.\n', b''):
                        break
                    data.append(chunk[1:] if chunk.startswith(b'..') else chunk)
                self.server.messages.append((sender, recipients, b''.join(data)))
                self.say('250 queued')
            elif verb == 'QUIT':
                self.say('221 bye')
                return
            else:
                self.say('250 OK')

    def say(self, text):
        self.wfile.write((text + '\r\n').encode())


def test_email_goes_out_over_smtp(database_url, tmp_path):
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), SMTPHandler)
    server.daemon_threads, server.messages = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False, SMTP_HOST='127.0.0.1',
                       SMTP_PORT=server.server_address[1], SMTP_FROM='houqin@school.test')
        from helpers import make_school
        school = make_school()
        with app.test_request_context('/'), db.database.connection_context():
            target = channel(school, '', kind='email', addresses='zongwu@school.test, zhang@school.test')
            order = report_problem(school['campus'], place=school['room'], title='电梯困人', hazard=True)
            assert deliver() == (1, 0)
            send_test(target)
            assert deliver() == (1, 0)
    finally:
        server.shutdown()
        server.server_close()
    sender, recipients, raw = server.messages[0]
    assert sender == 'houqin@school.test' and recipients == ['zongwu@school.test', 'zhang@school.test']
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert order.number in message['Subject'] and '电梯困人' in message.get_content()
    assert '测试消息' in email.message_from_bytes(server.messages[1][2], policy=email.policy.default)['Subject']


def test_email_without_an_smtp_server_records_why(ctx):
    channel(ctx, '', kind='email', addresses='a@school.test')
    report_problem(ctx['campus'], place=ctx['room'], title='x', hazard=True)
    assert deliver() == (0, 1)
    assert 'HOUQIN_SMTP_HOST' in Outbox.get().last_error


# Delivery after requests, and a hanging sender ----------------------------------------------------------

class HangingServer:
    """A server that accepts connections, reads, and never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(8)
        self.accepted = []
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}/hook'
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _address = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging_server():
    server = HangingServer()
    yield server
    server.close()


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class DripServer:
    """A receiver that reads the request, then answers one byte a second (in the status line or the body)."""

    def __init__(self, where):
        self.where, self.connections, self.closed = where, 0, []
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(8)
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}/hook'
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        started = time.monotonic()
        conn.recv(65536)
        head, tail = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n', b'{' * 60
        if self.where == 'body':
            conn.sendall(head)
        try:
            for byte in (head + tail if self.where == 'headers' else tail):
                conn.sendall(bytes([byte]))
                time.sleep(1)
        except OSError:  # the sender hung up
            self.closed.append(time.monotonic() - started)
        finally:
            conn.close()

    def close(self):
        self.listener.close()


@pytest.mark.parametrize('where', ['headers', 'body'])
def test_a_receiver_that_drips_is_cut_off_at_the_deadline_and_retried_later(quiet_app, ctx, where):
    """NOTIFY_TIMEOUT is the whole send, not one read: a receiver sending a byte a second is stopped after 3 s,
    well inside the claim's lease, so a second worker meanwhile finds the row claimed and sends nothing."""
    from houqin.notify.delivery import lease_seconds
    server = DripServer(where)
    try:
        channel(ctx, server.url)
        report_problem(ctx['campus'], place=ctx['room'], title='配电房有焦味', hazard=True)
        results = {}

        def first_worker():
            with quiet_app.app_context(), db.database.connection_context():
                started = time.monotonic()
                results['first'] = deliver_due()
                results['seconds'] = time.monotonic() - started
        thread = threading.Thread(target=first_worker)
        thread.start()
        assert wait_for(lambda: server.connections == 1, 5)
        time.sleep(1)
        assert deliver_due() == (0, 0)  # the second worker, while the first is still sending
        thread.join(timeout=20)
        assert results['first'] == (0, 1) and 3 <= results['seconds'] < 5
        assert lease_seconds() == 42 and results['seconds'] * 4 < lease_seconds()
        row = Outbox.get()
        assert (row.attempts, row.sent_at, row.claimed_by) == (1, None, None)
        assert 'no complete answer within 3 s' in row.last_error
        # The connection was dropped: the drip (60 s or more) sees it at its next byte or the one after.
        assert wait_for(lambda: server.closed, 5) and server.closed[0] < 10
        assert server.connections == 1
        tried_at = datetime.datetime.fromisoformat(row.attempt_log[0]['at'])
        assert round((row.next_attempt_at - tried_at).total_seconds()) in (15, 16)  # then the usual backoff
    finally:
        server.close()


def test_a_hanging_channel_does_not_delay_another_channels_message(quiet_app, ctx, hook, hanging_server):
    """Channels are delivered side by side: the hanging one's message waits for its deadline, the other's
    goes out at once."""
    hanging = channel(ctx, hanging_server.url, name='hangs')
    server = hook()
    working = channel(ctx, server.url, name='works')
    with db.database.atomic():
        send_test(hanging)  # queued first
        send_test(working)
    results = {}

    def deliver_in_background():
        with quiet_app.app_context(), db.database.connection_context():
            results['pass'] = deliver_due()
    started = time.monotonic()
    thread = threading.Thread(target=deliver_in_background)
    thread.start()
    assert wait_for(lambda: server.received, 10)
    assert time.monotonic() - started < 1.5  # the working channel's message did not wait for the hanging one
    # The hanging send is in flight (on a loaded machine its connection may be accepted just after the other's).
    assert wait_for(lambda: hanging_server.accepted, 2) and thread.is_alive()
    thread.join(timeout=20)
    assert results['pass'] == (1, 1)
    rows = {r.target_id: r for r in Outbox.select()}
    assert rows[working.id].sent_at is not None and rows[hanging.id].sent_at is None
    assert 'no complete answer within 3 s' in rows[hanging.id].last_error


def test_a_hanging_sender_does_not_block_a_web_request(database_url, tmp_path, hanging_server):
    app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=True, NOTIFY_TIMEOUT=30)
    from helpers import login, make_school
    school = make_school()
    with db.database.connection_context():
        channel(school, hanging_server.url)
    client = app.test_client()
    login(client, 'teacher')
    token = csrf_token(client, '/repairs/new')
    started = time.monotonic()
    response = client.post('/repairs/new', data={'csrf_token': token, 'place': school['room'].id,
                                                 'title': '教室漏电', 'hazard': '1'})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 10  # a generous bound: the sender below hangs for 30 s
    # The delivery thread has reached the server, which still has not answered: the request did not wait.
    assert wait_for(lambda: hanging_server.accepted)
    with db.database.connection_context():
        row = Outbox.get()
        assert row.sent_at is None and row.claimed_by is not None
    # Another page while the sender still hangs answers at once, too.
    started = time.monotonic()
    assert client.get('/repairs/mine').status_code == 200
    assert time.monotonic() - started < 10


def test_after_a_request_the_embedded_default_delivers_without_a_worker(database_url, tmp_path, hook):
    app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=True, NOTIFY_TIMEOUT=5)
    server = hook()
    from helpers import login, make_school
    school = make_school()
    with db.database.connection_context():
        channel(school, server.url, kind='wecom', audience='repair')
        RepairCategory.create(campus=school['campus'], key='electrical', assignee=school['users']['repair'])
    client = app.test_client()
    login(client, 'teacher')
    client.post('/repairs/new', data={'csrf_token': csrf_token(client, '/repairs/new'), 'place': school['room'].id,
                                      'title': '日光灯不亮', 'category': 'electrical'})
    assert wait_for(lambda: server.received)
    assert '日光灯不亮' in server.received[0]['json']['text']['content']
    with db.database.connection_context():
        assert wait_for(lambda: Outbox.get().sent_at is not None)


# The admin pages ------------------------------------------------------------------------------------------

def test_channel_admin_pages(quiet_app, hook):
    from helpers import login, make_school
    make_school()
    admin = quiet_app.test_client()
    login(admin, 'admin')
    token = csrf_token(admin, '/admin/notify/new')
    bad = admin.post('/admin/notify/new', data={'csrf_token': token, 'name': '后勤群', 'kind': 'dingtalk',
                                                'url': 'oapi.dingtalk.com/robot', 'audience': 'managers',
                                                'active': 'y'})
    assert bad.status_code == 200 and '以 https:// 开头' in bad.get_data(as_text=True)
    assert 'value="后勤群"' in bad.get_data(as_text=True)
    with db.database.connection_context():
        assert NotificationChannel.select().count() == 0
    bad_mail = admin.post('/admin/notify/new', data={'csrf_token': token, 'name': '邮件', 'kind': 'email',
                                                     'addresses': 'zongwu at school', 'audience': 'managers'})
    assert '不是电子邮件地址' in bad_mail.get_data(as_text=True)
    server = hook(check=dingtalk_check('SECabc'))
    made = admin.post('/admin/notify/new', data={'csrf_token': token, 'name': '后勤群', 'kind': 'dingtalk',
                                                 'url': server.url + '?access_token=t', 'secret': 'SECabc',
                                                 'audience': 'managers', 'active': 'y'})
    assert made.status_code == 302
    page = made.headers['Location']
    channel_id = int(page.rstrip('/').rsplit('/', 1)[1])
    html = admin.get(page).get_data(as_text=True)
    assert 'SECabc' not in html and '…Cabc' in html  # the secret is not shown back
    with db.database.connection_context():
        from houqin.models import AuditLog
        assert 'SECabc' not in json.dumps([a.after for a in AuditLog.select()], ensure_ascii=False)
    assert admin.post(f'/admin/notify/{channel_id}/test', data={'csrf_token': token}).status_code == 302
    with quiet_app.test_request_context('/'), db.database.connection_context():
        assert deliver() == (1, 0)
    assert '测试消息' in server.received[0]['json']['text']['content']
    assert '已发送' in admin.get(page).get_data(as_text=True)
    # Saving with an empty secret keeps the one saved before.
    saved = admin.post(page, data={'csrf_token': token, 'name': '后勤群', 'kind': 'dingtalk', 'url': server.url,
                                   'secret': '', 'audience': 'repair', 'active': 'y'})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    with db.database.connection_context():
        saved = NotificationChannel.get_by_id(channel_id)
        assert (saved.secret, saved.audience) == ('SECabc', 'repair')
    assert admin.post(f'/admin/notify/{channel_id}/delete', data={'csrf_token': token}).status_code == 302
    with db.database.connection_context():
        assert NotificationChannel.select().count() == 0 and Outbox.select().count() == 0
    assert '添加通知渠道' in admin.get('/admin/notify/').get_data(as_text=True)


@pytest.mark.slow
def test_the_notify_worker_runs_until_sigterm(quiet_app, ctx, hook, database_url, tmp_path):
    """`flask houqin notify` keeps delivering what is queued while it runs, and stops cleanly on SIGTERM."""
    import signal
    s = ctx
    server = hook()
    target = channel(s, server.url)
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='x', HOUQIN_ENV='development',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'))
    worker = subprocess.Popen([sys.executable, '-m', 'flask', '--app', 'app', 'houqin', 'notify', '--interval', '0.2'],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert b'Delivering notifications' in worker.stdout.readline()
        send_test(target)  # queued after the worker started
        assert wait_for(lambda: server.received)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err.decode()[-2000:]
    assert len(server.received) == 1
