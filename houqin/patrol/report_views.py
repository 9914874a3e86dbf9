"""Patrol reports: per night and per guard, and the printable duty sheet for a night. Viewing them first
evaluates any round whose grace has ended (the same work as `flask houqin patrol-check`)."""
import datetime

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l

from houqin.clock import utcnow
from houqin.patrol.anomalies import anomaly_label
from houqin.patrol.evaluation import evaluate_due_rounds
from houqin.patrol.reports import default_night, guard_report, night_report
from houqin.web import bounded_date
from houqin.permissions import requires

bp = Blueprint('patrol_reports', __name__, url_prefix='/patrol/reports')

STATUS_LABELS = {'complete': _l('Complete'), 'incomplete': _l('Checkpoints missed'), 'missed': _l('Round missed'),
                 'open': _l('Under way'), 'pending': _l('Being checked'), 'upcoming': _l('Not started')}
LOCATION_LABELS = {'no_location': _l('no location'), 'no_checkpoint_location': _l('checkpoint has no location'),
                   'inaccurate': _l('location too inaccurate to compare')}
MAX_NIGHTS = 62


def flag_text(flag):
    """What a flag means, in words."""
    code = flag.get('code')
    if code == 'burst':
        return _('%(count)d checkpoints within %(seconds)d s', count=flag['count'], seconds=flag['seconds'])
    if code == 'too_fast':
        return _('walked in %(minutes)s min; at least %(minimum)d min expected',
                 minutes=f"{flag['seconds'] / 60:.1f}", minimum=flag['minimum'])
    if code == 'clock':
        return _('phone clock %(minutes)+d min off the server', minutes=round(flag['seconds'] / 60))
    if code == 'far':
        return _('%(metres)d m from the checkpoint', metres=flag['metres'])
    return code


def location_text(verdict):
    """The location comparison of a scan, in words."""
    kind, detail = verdict
    if kind == 'near':
        return _('%(metres)d m from the checkpoint', metres=detail)
    if kind == 'far':
        return _('%(metres)d m from the checkpoint', metres=detail)
    return str(LOCATION_LABELS.get(detail, detail))


@bp.app_template_global('patrol_helpers')
def patrol_helpers():
    """Names the report templates use."""
    return {'flag': flag_text, 'location': location_text, 'status': STATUS_LABELS, 'anomaly': anomaly_label}


def night_argument(name='night'):
    """(date, error, typed) from ?night=YYYY-MM-DD; the default is the latest night that has begun."""
    typed = request.args.get(name, '').strip()
    if not typed:
        return default_night(g.campus), None, ''
    try:
        return bounded_date(typed), None, typed
    except ValueError:
        return default_night(g.campus), _('“%(text)s” is not a date; use the date picker or write it like 2026-03-10.',
                                          text=typed[:30]), typed[:30]


@bp.route('/')
@requires('patrol.reports')
def night():
    """One night: rounds per route with missed, late, out-of-order and flagged checkpoints; anomalies; duty log."""
    evaluate_due_rounds(campus=g.campus)
    day, error, typed = night_argument()
    report = night_report(g.campus, day)
    return render_template('patrol/night.html', report=report, error=error, typed=typed,
                           previous=day - datetime.timedelta(days=1), next=day + datetime.timedelta(days=1),
                           today=default_night(g.campus)), (400 if error else 200)


@bp.route('/guards')
@requires('patrol.reports')
def guards():
    """Per guard over a run of nights: rounds walked and completed, checkpoints missed, late, flagged."""
    evaluate_due_rounds(campus=g.campus)
    last, error_last, typed_last = night_argument('to')
    first, error_first, typed_first = night_argument('from')
    if not request.args.get('from'):
        first = last - datetime.timedelta(days=6)
    error = error_first or error_last
    if not error and first > last:
        error = _('The first night is after the last one.')
    if not error and (last - first).days >= MAX_NIGHTS:
        error = _('Choose at most %(n)d nights.', n=MAX_NIGHTS)
    if error:
        first, last = last - datetime.timedelta(days=6), last
    report = guard_report(g.campus, first, last)
    return render_template('patrol/guards.html', report=report, error=error, typed_from=typed_first or first.isoformat(),
                           typed_to=typed_last or last.isoformat()), (400 if error else 200)


@bp.route('/sheet')
@requires('patrol.reports')
def sheet():
    """The duty sheet of a night, to print and sign (值班记录表)."""
    evaluate_due_rounds(campus=g.campus)
    day, error, typed = night_argument()
    report = night_report(g.campus, day)
    return render_template('patrol/sheet.html', report=report, error=error, printed_at=utcnow()), \
        (400 if error else 200)
