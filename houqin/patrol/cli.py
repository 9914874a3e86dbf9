"""`flask houqin patrol-check`: close rounds whose grace has ended (for cron; safe to run any time, and twice)."""
import click
from flask.cli import with_appcontext

from houqin import db
from houqin.patrol.evaluation import evaluate_due_rounds


@click.command('patrol-check')
@with_appcontext
def patrol_check_command():
    """Write missed checkpoints of finished patrol rounds and queue the managers' notifications."""
    with db.database.connection_context():
        runs = evaluate_due_rounds()
    missed = sum(1 for r in runs if r.status != 'complete')
    click.echo(f'Evaluated {len(runs)} patrol rounds; {missed} with missed checkpoints.')
