"""Checking what people filled in on a checklist: answers, failures, hazards, and the expiry line."""
import datetime
from dataclasses import dataclass, field

from flask_babel import gettext as _


@dataclass
class Answers:
    """The outcome of checking a submitted checklist."""
    values: dict = field(default_factory=dict)      # str(item id) -> answer as stored
    errors: dict = field(default_factory=dict)      # str(item id) -> message for the person
    failed: list = field(default_factory=list)      # items answered "fail" or out of bounds
    hazards: list = field(default_factory=list)     # failed items marked as a safety hazard
    photo_items: list = field(default_factory=list)  # photo questions with a file to store

    @property
    def ok(self):
        return not self.errors


def check_answers(items, form, files):
    """Validate a submitted checklist (form fields q<id>, hazard<id>, file q<id>) against its items."""
    result = Answers()
    for item in items:
        key = str(item.id)
        raw = (form.get(f'q{item.id}') or '').strip()
        if item.item_type == 'photo':
            upload = files.get(f'q{item.id}')
            if upload and upload.filename:
                result.photo_items.append((item, upload))
            elif item.required:
                result.errors[key] = _('Please add a photo.')
            continue
        if not raw:
            if item.required:
                result.errors[key] = _('Please answer this.')
            continue
        if item.item_type == 'pass_fail':
            if raw not in ('pass', 'fail'):
                result.errors[key] = _('Please choose pass or fail.')
                continue
            result.values[key] = raw
            failed = raw == 'fail'
        elif item.item_type == 'number':
            try:
                number = float(raw.replace(',', '.'))
            except ValueError:
                result.errors[key] = _('Please enter a number.')
                continue
            low, high = plausible_range(item)
            if (low is not None and number < low) or (high is not None and number > high):
                result.errors[key] = _('%(value)g looks mistyped: it is far outside %(low)g–%(high)g. Please check it.',
                                       value=number, low=item.min_value, high=item.max_value)
                continue
            result.values[key] = number
            failed = ((item.min_value is not None and number < item.min_value)
                      or (item.max_value is not None and number > item.max_value))
        elif item.item_type == 'choice':
            if raw not in (item.choices or []):
                result.errors[key] = _('Please choose one of the options.')
                continue
            result.values[key] = raw
            failed = False
        else:
            result.values[key] = raw[:1000]
            failed = False
        if failed:
            result.failed.append(item)
            if form.get(f'hazard{item.id}'):
                result.hazards.append(item)
    return result


def plausible_range(item):
    """Values a number question accepts at all: outside its OK range is a failed check, far outside a typo.

    With both bounds, "far" is two widths of the OK range beyond it (a gauge of 1.0–1.4 MPa takes 0.2–2.2;
    a typed 14 is refused as a typo), and never below zero when the OK range starts at zero or above.
    """
    if item.min_value is None or item.max_value is None:
        return None, None
    span = max(item.max_value - item.min_value, 1e-9)
    low = item.min_value - 2 * span
    if item.min_value >= 0:
        low = max(low, 0)
    return low, item.max_value + 2 * span


def failure_summary(items, answers):
    """One line per failed item, for a work order's description."""
    lines = []
    for item in items:
        value = answers.get(str(item.id))
        unit = f' {item.unit}' if item.unit else ''
        shown = _('fail') if value == 'fail' else f'{value:g}{unit}' if isinstance(value, float) else value
        lines.append(f'{item.label}: {shown}')
    return '\n'.join(lines)


def expiry_note(item, today=None):
    """A line about an item's expiry date for the fire-extinguisher check, or ''."""
    if not getattr(item, 'expires_on', None):
        return ''
    today = today or datetime.date.today()
    if item.expires_on < today:
        return _('Expired on %(date)s — refill or replace it.', date=item.expires_on.isoformat())
    return _('Valid until %(date)s.', date=item.expires_on.isoformat())
