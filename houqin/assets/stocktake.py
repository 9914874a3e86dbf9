"""The stocktake (清点): a snapshot of what the register expects where, counters' scans, reconciliation, close.

A scan is one guarded UPDATE of the asset's line (first find wins, later ones only count), so several counters
scanning at once, out of order or twice, never lose or double a find.
"""
import dataclasses

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import IntegrityError

from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.labels.lifecycle import LabelChangeRefused, attach
from houqin.models import Item, Place, Stocktake, StocktakeCounter, StocktakeLine, StocktakeOddity, Tag
from houqin.places.tree import descendant_ids
from houqin.repairs.workflow import report_problem
from houqin.vocab import ITEM_KIND_LABELS

ODDITY_LABELS = {'other_campus': _l('Label of another campus'), 'revoked': _l('Revoked label'),
                 'blank': _l('Blank label, not registered')}
CONDITION_LABELS = {'good': _l('Good'), 'damaged': _l('Damaged')}


class StocktakeRefused(Exception):
    """A stocktake action that is not allowed now; its message (and the field it is about) is for the user."""

    def __init__(self, message, field=''):
        super().__init__(message)
        self.field = field


class AlreadyDone(Exception):
    """A concurrent copy of the same action got there first; this copy's transaction rolled back."""


def scope_items(campus, scope_place=None, scope_kind=''):
    """The active-register assets a stocktake of this scope expects (not scrapped)."""
    where = (Item.campus == campus) & (Item.status != 'scrapped')
    if scope_place is not None:
        where &= Item.place.in_(list(descendant_ids(scope_place)))
    if scope_kind:
        where &= Item.kind == scope_kind
    return Item.select(Item.id, Item.place).where(where)


def open_stocktake(campus, user, *, name, scope_place=None, scope_kind='', counters=(), now=None):
    """Open a stocktake and snapshot where the register expects each asset of its scope."""
    now = now or utcnow()
    with write_transaction():
        take = Stocktake.create(campus=campus, name=name.strip()[:100], scope_place=scope_place,
                                scope_kind=scope_kind, counters=sorted({int(c) for c in counters}),
                                opened_by=user, opened_at=now)
        rows = [{'stocktake': take.id, 'item': i.id, 'expected_place': i.place_id}
                for i in scope_items(campus, scope_place, scope_kind)]
        for start in range(0, len(rows), 500):
            StocktakeLine.insert_many(rows[start:start + 500]).execute()
        log_change('create', take, summary=take.name, campus=campus)
    return take


def open_stocktakes_for(user, campus_id):
    """The open stocktakes of a campus this user counts in, newest first."""
    takes = Stocktake.select().where((Stocktake.campus == campus_id) & (Stocktake.status == 'open')) \
        .order_by(Stocktake.id.desc())
    return [t for t in takes if user.id in t.counters]


def blank_labels_of(take, user):
    """The blank labels this counter scanned in the stocktake that nobody has registered yet, oldest first."""
    return list(StocktakeOddity.select().where((StocktakeOddity.stocktake == take.id) & (StocktakeOddity.user == user.id)
                                               & (StocktakeOddity.reason == 'blank') & (StocktakeOddity.settled == ''))
                .order_by(StocktakeOddity.id))


def is_open(take):
    """True while the stocktake (as stored now) is open."""
    return Stocktake.select().where((Stocktake.id == take.id) & (Stocktake.status == 'open')).exists()


def scope_place_ids(take):
    """The places inside a stocktake's scope (None: the whole campus)."""
    if take.scope_place_id is None:
        return None
    return descendant_ids(Place(id=take.scope_place_id))


def current_room(take, user):
    """The room this counter is counting in, or None."""
    row = StocktakeCounter.get_or_none((StocktakeCounter.stocktake == take.id) & (StocktakeCounter.user == user.id))
    return Place.get_or_none(Place.id == row.room_id) if row is not None and row.room_id else None


def set_room(take, user, place, now=None):
    """Make this place the counter's room (scanning the room's label, or choosing it once)."""
    now = now or utcnow()
    mine = (StocktakeCounter.stocktake == take.id) & (StocktakeCounter.user == user.id)
    if StocktakeCounter.select().where(mine & (StocktakeCounter.room == place.id)).exists():
        return  # the room they count in already: a scan again writes nothing, so the scan page stays kept
    with write_transaction():
        updated = (StocktakeCounter.update(room=place.id, updated_at=now)
                   .where((StocktakeCounter.stocktake == take.id) & (StocktakeCounter.user == user.id)).execute())
        if not updated:
            try:
                with write_transaction():  # a savepoint: another page of the same counter may insert first
                    StocktakeCounter.create(stocktake=take.id, user=user.id, room=place.id, updated_at=now)
            except IntegrityError:
                StocktakeCounter.update(room=place.id, updated_at=now).where(
                    (StocktakeCounter.stocktake == take.id) & (StocktakeCounter.user == user.id)).execute()


@dataclasses.dataclass
class ScanResult:
    """What one scan in a stocktake meant: room set, asset confirmed (first or again), an oddity, or no room yet."""
    outcome: str            # room, found, again, unexpected, no_room, closed
    place: object = None    # the room
    item: object = None
    line: object = None
    reason: str = ''        # an oddity's reason


def record_count_scan(take, user, tag, *, room=None, now=None):
    """Record what a counter's scan of a label means in this stocktake, idempotently."""
    now = now or utcnow()
    if not is_open(take):
        return ScanResult('closed')
    if tag.campus_id == take.campus_id and tag.status == 'active' and tag.place_id and not tag.item_id:
        place = Place.get_by_id(tag.place_id)
        set_room(take, user, place, now)
        return ScanResult('room', place=place)
    room = room or current_room(take, user)
    if room is None:
        return ScanResult('no_room')
    reason = ('other_campus' if tag.campus_id != take.campus_id else
              'revoked' if tag.status == 'revoked' else 'blank' if tag.status != 'active' or not tag.item_id else '')
    if reason:
        note_oddity(take, user, tag.token, reason, room, now)
        return ScanResult('unexpected', place=room, reason=reason)
    item = Item.get_by_id(tag.item_id)
    return confirm_item(take, user, item, room, now)


def note_oddity(take, user, token, reason, room, now):
    """Keep a label that confirmed nothing, once per stocktake and label."""
    with write_transaction():
        if not StocktakeOddity.select().where((StocktakeOddity.stocktake == take.id)
                                              & (StocktakeOddity.token == token)).exists():
            try:
                with write_transaction():
                    StocktakeOddity.create(stocktake=take.id, token=token, reason=reason, place=room.id,
                                           user=user.id, created_at=now)
            except IntegrityError:
                pass  # another counter scanned the same label at the same moment: kept once


def confirm_item(take, user, item, room, now=None):
    """Confirm an asset at a room: the first find sets where it was found; a later one only counts."""
    now = now or utcnow()
    with write_transaction():
        if not is_open(take):
            return ScanResult('closed')
        line = StocktakeLine.get_or_none((StocktakeLine.stocktake == take.id) & (StocktakeLine.item == item.id))
        if line is None:  # not in the snapshot: a line of its own, expected where the register has it
            try:
                with write_transaction():
                    StocktakeLine.create(stocktake=take.id, item=item.id, expected_place=item.place_id,
                                         in_scope=False)
            except IntegrityError:
                pass
        first = (StocktakeLine.update(found_place=room.id, found_by=user.id, found_at=now,
                                      scans=StocktakeLine.scans + 1)
                 .where((StocktakeLine.stocktake == take.id) & (StocktakeLine.item == item.id)
                        & StocktakeLine.found_at.is_null()).execute())
        if not first:
            StocktakeLine.update(scans=StocktakeLine.scans + 1).where(
                (StocktakeLine.stocktake == take.id) & (StocktakeLine.item == item.id)).execute()
    line = StocktakeLine.get((StocktakeLine.stocktake == take.id) & (StocktakeLine.item == item.id))
    return ScanResult('found' if first else 'again', place=room, item=item, line=line)


def find_by_code(take, text):
    """The asset of this stocktake's campus a typed asset number or label code names, or None."""
    text = (text or '').strip()[:60]
    if not text:
        return None
    item = Item.get_or_none((Item.campus == take.campus_id) & (Item.asset_number == text))
    return item


@dataclasses.dataclass
class Reconciliation:
    """The state of a stocktake: each line sorted into found here, found elsewhere, missing; oddities; progress."""
    here: list
    elsewhere: list
    missing: list
    unexpected: list
    twice: list
    damaged: list
    rooms: list      # [(place id, expected, found here)]
    counters: dict   # {user id: finds}
    total: int

    @property
    def found(self):
        return len(self.here) + len(self.elsewhere)


def reconcile(take):
    """Sort every line of a stocktake (live, or at close)."""
    lines = list(StocktakeLine.select().where(StocktakeLine.stocktake == take.id).order_by(StocktakeLine.id))
    here, elsewhere, missing, twice, damaged = [], [], [], [], []
    rooms, counters = {}, {}
    for line in lines:
        if line.in_scope:
            expected, found = rooms.get(line.expected_place_id, (0, 0))
            rooms[line.expected_place_id] = (expected + 1, found + (line.found_place_id == line.expected_place_id))
        if line.found_at is None:
            if line.in_scope:
                missing.append(line)
            continue
        counters[line.found_by_id] = counters.get(line.found_by_id, 0) + 1
        (here if line.found_place_id == line.expected_place_id else elsewhere).append(line)
        if line.scans > 1:
            twice.append(line)
        if line.condition == 'damaged':
            damaged.append(line)
    unexpected = list(StocktakeOddity.select().where(StocktakeOddity.stocktake == take.id)
                      .order_by(StocktakeOddity.id))
    return Reconciliation(here, elsewhere, missing, unexpected, twice, damaged,
                          [(pid, e, f) for pid, (e, f) in rooms.items()], counters,
                          sum(1 for line in lines if line.in_scope))


def resolve_elsewhere(take, line_id, resolution):
    """One tap on a found-elsewhere asset: 'move' it in the register at close, or 'borrowed' (belongs there)."""
    if resolution not in ('move', 'borrowed', ''):
        raise StocktakeRefused(_l('Choose move or borrowed.'))
    with write_transaction():
        updated = (StocktakeLine.update(resolution=resolution)
                   .where((StocktakeLine.id == line_id) & (StocktakeLine.stocktake == take.id)
                          & StocktakeLine.found_at.is_null(False)).execute())
        if not updated or not is_open(take):
            raise StocktakeRefused(_l('This stocktake is closed or has no such asset.'))


def set_condition(take, line_id, condition):
    """Note an asset's condition (good / damaged) in an open stocktake."""
    if condition not in CONDITION_LABELS:
        raise StocktakeRefused(_l('Choose good or damaged.'))
    with write_transaction():
        if not is_open(take) or not StocktakeLine.update(condition=condition).where(
                (StocktakeLine.id == line_id) & (StocktakeLine.stocktake == take.id)).execute():
            raise StocktakeRefused(_l('This stocktake is closed or has no such asset.'))


def report_damage(take, user, line_id, note=''):
    """Note a counted asset as damaged and open its repair (a work order) once: two taps, or two counters at once,
    make one order. Returns the line with its order."""
    line = StocktakeLine.get_or_none((StocktakeLine.id == line_id) & (StocktakeLine.stocktake == take.id))
    if line is None or line.found_at is None or not is_open(take):
        raise StocktakeRefused(_l('This stocktake is closed or has no such asset.'))
    if line.order_id is None:
        item = Item.get_by_id(line.item_id)
        title = f'{item.name} · {take.name}'  # stored as typed data (no gettext: the demo runs outside a request)
        try:
            with write_transaction():
                found_at = Place.get_or_none(Place.id == line.found_place_id)
                order = report_problem(take.campus, item=item, place=found_at, title=title,
                                       description=(note or '').strip()[:500], reporter=user)
                claimed = (StocktakeLine.update(condition='damaged', order=order.id)
                           .where((StocktakeLine.id == line.id) & StocktakeLine.order.is_null()).execute())
                if not claimed or not is_open(take):
                    raise AlreadyDone()  # rolls the order (and its number) back
        except AlreadyDone:
            pass
    return StocktakeLine.get_by_id(line.id)


def register_blank(take, user, oddity_id, *, name, kind, asset_number='', now=None):
    """Register the asset an unregistered blank label was stuck on, on the spot: a new Item at the room where the
    label was scanned, the label attached to it, the oddity settled and the asset found there — all in one
    transaction, once (a second try, or another counter's, is refused and changes nothing)."""
    name = ' '.join((name or '').split())[:100]
    asset_number = ' '.join((asset_number or '').split())[:50] or None
    if not name:
        raise StocktakeRefused(_l('Please give the asset a name.'), 'name')
    if kind not in ITEM_KIND_LABELS:
        raise StocktakeRefused(_l('Please choose a kind from the list.'), 'kind')
    oddity = StocktakeOddity.get_or_none((StocktakeOddity.id == oddity_id) & (StocktakeOddity.stocktake == take.id)
                                         & (StocktakeOddity.reason == 'blank'))
    tag = Tag.get_or_none((Tag.token == oddity.token) & (Tag.campus == take.campus_id)) if oddity else None
    room = Place.get_or_none((Place.id == oddity.place_id) & (Place.campus == take.campus_id)) if oddity else None
    if oddity is None or tag is None or room is None:
        raise StocktakeRefused(_l('This stocktake has no such blank label.'))
    if oddity.settled or tag.status != 'unclaimed':
        raise StocktakeRefused(_l('This label was registered already; nothing was changed.'))
    if asset_number and Item.select().where((Item.campus == take.campus_id)
                                            & (Item.asset_number == asset_number)).exists():
        raise StocktakeRefused(_l('Another asset has the number %(number)s.', number=asset_number), 'asset_number')
    allowed = scope_place_ids(take)
    in_scope = (allowed is None or room.id in allowed) and (not take.scope_kind or take.scope_kind == kind)
    now = now or utcnow()
    try:
        with write_transaction():
            settled = (StocktakeOddity.update(settled='registered')
                       .where((StocktakeOddity.id == oddity.id) & (StocktakeOddity.settled == '')).execute())
            if not settled or not is_open(take):
                raise AlreadyDone()
            item = Item.create(campus=take.campus_id, place=room.id, kind=kind, name=name, asset_number=asset_number,
                               created_at=now)
            log_change('create', item, summary=f'{item.name} · {take.name}',
                       campus=take.campus)
            attach(tag, item=item)
            StocktakeLine.create(stocktake=take.id, item=item.id, expected_place=room.id, in_scope=in_scope,
                                 found_place=room.id, found_by=user.id, found_at=now, scans=1)
    except (AlreadyDone, LabelChangeRefused):
        raise StocktakeRefused(_l('This label was registered already; nothing was changed.')) from None
    except IntegrityError:
        raise StocktakeRefused(_l('Another asset has the number %(number)s.', number=asset_number),
                               'asset_number') from None
    return item


def close_stocktake(take, user, signed_name, now=None):
    """Sign off a stocktake and apply its differences to the register, all in one transaction with the audit log.

    Found elsewhere and marked 'move': the asset's place becomes where it was found. Missing: its status becomes
    missing. A second close is refused.
    """
    signed_name = (signed_name or '').strip()[:50]
    if not signed_name:
        raise StocktakeRefused(_l('Type your name to sign off.'))
    now = now or utcnow()
    with write_transaction():
        closed = (Stocktake.update(status='closed', closed_by=user.id, closed_at=now, signed_name=signed_name)
                  .where((Stocktake.id == take.id) & (Stocktake.status == 'open')).execute())
        if not closed:
            raise StocktakeRefused(_l('This stocktake is already closed.'))
        result = reconcile(take)
        moved = 0
        for line in result.elsewhere:
            if line.resolution == 'move':
                item = Item.get_by_id(line.item_id)
                before = snapshot(item)
                item.place = line.found_place_id
                item.save()
                log_change('update', item, before, summary=f'{item.name} · {take.name}',
                           campus=take.campus)
                moved += 1
        for line in result.missing:
            item = Item.get_by_id(line.item_id)
            if item.status != 'missing':
                before = snapshot(item)
                item.status = 'missing'
                item.save()
                log_change('update', item, before, summary=f'{item.name} · {take.name}',
                           campus=take.campus)
        summary = {'total': result.total, 'here': len(result.here), 'elsewhere': len(result.elsewhere),
                   'missing': len(result.missing), 'unexpected': len(result.unexpected),
                   'twice': len(result.twice), 'moved': moved}
        Stocktake.update(result=summary).where(Stocktake.id == take.id).execute()
        fresh = Stocktake.get_by_id(take.id)
        log_change('update', fresh, summary=f'{take.name} · {signed_name}',
                   campus=take.campus)
    return fresh


def count_at_label(tag, user, campus_id, now=None):
    """A counter's scan of any label on the scan page: (stocktake, ScanResult) in their newest open stocktake on
    the campus they are signed in to, or None when they count in none (like a guard's checkpoint: zero taps)."""
    if user is None or not getattr(user, 'is_authenticated', False) or campus_id is None:
        return None
    takes = open_stocktakes_for(user, campus_id)
    if not takes:
        return None
    return takes[0], record_count_scan(takes[0], user, tag, now=now)


def scan_message(result):
    """What the counter reads after a scan."""
    if result.outcome == 'room':
        return 'success', _('Counting in %(room)s.', room=result.place.name)
    if result.outcome == 'found':
        return 'success', _('%(item)s confirmed in %(room)s.', item=result.item.name, room=result.place.name)
    if result.outcome == 'again':
        return 'info', _('%(item)s was already counted.', item=result.item.name)
    if result.outcome == 'unexpected':
        if result.reason == 'blank':
            return 'error', _('Unexpected: %(reason)s. Register it on the counting page.',
                              reason=ODDITY_LABELS[result.reason])
        return 'error', _('Unexpected: %(reason)s. Kept for the reconciliation.', reason=ODDITY_LABELS[result.reason])
    if result.outcome == 'no_room':
        return 'error', _('Scan the room\'s label first (or choose the room).')
    return 'error', _('This stocktake is closed.')
