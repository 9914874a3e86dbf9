"""/t/<token>: the page a scanned label opens, and what the person standing there can record.

Tokens resolve in any spelling (/t/ or /T/, any case, hyphens and spaces ignored, I/L read as 1 and
O as 0). Replaced and unassigned labels say so; a typed code finds its label. The page is one HTML
response with its CSS inline (allowed by hash in the CSP), so a phone on a weak signal draws it after
a single round trip; its small script is deferred and optional.
"""
import base64
import datetime
import functools
import hashlib
import os
import re

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from houqin.assets.at_label import label_panel
from houqin.assets.scrapping import scrapped_on
from houqin.assets.stocktake import count_at_label, scan_message
from houqin.checklists.answers import expiry_note
from houqin.clock import utcnow
from houqin.db import Compiled, Slot
from houqin.checklists.versions import questions
from houqin.labels.lifecycle import LabelChangeRefused, attach, current_tag
from houqin.models import Campus, Item, Photo, Place, Record, Tag, WorkOrder, fn
from houqin.patrol.checkpoints import evidence_token, record_scan
from houqin.permissions import PUBLIC, can, requires
from houqin.places.tree import place_choices
from houqin.repairs.links import follow_link_for, resolve_many, secret_for
from houqin.repairs.workflow import WAITING_STATUSES, is_overdue, open_orders_for
from houqin.scan import page_cache
from houqin.scan.actions import (UNDO_SECONDS, join_report, label_links, latest_undoable, offer_for,
                                 record_checklist, record_report, undo_record)
from houqin.scan.records import (TooManyReports, anonymous_reports_since, last_cleaned, new_submission_id,
                                 parse_client_time, parse_submission_id, recent_records)
from houqin.tags import human_code, normalise_token
from houqin.templating import local_time
from houqin.routines.service import activity_names
from houqin.vocab import CATEGORY_LABELS, ITEM_KIND_LABELS, ORDER_STATUS_LABELS, PLACE_KIND_LABELS
from houqin.web import CONTENT_SECURITY_POLICY, client_address, markup_message, unbroken

bp = Blueprint('scan', __name__)
ACTIVITY_KEY = re.compile(r'^[a-z][a-z0-9_]{1,19}$')  # as checklists and routines store them


TAG_BY_TOKEN = Compiled(lambda: Tag.select().where(Tag.token == Slot('token')).limit(1))


def find_tag(text):
    """The tag a URL segment or a typed code names, or None."""
    token = normalise_token(text)
    found = TAG_BY_TOKEN(token=token) if token else None
    return found[0] if found else None


def describe(tag):
    """What a tag points at: {'kind': place|item, 'name', 'kind_label', 'location', 'object'} or None."""
    if tag.item_id:
        _kind, item = tag.target()
        if item is not None:
            location = ' › '.join(p.name for p in Place(id=item.place_id).chain())
            return {'kind': 'item', 'object': item, 'name': item.name, 'number': item.asset_number or '',
                    'kind_label': ITEM_KIND_LABELS.get(item.kind, item.kind), 'location': location}
    if tag.place_id:
        chain = Place(id=tag.place_id).chain()
        if chain:
            place = chain[-1]
            # Where the place is: the places around it, not its own name again under its heading.
            return {'kind': 'place', 'object': place, 'name': place.name, 'number': place.code or '',
                    'kind_label': PLACE_KIND_LABELS.get(place.kind, place.kind),
                    'location': ' › '.join(p.name for p in chain[:-1])}
    return None


def staff_of(tag):
    """True when the viewer is signed in on the campus the label belongs to."""
    return current_user.is_authenticated and g.get('campus') is not None and g.campus.id == tag.campus_id


class AttachForm(FlaskForm):
    place_id = SelectField(_l('A place'), coerce=int, default=0)
    asset_number = StringField(_l('Or an asset, by its asset number'), validators=[Length(max=50)])
    retire_others = BooleanField(_l('It replaces a torn or lost label: retire the old label of this place or asset'))

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campus = campus
        self.place_id.choices = [(0, _('— choose a place —'))] + place_choices(campus)
        self.item = None

    def validate_place_id(self, field):
        if field.data and field.data not in {pid for pid, _p in field.choices}:
            raise ValidationError(_('Please choose a place of this campus.'))

    def validate_asset_number(self, field):
        number = (field.data or '').strip()
        if number and self.place_id.data:
            raise ValidationError(_('Choose a place or type an asset number, not both.'))
        if number:
            self.item = Item.get_or_none((Item.campus == self.campus) & (Item.asset_number == number))
            if self.item is None:
                raise ValidationError(_('No asset on this campus has the number %(number)s.', number=number))
        elif not self.place_id.data:
            raise ValidationError(_('Choose a place or type an asset number.'))


def inactive_label_page(tag, form=None, status=200):
    """The page of a label that is not in use: replaced (pointing to the current one) or not yet assigned."""
    campus = Campus.get_by_id(tag.campus_id)
    staff = staff_of(tag)
    target = describe(tag)
    current = current_tag(tag) if tag.status == 'revoked' else None
    current_target = describe(current) if current is not None and current.status == 'active' else None
    if form is None and tag.status == 'unclaimed' and staff and can('labels.print'):
        form = AttachForm(campus=campus)
    return render_template('scan/tag.html', tag=tag, code=human_code(tag.token), campus=campus, target=target,
                           staff=staff, current=current, current_target=current_target, form=form), status


@bp.route('/T/<token>')
@bp.route('/t/<token>')  # registered first: url_for builds /t/
@requires(PUBLIC)
def tag(token):
    """What this label is and what the viewer can record here; or that it was replaced or is not in use yet."""
    normalised = normalise_token(token)
    ticket = page_cache.ticket(normalised) if normalised else None  # scan/page_cache.py
    kept = page_cache.page(ticket) if ticket else None
    if kept is not None:
        return page_cache.filled(*kept)
    found = find_tag(token)
    if found is None:
        return render_template('scan/unknown.html', typed=token[:40]), 404
    target = describe(found) if found.status == 'active' else None
    if is_scrapped(target):
        return scrapped_page(found, target)
    record_stocktake_scan(found)
    if target is None:
        return inactive_label_page(found)
    if target['kind'] == 'item' and staff_of(found):  # loans, permits, the guard's gate check (zero taps)
        g.asset_panel = label_panel(target['object'], current_user._get_current_object(), g.role)
    return scan_page(found, target, cache_ticket=ticket)


def is_scrapped(target):
    """True when a label's target is a scrapped asset: its page says so, and nothing can be recorded there."""
    return target is not None and target['kind'] == 'item' and target['object'].status == 'scrapped'


def scrapped_page(tag, target, status=200):
    """A scrapped asset's label: 已报废 with the date, for everyone, and nothing to record."""
    return render_template('scan/scrapped.html', tag=tag, code=human_code(tag.token), target=target,
                           campus=Campus.get_by_id(tag.campus_id), day=scrapped_on(target['object'])), status


@bp.route('/t/<token>/attach', methods=['POST'])
@requires('labels.print')
def tag_attach(token):
    """Attach an unassigned label to a place or an asset on the spot."""
    found = find_tag(token)
    if found is None or not staff_of(found):
        abort(404)
    if found.status != 'unclaimed':
        flash(_('This label is already in use; nothing was changed.'), 'error')
        return redirect(url_for('scan.tag', token=found.token))
    form = AttachForm(campus=g.campus)
    if not form.validate_on_submit():
        return inactive_label_page(found, form, 400)
    place = form.place_id.data or None
    try:
        attach(found, place=place, item=form.item, retire_others=form.retire_others.data)
    except LabelChangeRefused:
        flash(_('Someone attached this label a moment ago; nothing was changed.'), 'error')
        return redirect(url_for('scan.tag', token=found.token))
    flash(_('Label %(code)s now belongs here.', code=human_code(found.token)), 'success')
    return redirect(url_for('scan.tag', token=found.token))


@bp.route('/code')
@bp.route('/t/')
@requires(PUBLIC)
def code():
    """Type the code printed under a torn QR code to open its label."""
    typed = request.args.get('code', '').strip()[:200]
    error, status = None, 200
    if typed:
        # A pasted URL works too: its last path segment is the token.
        found = find_tag(typed.rstrip('/').rsplit('/', 1)[-1])
        if found is not None:
            return redirect(url_for('scan.tag', token=found.token))
        if normalise_token(typed.rstrip('/').rsplit('/', 1)[-1]) is None:
            error, status = _('“%(code)s” is not a label code: a code has 10 letters and digits, like '
                              '7K3M-9Q2X-AB.', code=typed), 400
        else:
            error, status = _('No label has the code %(code)s. Check the letters and digits and try again.',
                              code=typed), 404
    return render_template('scan/code.html', typed=typed, error=error), status


# The scan page proper --------------------------------------------------------------------------------

ACTIVITY_ENDPOINTS = {'cleaning': 'clean', 'inspection': 'inspect', 'canteen': 'canteen', 'use': 'use'}


def activity_url(token, activity):
    """Where the form of an activity posts: the built-in ones' own URLs, any other activity's by its key."""
    if activity in ACTIVITY_ENDPOINTS:
        return url_for('scan.' + ACTIVITY_ENDPOINTS[activity], token=token)
    return url_for('scan.record_activity', token=token, activity=activity)


@functools.cache
def scan_css():
    """The scan page's stylesheet, inlined so the page needs no second request."""
    with open(os.path.join(current_app.static_folder, 'scan.css'), encoding='utf-8') as fh:
        return Markup(fh.read())


@functools.cache
def scan_csp():
    """The site's CSP, plus the inline stylesheet by its hash (scripts stay external)."""
    digest = base64.b64encode(hashlib.sha256(str(scan_css()).encode()).digest()).decode()
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")


@bp.app_context_processor
def scan_template_helpers():
    """Templates of the scan page inline its stylesheet."""
    return {'scan_css': scan_css}


@bp.after_app_request
def scan_pages_policy(response):
    """Scan pages get the CSP that admits their inline stylesheet."""
    if request.blueprint == 'scan':
        response.headers['Content-Security-Policy'] = scan_csp()
    return response


def scan_page(tag, target, errors=None, typed=None, typed_form=None, status=200, ids=None, page_error=None,
              cache_ticket=None):
    """The scan page for an active label: facts, the viewer's actions (largest first), recent records.

    With a cache ticket (a GET of the page), a place's page is rendered with marks and kept (scan/page_cache.py).
    """
    staff = staff_of(tag)
    campus = g.campus if staff else Campus.get_by_id(tag.campus_id)
    obj = target['object']
    is_place = target['kind'] == 'place'
    place, item = (obj, None) if is_place else (None, obj)
    viewer = current_user._get_current_object() if staff else None
    offer = offer_for(campus, obj, g.role if staff else None, viewer)
    checklists = [(activity, template, questions(template) if template else [])
                  for activity, template in offer.checklists]
    orders = open_orders_for(place=place, item=item)
    forms = [a for a, _t, _q in checklists] + ['report'] + [f'same{o.id}' for o in orders]
    ids = dict(ids or {})
    for form in forms:
        ids.setdefault(form, new_submission_id())
    cached = cache_ticket is not None and is_place and not g.get('asset_panel') and counted_room_only()
    extra = {}
    if cached:
        extra['csrf_token'], ids = page_cache.marks(forms)
    patrol_scan = None
    if current_user.is_authenticated and staff and can('patrol.scan'):  # no patrol lookup for other roles
        patrol_scan = record_patrol_scan(tag)
    undo = None
    if staff and is_place and any(a == 'cleaning' for a, _t, _q in checklists):
        undo = latest_undoable(current_user, place=obj)
    today = campus.today()
    expired = bool(getattr(obj, 'expires_on', None) and obj.expires_on < today)
    photo = latest_photo(place, item) if staff else None
    overdue = {o.id for o in orders if is_overdue(o)}
    manage_url = None
    if staff and can('admin.view'):
        manage_url = url_for('places.place_edit', place_id=obj.id) if is_place else \
            url_for('places.item_edit', item_id=obj.id)
    html = render_template(
        'scan/page.html', tag=tag, code=human_code(tag.token), campus=campus, target=target, obj=obj, staff=staff,
        offer=offer, checklists=checklists, orders=orders, ids=ids, errors=errors or {}, typed=typed or {},
        typed_form=typed_form, overdue=overdue, last_cleaned=last_cleaned(place) if is_place else None,
        show_cleaning=any(a == 'cleaning' for a, _t, _q in checklists), expired=expired,
        expiry=expiry_note(obj, today) if not is_place else '', photo=photo, patrol_scan=patrol_scan,
        history=recent_records(place=place, item=item) if staff and offer.history else None,
        can_report=staff and offer.report or (not staff and campus.allow_anonymous_reports),
        categories=tuple(CATEGORY_LABELS), category_labels=CATEGORY_LABELS, status_labels=ORDER_STATUS_LABELS,
        activity_labels=activity_names(campus), activity_url=activity_url, manage_url=manage_url, page_error=page_error,
        undo=undo, undo_seconds=UNDO_SECONDS, links=label_links(campus, obj, g.role, tag) if staff else [], mine=my_reports(campus) if not current_user.is_authenticated else [],
        page_path=url_for('scan.tag', token=tag.token), **extra)
    if cached and patrol_scan is None:
        # Kept until the next write, the first open order on the page turning overdue or the undo running out.
        ends = [o.due_at for o in orders if o.due_at and o.status in WAITING_STATUSES and o.id not in overdue]
        ends += [undo.created_at + datetime.timedelta(seconds=UNDO_SECONDS)] if undo else []
        until = min(ends, default=None)
        page_cache.keep(cache_ticket, html, forms, until)
    if cached:
        html = page_cache.filled(html, forms)
    return html, status


MY_REPORTS_COOKIE = 'my_reports'
MY_REPORTS_KEPT = 5
MY_REPORTS_DAYS = 90
FOLLOW_SECRET = re.compile(r'[A-Za-z0-9_-]{8,40}')


def my_report_secrets():
    """The follow secrets this browser keeps of its own anonymous reports (newest first)."""
    raw = request.cookies.get(MY_REPORTS_COOKIE, '')[:400]
    return [s for s in raw.split('.') if FOLLOW_SECRET.fullmatch(s)][:MY_REPORTS_KEPT]


def my_reports(campus):
    """This browser's own recent reports at this school, newest first: each its follow link (the order and the
    secret this browser holds, never another reporter's)."""
    secrets = my_report_secrets()
    if not secrets:
        return []
    found = [link for link in resolve_many(secrets) if link.order.campus_id == campus.id]
    return sorted(found, key=lambda link: link.order.created_at, reverse=True)


def remember_report(response, order, record):
    """Keep this reporter's own follow secret (only that) in this browser, so the label page can list it again."""
    secret = secret_for(order, record)
    kept = [secret] + [s for s in my_report_secrets() if s != secret]
    response.set_cookie(MY_REPORTS_COOKIE, '.'.join(kept[:MY_REPORTS_KEPT]), max_age=MY_REPORTS_DAYS * 24 * 3600,
                        httponly=True, samesite='Lax', secure=current_app.config['SESSION_COOKIE_SECURE'])
    return response


def latest_photo(place, item):
    """The newest photo taken at this place or asset, if any.

    The newest record with a photo is read backwards from the history index (probing photo by record), then
    its last photo: no sort, however many records or photos the campus has (tests/test_query_plans.py).
    """
    found = NEWEST_PHOTO_OF_ITEM(item=item) if item is not None else NEWEST_PHOTO_AT_PLACE(place=place)
    return found[0] if found else None


def _newest_photo(where):
    def build():
        with_photo = Photo.select(Photo.id).where(Photo.record == Record.id)
        newest = (Record.select(Record.id).where(where() & fn.EXISTS(with_photo))
                  .order_by(Record.created_at.desc(), Record.id.desc()).limit(1))
        return Photo.select().where(Photo.record == newest).order_by(Photo.id.desc()).limit(1)
    return Compiled(build)


NEWEST_PHOTO_OF_ITEM = _newest_photo(lambda: Record.item == Slot('item'))
NEWEST_PHOTO_AT_PLACE = _newest_photo(lambda: (Record.place == Slot('place')) & Record.item.is_null())


def record_stocktake_scan(tag):
    """Let a stocktake count this scan (zero taps) when the viewer is one of its counters; the panel reads g."""
    if current_user.is_authenticated and g.get('campus') is not None:
        counted = count_at_label(tag, current_user._get_current_object(), g.campus.id)
        if counted is not None:
            g.stocktake_scan = (counted[0], counted[1], scan_message(counted[1]))


def counted_room_only():
    """True unless a stocktake scan on this page did more than name the counter's room: that panel reads only the
    database (kept under its version, like the rest of the page), an asset's count or an oddity is this moment's."""
    counted = g.get('stocktake_scan')
    return counted is None or counted[1].outcome == 'room'


def record_patrol_scan(tag):
    """Let night patrol count this scan as a checkpoint (zero taps) when the viewer is a guard on a route."""
    scan = record_scan(tag, current_user._get_current_object(),
                       client_time=parse_client_time(request.args.get('client_time')))
    if scan is not None and getattr(scan, 'fresh', False):
        scan.evidence_token = evidence_token(scan, current_app.config['SECRET_KEY'])
    return scan


class LabelGone(Exception):
    """A form was sent to a label that was replaced or is not in use; carries the page to show."""

    def __init__(self, response):
        super().__init__('label not active')
        self.response = response


def active_label(token):
    """The active label of a URL and what it points at; a replaced or blank label says so, unknown is 404."""
    found = find_tag(token)
    if found is None:
        abort(404)
    target = describe(found) if found.status == 'active' else None
    if is_scrapped(target):
        flash(_('Nothing was saved: this asset is scrapped.'), 'error')
        raise LabelGone(scrapped_page(found, target, status=409))
    if target is None:
        typed = ' '.join(v for k, v in request.form.items() if k in ('title', 'note', 'name') and v.strip())
        message = _('Nothing was saved: this label is no longer in use.')
        if typed:
            message += ' ' + _('What you typed: %(text)s', text=typed[:300])
        flash(message, 'error')
        raise LabelGone(inactive_label_page(found, status=409))
    return found, target


@bp.errorhandler(LabelGone)
def label_gone(exc):
    """Answer a form sent to a replaced or blank label with that label's page."""
    return exc.response


@bp.errorhandler(TooManyReports)
def too_many_reports(exc):
    """An anonymous report over the hourly limit, found inside its transaction (it raced others): nothing
    stored, the page says why."""
    tag, target = active_label(request.view_args['token'])
    form = f'same{request.view_args["order_id"]}' if 'order_id' in request.view_args else 'report'
    return refuse(tag, target, form, _('Too many reports from this phone in the last hour. Please try later '
                                       'or tell the school office.'), status=429)


def submission_id_or_none():
    """The form's submission id, checked."""
    return parse_submission_id(request.form.get('submission_id'))


def refuse(tag, target, form, message, status=400):
    """Show the page again with the message on top, what was typed kept, nothing stored."""
    sid = submission_id_or_none()
    return scan_page(tag, target, typed=request.form, typed_form=form,
                      status=status, ids={form: sid} if sid else None, page_error=message)


def done_message(outcome, what):
    """The line shown after a submission, the same for a resubmission."""
    message = _('Recorded: %(what)s at %(time)s.', what=what, time=local_time(outcome.record.created_at, '%H:%M'))
    if outcome.order is not None:
        message = message + ' ' + markup_message(_('Work order %(number)s: %(title)s.'),
                                                 number=unbroken(outcome.order.number), title=outcome.order.title)
    return message


def repeat_message(earlier):
    """What a second sign-off within REPEAT_MINUTES is told instead of storing another one."""
    minutes = int((utcnow() - earlier.created_at).total_seconds() // 60)
    if minutes < 1:
        return _('Already recorded just now (%(time)s); not recorded again.',
                 time=local_time(earlier.created_at, '%H:%M'))
    return _('Already recorded %(n)d minutes ago (%(time)s); not recorded again.', n=minutes,
             time=local_time(earlier.created_at, '%H:%M'))


def checklist_submission(token, activity):
    """Store a record of an activity the page offers (with its checklist, or one tap) from the scan page."""
    tag, target = active_label(token)
    if not staff_of(tag):
        abort(403)
    sid = submission_id_or_none()
    if sid is None:
        return refuse(tag, target, activity, _('This form is incomplete; please reload the page.'))
    user = current_user._get_current_object()
    offered = dict(offer_for(g.campus, target['object'], g.role, user).checklists)
    if activity not in offered:
        return refuse(tag, target, activity, _('This cannot be recorded here.'))
    outcome = record_checklist(sid, tag, target['object'], activity, request.form, request.files,
                               user=user, address=client_address(),
                               client_time=parse_client_time(request.form.get('client_time')),
                               note=request.form.get('note', ''), template=offered[activity])
    if outcome.errors:
        return scan_page(tag, target, errors={activity: outcome.errors}, typed=request.form, typed_form=activity,
                          status=400, ids={activity: sid})
    if outcome.repeat_of is not None:
        flash(repeat_message(outcome.repeat_of), 'success')
        return redirect(url_for('scan.tag', token=tag.token))
    flash(done_message(outcome, activity_names(g.campus)[activity]), 'success')
    return redirect(url_for('scan.tag', token=tag.token))


@bp.route('/t/<token>/do/<activity>', methods=['POST'])
@requires('scan.activity')
def record_activity(token, activity):
    """Any other activity offered here (绿化养护, 卫生检查, 宿舍检查 …): who may is the routine's or checklist's say."""
    if activity in ACTIVITY_ENDPOINTS or not ACTIVITY_KEY.match(activity):
        abort(404)
    return checklist_submission(token, activity)


@bp.route('/t/<token>/clean', methods=['POST'])
@requires('scan.clean')
def clean(token):
    """One tap: this place was cleaned (with the optional checklist)."""
    return checklist_submission(token, 'cleaning')


@bp.route('/t/<token>/undo', methods=['POST'])
@requires('scan.clean')
def undo(token):
    """Take back one's own cleaning sign-off within half a minute (a one-tap mistake)."""
    tag, target = active_label(token)
    if not staff_of(tag) or target['kind'] != 'place':
        abort(404)
    record = latest_undoable(current_user, place=target['object'])
    if record is None or str(record.id) != request.form.get('record', ''):
        flash(_('This can no longer be undone (only your own record, within %(n)d seconds).', n=UNDO_SECONDS),
              'error')
    elif undo_record(record, current_user._get_current_object()):
        flash(_('Undone: the cleaning at %(time)s is no longer recorded.',
                time=local_time(record.created_at, '%H:%M')), 'success')
    return redirect(url_for('scan.tag', token=tag.token))


@bp.route('/t/<token>/inspect', methods=['POST'])
@requires('scan.inspect')
def inspect(token):
    """An inspection checklist for this kind of place or asset."""
    return checklist_submission(token, 'inspection')


@bp.route('/t/<token>/canteen', methods=['POST'])
@requires('scan.canteen')
def canteen(token):
    """A canteen record (e.g. tableware disinfection)."""
    return checklist_submission(token, 'canteen')


@bp.route('/t/<token>/use', methods=['POST'])
@requires('scan.use')
def use(token):
    """A class's use of a function room: clean, equipment returned."""
    return checklist_submission(token, 'use')


def reporter_allowed(tag, target, form):
    """None when this viewer may report here, else the page refusing with the reason."""
    if staff_of(tag):
        return None if can('scan.report') else abort(403)
    campus = Campus.get_by_id(tag.campus_id)
    if not campus.allow_anonymous_reports:
        return refuse(tag, target, form, _('This school takes problem reports from staff only; please log in.'),
                      status=403)
    if anonymous_reports_since(client_address()) >= current_app.config['ANONYMOUS_REPORTS_PER_HOUR']:
        return refuse(tag, target, form, _('Too many reports from this phone in the last hour. Please try later '
                                           'or tell the school office.'), status=429)
    return None


@bp.route('/t/<token>/report', methods=['POST'])
@requires(PUBLIC)
def report(token):
    """Report damage here: photo, kind, one line; anonymous visitors too where the school allows it."""
    tag, target = active_label(token)
    refused = reporter_allowed(tag, target, 'report')
    if refused is not None:
        return refused
    sid = submission_id_or_none()
    if sid is None:
        return refuse(tag, target, 'report', _('This form is incomplete; please reload the page.'))
    staff = staff_of(tag)
    outcome = record_report(
        sid, tag, target['object'], title=request.form.get('title', ''), category=request.form.get('category'),
        hazard=bool(request.form.get('hazard')), upload=request.files.get('photo'),
        user=current_user._get_current_object() if staff else None,
        name='' if staff else request.form.get('name', '').strip(),
        phone='' if staff else request.form.get('phone', '').strip(),
        client_time=parse_client_time(request.form.get('client_time')), address=client_address())
    if outcome.errors:
        return scan_page(tag, target, errors={'report': outcome.errors}, typed=request.form, typed_form='report',
                          status=400, ids={'report': sid})
    if not staff:
        return remember_report(redirect(url_for('scan.receipt', token=tag.token, submission_id=outcome.record.uuid)),
                               outcome.order, outcome.record)
    flash(done_message(outcome, _('Problem report')), 'success')
    return redirect(url_for('scan.tag', token=tag.token))


@bp.route('/t/<token>/same/<int:order_id>', methods=['POST'])
@requires(PUBLIC)
def same_problem(token, order_id):
    """'Same problem': add this report to the open work order instead of opening a duplicate."""
    tag, target = active_label(token)
    form = f'same{order_id}'
    refused = reporter_allowed(tag, target, form)
    if refused is not None:
        return refused
    obj = target['object']
    orders = open_orders_for(place=obj if target['kind'] == 'place' else None,
                             item=obj if target['kind'] == 'item' else None)
    order = next((o for o in orders if o.id == order_id), None)
    if order is None:
        flash(_('That report has been closed in the meantime; please report the problem again if it is back.'),
              'error')
        return redirect(url_for('scan.tag', token=tag.token))
    sid = submission_id_or_none()
    if sid is None:
        return refuse(tag, target, form, _('This form is incomplete; please reload the page.'))
    staff = staff_of(tag)
    outcome = join_report(sid, tag, obj, order, upload=request.files.get('photo'),
                          user=current_user._get_current_object() if staff else None,
                          name='' if staff else request.form.get('name', '').strip(),
                          client_time=parse_client_time(request.form.get('client_time')),
                          address=client_address())
    if outcome.errors:
        return scan_page(tag, target, errors={form: outcome.errors}, typed=request.form, typed_form=form,
                          status=400, ids={form: sid})
    if not staff:
        return remember_report(redirect(url_for('scan.receipt', token=tag.token, submission_id=outcome.record.uuid)),
                               outcome.order, outcome.record)
    flash(markup_message(_('Added to work order %(number)s. Thank you.'), number=unbroken(order.number)), 'success')
    return redirect(url_for('scan.tag', token=tag.token))


@bp.route('/t/<token>/receipt/<submission_id>')
@requires(PUBLIC)
def receipt(token, submission_id):
    """An anonymous reporter's receipt: the work order's number and a link to follow it."""
    found = find_tag(token)
    sid = parse_submission_id(submission_id)
    record = Record.get_or_none((Record.uuid == sid) & (Record.tag == found)) if found and sid else None
    if record is None:
        abort(404)
    joined = (record.answers or {}).get('joined')
    order = WorkOrder.get_or_none(WorkOrder.id == joined) if joined else record.work_orders.first()
    if order is None:
        abort(404)
    return render_template('scan/receipt.html', order=order, target=describe(found), record=record,
                           status_labels=ORDER_STATUS_LABELS, follow_url=follow_link_for(order, record),
                           full_url=follow_link_for(order, record, external=True))
