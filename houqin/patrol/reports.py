"""What the patrol pages show, assembled from the database: tonight's progress, a night's report, a report per
guard. Reading only; evaluation.py writes results."""
import dataclasses
import datetime

from peewee import JOIN

from houqin.clock import to_utc, utcnow
from houqin.models import DutyLog, PatrolRun, PatrolScan, Place, Record, Route, User
from houqin.patrol import evidence
from houqin.patrol.plans import active_routes, patrol_calendar, plan_chooser, route_rounds, route_stops
from houqin.patrol.rounds import Round, local_date, next_round, night_of, rounds_at


def tonight(campus, now=None):
    """Per active route: the running round with its progress, or the next round; and lately missed rounds."""
    now = now or utcnow()
    zone = campus.timezone
    calendar = patrol_calendar(campus.id)
    out = []
    for route in active_routes(campus.id):
        chooser = plan_chooser(route, calendar)
        stops = route_stops(route.id)
        current = []
        for rnd in rounds_at(now, chooser, zone):
            run = PatrolRun.get_or_none((PatrolRun.route == route.id) & (PatrolRun.round_start == rnd.start))
            scanned = set()
            if run is not None:
                scanned = {s.stop_id for s in PatrolScan.select(PatrolScan.stop).where(PatrolScan.run == run.id)}
            current.append({'round': rnd, 'done': [s for s in stops if s.id in scanned],
                            'todo': [s for s in stops if s.id not in scanned]})
        recent = list(PatrolRun.select().where(
            (PatrolRun.route == route.id) & PatrolRun.evaluated_at.is_null(False)
            & (PatrolRun.round_end >= now - datetime.timedelta(hours=24))).order_by(PatrolRun.round_start.desc()))
        out.append({'route': route, 'stops': stops, 'current': current, 'recent': recent,
                    'next': None if current else next_round(now, chooser, zone)})
    return out


@dataclasses.dataclass
class ScanRow:
    """One scan as a report shows it."""
    scan: PatrolScan
    place: str
    guard: str
    location: tuple  # evidence.location_check verdict
    position: int = None


def scan_rows(scans, places, users, records):
    """ScanRows for scans, with names and the location verdict looked up in the given dicts."""
    rows = []
    for s in scans:
        place = places.get(s.place_id)
        record = records.get(s.record_id)
        fix = (record.latitude, record.longitude, record.accuracy) if record else None
        checkpoint = (place.latitude, place.longitude, place.location_accuracy) if place else None
        rows.append(ScanRow(s, place.name if place else '', users.get(s.user_id, ''),
                            evidence.location_check(fix, checkpoint)))
    return rows


def lookups(scans):
    """(places, user names, records) by id for a list of scans, in three queries."""
    place_ids = {s.place_id for s in scans if s.place_id}
    places = {p.id: p for p in Place.select().where(Place.id.in_(list(place_ids)))} if place_ids else {}
    user_ids = {s.user_id for s in scans if s.user_id}
    users = {u.id: u.name for u in User.select().where(User.id.in_(list(user_ids)))} if user_ids else {}
    record_ids = [s.record_id for s in scans]
    records = {r.id: r for r in Record.select(Record.id, Record.latitude, Record.longitude, Record.accuracy)
               .where(Record.id.in_(record_ids))} if record_ids else {}
    return places, users, records


def night_window(night, zone):
    """Noon of the night's date to noon the next day, in naive UTC: the duty night."""
    noon = datetime.time(12, 0)
    return (to_utc(datetime.datetime.combine(night, noon), zone),
            to_utc(datetime.datetime.combine(night + datetime.timedelta(days=1), noon), zone))


def night_report(campus, night, now=None):
    """Everything about one duty night: per route its rounds with done, missed, late, out-of-order and flagged
    checkpoints; scans outside any round; anomalies; the duty log; totals."""
    now = now or utcnow()
    zone = campus.timezone
    calendar = patrol_calendar(campus.id)
    begin, end = night_window(night, zone)
    all_scans = list(PatrolScan.select().where((PatrolScan.campus == campus.id) & (PatrolScan.created_at >= begin)
                                               & (PatrolScan.created_at < end)).order_by(PatrolScan.created_at))
    routes = list(Route.select().where(Route.campus == campus.id).order_by(Route.name, Route.id))
    runs = {(r.route_id, r.round_start): r for r in PatrolRun.select().where(
        PatrolRun.route.in_([r.id for r in routes]) & (PatrolRun.night == night))} if routes else {}
    run_scans = list(PatrolScan.select().where(PatrolScan.run.in_([r.id for r in runs.values()])
                                               ).order_by(PatrolScan.created_at)) if runs else []
    scans = {s.id: s for s in all_scans + run_scans}
    places, users, records = lookups(list(scans.values()))
    rows = {r.scan.id: r for r in scan_rows(list(scans.values()), places, users, records)}
    totals = {'rounds': 0, 'complete': 0, 'incomplete': 0, 'missed_rounds': 0, 'open': 0, 'missed': 0,
              'late': 0, 'out_of_order': 0, 'flagged': 0, 'anomalies': 0, 'bursts': 0}
    route_reports = []
    for route in routes:
        stops = route_stops(route.id)
        rounds = []
        for rnd in route_rounds(route, night, calendar, zone) if route.active else []:
            run = runs.pop((route.id, rnd.start), None)
            rounds.append(round_report(rnd, run, stops, [rows[s.id] for s in run_scans if run and s.run_id == run.id],
                                       now))
        # Rounds of a schedule since changed keep their runs: show them too.
        for key in [k for k in runs if k[0] == route.id]:
            run = runs.pop(key)
            rnd = Round(night, run.round_index, run.round_start, run.round_end, route.grace_minutes, run.holiday)
            rounds.append(round_report(rnd, run, stops, [rows[s.id] for s in run_scans if s.run_id == run.id], now))
        rounds.sort(key=lambda r: r['round'].start)
        if rounds or route.active:
            route_reports.append({'route': route, 'rounds': rounds, 'stops': stops})
        for r in rounds:
            totals['rounds'] += 1
            totals[{'complete': 'complete', 'incomplete': 'incomplete', 'missed': 'missed_rounds'}.get(
                r['status'], 'open')] += 1
            totals['missed'] += len(r['missed'])
            totals['late'] += sum(1 for row in r['scans'] if row.scan.late)
            totals['out_of_order'] += sum(1 for row in r['scans'] if row.scan.out_of_order)
    outside = [rows[s.id] for s in all_scans if s.run_id is None]
    flagged = [rows[s.id] for s in sorted(scans.values(), key=lambda s: s.created_at) if s.flags]
    totals['flagged'] = len(flagged)
    totals['bursts'] = count_bursts(flagged)
    anomalies = [(rows[s.id], entry) for s in sorted(scans.values(), key=lambda s: s.created_at)
                 for entry in (s.anomalies or [])]
    totals['anomalies'] = len(anomalies)
    duty = list(DutyLog.select(DutyLog, User).join(User, on=(DutyLog.user == User.id), join_type=JOIN.LEFT_OUTER)
                .where((DutyLog.campus == campus.id) & (DutyLog.night == night)).order_by(DutyLog.created_at))
    return {'night': night, 'routes': route_reports, 'outside': outside, 'flagged': flagged,
            'anomalies': anomalies, 'duty': duty, 'totals': totals, 'zone': zone}


def round_report(rnd, run, stops, rows, now):
    """One round: its status, each stop with its first scan (or missed), and the round's scans."""
    first = {}
    for row in rows:
        first.setdefault(row.scan.stop_id, row)
    status = run.status if run is not None and run.evaluated_at else ('open' if rnd.due > now else 'pending')
    if run is None and rnd.due > now and rnd.start > now:
        status = 'upcoming'
    evaluated = run is not None and run.evaluated_at is not None
    missed = [s for s in stops if s.id in set((run.result or {}).get('missed', []))] if evaluated else []
    notable = any(row.scan.late or row.scan.out_of_order or row.scan.flags for row in rows)
    return {'round': rnd, 'run': run, 'status': status, 'scans': rows, 'done': sum(1 for s in stops if s.id in first),
            'notable': notable,
            'stops': [(s, first.get(s.id)) for s in stops], 'missed': missed, 'evaluated': evaluated}


def count_bursts(flagged):
    """How many separate bursts the flagged scans hold (scans of one guard within the burst window)."""
    bursts, last = 0, {}
    for row in flagged:
        if any(f.get('code') == 'burst' for f in row.scan.flags):
            previous = last.get(row.scan.user_id)
            if previous is None or (row.scan.created_at - previous).total_seconds() > evidence.BURST_SECONDS:
                bursts += 1
            last[row.scan.user_id] = row.scan.created_at
    return bursts


def guard_report(campus, first, last, now=None):
    """Per guard over the nights first..last: rounds walked and completed, checkpoints missed in their rounds,
    late and out-of-order scans, flagged scans, anomalies; plus rounds nobody walked, per night."""
    zone = campus.timezone
    begin, _end = night_window(first, zone)
    _begin, end = night_window(last, zone)
    scans = list(PatrolScan.select().where((PatrolScan.campus == campus.id) & (PatrolScan.created_at >= begin)
                                           & (PatrolScan.created_at < end)))
    runs = {r.id: r for r in PatrolRun.select().join(Route).where(
        (Route.campus == campus.id) & (PatrolRun.night >= first) & (PatrolRun.night <= last))}
    guards = {}
    for s in scans:
        g = guards.setdefault(s.user_id, {'scans': 0, 'runs': set(), 'late': 0, 'out_of_order': 0, 'flagged': 0,
                                          'anomalies': 0, 'outside': 0})
        g['scans'] += 1
        g['late'] += s.late
        g['out_of_order'] += s.out_of_order
        g['flagged'] += bool(s.flags)
        g['anomalies'] += len(s.anomalies or [])
        if s.run_id:
            g['runs'].add(s.run_id)
        else:
            g['outside'] += 1
    names = {u.id: u.name for u in User.select().where(User.id.in_([k for k in guards if k]))} if guards else {}
    rows = []
    for user_id, g in guards.items():
        walked = [runs[r] for r in g['runs'] if r in runs]
        rows.append({'name': names.get(user_id, '—'), 'user_id': user_id, 'scans': g['scans'],
                     'rounds': len(walked), 'complete': sum(1 for r in walked if r.status == 'complete'),
                     'missed': sum(len((r.result or {}).get('missed', [])) for r in walked if r.evaluated_at),
                     'late': g['late'], 'out_of_order': g['out_of_order'], 'flagged': g['flagged'],
                     'anomalies': g['anomalies'], 'outside': g['outside']})
    rows.sort(key=lambda r: r['name'])
    unwalked = sorted((r for r in runs.values() if r.status == 'missed'), key=lambda r: r.round_start)
    return {'first': first, 'last': last, 'guards': rows, 'missed_rounds': unwalked}


def default_night(campus, now=None):
    """The last night whose shift has begun: tonight after noon, else last night."""
    return night_of(now or utcnow(), campus.timezone)


__all__ = ['tonight', 'night_report', 'guard_report', 'default_night', 'local_date']
