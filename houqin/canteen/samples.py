"""Food samples (留样): each dish of a meal kept at least 125 g in the sample fridge for 48 hours, then disposed of.

Plain functions, no Flask: what a submission stores, which dishes to offer, each sample's disposal status.
"""
import dataclasses
import datetime

from flask_babel import gettext as _

from houqin import clock
from houqin.db import write_transaction
from houqin.models import FoodSample, Item, Place
from houqin.photos import PhotoError, prepare_photo, save_photo
from houqin.scan.records import submit_record
from houqin.web import int_or_none

MEALS = ('breakfast', 'lunch', 'dinner', 'extra')
MIN_WEIGHT = 125          # grams of each dish, the food-safety rule
MAX_WEIGHT = 5000         # more than this is a typing slip
KEEP = datetime.timedelta(hours=48)
# After its due time a sample still waiting is 'due'; past this it was not disposed of: a problem.
DISPOSAL_GRACE = datetime.timedelta(hours=12)
MAX_DISHES = 12
DISH_ROWS = 8             # rows the keep form shows (offered dishes first)
# Which meal a local hour suggests (the keep form's default).
MEAL_BY_HOUR = ((10, 'breakfast'), (15, 'lunch'), (21, 'dinner'))


def meal_at(local_moment):
    """The meal a campus-local time most likely belongs to."""
    for before, meal in MEAL_BY_HOUR:
        if local_moment.hour < before:
            return meal
    return 'extra'


def fridge_filter(target):
    """The peewee condition for samples kept at this label's target (an asset fridge or a place)."""
    if isinstance(target, Item):
        return FoodSample.item == target.id
    return (FoodSample.place == target.id) & FoodSample.item.is_null()


def offered_dishes(campus, target, meal, day):
    """Today's dishes to offer: the last menu of this meal (before today) without those already kept today."""
    last_day = (FoodSample.select(FoodSample.day)
                .where((FoodSample.campus == campus) & (FoodSample.meal == meal) & (FoodSample.day < day))
                .order_by(FoodSample.day.desc()).scalar())
    kept = {s.dish for s in FoodSample.select(FoodSample.dish).where(
        (FoodSample.campus == campus) & (FoodSample.meal == meal) & (FoodSample.day == day))}
    if last_day is None:
        return []
    rows = (FoodSample.select(FoodSample.dish, FoodSample.weight)
            .where((FoodSample.campus == campus) & (FoodSample.meal == meal) & (FoodSample.day == last_day))
            .order_by(FoodSample.id))
    out, seen = [], set()
    for row in rows:
        if row.dish not in kept and row.dish not in seen:
            seen.add(row.dish)
            out.append({'dish': row.dish, 'weight': ''})
    return out[:MAX_DISHES]


@dataclasses.dataclass
class Kept:
    """What a keep-samples submission did: the record and its samples, or the errors (nothing stored)."""
    record: object = None
    created: bool = False
    samples: list = dataclasses.field(default_factory=list)
    errors: dict = dataclasses.field(default_factory=dict)


def read_dishes(form, files):
    """The dish rows of the keep form: [{'dish', 'weight' (typed text), 'upload'}], empty rows left out."""
    rows = []
    for index in range(MAX_DISHES):
        dish = (form.get(f'dish{index}') or '').strip()
        weight = (form.get(f'weight{index}') or '').strip()[:20]
        upload = files.get(f'photo{index}')
        if upload is not None and not upload.filename:
            upload = None
        if dish or weight:
            rows.append({'index': index, 'dish': dish, 'weight': weight, 'upload': upload})
    return rows


def check_dishes(rows, meal):
    """Errors of the typed rows by field name ('meal', 'dish3', 'weight3', 'photo3', 'rows'); empty when fine."""
    errors = {}
    if meal not in MEALS:
        errors['meal'] = _('Please choose the meal.')
    if not rows:
        errors['rows'] = _('Type at least one dish and its weight.')
    names = set()
    for row in rows:
        i, dish = row['index'], row['dish']
        if not dish:
            errors[f'dish{i}'] = _('Which dish is this? Type its name.')
        elif len(dish) > 60:
            errors[f'dish{i}'] = _('Please keep the name under 60 characters.')
        elif dish in names:
            errors[f'dish{i}'] = _('%(dish)s is listed twice.', dish=dish)
        names.add(dish)
        grams = int_or_none(row['weight'], 0, 10 ** 9)
        if grams is None:
            errors[f'weight{i}'] = _('Type the weight in whole grams, e.g. 150.')
        elif grams < MIN_WEIGHT:
            errors[f'weight{i}'] = _('%(grams)d g is too little: keep at least %(min)d g of each dish.',
                                     grams=grams, min=MIN_WEIGHT)
        elif grams > MAX_WEIGHT:
            errors[f'weight{i}'] = _('%(grams)d g is more than a sample box holds; check the weight.', grams=grams)
        row['grams'] = grams
        if row['upload'] is None:
            errors[f'photo{i}'] = _('Take a photo of the sample.')
    return errors


def keep_samples(submission_id, tag, target, *, meal, form, files, user, now=None, client_time=None, address=''):
    """Store one meal's samples at the fridge: one record, one sample per dish with its photo; stored once per
    submission id. Errors store nothing."""
    now = now or clock.utcnow()
    rows = read_dishes(form, files)
    errors = check_dishes(rows, meal)
    prepared = {}
    if not errors:
        for row in rows:
            try:
                prepared[row['index']] = prepare_photo(row['upload'])
            except PhotoError as exc:
                errors[f'photo{row["index"]}'] = str(exc)
    if errors:
        return Kept(errors=errors)
    day = clock.today(clock.zone_name(tag.campus), now)
    made = []

    def store(record):
        for row in rows:
            photo = save_photo(prepared[row['index']], tag.campus_id, user, record=record)
            made.append(FoodSample.create(
                campus=tag.campus_id, record=record, item=target if isinstance(target, Item) else None,
                place=target if isinstance(target, Place) else target.place_id, day=day, meal=meal, dish=row['dish'],
                weight=row['grams'], photo=photo, kept_by=user, kept_at=now, dispose_due=now + KEEP))
    record, created = submit_record(
        submission_id, tag, target, activity='sample', user=user,
        answers={'meal': meal, 'dishes': [{'dish': r['dish'], 'weight': r['grams']} for r in rows]},
        outcome='ok', client_time=client_time, client_address=address, created_at=now, after=store)
    return Kept(record=record, created=created, samples=made or list(record.samples))


def status_of(sample, now):
    """'kept' (in the fridge, not yet due), 'due', 'overdue' (not disposed of in time), 'disposed' or 'early'."""
    if sample.disposed_at is not None:
        return 'early' if sample.disposed_at < sample.dispose_due else 'disposed'
    if now < sample.dispose_due:
        return 'kept'
    return 'due' if now < sample.dispose_due + DISPOSAL_GRACE else 'overdue'


PROBLEMS = ('overdue', 'early')


@dataclasses.dataclass
class MealGroup:
    """One meal's samples at a fridge, with each sample's status."""
    day: datetime.date
    meal: str
    samples: list   # [(sample, status)]

    @property
    def waiting(self):
        """Samples still in the fridge that may be disposed of now (due or overdue)."""
        return [s for s, status in self.samples if status in ('due', 'overdue')]

    @property
    def kept(self):
        return [s for s, status in self.samples if status == 'kept']

    @property
    def problems(self):
        return [(s, status) for s, status in self.samples if status in PROBLEMS]


def fridge_groups(campus, target, now, days=3):
    """The fridge's samples by meal: everything still in it, and what was disposed of in the last days."""
    since = now - KEEP - datetime.timedelta(days=days)
    rows = (FoodSample.select()
            .where((FoodSample.campus == campus) & fridge_filter(target) & (FoodSample.kept_at <= now)
                   & (FoodSample.disposed_at.is_null() | (FoodSample.kept_at >= since)))
            .order_by(FoodSample.day.desc(), FoodSample.meal, FoodSample.id))
    groups = {}
    for sample in rows:
        shown = sample if sample.disposed_at is None or sample.disposed_at <= now else _undisposed(sample)
        groups.setdefault((sample.day, sample.meal), []).append((shown, status_of(shown, now)))
    order = {m: i for i, m in enumerate(MEALS)}
    return [MealGroup(day, meal, found) for (day, meal), found in
            sorted(groups.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9)), reverse=True)]


def _undisposed(sample):
    """The sample as it was before a disposal that lies after the moment looked at."""
    return FoodSample(**dict(sample.__data__, disposed_at=None, disposed_by=None))


def dispose(campus, sample_ids, user, now=None):
    """Mark samples of the campus as disposed of (who, when) in one guarded update; returns how many changed.
    A sample already disposed of, another campus's or one not yet kept at `now` is left alone."""
    now = now or clock.utcnow()
    ids = sorted({int(i) for i in sample_ids})[:200]
    if not ids:
        return 0
    with write_transaction():
        return (FoodSample.update(disposed_at=now, disposed_by=user)
                .where((FoodSample.campus == campus) & FoodSample.id.in_(ids) & FoodSample.disposed_at.is_null()
                       & (FoodSample.kept_at <= now)).execute())


def day_counts(campus, day):
    """{meal: dishes kept} on a campus-local day."""
    out = dict.fromkeys(MEALS, 0)
    for sample in FoodSample.select(FoodSample.meal).where((FoodSample.campus == campus) & (FoodSample.day == day)):
        out[sample.meal] = out.get(sample.meal, 0) + 1
    return out


def sample_problems(campus, now, days=7):
    """Samples of the last days that were not disposed of in time, or were disposed of early, oldest first."""
    since = now - datetime.timedelta(days=days)
    late = now - DISPOSAL_GRACE
    rows = (FoodSample.select().where(
        (FoodSample.campus == campus) & (FoodSample.kept_at >= since) & (FoodSample.kept_at <= now)
        & ((FoodSample.disposed_at.is_null() & (FoodSample.dispose_due <= late))
           | ((FoodSample.disposed_at < FoodSample.dispose_due) & (FoodSample.disposed_at <= now))))
        .order_by(FoodSample.kept_at, FoodSample.id))
    return [(s, status_of(s, now)) for s in rows if status_of(s, now) in PROBLEMS]


def disposals_due(campus, now):
    """How many samples of the campus may be disposed of now (due, or overdue)."""
    return (FoodSample.select().where((FoodSample.campus == campus) & FoodSample.disposed_at.is_null()
                                      & (FoodSample.dispose_due <= now)).count())
