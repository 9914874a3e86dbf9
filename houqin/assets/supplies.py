"""Supplies (办公用品、作业本 发放; 入库、领用): a stock ledger per consumable — received, issued to whom, balance.

Every movement is one row, stored once per submission id (a double tap or a retry gets the first answer), and
changes the supply's balance by one guarded update in the same transaction: an issue above the balance changes
nothing, however many people issue at once.
"""
import dataclasses

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from houqin.accounts.members import campus_staff
from houqin.audit import log_change
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import Supply, SupplyMovement
from houqin.scan.records import parse_submission_id
from houqin.web import clean_text

CATEGORY_LABELS = {'office': _l('Office supplies'), 'exercise_book': _l('Exercise books'),
                   'cleaning': _l('Cleaning supplies'), 'other': _l('Other supplies')}
DIRECTION_LABELS = {'in': _l('Received'), 'out': _l('Issued')}
MAX_QUANTITY = 1_000_000
MAX_BALANCE = 2_000_000_000  # within a 32-bit integer column


class SupplyRefused(Exception):
    """A supply action refused; its message (and the field it is about) is for the user."""

    def __init__(self, message, field=''):
        super().__init__(message)
        self.field = field


def parse_quantity(text):
    """A whole quantity from 1 to MAX_QUANTITY from what was typed, or SupplyRefused."""
    text = (text or '').strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_QUANTITY:
        raise SupplyRefused(_l('Type a whole number from 1 to %(max)d.', max=MAX_QUANTITY), 'quantity')
    return int(text)


def add_supply(campus, *, name, category='office', unit=''):
    """Register a consumable of the campus with a zero balance; a name used already is refused."""
    name, unit = clean_text(name, 60), clean_text(unit, 10)
    if not name:
        raise SupplyRefused(_l('Please give the supply a name.'), 'name')
    if category not in CATEGORY_LABELS:
        raise SupplyRefused(_l('Please choose a kind from the list.'), 'category')
    try:
        with write_transaction():
            supply = Supply.create(campus=campus, name=name, category=category, unit=unit)
            log_change('create', supply, summary=name, campus=campus)
    except IntegrityError:
        raise SupplyRefused(_l('There is already a supply called %(name)s.', name=name), 'name') from None
    return supply


def campus_supplies(campus_id):
    """The campus's active supplies, by kind and name."""
    return list(Supply.select().where((Supply.campus == campus_id) & (Supply.active == True))  # noqa: E712
                .order_by(Supply.category, Supply.name))


def recipient_choices(campus_id):
    """(user id, name) of the campus's active accounts, for 'issued to'."""
    return [(user.id, user.name) for user, _role in campus_staff(campus_id)]


class Repeated(Exception):
    """The submission was stored by a concurrent copy of itself; this copy's transaction (the balance) rolled back."""


@dataclasses.dataclass
class Stored:
    """What a movement submission did: the movement row and whether this request stored it (False: a repeat)."""
    movement: object
    new: bool


def existing(submission):
    """The movement already stored under this submission id, or None."""
    return SupplyMovement.get_or_none(SupplyMovement.submission == submission)


def record_movement(supply, user, *, direction, quantity, submission, party='', recipient=None, signed_name='',
                    note='', now=None):
    """Store one receipt ('in') or issue ('out') once per submission id and move the balance with it.

    An issue needs who takes it (an account or a typed name or class) and their typed signature, and is refused
    when it is more than the balance; nothing changes then.
    """
    submission = parse_submission_id(submission)
    if submission is None:
        raise SupplyRefused(_l('This form has expired. Please open the page again.'))
    if direction not in DIRECTION_LABELS:
        raise ValueError(direction)
    party, signed_name, note = clean_text(party, 60), clean_text(signed_name, 50), clean_text(note, 200)
    if direction == 'out':
        if recipient is None and not party:
            raise SupplyRefused(_l('Choose an account or type who takes it (a name or a class).'), 'party')
        if not signed_name:
            raise SupplyRefused(_l('The person taking it types their name to sign for it.'), 'signed_name')
    done = existing(submission)
    if done is not None:
        return Stored(done, False)
    try:
        return Stored(store_movement(supply, user, direction, quantity, submission, party, recipient, signed_name,
                                     note, now or utcnow()), True)
    except Repeated:
        return Stored(existing(submission), False)


def store_movement(supply, user, direction, quantity, submission, party, recipient, signed_name, note, now):
    """The movement row and its balance change in one transaction (Repeated when the submission id is taken)."""
    change = quantity if direction == 'in' else -quantity
    with write_transaction():
        moved = (Supply.update(balance=Supply.balance + change)
                 .where((Supply.id == supply.id) & (Supply.balance + change >= 0)
                        & (Supply.balance + change <= MAX_BALANCE)).execute())
        if not moved and direction == 'in':
            raise SupplyRefused(_l('That would be more than the storeroom can count.'), 'quantity')
        if not moved:
            balance = Supply.select(Supply.balance).where(Supply.id == supply.id).scalar() or 0
            raise SupplyRefused(_l('Only %(n)d on hand: an issue of %(q)d is refused.', n=balance, q=quantity),
                                'quantity')
        after = Supply.select(Supply.balance).where(Supply.id == supply.id).scalar()
        try:
            with write_transaction():  # a savepoint: the same submission racing itself collides here
                movement = SupplyMovement.create(
                    campus=supply.campus_id, supply=supply.id, direction=direction, quantity=quantity,
                    balance_after=after, party=party, recipient=recipient.id if recipient is not None else None,
                    signed_name=signed_name if direction == 'out' else '', handled_by=user.id, note=note,
                    submission=submission, created_at=now)
        except IntegrityError:
            raise Repeated() from None
    return movement


def movements(supply, limit=200):
    """The supply's movements, newest first."""
    return list(SupplyMovement.select().where(SupplyMovement.supply == supply.id)
                .order_by(SupplyMovement.id.desc()).limit(limit))
