"""Deliveries checked at the storeroom (验收, 索证索票): supplier, items weighed or counted, accepted or refused."""
import datetime

from flask_babel import gettext as _

from houqin import clock
from houqin.audit import log_change
from houqin.db import write_transaction
from houqin.models import Delivery, DeliveryLine, Supplier
from houqin.photos import PhotoError, prepare_photo, save_photo
from houqin.scan.records import submit_record
from houqin.web import bounded_date

UNITS = ('kg', 'count', 'box', 'litre')
MAX_LINES = 10
LINE_ROWS = 5
PHOTOS = ('note_photo', 'licence_photo')  # the delivery note, the supplier's licences


def suppliers(campus):
    """The campus's active suppliers by name."""
    return list(Supplier.select().where((Supplier.campus == campus) & Supplier.active).order_by(Supplier.name))


def licence_state(supplier, today):
    """'none', 'expired', 'expiring' (within 30 days) or 'valid' for a supplier's licence."""
    if supplier is None or supplier.licence_expires is None:
        return 'none'
    if supplier.licence_expires < today:
        return 'expired'
    return 'expiring' if supplier.licence_expires <= today + datetime.timedelta(days=30) else 'valid'


def save_supplier(campus, form):
    """Add a supplier with its licence number and expiry; returns (supplier, errors)."""
    name = (form.get('name') or '').strip()
    number = (form.get('licence_number') or '').strip()
    contact = (form.get('contact') or '').strip()
    errors = {}
    if not name:
        errors['name'] = _('Type the supplier\'s name.')
    elif len(name) > 100:
        errors['name'] = _('Please keep it under %(n)d characters.', n=100)
    elif Supplier.select().where((Supplier.campus == campus) & (Supplier.name == name)).exists():
        errors['name'] = _('%(name)s is already a supplier.', name=name)
    if len(number) > 60:
        errors['licence_number'] = _('Please keep it under %(n)d characters.', n=60)
    if len(contact) > 60:
        errors['contact'] = _('Please keep it under %(n)d characters.', n=60)
    expires = None
    if (form.get('licence_expires') or '').strip():
        try:
            expires = bounded_date(form.get('licence_expires'))
        except ValueError:
            errors['licence_expires'] = _('Choose a date (YYYY-MM-DD).')
    if errors:
        return None, errors
    with write_transaction():
        supplier = Supplier.create(campus=campus, name=name, licence_number=number, licence_expires=expires,
                                   contact=contact)
        log_change('create', supplier)
    return supplier, {}


def parse_number(text):
    """A typed positive number ('2.5', '2,5'), or None."""
    text = (text or '').strip().replace(',', '.')[:12]
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and 0 < value < 1_000_000 else None


def read_lines(form):
    """The typed item rows: [{'index', 'name', 'quantity', 'unit', 'accepted', 'reason', 'temperature'}]."""
    rows = []
    for i in range(MAX_LINES):
        name = (form.get(f'item{i}') or '').strip()
        quantity = (form.get(f'qty{i}') or '').strip()
        if not name and not quantity:
            continue
        rows.append({'index': i, 'name': name, 'quantity': quantity[:20], 'unit': form.get(f'unit{i}') or 'kg',
                     'accepted': form.get(f'refuse{i}') != '1', 'reason': (form.get(f'reason{i}') or '').strip(),
                     'temperature': (form.get(f'temp{i}') or '').strip()[:10]})
    return rows


def check_lines(rows):
    """Errors of the item rows by field name; each row gets 'value' and 'temp_value' when readable."""
    errors = {}
    if not rows:
        errors['lines'] = _('Type at least one item and its weight or count.')
    for row in rows:
        i = row['index']
        if not row['name']:
            errors[f'item{i}'] = _('What was delivered? Type its name.')
        elif len(row['name']) > 60:
            errors[f'item{i}'] = _('Please keep the name under 60 characters.')
        row['value'] = parse_number(row['quantity'])
        if row['value'] is None:
            errors[f'qty{i}'] = _('Type the weight or count, e.g. 12.5.')
        if row['unit'] not in UNITS:
            errors[f'qty{i}'] = _('Choose a unit.')
        if not row['accepted'] and not row['reason']:
            errors[f'reason{i}'] = _('Say why it was refused.')
        elif len(row['reason']) > 200:
            errors[f'reason{i}'] = _('Please keep it under %(n)d characters.', n=200)
        row['temp_value'] = None
        if row['temperature']:
            try:
                row['temp_value'] = float(row['temperature'].replace(',', '.'))
                if not -40 <= row['temp_value'] <= 60 or row['temp_value'] != row['temp_value']:
                    raise ValueError
            except ValueError:
                errors[f'temp{i}'] = _('Type the temperature in °C, e.g. 4.')
    return errors


def record_delivery(submission_id, tag, target, form, files, *, user, now=None, client_time=None, address=''):
    """Store a checked delivery once per submission id: its lines, the refused ones with reasons, and photos of
    the delivery note and licences; returns (delivery, created, errors)."""
    now = now or clock.utcnow()
    errors = {}
    supplier = None
    supplier_id = (form.get('supplier') or '').strip()
    if supplier_id.isdigit() and len(supplier_id) < 19:
        supplier = Supplier.get_or_none((Supplier.id == int(supplier_id)) & (Supplier.campus == tag.campus_id))
    if supplier is None:
        errors['supplier'] = _('Choose the supplier.')
    rows = read_lines(form)
    errors.update(check_lines(rows))
    note = (form.get('note') or '').strip()
    if len(note) > 1000:
        errors['note'] = _('Please keep the note under 1000 characters.')
    prepared = []
    for key in PHOTOS:
        upload = files.get(key)
        if upload is not None and upload.filename:
            try:
                prepared.append(prepare_photo(upload))
            except PhotoError as exc:
                errors[key] = str(exc)
    if errors:
        return None, False, errors
    made = []
    refused = sum(1 for r in rows if not r['accepted'])

    def store(record):
        delivery = Delivery.create(campus=tag.campus_id, record=record, supplier=supplier,
                                   supplier_name=supplier.name, place=record.place_id, received_by=user,
                                   received_at=now, refused=refused, note=note)
        for position, row in enumerate(rows):
            DeliveryLine.create(delivery=delivery, position=position, name=row['name'], quantity=row['value'],
                                unit=row['unit'], accepted=row['accepted'], reason=row['reason'] if not row['accepted'] else '',
                                temperature=row['temp_value'])
        made.append(delivery)
    record, created = submit_record(
        submission_id, tag, target, activity='delivery', user=user, photos=prepared,
        answers={'supplier': supplier.name, 'lines': len(rows), 'refused': refused},
        outcome='problem' if refused else 'ok', note=note, client_time=client_time, client_address=address,
        created_at=now, after=store)
    delivery = made[0] if made else Delivery.get_or_none(Delivery.record == record)
    return delivery, created, {}


def deliveries_between(campus, start, end):
    """The campus's deliveries received in [start, end), newest first."""
    return list(Delivery.select().where((Delivery.campus == campus) & (Delivery.received_at >= start)
                                        & (Delivery.received_at < end)).order_by(Delivery.received_at.desc()))
