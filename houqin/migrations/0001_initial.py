"""The first schema: every table of the design (frozen copies; Python-side defaults live in houqin.models)."""
from peewee import *


def up(migrator, db):
    class Campus(Model):
        name = CharField(max_length=100)
        code = CharField(unique=True, max_length=20)
        timezone = CharField(max_length=64, default='Asia/Shanghai')
        allow_anonymous_reports = BooleanField(default=True)
        is_demo = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'campus'
    db.create_tables([Campus])

    class User(Model):
        username = CharField(unique=True, max_length=50)
        display_name = CharField(max_length=50, default='')
        phone = CharField(max_length=30, default='')
        password_hash = CharField()
        active = BooleanField(default=True)
        language = CharField(max_length=10, default='')
        session_token = CharField(index=True, max_length=32)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class AuditLog(Model):
        campus = ForeignKeyField(Campus, null=True, on_delete='SET NULL')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        action = CharField(max_length=20)
        entity = CharField(max_length=40)
        row_id = IntegerField(null=True)
        summary = CharField(max_length=200, default='')
        before = TextField(null=True)
        after = TextField(null=True)
        address = CharField(max_length=64, default='')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'audit_log'
    db.create_tables([AuditLog])

    class ChecklistTemplate(Model):
        campus = ForeignKeyField(Campus, null=True, on_delete='CASCADE')
        target_kind = CharField(max_length=20)
        activity = CharField(max_length=20)
        name = CharField(max_length=100)
        version = IntegerField(default=1)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'checklist_template'
    db.create_tables([ChecklistTemplate])

    class ChecklistItem(Model):
        template = ForeignKeyField(ChecklistTemplate, on_delete='CASCADE')
        position = IntegerField(default=0)
        label = CharField(max_length=200)
        item_type = CharField(max_length=10, default='pass_fail')
        required = BooleanField(default=True)
        min_value = FloatField(null=True)
        max_value = FloatField(null=True)
        unit = CharField(max_length=20, default='')
        choices = TextField(default='[]')
        class Meta:
            database = db
            table_name = 'checklist_item'
    db.create_tables([ChecklistItem])

    class Place(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        name = CharField(max_length=100)
        kind = CharField(max_length=20, default='other')
        code = CharField(null=True, max_length=30)
        position = IntegerField(default=0)
        note = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'place'
            indexes = ((('campus', 'code'), True), (('campus', 'parent', 'position'), False))
    db.create_tables([Place])

    class Item(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        place = ForeignKeyField(Place, on_delete='RESTRICT')
        kind = CharField(max_length=20, default='other')
        name = CharField(max_length=100)
        asset_number = CharField(null=True, max_length=50)
        custodian = CharField(max_length=50, default='')
        status = CharField(max_length=20, default='in_use')
        purchased_on = DateField(null=True)
        expires_on = DateField(null=True)
        attributes = TextField(default='{}')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'item'
            indexes = ((('campus', 'asset_number'), True), (('campus', 'kind'), False))
    db.create_tables([Item])

    class LoginFailure(Model):
        username = CharField(index=True, max_length=50)
        address = CharField(index=True, max_length=64)
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'login_failure'
    db.create_tables([LoginFailure])

    class Membership(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        role = CharField(max_length=12)
        class Meta:
            database = db
            table_name = 'membership'
            indexes = ((('user', 'campus'), True),)
    db.create_tables([Membership])

    class Outbox(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        channel = CharField(max_length=20)
        recipient = CharField(default='')
        subject = CharField(max_length=200, default='')
        body = TextField(default='')
        attempts = IntegerField(default=0)
        last_error = TextField(default='')
        next_attempt_at = DateTimeField(index=True)
        locked_until = DateTimeField(null=True)
        sent_at = DateTimeField(index=True, null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'outbox'
    db.create_tables([Outbox])

    class Route(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=100)
        shift_start = CharField(max_length=5, default='22:00')
        shift_end = CharField(max_length=5, default='06:00')
        rounds = TextField(default='[]')
        grace_minutes = IntegerField(default=15)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'route'
    db.create_tables([Route])

    class PatrolRun(Model):
        route = ForeignKeyField(Route, on_delete='CASCADE')
        guard = ForeignKeyField(User, null=True, on_delete='SET NULL')
        round_start = DateTimeField()
        round_end = DateTimeField()
        status = CharField(max_length=12, default='open')
        result = TextField(default='{}')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'patrol_run'
    db.create_tables([PatrolRun])

    class Tag(Model):
        token = CharField(unique=True, max_length=16)
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        place = ForeignKeyField(Place, null=True, on_delete='CASCADE')
        item = ForeignKeyField(Item, null=True, on_delete='CASCADE')
        status = CharField(max_length=12, default='active')
        replaced_by = ForeignKeyField('self', null=True, on_delete='SET NULL')
        printed_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tag'
    db.create_tables([Tag])

    class Record(Model):
        uuid = CharField(unique=True, max_length=36)
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        tag = ForeignKeyField(Tag, null=True, on_delete='SET NULL')
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
        activity = CharField(max_length=20)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        reporter_name = CharField(max_length=50, default='')
        reporter_phone = CharField(max_length=30, default='')
        template = ForeignKeyField(ChecklistTemplate, null=True, on_delete='SET NULL')
        answers = TextField(default='{}')
        outcome = CharField(max_length=12, default='ok')
        note = TextField(default='')
        created_at = DateTimeField(index=True)
        client_time = DateTimeField(null=True)
        latitude = FloatField(null=True)
        longitude = FloatField(null=True)
        accuracy = FloatField(null=True)
        class Meta:
            database = db
            table_name = 'record'
    db.create_tables([Record])

    class WorkOrder(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        year = IntegerField()
        sequence = IntegerField()
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
        record = ForeignKeyField(Record, null=True, on_delete='SET NULL')
        category = CharField(max_length=20, default='other')
        priority = CharField(max_length=10, default='normal')
        hazard = BooleanField(default=False)
        status = CharField(max_length=12, default='reported')
        title = CharField(max_length=200)
        description = TextField(default='')
        reporter = ForeignKeyField(User, null=True, on_delete='SET NULL')
        reporter_name = CharField(max_length=50, default='')
        reporter_phone = CharField(max_length=30, default='')
        assignee = ForeignKeyField(User, null=True, on_delete='SET NULL')
        follow_secret = CharField(unique=True, max_length=32)
        merged_into = ForeignKeyField('self', null=True, on_delete='SET NULL')
        liable_party = CharField(max_length=100, default='')
        compensation = DecimalField(null=True, decimal_places=2)
        cost = DecimalField(null=True, decimal_places=2)
        due_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'work_order'
            indexes = ((('campus', 'year', 'sequence'), True), (('campus', 'status'), False))
    db.create_tables([WorkOrder])

    class WorkOrderEvent(Model):
        order = ForeignKeyField(WorkOrder, on_delete='CASCADE')
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        actor_name = CharField(max_length=50, default='')
        action = CharField(max_length=20)
        from_status = CharField(max_length=12, default='')
        to_status = CharField(max_length=12, default='')
        note = TextField(default='')
        data = TextField(default='{}')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'work_order_event'
    db.create_tables([WorkOrderEvent])

    class Photo(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        sha256 = CharField(index=True, max_length=64)
        content_type = CharField(max_length=20, default='image/jpeg')
        width = IntegerField()
        height = IntegerField()
        size = IntegerField()
        record = ForeignKeyField(Record, null=True, on_delete='CASCADE')
        event = ForeignKeyField(WorkOrderEvent, null=True, on_delete='CASCADE')
        uploaded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'photo'
    db.create_tables([Photo])

    class RouteStop(Model):
        route = ForeignKeyField(Route, on_delete='CASCADE')
        place = ForeignKeyField(Place, on_delete='CASCADE')
        position = IntegerField(default=0)
        walk_minutes = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'route_stop'
    db.create_tables([RouteStop])

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


def down(migrator, db):
    migrator.migrate(migrator.drop_table('schedule'))
    migrator.migrate(migrator.drop_table('route_stop'))
    migrator.migrate(migrator.drop_table('photo'))
    migrator.migrate(migrator.drop_table('work_order_event'))
    migrator.migrate(migrator.drop_table('work_order'))
    migrator.migrate(migrator.drop_table('record'))
    migrator.migrate(migrator.drop_table('tag'))
    migrator.migrate(migrator.drop_table('patrol_run'))
    migrator.migrate(migrator.drop_table('route'))
    migrator.migrate(migrator.drop_table('outbox'))
    migrator.migrate(migrator.drop_table('membership'))
    migrator.migrate(migrator.drop_table('login_failure'))
    migrator.migrate(migrator.drop_table('item'))
    migrator.migrate(migrator.drop_table('place'))
    migrator.migrate(migrator.drop_table('checklist_item'))
    migrator.migrate(migrator.drop_table('checklist_template'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('campus'))
