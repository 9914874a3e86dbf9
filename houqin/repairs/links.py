"""Follow links: each anonymous reporter's own secret link to a work order, and what its page may show.

The first reporter's link is the order's `follow_secret`. Someone who joins with "same problem" gets a link of
their own, `<record id>-<HMAC of the order's secret and that record>`, so it never reveals the first link, and
resolving it needs nothing stored. A link's page shows the order's public status, what its holder reported
and added, and everybody else's steps only as steps (what happened, when): no names, no notes, no photos.
"""
import base64
import hashlib
import hmac
import re

from flask import current_app, url_for

from houqin.models import Record, WorkOrder, WorkOrderEvent

JOIN_LINK = re.compile(r'([0-9]{1,12})-([A-Za-z0-9_-]{22})')
ORDER_HOLDER = 'order'  # the holder key of the first reporter's link


class FollowLink:
    """A resolved follow link: the order, who holds the link (ORDER_HOLDER or 'r<record id>'), their record."""

    def __init__(self, order, holder, record=None):
        self.order, self.holder, self.record = order, holder, record

    @property
    def secret(self):
        """The secret part of this link's URL."""
        if self.record is None:
            return self.order.follow_secret
        return join_secret(self.order, self.record)

    def owns(self, event):
        """True when this link's holder made the event (their report, or what they added through the link)."""
        if (event.data or {}).get('link'):
            return event.data['link'] == self.holder
        return self.record is None and event.action == 'report'


def join_secret(order, record):
    """The secret of the follow link of someone who joined `order` with `record`."""
    key = current_app.config['SECRET_KEY'].encode('utf-8')
    mac = hmac.new(key, f'follow:{order.follow_secret}:{record.id}'.encode('utf-8'), hashlib.sha256).digest()
    return f'{record.id}-{base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")}'


def secret_for(order, record=None):
    """The secret of the follow link of the first reporter (record None) or of the one who joined with `record`."""
    return join_secret(order, record) if record is not None and is_join(record, order) else order.follow_secret


def follow_link_for(order, record=None, external=False):
    """The follow link's path (or full URL) for the first reporter or for the one who joined with `record`."""
    return url_for('repairs.follow', secret=secret_for(order, record), _external=external)


def is_join(record, order):
    """True when the record is a "same problem" that joined this order (not the report that opened it)."""
    return (record.answers or {}).get('joined') == order.id


def resolve(secret):
    """The FollowLink this secret opens, or None."""
    secret = (secret or '')[:40]
    found = JOIN_LINK.fullmatch(secret)
    if found is None:
        order = WorkOrder.get_or_none(WorkOrder.follow_secret == secret) if secret else None
        return FollowLink(order, ORDER_HOLDER) if order else None
    record = Record.get_or_none(Record.id == int(found.group(1)))
    joined = (record.answers or {}).get('joined') if record is not None else None
    order = WorkOrder.get_or_none(WorkOrder.id == joined) if isinstance(joined, int) else None
    if order is None or not hmac.compare_digest(join_secret(order, record), secret):
        return None
    return FollowLink(order, f'r{record.id}', record)


def resolve_many(secrets):
    """The FollowLinks these secrets open, in their order, leaving out those that open nothing (one query for
    first reporters' links, two for each joiner's)."""
    plain = [s for s in secrets if JOIN_LINK.fullmatch(s) is None]
    orders = {o.follow_secret: o for o in WorkOrder.select().where(WorkOrder.follow_secret.in_(plain))} if plain else {}
    found = []
    for secret in secrets:
        if secret in orders:
            found.append(FollowLink(orders[secret], ORDER_HOLDER))
        elif secret not in plain and (link := resolve(secret)) is not None:
            found.append(link)
    return found


def mark_as_holders(event, link):
    """Note on an event that this link's holder added it, so their page shows it in full."""
    WorkOrderEvent.update(data={**(event.data or {}), 'link': link.holder}).where(WorkOrderEvent.id == event.id).execute()
