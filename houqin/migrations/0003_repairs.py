"""Repairs and notifications: categories with default assignees, due hours, the number counter, channels;
outbox rows gain their channel, topic, order, claim and attempt log (frozen copies)."""
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

    class WorkOrder(Model):
        class Meta:
            database = db
            table_name = 'work_order'

    class RepairCategory(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        key = CharField(max_length=20)
        assignee = ForeignKeyField(User, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'repair_category'
            indexes = ((('campus', 'key'), True),)

    class RepairSettings(Model):
        campus = ForeignKeyField(Campus, unique=True, on_delete='CASCADE')
        urgent_hours = IntegerField(default=4)
        high_hours = IntegerField(default=24)
        normal_hours = IntegerField(default=72)
        low_hours = IntegerField(default=168)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'repair_settings'

    class WorkOrderCounter(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        year = IntegerField()
        last = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'work_order_counter'
            indexes = ((('campus', 'year'), True),)

    class NotificationChannel(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=60)
        kind = CharField(max_length=10)
        url = CharField(max_length=500, default='')
        secret = CharField(max_length=200, default='')
        addresses = CharField(max_length=500, default='')
        audience = CharField(max_length=10, default='managers')
        user = ForeignKeyField(User, null=True, on_delete='CASCADE')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'notification_channel'
    db.create_tables([RepairCategory, RepairSettings, WorkOrderCounter, NotificationChannel])

    migrator.migrate(
        migrator.add_column('work_order', 'overdue_notified_at', DateTimeField(null=True)),
        migrator.add_column('outbox', 'target_id', ForeignKeyField(
            NotificationChannel, NotificationChannel.id, null=True, on_delete='CASCADE')),
        migrator.add_column('outbox', 'topic', CharField(max_length=20, default='')),
        migrator.add_column('outbox', 'order_id', ForeignKeyField(
            WorkOrder, WorkOrder.id, null=True, on_delete='SET NULL')),
        migrator.add_column('outbox', 'claimed_by', CharField(max_length=32, null=True)),
        migrator.add_column('outbox', 'attempt_log', TextField(default='[]')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('outbox', 'attempt_log'),
        migrator.drop_column('outbox', 'claimed_by'),
        migrator.drop_column('outbox', 'order_id'),
        migrator.drop_column('outbox', 'topic'),
        migrator.drop_column('outbox', 'target_id'),
        migrator.drop_column('work_order', 'overdue_notified_at'),
    )
    migrator.migrate(migrator.drop_table('notification_channel'))
    migrator.migrate(migrator.drop_table('work_order_counter'))
    migrator.migrate(migrator.drop_table('repair_settings'))
    migrator.migrate(migrator.drop_table('repair_category'))
