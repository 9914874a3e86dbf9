"""The stocktake sheet (盘点表): one row per asset of every stocktake opened in the period — where the register
expected it, where and by whom it was found, its condition — so the count can be filed and signed; and the supplies
ledger (物品出入库登记): every receipt and issue of the storeroom's consumables with the balance after it."""
from flask_babel import lazy_gettext as _l

from houqin.assets.stocktake import CONDITION_LABELS
from houqin.assets.supplies import CATEGORY_LABELS as SUPPLY_CATEGORY_LABELS
from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, chunks, keyset, place_paths
from houqin.models import Item, Stocktake, StocktakeLine, Supply, SupplyMovement
from houqin.vocab import label

RESOLUTION_LABELS = {'move': _l('Moved in the register'), 'borrowed': _l('Borrowed, belongs where expected')}

COLUMNS = (
    Column(_l('Stocktake'), width=20), Column(_l('Opened at'), 'datetime'), Column(_l('Asset number'), width=14),
    Column(_l('Name'), width=20), Column(_l('Expected at'), width=30), Column(_l('Result')),
    Column(_l('Found at'), width=30), Column(_l('Condition')), Column(_l('Counted by'), width=12),
    Column(_l('Counted at'), 'datetime'), Column(_l('Resolution'), width=16), Column(_l('Signed off by'), width=12),
    Column(_l('Closed at'), 'datetime'))


def lines(query):
    """The lines of the campus's stocktakes opened in the period whose asset was expected or found at the place
    filter, counted by the person filter."""
    rows = (StocktakeLine.select(StocktakeLine, Stocktake).join(Stocktake)
            .where(Stocktake.campus == query.campus))
    rows = query.in_period(rows, Stocktake.opened_at)
    if query.place_ids is not None:
        places = sorted(query.place_ids)
        rows = rows.where(StocktakeLine.expected_place.in_(places) | StocktakeLine.found_place.in_(places))
    return query.by_person(rows, StocktakeLine.found_by)


def result_of(line):
    """找到 / 在别处找到 / 未找到 / 不在清单内."""
    if line.found_at is None:
        return _l('Not found') if line.in_scope else ''
    if not line.in_scope:
        return _l('Not on the list')
    return _l('Found') if line.found_place_id == line.expected_place_id else _l('Found elsewhere')


def line_rows(query):
    """One row per line, stocktake by stocktake, in the order the lines were made."""
    names, paths = Names(query.campus), place_paths(query.campus)
    for batch in chunks(keyset(lines(query), StocktakeLine.stocktake, StocktakeLine.id)):
        items = {i.id: i for i in Item.select(Item.id, Item.asset_number, Item.name)
                 .where(Item.id.in_([line.item_id for line in batch]))}
        for line in batch:
            take, item = line.stocktake, items.get(line.item_id)
            yield (take.name, take.opened_at, item.asset_number if item else '', item.name if item else '',
                   paths.get(line.expected_place_id, ''), result_of(line), paths.get(line.found_place_id, ''),
                   label(CONDITION_LABELS, line.condition) if line.condition else '',
                   names[line.found_by_id] if line.found_by_id else '', line.found_at,
                   label(RESOLUTION_LABELS, line.resolution) if line.resolution else '', take.signed_name,
                   take.closed_at)


def count(query):
    """How many rows the ledger has (what tests compare with)."""
    return lines(query).count()


SUPPLY_COLUMNS = (
    Column(_l('Date and time'), 'datetime'), Column(_l('Supply'), width=20), Column(_l('Kind')), Column(_l('Unit')),
    Column(_l('Received'), 'int'), Column(_l('Issued'), 'int'), Column(_l('Balance'), 'int'),
    Column(_l('From / to'), width=20), Column(_l('Signed for by'), width=12), Column(_l('Handled by'), width=12),
    Column(_l('Note'), width=24))


def supply_movements(query):
    """The campus's supply movements in the period, handled by the person filter."""
    rows = SupplyMovement.select().where(SupplyMovement.campus == query.campus)
    return query.by_person(query.in_period(rows, SupplyMovement.created_at), SupplyMovement.handled_by)


def supply_rows(query):
    """One row per movement, in the order they happened."""
    names = Names(query.campus)
    supplies = {s.id: s for s in Supply.select().where(Supply.campus == query.campus)}
    for m in keyset(supply_movements(query), SupplyMovement.created_at, SupplyMovement.id):
        supply = supplies[m.supply_id]
        party = names[m.recipient_id] if m.recipient_id else m.party
        if m.recipient_id and m.party:
            party = f'{party} ({m.party})'
        yield (m.created_at, supply.name, label(SUPPLY_CATEGORY_LABELS, supply.category), supply.unit,
               m.quantity if m.direction == 'in' else None, m.quantity if m.direction == 'out' else None,
               m.balance_after, party, m.signed_name, names[m.handled_by_id], m.note)


def supply_count(query):
    """How many movements the ledger has."""
    return supply_movements(query).count()


LEDGERS = (Ledger('stocktake', _l('Stocktake sheet'), (Sheet(_l('Stocktake'), COLUMNS, line_rows, count),),
                  filters=('place', 'person'),
                  description=_l('Every asset of the stocktakes opened in the period: where it was expected, where '
                                 'and by whom it was found, its condition, and who signed the count off.')),)
LEDGERS += (Ledger('supplies', _l('Supplies in and out'),
                   (Sheet(_l('Supplies'), SUPPLY_COLUMNS, supply_rows, supply_count),), filters=('person',),
                   description=_l('Every receipt into the storeroom and every issue of its supplies: how many, '
                                  'from whom or to whom, signed for by whom, and the balance after it.')),)
