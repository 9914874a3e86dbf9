"""The logistics head's repair pages: the board with filters and bulk assign, the ledger and counts, settings."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from peewee import JOIN

from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import Membership, Place, RepairCategory, RepairSettings, User, WorkOrder
from houqin.permissions import requires
from houqin.places.tree import descendant_ids, place_paths
from houqin.repairs import stats, workflow
from houqin.repairs.workflow import OPEN_STATUSES, TransitionRefused, WAITING_STATUSES, apply_action
from houqin.vocab import CATEGORY_LABELS, ORDER_STATUS_LABELS, PRIORITY_LABELS
from houqin.web import Page, bounded_date, bounded_int, int_or_none, page_number, safe_next

bp = Blueprint('repairs_board', __name__, url_prefix='/repairs')

STATUS_FILTERS = ('open', 'waiting', 'all') + tuple(ORDER_STATUS_LABELS)


def board_query(args, now):
    """Orders of the campus matching the board's filters: status, category, building, assignee, overdue."""
    query = (WorkOrder.select(WorkOrder, User).join(User, JOIN.LEFT_OUTER, on=(WorkOrder.assignee == User.id))
             .where(WorkOrder.campus == g.campus))
    status = args.get('status', 'open')
    if status == 'open':
        query = query.where(WorkOrder.status.in_(OPEN_STATUSES))
    elif status == 'waiting':
        query = query.where(WorkOrder.status.in_(WAITING_STATUSES))
    elif status in ORDER_STATUS_LABELS:
        query = query.where(WorkOrder.status == status)
    if args.get('category') in CATEGORY_LABELS:
        query = query.where(WorkOrder.category == args['category'])
    building = Place.get_or_none((Place.id == args.get('building', type=bounded_int)) & (Place.campus == g.campus))
    if building is not None:
        query = query.where(WorkOrder.place.in_(list(descendant_ids(building))))
    assignee = args.get('assignee', '')
    if assignee == 'none':
        query = query.where(WorkOrder.assignee.is_null())
    elif int_or_none(assignee) is not None:
        query = query.where(WorkOrder.assignee == int_or_none(assignee))
    if args.get('overdue'):
        query = query.where(WorkOrder.status.in_(WAITING_STATUSES) & (WorkOrder.due_at < now))
    return query.order_by(WorkOrder.hazard.desc(), WorkOrder.due_at.is_null(), WorkOrder.due_at, WorkOrder.id)


def board_page(error=None, selected=(), status=200):
    """Render the board for the current filters (request.args)."""
    now = utcnow()
    page = Page(board_query(request.args, now), page_number())
    paths = place_paths(g.campus, {o.place_id for o in page.rows if o.place_id})
    buildings = list(Place.select().where((Place.campus == g.campus) & Place.parent.is_null())
                     .order_by(Place.position, Place.name))
    overdue = WorkOrder.select().where((WorkOrder.campus == g.campus) & WorkOrder.status.in_(WAITING_STATUSES)
                                       & (WorkOrder.due_at < now)).count()
    return render_template('repairs/board.html', page=page, paths=paths, now=now, buildings=buildings,
                           workers=workflow.repair_workers(g.campus), assignees=assignee_choices(),
                           args=request.args, overdue_count=overdue, error=error, selected=set(selected),
                           form=FlaskForm(), status_filters=STATUS_FILTERS), status


def assignee_choices():
    """People who have been assigned orders on this campus or can be: repair workers first."""
    workers = workflow.repair_workers(g.campus)
    others = list(User.select().join(WorkOrder, on=(WorkOrder.assignee == User.id))
                  .where((WorkOrder.campus == g.campus) & User.id.not_in([w.id for w in workers] or [0])).distinct())
    return workers + others


@bp.route('/board')
@requires('repairs.view')
def board():
    """The manager's board: every order with filters; overdue marked; bulk assign for those who steer."""
    return board_page()


@bp.route('/board/assign', methods=['POST'])
@requires('repairs.manage')
def bulk_assign():
    """Assign the ticked orders to one person, all or none."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return board_page(error=_('This form had expired. Please try again.'), status=400)
    ids = [n for n in map(int_or_none, request.form.getlist('order')) if n is not None]
    assignee = request.form.get('assignee', type=bounded_int)
    if not ids:
        return board_page(error=_('Tick the orders to assign first.'), status=400)
    orders = list(WorkOrder.select().where((WorkOrder.campus == g.campus) & WorkOrder.id.in_(ids)))
    try:
        with write_transaction():
            for order in orders:
                try:
                    apply_action(order, 'assign', user=g_user(), role=g.role, assignee=assignee)
                except TransitionRefused as exc:
                    raise TransitionRefused(f'{order.number}: {exc}')
    except TransitionRefused as exc:
        return board_page(error=_('Nothing was assigned. %(reason)s', reason=str(exc)), selected=ids, status=400)
    flash(_('%(n)d orders assigned.', n=len(orders)), 'success')
    back = safe_next(request.form.get('back'))
    return redirect(back if back and back.startswith('/repairs/board') else url_for('repairs_board.board'))


def g_user():
    """The signed-in user as a model instance."""
    from flask_login import current_user
    return current_user._get_current_object()


# The ledger and the term's counts ------------------------------------------------------------------------

def ledger_range():
    """(start, end, error) from ?from=&to= (campus dates), defaulting to the current term."""
    start, end = stats.current_term(g.campus.today())
    error = None
    try:
        if request.args.get('from'):
            start = bounded_date(request.args['from'])
        if request.args.get('to'):
            end = bounded_date(request.args['to'])
    except ValueError:
        error = _('Dates look like 2026-02-01.')
        start, end = stats.current_term(g.campus.today())
    if end < start:
        error = _('The end date is before the start date.')
        start, end = stats.current_term(g.campus.today())
    return start, end, error


@bp.route('/ledger')
@requires('repairs.view')
def ledger():
    """维修登记台账: the term's counts (by category, parts, time to close, overdue share) and compensation."""
    start, end, error = ledger_range()
    orders = stats.orders_between(g.campus, start, end)
    counts = stats.term_counts(orders)
    paths = place_paths(g.campus, {o.place_id for o in orders if o.place_id})
    return render_template('repairs/ledger.html', start=start, end=end, error=error, counts=counts, orders=orders,
                           paths=paths, now=utcnow()), 400 if error else 200


@bp.route('/ledger.csv')
@requires('repairs.view')
def ledger_csv():
    """The old address of the repairs spreadsheet: the same period from the one ledger export (台账)."""
    start, end, _error = ledger_range()
    return redirect(url_for('ledgers.download', kind='repairs', format='csv', period='custom',
                            **{'from': start.isoformat(), 'to': end.isoformat()}))


# Settings: who gets each category, due hours -------------------------------------------------------------

class SettingsForm(FlaskForm):
    """CSRF for the settings form; the fields are read from the request."""


@bp.route('/settings', methods=['GET', 'POST'])
@requires('repairs.configure')
def settings():
    """Each category's default assignee, and hours until due by priority."""
    workers = assignable_people()
    hours = workflow.due_hours(g.campus)
    assigned = {c.key: c.assignee_id for c in RepairCategory.select().where(RepairCategory.campus == g.campus)}
    form, errors = SettingsForm(), {}
    if form.validate_on_submit():
        new_hours, new_assigned = {}, {}
        for priority in PRIORITY_LABELS:
            text = request.form.get(f'hours_{priority}', '').strip()
            if int_or_none(text, 1, 24 * 60) is None:
                errors[priority] = _('Hours must be a whole number from 1 to 1440; “%(text)s” is not.', text=text)
            else:
                new_hours[priority] = int_or_none(text, 1, 24 * 60)
        valid_people = {w.id for w in workers}
        for key in CATEGORY_LABELS:
            value = request.form.get(f'assignee_{key}', '')
            if value and int_or_none(value) not in valid_people:
                errors[key] = _('Please choose someone from the list.')
            new_assigned[key] = int_or_none(value)
        if not errors:
            save_settings(new_hours, new_assigned)
            flash(_('Saved.'), 'success')
            return redirect(url_for('repairs_board.settings'))
        hours = {p: request.form.get(f'hours_{p}', '') for p in PRIORITY_LABELS}
        assigned = {k: request.form.get(f'assignee_{k}', type=bounded_int) for k in CATEGORY_LABELS}
    return render_template('repairs/settings.html', form=form, workers=workers, hours=hours, assigned=assigned,
                           errors=errors), 400 if errors else 200


def assignable_people():
    """Active repair workers and managers of the campus: who a category's new orders may go to."""
    return list(User.select(User, Membership.role.alias('role')).join(Membership).where(
        (Membership.campus == g.campus) & Membership.role.in_(['repair', 'manager', 'admin']) & User.active)
        .order_by(Membership.role.desc(), User.display_name, User.username).objects())


def save_settings(hours, assigned):
    """Write due hours and default assignees, with audit entries, in one transaction."""
    now = utcnow()
    with write_transaction():
        row = RepairSettings.get_or_none(RepairSettings.campus == g.campus) or RepairSettings(campus=g.campus)
        before = snapshot(row) if row.id else None
        for priority, value in hours.items():
            setattr(row, f'{priority}_hours', value)
        row.updated_at = now
        row.save()
        log_change('update' if before else 'create', row, before=before, summary=_('Repair due hours'))
        for key, user_id in assigned.items():
            category = (RepairCategory.get_or_none((RepairCategory.campus == g.campus) & (RepairCategory.key == key))
                        or RepairCategory(campus=g.campus, key=key))
            if category.assignee_id == user_id:
                continue  # unchanged, or still nobody
            before = snapshot(category) if category.id else None
            category.assignee, category.updated_at = user_id, now
            category.save()
            log_change('update' if before else 'create', category, before=before,
                       summary=str(CATEGORY_LABELS[key]))

