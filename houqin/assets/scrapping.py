"""Scrapping (报废): a request with a reason and photos, confirmed by the logistics office (总务处), then by the
storekeeper (保管室), then approved by the leader (主管领导); approval makes the asset scrapped.

Who holds a step: the office is the campus's logistics heads (role manager), the storekeeper an account the campus
names (Storekeeper rows; admin's settings), the leader its administrators (role admin). Three different people:
nobody signs their own request or two steps of one. Each sign-off or refusal is one guarded UPDATE of the request
(… WHERE status = the step), so two people tapping at once never sign a step twice; a refusal ends the request.
"""
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from houqin import clock
from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import serialize_on, write_transaction
from houqin.models import AuditLog, Campus, Item, ScrapRequest, Storekeeper, User
from houqin.notify.outbox import enqueue, message_locale
from houqin.photos import save_photo

STEPS = ('office', 'store', 'leader')  # in order; a request's status is the step it waits for
NEXT = {'office': 'store', 'store': 'leader', 'leader': 'approved'}
STEP_ROLES = {'office': 'manager', 'leader': 'admin'}  # 'store': the campus's named storekeepers
STEP_LABELS = {'office': _l('Logistics office'), 'store': _l('Storekeeper'), 'leader': _l('Leader')}
STEP_ACTIONS = {'office': _l('Confirmed by the logistics office'), 'store': _l('Confirmed by the storekeeper'),
                'leader': _l('Approved by the leader')}
STATUS_LABELS = {'office': _l('Waiting for the logistics office'), 'store': _l('Waiting for the storekeeper'),
                 'leader': _l('Waiting for the leader'), 'approved': _l('Approved: scrapped'),
                 'refused': _l('Not approved')}
MAX_PHOTOS = 4
REASON_LENGTH = 1000
NOTE_LENGTH = 500


class ScrapRefused(Exception):
    """A scrapping request or sign-off that is not allowed now; its message is for the user."""


def storekeeper_ids(campus_id):
    """The ids of the accounts this campus names as storekeepers."""
    return {row.user_id for row in Storekeeper.select(Storekeeper.user).where(Storekeeper.campus == campus_id)}


def set_storekeepers(campus, user_ids):
    """Make exactly these accounts the campus's storekeepers, with the audit log."""
    wanted = {int(u) for u in user_ids}
    with write_transaction():
        serialize_on(f'storekeepers:{campus.id}')
        current = storekeeper_ids(campus.id)
        for row in Storekeeper.select().where((Storekeeper.campus == campus.id)
                                              & Storekeeper.user.not_in(list(wanted) or [0])):
            log_change('delete', row, before=snapshot(row), summary='storekeeper', campus=campus)
            row.delete_instance()
        for user_id in sorted(wanted - current):
            row = Storekeeper.create(campus=campus.id, user=user_id)
            log_change('create', row, summary='storekeeper', campus=campus)


def holds_step(step, campus_id, user, role):
    """True when this person (with this role on the campus) is who signs this step."""
    if step == 'store':
        return user.id in storekeeper_ids(campus_id)
    return role == STEP_ROLES.get(step)


def signers(req):
    """The ids of the requester and of everyone who signed a step of the request so far."""
    return {uid for uid in (req.requested_by_id, req.office_by_id, req.store_by_id, req.leader_by_id) if uid}


def refusal_for(req, step, user, role):
    """Why this person may not sign (or refuse) this step of the request now, or None when they may."""
    if req.status != step:
        return _('This request is no longer waiting for this step: %(status)s.',
                 status=STATUS_LABELS.get(req.status, req.status))
    if not holds_step(step, req.campus_id, user, role):
        return {'office': _('Only the logistics office (a logistics head) confirms this step.'),
                'store': _('Only a storekeeper named in the settings confirms this step.'),
                'leader': _('Only the leader (an administrator) approves this step.')}[step]
    if user.id == req.requested_by_id:
        return _('Nobody signs off their own request: another person must sign this step.')
    if user.id in signers(req):
        return _('You have signed an earlier step: another person must sign this one.')
    return None


def may_sign(req, user, role):
    """True when this person may sign (or refuse) the step the request waits for."""
    return req.status in STEPS and refusal_for(req, req.status, user, role) is None


def pending_for_item(item_id):
    """The item's request still waiting for a sign-off, or None."""
    return ScrapRequest.get_or_none((ScrapRequest.item == item_id) & ScrapRequest.status.in_(STEPS))


def clean_reason(text):
    """The reason as stored, or ScrapRefused when it is missing or too long."""
    reason = (text or '').strip()
    if not reason:
        raise ScrapRefused(_('Please give the reason for scrapping.'))
    if len(reason) > REASON_LENGTH:
        raise ScrapRefused(_('Please keep the reason under %(n)d characters.', n=REASON_LENGTH))
    return reason


def request_scrapping(item, user, reason, *, submission_id, photos=(), now=None):
    """Ask to scrap an asset: one request per form (a resubmission returns it) and at most one waiting per asset.

    `photos` are prepared photos (houqin.photos.prepare_photo), checked before anything is stored."""
    reason = clean_reason(reason)
    if len(photos) > MAX_PHOTOS:
        raise ScrapRefused(_('At most %(n)d photos at a time.', n=MAX_PHOTOS))
    now = now or utcnow()
    with write_transaction():
        serialize_on(f'scrap-item:{item.id}')  # PostgreSQL: one request at a time per asset (SQLite: IMMEDIATE)
        sent = ScrapRequest.get_or_none(ScrapRequest.submission_id == submission_id)
        if sent is not None:
            if sent.item_id == item.id and sent.requested_by_id == user.id:
                return sent
            raise ScrapRefused(_('This form was already sent; please reload the page.'))
        if Item.select(Item.status).where(Item.id == item.id).scalar() == 'scrapped':
            raise ScrapRefused(_('This asset is already scrapped.'))
        if pending_for_item(item.id) is not None:
            raise ScrapRefused(_('A scrapping request for this asset is already waiting for its sign-offs.'))
        req = ScrapRequest.create(campus=item.campus_id, item=item.id, submission_id=submission_id, reason=reason,
                                  requested_by=user.id, requested_at=now, place=item.place_id)
        req.photos = [save_photo(p, item.campus_id, user).id for p in photos]
        req.save()
        log_change('create', req, summary=f'scrapping request: {item.name}', campus=Campus(id=item.campus_id))
        tell_next(req, item)
    return req


def tell_next(req, item):
    """Queue a notice for whoever signs the step the request now waits for (once per step, in its transaction)."""
    if req.status not in STEPS:
        return
    people = [] if req.status != 'store' else list(User.select().where(
        User.id.in_(list(storekeeper_ids(req.campus_id)) or [0])))
    people = [p for p in people if p.id not in signers(req)]
    with force_locale(message_locale()):
        subject = _('[Scrapping to sign] %(item)s', item=item.name)
        body = _('%(item)s %(number)s: %(status)s. Reason: %(reason)s', item=item.name,
                 number=item.asset_number or '', status=STATUS_LABELS[req.status], reason=req.reason[:200])
    enqueue(req.campus_id, 'scrap', subject, body, roles=[STEP_ROLES[req.status]] if req.status in STEP_ROLES else (),
            people=people, link=f'/scrapping/{req.id}')


def ready_for(req, step, user, role):
    """The request as stored now, when it waits for this step and this person may act on it; else ScrapRefused."""
    fresh = ScrapRequest.get_by_id(req.id)
    refusal = refusal_for(fresh, step, user, role)
    if refusal:
        raise ScrapRefused(refusal)
    return fresh


def move_on(req, step, values):
    """The guarded update that ends a step (… WHERE status = step); ScrapRefused when someone else ended it first."""
    if not ScrapRequest.update(**values).where((ScrapRequest.id == req.id) & (ScrapRequest.status == step)).execute():
        raise ScrapRefused(_('Someone signed this step a moment ago; please look again.'))


def sign_off(req, step, user, role, note='', now=None):
    """Sign one step (the office's or storekeeper's confirmation, the leader's approval): a guarded update to
    the next status; the leader's approval scraps the asset in the same transaction, with the audit log."""
    note = (note or '').strip()[:NOTE_LENGTH]
    now = now or utcnow()
    with write_transaction():
        fresh = ready_for(req, step, user, role)
        values = {'status': NEXT[step], f'{step}_by': user.id, f'{step}_at': now, f'{step}_note': note}
        if step == 'leader':
            values['scrapped_on'] = clock.to_local(now, Campus.zone_of(fresh.campus_id)).date()
        move_on(req, step, values)
        if step == 'leader':
            item = Item.get_by_id(fresh.item_id)
            before = snapshot(item)
            item.status = 'scrapped'
            item.save()
            log_change('update', item, before, summary=f'scrapped (request {req.id})', campus=Campus(id=item.campus_id))
        done = ScrapRequest.get_by_id(req.id)
        log_change('update', done, snapshot(fresh), summary=f'scrapping request {req.id}: {step} signed',
                   campus=Campus(id=done.campus_id))
        tell_next(done, Item.get_by_id(done.item_id))
    return done


def refuse_request(req, step, user, role, reason, now=None):
    """Refuse the request at this step, with a reason: it ends there (a guarded update, like a sign-off)."""
    reason = (reason or '').strip()
    if not reason:
        raise ScrapRefused(_('Please say why the request is refused.'))
    reason = reason[:NOTE_LENGTH]
    now = now or utcnow()
    with write_transaction():
        fresh = ready_for(req, step, user, role)
        move_on(req, step, {'status': 'refused', 'refused_step': step, 'refused_by': user.id, 'refused_at': now,
                            'refusal': reason})
        done = ScrapRequest.get_by_id(req.id)
        log_change('update', done, snapshot(fresh), summary=f'scrapping request {req.id}: refused at {step}',
                   campus=Campus(id=done.campus_id))
    return done


def waiting_for(campus_id, user, role):
    """{step: [requests]} this person may sign now, oldest first, for the steps they hold."""
    steps = [s for s in STEPS if holds_step(s, campus_id, user, role)]
    if not steps:
        return {}
    found = {}
    for req in (ScrapRequest.select().where((ScrapRequest.campus == campus_id) & ScrapRequest.status.in_(steps))
                .order_by(ScrapRequest.requested_at, ScrapRequest.id)):
        if user.id not in signers(req):
            found.setdefault(req.status, []).append(req)
    return {s: found[s] for s in STEPS if s in found}


def requested_by(campus_id, user, limit=50):
    """The requests this person made on the campus, newest first."""
    return list(ScrapRequest.select().where((ScrapRequest.campus == campus_id) & (ScrapRequest.requested_by == user.id))
                .order_by(ScrapRequest.id.desc()).limit(limit))


def recent_requests(campus_id, limit=50):
    """The campus's latest requests, newest first (for those who oversee the register)."""
    return list(ScrapRequest.select().where(ScrapRequest.campus == campus_id)
                .order_by(ScrapRequest.id.desc()).limit(limit))


def may_see(req, user, role, oversees):
    """True when this person may read the request: whoever oversees the register, its requester and signers, and
    whoever holds one of its steps."""
    return (oversees or user.id in signers(req) or user.id == req.refused_by_id
            or any(holds_step(s, req.campus_id, user, role) for s in STEPS))


def scrapped_on(item):
    """The campus-local date an asset was scrapped: its approved request's, else the audit log's change to scrapped
    (an asset set to scrapped by hand), else None."""
    day = (ScrapRequest.select(ScrapRequest.scrapped_on)
           .where((ScrapRequest.item == item.id) & (ScrapRequest.status == 'approved'))
           .order_by(ScrapRequest.id.desc()).scalar())
    if day is not None:
        return day
    for entry in (AuditLog.select(AuditLog.before, AuditLog.after, AuditLog.created_at)
                  .where((AuditLog.entity == 'item') & (AuditLog.row_id == item.id) & (AuditLog.action == 'update'))
                  .order_by(AuditLog.id.desc()).limit(50)):
        if (entry.after or {}).get('status') == 'scrapped' and (entry.before or {}).get('status') != 'scrapped':
            return clock.to_local(entry.created_at, Campus.zone_of(item.campus_id)).date()
    return None


def people_names(ids):
    """{user id: name} of these accounts."""
    ids = [i for i in ids if i]
    return {u.id: u.name for u in User.select().where(User.id.in_(ids))} if ids else {}
