"""The records list (记录): every record of the campus with filters; the same list on a place's or asset's page."""
from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from houqin.history.records import (OUTCOMES, RecordFilter, describe, filtered_query, parse_id, people_choices,
                                    read_filter, record_page)
from houqin.models import Record, Routine
from houqin.permissions import requires
from houqin.places.tree import place_choices, place_paths
from houqin.routines.service import activity_names, routine_targets as service_targets

bp = Blueprint('history', __name__, url_prefix='/admin/records')

SECTION_SIZE = 10


def routine_choices(campus):
    """(id, name) of the campus's routines, for the routine filter."""
    return [(r.id, r.name) for r in Routine.select(Routine.id, Routine.name)
            .where(Routine.campus == campus).order_by(Routine.name, Routine.id)]


def routine_targets(campus, routine_id):
    """(activity, place ids, item ids) a routine covers, for the routine filter; nothing for another campus's."""
    routine = Routine.get_or_none((Routine.id == routine_id) & (Routine.campus == campus))
    if routine is None:
        return '', set(), set()
    targets = service_targets(routine)
    return (routine.activity, {t.id for t in targets if t.type == 'place'},
            {t.id for t in targets if t.type == 'item'})


def activity_choices(campus):
    """Every record activity: the built-in ones and those of the campus's own checklists."""
    return dict(activity_names(campus).items())


@bp.route('/')
@requires('admin.view')
def index():
    """All records of the campus, newest first, filtered by activity, routine, place, person, dates, outcome."""
    flt = read_filter(request.args, {'date': _('Please enter a date as YYYY-MM-DD.'),
                                     'range': _('The end date is before the start date.')})
    before = parse_id(request.args.get('before'))
    if flt.errors:
        page, rows = None, []
    else:
        targets = routine_targets(g.campus, flt.routine) if flt.routine else None
        page = record_page(filtered_query(g.campus, flt, targets), before)
        rows = describe(g.campus, page.rows, place_paths(g.campus, {r.place_id for r in page.rows if r.place_id}))
    return render_template('history/index.html', flt=flt, page=page, rows=rows,
                           activities=activity_choices(g.campus), routines=routine_choices(g.campus),
                           places=place_choices(g.campus), people=people_choices(g.campus), outcomes=OUTCOMES,
                           typed=request.args), 400 if flt.errors else 200


@bp.app_template_global()
def record_section(place=None, item=None):
    """The latest records at a place (not its assets) or at an asset, for its admin page (?records_before=)."""
    flt = RecordFilter(item=item.id if item is not None else None)
    query = filtered_query(g.campus, flt)
    if item is None:
        query = query.where((Record.place == place) & Record.item.is_null())
    page = record_page(query, parse_id(request.args.get('records_before')), per_page=SECTION_SIZE)
    rows = describe(g.campus, page.rows, place_paths(g.campus, {r.place_id for r in page.rows if r.place_id}))
    full = {'item': item.id} if item is not None else {'place': place.id}
    return {'page': page, 'rows': rows, 'full': full, 'activities': activity_names(g.campus)}
