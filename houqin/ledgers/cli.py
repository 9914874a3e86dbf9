"""`flask houqin ledger KIND --from --to --out FILE.xlsx|.csv [--campus CODE]`: a ledger to a file, for cron and
archiving."""
import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from houqin import db
from houqin.ledgers.catalogue import CATALOGUE
from houqin.ledgers.filters import FilterError, build_query
from houqin.ledgers.writing import csv_chunks, write_xlsx
from houqin.models import Campus
from houqin.notify.outbox import message_locale

SUFFIXES = ('.xlsx', '.csv')


def fail(message):
    """Print the message to stderr and stop with exit code 2 (a usage error)."""
    click.echo(f'Error: {message}', err=True)
    sys.exit(2)


@click.command('ledger')
@click.argument('kind')
@click.option('--from', 'first', required=True, metavar='YYYY-MM-DD', help='first day (campus date)')
@click.option('--to', 'last', required=True, metavar='YYYY-MM-DD', help='last day (campus date), included')
@click.option('--out', 'out', required=True, type=click.Path(dir_okay=False, writable=True),
              help='the file to write: .xlsx or .csv')
@click.option('--campus', 'campus_code', help='campus code (default: the first campus)')
@with_appcontext
def ledger_command(kind, first, last, out, campus_code):
    """Write a ledger (cleaning, inspection, patrol, repairs, extinguishers, assets, ...) for a period to a file."""
    ledger = CATALOGUE.get(kind)
    if ledger is None:
        fail(f'unknown ledger {kind!r}; the ledgers are: {", ".join(CATALOGUE)}')
    suffix = next((s for s in SUFFIXES if out.lower().endswith(s)), None)
    if suffix is None:
        fail(f'--out must end in .xlsx or .csv, not {out!r}')
    with db.database.connection_context(), force_locale(message_locale()):
        campus = (Campus.get_or_none(Campus.code == campus_code) if campus_code
                  else Campus.select().order_by(Campus.id).first())
        if campus is None:
            fail(f'no campus with the code {campus_code!r}' if campus_code else 'there is no campus yet')
        try:
            query = build_query(campus, {'period': 'custom', 'from': first, 'to': last}, campus.today())
        except FilterError as exc:
            fail(f'{exc} (--from {first} --to {last})')
        if suffix == '.xlsx':
            write_xlsx(ledger, query, out)
        else:
            with open(out, 'w', encoding='utf-8', newline='') as handle:
                for chunk in csv_chunks(ledger, query):
                    handle.write(chunk)
    click.echo(f'{ledger.kind}: {campus.code} {query.first}..{query.last} -> {out}')
