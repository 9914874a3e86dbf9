"""What a ledger is asked for, from the page's form or the CLI's options: the period (this week, this month, this
term from the campus calendar, or custom dates) and the place, routine and person filters — checked, with a
message in the user's language for anything wrong. No Flask request here."""
import calendar
import datetime

from flask_babel import gettext as _

from houqin.clock import monday_of
from houqin.ledgers.sheets import LedgerQuery
from houqin.models import Membership, Place, Routine, Term, User
from houqin.places.tree import descendant_ids
from houqin.web import bounded_date, int_or_none

PERIODS = ('week', 'month', 'term', 'custom')
MAX_DAYS = 3 * 366  # a custom period of at most three years (one archive file per year is the habit)


class FilterError(ValueError):
    """A filter that cannot be used, with the message for the person."""


class NotOnCampus(LookupError):
    """An id of a place, routine or person that is not the campus's (the page answers 404)."""


def current_term(campus, today):
    """The calendar's term holding today, else the latest one begun before it, else None."""
    terms = Term.select().where(Term.campus == campus)
    return (terms.where((Term.starts_on <= today) & (Term.ends_on >= today)).order_by(Term.starts_on.desc()).first()
            or terms.where(Term.starts_on <= today).order_by(Term.starts_on.desc()).first())


def period_dates(campus, period, today, first_text='', last_text=''):
    """(first, last) campus dates of a period key; FilterError with a message when it cannot be used."""
    if period == 'week':
        monday = monday_of(today)
        return monday, monday + datetime.timedelta(days=6)
    if period == 'month':
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if period == 'term':
        term = current_term(campus, today)
        if term is None:
            raise FilterError(_('The campus calendar has no term yet; add one in the campus calendar '
                                '(Routines), or choose dates.'))
        return term.starts_on, term.ends_on
    if period != 'custom':
        raise FilterError(_('Please choose a period from the list.'))
    try:
        first, last = bounded_date(first_text), bounded_date(last_text)
    except ValueError:
        raise FilterError(_('Dates look like 2026-02-01 (from 2000 to 2100).')) from None
    if last < first:
        raise FilterError(_('The end date is before the start date.'))
    if (last - first).days >= MAX_DAYS:
        raise FilterError(_('A ledger covers at most three years; please choose a shorter period.'))
    return first, last


def campus_row(model, text, campus, what):
    """The row of a model named by an id in text, when it is the campus's; None for ''; FilterError for
    something that is no id, NotOnCampus for another campus's (or no) row."""
    if not text:
        return None
    row_id = int_or_none(text)
    if row_id is None:
        raise FilterError(_('Please choose %(what)s from the list.', what=what))
    if model is User:
        row = (User.select().join(Membership).where((User.id == row_id) & (Membership.campus == campus)).first())
    else:
        row = model.get_or_none((model.id == row_id) & (model.campus == campus))
    if row is None:
        raise NotOnCampus(f'{model.__name__} {row_id}')
    return row


def build_query(campus, values, today):
    """A LedgerQuery from the filter values ({'period', 'from', 'to', 'place', 'routine', 'person'}: text), or
    FilterError / NotOnCampus."""
    first, last = period_dates(campus, values.get('period') or 'month', today, values.get('from') or '',
                               values.get('to') or '')
    place = campus_row(Place, values.get('place') or '', campus, _('a place'))
    routine = campus_row(Routine, values.get('routine') or '', campus, _('a routine'))
    person = campus_row(User, values.get('person') or '', campus, _('a person'))
    return LedgerQuery(campus, first, last, place=place,
                       place_ids=frozenset(descendant_ids(place)) if place is not None else None,
                       routine=routine, person=person)
