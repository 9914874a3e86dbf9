"""Transfer pages (部门转移): the requests (all of them for the logistics office, one's own for a teacher), the
request form, approve / refuse."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.transfers import (STATUS_LABELS, TransferRefused, check_move, decide, department_of,
                                     request_transfer, transfers)
from houqin.models import Item, Transfer
from houqin.permissions import can, requires
from houqin.places.tree import place_choices
from houqin.scan.records import new_submission_id, parse_submission_id
from houqin.web import asked_campus_row, campus_or_404, safe_redirect

bp = Blueprint('transfers', __name__, url_prefix='/transfers')


@bp.route('/')
@requires('transfers.request')
def index():
    """Transfers waiting for approval first, then the decided ones; a teacher sees their own requests."""
    mine_only = not can('transfers.approve')
    rows = transfers(g.campus, user=current_user if mine_only else None)
    return render_template('assets/transfers.html', waiting=[t for t in rows if t.status == 'requested'],
                           decided=[t for t in rows if t.status != 'requested'], labels=STATUS_LABELS,
                           paths=dict(place_choices(g.campus)), mine_only=mine_only)



def request_page(typed, errors, item, status=200):
    """The request form, with what was typed and what is wrong."""
    places = place_choices(g.campus)
    return render_template('assets/transfer_form.html', typed=typed, errors=errors, item=item, places=places,
                           department=department_of(item) if item else '', paths=dict(places),
                           submission=typed.get('submission') or new_submission_id()), status


@bp.route('/new')
@requires('transfers.request')
def new():
    """The request form (from an asset's scan page the asset is already chosen)."""
    return request_page({}, {}, asked_campus_row(Item, 'item'))


@bp.route('/new', methods=['POST'])
@requires('transfers.request')
def create():
    """Ask to move an asset: to a place, department and/or custodian, with the reason; stored once per form."""
    typed = {key: request.form.get(key, '')[:1000] for key in
             ('asset', 'to_place', 'to_department', 'to_custodian', 'reason', 'submission')}
    item = asked_campus_row(Item, 'item')
    if request.form.get('item') and item is None:
        abort(404)
    submission = parse_submission_id(typed['submission'])
    if submission is None:
        return request_page(typed, {'form': _('This form is incomplete; please reload the page.')}, item, 400)
    if Transfer.get_or_none(Transfer.submission == submission) is None:
        move, errors = check_move(g.campus, request.form, item=item)
        if errors:
            return request_page(typed, errors, item, 400)
        request_transfer(g.campus, move, current_user._get_current_object(), submission)
    flash(_('Transfer requested; the logistics office approves it.'), 'success')
    return safe_redirect(request.form.get('next', ''), url_for('transfers.index'))


@bp.route('/<int:transfer_id>/decide', methods=['POST'])
@requires('transfers.approve')
def decide_one(transfer_id):
    """Approve (the register changes at once) or refuse a waiting request."""
    transfer = campus_or_404(Transfer, transfer_id)
    decision = request.form.get('decision', '')[:10]
    try:
        decide(transfer, current_user._get_current_object(), g.role, decision, request.form.get('note', '')[:200])
        flash(_('Transfer approved: the register is updated.') if decision == 'approve'
              else _('Transfer refused.'), 'success')
    except TransferRefused as refused:
        flash(str(refused), 'error')
    return redirect(url_for('transfers.index'))
