"""The canteen's pages: its home page, the sample fridge, the morning check, deliveries, staff and suppliers."""
import datetime

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin import clock
from houqin.canteen.checks import SYMPTOMS, record_check, roster, staff_of_campus, temperature_bounds
from houqin.canteen.deliveries import LINE_ROWS, UNITS, licence_state, record_delivery, save_supplier, suppliers
from houqin.canteen.samples import (DISH_ROWS, MEALS, MIN_WEIGHT, dispose, fridge_groups, keep_samples, meal_at,
                                    offered_dishes)
from houqin.canteen.staff import add_certificate, certificate_state, notify_certificates, save_staff, workers
from houqin.canteen.summary import canteen_day
from houqin.models import CanteenStaff, HealthCertificate, Tag
from houqin.permissions import requires
from houqin.scan.records import new_submission_id, parse_client_time, parse_submission_id
from houqin.tags import normalise_token
from houqin.web import client_address, int_or_none

bp = Blueprint('canteen', __name__, url_prefix='/canteen')


def request_now():
    """The present; in a test app, the `at` parameter (ISO, naive UTC) travels in time."""
    at = request.values.get('at', '')
    if at and current_app.config.get('TESTING'):
        try:
            return datetime.datetime.fromisoformat(at[:19])
        except ValueError:
            abort(400)
    return clock.utcnow()


def travel_args():
    """The `at` parameter to carry on links and forms (test apps only)."""
    at = request.values.get('at', '')
    return {'at': at[:19]} if at and current_app.config.get('TESTING') else {}


def label_of(token):
    """(tag, target) of an active label of the signed-in campus, else 404."""
    normal = normalise_token(token)
    tag = Tag.get_or_none(Tag.token == normal) if normal else None
    if tag is None or tag.status != 'active' or g.campus is None or tag.campus_id != g.campus.id:
        abort(404)
    kind, target = tag.target()
    if target is None:
        abort(404)
    return tag, target


def submission():
    """(submission id, phone clock) of a posted form; a form without a valid id is refused."""
    sid = parse_submission_id(request.form.get('submission_id'))
    if sid is None:
        abort(400)
    return sid, parse_client_time(request.form.get('client_time'))


@bp.route('/')
@requires('canteen.view')
def index():
    """The canteen's day: meals with their samples, the morning check, deliveries, certificates expiring."""
    now = request_now()
    day = canteen_day(g.campus, now)
    notify_certificates(g.campus.id, day['today'])
    return render_template('canteen/index.html', day=day, now=now, travel=travel_args())


@bp.route('/t/<token>/samples', methods=['GET', 'POST'])
@requires('canteen.record')
def fridge(token):
    """The sample fridge: keep today's samples of a meal, and dispose of those kept 48 hours."""
    tag, target = label_of(token)
    now = request_now()
    zone = clock.zone_name(g.campus)
    today = clock.to_local(now, zone).date()
    meal = request.values.get('meal') or meal_at(clock.to_local(now, zone))
    meal = meal if meal in MEALS else 'lunch'
    errors, typed, status = {}, None, 200
    if request.method == 'POST':
        sid, client_time = submission()
        kept = keep_samples(sid, tag, target, meal=request.form.get('meal', ''), form=request.form,
                            files=request.files, user=current_user._get_current_object(), now=now,
                            client_time=client_time, address=client_address())
        if not kept.errors:
            flash(_('%(n)d samples kept; dispose of them after %(time)s.', n=len(kept.samples),
                    time=clock.format_local(kept.samples[0].dispose_due, zone, '%m-%d %H:%M')) if kept.samples
                  else _('Samples kept.'), 'success')
            return redirect(url_for('canteen.fridge', token=tag.token, meal=meal, **travel_args()))
        errors, typed, status = kept.errors, request.form, 400
        flash(_('Nothing was kept: please correct what is marked below.'), 'error')
    if typed is not None:
        rows = [{'dish': typed.get(f'dish{i}', ''), 'weight': typed.get(f'weight{i}', '')} for i in range(DISH_ROWS)]
    else:
        rows = offered_dishes(g.campus.id, target, meal, today)
    # The typed or offered rows, then blank ones: at least four rows and two blank (a phone scrolls less), at most
    # DISH_ROWS.
    while rows and not (rows[-1]['dish'] or rows[-1]['weight']):
        rows.pop()
    rows = (rows + [{'dish': '', 'weight': ''}] * max(2, 4 - len(rows)))[:max(DISH_ROWS, len(rows))]
    return render_template('canteen/fridge.html', tag=tag, target=target, meal=meal, meals=MEALS, rows=rows,
                           errors=errors, groups=fridge_groups(g.campus.id, target, now), now=now,
                           min_weight=MIN_WEIGHT, submission_id=new_submission_id() if typed is None
                           else request.form.get('submission_id'), travel=travel_args(), today=today), status


@bp.route('/t/<token>/dispose', methods=['POST'])
@requires('canteen.record')
def dispose_samples(token):
    """One tap: the chosen samples are disposed of, by whom and when."""
    tag, _target = label_of(token)
    ids = [i for i in (int_or_none(v) for v in request.form.getlist('sample')) if i is not None]
    done = dispose(g.campus.id, ids, current_user._get_current_object(), now=request_now())
    if done:
        flash(_('%(n)d samples disposed of.', n=done), 'success')
    else:
        flash(_('Nothing was disposed of: those samples were already disposed of.'), 'error')
    return redirect(url_for('canteen.fridge', token=tag.token, **travel_args()))


@bp.route('/t/<token>/check', methods=['GET', 'POST'])
@requires('canteen.record')
def morning(token):
    """The morning health check at the canteen entrance: each worker on today's roster."""
    tag, target = label_of(token)
    now = request_now()
    today = clock.today(clock.zone_name(g.campus), now)
    errors, typed, status, open_id = {}, {}, 200, None
    today_workers = workers(g.campus.id, today)
    if request.method == 'POST':
        sid, client_time = submission()
        staff = staff_of_campus(g.campus.id, int_or_none(request.form.get('staff')) or 0)
        if staff is None:
            abort(404)
        state = next((w.state for w in today_workers if w.staff.id == staff.id), 'none')
        check, _created, errors = record_check(sid, tag, target, staff, request.form,
                                               user=current_user._get_current_object(), certificate_state=state,
                                               now=now, client_time=client_time, address=client_address())
        if not errors:
            flash(_('%(name)s: %(what)s.', name=staff.name,
                    what=_('fit to work') if check.fit else _('sent home')), 'success')
            return redirect(url_for('canteen.morning', token=tag.token, **travel_args()))
        typed, status, open_id = request.form, 400, staff.id
        flash(_('Not saved: please correct what is marked below.'), 'error')
    lines = roster(g.campus.id, today, today_workers)
    return render_template('canteen/morning.html', tag=tag, target=target, lines=lines, errors=errors,
                           typed=typed, open_id=open_id, symptoms=SYMPTOMS, bounds=temperature_bounds(g.campus.id),
                           ids={line.worker.staff.id: new_submission_id() for line in lines}, today=today,
                           travel=travel_args()), status


@bp.route('/t/<token>/delivery', methods=['GET', 'POST'])
@requires('canteen.record')
def delivery(token):
    """Check a delivery at the storeroom: supplier, items, accepted or refused, photos of note and licences."""
    tag, target = label_of(token)
    now = request_now()
    today = clock.today(clock.zone_name(g.campus), now)
    errors, typed, status = {}, {}, 200
    if request.method == 'POST':
        sid, client_time = submission()
        found, _created, errors = record_delivery(sid, tag, target, request.form, request.files,
                                                  user=current_user._get_current_object(), now=now,
                                                  client_time=client_time, address=client_address())
        if not errors:
            flash(_('Delivery from %(name)s recorded: %(n)d items refused.', name=found.supplier_name,
                    n=found.refused) if found.refused else
                  _('Delivery from %(name)s recorded.', name=found.supplier_name), 'success')
            return redirect(url_for('canteen.delivery', token=tag.token, **travel_args()))
        typed, status = request.form, 400
        flash(_('Nothing was saved: please correct what is marked below.'), 'error')
    found = suppliers(g.campus.id)
    return render_template('canteen/delivery.html', tag=tag, target=target, suppliers=found, errors=errors,
                           typed=typed, rows=range(LINE_ROWS), units=UNITS, today=today,
                           states={s.id: licence_state(s, today) for s in found},
                           submission_id=request.form.get('submission_id') if typed else new_submission_id(),
                           travel=travel_args()), status


@bp.route('/staff', methods=['GET', 'POST'])
@requires('canteen.record')
def staff_list():
    """The canteen's workers with their health certificates; add a worker."""
    errors, typed, status = {}, {}, 200
    if request.method == 'POST':
        staff, errors = save_staff(g.campus.id, request.form, current_user._get_current_object())
        if not errors:
            flash(_('%(name)s added.', name=staff.name), 'success')
            return redirect(url_for('canteen.staff_detail', staff_id=staff.id))
        typed, status = request.form, 400
    today = clock.today(clock.zone_name(g.campus), request_now())
    return render_template('canteen/staff.html', workers=workers(g.campus.id, today), errors=errors, typed=typed,
                           today=today), status


@bp.route('/staff/<int:staff_id>', methods=['GET', 'POST'])
@requires('canteen.record')
def staff_detail(staff_id):
    """One worker: their certificates; add a new certificate with its photo."""
    staff = CanteenStaff.get_or_none((CanteenStaff.id == staff_id) & (CanteenStaff.campus == g.campus))
    if staff is None:
        abort(404)
    errors, typed, status = {}, {}, 200
    if request.method == 'POST':
        _cert, errors = add_certificate(staff, request.form, request.files, current_user._get_current_object())
        if not errors:
            flash(_('Health certificate saved.'), 'success')
            return redirect(url_for('canteen.staff_detail', staff_id=staff.id))
        typed, status = request.form, 400
    today = clock.today(clock.zone_name(g.campus), request_now())
    certs = list(staff.certificates.order_by(HealthCertificate.expires_on.desc()))
    return render_template('canteen/staff_detail.html', staff=staff, certs=certs, errors=errors, typed=typed,
                           state=certificate_state(certs[0] if certs else None, today), today=today), status


@bp.route('/suppliers', methods=['GET', 'POST'])
@requires('canteen.record')
def supplier_list():
    """Suppliers with their licence expiry (索证); add one."""
    errors, typed, status = {}, {}, 200
    if request.method == 'POST':
        supplier, errors = save_supplier(g.campus.id, request.form)
        if not errors:
            flash(_('%(name)s added.', name=supplier.name), 'success')
            return redirect(url_for('canteen.supplier_list'))
        typed, status = request.form, 400
    today = clock.today(clock.zone_name(g.campus), request_now())
    found = suppliers(g.campus.id)
    return render_template('canteen/suppliers.html', suppliers=found, errors=errors, typed=typed,
                           states={s.id: licence_state(s, today) for s in found}), status
