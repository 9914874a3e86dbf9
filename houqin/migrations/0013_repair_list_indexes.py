"""Indexes for 我的报修 and the overdue check (issue 14; tests/test_query_plans.py checks the plans).

work_order (reporter_id, created_at, id) where closed_at is null   我的报修: my open orders, newest first, no sort
work_order (status, due_at)                                         overdue check: waiting orders past their due
                                                                    time, never a scan of every order ever made
"""
from peewee import *

INDEXES = (
    ('work_order', ('reporter_id', 'created_at', 'id'), SQL('"closed_at" IS NULL')),
    ('work_order', ('status', 'due_at'), None),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns, False, where=where)
                       for table, columns, where in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, '_'.join((table,) + columns)) for table, columns, _w in INDEXES])
