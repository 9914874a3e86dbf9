"""Routines (issue 12): routines, terms and missed-slot notices; the patrol holiday table becomes the campus
calendar (holidays and make-up working days); scored checklists; the index the compliance engine reads records
by (campus, activity, created_at). Frozen copies."""
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

    class ChecklistTemplate(Model):
        class Meta:
            database = db
            table_name = 'checklist_template'

    migrator.migrate(
        migrator.add_column('holiday', 'kind', CharField(max_length=10, default='holiday')),
        migrator.add_column('holiday', 'counts_as', IntegerField(null=True)),
        migrator.add_column('checklist_template', 'pass_mark', FloatField(null=True)),
        migrator.add_column('checklist_template', 'scoring', CharField(max_length=4, default='sum')),
        migrator.add_column('checklist_item', 'points', FloatField(default=0)),
        migrator.add_index('record', ('campus_id', 'activity', 'created_at'), False),
    )

    class Term(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=60)
        starts_on = DateField()
        ends_on = DateField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'term'
            indexes = ((('campus', 'starts_on'), False),)

    class Routine(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=100)
        activity = CharField(max_length=20)
        template = ForeignKeyField(ChecklistTemplate, null=True, on_delete='SET NULL')
        target_type = CharField(max_length=5, default='place')
        target_kind = CharField(max_length=20, default='')
        subtree = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        targets = TextField(default='[]')
        role = CharField(max_length=12, default='')
        people = TextField(default='[]')
        schedule = TextField(default='{}')
        calendar = CharField(max_length=12, default='school_days')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        retired_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'routine'
            indexes = ((('campus', 'active'), False),)

    class RoutineNotice(Model):
        routine = ForeignKeyField(Routine, on_delete='CASCADE')
        target_type = CharField(max_length=5)
        target_id = IntegerField()
        window_start = DateTimeField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'routine_notice'
            indexes = ((('routine', 'target_type', 'target_id', 'window_start'), True),)

    db.create_tables([Term, Routine, RoutineNotice])


def down(migrator, db):
    for table in ('routine_notice', 'routine', 'term'):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(
        migrator.drop_index('record', 'record_campus_id_activity_created_at'),
        *[migrator.drop_column(table, column) for table, column in (
            ('checklist_item', 'points'), ('checklist_template', 'scoring'), ('checklist_template', 'pass_mark'),
            ('holiday', 'counts_as'), ('holiday', 'kind'))])
