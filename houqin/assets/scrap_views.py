"""Scrapping pages (报废): ask from an asset's page or label, the requests waiting for me, a request with its
sign-offs and photos, and naming the storekeepers."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from houqin.assets.scrapping import (MAX_PHOTOS, NOTE_LENGTH, REASON_LENGTH, STATUS_LABELS, STEP_ACTIONS,
                                     STEP_LABELS, STEPS, ScrapRefused, may_see, may_sign, pending_for_item,
                                     people_names, recent_requests, refuse_request, request_scrapping, requested_by,
                                     set_storekeepers, sign_off, storekeeper_ids, waiting_for)
from houqin.models import Item, Photo, ScrapRequest
from houqin.accounts.members import campus_staff
from houqin.permissions import can, requires
from houqin.photos import PhotoError, prepare_uploads
from houqin.places.tree import active_tag, place_paths
from houqin.scan.records import new_submission_id, parse_submission_id
from houqin.vocab import ITEM_KIND_LABELS, ROLE_LABELS
from houqin.web import campus_or_404, int_or_none

bp = Blueprint('scrapping', __name__, url_prefix='/scrapping')


def me():
    """The signed-in user as a model row."""
    return current_user._get_current_object()


@bp.app_template_global()
def scrap_link(item):
    """(text, url) for an asset's scrapping on its pages: its waiting request, or asking for one; None if neither
    applies to the viewer."""
    if item.status == 'scrapped' or g.get('campus') is None or item.campus_id != g.campus.id:
        return None
    pending = pending_for_item(item.id)
    if pending is not None:
        return _('Scrapping requested: %(status)s', status=STATUS_LABELS[pending.status]), \
            url_for('scrapping.detail', scrap_id=pending.id)
    if can('scrap.request'):
        return _('Ask to scrap this asset'), url_for('scrapping.new', item_id=item.id)
    return None


@bp.app_template_global()
def scrap_in_menu():
    """True when the menu offers 报废: to those who oversee the register and to the campus's storekeepers."""
    if g.get('campus') is None or not current_user.is_authenticated:
        return False
    if 'scrap_in_menu' not in g:
        g.scrap_in_menu = can('admin.view') or current_user.id in storekeeper_ids(g.campus.id)
    return g.scrap_in_menu


def label_links(campus, target, role, tag):
    """The scan page's hook (scan.actions.LABEL_LINKS): an asset's scrapping link for staff who may ask."""
    if not isinstance(target, Item) or not can('scrap.request', role):
        return []
    link = scrap_link(target)
    return [(link[0], link[1], False)] if link else []


@bp.route('/')
@requires('scrap.sign')
def index():
    """The requests waiting for my sign-off (per step), the ones I asked for, and (for those who oversee the
    register) the campus's latest."""
    user = me()
    waiting = waiting_for(g.campus.id, user, g.role)
    mine = requested_by(g.campus.id, user)
    latest = recent_requests(g.campus.id) if can('admin.view') else []
    shown = [r for reqs in waiting.values() for r in reqs] + mine + latest
    items = {i.id: i for i in Item.select().where(Item.id.in_([r.item_id for r in shown] or [0]))}
    return render_template('assets/scrap_index.html', waiting=waiting, mine=mine, latest=latest, items=items,
                           names=people_names({r.requested_by_id for r in shown}),
                           paths=place_paths(g.campus, {i.place_id for i in items.values()}),
                           step_labels=STEP_LABELS, status_labels=STATUS_LABELS,
                           storekeepers=bool(storekeeper_ids(g.campus.id)))


def read_photos():
    """Prepared photos from the form's upload field, or PhotoError; at most MAX_PHOTOS."""
    return prepare_uploads(request.files.getlist('photos'), MAX_PHOTOS)


@bp.route('/items/<int:item_id>/new', methods=['GET', 'POST'])
@requires('scrap.request')
def new(item_id):
    """Ask to scrap an asset: the reason and photos; it then waits for the office, the storekeeper, the leader."""
    item = campus_or_404(Item, item_id)
    pending = pending_for_item(item.id)
    if pending is not None:
        flash(_('A scrapping request for this asset is already waiting for its sign-offs.'), 'info')
        return redirect(url_for('scrapping.detail', scrap_id=pending.id))
    error, status = None, 200
    typed = {'reason': request.form.get('reason', '')[:REASON_LENGTH + 100]}
    sid = new_submission_id()
    if request.method == 'POST':
        sid = parse_submission_id(request.form.get('submission_id')) or sid
        try:
            if parse_submission_id(request.form.get('submission_id')) is None:
                raise ScrapRefused(_('This form is incomplete; please reload the page.'))
            req = request_scrapping(item, me(), request.form.get('reason', ''), submission_id=sid,
                                    photos=read_photos())
        except (ScrapRefused, PhotoError) as exc:
            error, status = str(exc), 400
        else:
            flash(_('Scrapping requested. It now waits for the logistics office.'), 'success')
            return redirect(url_for('scrapping.detail', scrap_id=req.id))
    tag = active_tag(item=item)
    return render_template('assets/scrap_new.html', item=item, tag=tag, error=error, typed=typed, sid=sid,
                           path=place_paths(g.campus, [item.place_id]).get(item.place_id, ''),
                           kind=ITEM_KIND_LABELS.get(item.kind, item.kind), max_photos=MAX_PHOTOS,
                           reason_length=REASON_LENGTH), status


def visible_request(scrap_id):
    """This campus's request, if the signed-in person may read it (404 otherwise)."""
    req = campus_or_404(ScrapRequest, scrap_id)
    if not may_see(req, me(), g.role, can('admin.view')):
        abort(404)
    return req


def detail_page(req, error=None, typed=None, status=200):
    """A request's page: the asset, reason and photos, each sign-off, and the form of the step I may sign."""
    item = Item.get_by_id(req.item_id)
    photos = list(Photo.select().where(Photo.id.in_(req.photos or [0]) & (Photo.campus == g.campus))
                  .order_by(Photo.id))
    names = people_names([req.requested_by_id, req.office_by_id, req.store_by_id, req.leader_by_id,
                          req.refused_by_id])
    steps = [(s, STEP_ACTIONS[s], getattr(req, f'{s}_by_id'), getattr(req, f'{s}_at'), getattr(req, f'{s}_note'))
             for s in STEPS]
    return render_template('assets/scrap_detail.html', req=req, item=item, photos=photos, names=names, steps=steps,
                           path=place_paths(g.campus, [req.place_id or item.place_id]).get(req.place_id or
                                                                                          item.place_id, ''),
                           kind=ITEM_KIND_LABELS.get(item.kind, item.kind), tag=active_tag(item=item),
                           mine_to_sign=may_sign(req, me(), g.role), step_labels=STEP_LABELS,
                           status_labels=STATUS_LABELS, error=error, typed=typed or {},
                           note_length=NOTE_LENGTH), status


@bp.route('/<int:scrap_id>')
@requires('scrap.sign')
def detail(scrap_id):
    """One request: its asset, reason, photos and sign-offs; the step I may sign, if any."""
    return detail_page(visible_request(scrap_id))


@bp.route('/<int:scrap_id>/sign', methods=['POST'])
@requires('scrap.sign')
def sign(scrap_id):
    """Confirm (or approve) or refuse the step the request waits for; the form names the step it was shown for."""
    req = visible_request(scrap_id)
    step = request.form.get('step', '')[:10]
    decision = request.form.get('decision', '')
    note = request.form.get('note', '')[:NOTE_LENGTH + 100]
    typed = {'note': note}
    try:
        if step not in STEPS or decision not in ('confirm', 'refuse'):
            raise ScrapRefused(_('This form is incomplete; please reload the page.'))
        if decision == 'refuse':
            refuse_request(req, step, me(), g.role, note)
            flash(_('Refused: the request ends here.'), 'success')
        else:
            done = sign_off(req, step, me(), g.role, note)
            flash(_('Approved: the asset is scrapped.') if done.status == 'approved' else
                  _('Signed: %(status)s.', status=STATUS_LABELS[done.status]), 'success')
    except ScrapRefused as exc:
        return detail_page(ScrapRequest.get_by_id(req.id), error=str(exc), typed=typed, status=409)
    return redirect(url_for('scrapping.detail', scrap_id=req.id))



@bp.route('/storekeepers', methods=['GET', 'POST'])
@requires('admin.campus')
def storekeepers():
    """Name the storekeeper account(s) (保管员) who confirm scrapping requests after the logistics office."""
    staff = campus_staff(g.campus)
    chosen = storekeeper_ids(g.campus.id)
    error = None
    if request.method == 'POST':
        wanted = {int_or_none(v) for v in request.form.getlist('users')}
        if None in wanted or not wanted <= {u.id for u, _r in staff}:
            error = _('Please choose accounts of this campus.')
            chosen = {w for w in wanted if w}
        else:
            set_storekeepers(g.campus, wanted)
            flash(_('Saved.'), 'success')
            return redirect(url_for('scrapping.storekeepers'))
    return render_template('assets/scrap_storekeepers.html', staff=staff, chosen=chosen, roles=ROLE_LABELS,
                           error=error), 400 if error else 200
