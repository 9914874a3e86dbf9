"""What the public board (公示) shows, with no personal data: today's cleaning of each toilet, this week's
hygiene scores with the banner, repairs finished this week (counts and place names) and last night's patrol
(counts). No people's names, phone numbers, notes or photos are read here at all. No Flask; times naive UTC."""
import dataclasses
import datetime

from peewee import fn

from houqin import clock
from houqin.models import Place, WorkOrder, WorkOrderEvent
from houqin.patrol.reports import night_report
from houqin.routines.service import campus_slots
from houqin.scores.classes import natural_key
from houqin.scores.weekly import week_tables

BOARD_KINDS = ('toilet',)  # the places whose cleaning the board posts


@dataclasses.dataclass
class ToiletDay:
    """One toilet's cleaning windows today: [(window start 'HH:MM', status, done 'HH:MM' or '')]."""
    name: str
    windows: list

    @property
    def status(self):
        """The toilet's state now: 'missed' if a window was not done, else 'done' if any was, else 'upcoming'."""
        statuses = {s for _start, s, _done in self.windows}
        if 'missed' in statuses:
            return 'missed'
        if 'due' in statuses:
            return 'due'
        return 'done' if statuses & {'done', 'late'} else 'upcoming'


def toilets_today(campus, today, now):
    """ToiletDays of the campus's toilets with a cleaning routine today, in name order."""
    zone = clock.zone_name(campus)
    places = {p.id for p in Place.select(Place.id).where((Place.campus == campus) & Place.kind.in_(BOARD_KINDS))}
    if not places:
        return []
    start, end = clock.day_bounds(today, zone)
    slots = campus_slots(campus, start, end, now=now, activity='cleaning', place_ids=list(places))
    by_place, names = {}, {}
    for slot in sorted(slots, key=lambda s: s.start):
        if slot.place_id not in places or slot.target_type != 'place':
            continue
        names[slot.place_id] = slot.target_path or slot.target_name
        done = clock.format_local(slot.done_at, zone, '%H:%M') if slot.done_at else ''
        by_place.setdefault(slot.place_id, []).append(
            ('' if slot.whole else clock.format_local(slot.start, zone, '%H:%M'), slot.status, done))
    return sorted((ToiletDay(names[pid], windows) for pid, windows in by_place.items()),
                  key=lambda t: natural_key(t.name))


def repairs_finished(campus, monday, zone):
    """(count, [place names]) of the work orders repaired (marked done) this week."""
    start, end = clock.week_bounds(monday, zone)
    orders = (WorkOrderEvent.select(WorkOrderEvent.order).join(WorkOrder)
              .where((WorkOrder.campus == campus) & (WorkOrderEvent.to_status == 'done')
                     & (WorkOrderEvent.created_at >= start) & (WorkOrderEvent.created_at < end))
              .distinct())
    ids = [e.order_id for e in orders]
    names = [name for (name,) in Place.select(fn.DISTINCT(Place.name))
             .join(WorkOrder, on=(WorkOrder.place == Place.id)).where(WorkOrder.id.in_(ids or [0])).tuples()]
    return len(ids), sorted(names, key=natural_key)


def patrol_last_night(campus, today, now):
    """Last night's patrol counts: rounds planned, completed, missed rounds, missed checkpoints."""
    totals = night_report(campus, today - datetime.timedelta(days=1), now=now)['totals']
    return {key: totals.get(key, 0) for key in ('rounds', 'complete', 'missed_rounds', 'missed')}


def board(campus, now=None):
    """Everything the board shows for a campus at now."""
    now = now or clock.utcnow()
    zone = clock.zone_name(campus)
    today = clock.today(zone, now)
    monday = clock.monday_of(today)
    repaired, repaired_places = repairs_finished(campus, monday, zone)
    grades = week_tables(campus, monday)
    return {'today': today, 'monday': monday, 'sunday': monday + datetime.timedelta(days=6), 'now': clock.format_local(now, zone, '%H:%M'),
            'toilets': toilets_today(campus, today, now), 'grades': [g for g in grades if g.rows],
            'repaired': repaired, 'repaired_places': repaired_places,
            'patrol': patrol_last_night(campus, today, now)}
