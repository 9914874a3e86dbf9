"""Drop the `schedule` table: nothing ever used it (the routines area designs its own schedule)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_table('schedule'))


def down(migrator, db):
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

    class Schedule(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        activity = CharField(max_length=20)
        target_kind = CharField(max_length=20, default='')
        place = ForeignKeyField(Place, null=True, on_delete='CASCADE')
        item = ForeignKeyField(Item, null=True, on_delete='CASCADE')
        frequency = CharField(max_length=10)
        windows = TextField(default='[]')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'schedule'
    db.create_tables([Schedule])
