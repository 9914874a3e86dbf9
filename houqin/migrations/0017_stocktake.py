"""Stocktake (issue 16): stocktakes, their lines (the register's snapshot and what was found), each counter's
room and the labels that confirmed nothing (frozen copies)."""
from peewee import *


def up(migrator, db):
    class Campus(Model):
        class Meta:
            database = db
            table_name = 'campus'

    class Place(Model):
        class Meta:
            database = db
            table_name = 'place'

    class Item(Model):
        class Meta:
            database = db
            table_name = 'item'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class WorkOrder(Model):
        class Meta:
            database = db
            table_name = 'work_order'

    class Stocktake(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=100)
        scope_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        scope_kind = CharField(max_length=20, default='')
        counters = TextField(default='[]')
        status = CharField(max_length=10, default='open')
        opened_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        opened_at = DateTimeField()
        closed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        closed_at = DateTimeField(null=True)
        signed_name = CharField(max_length=50, default='')
        result = TextField(default='{}')

        class Meta:
            database = db
            table_name = 'stocktake'
            indexes = ((('campus', 'status'), False),)

    class StocktakeLine(Model):
        stocktake = ForeignKeyField(Stocktake, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        expected_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        in_scope = BooleanField(default=True)
        found_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        found_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        found_at = DateTimeField(null=True)
        scans = IntegerField(default=0)
        condition = CharField(max_length=10, default='')
        resolution = CharField(max_length=10, default='')
        order = ForeignKeyField(WorkOrder, null=True, on_delete='SET NULL')

        class Meta:
            database = db
            table_name = 'stocktake_line'
            indexes = ((('stocktake', 'item'), True), (('stocktake', 'expected_place'), False))

    class StocktakeCounter(Model):
        stocktake = ForeignKeyField(Stocktake, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        room = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'stocktake_counter'
            indexes = ((('stocktake', 'user'), True),)

    class StocktakeOddity(Model):
        stocktake = ForeignKeyField(Stocktake, on_delete='CASCADE')
        token = CharField(max_length=16)
        reason = CharField(max_length=12)
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        settled = CharField(max_length=10, default='')

        class Meta:
            database = db
            table_name = 'stocktake_oddity'
            indexes = ((('stocktake', 'token'), True),)

    db.create_tables([Stocktake, StocktakeLine, StocktakeCounter, StocktakeOddity])


def down(migrator, db):
    for table in ('stocktake_oddity', 'stocktake_counter', 'stocktake_line', 'stocktake'):
        migrator.migrate(migrator.drop_table(table))
