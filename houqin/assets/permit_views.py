"""Off-campus permit pages (出门条): the permits (valid now, not yet valid, expired, cancelled) and the gate's
latest checks, the issue form, cancelling."""
from flask import Blueprint, abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.permits import cancel_permit, check_permit, issue_permit, permits, recent_checks
from houqin.clock import format_local, utcnow, zone_name
from houqin.models import GatePermit, Item
from houqin.permissions import requires
from houqin.scan.records import new_submission_id, parse_submission_id
from houqin.templating import local_time
from houqin.web import asked_campus_row, campus_or_404, safe_redirect

bp = Blueprint('permits', __name__, url_prefix='/permits')


@bp.route('/')
@requires('permits.view')
def index():
    """Permits valid now first, then those not yet valid, expired and cancelled; the latest gate checks."""
    now = utcnow()
    return render_template('assets/permits.html', groups=permits(g.campus, now), checks=recent_checks(g.campus),
                           now=now)



def permit_page(typed, errors, item, status=200):
    """The issue form, with what was typed and what is wrong."""
    zone = zone_name(g.campus)
    now = utcnow()
    evening = '18:00' if format_local(now, zone, '%H:%M') < '17:00' else '23:59'  # till the end of the school day
    return render_template('assets/permit_form.html', typed=typed, errors=errors, item=item,
                           default_from=format_local(now, zone, '%Y-%m-%dT%H:%M'),
                           default_until=f'{g.campus.today().isoformat()}T{evening}',
                           submission=typed.get('submission') or new_submission_id()), status


@bp.route('/new')
@requires('permits.issue')
def new():
    """The permit form (from an asset's scan page the asset is already chosen)."""
    return permit_page({}, {}, asked_campus_row(Item, 'item'))


@bp.route('/new', methods=['POST'])
@requires('permits.issue')
def create():
    """Issue a permit: who takes the asset out, why, valid from until; stored once per form."""
    typed = {key: request.form.get(key, '')[:1000] for key in
             ('asset', 'carrier_name', 'carrier_unit', 'reason', 'valid_from', 'valid_until', 'submission')}
    item = asked_campus_row(Item, 'item')
    if request.form.get('item') and item is None:
        abort(404)
    submission = parse_submission_id(typed['submission'])
    if submission is None:
        return permit_page(typed, {'form': _('This form is incomplete; please reload the page.')}, item, 400)
    row = GatePermit.get_or_none(GatePermit.submission == submission)
    if row is None:
        permit, errors = check_permit(g.campus, request.form, utcnow(), item=item)
        if errors:
            return permit_page(typed, errors, item, 400)
        row, _fresh = issue_permit(g.campus, permit, current_user._get_current_object(), submission)
    flash(_('Permit issued: %(item)s may leave with %(name)s until %(time)s.', item=row.item.name,
            name=row.carrier_name, time=local_time(row.valid_until)), 'success')
    return safe_redirect(request.form.get('next', ''), url_for('permits.index'))


@bp.route('/<int:permit_id>/cancel', methods=['POST'])
@requires('permits.issue')
def cancel(permit_id):
    """Cancel a permit: from now the gate reads 不允许出门 for it."""
    permit = campus_or_404(GatePermit, permit_id)
    _fresh, cancelled = cancel_permit(permit, current_user._get_current_object())
    flash(_('Permit cancelled.') if cancelled else _('This permit was cancelled already.'),
          'success' if cancelled else 'info')
    return safe_redirect(request.form.get('next', ''), url_for('permits.index'))
