"""Repair pages for people on their phones: report, 我的报修, 我的工单, one order, the anonymous follow link."""
import datetime

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import JOIN

from houqin.clock import format_local, utcnow, zone_name
from houqin.db import write_transaction
from houqin.models import Item, Photo, Place, User, WorkOrder, WorkOrderEvent
from houqin.permissions import PUBLIC, can, requires
from houqin.photos import PhotoError, prepare_uploads
from houqin.places.tree import place_choices, place_paths
from houqin.repairs import links, workflow
from houqin.repairs.workflow import (ACTION_LABELS, ActionForbidden, BUTTON_LABELS, StatusConflict,
                                     TransitionRefused, WAITING_STATUSES, apply_action, is_overdue)
from houqin.vocab import CATEGORY_LABELS, ORDER_STATUS_LABELS, PRIORITY_LABELS
from houqin.web import bounded_int, markup_message, safe_next, unbroken

bp = Blueprint('repairs', __name__, url_prefix='/repairs')

MAX_PHOTOS = 4
LINK_NOTES_PER_HOUR = 10  # information added through one follow link, to keep a leaked link from flooding


def follow_path(order):
    """The secret path where an anonymous reporter follows an order (no log-in)."""
    return url_for('repairs.follow', secret=order.follow_secret)


def campus_order(order_id):
    """An order of the current campus the viewer may see, or 404."""
    order = WorkOrder.get_or_none((WorkOrder.id == order_id) & (WorkOrder.campus == g.campus))
    if order is None or not may_see(order):
        abort(404)
    return order


def may_see(order):
    """Staff who steer or do repairs see every order; others see what they reported or joined."""
    if can('repairs.view') or g.role == 'repair':
        return True
    if order.reporter_id == current_user.id:
        return True
    return WorkOrderEvent.select().where((WorkOrderEvent.order == order) & (WorkOrderEvent.actor == current_user.id)
                                         & (WorkOrderEvent.action == 'join')).exists()


def with_paths(orders):
    """The orders (their assets read with them) and {place id: path} for showing them in a list."""
    orders = with_items(orders)
    return orders, place_paths(g.campus, {o.place_id for o in orders if o.place_id})


def with_items(orders):
    """The orders with their assets read in one query, not one query per order the list shows."""
    return with_related(orders, 'item', Item)


def with_related(orders, field, model):
    """The orders with the `model` rows their foreign key `field` names, read in one query for the whole list."""
    orders = list(orders)
    wanted = {getattr(o, f'{field}_id') for o in orders if getattr(o, f'{field}_id')}
    rows = {r.id: r for r in model.select().where(model.id.in_(wanted))} if wanted else {}
    for order in orders:
        if getattr(order, f'{field}_id') in rows:
            setattr(order, field, rows[getattr(order, f'{field}_id')])
    return orders


def read_photos(field='photos'):
    """Prepared photos from the upload field, or PhotoError; at most MAX_PHOTOS."""
    return prepare_uploads(request.files.getlist(field), MAX_PHOTOS)


@bp.app_template_global()
def repair_history(item):
    """An item's orders, newest first, for the repair history on its page."""
    return list(WorkOrder.select(WorkOrder, User).join(User, JOIN.LEFT_OUTER, on=(WorkOrder.assignee == User.id))
                .where(WorkOrder.item == item).order_by(WorkOrder.created_at.desc()).limit(50))


def template_globals():
    """Names every template (and macros imported without context) may use for orders."""
    return {'repair_labels': {'status': ORDER_STATUS_LABELS, 'category': CATEGORY_LABELS, 'priority': PRIORITY_LABELS,
                              'action': ACTION_LABELS, 'button': BUTTON_LABELS},
            'is_overdue': is_overdue, 'utcnow': utcnow}


bp.record_once(lambda state: state.app.jinja_env.globals.update(template_globals()))


class ReportForm(FlaskForm):
    """CSRF for the report form; its fields are read and checked by the workflow."""


@bp.route('/new', methods=['GET', 'POST'])
@requires('repairs.report')
def report():
    """Report a problem somewhere on campus without scanning its label (the scan page is quicker)."""
    form = ReportForm()
    item = Item.get_or_none((Item.id == request.values.get('item', type=bounded_int)) & (Item.campus == g.campus))
    typed = request.form if request.method == 'POST' else {'place': request.args.get('place', '')}
    error = None
    if form.validate_on_submit():
        place = (Place.get_by_id(item.place_id) if item is not None else
                 Place.get_or_none((Place.id == request.form.get('place', type=bounded_int)) & (Place.campus == g.campus)))
        try:
            if place is None:
                raise TransitionRefused(_('Please choose where the problem is.'))
            photos = read_photos()
            order = workflow.report_problem(
                g.campus, place=place, item=item, title=request.form.get('title', ''),
                description=request.form.get('description', '')[:2000], category=request.form.get('category') or None,
                hazard=bool(request.form.get('hazard')), reporter=current_user._get_current_object(), photos=photos)
        except (TransitionRefused, PhotoError) as exc:
            error = str(exc)
        else:
            flash(markup_message(_('Reported as %(number)s. You can follow it here.'), number=unbroken(order.number)),
                  'success')
            return redirect(url_for('repairs.order', order_id=order.id))
    elif request.method == 'POST':
        error = _('This form had expired. Please go back, reload the page and submit again.')
    return render_template('repairs/report.html', form=form, places=[] if item else place_choices(g.campus),
                           item=item, item_path=place_paths(g.campus, [item.place_id])[item.place_id] if item else '',
                           typed=typed, error=error), 400 if error else 200


MY_OPEN_SHOWN = 50  # every open order, in practice: a person has a few at a time
MY_CLOSED_SHOWN = 10  # the newest closed ones under them; the older ones a page at a time
MY_OLDER_SHOWN = 20


# What 我的报修's rows and its live status read of an order: its other columns (the description, the follow secret,
# the costs, two more times to parse) were a fifth of the cost of reading a row.
LISTED = (WorkOrder.id, WorkOrder.campus, WorkOrder.year, WorkOrder.sequence, WorkOrder.place, WorkOrder.item,
          WorkOrder.status, WorkOrder.hazard, WorkOrder.title, WorkOrder.reporter, WorkOrder.assignee,
          WorkOrder.due_at, WorkOrder.created_at, WorkOrder.closed_at)


def newest_first(orders):
    """Orders newest first by (created_at, id): the order of 我的报修 and of its pages of older reports."""
    return sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)


def my_joined_orders():
    """The orders of this campus the signed-in user joined as "same problem" (found by their join events)."""
    joined_ids = [order_id for (order_id,) in WorkOrderEvent.select(WorkOrderEvent.order).where(
        (WorkOrderEvent.actor == current_user.id) & (WorkOrderEvent.action == 'join')).tuples()]
    if not joined_ids:
        return []
    return list(WorkOrder.select(*LISTED).where((WorkOrder.campus == g.campus) & WorkOrder.id.in_(joined_ids)))


def my_closed_reports(size, before=None):
    """Closed orders I reported, newest first from just before the order `before`: the first `size` exactly as
    (created_at, id) orders them, and one more when there are more.

    Read from the (reporter, created_at) index, which holds no id: the orders of the second `before` was
    reported in are read by equality, and so is the last second read when the limit may have cut it.
    """
    closed = WorkOrder.select(*LISTED).where((WorkOrder.campus == g.campus) & (WorkOrder.reporter == current_user.id)
                                             & WorkOrder.closed_at.is_null(False))
    same_second = []
    if before is not None:
        same_second = list(closed.where((WorkOrder.created_at == before.created_at) & (WorkOrder.id < before.id)))
        closed = closed.where(WorkOrder.created_at < before.created_at)
    older = list(closed.order_by(WorkOrder.created_at.desc()).limit(size + 1))
    if len(older) > size and older[size - 1].created_at == older[size].created_at:
        edge = older[size].created_at
        older = [o for o in older if o.created_at != edge] + list(closed.where(WorkOrder.created_at == edge))
    return same_second + older


def my_orders():
    """我的报修's orders, reported or joined as "same problem" by the signed-in user: (the open ones, the newest
    closed ones, whether older closed ones exist).

    Read without a sort of the history (tests/test_query_plans.py): the open ones from the partial
    (reporter, created_at, id) index, the closed ones from the plain one; the joined ones are put in place here.
    """
    joined = my_joined_orders()
    open_orders = list(WorkOrder.select(*LISTED).where(
        (WorkOrder.campus == g.campus) & (WorkOrder.reporter == current_user.id) & WorkOrder.closed_at.is_null())
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(MY_OPEN_SHOWN))
    open_orders = newest_first(unique(open_orders + [o for o in joined if o.closed_at is None]))[:MY_OPEN_SHOWN]
    closed = newest_first(unique(my_closed_reports(MY_CLOSED_SHOWN) + [o for o in joined if o.closed_at is not None]))
    return open_orders, closed[:MY_CLOSED_SHOWN], len(closed) > MY_CLOSED_SHOWN


def my_older_orders(before):
    """The page of closed orders I reported or joined that come after the order `before` on 我的报修 (its id the
    `before` of the link), and whether there are older ones still; 404 unless `before` is mine."""
    joined = my_joined_orders()
    cursor = WorkOrder.get_or_none((WorkOrder.id == before) & (WorkOrder.campus == g.campus))
    if cursor is None or (cursor.reporter_id != current_user.id and cursor.id not in {o.id for o in joined}):
        abort(404)
    position = (cursor.created_at, cursor.id)
    closed = newest_first(unique(my_closed_reports(MY_OLDER_SHOWN, cursor) + [
        o for o in joined if o.closed_at is not None and (o.created_at, o.id) < position]))
    return closed[:MY_OLDER_SHOWN], len(closed) > MY_OLDER_SHOWN


def unique(orders):
    """The orders without repeats (one I reported and also joined is listed once)."""
    return list({o.id: o for o in orders}.values())


@bp.route('/mine')
@requires('repairs.report')
def mine():
    """我的报修: what I reported or joined, every open order and the newest closed ones; with ?before=<order id>
    the closed ones older than that order, a page at a time."""
    before = request.args.get('before', type=bounded_int)  # not a number: the first page
    if before is None:
        open_orders, closed, more = my_orders()
    else:
        open_orders, (closed, more) = [], my_older_orders(before)
    orders, paths = with_paths(with_assignees(open_orders + closed))
    now = utcnow()
    return render_template('repairs/mine.html', orders=list_rows(orders, now), paths=paths, now=now,
                           older=before is not None,
                           older_url=url_for('repairs.mine', before=closed[-1].id) if more else None)


def with_assignees(orders):
    """The orders with their assignees read in one query, not one query per row that names its repairer."""
    return with_related(orders, 'assignee', User)


def list_rows(orders, now):
    """The orders with what 我的报修's rows show worked out once here (status, overdue, time, repairer, link):
    the template only places it, where its macros, filters and translations cost 0.2 ms a row."""
    statuses = {key: str(name) for key, name in ORDER_STATUS_LABELS.items()}
    repairer, zone = _('repairer: %(name)s'), zone_name(g.campus)
    for o in orders:
        o.status_name = statuses.get(o.status, o.status)
        o.overdue = is_overdue(o, now)
        o.reported_at = format_local(o.created_at, zone, '%m-%d %H:%M')
        o.repairer = (repairer % {'name': o.assignee.name}
                      if o.assignee_id and o.status not in ('closed', 'rejected', 'merged') else '')
        o.path = url_for('repairs.order', order_id=o.id)
    return orders


@bp.route('/mine.json')
@requires('repairs.report')
def mine_status():
    """The status of my orders on the first page of 我的报修, for the page to refresh itself."""
    open_orders, closed, _more = my_orders()
    return jsonify(live_status(open_orders + closed))


def live_status(orders):
    """{order id: {status, label, overdue}} for pages that update in place."""
    now = utcnow()
    return {str(o.id): {'status': o.status, 'label': str(ORDER_STATUS_LABELS.get(o.status, o.status)),
                        'overdue': is_overdue(o, now)} for o in orders}


@bp.route('/jobs')
@requires('repairs.work')
def jobs():
    """我的工单: my jobs nearest due first, jobs nobody has taken yet, and what I finished lately."""
    me = current_user.id
    base = WorkOrder.select().where(WorkOrder.campus == g.campus)
    # Open jobs and the untaken ones are today's backlog, not the history: read by (assignee, status) and
    # (status, due_at) and ordered here, so no query sorts the campus's orders (tests/test_query_plans.py).
    # My open jobs are asked for without the campus, which is checked here: given it, SQLite (without ANALYZE)
    # reads every order of the campus by its campus index instead.
    waiting = WorkOrder.select().where((WorkOrder.assignee == me) & WorkOrder.status.in_(WAITING_STATUSES))
    jobs_list = sorted((o for o in waiting if o.campus_id == g.campus.id),
                       key=lambda o: (o.due_at is None, o.due_at or datetime.datetime.min, o.id))
    untaken = sorted(base.where(WorkOrder.assignee.is_null() & (WorkOrder.status == 'reported')),
                     key=lambda o: (not o.hazard, o.due_at is None, o.due_at or datetime.datetime.min, o.id))[:50]
    # The week's end of my jobs by (assignee, updated_at) (migration 0025), campus checked here as above: a
    # week of one worker's jobs, however many years of closed ones lie behind it.
    since = utcnow() - datetime.timedelta(days=7)
    lately = (WorkOrder.select().where((WorkOrder.assignee == me) & (WorkOrder.updated_at > since)
                                       & WorkOrder.status.in_(['done', 'verified', 'closed']))
              .order_by(WorkOrder.updated_at.desc()))
    finished = [o for o in lately if o.campus_id == g.campus.id][:20]
    with_items(jobs_list + untaken + finished)
    paths = place_paths(g.campus, {o.place_id for o in jobs_list + untaken + finished if o.place_id})
    return render_template('repairs/jobs.html', jobs=jobs_list, untaken=untaken, finished=finished, paths=paths,
                           now=utcnow(), form=FlaskForm())


def order_page(order, error=None, kept=None, status=200):
    """The order page: facts, photos, history and the actions this viewer may take."""
    events = list(order.events.order_by(WorkOrderEvent.created_at, WorkOrderEvent.id))
    photos = {}
    for photo in Photo.select().where(Photo.event.in_([e.id for e in events])).order_by(Photo.id):
        photos.setdefault(photo.event_id, []).append(photo)
    actions = workflow.allowed_actions(order, current_user, g.role)
    place = Place.get_or_none(Place.id == order.place_id)
    item = Item.get_or_none(Item.id == order.item_id) if order.item_id else None
    merged_into = WorkOrder.get_or_none(WorkOrder.id == order.merged_into_id) if order.merged_into_id else None
    workers = workflow.repair_workers(g.campus) if 'assign' in actions else []
    return render_template('repairs/order.html', order=order, events=events, photos=photos, actions=actions,
                           place=place, path=place.path() if place else '', item=item, merged_into=merged_into,
                           workers=workers, error=error, kept=kept or {}, now=utcnow(), form=FlaskForm(),
                           follow_url=follow_path(order)), status


@bp.route('/<int:order_id>')
@requires('repairs.report')
def order(order_id):
    """One work order from report to close."""
    return order_page(campus_order(order_id))


def action_fields(form):
    """The action-specific inputs of an order form, as apply_action takes them."""
    return {
        'assignee': form.get('assignee', type=bounded_int), 'into': form.get('into', ''), 'cost': form.get('cost', ''),
        'parts': [(form.get(f'part_name_{i}', ''), form.get(f'part_qty_{i}', '')) for i in range(1, 4)],
        'category': form.get('category', ''), 'priority': form.get('priority', ''), 'hazard': form.get('hazard'),
        'liable_party': form.get('liable_party', ''), 'compensation': form.get('compensation', ''),
    }


def refusal_status(exc):
    """The HTTP status of a refused action: 403 not for this actor, 409 not in this status, 400 bad input."""
    if isinstance(exc, ActionForbidden):
        return 403
    if isinstance(exc, StatusConflict):
        return 409
    return 400


@bp.route('/<int:order_id>/act', methods=['POST'])
@requires('repairs.report')
def act(order_id):
    """Take one action on an order; the transition table decides, and a refusal changes nothing."""
    order = campus_order(order_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    action = request.form.get('action', '')
    try:
        apply_action(order, action, user=current_user._get_current_object(), role=g.role,
                     note=request.form.get('note', '')[:2000], photos=read_photos(), **action_fields(request.form))
    except (TransitionRefused, PhotoError) as exc:
        return order_page(order, error=str(exc), kept=request.form, status=refusal_status(exc))
    flash(markup_message(_('%(number)s: %(what)s.'), number=unbroken(order.number),
                         what=ACTION_LABELS.get(action, action)), 'success')
    return redirect(safe_next(request.form.get('next')) or url_for('repairs.order', order_id=order.id))


# The anonymous reporter's follow link -------------------------------------------------------------------

def followed_link(secret):
    """The follow link this secret opens (the order, whose link it is), or 404."""
    link = links.resolve(secret)
    if link is None:
        abort(404)
    return link


def follow_page(link, error=None, kept=None, status=200):
    """What a follow link shows: the order's public status, what its holder reported and added, and everyone
    else's steps only as steps (no names, notes or photos of others)."""
    order = link.order
    events = list(order.events.order_by(WorkOrderEvent.created_at, WorkOrderEvent.id))
    place = Place.get_or_none(Place.id == order.place_id)
    item = Item.get_or_none(Item.id == order.item_id) if order.item_id else None
    own = {e.id for e in events if link.owns(e)}
    photo_counts = {}
    for (event_id,) in Photo.select(Photo.event).where(Photo.event.in_(list(own))).tuples():
        photo_counts[event_id] = photo_counts.get(event_id, 0) + 1
    if link.record is not None:
        photo_counts['record'] = Photo.select().where(Photo.record == link.record.id).count()
    merged_into = WorkOrder.get_or_none(WorkOrder.id == order.merged_into_id) if order.merged_into_id else None
    return render_template('repairs/follow.html', order=order, link=link, events=events, own=own, place=place,
                           item=item, merged_into=merged_into,
                           path=place.path() if place else '', photo_counts=photo_counts, error=error,
                           kept=kept or {}, form=FlaskForm(), now=utcnow()), status


@bp.route('/follow/<secret>', methods=['GET', 'POST'])
@requires(PUBLIC)
def follow(secret):
    """An anonymous reporter follows the report and adds information, through their own secret link."""
    link = followed_link(secret)
    order = link.order
    if request.method == 'POST':
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            recent = order.events.where((WorkOrderEvent.action == 'comment') & WorkOrderEvent.actor.is_null()
                                        & (WorkOrderEvent.created_at > utcnow() - datetime.timedelta(hours=1))).count()
            if recent >= LINK_NOTES_PER_HOUR:
                raise TransitionRefused(_('Much was added here in the last hour; please try again later.'))
            photos = read_photos()[:1]
            with write_transaction():
                event = apply_action(order, 'comment', via_link=True, note=request.form.get('note', '')[:1000],
                                     name=request.form.get('name', '')[:50] or _('Reporter'), photos=photos)
                links.mark_as_holders(event, link)
        except (TransitionRefused, PhotoError) as exc:
            return follow_page(link, error=str(exc), kept=request.form, status=400)
        flash(_('Thank you, your information was added.'), 'success')
        return redirect(url_for('repairs.follow', secret=link.secret))
    return follow_page(link)


@bp.route('/follow/<secret>.json')
@requires(PUBLIC)
def follow_status(secret):
    """The followed order's status, for the page to refresh itself."""
    return jsonify(live_status([followed_link(secret).order]))
