"""What repairs tell people: the notices an order's events cause, and the overdue notices."""
from flask_babel import force_locale, gettext as _

from houqin.clock import format_local
from houqin.models import Campus, Place
from houqin.notify.outbox import Notice, TOPIC_LABELS, enqueue_first, message_locale, people_with_roles
from houqin.vocab import CATEGORY_LABELS, MANAGER_ROLES, ORDER_STATUS_LABELS, PRIORITY_LABELS


def topics_for(order, event):
    """[(topic, recipients)] an event causes, most urgent first (pure but for looking people up)."""
    managers = lambda: people_with_roles(order.campus_id, MANAGER_ROLES)  # noqa: E731
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


def on_order_event(order, event):
    """Write the outbox rows an order event causes (call inside the event's transaction)."""
    notices = [order_notice(topic, order, people) for topic, people in topics_for(order, event)]
    if notices:
        enqueue_first(order.campus_id, notices)


def order_notice(topic, order, people):
    """A notice about an order for the people, naming those each channel reaches."""
    subject, body = order_message(topic, order)
    return Notice(topic, subject, body, list(people), link=f'/repairs/{order.id}', mention=True, order=order)


def order_message(topic, order):
    """(subject, text) of a notification about an order, in the site's default language."""
    with force_locale(message_locale()):
        label = str(TOPIC_LABELS.get(topic, topic))
        place = Place.get_or_none(Place.id == order.place_id)
        lines = [f'【{label}】{order.number} {order.title}']
        if place is not None:
            lines.append(_('Where: %(place)s', place=place.path()) +
                         (f' · {order.item.name}' if order.item_id else ''))
        lines.append(_('Category: %(category)s · priority: %(priority)s · status: %(status)s',
                       category=CATEGORY_LABELS.get(order.category, order.category),
                       priority=PRIORITY_LABELS.get(order.priority, order.priority),
                       status=ORDER_STATUS_LABELS.get(order.status, order.status)))
        if order.description:
            lines.append(order.description[:300])
        reporter = order.reporter.name if order.reporter_id else order.reporter_name
        if reporter:
            lines.append(_('Reported by %(name)s', name=reporter))
        if order.due_at and topic in ('hazard', 'reported', 'assigned', 'overdue', 'reopened'):
            lines.append(_('Due by %(time)s', time=format_local(order.due_at, Campus.zone_of(order.campus_id))))
        return lines[0], '\n'.join(lines)
