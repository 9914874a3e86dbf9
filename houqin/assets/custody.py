"""Custody (责任书): each class's assets signed over to its head teacher for a term, and each office's (办公室, 部门:
a place that names its keeper, 部门负责人) to its keeper, and compared at term end.

At term start `generate_lists` copies, for every active class and every office, what the register has in its rooms
(a snapshot; generating again makes no second list and refreshes only lists nobody has signed). The head teacher
(or the keeper) signs on the phone (`sign_list`: a typed name and a tick, with who, when and the device; one guarded update, so
a second signature, or one for a list that changed since it was shown, is refused and a signed list never
changes). At term end `compare` sets the list beside a closed stocktake: what is missing or damaged names the
class or office, and `charge_damage` opens (or reuses) the repair of a damaged asset with it as the liable party, so
its compensation is set on the order as any other (repairs' 'compensate' action).
"""
import dataclasses

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import JOIN, fn

from houqin.audit import log_change
from houqin.clock import utcnow
from houqin.db import serialize_on, write_transaction
from houqin.models import (CustodyLine, CustodyList, Item, Place, SchoolClass, Stocktake, StocktakeLine, Term,
                           User, WorkOrder)
from houqin.places.tree import descendant_ids, place_paths
from houqin.repairs.workflow import report_problem
from houqin.scores.classes import class_key

STATUS_LABELS = {'ok': _l('Found in the class'), 'elsewhere': _l('Found elsewhere'), 'missing': _l('Missing'),
                 'damaged': _l('Damaged'), 'not_counted': _l('Not in this stocktake')}
OFFICE_STATUS_LABELS = dict(STATUS_LABELS, ok=_l('Found in the office'))


class CustodyRefused(Exception):
    """A custody action that is not allowed now; its message is for the user. Nothing was written."""


def current_term(campus, today):
    """The term containing today, else the latest that has started, else the first to come; None without terms."""
    terms = list(Term.select().where(Term.campus == campus).order_by(Term.starts_on))
    if not terms:
        return None
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    started = [t for t in terms if t.starts_on <= today]
    return started[-1] if started else terms[0]


def class_rooms(school_class):
    """The ids of a class's places (its classroom and anything tied to it) and every place below them."""
    found = set()
    for place in Place.select(Place.id).where(Place.school_class == school_class):
        found |= descendant_ids(place)
    return found


def office_rooms(office):
    """The ids of an office place and the places below it, less those below that are a class's or name a keeper of
    their own (their own lists hold what is in them)."""
    found, frontier = {office.id}, [office.id]
    while frontier:
        frontier = [p.id for p in Place.select(Place.id).where(Place.parent.in_(frontier) & Place.keeper.is_null()
                                                                 & Place.school_class.is_null())]
        found.update(frontier)
    return found


def campus_offices(campus):
    """The campus's offices: the places naming a keeper that are no class's, by name."""
    return list(Place.select().where((Place.campus == campus) & Place.keeper.is_null(False)
                                     & Place.school_class.is_null()).order_by(Place.name, Place.id))


def rooms_of(custody):
    """The ids of the rooms a list is for: its class's, or its office's."""
    if custody.office_id:
        return office_rooms(Place(id=custody.office_id))
    return class_rooms(SchoolClass(id=custody.school_class_id))


def register_snapshot(school_class):
    """The active-register assets (not scrapped) in a class's rooms, as the rows of its list, by place and name."""
    return rooms_snapshot(school_class.campus_id, class_rooms(school_class))


def rooms_snapshot(campus_id, rooms):
    """The active-register assets (not scrapped) in these rooms, as the rows of a list, by place and name."""
    if not rooms:
        return []
    items = list(Item.select(Item.id, Item.name, Item.kind, Item.asset_number, Item.place)
                 .where((Item.campus == campus_id) & Item.place.in_(list(rooms))
                        & (Item.status != 'scrapped')))
    paths = place_paths(campus_id, {i.place_id for i in items})
    rows = [{'item': i.id, 'name': i.name, 'kind': i.kind, 'asset_number': i.asset_number or '',
             'place': i.place_id, 'place_path': paths.get(i.place_id, '')[:200]} for i in items]
    return sorted(rows, key=lambda r: (r['place_path'], r['name'], r['asset_number'], r['item']))


def list_rows(custody):
    """The stored lines of a list as rows comparable with register_snapshot."""
    return [{'item': line.item_id, 'name': line.name, 'kind': line.kind, 'asset_number': line.asset_number,
             'place': line.place_id, 'place_path': line.place_path}
            for line in CustodyLine.select().where(CustodyLine.custody == custody.id).order_by(CustodyLine.id)]


@dataclasses.dataclass
class Generated:
    """What generating a term's lists did: lists made, unsigned ones refreshed, unchanged or signed ones kept,
    classes left out because no room is theirs."""
    created: int = 0
    refreshed: int = 0
    kept: int = 0
    no_rooms: list = dataclasses.field(default_factory=list)


def generate_lists(campus, term, now=None):
    """Make one list per active class with rooms and per office for the term, from the register; idempotent."""
    now = now or utcnow()
    done = Generated()
    classes = sorted(SchoolClass.select().where((SchoolClass.campus == campus) & (SchoolClass.active == True)),  # noqa: E712
                     key=class_key)
    with write_transaction():
        serialize_on(f'custody-term-{term.id}')  # two managers generating at once make one list per class
        for school_class in classes:
            if not class_rooms(school_class):
                done.no_rooms.append(school_class)
                continue
            keep_list(campus, term, now, done, CustodyList.school_class == school_class.id,
                      {'school_class': school_class.id, 'class_name': school_class.name},
                      register_snapshot(school_class))
        for office in campus_offices(campus):
            keep_list(campus, term, now, done, CustodyList.office == office.id,
                      {'office': office.id, 'office_name': office.name[:100], 'class_name': ''},
                      rooms_snapshot(office.campus_id, office_rooms(office)))
    return done


def keep_list(campus, term, now, done, holder, names, rows):
    """Inside generate_lists: the term's list of one class or office made, refreshed while unsigned, or kept."""
    custody = CustodyList.get_or_none((CustodyList.term == term.id) & holder)
    if custody is None:
        custody = CustodyList.create(campus=campus, term=term.id, term_name=term.name, starts_on=term.starts_on,
                                     ends_on=term.ends_on, generated_at=now, **names)
        write_lines(custody, rows)
        log_change('create', custody, summary=f'{custody.holder_name} {term.name}', campus=campus)
        done.created += 1
        return
    fields = {field: value for field, value in names.items() if field.endswith('_name')}
    renamed = any(getattr(custody, field) != value for field, value in fields.items())
    if custody.signed_at is not None or (list_rows(custody) == rows and not renamed
                                         and custody.term_name == term.name):
        done.kept += 1
        return
    refreshed = (CustodyList.update(revision=CustodyList.revision + 1, generated_at=now, term_name=term.name,
                                    starts_on=term.starts_on, ends_on=term.ends_on, **fields)
                 .where((CustodyList.id == custody.id) & CustodyList.signed_at.is_null()).execute())
    if refreshed:
        CustodyLine.delete().where(CustodyLine.custody == custody.id).execute()
        write_lines(custody, rows)
        fresh = CustodyList.get_by_id(custody.id)
        log_change('update', fresh, summary=f'{fresh.holder_name} {term.name}', campus=campus)
        done.refreshed += 1
    else:
        done.kept += 1


def write_lines(custody, rows):
    """Insert a list's lines (inside the caller's transaction)."""
    if rows:
        CustodyLine.insert_many([dict(row, custody=custody.id) for row in rows]).execute()


def term_lists(campus, term):
    """The term's lists with their classes and head teachers, in grade and class order, then the offices' with
    their keepers, by name."""
    lists = (CustodyList.select(CustodyList, SchoolClass, User)
             .join(SchoolClass, on=(CustodyList.school_class == SchoolClass.id))
             .join(User, JOIN.LEFT_OUTER, on=(SchoolClass.head_teacher == User.id))
             .where((CustodyList.campus == campus) & (CustodyList.term == term.id)))
    offices = (CustodyList.select(CustodyList, Place, User)
               .join(Place, on=(CustodyList.office == Place.id))
               .join(User, JOIN.LEFT_OUTER, on=(Place.keeper == User.id))
               .where((CustodyList.campus == campus) & (CustodyList.term == term.id))
               .order_by(CustodyList.office_name, CustodyList.id))
    return sorted(lists, key=lambda c: class_key(c.school_class)) + list(offices)


def signer_of(custody):
    """Who signs the list now: its class's head teacher, or its office's keeper (None when there is none)."""
    if custody.office_id:
        return User.select().join(Place, on=(Place.keeper == User.id)).where(Place.id == custody.office_id).first()
    return User.select().join(SchoolClass, on=(SchoolClass.head_teacher == User.id)).where(
        SchoolClass.id == custody.school_class_id).first()


def line_counts(lists):
    """{list id: number of lines} for many lists in one query."""
    if not lists:
        return {}
    rows = (CustodyLine.select(CustodyLine.custody, fn.COUNT(CustodyLine.id))
            .where(CustodyLine.custody.in_([c.id for c in lists])).group_by(CustodyLine.custody).tuples())
    return dict(rows)


def is_signer(custody, user):
    """True when the user is now the one who signs the list: its class's head teacher, or its office's keeper."""
    if user is None or getattr(user, 'id', None) is None:
        return False
    if custody.office_id:
        return Place.select().where((Place.id == custody.office_id) & (Place.keeper == user.id)).exists()
    return SchoolClass.select().where(
        (SchoolClass.id == custody.school_class_id) & (SchoolClass.head_teacher == user.id)).exists()


def lists_to_sign(campus, user):
    """The lists this user signs on the campus (of the classes they are head teacher of, of the offices they
    keep), newest term first, classes before offices."""
    classes = (CustodyList.select(CustodyList).join(SchoolClass, on=(CustodyList.school_class == SchoolClass.id))
               .where((CustodyList.campus == campus) & (SchoolClass.head_teacher == user.id)
                      & (SchoolClass.campus == campus)))
    offices = (CustodyList.select(CustodyList).join(Place, on=(CustodyList.office == Place.id))
               .where((CustodyList.campus == campus) & (Place.keeper == user.id) & (Place.campus == campus)))
    lists = list(classes) + list(offices)
    return sorted(lists, key=lambda c: (-c.starts_on.toordinal(), c.office_id is not None, c.holder_name))


def signer_counts(campus, user):
    """(lists, of which unsigned, of which an office's) that this user signs on the campus: the home page's link."""
    if campus is None or user is None or getattr(user, 'id', None) is None:
        return 0, 0, 0
    lists = lists_to_sign(campus, user)
    return len(lists), sum(1 for c in lists if c.signed_at is None), sum(1 for c in lists if c.office_id)


def clean_signature(text):
    """The typed name of a signature, or CustodyRefused: one line of at most 50 characters, not empty."""
    name = (text or '').strip()
    if not name:
        raise CustodyRefused(_('Type your name to sign.'))
    if '\r' in name or '\n' in name or len(name) > 50:
        raise CustodyRefused(_('Type your name on one line, at most 50 characters.'))
    return name


def sign_list(custody, user, *, signed_name, agreed, revision, agent='', address='', now=None):
    """The head teacher's signature: typed name and tick, who, when, which device; once, for the list as shown."""
    name = clean_signature(signed_name)
    if not agreed:
        raise CustodyRefused(_('Tick the box to confirm you have checked the list.'))
    if not is_signer(custody, user):
        if custody.office_id:
            raise CustodyRefused(_('Only the keeper of %(name)s signs its list.', name=custody.office_name))
        raise CustodyRefused(_('Only the head teacher of %(name)s signs its list.', name=custody.class_name))
    now = now or utcnow()
    with write_transaction():
        # The one guarded update: only an unsigned list, in the revision the signer saw, takes a signature.
        signed = (CustodyList.update(signed_by=user.id, signed_name=name, signed_at=now,
                                     signed_agent=(agent or '')[:200], signed_address=(address or '')[:64])
                  .where((CustodyList.id == custody.id) & CustodyList.signed_at.is_null()
                         & (CustodyList.revision == revision)).execute())
        fresh = CustodyList.get_by_id(custody.id)
        if not signed:
            if fresh.signed_at is not None:
                raise CustodyRefused(_('This list was already signed by %(name)s.', name=fresh.signed_name))
            raise CustodyRefused(_('The list changed since you opened it; please check it again.'))
        log_change('update', fresh, summary=f'{fresh.holder_name} {fresh.term_name}：{name}',
                   campus=fresh.campus_id)
    return fresh


def covers(take, rooms):
    """True when a stocktake's place scope contains every one of these rooms (every kind of asset counted)."""
    if take.scope_kind:
        return False
    if take.scope_place_id is None:
        return True
    return bool(rooms) and rooms <= descendant_ids(Place(id=take.scope_place_id))


def closed_stocktakes(campus):
    """The campus's closed stocktakes, newest first."""
    return list(Stocktake.select().where((Stocktake.campus == campus) & (Stocktake.status == 'closed'))
                .order_by(Stocktake.closed_at.desc(), Stocktake.id.desc()))


def default_stocktake(custody, takes):
    """The newest closed stocktake covering the list's rooms, preferring those closed after the term began."""
    rooms = rooms_of(custody) | \
        {line.place_id for line in CustodyLine.select(CustodyLine.place).where(CustodyLine.custody == custody.id)
         if line.place_id}
    covering = [t for t in takes if covers(t, rooms)]
    after = [t for t in covering if t.closed_at and t.closed_at.date() >= custody.starts_on]
    return (after or covering or [None])[0]


@dataclasses.dataclass
class Comparison:
    """A list beside a stocktake: each line with its status, and assets found in the rooms that are not listed."""
    rows: list      # [(CustodyLine, status, StocktakeLine or None)]
    extra: list     # [StocktakeLine found in the list's rooms, not on the list]

    def of(self, status):
        return [row for row in self.rows if row[1] == status]


def counted_lines(take):
    """{item id: StocktakeLine} of a stocktake."""
    return {s.item_id: s for s in StocktakeLine.select().where(StocktakeLine.stocktake == take.id)}


def compare(custody, take, counted=None):
    """Each line of the list as found in the stocktake: ok, elsewhere, missing, damaged, or not counted."""
    lines = list(CustodyLine.select().where(CustodyLine.custody == custody.id).order_by(CustodyLine.id))
    counted = counted_lines(take) if counted is None else counted
    rooms = rooms_of(custody) | {line.place_id for line in lines if line.place_id}
    rows = []
    for line in lines:
        found = counted.get(line.item_id)
        if found is None:
            status = 'not_counted'
        elif found.found_at is None:
            status = 'missing'
        elif found.condition == 'damaged':
            status = 'damaged'
        elif found.found_place_id not in rooms:
            status = 'elsewhere'
        else:
            status = 'ok'
        rows.append((line, status, found))
    listed = {line.item_id for line in lines}
    extra = [s for s in counted.values() if s.found_place_id in rooms and s.item_id not in listed]
    return Comparison(rows, sorted(extra, key=lambda s: s.id))


def term_comparison(campus, term, take):
    """[(list, missing, damaged)] for every list of the term against one stocktake, in term_lists' order."""
    counted = counted_lines(take)
    rows = []
    for custody in term_lists(campus, term):
        result = compare(custody, take, counted)
        rows.append((custody, len(result.of('missing')), len(result.of('damaged'))))
    return rows


def charge_damage(custody, line, take, user):
    """The repair of a damaged asset charged to the class (or office): the stocktake's order for it, else a new one
    naming it as liable; linked to the line once (a second charge returns the same order)."""
    if CustodyLine.get_or_none((CustodyLine.id == line.id) & (CustodyLine.custody == custody.id)) is None:
        raise CustodyRefused(_('This list has no such asset.'))
    found = StocktakeLine.get_or_none((StocktakeLine.stocktake == take.id) & (StocktakeLine.item == line.item_id))
    if found is None or found.found_at is None or found.condition != 'damaged' or line.item_id is None:
        raise CustodyRefused(_('Only an asset the stocktake found damaged can be charged.'))
    item = Item.get_or_none(Item.id == line.item_id)
    if item is None:
        raise CustodyRefused(_('This asset is no longer in the register.'))
    with write_transaction():
        serialize_on(f'custody-line-{line.id}')
        current = CustodyLine.get_by_id(line.id)
        if current.order_id is not None:
            return WorkOrder.get_by_id(current.order_id)
        order = WorkOrder.get_or_none(WorkOrder.id == found.order_id) if found.order_id else None
        if order is None:
            order = report_problem(
                item.campus, item=item, reporter=user,
                title=_('%(item)s damaged (term-end count, %(name)s)', item=item.name, name=custody.holder_name),
                description=_('Found damaged in the term-end stocktake “%(take)s”; on the custody list of '
                              '%(name)s for %(term)s.', take=take.name, name=custody.holder_name,
                              term=custody.term_name))
            WorkOrder.update(liable_party=custody.holder_name[:100]).where(WorkOrder.id == order.id).execute()
        CustodyLine.update(order=order.id).where(CustodyLine.id == line.id).execute()
        log_change('update', CustodyLine.get_by_id(line.id), summary=f'{custody.holder_name}：{order.number}',
                   campus=custody.campus_id)
    return WorkOrder.get_by_id(order.id)
