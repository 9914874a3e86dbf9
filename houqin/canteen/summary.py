"""What the canteen page and the manager's dashboard show of a day: samples, disposals, the morning check,
deliveries, certificates."""
from houqin import clock
from houqin.canteen.checks import roster
from houqin.canteen.deliveries import deliveries_between
from houqin.canteen.samples import MEALS, day_counts, disposals_due, sample_problems
from houqin.canteen.staff import certificate_alerts, workers
from houqin.routines.service import day_slots


def meal_slots(campus, day, now):
    """{meal: the status of that day's sample routine slots ('done', 'missed', …)}, by the meal each routine names."""
    out = {}
    for slot in day_slots(campus, day, now=now, activity='sample'):
        meal = (slot.routine.schedule or {}).get('meal') or slot.routine.name
        out.setdefault(meal, []).append(slot)
    return out


def canteen_day(campus, now):
    """Everything the canteen home page shows for today."""
    zone = clock.zone_name(campus)
    today = clock.to_local(now, zone).date()
    start, end = clock.day_bounds(today, zone)
    staff = workers(campus, today)
    lines = roster(campus, today, staff)
    slots = day_slots(campus, today, now=now, activity='sample')
    return {'today': today, 'samples': day_counts(campus, today), 'meals': MEALS, 'slots': slots,
            'roster': lines, 'missing': [r for r in lines if r.status == 'missing'],
            'home': [r for r in lines if r.status == 'home'], 'alerts': certificate_alerts(campus, today),
            'deliveries': deliveries_between(campus, start, end), 'due': disposals_due(campus, now),
            'problems': sample_problems(campus, now)}


def dashboard_line(campus, today, now):
    """The manager dashboard's canteen line: samples kept, disposals due, morning check done, certificates."""
    staff = workers(campus, today)
    lines = roster(campus, today, staff)
    return {'kept': sum(day_counts(campus, today).values()), 'due': disposals_due(campus, now),
            'checked': sum(1 for r in lines if r.status != 'missing'), 'roster': len(lines),
            'alerts': certificate_alerts(campus, today), 'problems': len(sample_problems(campus, now))}
