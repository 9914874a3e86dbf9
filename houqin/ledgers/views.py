"""The ledgers page (台账): every ledger of the catalogue with one filter form, and its xlsx / CSV download."""
import tempfile

from flask import Blueprint, Response, abort, g, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _

from houqin.ledgers.catalogue import CATALOGUE
from houqin.ledgers.filters import PERIODS, FilterError, NotOnCampus, build_query
from houqin.ledgers.writing import csv_chunks, file_name, write_xlsx
from houqin.models import Membership, Routine, User
from houqin.permissions import requires
from houqin.places.tree import place_choices

bp = Blueprint('ledgers', __name__, url_prefix='/ledgers')
FIELDS = ('period', 'from', 'to', 'place', 'routine', 'person')
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def filter_values():
    """The filter form's values as typed (period defaults to this month)."""
    values = {name: request.args.get(name, '').strip()[:40] for name in FIELDS}
    values['period'] = values['period'] or 'month'
    return values


def checked_query(values):
    """(query, error): the LedgerQuery for the values, or a message; another campus's id is a 404."""
    try:
        return build_query(g.campus, values, g.campus.today()), None
    except FilterError as exc:
        return None, str(exc)
    except NotOnCampus:
        abort(404)


def page(values, error=None, status=200):
    """The ledgers page with its filter form."""
    routines = Routine.select(Routine.id, Routine.name).where(Routine.campus == g.campus).order_by(Routine.name)
    people = (User.select(User.id, User.display_name, User.username).join(Membership)
              .where(Membership.campus == g.campus).order_by(User.display_name, User.username))
    return render_template('ledgers/index.html', ledgers=list(CATALOGUE.values()), values=values, error=error,
                           periods=PERIODS, places=place_choices(g.campus), routines=list(routines),
                           people=list(people)), status


@bp.route('/')
@requires('ledgers.export')
def index():
    """Every ledger with the filter form (period, place, routine, person) and its download buttons."""
    values = filter_values()
    _query, error = checked_query(values)
    return page(values, error, 400 if error else 200)


@bp.route('/download')
@requires('ledgers.export')
def download():
    """One ledger as .xlsx (streamed to a temporary file) or .csv (streamed to the client)."""
    values = filter_values()
    ledger = CATALOGUE.get(request.args.get('kind', ''))
    suffix = request.args.get('format', 'xlsx')
    if ledger is None or suffix not in ('xlsx', 'csv'):
        return page(values, _('Please choose a ledger from the list.'), 400)
    query, error = checked_query(values)
    if error:
        return page(values, error, 400)
    name = file_name(ledger, query, suffix)
    if suffix == 'csv':
        # In the request's context: the headers are translated (and the database read) while streaming.
        return Response(stream_with_context(csv_chunks(ledger, query)), mimetype='text/csv; charset=utf-8',
                        headers={'Content-Disposition': f'attachment; filename="{name}"'})
    out = tempfile.TemporaryFile()
    write_xlsx(ledger, query, out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)
