"""Index for 我的报修's orders joined as "same problem" (issue 14; tests/test_query_plans.py checks the plan).

work_order_event (actor_id, action)   my join events: read alone, not every step of every order I ever reported
"""
from peewee import *

INDEXES = (
    ('work_order_event', ('actor_id', 'action'), None),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns, False, where=where)
                       for table, columns, where in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, '_'.join((table,) + columns)) for table, columns, _w in INDEXES])
