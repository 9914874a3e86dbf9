"""The term's repair counts straight from the orders: by category, parts used, time to close, overdue share, ledger."""
import datetime
import statistics
from decimal import Decimal

from houqin.clock import days_bounds, utcnow, zone_name
from houqin.models import WorkOrder, WorkOrderEvent
from houqin.repairs.workflow import WAITING_STATUSES
from houqin.vocab import CATEGORY_LABELS


def current_term(today):
    """(first day, last day) of the school term around a date: spring Feb–Jul, autumn Aug–Jan."""
    if 2 <= today.month <= 7:
        return datetime.date(today.year, 2, 1), datetime.date(today.year, 7, 31)
    start_year = today.year if today.month >= 8 else today.year - 1
    return datetime.date(start_year, 8, 1), datetime.date(start_year + 1, 1, 31)


def orders_between(campus, start, end):
    """Orders reported from the start day to the end day (campus dates, each day by its own UTC offset)."""
    low, high = days_bounds(start, end, zone_name(campus))
    return list(WorkOrder.select().where((WorkOrder.campus == campus) & (WorkOrder.created_at >= low)
                                         & (WorkOrder.created_at < high)).order_by(WorkOrder.created_at))


def first_finish_times(orders):
    """{order id: when it was first reported done}."""
    found = {}
    ids = [o.id for o in orders]
    if not ids:
        return found
    for order_id, when in (WorkOrderEvent.select(WorkOrderEvent.order, WorkOrderEvent.created_at)
                           .where(WorkOrderEvent.order.in_(ids) & (WorkOrderEvent.action == 'finish'))
                           .order_by(WorkOrderEvent.created_at).tuples()):
        found.setdefault(order_id, when)
    return found


def parts_used(orders):
    """[(part name, total quantity)] over every finished repair of the orders, most used first."""
    totals = {}
    ids = [o.id for o in orders]
    if not ids:
        return []
    for (data,) in (WorkOrderEvent.select(WorkOrderEvent.data)
                    .where(WorkOrderEvent.order.in_(ids) & (WorkOrderEvent.action == 'finish')).tuples()):
        for part in (data or {}).get('parts') or ():
            name = part['name'].strip()
            totals[name] = totals.get(name, 0) + int(part['qty'])
    return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))


def term_counts(orders, now=None):
    """What the logistics head reports each term, from these orders (merged duplicates left out)."""
    now = now or utcnow()
    real = [o for o in orders if o.status != 'merged']
    finished = first_finish_times(real)
    by_category = {key: 0 for key in CATEGORY_LABELS}
    for o in real:
        by_category[o.category] = by_category.get(o.category, 0) + 1
    close_hours = [(o.closed_at - o.created_at).total_seconds() / 3600 for o in real
                   if o.status == 'closed' and o.closed_at]
    with_due = [o for o in real if o.due_at and o.status != 'rejected']
    overdue = [o for o in with_due if (finished[o.id] > o.due_at if o.id in finished
                                       else o.status in WAITING_STATUSES and o.due_at < now)]
    compensated = [o for o in real if o.compensation is not None]
    return {
        'total': len(real),
        'open': sum(1 for o in real if o.status not in ('closed', 'rejected')),
        'closed': sum(1 for o in real if o.status == 'closed'),
        'rejected': sum(1 for o in real if o.status == 'rejected'),
        'hazards': sum(1 for o in real if o.hazard),
        'by_category': [(key, n) for key, n in by_category.items() if n],
        'parts': parts_used(real),
        'median_close_hours': statistics.median(close_hours) if close_hours else None,
        'overdue': len(overdue),
        'overdue_share': len(overdue) / len(with_due) if with_due else None,
        'cost': sum((o.cost for o in real if o.cost is not None), Decimal('0')),
        'compensated': compensated,
        'compensation': sum((o.compensation for o in compensated), Decimal('0')),
    }

