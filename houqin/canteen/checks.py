"""The morning health check (晨检): each worker on today's roster, temperature, symptoms, fit to work or sent home."""
import dataclasses

from flask_babel import gettext as _

from houqin import clock
from houqin.checklists.versions import active_template, questions
from houqin.models import CanteenStaff, MorningCheck
from houqin.scan.records import submit_record

SYMPTOMS = ('fever', 'diarrhoea', 'cough', 'hand_wound')
CHECK_TEMPLATE = ('canteen', 'morning_check')  # (target kind, activity) of the checklist giving the bounds
DEFAULT_BOUNDS = (35.0, 37.2)   # °C a worker may be at and still work: 37.3 °C and above is a fever
PLAUSIBLE = (30.0, 45.0)        # outside this, a typing slip rather than a temperature


def temperature_bounds(campus):
    """(lowest, highest) fit temperature: the number item of the campus's morning-check checklist, else 35.0–37.2."""
    template = active_template(campus, *CHECK_TEMPLATE)
    for item in questions(template) if template else []:
        if item.item_type == 'number' and item.min_value is not None and item.max_value is not None:
            return item.min_value, item.max_value
    return DEFAULT_BOUNDS


def checks_on(campus, day):
    """{staff id: [that day's checks, in order]}."""
    out = {}
    for check in (MorningCheck.select().where((MorningCheck.campus == campus) & (MorningCheck.day == day))
                  .order_by(MorningCheck.checked_at, MorningCheck.id)):
        out.setdefault(check.staff_id, []).append(check)
    return out


@dataclasses.dataclass
class RosterLine:
    """A worker on the day's roster and the day's checks."""
    worker: object      # staff.Worker
    checks: list

    @property
    def last(self):
        return self.checks[-1] if self.checks else None

    @property
    def status(self):
        """'missing', 'fit' or 'home'."""
        if not self.checks:
            return 'missing'
        return 'fit' if self.last.fit else 'home'


def roster(campus, day, workers):
    """The day's roster (workers on it), each with the day's checks."""
    found = checks_on(campus, day)
    return [RosterLine(w, found.get(w.staff.id, [])) for w in workers if w.staff.on_roster]


def parse_temperature(text):
    """A typed temperature ('37.8', '37,8', '37.8°C') as a float, or None."""
    text = (text or '').strip().replace(',', '.').replace('°C', '').replace('℃', '').strip()[:10]
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and PLAUSIBLE[0] <= value <= PLAUSIBLE[1] else None


def check_worker(campus, staff, form, today, certificate_state):
    """(values, errors) of one worker's check; errors when it may not be stored as typed."""
    errors = {}
    temperature = parse_temperature(form.get('temperature'))
    symptoms = [s for s in SYMPTOMS if form.get(f'symptom_{s}') == '1']
    decision = form.get('decision') or ''
    note = (form.get('note') or '').strip()
    low, high = temperature_bounds(campus)
    if temperature is None:
        errors['temperature'] = _('Type the temperature in °C, e.g. 36.5.')
    if decision not in ('fit', 'home'):
        errors['decision'] = _('Choose: fit to work, or sent home.')
    if len(note) > 500:
        errors['note'] = _('Please keep the note under 500 characters.')
    if decision == 'fit' and not errors:
        if temperature > high or temperature < low:
            errors['decision'] = _('%(t).1f °C is outside %(low).1f–%(high).1f °C: %(name)s may not work today; '
                                   'send them home.', t=temperature, low=low, high=high, name=staff.name)
        elif symptoms:
            errors['decision'] = _('With these symptoms %(name)s may not work today; send them home.',
                                   name=staff.name)
        elif certificate_state == 'expired':
            errors['decision'] = _('%(name)s\'s health certificate has expired: they may not work until it is '
                                   'renewed.', name=staff.name)
        elif not note and any(not c.fit for c in checks_on(campus, today).get(staff.id, [])):
            errors['note'] = _('%(name)s was sent home earlier today: say in the note why they may work now.',
                               name=staff.name)
    values = {'temperature': temperature, 'symptoms': symptoms, 'fit': decision == 'fit', 'note': note}
    return values, errors


def record_check(submission_id, tag, target, staff, form, *, user, certificate_state, now=None, client_time=None,
                 address=''):
    """Store one worker's morning check (once per submission id); returns (check, created, errors)."""
    now = now or clock.utcnow()
    today = clock.today(clock.zone_name(tag.campus), now)
    values, errors = check_worker(tag.campus_id, staff, form, today, certificate_state)
    if errors:
        return None, False, errors
    made = []

    def store(record):
        made.append(MorningCheck.create(campus=tag.campus_id, record=record, staff=staff, day=today,
                                        checked_by=user, checked_at=now, **values))
    record, created = submit_record(
        submission_id, tag, target, activity='morning_check', user=user,
        answers={'staff': staff.id, 'name': staff.name, 'temperature': values['temperature'],
                 'symptoms': values['symptoms'], 'fit': values['fit']},
        outcome='ok' if values['fit'] else 'problem', note=values['note'], client_time=client_time,
        client_address=address, created_at=now, after=store)
    check = made[0] if made else MorningCheck.get_or_none(MorningCheck.record == record)
    return check, created, {}


def staff_of_campus(campus, staff_id):
    """An active worker of the campus, or None."""
    return CanteenStaff.get_or_none((CanteenStaff.id == staff_id) & (CanteenStaff.campus == campus)
                                    & CanteenStaff.active)
