"""Every ledger the app offers, by kind, in the order the ledgers page lists them. An area adds its ledgers
here: define them in `houqin/<area>/ledgers.py` and add the module's LEDGERS to AREAS."""
from houqin.assets import ledgers as asset_ledgers, loan_ledgers
from houqin.assets import scrap_ledger
from houqin.canteen import ledgers as canteen_ledgers
from houqin.patrol import ledgers as patrol_ledgers
from houqin.places import ledgers as place_ledgers
from houqin.repairs import ledgers as repair_ledgers
from houqin.routines import ledgers as routine_ledgers

AREAS = (routine_ledgers.LEDGERS, patrol_ledgers.LEDGERS, repair_ledgers.LEDGERS, place_ledgers.LEDGERS,
         canteen_ledgers.LEDGERS, asset_ledgers.LEDGERS,
         scrap_ledger.LEDGERS, loan_ledgers.LEDGERS)

CATALOGUE = {ledger.kind: ledger for ledgers in AREAS for ledger in ledgers}


def ledger_for(kind):
    """The ledger of a kind, or None."""
    return CATALOGUE.get(kind)
