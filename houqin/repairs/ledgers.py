"""The repairs ledger (维修登记台账): one row per work order reported in the period."""
from flask_babel import lazy_gettext as _l

from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, chunks, keyset, place_paths
from houqin.models import Item, WorkOrder, WorkOrderEvent
from houqin.vocab import CATEGORY_LABELS, ORDER_STATUS_LABELS, PRIORITY_LABELS, label

COLUMNS = (
    Column(_l('Number'), width=11), Column(_l('Reported at'), 'datetime'), Column(_l('Where'), width=30),
    Column(_l('Asset'), width=16), Column(_l('Problem reported'), width=30), Column(_l('Category')), Column(_l('Priority')),
    Column(_l('Safety hazard')), Column(_l('Status')), Column(_l('Reported by'), width=12),
    Column(_l('Repaired by'), width=12), Column(_l('Parts used'), width=24), Column(_l('Cost'), 'decimal'),
    Column(_l('Liable party'), width=16), Column(_l('Compensation'), 'decimal'), Column(_l('Due'), 'datetime'),
    Column(_l('Done at'), 'datetime'), Column(_l('Closed at'), 'datetime'))


def orders(query):
    """The campus's work orders reported in the period, at the place filter, reported or repaired by the person."""
    rows = query.in_period(WorkOrder.select().where(WorkOrder.campus == query.campus), WorkOrder.created_at)
    rows = query.at_places(rows, WorkOrder.place)
    if query.person is not None:
        rows = rows.where((WorkOrder.reporter == query.person.id) | (WorkOrder.assignee == query.person.id))
    return rows


def finishes(order_ids):
    """{order id: (first finish time, [parts of every finish])} for some orders."""
    found = {}
    for order_id, when, data in (WorkOrderEvent.select(WorkOrderEvent.order, WorkOrderEvent.created_at,
                                                       WorkOrderEvent.data)
                                 .where(WorkOrderEvent.order.in_(order_ids) & (WorkOrderEvent.action == 'finish'))
                                 .order_by(WorkOrderEvent.created_at, WorkOrderEvent.id).tuples()):
        first, parts = found.setdefault(order_id, (when, []))
        parts.extend((data or {}).get('parts') or ())
    return found


def parts_text(parts):
    """灯管×2、启辉器×1."""
    return '、'.join(f'{p["name"]}×{p["qty"]}' for p in parts)


def order_rows(query):
    """One row per order, in the order they were reported."""
    names, paths = Names(query.campus), place_paths(query.campus)

    def flush(batch):
        done = finishes([o.id for o in batch])
        items = {i.id: i.name for i in Item.select(Item.id, Item.name)
                 .where(Item.id.in_([o.item_id for o in batch if o.item_id]))}
        for o in batch:
            finished, parts = done.get(o.id, (None, []))
            yield (o.number, o.created_at, paths.get(o.place_id, ''), items.get(o.item_id, ''), o.title,
                   label(CATEGORY_LABELS, o.category), label(PRIORITY_LABELS, o.priority), _l('yes') if o.hazard else '',
                   label(ORDER_STATUS_LABELS, o.status), names[o.reporter_id] if o.reporter_id else o.reporter_name,
                   names[o.assignee_id] if o.assignee_id else '', parts_text(parts), o.cost, o.liable_party,
                   o.compensation, o.due_at, finished, o.closed_at)

    for batch in chunks(keyset(orders(query), WorkOrder.created_at, WorkOrder.id)):
        yield from flush(batch)


def count(query):
    """How many rows the ledger has (what tests compare with)."""
    return orders(query).count()


LEDGERS = (Ledger('repairs', _l('Repair ledger'), (Sheet(_l('Work orders'), COLUMNS, order_rows, count),),
                  filters=('place', 'person'), description=_l('Number, place, category, parts, cost, compensation, '
                                                              'times and status of every repair reported.')),)
