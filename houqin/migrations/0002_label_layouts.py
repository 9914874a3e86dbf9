"""Admin-added label layouts (frozen copy; the built-in layouts live in code, houqin/labels/layouts.py)."""
from peewee import *


def up(migrator, db):
    class Campus(Model):
        class Meta:
            database = db
            table_name = 'campus'

    class LabelLayout(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=60)
        page_width = FloatField()
        page_height = FloatField()
        label_width = FloatField()
        label_height = FloatField()
        columns = IntegerField(default=1)
        rows = IntegerField(default=1)
        margin_left = FloatField(default=0)
        margin_top = FloatField(default=0)
        gap_x = FloatField(default=0)
        gap_y = FloatField(default=0)
        padding = FloatField(default=2)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'label_layout'
    db.create_tables([LabelLayout])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('label_layout'))
