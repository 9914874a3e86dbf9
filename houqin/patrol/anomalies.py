"""One-tap anomalies at a scanned checkpoint (门未锁, 灯未关 …): a patrol record with an optional photo and
note; one marked as a hazard becomes a work order that notifies at once."""
from flask_babel import gettext as _

from houqin.clock import utcnow
from houqin.models import Campus, PatrolScan, Place, WorkOrder
from houqin.patrol.checkpoints import ANOMALIES
from houqin.repairs.workflow import report_problem
from houqin.scan.records import new_submission_id, parse_submission_id, submit_record

NOTE_MAX = 500


def anomaly_label(kind):
    """The readable name of an anomaly key."""
    return str(ANOMALIES[kind][0]) if kind in ANOMALIES else kind


def report_anomaly(scan, user, kind, *, note='', hazard=False, photo=None, submission_id=None, now=None):
    """Record an anomaly seen at a scanned checkpoint; returns (record, work order or None, created).

    `photo` is a PreparedPhoto (houqin.photos.prepare_photo), checked before anything is saved. The same
    submission id twice (a double tap, a retry) stores one record.
    """
    if kind not in ANOMALIES:
        raise ValueError(kind)
    submission_id = parse_submission_id(submission_id) or new_submission_id()
    place = Place.get_or_none(Place.id == scan.place_id)
    opened = []

    def after(record):
        """Open the hazard's work order and list the anomaly on its scan, in the record's transaction."""
        order = open_work_order(scan, record, place, kind, note, user, list(record.photos)) if hazard else None
        opened.append(order)
        fresh = PatrolScan.get_by_id(scan.id)
        fresh.anomalies = (fresh.anomalies or []) + [
            {'kind': kind, 'record': record.id, 'order': order.id if order else None}]
        fresh.save(only=[PatrolScan.anomalies])

    record, created = submit_record(
        submission_id, scan.record.tag, place or Place(id=scan.place_id),
        activity='patrol', user=user, photos=[photo] if photo is not None else [], after=after,
        outcome='problem', note=note, answers={'anomaly': kind, 'scan': scan.id, 'hazard': bool(hazard)},
        created_at=now or utcnow())
    if not created:
        return record, order_of(scan, record.id), False
    return record, opened[0], True


def open_work_order(scan, record, place, kind, note, user, photos=()):
    """A hazard seen on patrol: a work order through the repairs workflow (which notifies the managers)."""
    title = _('%(anomaly)s at %(place)s (night patrol)', anomaly=anomaly_label(kind),
              place=place.name if place else '')
    return report_problem(Campus.get_by_id(scan.campus_id), place=place, record=record, title=title[:200],
                          description=note, category=ANOMALIES[kind][1], hazard=True, reporter=user,
                          photos=photos)


def order_of(scan, record_id):
    """The work order opened for an anomaly record of a scan, if any."""
    fresh = PatrolScan.get_by_id(scan.id)
    for entry in fresh.anomalies or []:
        if entry.get('record') == record_id and entry.get('order'):
            return WorkOrder.get_or_none(WorkOrder.id == entry['order'])
    return None
