"""What the 概览 dashboard shows, from the database and the routines service: a day's cleaning and inspections,
campaigns, last night's patrol, open repairs by age, hazards and the rectification rate (整改率), extinguishers,
a building › floor compliance map and 7- and 30-day trends. No Flask here; times are naive UTC."""
import dataclasses
import datetime

from houqin.assets.loans import dashboard_line as loans_dashboard_line
from houqin.canteen.summary import dashboard_line as canteen_dashboard_line
from houqin.clock import day_bounds, days_bounds, monday_of, to_local, week_bounds, zone_name
from houqin.models import Item, Routine, Term, WorkOrder
from houqin.patrol.reports import night_report
from houqin.repairs.stats import current_term
from houqin.repairs.workflow import OPEN_STATUSES, WAITING_STATUSES
from houqin.routines.service import campaign_progress, campus_counts, campus_places, campus_slots, counts, day_slots

RECTIFIED_STATUSES = ('done', 'verified', 'closed')  # a hazard counts as rectified once repaired
AGE_BUCKETS = ((1, 'day1'), (3, 'day3'), (7, 'day7'), (None, 'older'))  # open orders by days since reported
EXPIRY_WARNING_DAYS = 30


def rate(done, closed):
    """A whole percentage, or None when nothing was counted."""
    return round(100 * done / closed) if closed else None


def compliance_class(percent):
    """The CSS class a compliance percentage is drawn with (map cells, trend bars)."""
    if percent is None:
        return 'c-none'
    return 'c-good' if percent >= 90 else 'c-mid' if percent >= 70 else 'c-bad'


@dataclasses.dataclass
class RoutineLine:
    """One routine's slots of the day counted."""
    routine: Routine
    counts: dict
    total: int

    @property
    def satisfied(self):
        return self.counts['done'] + self.counts['late']


def day_routines(slots):
    """RoutineLines for the slots, one per routine, in the slots' order."""
    by_routine = {}
    for s in slots:
        by_routine.setdefault(s.routine.id, (s.routine, []))[1].append(s)
    return [RoutineLine(routine, counts(found), len(found)) for routine, found in by_routine.values()]


def cleaning_and_checks(campus, day, now):
    """The day's slots: cleaning counted with its missed list, and the other routines line by line."""
    slots = day_slots(campus, day, now=now)
    cleaning = [s for s in slots if s.activity == 'cleaning']
    others = [s for s in slots if s.activity != 'cleaning' and (s.routine.schedule or {}).get('type') != 'campaign']
    return {'counts': counts(cleaning), 'total': len(cleaning),
            'missed': sorted([s for s in cleaning if s.status == 'missed'], key=lambda s: (s.start, s.target_path)),
            'routines': day_routines(others), 'slots': slots}


def campaigns(campus, now):
    """Active campaigns with their progress, the nearest deadline first."""
    found = [r for r in Routine.select().where((Routine.campus == campus) & Routine.active)
             if (r.schedule or {}).get('type') == 'campaign']
    progress = [(r, campaign_progress(r, now=now)) for r in found]
    return sorted(progress, key=lambda rp: (rp[1].deadline or datetime.datetime.max, rp[0].name))


def patrol_last_night(campus, day, now):
    """Last night's patrol totals: rounds, complete ones, missed rounds, missed checkpoints."""
    night = day - datetime.timedelta(days=1)
    report = night_report(campus, night, now=now)
    return {'night': night, 'totals': report['totals']}


def open_repairs(campus, now):
    """Open orders: overdue first (oldest due first), then counts by age since reported."""
    orders = list(WorkOrder.select(WorkOrder.id, WorkOrder.year, WorkOrder.sequence, WorkOrder.title,
                                   WorkOrder.status, WorkOrder.created_at, WorkOrder.due_at, WorkOrder.hazard)
                  .where((WorkOrder.campus == campus) & WorkOrder.status.in_(OPEN_STATUSES)))
    overdue = sorted([o for o in orders if o.status in WAITING_STATUSES and o.due_at is not None and o.due_at < now],
                     key=lambda o: (o.due_at, o.id))
    ages = dict.fromkeys([key for _days, key in AGE_BUCKETS], 0)
    for o in orders:
        days = (now - o.created_at).total_seconds() / 86400
        for limit, key in AGE_BUCKETS:
            if limit is None or days < limit:
                ages[key] += 1
                break
    return {'open': len(orders), 'overdue': overdue, 'ages': ages}


def term_bounds(campus, today):
    """(first, last) day of the term around today: the campus calendar's term, else the usual half-year."""
    term = (Term.select().where((Term.campus == campus) & (Term.starts_on <= today) & (Term.ends_on >= today))
            .order_by(Term.starts_on.desc()).first())
    return (term.starts_on, term.ends_on) if term else current_term(today)


def hazards(campus, today, now):
    """Open hazards and the rectification rate (closed ÷ found) of this week and this term."""
    zone = zone_name(campus)
    monday = monday_of(today)
    first, last = term_bounds(campus, today)
    out = {'open': WorkOrder.select().where((WorkOrder.campus == campus) & WorkOrder.hazard
                                            & WorkOrder.status.in_(WAITING_STATUSES)).count()}
    for name, (start_day, end_day) in (('week', (monday, monday + datetime.timedelta(days=6))),
                                       ('term', (first, last))):
        start, end = days_bounds(start_day, end_day, zone)
        found = WorkOrder.select().where((WorkOrder.campus == campus) & WorkOrder.hazard
                                         & (WorkOrder.created_at >= start) & (WorkOrder.created_at < end))
        total = found.count()
        closed = found.where(WorkOrder.status.in_(RECTIFIED_STATUSES)).count()
        out[name] = {'found': total, 'closed': closed, 'rate': rate(closed, total), 'from': start_day,
                     'to': min(end_day, today)}
    return out


def extinguishers(campus, today):
    """Fire extinguishers past their date, and those expiring within 30 days (as the assets list filters them)."""
    items = Item.select().where((Item.campus == campus) & (Item.kind == 'fire_extinguisher')
                                & Item.expires_on.is_null(False) & (Item.status != 'scrapped'))
    return {'expired': items.where(Item.expires_on < today).count(),
            'expiring': items.where(Item.expires_on.between(
                today, today + datetime.timedelta(days=EXPIRY_WARNING_DAYS))).count()}


CLOSED = ('done', 'late', 'missed')


@dataclasses.dataclass
class Tally:
    """Closed slots and how many of them were on time or missed, with the rate and its colour."""
    closed: int = 0
    on_time: int = 0
    missed: int = 0

    def add(self, status, n=1):
        """Count n closed slots of a status."""
        self.closed += n
        self.on_time += n if status == 'done' else 0
        self.missed += n if status == 'missed' else 0

    @property
    def percent(self):
        return rate(self.on_time, self.closed)

    @property
    def css(self):
        return compliance_class(self.percent)


@dataclasses.dataclass
class MapCell(Tally):
    """One floor (or a building without floors) on the compliance map."""
    place_id: int = 0
    name: str = ''
    open: int = 0


def compliance_map(campus, slots):
    """[(building place, [MapCell per floor])]: each slot counted at the floor (or building) it is in."""
    places = campus_places(campus.id)

    def chain(place_id):
        out, node = [], place_id
        while node in places and len(out) < 50:
            out.append(node)
            node = places[node].parent_id
        return list(reversed(out))
    buildings = {}
    for s in slots:
        path = chain(s.place_id)
        if not path:
            continue
        building = places[path[0]]
        floor = places[path[1]] if len(path) > 1 else building
        cells = buildings.setdefault(building.id, {})
        cell = cells.setdefault(floor.id, MapCell(place_id=floor.id, name=floor.name))
        if s.status in CLOSED:
            cell.add(s.status)
        else:
            cell.open += 1
    ordered = sorted(buildings, key=lambda b: (places[b].position, places[b].name))
    return [(places[b], sorted(buildings[b].values(), key=lambda c: (places[c.place_id].position, c.name)))
            for b in ordered]


@dataclasses.dataclass
class TrendDay(Tally):
    """One day of a trend: closed slots, on time and missed."""
    day: datetime.date = None


def trends(campus, today, now, days=30):
    """TrendDays for the last `days` campus days up to today: closed slots counted on the day their window ended."""
    zone = zone_name(campus)
    first = today - datetime.timedelta(days=days - 1)
    start, end = days_bounds(first, today, zone)
    out = {first + datetime.timedelta(days=n): TrendDay(day=first + datetime.timedelta(days=n)) for n in range(days)}

    def closed_on(slot):
        return to_local(slot.end - datetime.timedelta(seconds=1), zone).date()
    for day, found in campus_counts(campus, start, end, closed_on, now=now).items():
        if day in out:
            for status in CLOSED:
                out[day].add(status, found[status])
    return [out[d] for d in sorted(out)]


def week_slots(campus, today, now):
    """The slots of the Monday-to-Sunday week holding today."""
    start, end = week_bounds(today, zone_name(campus))
    return campus_slots(campus, start, end, now=now)


def day_end(campus, day):
    """The end of a campus-local day (naive UTC)."""
    return day_bounds(day, zone_name(campus))[1]


def canteen(campus, today, now):
    """The canteen line: samples kept today, disposals due, the morning check, certificates expiring or expired."""
    return canteen_dashboard_line(campus, today, now)


def loans(campus, today):
    """The loans line: assets on loan, overdue loans and the first of them (借用)."""
    return loans_dashboard_line(campus, today)
