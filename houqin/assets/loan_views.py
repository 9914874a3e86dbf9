"""Loan pages (借用): the list (on loan, overdue, returned), the lend form, the return (from the list or the
asset's scan page)."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.loans import (SHOWN, LoanRefused, check_lending, is_overdue, lend, loans, open_loan_of,
                                 return_loan)
from houqin.models import Item, Loan
from houqin.accounts.members import campus_staff
from houqin.permissions import requires
from houqin.scan.records import new_submission_id, parse_submission_id
from houqin.templating import local_time
from houqin.web import asked_campus_row, campus_or_404, int_or_none, safe_redirect

bp = Blueprint('loans', __name__, url_prefix='/loans')


@bp.route('/')
@requires('loans.view')
def index():
    """The campus's loans: on loan (by due day), overdue, returned."""
    shown = request.args.get('show', 'open')
    if shown not in SHOWN:
        shown = 'open'
    today = g.campus.today()
    rows = loans(g.campus, shown, today)
    return render_template('assets/loans.html', rows=rows, shown=shown, tabs=SHOWN, today=today,
                           overdue={r.id for r in rows if is_overdue(r, today)},
                           submission=new_submission_id())



def lend_page(typed, errors, item, status=200):
    """The lend form, with what was typed and what is wrong."""
    loan = open_loan_of(item) if item is not None else None
    return render_template('assets/lend.html', typed=typed, errors=errors, item=item, loan=loan,
                           staff=campus_staff(g.campus), today=g.campus.today(),
                           submission=typed.get('submission') or new_submission_id()), status


@bp.route('/new')
@requires('loans.manage')
def new():
    """The lend form (from an asset's scan page the asset is already chosen)."""
    return lend_page({}, {}, asked_campus_row(Item, 'item'))


@bp.route('/new', methods=['POST'])
@requires('loans.manage')
def create():
    """Lend an asset: to an account or a typed name, from a day, due back on a day; stored once per form."""
    typed = {key: request.form.get(key, '')[:1000] for key in
             ('asset', 'borrower', 'borrower_name', 'borrower_unit', 'lent_on', 'due_on', 'note', 'submission')}
    item = asked_campus_row(Item, 'item')
    if request.form.get('item') and item is None:
        abort(404)
    submission = parse_submission_id(typed['submission'])
    if submission is None:
        return lend_page(typed, {'form': _('This form is incomplete; please reload the page.')}, item, 400)
    earlier = Loan.get_or_none(Loan.submission == submission)
    if earlier is not None:  # a double tap: the first one's answer
        flash(_('Lent: %(item)s to %(name)s, due back %(day)s.', item=earlier.item.name,
                name=earlier.borrower_name, day=earlier.due_on.isoformat()), 'success')
        return redirect(url_for('loans.index'))
    borrower_id = int_or_none(typed['borrower']) if typed['borrower'] else None
    if typed['borrower'] and borrower_id is None:
        borrower_id = 0  # not a number: refused as not a person of this campus
    lending, errors = check_lending(g.campus, request.form, g.campus.today(), item=item, borrower_id=borrower_id)
    if errors:
        return lend_page(typed, errors, item, 400)
    try:
        loan, _fresh = lend(g.campus, lending, current_user._get_current_object(), submission)
    except LoanRefused as refused:
        return lend_page(typed, {'asset': str(refused)}, item, 409)
    flash(_('Lent: %(item)s to %(name)s, due back %(day)s.', item=lending.item.name, name=loan.borrower_name,
            day=loan.due_on.isoformat()), 'success')
    return safe_redirect(request.form.get('next', ''), url_for('loans.index'))


@bp.route('/<int:loan_id>/return', methods=['POST'])
@requires('loans.manage')
def give_back(loan_id):
    """Take a loan back (one tap on the list or on the asset's scan page); a second tap stores nothing more."""
    loan = campus_or_404(Loan, loan_id)
    fresh, returned = return_loan(loan, current_user._get_current_object())
    if returned:
        flash(_('Returned: %(item)s from %(name)s.', item=fresh.item.name, name=fresh.borrower_name), 'success')
    else:
        flash(_('%(item)s was returned already at %(time)s.', item=fresh.item.name,
                time=local_time(fresh.returned_at)), 'info')
    return safe_redirect(request.form.get('next', ''), url_for('loans.index'))
