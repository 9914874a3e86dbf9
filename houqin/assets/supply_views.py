"""Supplies pages: the storeroom's consumables with their balances, one supply's in/out ledger, receiving and
issuing (phone first; each form carries a submission id, so a double tap stores one movement)."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.supplies import (CATEGORY_LABELS, DIRECTION_LABELS, SupplyRefused, add_supply, campus_supplies,
                                    movements, parse_quantity, recipient_choices, record_movement)
from houqin.models import Supply, User
from houqin.permissions import requires
from houqin.scan.records import new_submission_id
from houqin.web import campus_or_404, int_or_none

bp = Blueprint('supplies', __name__, url_prefix='/supplies')


@bp.route('/')
@requires('supplies.view')
def index():
    """Every supply of the campus with its balance; the storeroom adds a new one."""
    return index_page({}, {})


@bp.route('/', methods=['POST'])
@requires('supplies.manage')
def add():
    """Register a consumable (name, kind, unit) with a zero balance."""
    typed = {k: request.form.get(k, '')[:200] for k in ('name', 'category', 'unit')}
    try:
        supply = add_supply(g.campus, name=typed['name'], category=typed['category'], unit=typed['unit'])
    except SupplyRefused as refused:
        return index_page({refused.field or 'name': str(refused)}, typed)
    flash(_('%(name)s added. Record what the storeroom received.', name=supply.name), 'success')
    return redirect(url_for('supplies.detail', supply_id=supply.id))


def index_page(errors, typed):
    """The list and the add form, with what was typed and its errors."""
    return render_template('assets/supplies_index.html', supplies=campus_supplies(g.campus.id),
                           categories=CATEGORY_LABELS, errors=errors, typed=typed), 400 if errors else 200


@bp.route('/<int:supply_id>')
@requires('supplies.view')
def detail(supply_id):
    """One supply: its balance, the forms to receive and issue, and every movement with the balance after it."""
    return detail_page(campus_or_404(Supply, supply_id), {}, {}, '')


def detail_page(supply, errors, typed, which, status=200):
    """The supply's page; `which` form ('in' or 'out') shows `typed` and `errors`."""
    rows = movements(supply)
    names = {u.id: u.display_name or u.username for u in User.select(User.id, User.display_name, User.username)
             .where(User.id.in_(({m.handled_by_id for m in rows} | {m.recipient_id for m in rows}) - {None}))} \
        if rows else {}
    return render_template('assets/supplies_detail.html', supply=supply, rows=rows, names=names,
                           categories=CATEGORY_LABELS, directions=DIRECTION_LABELS,
                           recipients=recipient_choices(g.campus.id), submission=new_submission_id(),
                           errors=errors, typed=typed, which=which), status


@bp.route('/<int:supply_id>/receive', methods=['POST'])
@requires('supplies.manage')
def receive(supply_id):
    """Record a receipt (入库): how many, from whom."""
    return move(campus_or_404(Supply, supply_id), 'in')


@bp.route('/<int:supply_id>/issue', methods=['POST'])
@requires('supplies.manage')
def issue(supply_id):
    """Record an issue (领用): how many, to whom, signed for; never more than the balance."""
    return move(campus_or_404(Supply, supply_id), 'out')


def move(supply, which):
    """Store the movement of the submitted form once; a repeat of the same form stores nothing more."""
    typed = {k: request.form.get(k, '')[:200] for k in ('quantity', 'party', 'recipient', 'signed_name', 'note')}
    recipient = None
    try:
        quantity = parse_quantity(typed['quantity'])
        if which == 'out' and typed['recipient']:
            recipient_id = int_or_none(typed['recipient'])
            recipient = User.get_or_none(User.id == recipient_id) if recipient_id else None
            if recipient is None or recipient_id not in {uid for uid, _n in recipient_choices(g.campus.id)}:
                raise SupplyRefused(_('Please choose an account of this campus.'), 'recipient')
        stored = record_movement(supply, current_user, direction=which, quantity=quantity,
                                 submission=request.form.get('submission', ''), party=typed['party'],
                                 recipient=recipient, signed_name=typed['signed_name'], note=typed['note'])
    except SupplyRefused as refused:
        return detail_page(Supply.get_by_id(supply.id), {refused.field or 'form': str(refused)}, typed, which, 400)
    movement = stored.movement
    if stored.new:
        flash(_('%(what)s: %(q)d %(unit)s. Balance %(n)d.', what=DIRECTION_LABELS[which], q=movement.quantity,
                unit=supply.unit, n=movement.balance_after), 'success')
    else:
        flash(_('This was recorded already; nothing was stored twice.'), 'info')
    return redirect(url_for('supplies.detail', supply_id=supply.id))
