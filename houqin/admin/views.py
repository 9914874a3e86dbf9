"""The logistics office's overview, campus settings and the audit log."""
import datetime
from zoneinfo import available_timezones

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import JOIN
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from houqin.admin import dashboard
from houqin.audit import log_change, snapshot
from houqin.clock import format_local, utcnow, zone_name
from houqin.db import write_transaction
from houqin.models import AuditLog, Item, Membership, Place, Tag, User
from houqin.patrol.evaluation import evaluate_due_rounds
from houqin.permissions import requires
from houqin.routines.service import check_missed
from houqin.web import Page, bounded_date, page_number

bp = Blueprint('admin', __name__, url_prefix='/admin')


def campus_counts(campus):
    """What the overview shows: how much is set up and what needs attention."""
    today = campus.today()
    items = Item.select().where((Item.campus == campus) & (Item.status != 'scrapped'))  # the active register
    return {
        'places': Place.select().where(Place.campus == campus).count(),
        'assets': items.count(),
        'broken': items.where(Item.status.in_(['broken', 'under_repair'])).count(),
        'expired': items.where(Item.expires_on < today).count(),
        'expiring': items.where(Item.expires_on.between(today, today + datetime.timedelta(days=30))).count(),
        'staff': Membership.select().join(User).where((Membership.campus == campus) & User.active).count(),
        'labels': Tag.select().where((Tag.campus == campus) & (Tag.status == 'active')).count(),
    }


def dashboard_day(today):
    """(day, error) from ?day=YYYY-MM-DD: a past day of the campus, or today."""
    typed = request.args.get('day', '').strip()
    if not typed:
        return today, None
    try:
        day = bounded_date(typed)
    except ValueError:
        return today, _('Please enter a date as YYYY-MM-DD.')
    return (day, None) if day <= today else (today, _('The dashboard shows today or a past day.'))


@bp.route('/')
@requires('admin.view')
def index():
    """概览: today's routines and what was missed, patrol, repairs, hazards, extinguishers, a map and trends."""
    now = utcnow()
    campus = g.campus
    today = campus.today()
    day, error = dashboard_day(today)
    trend = dashboard.trends(campus, day, now)  # first: its 30 days of records serve the shorter periods below
    check_missed(campus, now)  # the lazy missed-slot check, like patrol's evaluation on its pages
    evaluate_due_rounds(campus=campus)
    when = min(now, dashboard.day_end(campus, day))
    checks = dashboard.cleaning_and_checks(campus, day, now)
    week = request.args.get('map') == 'week'
    map_slots = dashboard.week_slots(campus, day, now) if week else checks['slots']
    recent = (AuditLog.select(AuditLog, User).join(User, on=(AuditLog.user == User.id), join_type=JOIN.LEFT_OUTER)
              .where(AuditLog.campus == campus).order_by(AuditLog.id.desc()).limit(5))
    return render_template(
        'admin/index.html', counts=campus_counts(campus), recent=recent, today=today, day=day, error=error,
        checks=checks, campaigns=dashboard.campaigns(campus, now), patrol=dashboard.patrol_last_night(campus, day, when),
        repairs=dashboard.open_repairs(campus, now), hazards=dashboard.hazards(campus, today, now),
        extinguishers=dashboard.extinguishers(campus, today), map=dashboard.compliance_map(campus, map_slots),
        week=week, trend7=trend[-7:], trend30=trend, now=now,
        canteen=dashboard.canteen(campus.id, today, now), loans=dashboard.loans(campus, today)), 400 if error else 200


class CampusForm(FlaskForm):
    name = StringField(_l('School name'), validators=[DataRequired(_l('Please enter the school name.')),
                                                      Length(max=100)])
    timezone = StringField(_l('Time zone'), validators=[DataRequired(_l('Please enter a time zone.'))],
                           description=_l('Times are shown in this zone, e.g. Asia/Shanghai.'))
    allow_anonymous_reports = BooleanField(_l('Anyone who scans a label may report a problem without logging in'))
    board_enabled = BooleanField(_l('Public board: show this campus\'s board without log-in (for a corridor TV)'))

    def validate_timezone(self, field):
        if field.data.strip() not in available_timezones():
            raise ValidationError(_('Unknown time zone %(zone)s; use a name such as Asia/Shanghai.',
                                    zone=field.data))


@bp.route('/campus', methods=['GET', 'POST'])
@requires('admin.campus')
def campus_settings():
    """Name, time zone and whether anonymous reports are allowed."""
    campus = g.campus
    form = CampusForm(obj=campus)
    if form.validate_on_submit():
        before = snapshot(campus)
        campus.name = form.name.data.strip()
        campus.timezone = form.timezone.data.strip()
        campus.allow_anonymous_reports = form.allow_anonymous_reports.data
        campus.board_enabled = form.board_enabled.data
        with write_transaction():
            campus.save()
            log_change('update', campus, before=before, summary=campus.name)
        flash(_('Saved.'), 'success')
        return redirect(url_for('admin.campus_settings'))
    now = format_local(utcnow(), zone_name(campus))
    return render_template('admin/campus.html', form=form, now=now)


@bp.route('/audit')
@requires('admin.view')
def audit():
    """Who changed what, newest first; filter by table or by person."""
    entity = request.args.get('entity', '')
    query = (AuditLog.select(AuditLog, User).join(User, on=(AuditLog.user == User.id), join_type=JOIN.LEFT_OUTER)
             .where(AuditLog.campus == g.campus))
    if entity:
        query = query.where(AuditLog.entity == entity)
    page = Page(query.order_by(AuditLog.id.desc()), page_number())
    return render_template('admin/audit.html', page=page, entity=entity)
