"""Custody (issue 16): a class's list of assets for a term, signed by its head teacher (班级财产责任书), and its
lines, a snapshot of the register (frozen copies)."""
from peewee import *


def up(migrator, db):
    class Campus(Model):
        class Meta:
            database = db
            table_name = 'campus'

    class Term(Model):
        class Meta:
            database = db
            table_name = 'term'

    class SchoolClass(Model):
        class Meta:
            database = db
            table_name = 'school_class'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Item(Model):
        class Meta:
            database = db
            table_name = 'item'

    class Place(Model):
        class Meta:
            database = db
            table_name = 'place'

    class WorkOrder(Model):
        class Meta:
            database = db
            table_name = 'work_order'

    class CustodyList(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        term = ForeignKeyField(Term, null=True, on_delete='SET NULL')
        school_class = ForeignKeyField(SchoolClass, on_delete='CASCADE')
        term_name = CharField(max_length=60)
        starts_on = DateField()
        ends_on = DateField()
        class_name = CharField(max_length=30)
        revision = IntegerField(default=1)
        generated_at = DateTimeField()
        signed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        signed_name = CharField(max_length=50, default='')
        signed_at = DateTimeField(null=True)
        signed_agent = CharField(max_length=200, default='')
        signed_address = CharField(max_length=64, default='')

        class Meta:
            database = db
            table_name = 'custody_list'
            indexes = ((('term', 'school_class'), True), (('campus', 'term'), False))

    class CustodyLine(Model):
        custody = ForeignKeyField(CustodyList, on_delete='CASCADE')
        item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
        name = CharField(max_length=100)
        kind = CharField(max_length=20, default='other')
        asset_number = CharField(max_length=50, default='')
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        place_path = CharField(max_length=200, default='')
        order = ForeignKeyField(WorkOrder, null=True, on_delete='SET NULL')

        class Meta:
            database = db
            table_name = 'custody_line'
            indexes = ((('custody', 'item'), False),)

    db.create_tables([CustodyList, CustodyLine])


def down(migrator, db):
    for table in ('custody_line', 'custody_list'):
        migrator.migrate(migrator.drop_table(table))
