"""An index for the missed-slot check (issue 12's performance): which of the last days' missed slots were told
already is read by routine and window start, a range per routine, so the check costs the same however many
notices years of missed slots have left (the unique index leads with the target, so it could not serve the range).

routine_notice (routine_id, window_start)
"""
from peewee import *

INDEXES = (
    ('routine_notice', ('routine_id', 'window_start'), None),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns, False, where=where)
                       for table, columns, where in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, '_'.join((table,) + columns)) for table, columns, _w in INDEXES])
