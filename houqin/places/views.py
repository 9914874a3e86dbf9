"""Setting up the place tree (building › floor › room) and the assets in each place."""
import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import IntegrityError, fn
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from houqin.audit import log_change, snapshot
from houqin.db import write_transaction
from houqin.models import CustodyList, Item, Place, Record, Tag, User, WorkOrder
from houqin.permissions import can, requires
from houqin.places.tree import active_tag, descendant_ids, place_choices, place_paths
from houqin.scores.classes import head_teacher_choices
from houqin.tags import new_token
from houqin.vocab import ITEM_KIND_LABELS, ITEM_STATUS_LABELS, PLACE_KIND_LABELS, select_choices
from houqin.web import Page, bounded_int, campus_or_404, int_or_none, page_number

bp = Blueprint('places', __name__, url_prefix='/admin')

def account_choice(value):
    """A select box's account id: 0 for none, -1 for anything that is no id (refused by the form's own check)."""
    if value is None or value == '':
        return 0
    if isinstance(value, User):
        return value.id
    number = int_or_none(value, 0)
    return -1 if number is None else number


class PlaceForm(FlaskForm):
    name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter a name.')), Length(max=100)])
    kind = SelectField(_l('Kind'), choices=select_choices(PLACE_KIND_LABELS))
    parent = SelectField(_l('Inside'), coerce=int)
    code = StringField(_l('Code'), validators=[Optional(), Length(max=30)],
                       description=_l('Optional short code, e.g. room number 301; unique on this campus.'))
    note = TextAreaField(_l('Note'), validators=[Optional(), Length(max=2000)])
    keeper = SelectField(_l('Keeper (负责人)'), coerce=account_choice, validate_choice=False,
                         description=_l('For an office (总务处, 教务处 …): who signs its custody list each term for '
                                        'what is in it and the places inside.'))

    def __init__(self, *args, place=None, **kwargs):
        super().__init__(*args, **kwargs)
        excluded = descendant_ids(place) if place else set()
        self.parent.choices = select_choices([(0, _('(top level)'))] + [
            (pid, path) for pid, path in place_choices(g.campus) if pid not in excluded])
        self.keeper.choices = select_choices([(0, _('(none)'))] + head_teacher_choices(g.campus))
        self.place = place

    def validate_keeper(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('Please choose someone on this campus.'))
        if field.data and self.place and self.place.school_class_id:
            raise ValidationError(_('This is a class’s place: its head teacher signs for what is in it.'))

    def validate_parent(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('A place cannot be inside itself or one of its own rooms.'))

    def validate_code(self, field):
        code = (field.data or '').strip()
        if code:
            clash = Place.select().where((Place.campus == g.campus) & (Place.code == code))
            if self.place:
                clash = clash.where(Place.id != self.place.id)
            if clash.exists():
                raise ValidationError(_('Another place already has the code %(code)s.', code=code))


def apply_place_form(form, place):
    """Copy the form's values onto a place."""
    place.name = form.name.data.strip()
    place.kind = form.kind.data
    place.parent = form.parent.data or None
    place.code = (form.code.data or '').strip() or None
    place.note = form.note.data or ''
    place.keeper = form.keeper.data or None


@bp.route('/places')
@requires('admin.view')
def places():
    """The place tree: one level at a time, or search results across the campus."""
    q = request.args.get('q', '').strip()
    parent = campus_or_404(Place, request.args.get('parent', type=bounded_int)) if request.args.get('parent') else None
    Outer = Place.alias('outer')
    query = Outer.select(
        Outer,
        Place.select(fn.COUNT(Place.id)).where(Place.parent == Outer.id).alias('child_count'),
        Item.select(fn.COUNT(Item.id)).where((Item.place == Outer.id) & (Item.status != 'scrapped')).alias('item_count'),
    ).where(Outer.campus == g.campus)
    if q:
        query = query.where(Outer.name.contains(q) | Outer.code.contains(q))
    else:
        query = query.where(Outer.parent.is_null() if parent is None else Outer.parent == parent)
    page = Page(query.order_by(Outer.position, Outer.name), page_number())
    paths = place_paths(g.campus, [p.id for p in page.rows]) if q else {}
    return render_template('places/places.html', page=page, parent=parent, q=q, paths=paths,
                           crumbs=(parent.ancestors() + [parent]) if parent else [])


@bp.route('/places/new', methods=['GET', 'POST'])
@requires('admin.places')
def place_new():
    """Add a place (optionally inside another); it gets a label token at once."""
    form = PlaceForm()
    if request.method == 'GET' and request.args.get('parent', type=bounded_int):
        form.parent.data = request.args.get('parent', type=bounded_int)
        parent = campus_or_404(Place, form.parent.data)
        form.kind.data = {'building': 'floor', 'floor': 'classroom'}.get(parent.kind, 'other')
    if form.validate_on_submit():
        place = Place(campus=g.campus)
        apply_place_form(form, place)
        with write_transaction():
            place.save()
            Tag.create(token=new_token(), campus=g.campus, place=place)
            log_change('create', place, summary=place.name)
        flash(_('Added %(name)s.', name=place.name), 'success')
        return redirect(url_for('places.places', parent=place.parent_id) if place.parent_id
                        else url_for('places.places'))
    return render_template('places/place_form.html', form=form, place=None)


@bp.route('/places/<int:place_id>', methods=['GET', 'POST'])
@requires('admin.view')
def place_edit(place_id):
    """One place: its details (editable for those allowed), rooms and assets."""
    place = campus_or_404(Place, place_id)
    form = PlaceForm(obj=place, place=place)
    if request.method == 'GET':
        form.parent.data = place.parent_id or 0
        form.keeper.data = place.keeper_id or 0
    if request.method == 'POST':
        if not can('admin.places'):
            abort(403)
        if form.validate_on_submit():
            before = snapshot(place)
            apply_place_form(form, place)
            with write_transaction():
                place.save()
                log_change('update', place, before=before, summary=place.name)
            flash(_('Saved.'), 'success')
            return redirect(url_for('places.place_edit', place_id=place.id))
    kinds = list(Item.select(Item.kind, fn.COUNT(Item.id).alias('n'))
                 .where((Item.place == place) & (Item.status != 'scrapped')).group_by(Item.kind).order_by(Item.kind)
                 .tuples())
    return render_template('places/place_form.html', form=form, place=place, kinds=kinds,
                           item_total=sum(n for _kind, n in kinds), crumbs=place.ancestors(),
                           tag=active_tag(place=place))


@bp.route('/places/<int:place_id>/delete', methods=['POST'])
@requires('admin.places')
def place_delete(place_id):
    """Delete an empty place (no rooms, no assets inside)."""
    place = campus_or_404(Place, place_id)
    if Place.select().where(Place.parent == place).exists() or Item.select().where(Item.place == place).exists():
        flash(_('%(name)s still contains places or assets; move or delete them first.', name=place.name), 'error')
        return redirect(url_for('places.place_edit', place_id=place.id))
    if CustodyList.select().where(CustodyList.office == place).exists():
        flash(_('%(name)s has custody lists (责任书) signed for it or waiting; they keep it.', name=place.name),
              'error')
        return redirect(url_for('places.place_edit', place_id=place.id))
    before, parent_id = snapshot(place), place.parent_id
    with write_transaction():
        log_change('delete', place, before=before, summary=place.name)
        place.delete_instance()
    flash(_('Deleted %(name)s.', name=place.name), 'success')
    return redirect(url_for('places.places', parent=parent_id) if parent_id else url_for('places.places'))


class ItemForm(FlaskForm):
    name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter a name.')), Length(max=100)])
    kind = SelectField(_l('Kind'), choices=select_choices(ITEM_KIND_LABELS))
    place = SelectField(_l('Place'), coerce=int)
    asset_number = StringField(_l('Asset number'), validators=[Optional(), Length(max=50)])
    custodian = StringField(_l('Custodian'), validators=[Optional(), Length(max=50)])
    status = SelectField(_l('Status'), choices=select_choices(ITEM_STATUS_LABELS))
    purchased_on = DateField(_l('Purchased on'), validators=[Optional()],
                             render_kw={'type': 'date'})
    expires_on = DateField(_l('Expires on'), validators=[Optional()], render_kw={'type': 'date'},
                           description=_l('For fire extinguishers and anything else with an expiry date.'))

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = select_choices(place_choices(g.campus))
        self.item = item
        # Scrapping takes its three sign-offs (houqin/assets/scrapping.py): the form neither scraps nor un-scraps.
        scrapped = item is not None and item.status == 'scrapped'
        self.status.choices = select_choices({key: label for key, label in ITEM_STATUS_LABELS.items()
                                              if (key == 'scrapped') == scrapped})

    def validate_place(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('Please choose a place.'))

    def validate_asset_number(self, field):
        number = (field.data or '').strip()
        if number:
            clash = Item.select().where((Item.campus == g.campus) & (Item.asset_number == number))
            if self.item:
                clash = clash.where(Item.id != self.item.id)
            if clash.exists():
                raise ValidationError(_('Another asset already has the number %(number)s.', number=number))

    def validate_expires_on(self, field):
        if field.data and self.purchased_on.data and field.data < self.purchased_on.data:
            raise ValidationError(_('The expiry date is before the purchase date.'))


def apply_item_form(form, item):
    """Copy the form's values onto an item."""
    item.name = form.name.data.strip()
    item.kind = form.kind.data
    item.place = form.place.data
    item.asset_number = (form.asset_number.data or '').strip() or None
    item.custodian = (form.custodian.data or '').strip()
    item.status = form.status.data
    item.purchased_on = form.purchased_on.data
    item.expires_on = form.expires_on.data


@bp.route('/items')
@requires('admin.view')
def items():
    """Assets: search by name, number or custodian; filter by kind, status, place."""
    q = request.args.get('q', '').strip()
    kind = request.args.get('kind', '')
    statuses = [s for s in request.args.getlist('status') if s in ITEM_STATUS_LABELS]
    expiry = request.args.get('expiry', '')
    place = campus_or_404(Place, request.args.get('place', type=bounded_int)) if request.args.get('place') else None
    query = Item.select().where(Item.campus == g.campus)
    if q:
        query = query.where(Item.name.contains(q) | Item.asset_number.contains(q) | Item.custodian.contains(q))
    if kind in ITEM_KIND_LABELS:
        query = query.where(Item.kind == kind)
    if statuses:
        query = query.where(Item.status.in_(statuses))
    else:  # scrapped assets have left the register: the status filter shows them
        query = query.where(Item.status != 'scrapped')
    today = g.campus.today()
    if expiry == 'expired':
        query = query.where(Item.expires_on < today)
    elif expiry == 'soon':
        query = query.where(Item.expires_on.between(today, today + datetime.timedelta(days=30)))
    if place:
        query = query.where(Item.place.in_(list(descendant_ids(place))))
    page = Page(query.order_by(Item.place, Item.kind, Item.name, Item.id), page_number())
    paths = place_paths(g.campus, {i.place_id for i in page.rows})
    return render_template('places/items.html', page=page, q=q, kind=kind, statuses=statuses, place=place,
                           expiry=expiry, paths=paths, today=today)


@bp.route('/items/new', methods=['GET', 'POST'])
@requires('admin.places')
def item_new():
    """Add an asset to a place; it gets a label token at once."""
    form = ItemForm()
    if request.method == 'GET' and request.args.get('place', type=bounded_int):
        form.place.data = campus_or_404(Place, request.args.get('place', type=bounded_int)).id
    if form.validate_on_submit():
        item = Item(campus=g.campus)
        apply_item_form(form, item)
        try:
            with write_transaction():
                item.save()
                Tag.create(token=new_token(), campus=g.campus, item=item)
                log_change('create', item, summary=item.name)
        except IntegrityError:  # a parallel save took the asset number between check and insert
            form.asset_number.errors.append(_('Another asset already has this number.'))
        else:
            flash(_('Added %(name)s.', name=item.name), 'success')
            return redirect(url_for('places.place_edit', place_id=item.place_id))
    return render_template('places/item_form.html', form=form, item=None)


@bp.route('/items/<int:item_id>', methods=['GET', 'POST'])
@requires('admin.view')
def item_edit(item_id):
    """One asset: its details, editable for those allowed."""
    item = campus_or_404(Item, item_id)
    form = ItemForm(obj=item, item=item)
    if request.method == 'GET':
        form.place.data = item.place_id
    if request.method == 'POST':
        if not can('admin.places'):
            abort(403)
        if form.validate_on_submit():
            before = snapshot(item)
            apply_item_form(form, item)
            with write_transaction():
                item.save()
                log_change('update', item, before=before, summary=item.name)
            flash(_('Saved.'), 'success')
            return redirect(url_for('places.item_edit', item_id=item.id))
    return render_template('places/item_form.html', form=form, item=item,
                           path=place_paths(g.campus, [item.place_id])[item.place_id], tag=active_tag(item=item))


@bp.route('/items/<int:item_id>/delete', methods=['POST'])
@requires('admin.places')
def item_delete(item_id):
    """Delete an asset entered by mistake (scrapping is a status, not a deletion)."""
    item = campus_or_404(Item, item_id)
    if Record.select().where(Record.item == item).exists() or WorkOrder.select().where(WorkOrder.item == item).exists():
        flash(_('%(name)s has records or repairs; ask for it to be scrapped (报废) instead of deleting it.',
                name=item.name), 'error')
        return redirect(url_for('places.item_edit', item_id=item.id))
    before, place_id = snapshot(item), item.place_id
    with write_transaction():
        log_change('delete', item, before=before, summary=item.name)
        item.delete_instance(recursive=False)
    flash(_('Deleted %(name)s.', name=item.name), 'success')
    return redirect(url_for('places.place_edit', place_id=place_id))

