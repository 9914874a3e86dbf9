"""Loans (借用): who borrowed which asset, from which day, due back on which day; the return (a scan and a tap, or
the list), overdue loans on the dashboard and their notice, told once.

Lending is stored once per form submission, and a partial unique index keeps at most one open loan per asset;
a return is one guarded UPDATE (… WHERE returned_at IS NULL), so a double tap, two phones or the list and the
scan page at once store one return. The overdue notice is claimed by a guarded UPDATE of the loan's
overdue_notified_at in the same transaction as its outbox rows: a second run or a second worker never sends it.
"""
import dataclasses
import datetime

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from peewee import IntegrityError

from houqin import clock
from houqin.audit import log_change
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import Campus, Item, Loan, Membership, Tag, User, fn
from houqin.notify.outbox import enqueue, message_locale
from houqin.tags import normalise_token
from houqin.vocab import MANAGER_ROLES
from houqin.web import clean_text

MAX_LOAN_DAYS = 366  # a loan longer than a school year is a transfer, not a loan
SCHEDULED_EVERY_SECONDS = 600  # the overdue check in the delivery worker: at most every ten minutes
LIST_LIMIT = 200
SHOWN = {'open': _l('On loan'), 'overdue': _l('Past due'), 'returned': _l('Returned')}


class LoanRefused(Exception):
    """A loan action that is not possible now; its message is for the user."""


@dataclasses.dataclass
class Lending:
    """What the lend form asks, checked: the asset, the borrower (an account or a typed name), the days."""
    item: Item
    borrower: object
    borrower_name: str
    borrower_unit: str
    lent_on: datetime.date
    due_on: datetime.date
    note: str


def in_site_language(message):
    """A lazy message as the site's language writes it: audit summaries read alike by everyone, also from the CLI."""
    with force_locale(message_locale()):
        return str(message)


def find_asset(campus, text):
    """The asset of the campus that a typed asset number (exact, then ignoring case) or its label's code names."""
    text = clean_text(text, 50)
    if not text:
        return None
    item = Item.get_or_none((Item.campus == campus) & (Item.asset_number == text))
    if item is None:
        item = Item.select().where((Item.campus == campus) & (fn.LOWER(Item.asset_number) == text.lower())).first()
    token = normalise_token(text.rstrip('/').rsplit('/', 1)[-1]) if item is None else None
    if token:  # a label's code or its scanned address
        tag = Tag.get_or_none((Tag.token == token) & (Tag.campus == campus) & (Tag.status == 'active'))
        item = Item.get_or_none(Item.id == tag.item_id) if tag is not None and tag.item_id else None
    return item


def campus_member(campus, user_id):
    """The active account with a role on the campus, by id, or None."""
    if user_id is None:
        return None
    return (User.select().join(Membership, on=(Membership.user == User.id))
            .where((User.id == user_id) & (Membership.campus == campus) & User.active).first())


def parse_day(text):
    """A YYYY-MM-DD date from 2000 to 2100, or None."""
    try:
        day = datetime.date.fromisoformat(str(text or '').strip()[:10])
    except ValueError:
        return None
    return day if datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31) else None


def check_lending(campus, form, today, item=None, borrower_id=None):
    """(Lending, {}) when the lend form is right, else (None, {field: message}); nothing is written."""
    errors = {}
    item = item or find_asset(campus, form.get('asset', ''))
    if item is None:
        errors['asset'] = _('No asset of this campus has this asset number.')
    elif item.status == 'scrapped':
        errors['asset'] = _('This asset is scrapped and cannot be lent.')
    elif open_loan_of(item) is not None:
        errors['asset'] = _('This asset is on loan already; return it first.')
    borrower = campus_member(campus, borrower_id)
    if borrower_id is not None and borrower is None:
        errors['borrower'] = _('Please choose a person of this campus.')
    name = clean_text(form.get('borrower_name', ''), 50) or (borrower.name[:50] if borrower else '')
    if not name:
        errors['borrower_name'] = _('Please type who borrows it, or choose an account.')
    lent_on = parse_day(form.get('lent_on')) if form.get('lent_on') else today
    due_on = parse_day(form.get('due_on'))
    if lent_on is None:
        errors['lent_on'] = _('Please enter a date as YYYY-MM-DD.')
    if due_on is None:
        errors['due_on'] = _('Please enter the day it is due back, as YYYY-MM-DD.')
    elif lent_on is not None and not lent_on <= due_on <= lent_on + datetime.timedelta(days=MAX_LOAN_DAYS):
        errors['due_on'] = _('The day it is due back must be from the day it is lent to a year later.')
    if errors:
        return None, errors
    return Lending(item, borrower, name, clean_text(form.get('borrower_unit', ''), 50), lent_on, due_on,
                   str(form.get('note', '')).strip()[:1000]), {}


def lend(campus, lending, user, submission, now=None):
    """Store a loan once per submission id: (loan, True) when new, (loan, False) when this submission was stored
    already. Raises LoanRefused when the asset is on loan to someone else (it raced another lending)."""
    now = now or utcnow()
    earlier = Loan.get_or_none(Loan.submission == submission)
    if earlier is not None:
        return earlier, False
    try:
        with write_transaction():
            loan = Loan.create(campus=campus, item=lending.item.id, borrower=lending.borrower,
                               borrower_name=lending.borrower_name, borrower_unit=lending.borrower_unit,
                               lent_on=lending.lent_on, due_on=lending.due_on, note=lending.note, lent_by=user,
                               created_at=now, submission=submission)
            summary = _l('Lent: %(item)s to %(name)s, due back %(day)s.', item=lending.item.name,
                         name=lending.borrower_name, day=lending.due_on.isoformat())
            log_change('create', loan, summary=in_site_language(summary), campus=campus)
    except IntegrityError:
        earlier = Loan.get_or_none(Loan.submission == submission)
        if earlier is not None:
            return earlier, False
        raise LoanRefused(_l('This asset is on loan already; return it first.')) from None
    return loan, True


def return_loan(loan, user, now=None):
    """Take a loan back: (loan as stored, True) for the one return stored, (loan, False) when it was back already."""
    now = now or utcnow()
    with write_transaction():
        returned = (Loan.update(returned_at=now, returned_by=user.id)
                    .where((Loan.id == loan.id) & Loan.returned_at.is_null()).execute())
        fresh = Loan.get_by_id(loan.id)
        if returned:
            summary = _l('Returned: %(item)s from %(name)s.', item=fresh.item.name, name=fresh.borrower_name)
            log_change('update', fresh, summary=in_site_language(summary), campus=fresh.campus_id)
    return fresh, bool(returned)


def open_loan_of(item):
    """The asset's open loan, or None."""
    return Loan.get_or_none((Loan.item == item.id) & Loan.returned_at.is_null())


def is_overdue(loan, today):
    """True when an open loan's due day has passed."""
    return loan.returned_at is None and loan.due_on < today


def loans(campus, shown, today, limit=LIST_LIMIT):
    """The campus's loans for a tab: open (by due day), overdue (open, due before today), returned (newest)."""
    query = Loan.select(Loan, Item).join(Item).where(Loan.campus == campus)
    if shown == 'returned':
        return list(query.where(Loan.returned_at.is_null(False)).order_by(Loan.returned_at.desc()).limit(limit))
    query = query.where(Loan.returned_at.is_null())
    if shown == 'overdue':
        query = query.where(Loan.due_on < today)
    return list(query.order_by(Loan.due_on, Loan.id).limit(limit))


def overdue_count(campus, today):
    """How many open loans of the campus are past their due day."""
    return Loan.select().where((Loan.campus == campus) & Loan.returned_at.is_null() & (Loan.due_on < today)).count()


def dashboard_line(campus, today):
    """The dashboard's loans line: open loans, overdue loans and the first overdue ones."""
    open_loans = Loan.select().where((Loan.campus == campus) & Loan.returned_at.is_null()).count()
    return {'open': open_loans, 'overdue': overdue_count(campus, today),
            'first': loans(campus, 'overdue', today, limit=5)}


def overdue_notice(loan, item):
    """(subject, body) of a loan's overdue notice, in the site's language."""
    with force_locale(message_locale()):
        subject = _('【Loan overdue】%(item)s', item=item.name)
        body = _('%(item)s (%(number)s) lent to %(name)s %(unit)s on %(lent)s was due back on %(due)s.',
                 item=item.name, number=item.asset_number or '—', name=loan.borrower_name, unit=loan.borrower_unit,
                 lent=loan.lent_on.isoformat(), due=loan.due_on.isoformat())
    return subject, body


def due_for_notice(campus, today):
    """The ids of the campus's open loans past their due day whose notice has not gone out."""
    return [row.id for row in Loan.select(Loan.id).where(
        (Loan.campus == campus) & Loan.returned_at.is_null() & Loan.overdue_notified_at.is_null()
        & (Loan.due_on < today)).order_by(Loan.id)]


def notify_overdue(campus, now=None):
    """Tell the managers, the lender and the borrower (with an account) about each newly overdue loan, once:
    the loan's claim and its outbox rows are one transaction. Returns how many loans were told."""
    now = now or utcnow()
    told = 0
    for loan_id in due_for_notice(campus, clock.today(clock.zone_name(campus), now)):
        with write_transaction():
            claimed = (Loan.update(overdue_notified_at=now)
                       .where((Loan.id == loan_id) & Loan.overdue_notified_at.is_null()
                              & Loan.returned_at.is_null()).execute())
            if not claimed:
                continue  # another worker told it, or it came back meanwhile
            loan = Loan.get_by_id(loan_id)
            item = Item.get_by_id(loan.item_id)
            people = [u for u in User.select().where(User.id.in_([i for i in (loan.borrower_id, loan.lent_by_id)
                                                                   if i]))]
            subject, body = overdue_notice(loan, item)
            enqueue(campus.id, 'loan', subject, body, roles=MANAGER_ROLES, people=people, link='/loans/?show=overdue')
            told += 1
    return told


def notify_all_overdue(now=None):
    """The delivery worker's scheduled check: overdue loans of every campus, each told once."""
    for campus in Campus.select().where(Campus.id.in_(
            Loan.select(Loan.campus).where(Loan.returned_at.is_null() & Loan.overdue_notified_at.is_null()))):
        notify_overdue(campus, now)
