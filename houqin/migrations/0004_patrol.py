"""Night patrol: checkpoint locations on places, round settings on routes, round facts on runs, one run per
route and round; holidays, checkpoint scans and the duty log (frozen copies)."""
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

    class Place(Model):
        class Meta:
            database = db
            table_name = 'place'

    class Route(Model):
        class Meta:
            database = db
            table_name = 'route'

    class RouteStop(Model):
        class Meta:
            database = db
            table_name = 'route_stop'

    class PatrolRun(Model):
        class Meta:
            database = db
            table_name = 'patrol_run'

    class Record(Model):
        class Meta:
            database = db
            table_name = 'record'

    migrator.migrate(
        migrator.add_column('place', 'latitude', FloatField(null=True)),
        migrator.add_column('place', 'longitude', FloatField(null=True)),
        migrator.add_column('place', 'location_accuracy', FloatField(null=True)),
        migrator.add_column('route', 'every_minutes', IntegerField(default=120)),
        migrator.add_column('route', 'holiday_plan', TextField(null=True)),
        migrator.add_column('patrol_run', 'night', DateField(null=True)),
        migrator.add_column('patrol_run', 'round_index', IntegerField(default=0)),
        migrator.add_column('patrol_run', 'holiday', BooleanField(default=False)),
        migrator.add_column('patrol_run', 'evaluated_at', DateTimeField(null=True)),
        migrator.add_index('patrol_run', ('night',), False),
        migrator.add_index('patrol_run', ('route_id', 'round_start'), True),
    )

    class Holiday(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=60)
        starts_on = DateField()
        ends_on = DateField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'holiday'

    class PatrolScan(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        route = ForeignKeyField(Route, null=True, on_delete='SET NULL')
        stop = ForeignKeyField(RouteStop, null=True, on_delete='SET NULL')
        run = ForeignKeyField(PatrolRun, null=True, on_delete='SET NULL')
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        client_time = DateTimeField(null=True)
        out_of_order = BooleanField(default=False)
        late = BooleanField(default=False)
        flags = TextField(default='[]')
        anomalies = TextField(default='[]')
        class Meta:
            database = db
            table_name = 'patrol_scan'
            indexes = ((('user', 'created_at'), False), (('campus', 'created_at'), False))

    class DutyLog(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        kind = CharField(max_length=12)
        body = TextField(default='')
        for_next_shift = BooleanField(default=False)
        night = DateField(index=True)
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'duty_log'
    db.create_tables([Holiday, PatrolScan, DutyLog])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('duty_log'))
    migrator.migrate(migrator.drop_table('patrol_scan'))
    migrator.migrate(migrator.drop_table('holiday'))
    migrator.migrate(
        migrator.drop_index('patrol_run', 'patrol_run_route_id_round_start'),
        migrator.drop_index('patrol_run', 'patrol_run_night'),
        *[migrator.drop_column(table, column) for table, column in (
            ('patrol_run', 'evaluated_at'), ('patrol_run', 'holiday'), ('patrol_run', 'round_index'),
            ('patrol_run', 'night'), ('route', 'holiday_plan'), ('route', 'every_minutes'),
            ('place', 'location_accuracy'), ('place', 'longitude'), ('place', 'latitude'))])
