"""The canteen's ledgers: 留样记录, 晨检记录, 健康证, 进货验收 (xlsx with Chinese headers)."""
from flask_babel import lazy_gettext as _l

from houqin.ledgers.sheets import Column, Ledger, Names, Sheet, keyset
from houqin.models import CanteenStaff, Delivery, DeliveryLine, FoodSample, HealthCertificate, MorningCheck
from houqin.vocab import MEAL_LABELS, SYMPTOM_LABELS, UNIT_LABELS


def samples(query):
    """The campus's food samples kept in the period, by the person."""
    rows = query.in_period(FoodSample.select().where(FoodSample.campus == query.campus), FoodSample.kept_at)
    return query.by_person(rows, FoodSample.kept_by)


def sample_rows(query):
    """One row per dish kept."""
    names = Names(query.campus)
    for s in keyset(samples(query), FoodSample.kept_at, FoodSample.id):
        yield (s.day, str(MEAL_LABELS.get(s.meal, s.meal)), s.dish, s.weight, s.kept_at, names[s.kept_by_id],
               s.dispose_due, s.disposed_at, names[s.disposed_by_id] if s.disposed_by_id else '')


def checks(query):
    """The campus's morning checks in the period."""
    rows = query.in_period(MorningCheck.select().where(MorningCheck.campus == query.campus), MorningCheck.checked_at)
    return query.by_person(rows, MorningCheck.checked_by)


def check_rows(query):
    """One row per worker's check."""
    names = Names(query.campus)
    staff = {s.id: s.name for s in CanteenStaff.select().where(CanteenStaff.campus == query.campus)}
    for c in keyset(checks(query), MorningCheck.checked_at, MorningCheck.id):
        yield (c.day, staff.get(c.staff_id, ''), c.temperature,
               '、'.join(str(SYMPTOM_LABELS.get(k, k)) for k in c.symptoms or ()),
               str(_l('Fit to work') if c.fit else _l('Sent home')), c.note, names[c.checked_by_id], c.checked_at)


def certificates(query):
    """Every certificate of the campus's workers (the register as it stands)."""
    return (HealthCertificate.select(HealthCertificate, CanteenStaff.name.alias('staff_name')).join(CanteenStaff)
            .where(CanteenStaff.campus == query.campus))


def certificate_rows(query):
    """One row per certificate, by worker."""
    for c in certificates(query).order_by(CanteenStaff.name, HealthCertificate.expires_on).objects():
        yield (c.staff_name, c.number, c.issued_on, c.expires_on)


def deliveries(query):
    """The lines of the campus's deliveries received in the period."""
    rows = (DeliveryLine.select(DeliveryLine, Delivery).join(Delivery)
            .where(Delivery.campus == query.campus))
    return query.by_person(query.in_period(rows, Delivery.received_at), Delivery.received_by)


def delivery_rows(query):
    """One row per delivered item."""
    names = Names(query.campus)
    for line in deliveries(query).order_by(Delivery.received_at, DeliveryLine.id):
        d = line.delivery
        yield (d.received_at, d.supplier_name, line.name, line.quantity, str(UNIT_LABELS.get(line.unit, line.unit)),
               line.temperature, str(_l('Accepted on delivery') if line.accepted else _l('Refused')), line.reason,
               names[d.received_by_id])


SAMPLE_COLUMNS = (Column(_l('Date'), 'date'), Column(_l('Meal')), Column(_l('Dish'), width=16),
                  Column(_l('Weight (g)'), 'int'), Column(_l('Kept at'), 'datetime'), Column(_l('Kept by'), width=12),
                  Column(_l('Dispose after'), 'datetime'), Column(_l('Disposed at'), 'datetime'),
                  Column(_l('Disposed by'), width=12))
CHECK_COLUMNS = (Column(_l('Date'), 'date'), Column(_l('Name'), width=10), Column(_l('Temperature (°C)'), 'decimal'),
                 Column(_l('Symptoms'), width=16), Column(_l('Result')), Column(_l('Note'), width=20),
                 Column(_l('Checked by'), width=12), Column(_l('Time'), 'datetime'))
CERT_COLUMNS = (Column(_l('Name'), width=10), Column(_l('Certificate number'), width=16),
                Column(_l('Issued on'), 'date'), Column(_l('Expires on'), 'date'))
DELIVERY_COLUMNS = (Column(_l('Time'), 'datetime'), Column(_l('Supplier'), width=16), Column(_l('Item'), width=12),
                    Column(_l('Weight or count'), 'decimal'), Column(_l('Unit')),
                    Column(_l('Temperature if chilled (°C)'), 'decimal'), Column(_l('Result')),
                    Column(_l('Reason for refusing'), width=16), Column(_l('Checked by'), width=12))

LEDGERS = (
    Ledger('samples', _l('Food sample ledger'), (Sheet(_l('Food samples'), SAMPLE_COLUMNS, sample_rows,
                                                       lambda q: samples(q).count()),), ('person',)),
    Ledger('morning_checks', _l('Morning check ledger'), (Sheet(_l('Morning health check'), CHECK_COLUMNS, check_rows,
                                                                lambda q: checks(q).count()),), ('person',)),
    Ledger('health_certificates', _l('Health certificate ledger'),
           (Sheet(_l('Health certificates'), CERT_COLUMNS, certificate_rows, lambda q: certificates(q).count()),)),
    Ledger('deliveries', _l('Delivery check ledger'), (Sheet(_l('Delivery check'), DELIVERY_COLUMNS, delivery_rows,
                                                             lambda q: deliveries(q).count()),), ('person',)),
)
