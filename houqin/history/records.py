"""The records list, no views here: filters read from query arguments, one keyset page, answers and photos.

Cost stays flat as history grows: rows come newest first by primary key below a cursor (`before`), and the
count is capped (COUNT over a LIMITed subquery), never a COUNT(*) over all history.
"""
import datetime
from dataclasses import dataclass, field

from peewee import JOIN

from houqin.checklists.versions import questions
from houqin.clock import days_bounds, zone_name
from houqin.models import ChecklistTemplate, Item, Membership, Photo, Place, Record, User, WorkOrder
from houqin.places.tree import descendant_ids
from houqin.web import bounded_date, int_or_none

PER_PAGE = 30
COUNT_CAP = 1000
OUTCOMES = ('ok', 'problem')


@dataclass
class RecordFilter:
    """What the list is narrowed to; every field empty means all records of the campus."""
    activity: str = ''
    routine: int = None
    place: int = None
    item: int = None
    person: int = None
    date_from: datetime.date = None
    date_to: datetime.date = None
    outcome: str = ''
    hazard: bool = False
    errors: dict = field(default_factory=dict)

    def args(self):
        """The filter as query arguments (for links that keep it)."""
        values = {'activity': self.activity, 'routine': self.routine, 'place': self.place, 'item': self.item,
                  'person': self.person, 'outcome': self.outcome,
                  'from': self.date_from.isoformat() if self.date_from else None,
                  'to': self.date_to.isoformat() if self.date_to else None, 'hazard': '1' if self.hazard else None}
        return {k: v for k, v in values.items() if v not in (None, '')}


def parse_date(text):
    """A date from YYYY-MM-DD, None when empty; ValueError when malformed."""
    text = (text or '').strip()
    return bounded_date(text) if text else None


def parse_id(text):
    """A positive id from a query argument, None when empty or not a number."""
    return int_or_none((text or '').strip())


def read_filter(args, messages):
    """A RecordFilter from query arguments; bad values go to .errors (by messages: {'date', 'range'})."""
    flt = RecordFilter(activity=(args.get('activity') or '').strip()[:20], routine=parse_id(args.get('routine')),
                       place=parse_id(args.get('place')), item=parse_id(args.get('item')),
                       person=parse_id(args.get('person')), hazard=args.get('hazard') == '1')
    outcome = (args.get('outcome') or '').strip()
    flt.outcome = outcome if outcome in OUTCOMES else ''
    for name, attr in (('from', 'date_from'), ('to', 'date_to')):
        try:
            setattr(flt, attr, parse_date(args.get(name)))
        except ValueError:
            flt.errors[name] = messages['date']
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        flt.errors['to'] = messages['range']
    return flt


def filtered_query(campus, flt, routine_targets=None):
    """Records of the campus matching the filter (no order, no limit).

    routine_targets: (activity, place ids, item ids) of the chosen routine, from the routines area.
    """
    query = Record.select().where(Record.campus == campus)
    if flt.activity:
        query = query.where(Record.activity == flt.activity)
    if flt.item:
        query = query.where(Record.item == flt.item)
    elif flt.place:
        place = Place.get_or_none((Place.id == flt.place) & (Place.campus == campus))
        ids = descendant_ids(place) if place else set()
        query = query.where(Record.place.in_(sorted(ids)) if ids else Record.id.is_null())
    if flt.person:
        query = query.where(Record.user == flt.person)
    if flt.outcome:
        query = query.where(Record.outcome == flt.outcome)
    zone = zone_name(campus)
    if flt.date_from:
        query = query.where(Record.created_at >= days_bounds(flt.date_from, flt.date_from, zone)[0])
    if flt.date_to:
        query = query.where(Record.created_at < days_bounds(flt.date_to, flt.date_to, zone)[1])
    if flt.hazard:
        query = query.where(Record.id.in_(WorkOrder.select(WorkOrder.record).where(
            (WorkOrder.campus == campus) & WorkOrder.hazard & WorkOrder.record.is_null(False))))
    if routine_targets is not None:
        activity, place_ids, item_ids = routine_targets
        query = query.where(Record.activity == activity)
        spots = []
        if place_ids:
            spots.append(Record.place.in_(sorted(place_ids)) & Record.item.is_null())
        if item_ids:
            spots.append(Record.item.in_(sorted(item_ids)))
        if not spots:
            return query.where(Record.id.is_null())
        where = spots[0]
        for more in spots[1:]:
            where = where | more
        query = query.where(where)
    return query


@dataclass
class RecordPage:
    """One keyset page of records: rows newest first, the cursor for older ones, a capped count."""
    rows: list
    total: int
    capped: bool
    older: int = None      # pass as ?before= for the next page
    newest: bool = True    # this is the first page


def record_page(query, before=None, per_page=PER_PAGE, cap=COUNT_CAP):
    """The page of `query` below the cursor `before` (a record id), newest first, and a count capped at `cap`."""
    total = query.select(Record.id).limit(cap + 1).count()
    page_query = query.where(Record.id < before) if before else query
    rows = list(page_query.order_by(Record.id.desc()).limit(per_page + 1))
    older = rows[per_page - 1].id if len(rows) > per_page else None
    return RecordPage(rows=rows[:per_page], total=min(total, cap), capped=total > cap, older=older,
                      newest=before is None)


@dataclass
class RecordView:
    """A record ready to show: who, where, its answers as (question, answer, failed, hazard), photo ids."""
    record: object
    person: str
    where: str
    answers: list
    photos: list
    hazard: bool


def describe(campus, rows, paths):
    """RecordViews for a page of records with a fixed number of queries (people, items, photos, hazards).

    paths: {place id: 'building › floor › room'} (places.tree.place_paths).
    """
    ids = [r.id for r in rows]
    users = {u.id: u.name for u in User.select(User.id, User.username, User.display_name)
             .where(User.id.in_({r.user_id for r in rows if r.user_id}))} if rows else {}
    items = {i.id: i.name for i in Item.select(Item.id, Item.name)
             .where(Item.id.in_({r.item_id for r in rows if r.item_id}))} if rows else {}
    photos = {}
    hazards = set()
    templates = {}
    if ids:
        for photo in Photo.select(Photo.id, Photo.record).where(Photo.record.in_(ids)).order_by(Photo.id):
            photos.setdefault(photo.record_id, []).append(photo.id)
        hazards = {o.record_id for o in WorkOrder.select(WorkOrder.record)
                   .where(WorkOrder.record.in_(ids) & WorkOrder.hazard)}
        wanted = {r.template_id for r in rows if r.template_id}
        templates = {t.id: t for t in ChecklistTemplate.select().where(ChecklistTemplate.id.in_(wanted))} \
            if wanted else {}
    out = []
    for r in rows:
        where = paths.get(r.place_id, '')
        if r.item_id:
            where = f'{where} › {items.get(r.item_id, "")}' if where else items.get(r.item_id, '')
        out.append(RecordView(record=r, person=users.get(r.user_id) or r.reporter_name, where=where,
                              answers=answer_lines(templates.get(r.template_id), r.answers or {}),
                              photos=photos.get(r.id, []), hazard=r.id in hazards))
    return out


def answer_lines(template, answers):
    """(question, answer, failed, hazard) for each answered question of a checklist record."""
    if template is None or not isinstance(answers.get('values'), dict):
        return []
    values, hazards = answers['values'], set(answers.get('hazards') or [])
    lines = []
    for q in questions(template):
        key = str(q.id)
        if key not in values:
            continue
        value = values[key]
        if q.item_type == 'number':
            failed = isinstance(value, (int, float)) and (
                (q.min_value is not None and value < q.min_value) or (q.max_value is not None and value > q.max_value))
            shown = f'{value:g}{(" " + q.unit) if q.unit else ""}' if isinstance(value, (int, float)) else str(value)
        else:
            failed = value == 'fail'
            shown = value
        lines.append((q.label, shown, failed, key in hazards))
    return lines


def people_choices(campus):
    """(id, name) of everyone with a role on the campus, for the person filter."""
    rows = (User.select(User.id, User.username, User.display_name).join(Membership, JOIN.INNER,
                                                                          on=(Membership.user == User.id))
            .where(Membership.campus == campus).order_by(User.display_name, User.username))
    return [(u.id, u.name) for u in rows]
