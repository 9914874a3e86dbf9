"""The loan ledger (借用登记表) — every loan lent in the period, and the transfers (部门转移) asked in it — and the
off-campus permit ledger (出门条登记) with the gate's checks, so the paper registers can be filed and signed."""
from flask_babel import lazy_gettext as _l

from houqin.assets.transfers import STATUS_LABELS
from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, chunks, keyset, place_paths
from houqin.models import GateCheck, GatePermit, Item, Loan, Transfer
from houqin.vocab import label

LOAN_COLUMNS = (
    Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Borrower'), width=12),
    Column(_l('Department or class'), width=14), Column(_l('Lent on'), 'date'), Column(_l('Due back on'), 'date'),
    Column(_l('Lent by'), width=12), Column(_l('Returned at'), 'datetime'), Column(_l('Taken back by'), width=12),
    Column(_l('State')), Column(_l('Note'), width=30))
TRANSFER_COLUMNS = (
    Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Asked at'), 'datetime'),
    Column(_l('Asked by'), width=12), Column(_l('From'), width=30), Column(_l('To'), width=30),
    Column(_l('Department'), width=20), Column(_l('Custodian'), width=20), Column(_l('Why'), width=30),
    Column(_l('Decision')), Column(_l('Decided by'), width=12), Column(_l('Decided at'), 'datetime'))
PERMIT_COLUMNS = (
    Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Who takes it out'), width=12),
    Column(_l('Department or class'), width=14), Column(_l('Why'), width=30), Column(_l('Valid from'), 'datetime'),
    Column(_l('Valid until'), 'datetime'), Column(_l('Issued by'), width=12), Column(_l('Issued at'), 'datetime'),
    Column(_l('Cancelled at'), 'datetime'))
CHECK_COLUMNS = (
    Column(_l('Checked at'), 'datetime'), Column(_l('Asset number'), width=14), Column(_l('Name'), width=20),
    Column(_l('Gate result'), width=10), Column(_l('Guard'), width=12), Column(_l('Permit holder'), width=12))


def items_of(batch, field):
    """{item id: Item} for a batch of rows."""
    ids = [getattr(row, field) for row in batch]
    return {i.id: i for i in Item.select(Item.id, Item.asset_number, Item.name).where(Item.id.in_(ids))}


def lent(query):
    """The campus's loans lent on a day of the period, lent by the person filter."""
    rows = Loan.select().where((Loan.campus == query.campus) & (Loan.lent_on >= query.first)
                               & (Loan.lent_on <= query.last))
    return query.by_person(rows, Loan.lent_by)


def loan_state(loan, today):
    """已归还 / 逾期 / 在借."""
    if loan.returned_at is not None:
        return _l('Returned')
    return _l('Past due') if loan.due_on < today else _l('On loan')


def loan_rows(query):
    """One row per loan, by the day it was lent."""
    names, today = Names(query.campus), query.campus.today()
    for batch in chunks(keyset(lent(query), Loan.lent_on, Loan.id)):
        items = items_of(batch, 'item_id')
        for loan in batch:
            item = items.get(loan.item_id)
            yield (item.asset_number if item else '', item.name if item else '', loan.borrower_name,
                   loan.borrower_unit, loan.lent_on, loan.due_on, names[loan.lent_by_id], loan.returned_at,
                   names[loan.returned_by_id] if loan.returned_by_id else '', loan_state(loan, today), loan.note)


def asked(query):
    """The campus's transfers asked in the period, by the person filter."""
    rows = query.in_period(Transfer.select().where(Transfer.campus == query.campus), Transfer.requested_at)
    return query.by_person(rows, Transfer.requested_by)


def change(before, after):
    """'a → b' when something changes, else ''."""
    return f'{before or "—"} → {after}' if after else ''


def transfer_rows(query):
    """One row per transfer request, in the order they were asked."""
    names, paths = Names(query.campus), place_paths(query.campus)
    for batch in chunks(keyset(asked(query), Transfer.requested_at, Transfer.id)):
        items = items_of(batch, 'item_id')
        for t in batch:
            item = items.get(t.item_id)
            yield (item.asset_number if item else '', item.name if item else '', t.requested_at,
                   names[t.requested_by_id], paths.get(t.from_place_id, ''),
                   paths.get(t.to_place_id, '') if t.to_place_id else '', change(t.from_department, t.to_department),
                   change(t.from_custodian, t.to_custodian), t.reason, label(STATUS_LABELS, t.status),
                   names[t.decided_by_id] if t.decided_by_id else '', t.decided_at)


def issued(query):
    """The campus's permits issued in the period, by the person filter."""
    rows = query.in_period(GatePermit.select().where(GatePermit.campus == query.campus), GatePermit.issued_at)
    return query.by_person(rows, GatePermit.issued_by)


def permit_rows(query):
    """One row per permit, in the order they were issued."""
    names = Names(query.campus)
    for batch in chunks(keyset(issued(query), GatePermit.issued_at, GatePermit.id)):
        items = items_of(batch, 'item_id')
        for p in batch:
            item = items.get(p.item_id)
            yield (item.asset_number if item else '', item.name if item else '', p.carrier_name, p.carrier_unit,
                   p.reason, p.valid_from, p.valid_until, names[p.issued_by_id], p.issued_at, p.cancelled_at)


def checked(query):
    """The campus's gate checks in the period, by the person filter (the guard)."""
    rows = query.in_period(GateCheck.select().where(GateCheck.campus == query.campus), GateCheck.checked_at)
    return query.by_person(rows, GateCheck.user)


def check_rows(query):
    """One row per gate check, in time order."""
    names = Names(query.campus)
    for batch in chunks(keyset(checked(query), GateCheck.checked_at, GateCheck.id)):
        items = items_of(batch, 'item_id')
        holders = {p.id: p.carrier_name for p in GatePermit.select(GatePermit.id, GatePermit.carrier_name)
                   .where(GatePermit.id.in_([c.permit_id for c in batch if c.permit_id]))}
        for c in batch:
            item = items.get(c.item_id)
            yield (c.checked_at, item.asset_number if item else '', item.name if item else '',
                   _l('Allowed out') if c.allowed else _l('Not allowed out'), names[c.user_id],
                   holders.get(c.permit_id, ''))


LEDGERS = (
    Ledger('loans', _l('Loan register'),
           (Sheet(_l('Loans'), LOAN_COLUMNS, loan_rows, lambda query: lent(query).count()),
            Sheet(_l('Transfers'), TRANSFER_COLUMNS, transfer_rows, lambda query: asked(query).count())),
           filters=('person',),
           description=_l('Every asset lent in the period: to whom, from when, due back when, returned when and '
                          'to whom; and every transfer asked in it, with who asked and who decided.')),
    Ledger('permits', _l('Off-campus permit register'),
           (Sheet(_l('Off-campus permits'), PERMIT_COLUMNS, permit_rows, lambda query: issued(query).count()),
            Sheet(_l('Gate checks'), CHECK_COLUMNS, check_rows, lambda query: checked(query).count())),
           filters=('person',),
           description=_l('Every off-campus permit issued in the period, and every check of an asset at the gate: '
                          'who, when, allowed out or not.')),
)
