"""Indexes that keep a label's page flat in history: each hot lookup reads its newest rows straight from an
index, in order, however many records the campus has (issue 14; tests/test_query_plans.py checks the plans).

record (place_id, activity, created_at) where item_id is null  last cleaned, or last <activity>, at a place
record (place_id, created_at, id) where item_id is null        a place's own history, its newest photo
record (item_id, created_at, id)                               an asset's history, its newest photo
photo (record_id, id)                                          a record's photos in order
work_order (place_id, created_at, id) where item_id is null    open orders at a place, newest first
work_order (item_id, created_at, id)                           open orders on an asset
work_order (reporter_id, created_at)                           我的报修
work_order (assignee_id, status)                               我的工单

"Where item_id is null" makes them partial: PostgreSQL's planner takes `item_id IS NULL` as a filter, not an
equality, so an index with item_id among its columns could not give the rows in time order.
"""
from peewee import *

PLACE_ONLY = SQL('"item_id" IS NULL')
INDEXES = (
    ('record', ('place_id', 'activity', 'created_at'), PLACE_ONLY),
    ('record', ('place_id', 'created_at', 'id'), PLACE_ONLY),
    ('record', ('item_id', 'created_at', 'id'), None),
    ('photo', ('record_id', 'id'), None),
    ('work_order', ('place_id', 'created_at', 'id'), PLACE_ONLY),
    ('work_order', ('item_id', 'created_at', 'id'), None),
    ('work_order', ('reporter_id', 'created_at'), None),
    ('work_order', ('assignee_id', 'status'), None),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns, False, where=where)
                       for table, columns, where in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, '_'.join((table,) + columns)) for table, columns, _w in INDEXES])
