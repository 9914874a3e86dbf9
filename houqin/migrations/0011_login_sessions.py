"""Log-in throttling per username and client address (login_throttle replaces login_failure), and server-side
sessions (user_session), so log-out ends a copied cookie (frozen copies)."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class LoginThrottle(Model):
        username = CharField(max_length=50)
        address = CharField(max_length=64)
        failures = IntegerField(default=0)
        next_try_at = DateTimeField()
        last_try_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'login_throttle'
            indexes = ((('username', 'address'), True),)

    class UserSession(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        key = CharField(max_length=64, unique=True)
        address = CharField(max_length=64, default='')
        agent = CharField(max_length=200, default='')
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'user_session'
    db.create_tables([LoginThrottle, UserSession])
    migrator.migrate(migrator.drop_table('login_failure'))


def down(migrator, db):
    class LoginFailure(Model):
        username = CharField(index=True, max_length=50)
        address = CharField(index=True, max_length=64)
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'login_failure'
    db.create_tables([LoginFailure])
    migrator.migrate(migrator.drop_table('user_session'))
    migrator.migrate(migrator.drop_table('login_throttle'))
