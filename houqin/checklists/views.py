"""Admins edit checklists in the browser; each save is a new version, so old records keep theirs."""
import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from houqin.audit import log_change
from houqin.checklists.versions import ITEM_TYPES, campus_templates, questions, revise_template
from houqin.db import write_transaction
from houqin.models import ChecklistTemplate
from houqin.permissions import requires
from houqin.vocab import ACTIVITY_LABELS, ITEM_KIND_LABELS, PLACE_KIND_LABELS, key_for
from houqin.web import int_or_none

bp = Blueprint('checklists', __name__, url_prefix='/admin/checklists')

BLANK_ROWS = 3
# Activities are data: any key a school types; these are offered first, with their names.
SUGGESTED_ACTIVITIES = {
    'cleaning': _l('Cleaning'), 'inspection': _l('Inspection'), 'greening': _l('Greening care'),
    'canteen': _l('Canteen record'), 'dormitory': _l('Dormitory check'), 'boiler': _l('Boiler check'),
    'tuck_shop': _l('Tuck shop check'),
}
ACTIVITY_KEY = re.compile(r'^[a-z][a-z0-9_]{1,19}$')
SCORINGS = {'sum': _l('Add up the week’s checks'), 'mean': _l('Average the week’s checks')}


def activity_names():
    """Every activity name the pages know: the built-in ones and the suggestions."""
    return dict(SUGGESTED_ACTIVITIES, **ACTIVITY_LABELS)


def target_kinds():
    """(key, name) of every kind of place and of asset a checklist can be for."""
    return ([(k, v) for k, v in PLACE_KIND_LABELS.items()]
            + [(k, v) for k, v in ITEM_KIND_LABELS.items() if k not in PLACE_KIND_LABELS])


def read_activity(text):
    """The activity key for what was typed: a known key or name, or a new key of letters, digits and _."""
    text = (text or '').strip()
    known = key_for(activity_names(), text)
    if known:
        return known
    text = text.lower().replace(' ', '_').replace('-', '_')
    return text if ACTIVITY_KEY.match(text) else None


def editable_template(template_id):
    """A checklist in force on this campus (built-in or its own), or 404."""
    template = ChecklistTemplate.get_or_none(ChecklistTemplate.id == template_id)
    if template is None or template.campus_id not in (None, g.campus.id):
        abort(404)
    return template


def parse_number(text):
    """A float from the form, None when empty; ValueError when not a number."""
    text = (text or '').strip().replace(',', '.')
    return float(text) if text else None


def read_rows(form):
    """The edited rows from the form (row0-label …), in the order given; returns (rows, errors, typed)."""
    rows, errors, typed = [], {}, []
    count = int_or_none(form.get('rows', ''), 0, 200) or 0
    for n in range(count):
        get = lambda name: (form.get(f'row{n}-{name}') or '').strip()  # noqa: E731
        entry = {'label': get('label'), 'item_type': get('type'), 'required': bool(get('required')),
                 'min': get('min'), 'max': get('max'), 'unit': get('unit'), 'choices': get('choices'),
                 'position': get('position'), 'remove': bool(get('remove')), 'points': get('points')}
        typed.append(entry)
        if entry['remove'] or not entry['label']:
            continue
        problems = []
        if entry['item_type'] not in ITEM_TYPES:
            problems.append(_('Choose a type.'))
        try:
            low, high = parse_number(entry['min']), parse_number(entry['max'])
        except ValueError:
            problems.append(_('Bounds must be numbers.'))
            low = high = None
        if low is not None and high is not None and low > high:
            problems.append(_('The lower bound is above the upper bound.'))
        points = read_points(entry['points'])
        if points is None:
            problems.append(_('Points must be a number from 0 to 1000.'))
        choices = [c.strip() for c in entry['choices'].replace('，', ',').split(',') if c.strip()]
        if entry['item_type'] == 'choice' and len(choices) < 2:
            problems.append(_('A choice needs at least two options, separated by commas.'))
        try:
            position = float(entry['position']) if entry['position'] else n
        except ValueError:
            position = n
        if problems:
            errors[n] = ' '.join(problems)
            continue
        rows.append((position, n, {
            'label': entry['label'][:200], 'item_type': entry['item_type'], 'required': entry['required'],
            'min_value': low if entry['item_type'] == 'number' else None,
            'max_value': high if entry['item_type'] == 'number' else None,
            'unit': entry['unit'][:20] if entry['item_type'] == 'number' else '',
            'choices': choices if entry['item_type'] == 'choice' else [], 'points': points}))
    return [row for _p, _n, row in sorted(rows, key=lambda r: (r[0], r[1]))], errors, typed


def typed_from(template):
    """The template's items as the editor's rows, with blank rows to add more."""
    rows = [{'label': q.label, 'item_type': q.item_type, 'required': q.required,
             'min': '' if q.min_value is None else f'{q.min_value:g}',
             'max': '' if q.max_value is None else f'{q.max_value:g}', 'unit': q.unit,
             'choices': ', '.join(q.choices or []), 'position': str(i + 1), 'remove': False,
             'points': f'{q.points:g}' if q.points else ''}
            for i, q in enumerate(questions(template))]
    return rows + blank_rows()


def read_points(text):
    """An item's points: 0 when empty, None when not a number from 0 to 1000."""
    try:
        value = parse_number(text)
    except ValueError:
        return None
    if value is None:
        return 0.0
    return value if 0 <= value <= 1000 else None


def read_scoring(form, items, errors):
    """(pass mark or None, 'sum' | 'mean', typed) of a scored checklist; problems go into errors."""
    typed = {'pass_mark': (form.get('pass_mark') or '').strip(), 'scoring': form.get('scoring', 'sum')}
    scoring = typed['scoring'] if typed['scoring'] in SCORINGS else 'sum'
    total = sum(row['points'] for row in items)
    try:
        mark = parse_number(typed['pass_mark'])
    except ValueError:
        mark = None
        errors['pass_mark'] = _('The pass mark must be a number.')
    if mark is not None and not total:
        errors['pass_mark'] = _('A pass mark needs items with points.')
    elif mark is not None and not 0 <= mark <= total:
        errors['pass_mark'] = _('The pass mark must be from 0 to the total of %(total)g points.', total=total)
    return mark, scoring, typed


def save_scoring(template, mark, scoring):
    """Keep the pass mark and the way a week's scores combine on a saved version."""
    ChecklistTemplate.update(pass_mark=mark, scoring=scoring).where(ChecklistTemplate.id == template.id).execute()


@bp.route('/')
@requires('checklists.edit')
def index():
    """The checklists in force on this campus, by kind and activity."""
    return render_template('checklists/index.html', templates=campus_templates(g.campus),
                           activities=activity_names())


def blank_rows(n=BLANK_ROWS):
    """Empty editor rows."""
    return [{'label': '', 'item_type': 'pass_fail', 'required': True, 'min': '', 'max': '', 'unit': '',
             'choices': '', 'position': '', 'remove': False, 'points': ''} for _ in range(n)]


def existing_for(kind, activity):
    """The checklist in force on this campus for a kind and activity, built-in or its own, or None."""
    for template in campus_templates(g.campus):
        if (template.target_kind, template.activity) == (kind, activity):
            return template
    return None


@bp.route('/new', methods=['GET', 'POST'])
@requires('checklists.edit')
def new():
    """A checklist for any kind of place or asset and any activity (greening, boiler, tuck shop, …)."""
    kinds = dict(target_kinds())
    typed = {'name': '', 'kind': request.args.get('kind', ''), 'activity': request.args.get('activity', ''),
             'pass_mark': '', 'scoring': 'sum'}
    errors, rows, existing = {}, blank_rows(5), None
    if request.method == 'POST':
        typed = {k: (request.form.get(k) or '').strip() for k in ('name', 'kind', 'activity')}
        items, errors, rows = read_rows(request.form)
        mark, scoring, scored = read_scoring(request.form, items, errors)
        typed.update(scored)
        activity = read_activity(typed['activity'])
        if not typed['name']:
            errors['name'] = _('Please enter a name.')
        if typed['kind'] not in kinds:
            errors['kind'] = _('Choose the kind of place or asset this checklist is for.')
        if activity is None:
            errors['activity'] = _('Choose an activity, or type a new one in letters, digits and _ '
                                   '(for example greening).')
        elif typed['kind'] in kinds:
            existing = existing_for(typed['kind'], activity)
            if existing is not None:
                errors['activity'] = _('%(kind)s already has a checklist for this activity: edit it instead.',
                                       kind=kinds[typed['kind']])
        if not items and not errors:
            errors['rows'] = _('A checklist needs at least one question.')
        if not errors:
            base = ChecklistTemplate(target_kind=typed['kind'], activity=activity, name=typed['name'][:100],
                                     version=0)
            with write_transaction():
                created = revise_template(g.campus, base, items, name=typed['name'][:100])
                save_scoring(created, mark, scoring)
                log_change('create', created, summary=f'{created.name} v{created.version}')
            flash(_('Checklist added. It is offered at every label of this kind.'), 'success')
            return redirect(url_for('checklists.edit', template_id=created.id))
        rows += blank_rows(1)
    return render_template('checklists/new.html', typed=typed, rows=rows, errors=errors, kinds=target_kinds(),
                           activities=activity_names(), item_types=ITEM_TYPES, existing=existing,
                           scorings=SCORINGS), \
        400 if errors else 200


@bp.route('/<int:template_id>', methods=['GET', 'POST'])
@requires('checklists.edit')
def edit(template_id):
    """Edit a checklist's questions; saving makes a new version for this campus."""
    template = editable_template(template_id)
    name, errors, rows = template.name, {}, typed_from(template)
    scored = {'pass_mark': '' if template.pass_mark is None else f'{template.pass_mark:g}',
              'scoring': template.scoring or 'sum'}
    if request.method == 'POST':
        name = (request.form.get('name') or '').strip()[:100]
        items, errors, rows = read_rows(request.form)
        mark, scoring, scored = read_scoring(request.form, items, errors)
        if not name:
            errors['name'] = _('Please enter a name.')
        if not items and not errors:
            errors['rows'] = _('A checklist needs at least one question.')
        if not errors:
            with write_transaction():
                revised = revise_template(g.campus, template, items, name=name)
                save_scoring(revised, mark, scoring)
                log_change('update', revised, summary=f'{revised.name} v{revised.version}')
            flash(_('Saved as version %(v)d. Records made before keep the questions they were answered with.',
                    v=revised.version), 'success')
            return redirect(url_for('checklists.edit', template_id=revised.id))
        rows += blank_rows(1)
    return render_template('checklists/edit.html', template=template, name=name, rows=rows, errors=errors,
                           item_types=ITEM_TYPES, activities=activity_names(), scored=scored, scorings=SCORINGS,
                           total=sum(q.points or 0 for q in questions(template))), 400 if errors else 200
