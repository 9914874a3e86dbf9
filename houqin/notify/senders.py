"""The senders: WeCom, DingTalk and Feishu group robots, a JSON webhook, and e-mail over SMTP.

Every send has one total deadline (NOTIFY_TIMEOUT seconds), not only a timeout per socket read: a receiver
that answers one byte a second would otherwise hold a send for ever. A watchdog timer shuts the send's
sockets down when the deadline passes, which wakes a blocked read at once; the attempt then fails and is
retried with backoff. The deadline is far inside the delivery claim's lease, so no other worker takes a row
over while its send is still running.
"""
import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

from flask import current_app, has_app_context


class SendFailed(Exception):
    """A delivery attempt failed; the message is recorded on the outbox row."""


def timeout_seconds():
    """Seconds one send may take in all: connecting, sending and reading the reply."""
    return float(current_app.config.get('NOTIFY_TIMEOUT', 10)) if has_app_context() else 10.0


class Deadline:
    """A send's total time limit: sockets registered with it are shut down when the time is up."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self.sockets = []
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        return False

    def watch(self, sock):
        """Shut this socket down at the deadline (at once if it has passed)."""
        with self.lock:
            self.sockets.append(sock)
            expired = self.expired
        if expired:
            shut(sock)

    def expire(self):
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            shut(sock)

    def failure(self, exc):
        """The SendFailed for an exception raised during this send."""
        # A socket read timing out waited the whole limit (each read's timeout is the limit): the deadline too,
        # even when a loaded machine ran the socket's timeout before the deadline's timer.
        timed_out = isinstance(exc, TimeoutError) or isinstance(getattr(exc, 'reason', None), TimeoutError)
        if self.expired or timed_out:
            return SendFailed(f'no complete answer within {self.seconds:g} s (HOUQIN_NOTIFY_TIMEOUT); stopped')
        return SendFailed(f'{type(exc).__name__}: {getattr(exc, "reason", exc)}'[:500])


def shut(sock):
    """Wake any read blocked on the socket and refuse further ones."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError):
        pass


def watched(connection_class, deadline):
    """An http.client connection class whose sockets the deadline shuts down."""
    class Watched(connection_class):
        def connect(self):
            super().connect()
            deadline.watch(self.sock)
    return Watched


class WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(watched(http.client.HTTPConnection, self.deadline), req)


class WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(watched(http.client.HTTPSConnection, self.deadline), req, context=self._context)


def post_json(url, payload, headers=None):
    """POST JSON and return the decoded reply (or {}); SendFailed on a network error, a non-2xx status or
    when the whole exchange takes longer than the send's deadline."""
    body = json.dumps(payload, ensure_ascii=False).encode('utf-8')
    request = urllib.request.Request(url, data=body, method='POST', headers={
        'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'houqin', **(headers or {})})
    limit = timeout_seconds()
    with Deadline(limit) as deadline:
        opener = urllib.request.build_opener(WatchedHTTPHandler(deadline), WatchedHTTPSHandler(deadline))
        try:
            with opener.open(request, timeout=limit) as response:
                text = response.read(65536).decode('utf-8', 'replace')
        except urllib.error.HTTPError as exc:
            if deadline.expired:
                raise deadline.failure(exc)
            try:
                detail = exc.read(500).decode('utf-8', 'replace')
            except (OSError, http.client.HTTPException):
                detail = ''
            raise SendFailed(f'HTTP {exc.code}: {detail}')
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            raise deadline.failure(exc)
        if deadline.expired:
            raise deadline.failure(None)
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


def robot_text(row):
    """The message as a group robot shows it, ending with its delivery id: robots cannot de-duplicate, so the rare
    second copy (a worker killed mid-send) carries the same number for people to recognise."""
    return f'{row.body}\n#{row.id}'


def send_wecom(channel, row):
    """WeCom group robot: a text message, @-mentioning recipients by mobile."""
    text = {'content': robot_text(row)}
    if row.recipient:
        text['mentioned_mobile_list'] = row.recipient.split(',')
    check_reply(post_json(channel.url, {'msgtype': 'text', 'text': text}), 'errcode')


def send_dingtalk(channel, row):
    """DingTalk group robot, signed when the robot has a secret; mentions need @mobile in the text."""
    mobiles = row.recipient.split(',') if row.recipient else []
    content = robot_text(row) + ('\n' + ' '.join('@' + m for m in mobiles) if mobiles else '')
    url = dingtalk_signed_url(channel.url, channel.secret, int(time.time() * 1000)) if channel.secret else channel.url
    check_reply(post_json(url, {'msgtype': 'text', 'text': {'content': content},
                                'at': {'atMobiles': mobiles, 'isAtAll': False}}), 'errcode')


def send_feishu(channel, row):
    """Feishu/Lark custom bot, with timestamp and sign in the body when the bot has a secret."""
    payload = {'msg_type': 'text', 'content': {'text': robot_text(row)}}
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
    cls = smtplib.SMTP_SSL if security == 'ssl' else smtplib.SMTP
    limit = timeout_seconds()
    with Deadline(limit) as deadline:
        try:
            with cls(timeout=limit) as smtp:
                smtp.connect(config['SMTP_HOST'], port)
                deadline.watch(smtp.sock)
                if security == 'starttls':
                    smtp.starttls()
                    deadline.watch(smtp.sock)
                if config.get('SMTP_USER'):
                    smtp.login(config['SMTP_USER'], config.get('SMTP_PASSWORD') or '')
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise deadline.failure(exc)
        if deadline.expired:
            raise deadline.failure(None)


SENDERS = {'wecom': send_wecom, 'dingtalk': send_dingtalk, 'feishu': send_feishu, 'webhook': send_webhook,
           'email': send_email}


