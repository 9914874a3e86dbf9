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
    score: float = None                             # points of the passed items, when the checklist is scored
    max_score: float = None                         # every scored item's points

    @property
    def ok(self):
        return not self.errors

    def stored(self):
        """What a record keeps of the answers: values, hazards and, on a scored checklist, score and max_score."""
        kept = {'values': self.values, 'hazards': [str(i.id) for i in self.hazards]}
        if self.max_score is not None:
            kept['score'], kept['max_score'] = self.score, self.max_score
        return kept


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
    result.score, result.max_score = score(items, result.values)
    return result


def score(items, values):
    """(points scored, points possible) of a checklist's answers; (None, None) when no item carries points.

    A pass/fail item scores its points when passed, a number when inside its OK range, any other item when
    answered (a photo when one was added is not known here and scores nothing).
    """
    scored = [i for i in items if (getattr(i, 'points', 0) or 0) > 0]
    if not scored:
        return None, None
    total = 0.0
    for item in scored:
        value = values.get(str(item.id))
        if value is None:
            continue
        if item.item_type == 'pass_fail':
            earned = value == 'pass'
        elif item.item_type == 'number':
            earned = not ((item.min_value is not None and value < item.min_value)
                          or (item.max_value is not None and value > item.max_value))
        else:
            earned = True
        total += item.points if earned else 0
    return total, float(sum(i.points for i in scored))


def passed(template, record_score):
    """True when a scored record reaches the template's pass mark (True when it has none, None without a score)."""
    if record_score is None:
        return None
    return template.pass_mark is None or record_score >= template.pass_mark


def combined_score(scores, scoring='sum'):
    """A class's scores over a period added up as the checklist says ('sum' or 'mean'); None without scores."""
    scores = [s for s in scores if s is not None]
    if not scores:
        return None
    return sum(scores) / len(scores) if scoring == 'mean' else sum(scores)


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
