"""Canteen staff and their health certificates (健康证): who works, whose certificate expires, told once."""
import dataclasses
import datetime

from flask_babel import force_locale, gettext as _

from houqin import clock
from houqin.audit import log_change
from houqin.db import write_transaction
from houqin.models import Campus, CanteenStaff, HealthCertificate
from houqin.notify.outbox import enqueue, message_locale
from houqin.photos import PhotoError, prepare_photo, save_photo
from houqin.web import bounded_date

EXPIRING_DAYS = 30
NOTIFY_ROLES = ('admin', 'manager', 'canteen')


def active_staff(campus):
    """The campus's active canteen workers, by name."""
    return list(CanteenStaff.select().where((CanteenStaff.campus == campus) & CanteenStaff.active)
                .order_by(CanteenStaff.name, CanteenStaff.id))


def current_certificates(staff_ids):
    """{staff id: the certificate with the latest expiry date}."""
    out = {}
    for cert in (HealthCertificate.select().where(HealthCertificate.staff.in_(sorted(staff_ids) or [0]))
                 .order_by(HealthCertificate.expires_on, HealthCertificate.id)):
        out[cert.staff_id] = cert
    return out


def certificate_state(cert, today):
    """'none', 'expired', 'expiring' (within 30 days) or 'valid'."""
    if cert is None:
        return 'none'
    if cert.expires_on < today:
        return 'expired'
    if cert.expires_on <= today + datetime.timedelta(days=EXPIRING_DAYS):
        return 'expiring'
    return 'valid'


@dataclasses.dataclass
class Worker:
    """A worker with the certificate that counts and its state."""
    staff: CanteenStaff
    certificate: HealthCertificate
    state: str

    @property
    def days_left(self):
        return None if self.certificate is None else self.certificate.expires_on


def workers(campus, today):
    """Every active worker with its current certificate's state."""
    staff = active_staff(campus)
    certs = current_certificates([s.id for s in staff])
    return [Worker(s, certs.get(s.id), certificate_state(certs.get(s.id), today)) for s in staff]


def certificate_alerts(campus, today):
    """Workers whose certificate is expired, missing or expiring within 30 days: expired first."""
    order = {'expired': 0, 'none': 1, 'expiring': 2}
    found = [w for w in workers(campus, today) if w.state in order]
    return sorted(found, key=lambda w: (order[w.state], w.certificate.expires_on if w.certificate else today,
                                        w.staff.name))


def notify_certificates(campus, today):
    """Tell the managers and the canteen, once per certificate and state, of certificates expiring or expired.
    The certificate's `notified` is claimed by a guarded update in the same transaction as the outbox rows."""
    told = 0
    for worker in certificate_alerts(campus, today):
        cert = worker.certificate
        if cert is None or cert.notified == worker.state:
            continue
        with write_transaction():
            claimed = (HealthCertificate.update(notified=worker.state)
                       .where((HealthCertificate.id == cert.id) & (HealthCertificate.notified != worker.state))
                       .execute())
            if not claimed:
                continue
            with force_locale(message_locale()):
                if worker.state == 'expired':
                    subject = _('Health certificate expired: %(name)s', name=worker.staff.name)
                    body = _('%(name)s\'s health certificate %(number)s expired on %(day)s; they may not work in '
                             'the canteen until it is renewed.', name=worker.staff.name, number=cert.number,
                             day=cert.expires_on.isoformat())
                else:
                    subject = _('Health certificate expiring: %(name)s', name=worker.staff.name)
                    body = _('%(name)s\'s health certificate %(number)s expires on %(day)s.',
                             name=worker.staff.name, number=cert.number, day=cert.expires_on.isoformat())
            enqueue(campus, 'certificate', subject, body, roles=NOTIFY_ROLES, link='/canteen/staff')
            told += 1
    return told


def notify_all_certificates(now=None):
    """notify_certificates on every campus with canteen staff, each on its own local date; returns how many were
    told. `flask houqin check-routines` and the delivery worker's scheduled check run it."""
    now = now or clock.utcnow()
    campus_ids = sorted({s.campus_id for s in CanteenStaff.select(CanteenStaff.campus).where(CanteenStaff.active)})
    told = 0
    for campus in Campus.select().where(Campus.id.in_(campus_ids or [0])).order_by(Campus.id):
        told += notify_certificates(campus.id, clock.today(clock.zone_name(campus), now))
    return told


SCHEDULED_EVERY_SECONDS = 600   # certificates change by the day: the worker looks every ten minutes


def check_staff_fields(form):
    """(fields, errors) of the staff form: name (required), post, phone."""
    fields = {k: (form.get(k) or '').strip() for k in ('name', 'post', 'phone')}
    errors = {}
    if not fields['name']:
        errors['name'] = _('Type the worker\'s name.')
    for key, limit in (('name', 50), ('post', 50), ('phone', 30)):
        if len(fields[key]) > limit:
            errors[key] = _('Please keep it under %(n)d characters.', n=limit)
    fields['on_roster'] = form.get('on_roster') == '1'
    return fields, errors


def save_staff(campus, form, user, staff=None):
    """Add a worker (or change one); returns (staff, errors). Errors change nothing."""
    fields, errors = check_staff_fields(form)
    if errors:
        return None, errors
    with write_transaction():
        if staff is None:
            staff = CanteenStaff.create(campus=campus, **fields)
            log_change('create', staff)
        else:
            for key, value in fields.items():
                setattr(staff, key, value)
            staff.save()
            log_change('update', staff)
    return staff, {}


def add_certificate(staff, form, files, user):
    """Add a health certificate to a worker: number, issue and expiry dates, a photo; returns (cert, errors)."""
    number = (form.get('number') or '').strip()
    errors = {}
    if not number:
        errors['number'] = _('Type the certificate number.')
    elif len(number) > 50:
        errors['number'] = _('Please keep it under %(n)d characters.', n=50)
    dates = {}
    for key in ('issued_on', 'expires_on'):
        try:
            dates[key] = bounded_date(form.get(key) or '')
        except ValueError:
            errors[key] = _('Choose a date (YYYY-MM-DD).')
    if not errors and dates['expires_on'] <= dates['issued_on']:
        errors['expires_on'] = _('The expiry date must come after the date of issue.')
    upload = files.get('photo')
    prepared = None
    if upload is not None and upload.filename:
        try:
            prepared = prepare_photo(upload)
        except PhotoError as exc:
            errors['photo'] = str(exc)
    if errors:
        return None, errors
    with write_transaction():
        photo = save_photo(prepared, staff.campus_id, user) if prepared else None
        cert = HealthCertificate.create(staff=staff, number=number, photo=photo, created_by=user, **dates)
        log_change('create', cert)
    return cert, {}
