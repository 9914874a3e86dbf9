"""`flask houqin canteen-routines`: give a campus the canteen's routines (每餐留样, 餐后消毒, 陪餐, 食堂月自检) once."""
import click
from flask.cli import with_appcontext

from houqin import db
from houqin.canteen.routines import add_canteen_routines
from houqin.models import Campus, Place, Routine


def one_place(campus, name, option):
    """The campus's only place of this name, else a usage error naming the option."""
    found = list(Place.select().where((Place.campus == campus) & (Place.name == name)).limit(2))
    if len(found) != 1:
        raise click.BadParameter(f'{"no" if not found else "more than one"} place named {name!r}',
                                 param_hint=option)
    return found[0]


@click.command('canteen-routines')
@with_appcontext
@click.option('--campus', 'code', required=True, help='campus code')
@click.option('--kitchen', required=True, help='the place where 消毒 and 月自检 are done (e.g. 操作间)')
@click.option('--dining-room', required=True, help='the place where teachers eat with pupils (e.g. 餐厅)')
@click.option('--no-disinfection', is_flag=True, help='the campus already has its own disinfection routine')
def canteen_routines_command(code, kitchen, dining_room, no_disinfection):
    """Create the canteen's routines on a campus; a campus that has a 每餐留样 routine is left alone."""
    with db.database.connection_context():
        campus = Campus.get_or_none(Campus.code == code)
        if campus is None:
            raise click.BadParameter(f'no campus with code {code!r}', param_hint='--campus')
        if Routine.select().where((Routine.campus == campus) & (Routine.activity == 'sample')
                                  & Routine.active).exists():
            click.echo('This campus already has its sample routine; nothing was changed.')
            return
        kitchen_place = one_place(campus, kitchen, '--kitchen')
        dining_place = one_place(campus, dining_room, '--dining-room')
        with db.write_transaction():
            made = add_canteen_routines(campus, kitchen_place, dining_place, disinfection=not no_disinfection)
    click.echo(f'Created {len(made)} routines: {"、".join(r.name for r in made)}.')
