"""The canteen's food-safety records (issue 15): canteen staff and health certificates, food samples, morning
checks, suppliers and deliveries (frozen copies)."""
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

    class Photo(Model):
        class Meta:
            database = db
            table_name = 'photo'

    class Record(Model):
        class Meta:
            database = db
            table_name = 'record'

    class Item(Model):
        class Meta:
            database = db
            table_name = 'item'

    class Place(Model):
        class Meta:
            database = db
            table_name = 'place'

    class CanteenStaff(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=50)
        post = CharField(max_length=50, default='')
        phone = CharField(max_length=30, default='')
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        on_roster = BooleanField(default=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'canteen_staff'
            indexes = ((('campus', 'active', 'name'), False),)

    class HealthCertificate(Model):
        id = AutoField()
        staff = ForeignKeyField(CanteenStaff, on_delete='CASCADE')
        number = CharField(max_length=50)
        issued_on = DateField()
        expires_on = DateField()
        photo = ForeignKeyField(Photo, null=True, on_delete='SET NULL')
        notified = CharField(max_length=10, default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'health_certificate'
            indexes = ((('staff', 'expires_on'), False),)

    class FoodSample(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        record = ForeignKeyField(Record, on_delete='CASCADE')
        item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        day = DateField()
        meal = CharField(max_length=10)
        dish = CharField(max_length=60)
        weight = IntegerField()
        photo = ForeignKeyField(Photo, null=True, on_delete='SET NULL')
        kept_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        kept_at = DateTimeField()
        dispose_due = DateTimeField()
        disposed_at = DateTimeField(null=True)
        disposed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

        class Meta:
            database = db
            table_name = 'food_sample'
            indexes = ((('campus', 'day', 'meal'), False), (('campus', 'disposed_at', 'dispose_due'), False))

    class MorningCheck(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')
        staff = ForeignKeyField(CanteenStaff, on_delete='CASCADE')
        day = DateField()
        temperature = FloatField()
        symptoms = TextField(default='[]')
        fit = BooleanField()
        note = TextField(default='')
        checked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        checked_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'morning_check'
            indexes = ((('campus', 'day'), False), (('staff', 'day'), False))

    class Supplier(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        name = CharField(max_length=100)
        licence_number = CharField(max_length=60, default='')
        licence_expires = DateField(null=True)
        contact = CharField(max_length=60, default='')
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'supplier'
            indexes = ((('campus', 'name'), True),)

    class Delivery(Model):
        id = AutoField()
        campus = ForeignKeyField(Campus, on_delete='CASCADE')
        record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')
        supplier = ForeignKeyField(Supplier, null=True, on_delete='SET NULL')
        supplier_name = CharField(max_length=100)
        place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
        received_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        received_at = DateTimeField()
        refused = IntegerField(default=0)
        note = TextField(default='')

        class Meta:
            database = db
            table_name = 'delivery'
            indexes = ((('campus', 'received_at'), False),)

    class DeliveryLine(Model):
        id = AutoField()
        delivery = ForeignKeyField(Delivery, on_delete='CASCADE')
        position = IntegerField(default=0)
        name = CharField(max_length=60)
        quantity = FloatField()
        unit = CharField(max_length=10, default='kg')
        accepted = BooleanField(default=True)
        reason = CharField(max_length=200, default='')
        temperature = FloatField(null=True)

        class Meta:
            database = db
            table_name = 'delivery_line'

    db.create_tables([CanteenStaff, HealthCertificate, FoodSample, MorningCheck, Supplier, Delivery, DeliveryLine])


def down(migrator, db):
    for table in ('delivery_line', 'delivery', 'supplier', 'morning_check', 'food_sample', 'health_certificate',
                  'canteen_staff'):
        migrator.migrate(migrator.drop_table(table))
