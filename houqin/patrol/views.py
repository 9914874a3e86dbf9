"""The guard's pages: tonight's rounds, a scan's panel, anomalies, location evidence, the duty log."""
import datetime

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import JOIN
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import DutyLog, PatrolScan, User
from houqin.patrol import evidence
from houqin.patrol.anomalies import NOTE_MAX, anomaly_label, report_anomaly
from houqin.patrol.checkpoints import ANOMALIES, evidence_refusal, record_evidence, with_progress
from houqin.patrol.evaluation import evaluate_due_rounds
from houqin.patrol.reports import tonight
from houqin.patrol.rounds import night_of
from houqin.permissions import can, requires
from houqin.photos import PhotoError, prepare_photo
from houqin.scan.actions import UNDO_SECONDS, latest_undoable, undo_record
from houqin.scan.records import parse_client_time
from houqin.vocab import select_choices
from houqin.web import https_site, markup_message, unbroken

bp = Blueprint('patrol', __name__, url_prefix='/patrol')

DUTY_KINDS = {'start': _l('Taking over the shift'), 'handover': _l('Handing over'),
              'incident': _l('Incident'), 'note': _l('Note')}


def campus_scan(scan_id):
    """A scan of the current campus that the viewer may see (guards: their own), or 404."""
    scan = PatrolScan.get_or_none((PatrolScan.id == scan_id) & (PatrolScan.campus == g.campus))
    if scan is None or (not can('patrol.manage') and scan.user_id != current_user.id):
        abort(404)
    return scan


def scan_page(scan, status=200):
    """A scan's own page: the patrol panel, the anomalies reported there, and its flags."""
    scan = with_progress(scan) if not hasattr(scan, 'progress') else scan
    undo = latest_undoable(current_user, scan_id=scan.id) if scan.user_id == current_user.id else None
    return render_template('patrol/scan.html', patrol_scan=scan, anomaly_label=anomaly_label, undo=undo,
                           undo_seconds=UNDO_SECONDS), status


@bp.route('/')
@requires('patrol.duty')
def index():
    """Tonight: each route's current round and its progress, the next round, and rounds missed lately."""
    evaluate_due_rounds(campus=g.campus)
    return render_template('patrol/index.html', routes=tonight(g.campus), https=https_site())


@bp.route('/scans/<int:scan_id>')
@requires('patrol.duty')
def scan_detail(scan_id):
    """One checkpoint scan with the route's progress and the one-tap anomalies."""
    return scan_page(campus_scan(scan_id))


@bp.route('/scans/<int:scan_id>/anomaly', methods=['POST'])
@requires('patrol.scan')
def scan_anomaly(scan_id):
    """Report an anomaly at the scanned checkpoint (one tap; photo, note and hazard optional)."""
    scan = with_progress(campus_scan(scan_id))
    kind, note = request.form.get('anomaly', ''), request.form.get('note', '').strip()
    hazard = bool(request.form.get('hazard'))
    scan.progress.note, scan.progress.hazard = note, hazard
    if kind not in ANOMALIES:
        scan.progress.errors.append(_('Please tap one of the anomalies.'))
    if len(note) > NOTE_MAX:
        scan.progress.errors.append(_('The note is too long (at most %(n)d characters).', n=NOTE_MAX))
    photo = None
    upload = request.files.get('photo')
    if upload is not None and upload.filename:
        try:
            photo = prepare_photo(upload)
        except PhotoError as exc:
            scan.progress.errors.append(str(exc))
    if scan.progress.errors:
        return scan_page(scan, 400)
    try:
        _record, order, _created = report_anomaly(scan, current_user._get_current_object(), kind, note=note,
                                                  hazard=hazard, photo=photo, submission_id=request.form.get('uuid'))
    except ImportError:
        scan.progress.errors.append(_('Work orders are not available yet; the anomaly was not saved. '
                                      'Report it without marking a hazard, or call the logistics office.'))
        return scan_page(scan, 503)
    if order is not None:
        flash(markup_message(_('Recorded: %(anomaly)s. Work order %(number)s was opened and the managers were '
                               'notified.'), anomaly=anomaly_label(kind), number=unbroken(order.number)), 'success')
    else:
        flash(_('Recorded: %(anomaly)s.', anomaly=anomaly_label(kind)), 'success')
    return redirect(url_for('patrol.scan_detail', scan_id=scan.id))


@bp.route('/scans/<int:scan_id>/undo', methods=['POST'])
@requires('patrol.scan')
def scan_undo(scan_id):
    """Take back one's own one-tap anomaly within half a minute (a hazard's work order is cancelled on its page)."""
    scan = campus_scan(scan_id)
    record = latest_undoable(current_user, scan_id=scan.id)

    def unlist(gone):
        """Drop the anomaly from its scan's list, in the undo's transaction."""
        fresh = PatrolScan.get_by_id(scan.id)
        fresh.anomalies = [a for a in fresh.anomalies or [] if a.get('record') != gone.id]
        fresh.save(only=[PatrolScan.anomalies])
    if record is None or str(record.id) != request.form.get('record', ''):
        flash(_('This can no longer be undone (only your own record, within %(n)d seconds).', n=UNDO_SECONDS),
              'error')
    elif undo_record(record, current_user._get_current_object(), on_delete=unlist):
        flash(_('Undone: %(anomaly)s is no longer recorded.', anomaly=anomaly_label(record.answers.get('anomaly'))),
              'success')
    return redirect(url_for('patrol.scan_detail', scan_id=scan.id))


@bp.route('/scans/<int:scan_id>/evidence', methods=['POST'])
@requires('patrol.scan')
def scan_evidence(scan_id):
    """The phone's clock and (on HTTPS, if the guard allows it) its location, sent by static/patrol.js from
    the page view that made the scan (its token), within EVIDENCE_SECONDS of it."""
    scan = campus_scan(scan_id)
    refused = evidence_refusal(scan, request.form.get('token'), current_app.config['SECRET_KEY'])
    if refused == 'token':
        return jsonify(error=_('This page did not make this scan; nothing was recorded.')), 400
    if refused == 'late':
        return jsonify(error=_('Too late for this scan; nothing was recorded.')), 409
    client_time = parse_client_time(request.form.get('client_time'))
    location = None
    fields = [request.form.get(k) for k in ('latitude', 'longitude', 'accuracy')]
    if any(fields):
        if not evidence.valid_location(*fields):
            return jsonify(error=_('The location is not valid.')), 400
        location = tuple(float(v) for v in fields)
    if client_time is None and location is None:
        return jsonify(error=_('Nothing to record.')), 400
    scan = record_evidence(scan, client_time=client_time, location=location)
    return jsonify(flags=[f['code'] for f in scan.flags or []])


class DutyLogForm(FlaskForm):
    kind = SelectField(_l('Entry'), choices=select_choices(DUTY_KINDS), default='note')
    body = TextAreaField(_l('What happened, what was handed over'), validators=[
        DataRequired(_l('Please write the entry.')), Length(max=2000, message=_l('At most 2000 characters.'))])
    for_next_shift = BooleanField(_l('The next shift must know this'))


@bp.route('/duty', methods=['GET', 'POST'])
@requires('patrol.duty')
def duty_log():
    """The duty log (值班记录): taking over, handing over, incidents, what the next shift must know."""
    form = DutyLogForm()
    zone = g.campus.timezone
    now = utcnow()
    if form.validate_on_submit():
        with write_transaction():
            DutyLog.create(campus=g.campus, user=current_user.id, kind=form.kind.data, body=form.body.data.strip(),
                           for_next_shift=form.for_next_shift.data, night=night_of(now, zone), created_at=now)
        flash(_('Added to the duty log.'), 'success')
        return redirect(url_for('patrol.duty_log'))
    night = night_of(now, zone)
    entries = list(DutyLog.select(DutyLog, User).join(User, on=(DutyLog.user == User.id), join_type=JOIN.LEFT_OUTER)
                   .where((DutyLog.campus == g.campus) & (DutyLog.night >= night - datetime.timedelta(days=2)))
                   .order_by(DutyLog.created_at.desc()))
    handed_over = [e for e in entries if e.for_next_shift and e.created_at >= now - datetime.timedelta(hours=24)]
    return render_template('patrol/duty.html', form=form, entries=entries, handed_over=handed_over,
                           kinds=DUTY_KINDS, night=night), (400 if form.errors else 200)
