"""Custody pages (责任书): the term's overview and generating its lists, a head teacher's (or an office keeper's) lists
and signing one, the printable A4 责任书, and the term-end comparison with a stocktake, where damage is charged to the
class or office."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.custody import (OFFICE_STATUS_LABELS, STATUS_LABELS, CustodyRefused, charge_damage, closed_stocktakes, compare,
                                   current_term, default_stocktake, generate_lists, is_signer, line_counts,
                                   lists_to_sign, sign_list, signer_of, term_comparison, term_lists)
from houqin.models import CustodyLine, CustodyList, Item, Place, SchoolClass, Stocktake, Term
from houqin.permissions import can, requires
from houqin.places.tree import place_paths
from houqin.web import campus_or_404, client_address, int_or_none, markup_message, unbroken

bp = Blueprint('custody', __name__, url_prefix='/custody')


def campus_term(text):
    """The signed-in campus's term with this id (as typed), or None."""
    term_id = int_or_none(text)
    return Term.get_or_none((Term.id == term_id) & (Term.campus == g.campus)) if term_id else None


@bp.get('/')
@requires('custody.view')
def index():
    """The term's custody lists: which classes have signed; a manager generates the lists from the register."""
    terms = list(Term.select().where(Term.campus == g.campus).order_by(Term.starts_on.desc()))
    asked = request.args.get('term', '')
    term = campus_term(asked) if asked else current_term(g.campus, g.campus.today())
    status = 200
    if asked and term is None:
        flash(_('Please choose a term of this campus.'), 'error')
        term, status = current_term(g.campus, g.campus.today()), 400
    lists = term_lists(g.campus, term) if term else []
    listed = {c.school_class_id for c in lists}
    with_rooms = {p.school_class_id for p in Place.select(Place.school_class).where(
        (Place.campus == g.campus) & Place.school_class.is_null(False))}
    classes = list(SchoolClass.select().where((SchoolClass.campus == g.campus) & (SchoolClass.active == True)))  # noqa: E712
    return render_template('assets/custody_index.html', terms=terms, term=term, lists=lists,
                           counts=line_counts(lists), signed=sum(1 for c in lists if c.signed_at),
                           offices=sum(1 for c in lists if c.office_id),
                           no_rooms=sorted(c.name for c in classes if c.id not in with_rooms),
                           unlisted=sorted(c.name for c in classes if c.id in with_rooms and c.id not in listed)), \
        status


@bp.post('/generate')
@requires('custody.manage')
def generate():
    """Make (or refresh, while unsigned) one list per class and office for a term from what the register has in
    its rooms."""
    term = campus_term(request.form.get('term', '')[:30])
    if term is None:
        flash(_('Please choose a term of this campus.'), 'error')
        return redirect(url_for('custody.index'))
    done = generate_lists(g.campus, term)
    flash(_('Custody lists for %(term)s: %(new)d new, %(refreshed)d refreshed, %(kept)d unchanged or signed.',
            term=term.name, new=done.created, refreshed=done.refreshed, kept=done.kept), 'success')
    return redirect(url_for('custody.index', term=term.id))


@bp.get('/compare')
@requires('custody.view')
def term_compare():
    """Term end: every class's and office's list against a closed stocktake, with the missing and damaged of each."""
    asked_term, asked_take = request.args.get('term', ''), request.args.get('stocktake', '')
    term = campus_term(asked_term) if asked_term else current_term(g.campus, g.campus.today())
    takes = closed_stocktakes(g.campus)
    take = next((t for t in takes if t.id == int_or_none(asked_take)), None) if asked_take else None
    status = 200
    if (asked_term and term is None) or (asked_take and take is None):
        flash(_('Please choose a term and a closed stocktake of this campus.'), 'error')
        status = 400
        term = term or current_term(g.campus, g.campus.today())
    if take is None and takes:
        after = [t for t in takes if term and t.closed_at and t.closed_at.date() >= term.starts_on]
        take = (after or takes)[0]
    terms = list(Term.select().where(Term.campus == g.campus).order_by(Term.starts_on.desc()))
    rows = term_comparison(g.campus, term, take) if term and take else []
    return render_template('assets/custody_term_compare.html', terms=terms, term=term, takes=takes, take=take,
                           rows=rows), status


@bp.get('/mine')
@requires('custody.sign')
def mine():
    """我的班级财产: the lists of the classes one is head teacher of (and the offices one keeps), to check and sign."""
    lists = lists_to_sign(g.campus, current_user) if g.campus else []
    return render_template('assets/custody_mine.html', lists=lists, counts=line_counts(lists),
                           offices=any(c.office_id for c in lists))


def readable_list(custody_id):
    """The campus's list, for those who see every list or the one who signs it (404 for anyone else)."""
    custody = campus_or_404(CustodyList, custody_id)
    if not can('custody.view') and not is_signer(custody, current_user):
        abort(404)
    return custody


def list_page(custody, *, error=None, typed=None, status=200):
    """A list with its lines and signature; the sign form for its head teacher (or keeper) while unsigned."""
    lines = list(CustodyLine.select().where(CustodyLine.custody == custody.id).order_by(CustodyLine.id))
    return render_template('assets/custody_list.html', custody=custody, lines=lines, head=signer_of(custody),
                           may_sign=custody.signed_at is None and is_signer(custody, current_user),
                           error=error, typed=typed or {}), status


@bp.get('/lists/<int:custody_id>')
@requires('custody.sign')
def detail(custody_id):
    """One class's (or office's) list for the term: what it holds, and its signature (or the form to sign it)."""
    return list_page(readable_list(custody_id))


@bp.post('/lists/<int:custody_id>/sign')
@requires('custody.sign')
def sign(custody_id):
    """The head teacher (or the office's keeper) signs the list: typed name and tick; who, when and the device."""
    custody = campus_or_404(CustodyList, custody_id)
    if not is_signer(custody, current_user):
        abort(404)  # another class's or office's list: not theirs to see or sign
    typed = {'signed_name': request.form.get('signed_name', '')[:200], 'agreed': bool(request.form.get('agreed'))}
    try:
        sign_list(custody, current_user, signed_name=typed['signed_name'], agreed=typed['agreed'],
                  revision=int_or_none(request.form.get('revision', ''), 1, 1_000_000) or 0,
                  agent=request.user_agent.string or '', address=client_address())
    except CustodyRefused as refused:
        return list_page(CustodyList.get_by_id(custody.id), error=str(refused), typed=typed, status=400)
    flash(_('Signed. Thank you: the list is kept as you saw it.'), 'success')
    return redirect(url_for('custody.detail', custody_id=custody.id))


@bp.get('/lists/<int:custody_id>/print')
@requires('custody.sign')
def print_list(custody_id):
    """班级 (部门) 财产责任书 on A4: the school, class or office, term, the list and the signature lines (and the
    signature)."""
    custody = readable_list(custody_id)
    lines = list(CustodyLine.select().where(CustodyLine.custody == custody.id).order_by(CustodyLine.id))
    return render_template('assets/custody_print.html', custody=custody, lines=lines, head=signer_of(custody))


@bp.get('/lists/<int:custody_id>/compare')
@requires('custody.view')
def comparison(custody_id):
    """The list beside a closed stocktake: missing and damaged assets name the class or office; damage can be
    charged."""
    custody = campus_or_404(CustodyList, custody_id)
    takes = closed_stocktakes(g.campus)
    asked, status = request.args.get('stocktake', ''), 200
    take = None
    if asked:
        take = next((t for t in takes if t.id == int_or_none(asked)), None)
        if take is None:
            flash(_('Please choose a closed stocktake of this campus.'), 'error')
            status = 400
    take = take or default_stocktake(custody, takes)
    result = compare(custody, take) if take else None
    paths = {}
    if result:
        paths = place_paths(g.campus, {s.found_place_id for _l, _s, s in result.rows if s and s.found_place_id}
                            | {s.found_place_id for s in result.extra if s.found_place_id})
    extra_items = {}
    if result and result.extra:
        extra_items = {i.id: i for i in Item.select().where(Item.id.in_([s.item_id for s in result.extra]))}
    return render_template('assets/custody_compare.html', custody=custody, takes=takes, take=take, result=result,
                           statuses=OFFICE_STATUS_LABELS if custody.office_id else STATUS_LABELS, paths=paths, extra_items=extra_items), status


@bp.post('/lists/<int:custody_id>/lines/<int:custody_line_id>/charge')
@requires('custody.manage')
def charge(custody_id, custody_line_id):
    """Charge a damaged asset to the class (or office): its repair order names it; the amount is set on the order."""
    custody = campus_or_404(CustodyList, custody_id)
    line = CustodyLine.get_or_none((CustodyLine.id == custody_line_id) & (CustodyLine.custody == custody.id))
    take_id = int_or_none(request.form.get('stocktake', '')[:30])
    take = Stocktake.get_or_none((Stocktake.id == take_id) & (Stocktake.campus == g.campus)
                                 & (Stocktake.status == 'closed')) if take_id else None
    if line is None or take is None:
        flash(_('Please choose an asset of this list and a closed stocktake of this campus.'), 'error')
        return redirect(url_for('custody.comparison', custody_id=custody.id))
    try:
        order = charge_damage(custody, line, take, current_user)
    except CustodyRefused as refused:
        flash(str(refused), 'error')
    else:
        flash(markup_message(_('Charged to %(name)s: order %(number)s. Set the amount on the order.'),
                             name=custody.holder_name, number=unbroken(order.number)), 'success')
    return redirect(url_for('custody.comparison', custody_id=custody.id, stocktake=take.id))
