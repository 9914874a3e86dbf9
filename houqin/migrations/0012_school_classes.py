"""Classes as data (issue 13): school_class (grade, name, head teacher), the class a place belongs to
(place.school_class_id) and the campus switch for the public board (campus.board_enabled). Frozen copies."""
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

    class SchoolClass(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        grade = CharField(max_length=20)
        name = CharField(max_length=30)
        head_teacher = ForeignKeyField(User, null=True, on_delete='SET NULL')
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'school_class'
            indexes = ((('campus', 'name'), True),)

    db.create_tables([SchoolClass])
    migrator.migrate(
        migrator.add_column('place', 'school_class_id', ForeignKeyField(
            SchoolClass, SchoolClass.id, null=True, on_delete='SET NULL')),
        migrator.add_column('campus', 'board_enabled', BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('campus', 'board_enabled'),
        migrator.drop_column('place', 'school_class_id'),
    )
    migrator.migrate(migrator.drop_table('school_class'))
