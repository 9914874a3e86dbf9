"""Loans, transfers and off-campus permits (issue 16): loans (借用) with at most one open loan per asset, transfer
requests (部门转移), permits (出门条) and the gate's checks of them (frozen copies)."""
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

    class Loan(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        borrower = ForeignKeyField(User, null=True, on_delete='SET NULL')
        borrower_name = CharField(max_length=50)
        borrower_unit = CharField(max_length=50, default='')
        lent_on = DateField()
        due_on = DateField()
        note = TextField(default='')
        lent_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        returned_at = DateTimeField(null=True)
        returned_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        overdue_notified_at = DateTimeField(null=True)
        submission = CharField(max_length=36, unique=True)

        class Meta:
            database = db
            table_name = 'loan'
            indexes = ((('campus', 'returned_at', 'due_on'), False), (('campus', 'lent_on'), False))

    Loan.add_index(Loan.index(Loan.item, unique=True, where=Loan.returned_at.is_null(), name='loan_open_item'))

    class Transfer(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        from_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        to_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        from_department = CharField(max_length=50, default='')
        to_department = CharField(max_length=50, default='')
        from_custodian = CharField(max_length=50, default='')
        to_custodian = CharField(max_length=50, default='')
        reason = CharField(max_length=200, default='')
        status = CharField(max_length=10, default='requested')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        requested_at = DateTimeField()
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        decision_note = CharField(max_length=200, default='')
        submission = CharField(max_length=36, unique=True)

        class Meta:
            database = db
            table_name = 'transfer'
            indexes = ((('campus', 'status', 'requested_at'), False),)

    class GatePermit(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        carrier_name = CharField(max_length=50)
        carrier_unit = CharField(max_length=50, default='')
        reason = CharField(max_length=200)
        valid_from = DateTimeField()
        valid_until = DateTimeField()
        issued_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        issued_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)
        cancelled_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        submission = CharField(max_length=36, unique=True)

        class Meta:
            database = db
            table_name = 'gate_permit'
            indexes = ((('item', 'valid_until'), False), (('campus', 'issued_at'), False))

    class GateCheck(Model):
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        item = ForeignKeyField(Item, on_delete='CASCADE')
        permit = ForeignKeyField(GatePermit, null=True, on_delete='SET NULL')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        checked_at = DateTimeField()
        allowed = BooleanField()
        key = CharField(max_length=40, unique=True)

        class Meta:
            database = db
            table_name = 'gate_check'
            indexes = ((('campus', 'checked_at'), False),)

    db.create_tables([Loan, Transfer, GatePermit, GateCheck])


def down(migrator, db):
    for table in ('gate_check', 'gate_permit', 'transfer', 'loan'):
        migrator.migrate(migrator.drop_table(table))
