"""Index for 我的工单's "finished lately" (issue 14; tests/test_query_plans.py checks the plan).

work_order (assignee_id, updated_at)   my jobs finished in the last 7 days, newest first: read from the week's
                                       end of my jobs, not every order I ever closed
"""
from peewee import *

INDEXES = (
    ('work_order', ('assignee_id', 'updated_at'), None),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns, False, where=where)
                       for table, columns, where in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, '_'.join((table,) + columns)) for table, columns, _w in INDEXES])
