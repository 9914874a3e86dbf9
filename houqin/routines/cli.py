"""`flask houqin compliance` (the day's slots, for people and scripts) and `flask houqin check-routines` (cron:
notify missed slots, once each; safe to run any time, and twice)."""
import datetime
import json

import click
from flask.cli import with_appcontext

from houqin import clock, db
from houqin.canteen.staff import notify_all_certificates
from houqin.models import Campus
from houqin.routines.service import check_missed, day_slots


def campuses(code):
    """The campus with this code, or every campus when no code is given."""
    query = Campus.select().order_by(Campus.id)
    if code:
        query = query.where(Campus.code == code)
    found = list(query)
    if code and not found:
        raise click.BadParameter(f'no campus with code {code!r}', param_hint='--campus')
    return found


def slot_json(slot):
    """One slot as the script contract says: routine, activity, target, token, start, end, status, record_id."""
    return {'routine': slot.routine.name, 'activity': slot.activity, 'target': slot.target_name,
            'token': slot.token or None, 'start': slot.local_start, 'end': slot.local_end, 'status': slot.status,
            'record_id': slot.record_id}


@click.command('compliance')
@with_appcontext
@click.option('--date', 'day', default=None, help='campus-local date YYYY-MM-DD (default: today)')
@click.option('--activity', default=None, help='only routines of this activity (e.g. cleaning)')
@click.option('--campus', 'code', default=None, help='campus code (default: every campus)')
@click.option('--json', 'as_json', is_flag=True, help='print a JSON list of slots')
def compliance_command(day, activity, code, as_json):
    """Print the day's routine slots and their status: done, late, missed, due, upcoming."""
    wanted = None
    if day:
        try:
            wanted = datetime.date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f'{day!r} is not a date like 2026-04-30', param_hint='--date') from None
    rows = []
    with db.database.connection_context():
        for campus in campuses(code):
            date = wanted or clock.today(clock.zone_name(campus))
            rows.extend(day_slots(campus, date, activity=activity or None))
    if as_json:
        click.echo(json.dumps([slot_json(s) for s in rows], ensure_ascii=False, indent=1))
        return
    for s in rows:
        start, end = clock.to_local(s.start, s.zone), clock.to_local(s.end, s.zone)
        when = f'{start:%m-%d}–{end - datetime.timedelta(minutes=1):%m-%d}' if s.whole else \
            f'{start:%H:%M}–{end:%H:%M}'
        who = f'  {s.user_name}' if s.user_name else ''
        click.echo(f'{when:13} {s.status:8} {s.routine.name}  {s.target_path or s.target_name}{who}')
    click.echo(f'{len(rows)} slots.')


@click.command('check-routines')
@with_appcontext
def check_routines_command():
    """Notify routines' missed slots (each once) to their people and the managers, and canteen health certificates
    expiring or expired (each once per state); for cron."""
    with db.database.connection_context():
        told = sum(check_missed(campus) for campus in campuses(None))
        certificates = notify_all_certificates()
    click.echo(f'Notified {told} missed routine slots.')
    if certificates:
        click.echo(f'Notified {certificates} health certificates expiring or expired.')
