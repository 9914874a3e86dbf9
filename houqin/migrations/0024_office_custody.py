"""Custody lists for offices (办公室, 部门): a place names its keeper (place.keeper_id, 部门负责人), and a custody list
belongs to a class or to an office place (custody_list.school_class_id nullable, custody_list.office_id and the
office's name as it was, one list per term and office). Frozen copies."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Place(Model):
        class Meta:
            database = db
            table_name = 'place'

    migrator.migrate(
        migrator.add_column('place', 'keeper_id', ForeignKeyField(User, User.id, null=True, on_delete='SET NULL')),
        migrator.drop_not_null('custody_list', 'school_class_id'),
        migrator.add_column('custody_list', 'office_id', ForeignKeyField(
            Place, Place.id, null=True, on_delete='CASCADE')),
        migrator.add_column('custody_list', 'office_name', CharField(max_length=100, default='')),
        migrator.add_index('custody_list', ('term_id', 'office_id'), True),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('custody_list', 'custody_list_term_id_office_id'),
        migrator.drop_column('custody_list', 'office_name'),
        migrator.drop_column('custody_list', 'office_id'),
        migrator.add_not_null('custody_list', 'school_class_id'),
        migrator.drop_column('place', 'keeper_id'),
    )
