"""The zero-tap checkpoint: a guard's scan of a checkpoint label records itself, placed in its round.

record_scan() is called by the scan page (/t/<token>) on every GET by a signed-in user. Recording on a GET is
deliberate (the guard does not tap anything) and safe: the session cookie is SameSite=Lax, so another site
cannot make a guard's browser send it on an embedded or background request, only on a top-level navigation
the guard makes; and the call is idempotent, so a reload or a repeated navigation never adds a second scan.
"""
import dataclasses
import datetime
import hashlib
import hmac
import uuid

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, JOIN

from houqin.clock import utcnow
from houqin.db import serialize_on, write_transaction
from houqin.models import Campus, Membership, PatrolRun, PatrolScan, Place, Record, Route, RouteStop
from houqin.patrol import evidence
from houqin.patrol.plans import patrol_calendar, plan_chooser, route_stops
from houqin.patrol.rounds import Round, is_out_of_order, next_round, rounds_at
from houqin.permissions import PERMISSIONS
from houqin.scan.records import submit_record

RELOAD_SECONDS = 300      # the same guard at the same checkpoint within this is a reload, not a new scan
EVIDENCE_SECONDS = 120    # the phone's clock and location count only when sent this soon after the scan
SEQUENCE_LOOKBACK = datetime.timedelta(hours=1)

ANOMALIES = {  # the one-tap anomalies guards report on night patrol, with the repair category of a hazard
    'door_unlocked': (_l('Door not locked'), 'doors_windows'),
    'light_on': (_l('Light left on'), 'electrical'),
    'window_open': (_l('Window not closed'), 'doors_windows'),
    'tap_running': (_l('Tap left running'), 'plumbing'),
    'socket_live': (_l('Socket left on'), 'electrical'),
    'suspicious_person': (_l('Suspicious person'), 'other'),
    'damage': (_l('Damaged facility'), 'building'),
    'other': (_l('Other'), 'other'),
}


@dataclasses.dataclass
class Progress:
    """What the guard sees after a scan: the round, how far the route is done, what is next or skipped."""
    route_name: str
    round: object = None            # rounds.Round, None outside any round
    total: int = 0
    done: int = 0
    next: list = dataclasses.field(default_factory=list)      # place names still to scan, after this one
    skipped: list = dataclasses.field(default_factory=list)   # place names passed over so far
    next_round: object = None       # outside any round: the next one
    anomalies: dict = dataclasses.field(default_factory=lambda: ANOMALIES)
    form_uuid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    note: str = ''                  # what the guard typed, kept when the form comes back with an error
    hazard: bool = False
    errors: list = dataclasses.field(default_factory=list)

    @property
    def complete(self):
        return self.round is not None and self.total and self.done >= self.total


def role_on_campus(user, campus_id):
    """The user's role on a campus (the request's, when it is that campus)."""
    if has_request_context() and g.get('campus') is not None and g.campus.id == campus_id:
        return g.get('role')
    return (Membership.select(Membership.role)
            .where((Membership.user == user.id) & (Membership.campus == campus_id)).scalar())


def checkpoint_stops(campus_id, place_id):
    """The stops of active routes of the campus at this place, by route and position."""
    return list(RouteStop.select(RouteStop, Route).join(Route)
                .where((RouteStop.place == place_id) & (Route.campus == campus_id) & (Route.active == True))  # noqa: E712
                .order_by(Route.id, RouteStop.position, RouteStop.id))


def record_scan(tag, user, *, now=None, client_time=None):
    """Record a guard's scan of a checkpoint label, idempotently; None when this scan is not a patrol scan.

    Returns the PatrolScan (in a round: with its run and stop; outside any round: a plain patrol record) with
    `.progress` set for the page's patrol panel (templates/patrol/_scan_panel.html, variable `patrol_scan`).
    """
    if (tag is None or tag.status != 'active' or not tag.place_id or user is None
            or not getattr(user, 'is_authenticated', False)):
        return None
    if role_on_campus(user, tag.campus_id) not in PERMISSIONS['patrol.scan']:
        return None
    stops = checkpoint_stops(tag.campus_id, tag.place_id)
    if not stops:
        return None
    now = now or utcnow()
    recent = (PatrolScan.select().where((PatrolScan.user == user.id) & (PatrolScan.place == tag.place_id)
                                        & PatrolScan.created_at.between(now - datetime.timedelta(seconds=RELOAD_SECONDS), now))
              .order_by(PatrolScan.created_at.desc()).first())
    if recent is not None:
        return with_progress(recent, now)
    zone = Campus.zone_of(tag.campus_id)
    placed = place_in_round(stops, user, now, zone, patrol_calendar(tag.campus_id))
    if placed is not None and placed[1] is None:  # every stop here already scanned by this guard this round
        if not round_has_ended(placed[0], now):
            return with_progress(placed[0], now)
        placed = None  # the round is over (its grace is running): this scan is a plain record, not the old one
    scan = create_scan(tag, user, stops, placed, now, client_time)
    refresh_sequence_flags(user.id, now)
    fresh = with_progress(PatrolScan.get_by_id(scan.id), now)
    fresh.fresh = True  # made by this page view: only it may send the phone's evidence (evidence_token)
    return fresh


def round_has_ended(scan, now):
    """True when the round a scan counted for is over (only its grace period may still be running)."""
    run = PatrolRun.get_or_none(PatrolRun.id == scan.run_id) if scan.run_id else None
    return run is not None and run.round_end <= now


def evidence_token(scan, secret):
    """The token the page view that made a scan carries, so only it can send that scan's evidence."""
    message = f'patrol-evidence:{scan.id}:{scan.record_id}'.encode()
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, message, hashlib.sha256).hexdigest()[:32]


def evidence_refusal(scan, token, secret, now=None):
    """None when evidence may be recorded for this scan now, else why not ('token' or 'late')."""
    if not token or not hmac.compare_digest(str(token), evidence_token(scan, secret)):
        return 'token'
    if (now or utcnow()) - scan.created_at > datetime.timedelta(seconds=EVIDENCE_SECONDS):
        return 'late'
    return None


def place_in_round(stops, user, now, zone, calendar):
    """Where a scan now belongs: (round, stop, route) for a new scan in a round, (existing scan, None) when
    the guard already scanned every stop here in the running round, or None outside any round.

    In the grace period after a round, a stop the guard has not scanned yet in that round counts for it
    (late); otherwise the scan counts for the round that has started since.
    """
    existing = None
    by_route = {}
    for stop in stops:
        by_route.setdefault(stop.route_id, []).append(stop)
    for route_id, here in by_route.items():
        route = here[0].route
        for rnd in rounds_at(now, plan_chooser(route, calendar), zone):
            run = PatrolRun.get_or_none((PatrolRun.route == route_id) & (PatrolRun.round_start == rnd.start))
            mine = set()
            if run is not None:
                mine = {s.stop_id for s in PatrolScan.select(PatrolScan.stop)
                        .where((PatrolScan.run == run) & (PatrolScan.user == user.id))}
            for stop in here:
                if stop.id not in mine:
                    return rnd, stop, route
            if run is not None:
                existing = existing or (PatrolScan.select().where((PatrolScan.run == run) & (PatrolScan.user == user.id)
                                                                  & (PatrolScan.place == here[0].place_id))
                                        .order_by(PatrolScan.created_at.desc()).first())
    return (existing, None) if existing is not None else None


def run_for_round(route, rnd, user):
    """The run of a route's round, created on its first scan (one per route and round, even under races)."""
    run = PatrolRun.get_or_none((PatrolRun.route == route.id) & (PatrolRun.round_start == rnd.start))
    if run is None:
        try:
            with write_transaction():
                run = PatrolRun.create(route=route.id, guard=user.id if user else None, round_start=rnd.start,
                                       round_end=rnd.end, night=rnd.night, round_index=rnd.index,
                                       holiday=rnd.holiday, status='open')
        except IntegrityError:
            run = PatrolRun.get((PatrolRun.route == route.id) & (PatrolRun.round_start == rnd.start))
    if run.guard_id is None and user is not None:
        PatrolRun.update(guard=user.id).where((PatrolRun.id == run.id) & PatrolRun.guard.is_null()).execute()
    return run


def create_scan(tag, user, stops, placed, now, client_time):
    """Write the patrol record and its scan; a concurrent duplicate (same key) returns the first one."""
    if placed is None:
        route, stop, run, late, out_of_order = stops[0].route, None, None, False, False
        bucket = int(now.timestamp()) // RELOAD_SECONDS
        key = f'patrol:{tag.place_id}:{user.id}:{bucket}'
    else:
        rnd, stop, route = placed
        run = run_for_round(route, rnd, user)
        earlier = [s.stop.position for s in PatrolScan.select(PatrolScan, RouteStop).join(RouteStop)
                   .where(PatrolScan.run == run)]
        late, out_of_order = rnd.is_late(now), is_out_of_order(stop.position, earlier)
        key = f'patrol:{run.id}:{stop.id}:{user.id}'
    flags = [f for f in [evidence.clock_flag(now, client_time)] if f]

    def add_scan(record):
        """The scan beside its patrol record, in the record's transaction."""
        PatrolScan.create(campus=tag.campus_id, route=route.id, stop=stop.id if stop else None,
                          run=run.id if run else None, place=tag.place_id, record=record.id, user=user.id,
                          created_at=now, client_time=client_time, out_of_order=out_of_order, late=late,
                          flags=flags)

    record, _created = submit_record(None, tag, Place(id=tag.place_id), activity='patrol', user=user.id,
                                     server=key, after=add_scan, created_at=now, client_time=client_time)
    return PatrolScan.get(PatrolScan.record == record.id)


def walk_minimums(route_ids):
    """minimum(route_id, position_a, position_b): the later stop's walking minutes for adjacent stops, else 0."""
    legs = {}
    for stop in RouteStop.select().where(RouteStop.route.in_(list(route_ids))).order_by(RouteStop.position):
        legs.setdefault(stop.route_id, []).append(stop)
    order = {rid: {s.position: i for i, s in enumerate(rows)} for rid, rows in legs.items()}

    def minimum(route_id, a, b):
        index = order.get(route_id, {})
        if a not in index or b not in index or abs(index[a] - index[b]) != 1:
            return 0
        return legs[route_id][max(index[a], index[b])].walk_minutes or 0
    return minimum


def refresh_sequence_flags(user_id, now):
    """Recompute burst and walking-time flags over the guard's recent scans (a burst flags its first scans too)."""
    recent = list(PatrolScan.select(PatrolScan, RouteStop).join(RouteStop, join_type=JOIN.LEFT_OUTER,
                                                                on=(PatrolScan.stop == RouteStop.id))
                  .where((PatrolScan.user == user_id) & PatrolScan.created_at.between(now - SEQUENCE_LOOKBACK, now))
                  .order_by(PatrolScan.created_at, PatrolScan.id))
    rows = [{'time': s.created_at, 'place_id': s.place_id, 'route_id': s.route_id,
             'position': s.stop.position if s.stop_id and s.stop else None} for s in recent]
    fresh = evidence.sequence_flags(rows, walk_minimums({s.route_id for s in recent if s.route_id}))
    for scan, flags in zip(recent, fresh):
        if evidence.merge_flags(scan.flags or [], flags) != (scan.flags or []):
            with write_transaction():
                # Merged into the flags as stored now: the phone's evidence may have added one since the read.
                serialize_on(f'patrol-scan-flags:{scan.id}')
                stored = PatrolScan.select(PatrolScan.flags).where(PatrolScan.id == scan.id).scalar()
                PatrolScan.update(flags=evidence.merge_flags(stored or [], flags)) \
                    .where(PatrolScan.id == scan.id).execute()


def with_progress(scan, now=None):
    """The scan with `.progress` computed for the patrol panel."""
    route = Route.get_or_none(Route.id == scan.route_id) if scan.route_id else None
    progress = Progress(route_name=route.name if route else '')
    if scan.run_id and route is not None:
        run = PatrolRun.get_by_id(scan.run_id)
        stops = route_stops(route.id)
        scanned = {s.stop_id for s in PatrolScan.select(PatrolScan.stop).where(PatrolScan.run == run)}
        progress.round = Round(run.night, run.round_index, run.round_start, run.round_end, route.grace_minutes,
                               run.holiday)
        progress.total = len(stops)
        progress.done = sum(1 for s in stops if s.id in scanned)
        positions = [s.position for s in stops if s.id in scanned]
        furthest = max(positions) if positions else -1
        here = next((s.position for s in stops if s.id == scan.stop_id), -1)
        progress.skipped = [s.place.name for s in stops if s.id not in scanned and s.position < furthest]
        progress.next = [s.place.name for s in stops if s.id not in scanned and s.position > here][:3]
    elif route is not None:
        progress.next_round = next_round(now or utcnow(), plan_chooser(route, patrol_calendar(scan.campus_id)),
                                         Campus.zone_of(scan.campus_id))
    scan.progress = progress
    scan.place_name = Place.select(Place.name).where(Place.id == scan.place_id).scalar() or ''
    return scan


def record_evidence(scan, *, now=None, client_time=None, location=None):
    """Keep the phone's clock and location for a scan (the first report of each wins) and flag what disagrees.

    location: (latitude, longitude, accuracy in metres) from the browser, or None. Evidence arriving more than
    EVIDENCE_SECONDS after the scan is ignored: it no longer says where the phone was then. Returns the scan.
    """
    with write_transaction():
        serialize_on(f'patrol-scan-flags:{scan.id}')  # one read-and-write of a scan's flags at a time
        return _record_evidence(PatrolScan.get_by_id(scan.id), now, client_time, location)


def _record_evidence(scan, now, client_time, location):
    if (now or utcnow()) - scan.created_at > datetime.timedelta(seconds=EVIDENCE_SECONDS):
        return scan
    record = Record.get_by_id(scan.record_id)
    flags = list(scan.flags or [])
    if client_time is not None and scan.client_time is None:
        scan.client_time = record.client_time = client_time
        flag = evidence.clock_flag(scan.created_at, client_time)  # against this scan's own server time
        if flag and not any(f.get('code') == 'clock' for f in flags):
            flags.append(flag)
    if location is not None and record.latitude is None:
        record.latitude, record.longitude, record.accuracy = location
        place = Place.get_or_none(Place.id == scan.place_id)
        checkpoint = (place.latitude, place.longitude, place.location_accuracy) if place else None
        verdict, metres = evidence.location_check(location, checkpoint)
        if verdict == 'far':
            flags.append({'code': 'far', 'metres': metres})
    scan.flags = flags
    record.save(only=[Record.client_time, Record.latitude, Record.longitude, Record.accuracy])
    scan.save(only=[PatrolScan.client_time, PatrolScan.flags])
    return scan
