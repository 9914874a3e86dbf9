"""The start page after log-in: 今日任务 for whoever does routines, and where each role's work begins."""
import datetime

from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.custody import signer_counts
from houqin.assets.stocktake import open_stocktakes_for
from houqin.clock import format_local, utcnow, zone_name
from houqin.permissions import PUBLIC, SIGNED_IN, can, requires
from houqin.routines.service import person_routine_ids, slots_for_person

bp = Blueprint('home', __name__)


@bp.route('/')
@requires(SIGNED_IN)
def index():
    """今日任务 for people with routines; the logistics office without any goes to its overview."""
    has_routines = g.campus is not None and bool(person_routine_ids(g.campus.id, current_user, g.role))
    stocktakes = open_stocktakes_for(current_user, g.campus.id) if g.campus is not None else []
    if can('admin.view') and not has_routines and not stocktakes:
        return redirect(url_for('admin.index'))
    tasks = slots_for_person(g.campus, current_user, g.role) if has_routines else None
    return render_template('home/index.html', campus=g.campus, tasks=tasks, now=utcnow(),
                           custody=signer_counts(g.campus, current_user), stocktakes=stocktakes)


@bp.app_template_filter()
def window_text(slot):
    """A slot's window as people say it: 07:00–09:00, or 'until 11-30' for a whole period."""
    zone = zone_name(g.get('campus'))
    if slot.whole:
        return _('until %(day)s', day=format_local(slot.end - datetime.timedelta(seconds=1), zone, '%m-%d'))
    hours = f"{format_local(slot.start, zone, '%H:%M')}–{format_local(slot.end, zone, '%H:%M')}"
    return hours if slot.day == g.campus.today() else f"{slot.day:%m-%d} {hours}"


@bp.route('/healthz')
@requires(PUBLIC)
def healthz():
    """A probe for load balancers: the app answers and the schema is current."""
    return {'status': 'ok'}
