"""The scrapping register (报废登记表): one row per scrapping request made in the period — the asset, its number and
place, the reason, who asked, the three sign-offs with their dates, and how it ended — so a scrapped asset stays in
the ledgers after it has left the register."""
from flask_babel import gettext as _, lazy_gettext as _l

from houqin.assets.scrapping import STATUS_LABELS, STEP_LABELS
from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, chunks, keyset, place_paths
from houqin.models import Item, ScrapRequest
from houqin.vocab import ITEM_KIND_LABELS, label

COLUMNS = (
    Column(_l('Asset number'), width=14), Column(_l('Name'), width=20), Column(_l('Kind')),
    Column(_l('Where'), width=30), Column(_l('Reason'), width=30), Column(_l('Asked by'), width=12),
    Column(_l('Asked at'), 'datetime'), Column(_l('Confirmed by the logistics office'), width=12),
    Column(_l('Office confirmed at'), 'datetime'), Column(_l('Confirmed by the storekeeper'), width=12),
    Column(_l('Storekeeper confirmed at'), 'datetime'), Column(_l('Approved by the leader'), width=12),
    Column(_l('Leader approved at'), 'datetime'), Column(_l('Status'), width=14), Column(_l('Scrapped on'), 'date'),
    Column(_l('Refusal'), width=24))


def requests(query):
    """The campus's scrapping requests made in the period, at the place filter (where the asset was when asked),
    asked by the person filter."""
    rows = ScrapRequest.select().where(ScrapRequest.campus == query.campus)
    rows = query.in_period(rows, ScrapRequest.requested_at)
    rows = query.at_places(rows, ScrapRequest.place)
    return query.by_person(rows, ScrapRequest.requested_by)


def refusal_text(req):
    """'保管员：理由' for a refused request, else ''."""
    if req.status != 'refused' or not req.refused_step:
        return ''
    return _('%(step)s: %(reason)s', step=STEP_LABELS[req.refused_step], reason=req.refusal)


def request_rows(query):
    """One row per request, in the order they were made."""
    names, paths = Names(query.campus), place_paths(query.campus)
    for batch in chunks(keyset(requests(query), ScrapRequest.requested_at, ScrapRequest.id)):
        items = {i.id: i for i in Item.select(Item.id, Item.asset_number, Item.name, Item.kind)
                 .where(Item.id.in_([r.item_id for r in batch]))}
        for r in batch:
            item = items.get(r.item_id)
            yield (item.asset_number if item else '', item.name if item else '',
                   label(ITEM_KIND_LABELS, item.kind) if item else '', paths.get(r.place_id, ''), r.reason,
                   names[r.requested_by_id], r.requested_at, names[r.office_by_id], r.office_at,
                   names[r.store_by_id], r.store_at, names[r.leader_by_id], r.leader_at,
                   label(STATUS_LABELS, r.status), r.scrapped_on, refusal_text(r))


def count(query):
    """How many rows the ledger has (what tests compare with)."""
    return requests(query).count()


LEDGERS = (Ledger('scrapping', _l('Scrapping register'), (Sheet(_l('Scrapping'), COLUMNS, request_rows, count),),
                  filters=('place', 'person'),
                  description=_l('Every scrapping request made in the period: the asset, where it was, the reason, '
                                 'who asked, the three sign-offs with their dates, and how it ended.')),)
