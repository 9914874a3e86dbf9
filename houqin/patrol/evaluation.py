"""After the round: at its end plus grace, missed checkpoints are computed and written, once, and the managers
are told through the outbox. Run by `flask houqin patrol-check` (cron) and lazily whenever patrol pages are
viewed; both are idempotent, and two evaluators at once write one result and one notification."""
import datetime

from flask_babel import force_locale, gettext as _
from peewee import IntegrityError

from houqin.clock import to_local, utcnow
from houqin.db import write_transaction
from houqin.models import Campus, PatrolRun, PatrolScan, Route
from houqin.notify.outbox import enqueue, message_locale
from houqin.patrol.plans import active_routes, patrol_calendar, plan_chooser, route_stops
from houqin.patrol.rounds import due_rounds, round_outcome
from houqin.vocab import MANAGER_ROLES

LOOKBACK = datetime.timedelta(days=7)  # after a longer outage, older rounds are left unevaluated


def evaluate_due_rounds(now=None, campus=None, notify=True):
    """Evaluate every round of every active route whose grace has ended and which has no result yet.

    Returns the runs evaluated by this call (a round another evaluator finished first is not among them).
    """
    now = now or utcnow()
    routes = active_routes(campus.id) if campus is not None else list(
        Route.select().where(Route.active == True).order_by(Route.id))  # noqa: E712
    done = []
    for route in routes:
        since = max(route.created_at, now - LOOKBACK)
        evaluated = {r.round_start for r in PatrolRun.select(PatrolRun.round_start).where(
            (PatrolRun.route == route.id) & (PatrolRun.round_start >= since) & PatrolRun.evaluated_at.is_null(False))}
        zone = Campus.zone_of(route.campus_id)
        chooser = plan_chooser(route, patrol_calendar(route.campus_id))
        for rnd in due_rounds(since, now, chooser, zone):
            if rnd.start not in evaluated:
                run = evaluate_round(route, rnd, now, notify=notify)
                if run is not None:
                    done.append(run)
    return done


def evaluate_round(route, rnd, now, notify=True):
    """Write one round's result (complete, incomplete, or missed when nobody scanned) and notify misses.

    Returns the run, or None when another evaluator had already written it.
    """
    with write_transaction():
        run = PatrolRun.get_or_none((PatrolRun.route == route.id) & (PatrolRun.round_start == rnd.start))
        if run is None:
            try:
                with write_transaction():
                    run = PatrolRun.create(route=route.id, round_start=rnd.start, round_end=rnd.end, night=rnd.night,
                                           round_index=rnd.index, holiday=rnd.holiday, status='open')
            except IntegrityError:
                run = PatrolRun.get((PatrolRun.route == route.id) & (PatrolRun.round_start == rnd.start))
        claimed = (PatrolRun.update(evaluated_at=now)
                   .where((PatrolRun.id == run.id) & PatrolRun.evaluated_at.is_null()).execute())
        if not claimed:
            return None
        stops = route_stops(route.id)
        scans = list(PatrolScan.select().where(PatrolScan.run == run.id).order_by(PatrolScan.created_at))
        outcome = round_outcome([s.id for s in stops],
                                [(s.stop_id, s.late, s.out_of_order, bool(s.flags)) for s in scans])
        names = {s.id: s.place.name for s in stops}
        outcome['missed_names'] = [names[i] for i in outcome['missed']]
        run.status, run.result, run.evaluated_at = outcome['status'], outcome, now
        run.save(only=[PatrolRun.status, PatrolRun.result])
        if notify and outcome['missed']:
            notify_missed(route, run, outcome)
    return run


def notify_missed(route, run, outcome):
    """Queue a message about the round's missed checkpoints (or the missed round) for the campus's managers."""
    subject, body = compose_missed(route, run, outcome)
    night = run.night.isoformat() if run.night else ''
    return enqueue(route.campus_id, 'patrol', subject, body, roles=MANAGER_ROLES,
                   link=f'/patrol/reports/?night={night}')


def compose_missed(route, run, outcome):
    """(subject, text) about a round's misses, in the site's default language."""
    zone = Campus.zone_of(route.campus_id)
    window = f'{to_local(run.round_start, zone):%m-%d %H:%M}–{to_local(run.round_end, zone):%H:%M}'
    with force_locale(message_locale()):
        if outcome['status'] == 'missed':
            subject = _('[Patrol] Round missed: %(route)s %(window)s', route=route.name, window=window)
            lines = [subject, _('No checkpoint was scanned in this round (%(n)d checkpoints).',
                                n=len(outcome['missed']))]
        else:
            subject = _('[Patrol] %(n)d checkpoints missed: %(route)s %(window)s', n=len(outcome['missed']),
                        route=route.name, window=window)
            lines = [subject, _('Missed: %(names)s', names='、'.join(outcome['missed_names'])),
                     _('Scanned %(done)d of %(total)d.', done=len(outcome['done']),
                       total=len(outcome['done']) + len(outcome['missed']))]
    return subject, '\n'.join(lines)
