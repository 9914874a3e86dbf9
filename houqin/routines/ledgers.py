"""The cleaning ledger (保洁记录) and the inspections ledger (检查记录, one sheet per checklist with a column per
item): the records of those activities in the period."""
from flask_babel import lazy_gettext as _l

from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, keyset, place_paths
from houqin.models import ChecklistItem, ChecklistTemplate, Item, Record, Routine
from houqin.routines.service import routine_targets
from houqin.vocab import ACTIVITY_LABELS

OUTCOMES = {'ok': _l('OK'), 'problem': _l('Problem found')}
PASS_FAIL = {'pass': _l('Pass'), 'fail': _l('Fail')}


# Records of these activities are not inspections: each has its own ledger (canteen, stocktake) or none.
NOT_INSPECTIONS = ('cleaning', 'report', 'patrol', 'canteen', 'use', 'stocktake')


def is_inspection(activity):
    """True for the activities the inspections ledger lists (安全检查, 卫生检查, 宿舍检查, campaigns ...)."""
    return activity not in NOT_INSPECTIONS


def records(query, activity):
    """The campus's records of an activity ('inspection': every inspection-like one) in the period, at the place
    filter, by the person, for the routine."""
    wanted = Record.activity.not_in(NOT_INSPECTIONS) if activity == 'inspection' else Record.activity == activity
    rows = query.in_period(Record.select().where((Record.campus == query.campus) & wanted), Record.created_at)
    rows = query.by_person(query.at_places(rows, Record.place), Record.user)
    if query.routine is not None:
        ids = sorted(t.id for t in routine_targets(query.routine))
        matches = is_inspection(query.routine.activity) if activity == 'inspection' else \
            query.routine.activity == activity
        if not matches or not ids:
            return rows.where(Record.id == 0)
        rows = rows.where((Record.activity == query.routine.activity) & (
            Record.item.in_(ids) if query.routine.target_type == 'item'
            else Record.place.in_(ids) & Record.item.is_null()))
    return rows


class Lookups:
    """What the rows name, read once per export: people, place paths, assets, checklists and their items."""

    def __init__(self, campus):
        self.names, self.paths = Names(campus), place_paths(campus)
        self.items, self.templates, self.questions = {}, {}, {}

    def item(self, item_id):
        """An asset's name ('' for none)."""
        if item_id and item_id not in self.items:
            row = Item.get_or_none(Item.id == item_id)
            self.items[item_id] = row.name if row else ''
        return self.items.get(item_id, '')

    def template(self, template_id):
        """A checklist's name ('' for none)."""
        if template_id and template_id not in self.templates:
            row = ChecklistTemplate.get_or_none(ChecklistTemplate.id == template_id)
            self.templates[template_id] = row.name if row else ''
        return self.templates.get(template_id, '')

    def labels(self, template_id):
        """{str(item id): question} of a checklist version."""
        if template_id not in self.questions:
            self.questions[template_id] = {str(q.id): q.label for q in ChecklistItem.select(
                ChecklistItem.id, ChecklistItem.label).where(ChecklistItem.template == template_id)}
        return self.questions[template_id]

    def person(self, record):
        """Who made the record: the user's name, or the name an anonymous reporter gave."""
        return self.names[record.user_id] if record.user_id else record.reporter_name

    def failed(self, record):
        """The questions a record failed, joined."""
        values = (record.answers or {}).get('values') or {}
        labels = self.labels(record.template_id) if record.template_id else {}
        return '、'.join(labels.get(key, key) for key, value in values.items() if value == 'fail')


CLEANING_COLUMNS = (
    Column(_l('Time'), 'datetime'), Column(_l('Where'), width=30), Column(_l('Asset'), width=14),
    Column(_l('Cleaner'), width=12), Column(_l('Checklist'), width=16), Column(_l('Result')),
    Column(_l('Failed items'), width=30), Column(_l('Note'), width=30))


def cleaning_rows(query):
    """One row per cleaning record, in time order."""
    look = Lookups(query.campus)
    for r in keyset(records(query, 'cleaning'), Record.created_at, Record.id):
        yield (r.created_at, look.paths.get(r.place_id, ''), look.item(r.item_id), look.person(r),
               look.template(r.template_id), OUTCOMES.get(r.outcome, r.outcome), look.failed(r), r.note)


def cleaning_count(query):
    """How many cleaning records the ledger lists."""
    return records(query, 'cleaning').count()


def answer_text(question, value):
    """A checklist answer as the inspection sheet shows it: pass/fail in words, numbers as numbers."""
    if value is None:
        return None
    if question.item_type == 'pass_fail':
        return PASS_FAIL.get(value, value)
    if question.item_type == 'number' and isinstance(value, (int, float)):
        return value
    if question.item_type == 'photo':
        return _l('photo')
    return value if isinstance(value, (int, float)) else str(value)


def inspection_sheet(template, questions, title, activity=None):
    """The sheet of one checklist version: who, where, when, a column per question, hazards, score, note."""
    fixed = (Column(_l('Time'), 'datetime'), Column(_l('Where'), width=30), Column(_l('Asset'), width=14),
             Column(_l('Inspector'), width=12))
    asked = tuple(Column(q.label + (f' ({q.unit})' if q.unit else ''),
                         'decimal' if q.item_type == 'number' else 'text', width=max(10, min(24, len(q.label) * 2 + 2)))
                  for q in questions)
    scored = template is not None and any(q.points for q in questions)
    tail = (Column(_l('Result')), Column(_l('Safety hazard'), width=20)) + \
        ((Column(_l('Score'), 'decimal'),) if scored else ()) + (Column(_l('Note'), width=30),)

    def selected(query):
        rows = records(query, 'inspection')
        if template is not None:
            return rows.where(Record.template == template.id)
        return rows.where(Record.template.is_null() & (Record.activity == activity))

    def rows(query):
        look = Lookups(query.campus)
        labels = {str(q.id): q.label for q in questions}
        for r in keyset(selected(query), Record.created_at, Record.id):
            answers = r.answers or {}
            values = answers.get('values') or {}
            hazards = '、'.join(labels.get(key, key) for key in answers.get('hazards') or ())
            yield ((r.created_at, look.paths.get(r.place_id, ''), look.item(r.item_id), look.person(r))
                   + tuple(answer_text(q, values.get(str(q.id))) for q in questions)
                   + (OUTCOMES.get(r.outcome, r.outcome), hazards)
                   + ((answers.get('score'),) if scored else ()) + (r.note,))
    return Sheet(title, fixed + asked + tail, rows, lambda query: selected(query).count())


def inspection_sheets(query):
    """One sheet per checklist version used for inspections in the period (and one for records without one)."""
    pairs = list(records(query, 'inspection').select(Record.template, Record.activity).distinct().tuples())
    used = {t for t, _a in pairs}
    versions = {t.id: t for t in ChecklistTemplate.select().where(ChecklistTemplate.id.in_([t for t in used if t]))}
    several = {}
    for t in versions.values():
        several[t.name] = several.get(t.name, 0) + 1
    sheets = []
    for t in sorted(versions.values(), key=lambda t: (t.name, t.version)):
        questions = list(ChecklistItem.select().where(ChecklistItem.template == t.id).order_by(ChecklistItem.position,
                                                                                                ChecklistItem.id))
        sheets.append(inspection_sheet(t, questions, f'{t.name} v{t.version}' if several[t.name] > 1 else t.name))
    for activity in sorted({a for t, a in pairs if t is None}):
        sheets.append(inspection_sheet(None, [], activity_name(query.campus, activity), activity))
    return sheets


def activity_name(campus, activity):
    """What a one-tap activity is called: its name in the vocabulary, else the name of a routine doing it."""
    if activity in ACTIVITY_LABELS:
        return ACTIVITY_LABELS[activity]
    name = (Routine.select(Routine.name).where((Routine.campus == campus) & (Routine.activity == activity))
            .order_by(Routine.id).scalar())
    return name or activity


LEDGERS = (
    Ledger('cleaning', _l('Cleaning ledger'), (Sheet(_l('Cleaning records'), CLEANING_COLUMNS, cleaning_rows,
                                                     cleaning_count),),
           filters=('place', 'routine', 'person'), description=_l('Every cleaning signed off: when, where, who, '
                                                                  'failed items and notes.')),
    Ledger('inspection', _l('Inspection ledger'), inspection_sheets, filters=('place', 'routine', 'person'),
           description=_l('One sheet per checklist with a column per item: every inspection and the hazards '
                          'found.')),
)
