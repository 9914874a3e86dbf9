"""The outbox: who hears what, and one row per channel written in the same transaction as the event.

Areas say what happened (a topic, a subject, a text, who should hear it); this module finds the campus's
active channels that reach those people and queues the rows that delivery.py sends.
"""
import dataclasses

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from houqin.db import write_transaction
from houqin.models import Membership, NotificationChannel, Outbox, User
from houqin.vocab import MANAGER_ROLES, ROLES

CHANNEL_KINDS = {
    'wecom': _l('WeCom group robot'), 'dingtalk': _l('DingTalk group robot'), 'feishu': _l('Feishu / Lark bot'),
    'webhook': _l('JSON webhook'), 'email': _l('E-mail'),
}
AUDIENCES = {
    'managers': _l('Logistics heads and administrators'), 'repair': _l('Repair workers'),
    'staff': _l('All staff'), 'person': _l('One person'),
}
AUDIENCE_ROLES = {'managers': MANAGER_ROLES, 'repair': {'repair'},
                  'staff': frozenset(ROLES)}
TOPIC_LABELS = {
    'hazard': _l('Safety hazard'), 'reported': _l('New repair'), 'assigned': _l('Assigned to you'),
    'overdue': _l('Overdue'), 'done': _l('Repair done'), 'reopened': _l('Reopened'), 'patrol': _l('Patrol'),
    'test': _l('Test message'),
}


@dataclasses.dataclass
class Notice:
    """One thing to tell people: its topic and words, who should hear it, and what it is about."""
    topic: str
    subject: str
    body: str
    people: list = dataclasses.field(default_factory=list)
    link: str = ''          # a path on this site, added to the text as a full address
    mention: bool = False   # end the text with the names of the people the channel reaches (@张三)
    order: object = None    # the work order it is about, for webhooks


def people_with_roles(campus_id, roles):
    """Active users holding one of the roles on the campus."""
    return list(User.select().join(Membership).where(
        (Membership.campus == campus_id) & Membership.role.in_(list(roles)) & User.active))


def reaches(channel, user, roles):
    """True when a channel reaches this user ({user id: role} on the channel's campus)."""
    if channel.audience == 'person':
        return channel.user_id == user.id
    return roles.get(user.id) in AUDIENCE_ROLES.get(channel.audience, ())


def enqueue(campus_id, topic, subject, body, *, roles=(), people=(), link='', mention=False, order=None):
    """Queue a notice for the people and every holder of the roles, on each channel that reaches one of them."""
    people = list(people)
    known = {p.id for p in people}
    people += [p for p in people_with_roles(campus_id, roles) if p.id not in known] if roles else []
    notice = Notice(topic, subject, body, people, link=link, mention=mention, order=order)
    return enqueue_first(campus_id, [notice])


def enqueue_first(campus_id, notices, channels=None, always=False):
    """One outbox row per active channel: the first of the notices (most urgent first) that reaches someone there.

    With `always`, a channel gets the first notice even when it reaches nobody (a test message).
    """
    channels = channels if channels is not None else list(NotificationChannel.select().where(
        (NotificationChannel.campus == campus_id) & NotificationChannel.active))
    if not channels:
        return []
    roles = dict(Membership.select(Membership.user, Membership.role).where(Membership.campus == campus_id).tuples())
    base = current_app.config.get('BASE_URL', '') if has_app_context() else ''
    rows = []
    for channel in channels:
        for notice in notices:
            reached = [u for u in notice.people if reaches(channel, u, roles)]
            if reached or always:
                lines = [notice.body]
                if notice.mention and reached:
                    lines.append(' '.join('@' + u.name for u in reached))
                if notice.link:
                    lines.append(base + notice.link)
                rows.append(Outbox.create(
                    campus=campus_id, channel=channel.kind, target=channel, topic=notice.topic, order=notice.order,
                    recipient=','.join(u.phone for u in reached if u.phone)[:255], subject=notice.subject[:200],
                    body='\n'.join(lines)))
                break
    if rows:
        written_now()
    return rows


def message_locale():
    """The language notifications are written in: the site's default."""
    return current_app.config.get('DEFAULT_LOCALE', 'zh_CN') if has_app_context() else 'zh_CN'


def send_test(channel):
    """Queue a test message on one channel (delivered like any other)."""
    with force_locale(message_locale()):
        notice = Notice('test', f'【{TOPIC_LABELS["test"]}】houqin',
                        _('This is a test message from houqin. If you can read it, this channel works.'))
    with write_transaction():
        return enqueue_first(channel.campus_id, [notice], channels=[channel], always=True)[0]


def written_now():
    """Note that this request queued notifications, so delivery starts as soon as the response is out."""
    if has_request_context():
        g.notify_written = True
