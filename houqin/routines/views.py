"""Routine pages for the logistics office: the routines (what, where, who, when), campaigns with progress, and
the campus calendar (terms, holidays, make-up working days) that routines and patrol's holiday rounds follow."""
import datetime
import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from houqin.audit import log_change, snapshot
from houqin.checklists.versions import campus_templates
from houqin.clock import days_bounds, utcnow, zone_name
from houqin.db import write_transaction
from houqin.models import Holiday, Item, Membership, Place, Routine, Term, User
from houqin.permissions import requires
from houqin.places.tree import descendant_ids, place_choices
from houqin.routines.schedule import CALENDAR_MODES, DATE_FIELDS, ScheduleError, validate
from houqin.routines.service import activity_names, campaign_progress, campus_slots, counts, routine_targets
from houqin.vocab import (ACTIVITY_LABELS, CALENDAR_MODE_LABELS, ITEM_KIND_LABELS, PLACE_KIND_LABELS, ROLE_LABELS,
                          ROLES, SLOT_STATUS_LABELS, key_for)
from houqin.web import bounded_date, campus_or_404, int_or_none

bp = Blueprint('routines', __name__, url_prefix='/admin/routines')

WEEKDAYS = (_l('Mon'), _l('Tue'), _l('Wed'), _l('Thu'), _l('Fri'), _l('Sat'), _l('Sun'))
SCHEDULE_FIELDS = ('windows', 'times', 'tolerance', 'n', 'anchor', 'weekday', 'day', 'field', 'days_before',
                   'start', 'deadline')
ACTIVITY_KEY = re.compile(r'^[a-z][a-z0-9_]{1,19}$')


@bp.app_template_global()
def activity_name(key):
    """The readable name of an activity key on the signed-in campus (read once per request)."""
    names = g.get('activity_names')
    if names is None:
        names = g.activity_names = activity_names(g.campus)
    return names[key]


def target_choices():
    """(value, name) for 'where': every kind of place, every kind of asset, or picked ones."""
    return ([(f'place:{k}', v) for k, v in PLACE_KIND_LABELS.items()]
            + [(f'item:{k}', v) for k, v in ITEM_KIND_LABELS.items()])


def staff_choices(campus):
    """(id, name, role) of everyone with a role on the campus."""
    rows = (User.select(User.id, User.username, User.display_name, Membership.role)
            .join(Membership, on=(Membership.user == User.id))
            .where((Membership.campus == campus) & User.active).order_by(Membership.role, User.username).objects())
    return [(u.id, u.name, u.role) for u in rows]


def split_list(text):
    """Parts of a comma-, space- or 、-separated list."""
    return [p for p in re.split(r'[,，、;；\s]+', text or '') if p]


def read_schedule(form):
    """The schedule spec from the form's fields (checked by schedule.validate)."""
    kind = form.get('schedule', '')
    spec = {'type': kind}
    if kind == 'windows':
        spec['windows'] = [list(part.replace('–', '-').replace('—', '-').replace('~', '-').split('-', 1))
                           if '-' in part else [part, part]
                           for part in re.split(r'[,，、;；\s]+', form.get('windows', '')) if part]
    elif kind == 'times':
        spec['times'] = split_list(form.get('times'))
        spec['tolerance'] = (form.get('tolerance') or '15').strip()
    elif kind == 'weekly':
        spec['weekdays'] = [int_or_none(d, 0, 6) for d in form.getlist('weekdays') if int_or_none(d, 0, 6) is not None]
    elif kind == 'every_n_weeks':
        spec.update(n=(form.get('n') or '').strip(), anchor=(form.get('anchor') or '').strip(),
                    weekday=(form.get('weekday') or '').strip())
    elif kind == 'monthly':
        spec['day'] = (form.get('day') or '').strip()
    elif kind == 'by_date':
        spec.update(field=form.get('field', ''), days_before=(form.get('days_before') or '').strip())
    elif kind == 'campaign':
        spec.update(start=(form.get('start') or '').strip(), deadline=(form.get('deadline') or '').strip())
    return spec


def typed_from_routine(routine):
    """What the form shows for a stored routine."""
    spec = routine.schedule or {}
    typed = {'name': routine.name, 'template': str(routine.template_id or ''), 'activity': routine.activity,
             'target': f'{routine.target_type}:{routine.target_kind}', 'subtree': str(routine.subtree_id or ''),
             'picked': [str(i) for i in routine.targets or ()], 'role': routine.role,
             'people': [str(u) for u in routine.people or ()], 'schedule': spec.get('type', 'daily'),
             'calendar': routine.calendar, 'weekdays': [str(d) for d in spec.get('weekdays', ())],
             'windows': ', '.join(f'{a}-{b}' for a, b in spec.get('windows', ())),
             'times': ', '.join(spec.get('times', ())), 'tolerance': str(spec.get('tolerance', 15)),
             'n': str(spec.get('n', 2)), 'anchor': spec.get('anchor', ''), 'weekday': str(spec.get('weekday', '')),
             'day': str(spec.get('day', '')), 'field': spec.get('field', 'expires_on'),
             'days_before': str(spec.get('days_before', 30)), 'start': spec.get('start', ''),
             'deadline': spec.get('deadline', '')}
    if routine.target_type == 'item' and routine.targets:
        typed['assets'] = ', '.join(i.asset_number or str(i.id) for i in
                                    Item.select(Item.id, Item.asset_number).where(Item.id.in_(routine.targets)))
    else:
        typed['assets'] = ''
    return typed


def blank_typed():
    """The form of a new routine."""
    return {'name': '', 'template': '', 'activity': '', 'target': 'place:toilet', 'subtree': '', 'picked': [],
            'assets': '', 'role': '', 'people': [], 'schedule': 'daily', 'calendar': 'school_days', 'weekdays': [],
            'windows': '07:00-09:00, 11:30-13:30, 16:30-18:30', 'times': '07:50, 14:30', 'tolerance': '15',
            'n': '2', 'anchor': '', 'weekday': '', 'day': '', 'field': 'expires_on', 'days_before': '30',
            'start': '', 'deadline': ''}


def read_routine(campus, form):
    """(fields for Routine, errors, typed) from a submitted routine form."""
    typed = {k: (form.get(k) or '').strip() for k in ('name', 'template', 'activity', 'target', 'subtree', 'role',
                                                      'assets', 'calendar') + SCHEDULE_FIELDS}
    typed.update(schedule=form.get('schedule', ''), picked=form.getlist('picked'), people=form.getlist('people'),
                 weekdays=form.getlist('weekdays'))
    errors, fields = {}, {}
    if not typed['name']:
        errors['name'] = _('Please enter a name.')
    fields['name'] = typed['name'][:100]
    templates = {str(t.id): t for t in campus_templates(campus)}
    template = templates.get(typed['template'])
    if typed['template'] and template is None:
        errors['template'] = _('Choose one of the checklists.')
    activity = template.activity if template else (key_for(activity_names(campus), typed['activity'])
                                                    or typed['activity'].lower())
    if not ACTIVITY_KEY.match(activity or ''):
        errors['activity'] = _('Choose a checklist, or give the activity for a one-tap routine (e.g. cleaning).')
    fields.update(template=template, activity=activity)
    target_type, _sep, kind = typed['target'].partition(':')
    if target_type not in ('place', 'item') or (kind and kind not in (PLACE_KIND_LABELS if target_type == 'place'
                                                                      else ITEM_KIND_LABELS)):
        errors['target'] = _('Choose what kind of place or asset the routine is for.')
    if template and target_type in ('place', 'item') and kind and template.target_kind != kind:
        errors['template'] = _('This checklist is for another kind of place or asset.')
    fields.update(target_type=target_type if target_type in ('place', 'item') else 'place', target_kind=kind)
    subtree = None
    if typed['subtree']:
        subtree_id = int_or_none(typed['subtree'])
        subtree = Place.get_or_none((Place.id == subtree_id) & (Place.campus == campus)) if subtree_id else None
        if subtree is None:
            errors['subtree'] = _('Choose a place of this school.')
    fields['subtree'] = subtree
    picked = []
    if target_type == 'place':
        ids = [int_or_none(p) for p in typed['picked']]
        picked = [p.id for p in Place.select(Place.id).where((Place.campus == campus)
                                                             & Place.id.in_([i for i in ids if i] or [0]))]
        if None in ids or len(picked) != len(set(ids)):
            errors['picked'] = _('Some of the picked places are not of this school.')
    elif typed['assets']:
        wanted = split_list(typed['assets'])
        found = {i.asset_number: i.id for i in Item.select(Item.id, Item.asset_number)
                 .where((Item.campus == campus) & Item.asset_number.in_(wanted))}
        unknown = [w for w in wanted if w not in found]
        if unknown:
            errors['assets'] = _('No asset has the number %(numbers)s.', numbers='、'.join(unknown))
        picked = sorted(set(found.values()))
    fields['targets'] = picked
    if not kind and not picked and 'target' not in errors:
        errors['target'] = _('Choose a kind, or pick the places or assets one by one.')
    if typed['role'] and typed['role'] not in ROLES:
        errors['role'] = _('Choose a role.')
    staff = {str(u) for u, _n, _r in staff_choices(campus)}
    people = [int(p) for p in typed['people'] if p in staff]
    if not typed['role'] and not people:
        errors['people'] = _('Say who does it: a role, or named people.')
    fields.update(role=typed['role'], people=people)
    try:
        fields['schedule'] = validate(read_schedule(form))
    except ScheduleError as exc:
        errors['schedule'] = str(exc)
    if fields.get('schedule', {}).get('type') == 'by_date' and fields['target_type'] != 'item':
        errors['schedule'] = _('"Before a date" follows an asset\'s date: choose a kind of asset.')
    if typed['calendar'] not in CALENDAR_MODES:
        errors['calendar'] = _('Choose which days the routine runs on.')
    fields['calendar'] = typed['calendar'] if typed['calendar'] in CALENDAR_MODES else 'school_days'
    return fields, errors, typed


def form_context(campus, typed, errors, routine=None):
    """What the routine form needs to render."""
    return dict(typed=typed, errors=errors, routine=routine, templates=campus_templates(campus),
                targets=target_choices(), places=place_choices(campus), staff=staff_choices(campus),
                roles=ROLE_LABELS, calendars=CALENDAR_MODE_LABELS, weekdays=WEEKDAYS, date_fields=DATE_FIELDS,
                activities=ACTIVITY_LABELS)


def describe_schedule(spec):
    """The schedule in a few words, for the list."""
    kind = (spec or {}).get('type')
    if kind == 'windows':
        return _('%(n)d times a day: %(windows)s', n=len(spec['windows']),
                 windows=', '.join(f'{a}–{b}' for a, b in spec['windows']))
    if kind == 'times':
        return _('at %(times)s ± %(m)d min', times=', '.join(spec['times']), m=spec.get('tolerance', 15))
    if kind == 'daily':
        return _('daily')
    if kind == 'weekly':
        days = spec.get('weekdays')
        return _('weekly on %(days)s', days='、'.join(str(WEEKDAYS[d]) for d in days)) if days else _('weekly')
    if kind == 'every_n_weeks':
        return _('every %(n)d weeks from %(anchor)s', n=spec['n'], anchor=spec['anchor'])
    if kind == 'monthly':
        return _('monthly from day %(day)d', day=spec.get('day', 1))
    if kind == 'term':
        return _('once a term')
    if kind == 'by_date':
        return _('within %(n)d days before the expiry date', n=spec['days_before']) \
            if spec.get('field') == 'expires_on' else _('within %(n)d days before the date', n=spec['days_before'])
    if kind == 'campaign':
        return _('campaign %(start)s – %(deadline)s', start=spec['start'].replace('T', ' '),
                 deadline=spec['deadline'].replace('T', ' '))
    return ''


@bp.app_template_global()
def schedule_text(spec):
    """A routine's schedule in a few words (the list, the dashboard)."""
    return describe_schedule(spec)


@bp.route('/')
@requires('routines.view')
def index():
    """Every routine of the campus, campaigns first with their progress."""
    routines = list(Routine.select().where(Routine.campus == g.campus)
                    .order_by(Routine.active.desc(), Routine.name, Routine.id))
    campaigns = [(r, campaign_progress(r)) for r in routines
                 if r.active and (r.schedule or {}).get('type') == 'campaign']
    others = [r for r in routines if (r.schedule or {}).get('type') != 'campaign' or not r.active]
    return render_template('routines/index.html', campaigns=campaigns, routines=others,
                           roles=ROLE_LABELS, calendars=CALENDAR_MODE_LABELS)


@bp.route('/new', methods=['GET', 'POST'])
@requires('routines.manage')
def new():
    """A new routine: what (a checklist), where, who and when."""
    typed, errors = blank_typed(), {}
    if request.args.get('template'):
        typed['template'] = request.args['template']
    if request.method == 'POST':
        fields, errors, typed = read_routine(g.campus, request.form)
        if not errors:
            with write_transaction():
                routine = Routine.create(campus=g.campus, **fields)
                log_change('create', routine, summary=routine.name)
            flash(_('Routine added.'), 'success')
            return redirect(url_for('routines.detail', routine_id=routine.id))
    return render_template('routines/form.html', **form_context(g.campus, typed, errors)), 400 if errors else 200


@bp.route('/<int:routine_id>/edit', methods=['GET', 'POST'])
@requires('routines.manage')
def edit(routine_id):
    """Change a routine; slots already closed keep the status they had."""
    routine = campus_or_404(Routine, routine_id)
    typed, errors = typed_from_routine(routine), {}
    if request.method == 'POST':
        fields, errors, typed = read_routine(g.campus, request.form)
        if not errors:
            before = snapshot(routine)
            with write_transaction():
                Routine.update(**fields).where(Routine.id == routine.id).execute()
                log_change('update', Routine.get_by_id(routine.id), before=before, summary=fields['name'])
            flash(_('Saved.'), 'success')
            return redirect(url_for('routines.detail', routine_id=routine.id))
    return render_template('routines/form.html', **form_context(g.campus, typed, errors, routine)), \
        400 if errors else 200


@bp.route('/<int:routine_id>')
@requires('routines.view')
def detail(routine_id):
    """One routine: its targets, and for a campaign the progress and what remains."""
    routine = campus_or_404(Routine, routine_id)
    progress = campaign_progress(routine) if (routine.schedule or {}).get('type') == 'campaign' else None
    return render_template('routines/detail.html', routine=routine, targets=routine_targets(routine),
                           progress=progress, roles=ROLE_LABELS, calendars=CALENDAR_MODE_LABELS,
                           people=[n for u, n, _r in staff_choices(g.campus) if u in (routine.people or ())])


@bp.route('/<int:routine_id>/retire', methods=['POST'])
@requires('routines.manage')
def retire(routine_id):
    """Stop a routine: no more slots from now; its past slots and records stay."""
    routine = campus_or_404(Routine, routine_id)
    if routine.active:
        with write_transaction():
            Routine.update(active=False, retired_at=utcnow()).where(Routine.id == routine.id).execute()
            log_change('update', Routine.get_by_id(routine.id), summary=_('%(name)s stopped', name=routine.name))
        flash(_('Routine stopped. Its past records stay.'), 'success')
    return redirect(url_for('routines.index'))


def slot_filter(args, today):
    """(first day, last day, activity, status, place id, routine id, error) from the slot list's query arguments."""
    error = None
    try:
        day = bounded_date(args.get('day', '')) if args.get('day') else today
    except ValueError:
        day, error = today, _('Please enter a date as YYYY-MM-DD.')
    first = last = day
    if args.get('period') == 'week':
        first = day - datetime.timedelta(days=day.weekday())
        last = first + datetime.timedelta(days=6)
    status = args.get('status', '')
    return (first, last, (args.get('activity') or '').strip()[:20] or None,
            status if status in SLOT_STATUS_LABELS else '', int_or_none(args.get('place', '')),
            int_or_none(args.get('routine', '')), error)


@bp.route('/slots')
@requires('routines.view')
def slots():
    """The slots behind a dashboard number: a day or week, an activity, a status, a building or floor, a routine."""
    first, last, activity, status, place_id, routine_id, error = slot_filter(request.args, g.campus.today())
    start, end = days_bounds(first, last, zone_name(g.campus))
    place = Place.get_or_none((Place.id == place_id) & (Place.campus == g.campus)) if place_id else None
    found = campus_slots(g.campus, start, end, activity=activity,
                         routine_ids=[routine_id] if routine_id else None,
                         place_ids=descendant_ids(place) if place else None)
    tally = counts(found)
    shown = [s for s in found if not status or s.status == status]
    return render_template('routines/slots.html', slots=shown, tally=tally, first=first, last=last, status=status,
                           activity=activity or '', place=place, routine_id=routine_id, error=error,
                           statuses=SLOT_STATUS_LABELS, args=request.args), 400 if error else 200


# The campus calendar ---------------------------------------------------------------------------------------


def read_calendar_entry(form):
    """(kind, fields, errors) for a term, a holiday or a make-up working day from the calendar form."""
    kind = form.get('kind', '')
    typed = {k: (form.get(k) or '').strip() for k in ('name', 'starts_on', 'ends_on', 'counts_as')}
    errors = {}
    if kind not in ('term', 'holiday', 'makeup'):
        errors['kind'] = _('Choose a term, a holiday or a make-up working day.')
    if not typed['name']:
        errors['name'] = _('Please enter a name.')
    dates = {}
    for name in ('starts_on', 'ends_on'):
        text = typed[name] or (typed['starts_on'] if name == 'ends_on' and kind == 'makeup' else '')
        try:
            dates[name] = bounded_date(text)
        except ValueError:
            errors[name] = _('Please enter a date as YYYY-MM-DD.')
    if not errors.get('starts_on') and not errors.get('ends_on') and dates['ends_on'] < dates['starts_on']:
        errors['ends_on'] = _('The end date is before the start date.')
    fields = {'name': typed['name'][:60], **dates}
    if kind == 'makeup':
        if typed['counts_as'] not in [str(d) for d in range(7)]:
            errors['counts_as'] = _('Choose the weekday this working day counts as.')
        else:
            fields['counts_as'] = int(typed['counts_as'])
    return kind, fields, errors, typed


def calendar_page(typed=None, errors=None, kind='holiday'):
    """The calendar page: terms, holidays and make-up days, and the form to add one."""
    terms = list(Term.select().where(Term.campus == g.campus).order_by(Term.starts_on))
    days = list(Holiday.select().where(Holiday.campus == g.campus).order_by(Holiday.starts_on))
    return render_template('routines/calendar.html', terms=terms, days=days, weekdays=WEEKDAYS, kind=kind,
                           typed=typed or {'name': '', 'starts_on': '', 'ends_on': '', 'counts_as': ''},
                           errors=errors or {}), 400 if errors else 200


@bp.route('/calendar')
@requires('routines.view')
def calendar():
    """The campus calendar: terms, holidays and make-up working days (routines and patrol follow it)."""
    return calendar_page()


@bp.route('/calendar', methods=['POST'])
@requires('routines.manage')
def calendar_add():
    """Add a term, a holiday or a make-up working day."""
    kind, fields, errors, typed = read_calendar_entry(request.form)
    if errors:
        return calendar_page(typed, errors, kind)
    with write_transaction():
        if kind == 'term':
            row = Term.create(campus=g.campus, **fields)
        else:
            row = Holiday.create(campus=g.campus, kind=kind, **fields)
        log_change('create', row, summary=row.name)
    flash(_('Added to the calendar.'), 'success')
    return redirect(url_for('routines.calendar'))


@bp.route('/calendar/terms/<int:term_id>/delete', methods=['POST'])
@requires('routines.manage')
def term_delete(term_id):
    """Remove a term from the calendar."""
    return remove_from_calendar(campus_or_404(Term, term_id))


@bp.route('/calendar/days/<int:holiday_id>/delete', methods=['POST'])
@requires('routines.manage')
def day_delete(holiday_id):
    """Remove a holiday or a make-up working day from the calendar."""
    return remove_from_calendar(campus_or_404(Holiday, holiday_id))


def remove_from_calendar(row):
    """Delete a term or a calendar day with its audit entry, and go back to the calendar."""
    with write_transaction():
        log_change('delete', row, summary=row.name)
        row.delete_instance()
    flash(_('Removed from the calendar.'), 'success')
    return redirect(url_for('routines.calendar'))
