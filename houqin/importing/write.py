"""Writing a checked import: every row, a label for each, one audit entry, in one transaction."""
from flask_babel import gettext as _
from peewee import IntegrityError, fn

from houqin.clock import utcnow
from houqin.db import database, is_sqlite, write_transaction
from houqin.importing.rows import plan_import
from houqin.models import AuditLog, Item, Place, Tag
from houqin.tags import new_token


class ImportConflict(Exception):
    """Another change took an asset number or code while the import was being written."""


def import_table(kind, campus, table, user=None, address=''):
    """Check the table again and, when every row is good, write it all in one transaction.

    Every place or asset gets an active label; one audit entry records the import. Returns the plan;
    when it has errors nothing was written.
    """
    # The checks read what the write depends on: write_transaction takes SQLite's write lock first rather than
    # fail to upgrade a read transaction when a scan writes in between.
    transaction = write_transaction()
    try:
        with transaction:
            plan = plan_import(kind, campus, table)
            if plan.errors:
                return plan
            now = utcnow()
            ids = write_places(campus, plan.rows, now) if kind == 'places' else write_items(campus, plan.rows, now)
            write_tags(campus, kind, ids, now)
            summary = (_('%(n)d places from %(file)s', n=len(ids), file=table.filename) if kind == 'places' else
                       _('%(n)d assets from %(file)s', n=len(ids), file=table.filename))
            AuditLog.create(campus=campus, user=user, action='import', entity='place' if kind == 'places' else 'item',
                            summary=summary[:200], address=address[:64],
                            after={'file': table.filename, 'rows': len(plan.rows), 'created': len(ids),
                                   'first_id': ids[0], 'last_id': ids[-1]})
    except IntegrityError as error:
        raise ImportConflict(str(error)) from error
    return plan


def write_places(campus, rows, now):
    """Insert the place rows in file order (parents first); returns the new ids."""
    next_position = {parent: (top or 0) + 1 for parent, top in
                     Place.select(Place.parent, fn.MAX(Place.position)).where(Place.campus == campus)
                     .group_by(Place.parent).tuples()}
    ids = []
    for row in rows:
        parent = row.parent_id if row.parent_row is None else ids[row.parent_row]
        position = next_position.get(parent, 0)
        next_position[parent] = position + 1
        ids.append(Place.insert(campus=campus, parent=parent, name=row.name, kind=row.kind, code=row.code,
                                note=row.note, position=position, created_at=now).execute())
    return ids


def write_items(campus, rows, now):
    """Insert the asset rows (a row with a quantity becomes that many assets); returns the new ids."""
    records = [{'campus': campus.id, 'place': row.place_id, 'kind': row.kind, 'name': row.name,
                'asset_number': row.asset_number, 'custodian': row.custodian, 'status': row.status,
                'purchased_on': row.purchased_on, 'expires_on': row.expires_on,
                'attributes': {'note': row.note} if row.note else {}, 'created_at': now}
               for row in rows for _copy in range(row.quantity)]
    return insert_many_ids(Item, records)


def write_tags(campus, kind, ids, now):
    """An active label for every new place or asset."""
    target = 'place' if kind == 'places' else 'item'
    tokens = set()
    while len(tokens) < len(ids):
        tokens.add(new_token())
    records = [{'token': token, 'campus': campus.id, target: object_id, 'status': 'active', 'created_at': now}
               for token, object_id in zip(tokens, ids)]
    insert_many_ids(Tag, records)


def insert_many_ids(model, records):
    """Insert rows in chunks; returns their new ids."""
    ids = []
    # SQLite before 3.32 allows 999 bound variables per statement.
    size = max(1, 900 // len(records[0])) if is_sqlite() else 1000
    for start in range(0, len(records), size):
        chunk = records[start:start + size]
        if database.returning_clause:
            ids.extend(row[0] for row in model.insert_many(chunk).returning(model.id).tuples().execute())
        else:
            # SQLite gives each new row the largest rowid + 1, and the IMMEDIATE transaction keeps other
            # writers out, so one multi-row insert takes consecutive ids ending at the last one.
            last = model.insert_many(chunk).execute()
            ids.extend(range(last - len(chunk) + 1, last + 1))
    return ids
