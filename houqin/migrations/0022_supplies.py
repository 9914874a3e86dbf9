"""Supplies (issue 16): the storeroom's consumables and their movements in and out, each stored once per
submission id (frozen copies)."""
from peewee import *


def up(migrator, db):
    class Campus(Model):
        class Meta:
            database = db
            table_name = 'campus'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Supply(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=60)
        category = CharField(max_length=20, default='office')
        unit = CharField(max_length=10, default='')
        balance = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'supply'
            indexes = ((('campus', 'name'), True),)

    class SupplyMovement(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        supply = ForeignKeyField(Supply, on_delete='CASCADE')
        direction = CharField(max_length=3)
        quantity = IntegerField()
        balance_after = IntegerField()
        party = CharField(max_length=60, default='')
        recipient = ForeignKeyField(User, null=True, on_delete='SET NULL')
        signed_name = CharField(max_length=50, default='')
        handled_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        note = CharField(max_length=200, default='')
        submission = CharField(max_length=36, unique=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'supply_movement'
            indexes = ((('supply', 'id'), False), (('campus', 'created_at'), False))

    db.create_tables([Supply, SupplyMovement])


def down(migrator, db):
    for table in ('supply_movement', 'supply'):
        migrator.migrate(migrator.drop_table(table))
