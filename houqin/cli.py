"""`flask houqin ...`: the command group, and the set-up, account and backup commands (areas add their own)."""
import datetime
import os
import sqlite3
from contextlib import closing

import click
from flask import current_app
from flask.cli import AppGroup

from houqin import db
from houqin.models import Campus, Membership, User
from houqin.vocab import ROLES

houqin_cli = AppGroup('houqin', help='School logistics: set-up and maintenance commands.')


@houqin_cli.command('init')
def init_command():
    """Create or upgrade the database schema (safe to run again)."""
    with db.database.connection_context():
        applied = db.migrate()
    if applied:
        click.echo('Applied migrations: ' + ', '.join(applied))
    else:
        click.echo('The database is up to date.')


@houqin_cli.command('create-user')
@click.argument('username')
@click.option('--role', type=click.Choice(ROLES), default='admin', show_default=True)
@click.option('--campus', 'campus_code', help='campus code (default: the first campus)')
@click.option('--name', 'display_name', default='')
@click.password_option()
def create_user_command(username, role, campus_code, display_name, password):
    """Create an account with a role on a campus (creates a first campus if there is none)."""
    with db.database.connection_context(), db.write_transaction():
        if User.get_or_none(User.username == username.lower()):
            raise click.ClickException(f'user {username!r} already exists')
        campus = (Campus.get_or_none(Campus.code == campus_code) if campus_code
                  else Campus.select().order_by(Campus.id).first())
        if campus is None and campus_code:
            raise click.ClickException(f'no campus with code {campus_code!r}')
        if campus is None:
            campus = Campus.create(name='我的学校', code='school',
                                   timezone=current_app.config['DEFAULT_TIMEZONE'])
        user = User(username=username.lower(), display_name=display_name)
        user.set_password(password)
        user.save()
        Membership.create(user=user, campus=campus, role=role)
    click.echo(f'Created {username} ({role}) on {campus.name}.')


@houqin_cli.command('create-campus')
@click.argument('code')
@click.argument('name')
@click.option('--timezone', default=None, help='IANA time zone (default: HOUQIN_DEFAULT_TIMEZONE)')
def create_campus_command(code, name, timezone):
    """Add a school (a district office runs several); then give people roles on it with `grant`."""
    from zoneinfo import available_timezones
    timezone = timezone or current_app.config['DEFAULT_TIMEZONE']
    if timezone not in available_timezones():
        raise click.ClickException(f'unknown time zone {timezone!r}; use a name such as Asia/Shanghai')
    with db.database.connection_context(), db.write_transaction():
        if Campus.get_or_none(Campus.code == code):
            raise click.ClickException(f'a campus with code {code!r} exists already')
        Campus.create(code=code, name=name, timezone=timezone)
    click.echo(f'Created campus {name} ({code}).')


@houqin_cli.command('grant')
@click.argument('username')
@click.argument('role', type=click.Choice(ROLES))
@click.option('--campus', 'campus_code', required=True, help='campus code')
def grant_command(username, role, campus_code):
    """Give an existing account a role on a campus (replacing the role it had there)."""
    with db.database.connection_context(), db.write_transaction():
        user = User.get_or_none(User.username == username.lower())
        campus = Campus.get_or_none(Campus.code == campus_code)
        if user is None:
            raise click.ClickException(f'no account named {username!r}')
        if campus is None:
            raise click.ClickException(f'no campus with code {campus_code!r}')
        membership = Membership.get_or_none((Membership.user == user) & (Membership.campus == campus))
        if membership is None:
            Membership.create(user=user, campus=campus, role=role)
        else:
            membership.role = role
            membership.save()
    click.echo(f'{user.username} is now {role} on {campus.name}.')


@houqin_cli.command('backup')
@click.option('--out', 'out_path', type=click.Path(dir_okay=False), help='file to write (default: instance/backups/...)')
def backup_command(out_path):
    """Copy the live SQLite database consistently while the app keeps serving."""
    if not db.is_sqlite():
        raise click.ClickException(
            'This is a PostgreSQL database: back it up with pg_dump, e.g.\n'
            '  pg_dump --format=custom --file=houqin-$(date +%F).dump "$HOUQIN_DATABASE_URL"\n'
            '(the README\'s deployment section has the full recipe).')
    source = db.database.obj.database
    if not os.path.isfile(source):  # sqlite3.connect would create it, and we would "back up" an empty database
        raise click.ClickException(f'there is no database at {source}; check HOUQIN_DATABASE_URL')
    if not out_path:
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
        out_path = os.path.join(current_app.instance_path, 'backups', f'houqin-{stamp}.sqlite3')
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    if os.path.exists(out_path):
        raise click.ClickException(f'{out_path} exists; choose another --out')
    # SQLite's online backup API copies a consistent snapshot while other connections write. In one step
    # (pages=-1): copied in several steps, any write by another connection between two steps restarts the
    # copy, so a busy database of a few tens of MB never finishes. In WAL mode one step only holds a read
    # snapshot for its duration (~0.1 s for 40 MB); the app's writers carry on meanwhile.
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(out_path)) as dst:
            src.backup(dst, pages=-1)
    except sqlite3.Error as exc:
        if os.path.exists(out_path):
            os.remove(out_path)
        raise click.ClickException(f'the backup failed: {exc}')
    with closing(sqlite3.connect(out_path)) as check:
        result = check.execute('PRAGMA integrity_check').fetchone()[0]
    if result != 'ok':
        raise click.ClickException(f'the backup failed its integrity check: {result}')
    click.echo(f'Backup written to {out_path}')
