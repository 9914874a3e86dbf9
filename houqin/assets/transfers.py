"""Transfers (部门转移): a request to move an asset to another place, department or custodian, approved or refused
by a manager, and applied to the register in the approval's transaction with the audit log.

Who decides: a manager or the admin, but a manager never approves a request they made themselves (the four-eyes
rule of the paper form: 申请人 and 批准人 are two people); the admin may, since a small school may have no one
else. Refusing one's own request is allowed: it withdraws it. A decision is one guarded UPDATE (… WHERE status =
'requested'), so a second approval — a double tap, two managers at once — is refused and applies nothing.
"""
import dataclasses

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import IntegrityError

from houqin.assets.loans import find_asset, in_site_language
from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import Item, Place, Transfer
from houqin.web import clean_text, int_or_none

STATUS_LABELS = {'requested': _l('Waiting for approval'), 'approved': _l('Approved'), 'refused': _l('Refused')}
DEPARTMENT_KEY = 'department'  # where an asset's department lives in Item.attributes


class TransferRefused(Exception):
    """A transfer action that is not possible now; its message is for the user."""


@dataclasses.dataclass
class Move:
    """What a transfer request asks, checked: the asset and where it goes (place, department, custodian)."""
    item: Item
    to_place: object
    to_department: str
    to_custodian: str
    reason: str


def department_of(item):
    """The asset's department as the register keeps it ('' when none)."""
    return str((item.attributes or {}).get(DEPARTMENT_KEY, ''))


def check_move(campus, form, item=None):
    """(Move, {}) when the request form is right, else (None, {field: message}); nothing is written."""
    errors = {}
    item = item or find_asset(campus, form.get('asset', ''))
    if item is None:
        errors['asset'] = _('No asset of this campus has this asset number.')
    place = None
    place_text = str(form.get('to_place', '')).strip()
    if place_text:
        place_id = int_or_none(place_text)
        place = Place.get_or_none((Place.id == place_id) & (Place.campus == campus)) if place_id else None
        if place is None:
            errors['to_place'] = _('Please choose a place of this campus.')
    department = clean_text(form.get('to_department', ''), 50)
    custodian = clean_text(form.get('to_custodian', ''), 50)
    if item is not None and not errors:
        if place is not None and place.id == item.place_id:
            place = None
        if department == department_of(item):
            department = ''
        if custodian == item.custodian:
            custodian = ''
        if place is None and not department and not custodian:
            errors['to_place'] = _('Choose another place, department or custodian than the asset has now.')
    reason = clean_text(form.get('reason', ''), 200)
    if not reason:
        errors['reason'] = _('Please say why it moves.')
    if errors:
        return None, errors
    return Move(item, place, department, custodian, reason), {}


def request_transfer(campus, move, user, submission, now=None):
    """Store a request once per submission id: (transfer, True) when new, (transfer, False) when stored already."""
    now = now or utcnow()
    earlier = Transfer.get_or_none(Transfer.submission == submission)
    if earlier is not None:
        return earlier, False
    item = move.item
    try:
        with write_transaction():
            transfer = Transfer.create(
                campus=campus, item=item.id, from_place=item.place_id, to_place=move.to_place,
                from_department=department_of(item)[:50], to_department=move.to_department,
                from_custodian=item.custodian[:50], to_custodian=move.to_custodian, reason=move.reason,
                requested_by=user, requested_at=now, submission=submission)
            summary = in_site_language(_l('Transfer requested: %(item)s', item=item.name))
            log_change('create', transfer, summary=summary, campus=campus)
    except IntegrityError:
        return Transfer.get(Transfer.submission == submission), False
    return transfer, True


def may_decide(transfer, user, role, decision):
    """None when this person may take the decision, else the reason (the four-eyes rule; admins excepted)."""
    if role not in ('admin', 'manager'):
        return _l('Only the logistics office decides transfers.')
    if decision == 'approve' and transfer.requested_by_id == user.id and role != 'admin':
        return _l('You asked for this transfer: another manager (or the admin) approves it.')
    return None


def decide(transfer, user, role, decision, note='', now=None):
    """Approve (applied to the register: place, department, custodian) or refuse a waiting request, in one
    transaction with the audit log. A request decided already is refused and nothing changes."""
    if decision not in ('approve', 'refuse'):
        raise TransferRefused(_l('Choose approve or refuse.'))
    reason = may_decide(transfer, user, role, decision)
    if reason:
        raise TransferRefused(reason)
    now = now or utcnow()
    status = 'approved' if decision == 'approve' else 'refused'
    with write_transaction():
        current = Transfer.get_by_id(transfer.id)
        if current.status != 'requested':
            raise TransferRefused(_l('This transfer was decided already; nothing was changed.'))
        decided = (Transfer.update(status=status, decided_by=user.id, decided_at=now,
                                   decision_note=clean_text(note, 200))
                   .where((Transfer.id == transfer.id) & (Transfer.status == 'requested')).execute())
        if not decided:
            raise TransferRefused(_l('This transfer was decided already; nothing was changed.'))
        if status == 'approved':
            apply_move(current)
        fresh = Transfer.get_by_id(transfer.id)
        summary = (_l('Transfer approved: %(item)s', item=fresh.item.name) if status == 'approved'
                   else _l('Transfer refused: %(item)s', item=fresh.item.name))
        log_change('update', fresh, snapshot(current), summary=in_site_language(summary), campus=fresh.campus_id)
    return fresh


def apply_move(transfer):
    """Write an approved transfer into the register (inside the decision's transaction), with its audit entry."""
    item = Item.get_by_id(transfer.item_id)
    before = snapshot(item)
    if transfer.to_place_id:
        item.place = transfer.to_place_id
    if transfer.to_department:
        item.attributes = {**(item.attributes or {}), DEPARTMENT_KEY: transfer.to_department}
    if transfer.to_custodian:
        item.custodian = transfer.to_custodian
    item.save()
    summary = in_site_language(_l('Moved by a transfer: %(item)s', item=item.name))
    log_change('update', item, before, summary=summary, campus=transfer.campus_id)


def transfers(campus, status='', user=None, limit=200):
    """The campus's transfers, newest first; only one status, or only one person's requests, when asked."""
    query = Transfer.select(Transfer, Item).join(Item).where(Transfer.campus == campus)
    if status:
        query = query.where(Transfer.status == status)
    if user is not None:
        query = query.where(Transfer.requested_by == user.id)
    return list(query.order_by(Transfer.requested_at.desc(), Transfer.id.desc()).limit(limit))
