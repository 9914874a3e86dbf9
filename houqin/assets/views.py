"""Stocktake pages: the list and opening one, a counter's scanning page, reconciliation, close."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.stocktake import (CONDITION_LABELS, ODDITY_LABELS, StocktakeRefused, blank_labels_of,
                                     close_stocktake, confirm_item, current_room, find_by_code, open_stocktake,
                                     reconcile, record_count_scan, register_blank, report_damage, resolve_elsewhere,
                                     scan_message, scope_place_ids, set_condition, set_room)
from houqin.models import Item, Place, Stocktake, StocktakeLine, Tag, User, WorkOrder
from houqin.accounts.members import campus_staff
from houqin.permissions import requires
from houqin.places.tree import place_choices, place_paths
from houqin.tags import normalise_token
from houqin.vocab import ITEM_KIND_LABELS, ROLE_LABELS
from houqin.web import campus_or_404, int_or_none

bp = Blueprint('assets', __name__, url_prefix='/stocktakes')



@bp.route('/')
@requires('stocktake.view')
def index():
    """The campus's stocktakes; a manager opens a new one for a scope with counters."""
    return index_page({}, {})


@bp.route('/', methods=['POST'])
@requires('stocktake.manage')
def open_new():
    """Open a stocktake: its name, scope (a subtree, a kind) and counters; the register is snapshot."""
    errors = {}
    staff = campus_staff(g.campus)
    typed = {'name': request.form.get('name', '')[:100], 'scope': request.form.get('scope', ''),
             'kind': request.form.get('kind', ''), 'counters': request.form.getlist('counters')}
    name = typed['name'].strip()
    scope_id = int_or_none(typed['scope']) if typed['scope'] else None
    scope = Place.get_or_none((Place.id == scope_id) & (Place.campus == g.campus)) if scope_id else None
    counter_ids = {int_or_none(c) for c in typed['counters']} - {None}
    if not name:
        errors['name'] = _('Please give the stocktake a name.')
    if typed['scope'] and scope is None:
        errors['scope'] = _('Please choose a place of this campus.')
    if typed['kind'] and typed['kind'] not in ITEM_KIND_LABELS:
        errors['kind'] = _('Please choose a kind from the list.')
    if not counter_ids or not counter_ids <= {u.id for u, _r in staff}:
        errors['counters'] = _('Choose at least one counter of this campus.')
    if not errors:
        take = open_stocktake(g.campus, current_user, name=name, scope_place=scope, scope_kind=typed['kind'],
                              counters=counter_ids)
        flash(_('Stocktake opened: %(n)s assets expected.', n=take.lines.count()), 'success')
        return redirect(url_for('assets.detail', stocktake_id=take.id))
    return index_page(errors, typed)


def index_page(errors, typed):
    """The list of stocktakes and the form to open one (with what was typed and its errors)."""
    staff = campus_staff(g.campus)
    places = place_choices(g.campus)
    takes = list(Stocktake.select().where(Stocktake.campus == g.campus).order_by(Stocktake.id.desc()).limit(50))
    mine = [t for t in takes if t.status == 'open' and current_user.id in t.counters]
    return render_template('assets/index.html', takes=takes, mine=mine, staff=staff, places=places,
                           kinds=ITEM_KIND_LABELS, roles=ROLE_LABELS, errors=errors, typed=typed,
                           paths=place_paths(g.campus, [t.scope_place_id for t in takes if t.scope_place_id])), \
        400 if errors else 200


def counter_stocktake(stocktake_id):
    """This campus's stocktake that the signed-in user counts in (404 otherwise)."""
    take = campus_or_404(Stocktake, stocktake_id)
    if current_user.id not in take.counters:
        abort(404)
    return take


@bp.route('/<int:stocktake_id>/count', methods=['GET', 'POST'])
@requires('stocktake.count')
def count(stocktake_id):
    """A counter's page: the room, then each scanned or typed label confirms an asset there; stays on the page."""
    take = counter_stocktake(stocktake_id)
    message, status = None, 200
    if request.method == 'POST' and take.status == 'open':
        room_id = int_or_none(request.form.get('room', ''))
        code = request.form.get('code', '')[:200].strip()
        if room_id is not None:
            room = Place.get_or_none((Place.id == room_id) & (Place.campus == g.campus))
            if room is None:
                message, status = ('error', _('Please choose a place of this campus.')), 400
            else:
                set_room(take, current_user, room)
                message = ('success', _('Counting in %(room)s.', room=room.name))
        elif code:
            message, status = count_code(take, code)
        else:
            message, status = ('error', _('Scan a label or type a code.')), 400
    return count_page(take, message, status)


def count_page(take, message=None, status=200, errors=None, typed=None):
    """The counting page: the room, its expected assets (with a damaged button on counted ones), the blank labels
    to register, the counter's progress; `errors`/`typed` are the register form's (by oddity id)."""
    room = current_room(take, current_user)
    done = (StocktakeLine.select().where((StocktakeLine.stocktake == take.id)
                                         & (StocktakeLine.found_by == current_user.id)).count())
    in_room = []
    if room is not None:
        in_room = list(StocktakeLine.select(StocktakeLine, Item).join(Item)
                       .where((StocktakeLine.stocktake == take.id) & (StocktakeLine.expected_place == room.id))
                       .order_by(Item.name, Item.id))
    allowed = scope_place_ids(take)
    rooms = [(pid, path) for pid, path in place_choices(g.campus) if allowed is None or pid in allowed]
    blanks = blank_labels_of(take, current_user) if take.status == 'open' else []
    room_names = place_paths(g.campus, [o.place_id for o in blanks]) if blanks else {}
    orders = {o.id: o for o in WorkOrder.select().where(WorkOrder.id.in_([l.order_id for l in in_room if l.order_id]))}
    return render_template('assets/count.html', take=take, room=room, done=done, in_room=in_room, rooms=rooms,
                           message=message, oddities=ODDITY_LABELS, blanks=blanks, room_names=room_names,
                           kinds=ITEM_KIND_LABELS, errors=errors or {}, typed=typed or {}, orders=orders,
                           room_found=sum(1 for l in in_room if l.found_at is not None)), status


@bp.route('/<int:stocktake_id>/count/lines/<int:line_id>/damaged', methods=['POST'])
@requires('stocktake.count')
def damaged(stocktake_id, line_id):
    """A counter notes a counted asset as damaged: its repair is reported once (a second tap opens no second)."""
    take = counter_stocktake(stocktake_id)
    try:
        line = report_damage(take, current_user, line_id, request.form.get('note', '')[:500])
        order = WorkOrder.get_by_id(line.order_id)
        flash(_('Noted as damaged; repair %(number)s is reported.', number=order.number), 'success')
    except StocktakeRefused as refused:
        flash(str(refused), 'error')
    return redirect(url_for('assets.count', stocktake_id=take.id))


@bp.route('/<int:stocktake_id>/count/blanks/<int:oddity_id>', methods=['POST'])
@requires('stocktake.count')
def register(stocktake_id, oddity_id):
    """Register the asset a blank label was found on: name, kind, asset number; it is then found in that room."""
    take = counter_stocktake(stocktake_id)
    typed = {k: request.form.get(k, '')[:200] for k in ('name', 'kind', 'asset_number')}
    try:
        item = register_blank(take, current_user, oddity_id, name=typed['name'], kind=typed['kind'],
                              asset_number=typed['asset_number'])
    except StocktakeRefused as refused:
        return count_page(take, ('error', str(refused)), 400, {oddity_id: {refused.field or 'form': str(refused)}},
                          {oddity_id: typed})
    flash(_('%(item)s is registered, its label attached, and counted here.', item=item.name), 'success')
    return redirect(url_for('assets.count', stocktake_id=take.id))


def count_code(take, code):
    """Count what a scanned URL, a typed label code or an asset number names; (flash message, status)."""
    token = normalise_token(code.rsplit('/', 1)[-1])
    tag = Tag.get_or_none(Tag.token == token) if token else None
    if tag is not None:
        result = record_count_scan(take, current_user, tag)
    else:
        item = find_by_code(take, code)
        if item is None:
            return ('error', _('No label or asset has the code %(code)s.', code=code[:60])), 400
        room = current_room(take, current_user)
        if room is None:
            return ('error', _('Scan the room\'s label first (or choose the room).')), 400
        result = confirm_item(take, current_user, item, room)
    return scan_message(result), 200


@bp.route('/<int:stocktake_id>')
@requires('stocktake.view')
def detail(stocktake_id):
    """The reconciliation: found here, found elsewhere, missing, unexpected, twice; progress by room and counter."""
    take = campus_or_404(Stocktake, stocktake_id)
    result = reconcile(take)
    lines = result.here + result.elsewhere + result.missing
    items = {i.id: i for i in Item.select().where(Item.id.in_([l.item_id for l in lines]))} if lines else {}
    place_ids = {l.expected_place_id for l in lines} | {l.found_place_id for l in lines} | \
        {o.place_id for o in result.unexpected} | {pid for pid, _e, _f in result.rooms}
    paths = place_paths(g.campus, [p for p in place_ids if p])
    names = {u.id: u.display_name or u.username for u in User.select().where(
        User.id.in_(list(result.counters) + take.counters + [take.closed_by_id or 0]))}
    orders = {o.id: o for o in WorkOrder.select().where(
        WorkOrder.id.in_([l.order_id for l in result.damaged if l.order_id]))} if result.damaged else {}
    return render_template('assets/detail.html', take=take, result=result, items=items, paths=paths, names=names,
                           oddities=ODDITY_LABELS, conditions=CONDITION_LABELS, orders=orders,
                           damaged={l.id for l in result.damaged})


@bp.route('/<int:stocktake_id>/lines/<int:line_id>', methods=['POST'])
@requires('stocktake.manage')
def line(stocktake_id, line_id):
    """One tap on a line: move it in the register / belongs there (borrowed), or its condition."""
    take = campus_or_404(Stocktake, stocktake_id)
    try:
        if 'resolution' in request.form:
            resolve_elsewhere(take, line_id, request.form.get('resolution', '')[:20])
        elif request.form.get('condition') == 'damaged':
            report_damage(take, current_user, line_id)
        else:
            set_condition(take, line_id, request.form.get('condition', '')[:20])
    except StocktakeRefused as refused:
        flash(str(refused), 'error')
    return redirect(url_for('assets.detail', stocktake_id=take.id))


@bp.route('/<int:stocktake_id>/close', methods=['POST'])
@requires('stocktake.manage')
def close(stocktake_id):
    """Sign off the stocktake: the differences go into the register in one transaction."""
    take = campus_or_404(Stocktake, stocktake_id)
    try:
        close_stocktake(take, current_user, request.form.get('signed_name', '')[:50])
        flash(_('Stocktake closed; the register is updated.'), 'success')
    except StocktakeRefused as refused:
        flash(str(refused), 'error')
    return redirect(url_for('assets.detail', stocktake_id=take.id))
