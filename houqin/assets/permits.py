"""Off-campus permits (出门条): the logistics office issues a permit for an asset leaving the campus — who takes it,
why, valid from until — and the guard at the gate scans the asset's label to read 允许出门 / 不允许出门.

An asset may leave while one of its permits is valid now: issued, not cancelled, between its from and until.
Every guard's scan of an asset is a gate check (who, when, allowed or not, which permit), kept once per guard,
asset, verdict and two-minute slot so a reload is not a second check.
"""
import dataclasses
import datetime
import hashlib

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import IntegrityError

from houqin import clock
from houqin.assets.loans import find_asset, in_site_language
from houqin.audit import log_change
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import GateCheck, GatePermit, Item
from houqin.web import clean_text

MAX_PERMIT_DAYS = 31
CHECK_SLOT_SECONDS = 120  # scans of one asset by one guard within this slot are one gate check
REASON_LABELS = {'none': _l('No permit for this asset'), 'expired': _l('The permit has expired'),
                 'cancelled': _l('The permit was cancelled'), 'not_yet': _l('The permit is not valid yet')}
EPOCH = datetime.datetime(1970, 1, 1)


class PermitRefused(Exception):
    """A permit action that is not possible now; its message is for the user."""


@dataclasses.dataclass
class Permit:
    """What the permit form asks, checked."""
    item: Item
    carrier_name: str
    carrier_unit: str
    reason: str
    valid_from: datetime.datetime  # naive UTC
    valid_until: datetime.datetime


def parse_local(text, zone):
    """A datetime-local input (YYYY-MM-DDTHH:MM, campus wall clock) as naive UTC, or None."""
    text = str(text or '').strip()[:16].replace(' ', 'T')
    try:
        local = datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M')
    except ValueError:
        return None
    if not 2000 <= local.year <= 2100:
        return None
    return clock.to_utc(local, zone)


def check_permit(campus, form, now, item=None):
    """(Permit, {}) when the permit form is right, else (None, {field: message}); nothing is written."""
    errors = {}
    zone = clock.zone_name(campus)
    item = item or find_asset(campus, form.get('asset', ''))
    if item is None:
        errors['asset'] = _('No asset of this campus has this asset number.')
    carrier = clean_text(form.get('carrier_name', ''), 50)
    if not carrier:
        errors['carrier_name'] = _('Please type who takes it out.')
    reason = clean_text(form.get('reason', ''), 200)
    if not reason:
        errors['reason'] = _('Please say why it leaves the campus.')
    valid_from = parse_local(form.get('valid_from'), zone) if form.get('valid_from') else now
    valid_until = parse_local(form.get('valid_until'), zone)
    if valid_from is None:
        errors['valid_from'] = _('Please enter a date and time.')
    if valid_until is None:
        errors['valid_until'] = _('Please enter a date and time.')
    elif valid_from is not None:
        if valid_until <= max(valid_from, now):
            errors['valid_until'] = _('The permit must end after it starts, and later than now.')
        elif valid_until - valid_from > datetime.timedelta(days=MAX_PERMIT_DAYS):
            errors['valid_until'] = _('A permit lasts at most %(n)d days.', n=MAX_PERMIT_DAYS)
    if errors:
        return None, errors
    return Permit(item, carrier, clean_text(form.get('carrier_unit', ''), 50), reason, valid_from, valid_until), {}


def issue_permit(campus, permit, user, submission, now=None):
    """Store a permit once per submission id: (permit, True) when new, (permit, False) when stored already."""
    now = now or utcnow()
    earlier = GatePermit.get_or_none(GatePermit.submission == submission)
    if earlier is not None:
        return earlier, False
    try:
        with write_transaction():
            row = GatePermit.create(campus=campus, item=permit.item.id, carrier_name=permit.carrier_name,
                                    carrier_unit=permit.carrier_unit, reason=permit.reason,
                                    valid_from=permit.valid_from, valid_until=permit.valid_until, issued_by=user,
                                    issued_at=now, submission=submission)
            summary = _l('Permit issued: %(item)s may leave with %(name)s until %(time)s.', item=permit.item.name,
                         name=permit.carrier_name,
                         time=clock.format_local(permit.valid_until, clock.zone_name(campus)))
            log_change('create', row, summary=in_site_language(summary), campus=campus)
    except IntegrityError:
        return GatePermit.get(GatePermit.submission == submission), False
    return row, True


def cancel_permit(permit, user, now=None):
    """Cancel a permit: (permit as stored, True) for the one cancellation, (permit, False) when it was already."""
    now = now or utcnow()
    with write_transaction():
        cancelled = (GatePermit.update(cancelled_at=now, cancelled_by=user.id)
                     .where((GatePermit.id == permit.id) & GatePermit.cancelled_at.is_null()).execute())
        fresh = GatePermit.get_by_id(permit.id)
        if cancelled:
            summary = in_site_language(_l('Permit cancelled: %(item)s', item=fresh.item.name))
            log_change('update', fresh, summary=summary, campus=fresh.campus_id)
    return fresh, bool(cancelled)


def state_of(permit, now):
    """'valid', 'not_yet', 'expired' or 'cancelled'."""
    if permit.cancelled_at is not None:
        return 'cancelled'
    if now < permit.valid_from:
        return 'not_yet'
    return 'valid' if now <= permit.valid_until else 'expired'


@dataclasses.dataclass
class Verdict:
    """What the gate reads: allowed out or not, the permit it rests on (or the latest one), and why not."""
    allowed: bool
    permit: object = None
    reason: str = ''  # '' when allowed, else a REASON_LABELS key

    @property
    def reason_text(self):
        return REASON_LABELS.get(self.reason, '')


def verdict(item, now=None):
    """Whether this asset may leave the campus now, by its permits."""
    now = now or utcnow()
    permits = list(GatePermit.select().where(GatePermit.item == item.id)
                   .order_by(GatePermit.issued_at.desc(), GatePermit.id.desc()).limit(20))
    valid = [p for p in permits if state_of(p, now) == 'valid']
    if valid:
        return Verdict(True, max(valid, key=lambda p: p.valid_until))
    if not permits:
        return Verdict(False, None, 'none')
    latest = permits[0]
    return Verdict(False, latest, state_of(latest, now))


def record_gate_check(item, user, result, now=None):
    """Keep a guard's check of an asset (once per guard, asset, verdict and two-minute slot); returns the stored
    check."""
    now = now or utcnow()
    slot = int((now - EPOCH).total_seconds()) // CHECK_SLOT_SECONDS
    permit_id = result.permit.id if result.allowed else 0  # a changed verdict within the slot is a new check
    key = hashlib.sha1(f'{user.id}-{item.id}-{slot}-{permit_id}'.encode()).hexdigest()
    earlier = GateCheck.get_or_none(GateCheck.key == key)
    if earlier is not None:
        return earlier
    try:
        with write_transaction():
            return GateCheck.create(campus=item.campus_id, item=item.id, permit=result.permit if result.allowed
                                    else None, user=user.id, checked_at=now, allowed=result.allowed, key=key)
    except IntegrityError:
        return GateCheck.get(GateCheck.key == key)


def permits(campus, now, limit=100):
    """The campus's permits sorted for the list: ({state: [permit]}), newest first within each."""
    rows = list(GatePermit.select(GatePermit, Item).join(Item).where(GatePermit.campus == campus)
                .order_by(GatePermit.issued_at.desc(), GatePermit.id.desc()).limit(limit))
    grouped = {'valid': [], 'not_yet': [], 'expired': [], 'cancelled': []}
    for row in rows:
        grouped[state_of(row, now)].append(row)
    return grouped


def recent_checks(campus, limit=30):
    """The campus's latest gate checks, newest first."""
    return list(GateCheck.select(GateCheck, Item).join(Item).where(GateCheck.campus == campus)
                .order_by(GateCheck.checked_at.desc(), GateCheck.id.desc()).limit(limit))
