"""Scrapping (issue 16): scrapping requests with their three sign-offs, and the campus's storekeepers (frozen
copies)."""
import datetime

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

    class ScrapRequest(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        submission_id = CharField(max_length=36, unique=True)
        status = CharField(max_length=10, default='office')
        reason = TextField()
        photos = TextField(default='[]')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        requested_at = DateTimeField(default=datetime.datetime.utcnow)
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        office_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        office_at = DateTimeField(null=True)
        office_note = CharField(max_length=500, default='')
        store_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        store_at = DateTimeField(null=True)
        store_note = CharField(max_length=500, default='')
        leader_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        leader_at = DateTimeField(null=True)
        leader_note = CharField(max_length=500, default='')
        refused_step = CharField(max_length=10, default='')
        refused_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        refused_at = DateTimeField(null=True)
        refusal = CharField(max_length=500, default='')
        scrapped_on = DateField(null=True)

        class Meta:
            database = db
            table_name = 'scrap_request'
            indexes = ((('campus', 'status'), False), (('item', 'status'), False), (('campus', 'requested_at'), False))

    class Storekeeper(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = 'storekeeper'
            indexes = ((('campus', 'user'), True),)

    db.create_tables([ScrapRequest, Storekeeper])


def down(migrator, db):
    for table in ('storekeeper', 'scrap_request'):
        migrator.migrate(migrator.drop_table(table))
