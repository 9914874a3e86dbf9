"""The patrol ledger (巡逻台账): rounds, checkpoint scans, missed checkpoints, anomalies and the duty log
(值班记录) of the nights in the period."""
from flask_babel import lazy_gettext as _l

from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, keyset, place_paths
from houqin.models import DutyLog, PatrolRun, PatrolScan, Record, Route, RouteStop
from houqin.patrol.anomalies import anomaly_label
# The words the patrol pages use for a round's status, a scan's evidence flags and a duty-log entry.
from houqin.patrol.report_views import STATUS_LABELS, flag_text
from houqin.patrol.views import DUTY_KINDS

YES = _l('yes')


def runs(query):
    """The campus's patrol rounds of the nights in the period (the guard's, with the person filter)."""
    rows = (PatrolRun.select(PatrolRun, Route.name.alias('route_name')).join(Route)
            .where((Route.campus == query.campus) & (PatrolRun.night >= query.first) & (PatrolRun.night <= query.last)))
    if query.person is not None:
        guarded = PatrolScan.select(PatrolScan.run).where(PatrolScan.user == query.person.id)
        rows = rows.where((PatrolRun.guard == query.person.id) | PatrolRun.id.in_(guarded))
    return rows


ROUND_COLUMNS = (
    Column(_l('Night'), 'date'), Column(_l('Route'), width=16), Column(_l('Round'), 'int'),
    Column(_l('Round starts'), 'datetime'), Column(_l('Round ends'), 'datetime'), Column(_l('Status'), width=12),
    Column(_l('Checkpoints scanned'), 'int'), Column(_l('Checkpoints missed'), 'int'), Column(_l('Late'), 'int'),
    Column(_l('Out of order'), 'int'), Column(_l('Flagged'), 'int'), Column(_l('Holiday round')))


def round_rows(query):
    """One row per round, night by night."""
    for run in keyset(runs(query).objects(), PatrolRun.round_start, PatrolRun.id):
        result = run.result or {}
        yield (run.night, run.route_name, run.round_index + 1, run.round_start, run.round_end,
               STATUS_LABELS.get(run.status, run.status), len(result.get('done') or ()),
               len(result.get('missed') or ()), len(result.get('late') or ()), len(result.get('out_of_order') or ()),
               result.get('flagged') or 0, YES if run.holiday else '')


def scans(query):
    """The campus's checkpoint scans in the period, at the place filter, by the person."""
    rows = query.in_period(PatrolScan.select().where(PatrolScan.campus == query.campus), PatrolScan.created_at)
    return query.by_person(query.at_places(rows, PatrolScan.place), PatrolScan.user)


SCAN_COLUMNS = (
    Column(_l('Time'), 'datetime'), Column(_l('Route'), width=16), Column(_l('Checkpoint'), width=30),
    Column(_l('Guard'), width=12), Column(_l('Round starts'), 'datetime'), Column(_l('Late')),
    Column(_l('Out of order')), Column(_l('Evidence flags'), width=30), Column(_l('Phone time'), 'datetime'))


def scan_rows(query):
    """One row per checkpoint scan, in time order."""
    names, paths = Names(query.campus), place_paths(query.campus)
    routes = {r.id: r.name for r in Route.select(Route.id, Route.name).where(Route.campus == query.campus)}
    starts = {}
    for s in keyset(scans(query), PatrolScan.created_at, PatrolScan.id):
        if s.run_id and s.run_id not in starts:
            starts[s.run_id] = PatrolRun.select(PatrolRun.round_start).where(PatrolRun.id == s.run_id).scalar()
        yield (s.created_at, routes.get(s.route_id, ''), paths.get(s.place_id, ''), names[s.user_id],
               starts.get(s.run_id), YES if s.late else '', YES if s.out_of_order else '',
               '；'.join(flag_text(f) for f in s.flags or ()), s.client_time)


MISSED_COLUMNS = (
    Column(_l('Night'), 'date'), Column(_l('Route'), width=16), Column(_l('Round'), 'int'),
    Column(_l('Round starts'), 'datetime'), Column(_l('Checkpoint'), width=30), Column(_l('Status'), width=12))


def missed_runs(query):
    """The evaluated rounds of the period that missed a checkpoint (or the whole round)."""
    return [run for run in runs(query).where(PatrolRun.status.in_(['incomplete', 'missed'])).order_by(
        PatrolRun.round_start, PatrolRun.id).objects() if (run.result or {}).get('missed')]


def missed_rows(query):
    """One row per checkpoint missed in a round."""
    paths = place_paths(query.campus)
    for run in missed_runs(query):
        result = run.result
        stops = {s.id: s.place_id for s in RouteStop.select(RouteStop.id, RouteStop.place)
                 .where(RouteStop.id.in_(result['missed']))}
        names = result.get('missed_names') or []
        for index, stop_id in enumerate(result['missed']):
            where = paths.get(stops.get(stop_id)) or (names[index] if index < len(names) else '')
            yield (run.night, run.route_name, run.round_index + 1, run.round_start, where,
                   STATUS_LABELS.get(run.status, run.status))


def missed_count(query):
    """How many missed checkpoints the sheet lists."""
    return sum(len(run.result['missed']) for run in missed_runs(query))


def anomalies(query):
    """The campus's patrol anomaly records in the period (a patrol record with a problem)."""
    rows = query.in_period(Record.select().where((Record.campus == query.campus) & (Record.activity == 'patrol')
                                                 & (Record.outcome == 'problem')), Record.created_at)
    return query.by_person(query.at_places(rows, Record.place), Record.user)


ANOMALY_COLUMNS = (
    Column(_l('Time'), 'datetime'), Column(_l('Where'), width=30), Column(_l('Anomaly'), width=14),
    Column(_l('Safety hazard')), Column(_l('Note'), width=36), Column(_l('Guard'), width=12))


def anomaly_rows(query):
    """One row per anomaly a guard reported."""
    names, paths = Names(query.campus), place_paths(query.campus)
    for r in keyset(anomalies(query), Record.created_at, Record.id):
        answers = r.answers or {}
        yield (r.created_at, paths.get(r.place_id, ''), anomaly_label(answers.get('anomaly', '')),
               YES if answers.get('hazard') else '', r.note, names[r.user_id])


def duty_entries(query):
    """The campus's duty-log entries of the nights in the period, by the person, at the place filter."""
    rows = DutyLog.select().where((DutyLog.campus == query.campus) & (DutyLog.night >= query.first)
                                  & (DutyLog.night <= query.last))
    return query.by_person(query.at_places(rows, DutyLog.place), DutyLog.user)


DUTY_COLUMNS = (
    Column(_l('Night'), 'date'), Column(_l('Time'), 'datetime'), Column(_l('Entry'), width=12),
    Column(_l('What happened'), width=48), Column(_l('For the next shift')), Column(_l('Where'), width=24),
    Column(_l('Guard'), width=12))


def duty_rows(query):
    """One row per duty-log entry."""
    names, paths = Names(query.campus), place_paths(query.campus)
    for d in keyset(duty_entries(query), DutyLog.created_at, DutyLog.id):
        yield (d.night, d.created_at, DUTY_KINDS.get(d.kind, d.kind), d.body, YES if d.for_next_shift else '',
               paths.get(d.place_id, ''), names[d.user_id])


LEDGERS = (Ledger('patrol', _l('Patrol ledger'), (
    Sheet(_l('Rounds'), ROUND_COLUMNS, round_rows, lambda query: runs(query).count()),
    Sheet(_l('Checkpoint scans'), SCAN_COLUMNS, scan_rows, lambda query: scans(query).count()),
    Sheet(_l('Missed checkpoints'), MISSED_COLUMNS, missed_rows, missed_count),
    Sheet(_l('Anomalies'), ANOMALY_COLUMNS, anomaly_rows, lambda query: anomalies(query).count()),
    Sheet(_l('Duty log'), DUTY_COLUMNS, duty_rows, lambda query: duty_entries(query).count())),
    filters=('place', 'person'),
    description=_l('Rounds, checkpoint scans, missed checkpoints, anomalies and the duty log of each night.')),)
