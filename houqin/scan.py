"""/t/<token>: what a scanned label is. Replaced and unassigned labels say so; a typed code finds its label.

The full scan page (actions by role) grows here later; this part resolves tokens in any spelling
(/t/ or /T/, any case, hyphens and spaces ignored, I/L read as 1 and O as 0).
"""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from .auth import PUBLIC, can, requires
from .labels.lifecycle import LabelChangeRefused, attach, current_tag
from .models import Campus, Item, Place, Tag
from .places import place_choices
from .tags import human_code, normalise_token
from .vocab import ITEM_KIND_LABELS, PLACE_KIND_LABELS

bp = Blueprint('scan', __name__)


def find_tag(text):
    """The tag a URL segment or a typed code names, or None."""
    token = normalise_token(text)
    return Tag.get_or_none(Tag.token == token) if token else None


def describe(tag):
    """What a tag points at: {'kind': place|item, 'name', 'kind_label', 'location', 'object'} or None."""
    if tag.item_id:
        item = Item.get_or_none(Item.id == tag.item_id)
        if item:
            place = Place.get_by_id(item.place_id)
            return {'kind': 'item', 'object': item, 'name': item.name, 'number': item.asset_number or '',
                    'kind_label': ITEM_KIND_LABELS.get(item.kind, item.kind), 'location': place.path()}
    if tag.place_id:
        place = Place.get_or_none(Place.id == tag.place_id)
        if place:
            above = place.ancestors()
            return {'kind': 'place', 'object': place, 'name': place.name, 'number': place.code or '',
                    'kind_label': PLACE_KIND_LABELS.get(place.kind, place.kind),
                    'location': ' › '.join(p.name for p in above + [place])}
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


def tag_page(tag, form=None, status=200):
    """The label's page for this viewer."""
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
    """What this label is: the object, where it is, which campus; or that it was replaced or is not in use yet."""
    found = find_tag(token)
    if found is None:
        return render_template('scan/unknown.html', typed=token[:40]), 404
    return tag_page(found)


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
        return tag_page(found, form, 400)
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
