"""The asset register (资产登记表, as it stands today) and the fire-extinguisher cards (消防器材卡片): one row
per extinguisher with each month's check, the problems found, refills and repairs, and its expiry."""
import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from houqin import clock
from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, chunks, keyset, place_paths
from houqin.models import ChecklistItem, Item, Record, Tag, WorkOrder
from houqin.vocab import ITEM_KIND_LABELS, ITEM_STATUS_LABELS, ORDER_STATUS_LABELS, label

EXPIRING_DAYS = 30  # as the assets list and the dashboard count "expiring soon"


def items(query, kind=None):
    """The campus's assets (of a kind) at the place filter."""
    rows = Item.select().where(Item.campus == query.campus)
    if kind:
        rows = rows.where(Item.kind == kind)
    return query.at_places(rows, Item.place)


ASSET_COLUMNS = (
    Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Kind')),
    Column(_l('Where'), width=34), Column(_l('Custodian'), width=12), Column(_l('Status')),
    Column(_l('Purchased on'), 'date'), Column(_l('Expires on'), 'date'), Column(_l('Label code'), width=12),
    Column(_l('Registered at'), 'datetime'))


def asset_rows(query):
    """One row per asset, in the order they were registered."""
    paths = place_paths(query.campus)

    def flush(batch):
        tokens = {t.item_id: t.token for t in Tag.select(Tag.item, Tag.token).where(
            Tag.item.in_([i.id for i in batch]) & (Tag.status == 'active'))}
        for i in batch:
            yield (i.asset_number, i.name, label(ITEM_KIND_LABELS, i.kind), paths.get(i.place_id, ''), i.custodian,
                   label(ITEM_STATUS_LABELS, i.status), i.purchased_on, i.expires_on, tokens.get(i.id, ''),
                   i.created_at)

    for batch in chunks(keyset(items(query), Item.created_at, Item.id)):
        yield from flush(batch)


def months(first, last):
    """The (year, month) pairs the period touches, in order."""
    found, day = [], first.replace(day=1)
    while day <= last:
        found.append((day.year, day.month))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return found


def expiry_text(expires_on, today):
    """已过期 / 30 天内到期 / ''."""
    if expires_on is None:
        return ''
    if expires_on < today:
        return _l('Expired')
    if expires_on <= today + datetime.timedelta(days=EXPIRING_DAYS):
        return _l('Expires within 30 days')
    return ''


def capacity(value):
    """An extinguisher's capacity in kg as a number, or None when the attribute is not one."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def card_sheet(query):
    """The cards' sheet: fixed columns, one check column per month of the period, then problems and repairs."""
    zone, month_list = query.zone, months(query.first, query.last)
    columns = (Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Where'), width=34),
               Column(_l('Extinguishing agent'), width=12), Column(_l('Capacity (kg)'), 'decimal'),
               Column(_l('Status')), Column(_l('Purchased on'), 'date'), Column(_l('Expires on'), 'date'),
               Column(_l('Expiry')),) + tuple(
        Column(_l('Checked %(month)s', month=f'{y}-{m:02d}'), 'date', width=14) for y, m in month_list) + (
        Column(_l('Last checked'), 'datetime'), Column(_l('Checked by'), width=12),
        Column(_l('Problems found'), width=36), Column(_l('Refills and repairs'), width=36))

    def rows(q):
        names, paths, today = Names(q.campus), place_paths(q.campus), q.campus.today()
        start, end = q.bounds
        questions = {}
        for item in keyset(items(q, 'fire_extinguisher'), Item.created_at, Item.id):
            checks = list(q.in_period(Record.select().where((Record.item == item.id)
                                                            & (Record.activity == 'inspection')), Record.created_at)
                          .order_by(Record.created_at, Record.id))
            by_month = {}
            for r in checks:
                local = clock.to_local(r.created_at, zone)
                by_month.setdefault((local.year, local.month), local.date())
            problems = []
            for r in checks:
                values = (r.answers or {}).get('values') or {}
                if r.template_id not in questions:
                    questions[r.template_id] = {str(c.id): c.label for c in ChecklistItem.select(
                        ChecklistItem.id, ChecklistItem.label).where(ChecklistItem.template == r.template_id)}
                failed = [questions[r.template_id].get(k, k) for k, v in values.items() if v == 'fail']
                if failed or r.note:
                    day = clock.format_local(r.created_at, zone, '%Y-%m-%d')
                    problems.append(f'{day} ' + '、'.join(failed + ([r.note] if r.note else [])))
            repairs = [f'{o.number} {clock.format_local(o.created_at, zone, "%Y-%m-%d")} {o.title}'
                       f' ({label(ORDER_STATUS_LABELS, o.status)})' for o in WorkOrder.select().where(
                (WorkOrder.item == item.id) & (WorkOrder.created_at >= start) & (WorkOrder.created_at < end))
                .order_by(WorkOrder.created_at, WorkOrder.id)]
            attributes = item.attributes or {}
            last = checks[-1] if checks else None
            yield ((item.asset_number, item.name, paths.get(item.place_id, ''), attributes.get('agent', ''),
                    capacity(attributes.get('capacity_kg')), label(ITEM_STATUS_LABELS, item.status), item.purchased_on,
                    item.expires_on, expiry_text(item.expires_on, today))
                   + tuple(by_month.get(m) for m in month_list)
                   + (last.created_at if last else None, names[last.user_id] if last and last.user_id else '',
                      '；'.join(problems), '；'.join(repairs)))
    return [Sheet(_l('Extinguisher cards'), columns, rows, lambda q: items(q, 'fire_extinguisher').count())]


LEDGERS = (
    Ledger('extinguishers', _l('Fire extinguisher cards'), card_sheet, filters=('place',),
           description=_l('One row per extinguisher: each month\'s check, problems found, refills and repairs, and '
                          'its expiry.')),
    Ledger('assets', _l('Asset register'), (Sheet(_l('Assets'), ASSET_COLUMNS, asset_rows,
                                                  lambda query: items(query).count()),),
           filters=('place',), description=_l('The register as it stands today: every asset, where it is, who '
                                              'keeps it and its status.')),
)
