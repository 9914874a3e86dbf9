"""What the canteen page and the manager's dashboard show of a day: samples, disposals, the morning check,
deliveries, certificates."""
from houqin import clock
from houqin.canteen.checks import roster
from houqin.canteen.routines import meal_of
from houqin.canteen.deliveries import deliveries_between
from houqin.canteen.samples import MEALS, day_counts, disposals_due, sample_problems
from houqin.canteen.staff import certificate_alerts, workers
from houqin.models import Place, Tag
from houqin.routines.service import day_slots
from houqin.vocab import MEAL_LABELS


DUTIES = ('canteen', 'accompany', 'self_inspection')  # disinfection, 陪餐, 自检: shown with the meals


def meal_slots(slots):
    """{meal: that day's sample routine slots}, by the meal each routine names (its schedule's 'meal')."""
    out = {}
    for slot in slots:
        if slot.activity == 'sample':
            out.setdefault(meal_of(slot), []).append(slot)
    return out


def meal_status(slots):
    """One word for a meal's sample slots (several fridges): 'missed' if any was, else 'due', 'upcoming', 'done'."""
    found = {s.status for s in slots}
    for status in ('missed', 'due', 'upcoming', 'late', 'done'):
        if status in found:
            return status
    return ''


def canteen_day(campus, now):
    """Everything the canteen home page shows for today."""
    zone = clock.zone_name(campus)
    today = clock.to_local(now, zone).date()
    start, end = clock.day_bounds(today, zone)
    staff = workers(campus, today)
    lines = roster(campus, today, staff)
    every = day_slots(campus, today, now=now)
    slots = [s for s in every if s.activity == 'sample']
    by_meal = meal_slots(slots)
    return {'today': today, 'samples': day_counts(campus, today), 'meals': MEALS, 'slots': slots,
            'meal_status': {meal: meal_status(found) for meal, found in by_meal.items()}, 'meal_slots': by_meal,
            'missed_meals': [MEAL_LABELS[m] for m in MEALS if meal_status(by_meal.get(m, [])) == 'missed'],
            'duties': [s for s in every if s.activity in DUTIES], 'entrance': entrance_token(campus),
            'roster': lines, 'missing': [r for r in lines if r.status == 'missing'],
            'home': [r for r in lines if r.status == 'home'], 'alerts': certificate_alerts(campus, today),
            'deliveries': deliveries_between(campus, start, end), 'due': disposals_due(campus, now),
            'problems': problem_groups(sample_problems(campus, now))}


def problem_groups(problems):
    """The sample problems by meal: [(day, meal, status, [dishes])], oldest first."""
    out = {}
    for sample, status in problems:
        out.setdefault((sample.day, sample.meal, status), []).append(sample.dish)
    return [(day, meal, status, dishes) for (day, meal, status), dishes in out.items()]


def entrance_token(campus):
    """The active label of the campus's first canteen place (where the morning check is taken), or ''."""
    tag = (Tag.select(Tag.token).join(Place, on=(Tag.place == Place.id))
           .where((Tag.campus == campus) & (Tag.status == 'active') & (Place.kind == 'canteen'))
           .order_by(Place.id).first())
    return tag.token if tag else ''


def dashboard_line(campus, today, now):
    """The manager dashboard's canteen line: samples kept, disposals due, morning check done, certificates."""
    staff = workers(campus, today)
    lines = roster(campus, today, staff)
    return {'kept': sum(day_counts(campus, today).values()), 'due': disposals_due(campus, now),
            'checked': sum(1 for r in lines if r.status != 'missing'), 'roster': len(lines),
            'alerts': certificate_alerts(campus, today), 'problems': len(sample_problems(campus, now))}
