"""Managing patrol routes on a phone or a laptop: checkpoints in order (add, remove, reorder), walking minutes
between stops, rounds (shift window, fixed starts or every N hours, grace), holiday rounds (the nights the campus
calendar makes holidays: its page is routines.calendar), checkpoint locations, and reissuing a checkpoint's label
when it was copied."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FloatField, IntegerField, SelectField, SelectMultipleField,
                     StringField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from houqin.audit import log_change, snapshot
from houqin.db import write_transaction
from houqin.labels.lifecycle import LabelChangeRefused, reprint
from houqin.models import PatrolRun, Place, Route, RouteStop, Tag
from houqin.patrol.plans import route_stops
from houqin.patrol.rounds import RoundPlan, hhmm, minutes_of, parse_hhmm
from houqin.permissions import requires
from houqin.places.tree import place_choices, place_paths
from houqin.tags import human_code
from houqin.vocab import select_choices
from houqin.web import campus_or_404, https_site

bp = Blueprint('patrol_routes', __name__, url_prefix='/patrol/routes')

EVERY_CHOICES = [(60, _l('every hour')), (90, _l('every 1.5 hours')), (120, _l('every 2 hours')),
                 (180, _l('every 3 hours')), (240, _l('every 4 hours'))]
WEEKDAYS = [(0, _l('Monday')), (1, _l('Tuesday')), (2, _l('Wednesday')), (3, _l('Thursday')), (4, _l('Friday')),
            (5, _l('Saturday')), (6, _l('Sunday'))]


def clock_time(form, field):
    """A wall-clock time like 22:00."""
    try:
        parse_hhmm(field.data)
    except ValueError:
        raise ValidationError(_('“%(text)s” is not a time of day; write it like 22:00.', text=field.data or ''))


def parse_starts(text):
    """Fixed round starts from '22:00, 01:00 04:00' (commas, spaces or 、 between), as HH:MM strings."""
    parts = [p for p in (text or '').replace('，', ',').replace('、', ',').replace(' ', ',').split(',') if p]
    return [hhmm(parse_hhmm(p)) for p in parts]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RouteForm(FlaskForm):
    name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter a name.')), Length(max=100)])
    shift_start = StringField(_l('Shift starts'), default='22:00', validators=[clock_time])
    shift_end = StringField(_l('Shift ends'), default='06:00', validators=[clock_time],
                            description=_l('An end before the start means the next morning; equal means 24 hours.'))
    mode = SelectField(_l('Rounds'), default='every', choices=select_choices(
        [('every', _l('At a regular interval')), ('fixed', _l('At fixed times'))]))
    every_minutes = SelectField(_l('Interval'), coerce=int, default=120, choices=select_choices(EVERY_CHOICES))
    starts = StringField(_l('Fixed start times'), description=_l('For example 22:00, 01:00, 04:00'))
    grace_minutes = IntegerField(_l('Grace after each round (minutes)'), default=15, validators=[
        InputRequired(_l('Please give the grace in minutes.')),
        NumberRange(0, 180, _l('The grace must be 0 to 180 minutes.'))])
    active = BooleanField(_l('In use'), default=True)
    holiday_own = BooleanField(_l('Holidays and school breaks have their own rounds (节假日值班护校)'))
    holiday_shift_start = StringField(_l('Holiday shift starts'), default='18:00', validators=[Optional(), clock_time])
    holiday_shift_end = StringField(_l('Holiday shift ends'), default='08:00', validators=[Optional(), clock_time])
    holiday_every_minutes = SelectField(_l('Holiday interval'), coerce=int, default=120,
                                        choices=select_choices(EVERY_CHOICES))
    holiday_weekdays = MultiCheckboxField(_l('Also treat these nights as holidays'), coerce=int,
                                          choices=select_choices(WEEKDAYS))

    def validate_starts(self, field):
        if self.mode.data != 'fixed':
            return
        try:
            starts = parse_starts(field.data)
        except ValueError:
            raise ValidationError(_('Write the start times like 22:00, 01:00, 04:00; “%(text)s” has something else.',
                                    text=field.data))
        if not starts:
            raise ValidationError(_('Please give at least one start time.'))
        try:
            plan = RoundPlan.from_values(self.shift_start.data, self.shift_end.data, starts)
        except ValueError:
            return  # the shift fields say what is wrong
        base = minutes_of(plan.shift_start)
        outside = [s for s in starts if (minutes_of(parse_hhmm(s)) - base) % 1440 >= plan.shift_minutes()]
        if outside:
            raise ValidationError(_('%(times)s lie outside the shift.', times='、'.join(outside)))

    def fill(self, route):
        """Show a route's values."""
        self.name.data, self.shift_start.data, self.shift_end.data = route.name, route.shift_start, route.shift_end
        self.mode.data = 'fixed' if route.rounds else 'every'
        self.every_minutes.data, self.starts.data = route.every_minutes, ', '.join(route.rounds or [])
        self.grace_minutes.data, self.active.data = route.grace_minutes, route.active
        plan = route.holiday_plan or {}
        self.holiday_own.data = bool(plan)
        if plan:
            self.holiday_shift_start.data, self.holiday_shift_end.data = plan['shift_start'], plan['shift_end']
            self.holiday_every_minutes.data = plan.get('every_minutes', 120)
            self.holiday_weekdays.data = plan.get('weekdays', [])

    def apply(self, route):
        """Copy the form's values onto a route."""
        route.name = self.name.data.strip()
        route.shift_start, route.shift_end = hhmm(parse_hhmm(self.shift_start.data)), hhmm(parse_hhmm(self.shift_end.data))
        route.rounds = parse_starts(self.starts.data) if self.mode.data == 'fixed' else []
        route.every_minutes, route.grace_minutes, route.active = self.every_minutes.data, self.grace_minutes.data, self.active.data
        route.holiday_plan = None
        if self.holiday_own.data:
            route.holiday_plan = {
                'shift_start': hhmm(parse_hhmm(self.holiday_shift_start.data or '18:00')),
                'shift_end': hhmm(parse_hhmm(self.holiday_shift_end.data or '08:00')),
                'every_minutes': self.holiday_every_minutes.data, 'rounds': [],
                'grace_minutes': self.grace_minutes.data, 'weekdays': sorted(self.holiday_weekdays.data or [])}


class StopForm(FlaskForm):
    place = SelectField(_l('Checkpoint'), coerce=int)
    walk_minutes = IntegerField(_l('Walking minutes from the previous stop (at least)'), default=0, validators=[
        InputRequired(_l('Please give the minutes (0 if none).')), NumberRange(0, 120, _l('0 to 120 minutes.'))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = select_choices([(0, _('— choose a place —'))] + place_choices(g.campus))

    def validate_place(self, field):
        if not field.data or field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('Please choose a place of this campus.'))


class StopEditForm(FlaskForm):
    walk_minutes = StopForm.walk_minutes
    latitude = FloatField(_l('Latitude'), validators=[Optional(), NumberRange(-90, 90, _l('-90 to 90.'))])
    longitude = FloatField(_l('Longitude'), validators=[Optional(), NumberRange(-180, 180, _l('-180 to 180.'))])
    location_accuracy = FloatField(_l('Accuracy (metres)'), validators=[
        Optional(), NumberRange(0.1, 10000, _l('A positive number of metres.'))])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        given = [f.data is not None for f in (self.latitude, self.longitude, self.location_accuracy)]
        if any(given) and not all(given):
            self.location_accuracy.errors.append(_('Give latitude, longitude and accuracy together, or none of them.'))
            return False
        return True


def route_stop(route, stop_id):
    """A stop of the route, or 404."""
    stop = RouteStop.get_or_none((RouteStop.id == stop_id) & (RouteStop.route == route))
    if stop is None:
        abort(404)
    return stop


def renumber(route):
    """Positions 0, 1, 2 … in the current order."""
    for i, stop in enumerate(route_stops(route.id)):
        if stop.position != i:
            RouteStop.update(position=i).where(RouteStop.id == stop.id).execute()


@bp.route('/')
@requires('patrol.manage')
def index():
    """The campus's patrol routes."""
    routes = list(Route.select().where(Route.campus == g.campus).order_by(Route.name, Route.id))
    counts = {r.id: RouteStop.select().where(RouteStop.route == r.id).count() for r in routes}
    return render_template('patrol/routes.html', routes=routes, counts=counts, https=https_site())


@bp.route('/new', methods=['GET', 'POST'])
@requires('patrol.manage')
def new():
    """Add a route; its checkpoints are added next."""
    form = RouteForm()
    if form.validate_on_submit():
        route = Route(campus=g.campus)
        form.apply(route)
        with write_transaction():
            route.save()
            log_change('create', route, summary=route.name)
        flash(_('Added %(name)s. Now add its checkpoints in order.', name=route.name), 'success')
        return redirect(url_for('patrol_routes.edit', route_id=route.id))
    return render_template('patrol/route_form.html', form=form, route=None), (400 if form.errors else 200)


@bp.route('/<int:route_id>', methods=['GET', 'POST'])
@requires('patrol.manage')
def edit(route_id):
    """A route: its rounds and holiday rounds, and its checkpoints in order."""
    route = campus_or_404(Route, route_id)
    form = RouteForm()
    if request.method == 'GET':
        form.fill(route)
    elif form.validate_on_submit():
        before = snapshot(route)
        form.apply(route)
        with write_transaction():
            route.save()
            log_change('update', route, before=before, summary=route.name)
        flash(_('Saved.'), 'success')
        return redirect(url_for('patrol_routes.edit', route_id=route.id))
    return route_page(route, form, StopForm(formdata=None), 400 if form.errors else 200)


def route_page(route, form, stop_form, status=200):
    stops = route_stops(route.id)
    tags = {t.place_id: t for t in Tag.select().where(Tag.place.in_([s.place_id for s in stops])
                                                     & (Tag.status == 'active'))} if stops else {}
    return render_template('patrol/route_form.html', form=form, route=route, stops=stops, stop_form=stop_form,
                           tags=tags, paths=place_paths(g.campus, [s.place_id for s in stops]),
                           https=https_site()), status


@bp.route('/<int:route_id>/stops', methods=['POST'])
@requires('patrol.manage')
def stop_add(route_id):
    """Add a checkpoint at the end of the route."""
    route = campus_or_404(Route, route_id)
    stop_form = StopForm()
    if not stop_form.validate_on_submit():
        form = RouteForm(formdata=None)
        form.fill(route)
        return route_page(route, form, stop_form, 400)
    with write_transaction():
        stop = RouteStop.create(route=route, place=stop_form.place.data, walk_minutes=stop_form.walk_minutes.data,
                                position=RouteStop.select().where(RouteStop.route == route).count())
        place = Place.get_by_id(stop.place_id)
        log_change('create', stop, summary=f'{route.name}: {place.name}')
    flash(_('Added %(name)s to the route.', name=place.name), 'success')
    return redirect(url_for('patrol_routes.edit', route_id=route.id) + '#stops')


@bp.route('/<int:route_id>/stops/<int:stop_id>/move', methods=['POST'])
@requires('patrol.manage')
def stop_move(route_id, stop_id):
    """Move a checkpoint one place up or down the route."""
    route = campus_or_404(Route, route_id)
    stop = route_stop(route, stop_id)
    stops = route_stops(route.id)
    i = next(n for n, s in enumerate(stops) if s.id == stop.id)
    j = i - 1 if request.form.get('direction') == 'up' else i + 1
    if 0 <= j < len(stops):
        stops[i], stops[j] = stops[j], stops[i]
        with write_transaction():
            for position, s in enumerate(stops):
                RouteStop.update(position=position).where(RouteStop.id == s.id).execute()
            log_change('update', stop, summary=f'{route.name}: {stop.place.name} → {j + 1}')
    return redirect(url_for('patrol_routes.edit', route_id=route.id) + '#stops')


@bp.route('/<int:route_id>/stops/<int:stop_id>/delete', methods=['POST'])
@requires('patrol.manage')
def stop_delete(route_id, stop_id):
    """Take a checkpoint off the route (its past scans stay in the reports)."""
    route = campus_or_404(Route, route_id)
    stop = route_stop(route, stop_id)
    name = stop.place.name
    with write_transaction():
        log_change('delete', stop, before=snapshot(stop), summary=f'{route.name}: {name}')
        stop.delete_instance()
        renumber(route)
    flash(_('Removed %(name)s from the route.', name=name), 'success')
    return redirect(url_for('patrol_routes.edit', route_id=route.id) + '#stops')


@bp.route('/<int:route_id>/stops/<int:stop_id>', methods=['GET', 'POST'])
@requires('patrol.manage')
def stop_edit(route_id, stop_id):
    """A checkpoint: walking minutes from the previous stop, its location, its label."""
    route = campus_or_404(Route, route_id)
    stop = route_stop(route, stop_id)
    place = Place.get_by_id(stop.place_id)
    form = StopEditForm(obj=stop) if request.method == 'GET' else StopEditForm()
    if request.method == 'GET':
        form.latitude.data, form.longitude.data = place.latitude, place.longitude
        form.location_accuracy.data = place.location_accuracy
    elif form.validate_on_submit():
        before_stop, before_place = snapshot(stop), snapshot(place)
        stop.walk_minutes = form.walk_minutes.data
        place.latitude, place.longitude = form.latitude.data, form.longitude.data
        place.location_accuracy = form.location_accuracy.data
        with write_transaction():
            stop.save()
            place.save()
            log_change('update', stop, before=before_stop, summary=f'{route.name}: {place.name}')
            log_change('update', place, before=before_place, summary=place.name)
        flash(_('Saved.'), 'success')
        return redirect(url_for('patrol_routes.edit', route_id=route.id) + '#stops')
    tag = Tag.get_or_none((Tag.place == place.id) & (Tag.status == 'active'))
    return render_template('patrol/stop_form.html', route=route, stop=stop, place=place, form=form, tag=tag,
                           https=https_site()), (400 if form.errors else 200)


@bp.route('/<int:route_id>/stops/<int:stop_id>/reissue', methods=['POST'])
@requires('patrol.manage')
def stop_reissue(route_id, stop_id):
    """Reissue a checkpoint's label (it was copied): a new code, the old label stops counting at once."""
    route = campus_or_404(Route, route_id)
    stop = route_stop(route, stop_id)
    tag = Tag.get_or_none((Tag.place == stop.place_id) & (Tag.status == 'active'))
    if tag is None:
        flash(_('This checkpoint has no label in use; print one from the label pages.'), 'error')
        return redirect(url_for('patrol_routes.stop_edit', route_id=route.id, stop_id=stop.id))
    try:
        new_tag = reprint(tag)
    except LabelChangeRefused:
        flash(_('Someone changed this label a moment ago; nothing was changed.'), 'error')
        return redirect(url_for('patrol_routes.stop_edit', route_id=route.id, stop_id=stop.id))
    flash(_('New label %(new)s issued; %(old)s no longer counts. Print the new one and replace the old label.',
            new=human_code(new_tag.token), old=human_code(tag.token)), 'success')
    return redirect(url_for('labels.tag_detail', token=new_tag.token))


@bp.route('/<int:route_id>/delete', methods=['POST'])
@requires('patrol.manage')
def delete(route_id):
    """Delete a route that was never walked (one with history is switched off instead)."""
    route = campus_or_404(Route, route_id)
    if PatrolRun.select().where(PatrolRun.route == route).exists():
        flash(_('%(name)s has patrol history; untick “In use” to stop its rounds instead.', name=route.name), 'error')
        return redirect(url_for('patrol_routes.edit', route_id=route.id))
    with write_transaction():
        log_change('delete', route, before=snapshot(route), summary=route.name)
        route.delete_instance(recursive=True)
    flash(_('Deleted %(name)s.', name=route.name), 'success')
    return redirect(url_for('patrol_routes.index'))


@bp.route('/holidays')
@requires('patrol.manage')
def holidays():
    """The old holiday page: patrol follows the campus calendar now (holidays, make-up working days, terms)."""
    return redirect(url_for('routines.calendar'), 301)
