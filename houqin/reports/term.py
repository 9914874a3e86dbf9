"""The term's counts for the written summary (学期总结), and the previous term's to compare. No Flask; naive UTC.

Repairs come from repairs.stats.term_counts (orders reported in the term); cleaning on time is the share of the
term's closed cleaning slots done in their window; inspections are the inspection-like records; hazards found
are hazard orders reported in the term, closed those repaired since (整改率 = closed ÷ found); patrol rounds are
the evaluated rounds of the term's nights; extinguishers checked are those with an inspection record, refilled
those with a repair finished in the term."""
import dataclasses
import datetime

from houqin.admin.dashboard import RECTIFIED_STATUSES, rate, term_bounds
from houqin.clock import days_bounds, utcnow, zone_name
from houqin.models import Item, PatrolRun, Record, Route, Term, WorkOrder, WorkOrderEvent
from houqin.repairs.stats import current_term, orders_between, term_counts
from houqin.routines.compliance import compliance_counts
from houqin.routines.ledgers import NOT_INSPECTIONS
from houqin.routines.service import engine_inputs, rule_of


@dataclasses.dataclass
class Period:
    """A term: its name and first and last day."""
    name: str
    first: datetime.date
    last: datetime.date


def this_and_previous(campus, today):
    """(this term, the one before) from the campus calendar, else the usual half-years (Feb–Jul, Aug–Jan)."""
    first, last = term_bounds(campus, today)
    term = Term.get_or_none((Term.campus == campus) & (Term.starts_on == first))
    current = Period(term.name if term else f'{first:%Y-%m-%d} – {last:%Y-%m-%d}', first, last)
    before = (Term.select().where((Term.campus == campus) & (Term.ends_on < first)).order_by(Term.ends_on.desc())
              .first())
    if before:
        return current, Period(before.name, before.starts_on, before.ends_on)
    prev_first, prev_last = current_term(first - datetime.timedelta(days=1))
    if prev_last >= first:  # the usual half-year around the day before overlaps this term: take the one before
        prev_first, prev_last = current_term(prev_first - datetime.timedelta(days=1))
    return current, Period(f'{prev_first:%Y-%m-%d} – {prev_last:%Y-%m-%d}', prev_first, prev_last)

def cleaning_on_time(campus, start, end, now):
    """(on time, closed slots) of the campus's cleaning in [start, min(end, now))."""
    end = min(end, now)
    if end <= start:
        return 0, 0
    found = engine_inputs(campus, start, end, now, activity='cleaning')
    if found is None:
        return 0, 0
    routines, targets, _infos, cal, records = found
    counts = compliance_counts([rule_of(r) for r in routines], targets, cal, records, start, end, now,
                               zone_name(campus), lambda slot: 'all').get('all', {})
    closed = counts.get('done', 0) + counts.get('late', 0) + counts.get('missed', 0)
    return counts.get('done', 0), closed


def counts(campus, period, now):
    """Every count of the report for one term."""
    zone = zone_name(campus)
    start, end = days_bounds(period.first, period.last, zone)
    repairs = term_counts(orders_between(campus, period.first, period.last), now=now)
    on_time, closed = cleaning_on_time(campus, start, end, now)
    in_term = (Record.campus == campus) & (Record.created_at >= start) & (Record.created_at < end)
    inspections = Record.select().where(in_term & Record.activity.not_in(NOT_INSPECTIONS)).count()
    hazards = WorkOrder.select().where((WorkOrder.campus == campus) & WorkOrder.hazard
                                       & (WorkOrder.created_at >= start) & (WorkOrder.created_at < end))
    found, rectified = hazards.count(), hazards.where(WorkOrder.status.in_(RECTIFIED_STATUSES)).count()
    runs = (PatrolRun.select(PatrolRun.status, PatrolRun.result).join(Route)
            .where((Route.campus == campus) & (PatrolRun.night >= period.first) & (PatrolRun.night <= period.last)
                   & PatrolRun.evaluated_at.is_null(False)))
    rounds = complete = missed_checkpoints = 0
    for run in runs:
        rounds += 1
        complete += run.status == 'complete'
        missed_checkpoints += len((run.result or {}).get('missed') or [])
    extinguishers = Item.select(Item.id).where((Item.campus == campus) & (Item.kind == 'fire_extinguisher'))
    checked = (Record.select(Record.item).where(in_term & (Record.activity == 'inspection')
                                                & Record.item.in_(extinguishers)).distinct().count())
    refilled = (WorkOrderEvent.select(WorkOrder.item).join(WorkOrder)
                .where(WorkOrder.item.in_(extinguishers) & (WorkOrderEvent.action == 'finish')
                       & (WorkOrderEvent.created_at >= start) & (WorkOrderEvent.created_at < end))
                .distinct().count())
    return {'period': period, 'repairs': repairs, 'cleaning': {'on_time': on_time, 'closed': closed,
                                                               'rate': rate(on_time, closed)},
            'inspections': inspections, 'hazards': {'found': found, 'closed': rectified, 'rate': rate(rectified, found)},
            'patrol': {'rounds': rounds, 'complete': complete, 'missed_checkpoints': missed_checkpoints},
            'extinguishers': {'total': extinguishers.count(), 'checked': checked, 'refilled': refilled}}


def term_report(campus, now=None):
    """This term's counts and the previous term's."""
    now = now or utcnow()
    current, previous = this_and_previous(campus, campus.today())
    return counts(campus, current, now), counts(campus, previous, now)
