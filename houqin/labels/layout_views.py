"""The label layouts: the built-in ones listed, and an admin's own added, edited and deleted (in millimetres)."""
import math

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.labels import render
from houqin.labels.compose import LabelContent
from houqin.labels.facts import label_metrics, layout_title, number_text
from houqin.labels.layouts import (BUILTIN_LAYOUTS, Layout, MIN_MODULE_MM, campus_layouts, layout_from_row,
                                   layout_problems, module_mm)
from houqin.labels.selection import compose_labels
from houqin.models import LabelLayout
from houqin.permissions import requires
from houqin.tags import qr_size
from houqin.web import campus_or_404, int_or_none

bp = Blueprint('labels_layouts', __name__, url_prefix='/admin/labels')


def millimetres(form, field):
    """A validator: a number of millimetres (a comma works as the decimal point)."""
    text = (field.data or '').strip().replace(',', '.').removesuffix('mm').strip()
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(_('“%(value)s” is not a number of millimetres.', value=field.data))
    if not math.isfinite(value) or value < 0 or value > 1000:
        raise ValidationError(_('Please enter a size from 0 to 1000 mm.'))


def whole_number(form, field):
    """A validator: a whole number from 1 to 30."""
    text = (field.data or '').strip()
    if int_or_none(text, 1, 30) is None:
        raise ValidationError(_('Please enter a whole number from 1 to 30.'))


def mm_field(label, default):
    return StringField(label, default=default, validators=[DataRequired(_l('Please enter a size in mm.')),
                                                           millimetres], render_kw={'inputmode': 'decimal'})


class LayoutForm(FlaskForm):
    name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter a name.')), Length(max=60)],
                       description=_l('e.g. the label paper\'s product number'))
    page_width = mm_field(_l('Page width (mm)'), '210')
    page_height = mm_field(_l('Page height (mm)'), '297')
    columns = StringField(_l('Columns'), default='3', validators=[whole_number], render_kw={'inputmode': 'numeric'})
    rows = StringField(_l('Rows'), default='8', validators=[whole_number], render_kw={'inputmode': 'numeric'})
    label_width = mm_field(_l('Label width (mm)'), '70')
    label_height = mm_field(_l('Label height (mm)'), '37')
    margin_left = mm_field(_l('Left margin (mm)'), '0')
    margin_top = mm_field(_l('Top margin (mm)'), '0.5')
    gap_x = mm_field(_l('Gap between columns (mm)'), '0')
    gap_y = mm_field(_l('Gap between rows (mm)'), '0')
    padding = mm_field(_l('Padding inside a label (mm)'), '2')

    NUMBERS = ('page_width', 'page_height', 'label_width', 'label_height', 'margin_left', 'margin_top', 'gap_x',
               'gap_y', 'padding')

    def values(self):
        """The numbers typed, as floats and ints."""
        values = {n: float(getattr(self, n).data.strip().replace(',', '.').removesuffix('mm')) for n in self.NUMBERS}
        values.update(columns=int(self.columns.data), rows=int(self.rows.data))
        return values

    def fill(self, layout):
        """Put a layout's numbers into the form."""
        self.name.data = layout.name if not layout.builtin else ''
        for n in self.NUMBERS + ('columns', 'rows'):
            getattr(self, n).data = number_text(getattr(layout, n)) if n in self.NUMBERS else str(getattr(layout, n))


def sample_page(layout):
    """One page of the layout filled with sample labels, as SVG, to see the layout before saving it."""
    metrics, _problem = label_metrics()
    contents = [LabelContent('7K3M9Q2XAB', _('Sample name'), _('Building › Floor'), g.campus.name)] * min(
        layout.per_page, 40)
    drawings = compose_labels(layout, contents, current_app.config['BASE_URL'], metrics)
    return Markup(render.svg_page(layout, next(render.pages(layout, drawings))))


def layout_form_page(form, row=None, preview_layout=None, problems=()):
    """The layout editor with its problems and, when it can print, a sample page."""
    preview = sample_page(preview_layout) if preview_layout is not None and not problems else None
    modules = qr_size(current_app.config['BASE_URL'])[1]
    module = module_mm(preview_layout, modules) if preview_layout is not None else None
    return render_template('labels/layout_form.html', form=form, row=row, problems=problems, preview=preview,
                           module=module, min_module=MIN_MODULE_MM,
                           builtins=[(k, layout_title(v)) for k, v in BUILTIN_LAYOUTS.items()])


def save_layout(form, row):
    """Validate a layout form's numbers as a layout; save when it can print. Returns (layout, problems)."""
    values = form.values()
    candidate = Layout('custom-new', form.name.data.strip(), builtin=False, **values)
    problems = layout_problems(candidate, qr_size(current_app.config['BASE_URL'])[1])
    if problems or request.form.get('action') == 'preview':
        return candidate, problems, False
    before = snapshot(row) if row.id else None
    row.name = form.name.data.strip()
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    with write_transaction():
        row.save()
        log_change('update' if before else 'create', row, before=before, summary=row.name)
    return layout_from_row(row), [], True


@bp.route('/layouts')
@requires('labels.print')
def layouts():
    """The layouts: built in (A4 sheets, thermal labels) and this campus's own, with how big a QR module prints."""
    modules = qr_size(current_app.config['BASE_URL'])[1]
    rows = []
    for layout in campus_layouts(g.campus).values():
        rows.append({'layout': layout, 'title': layout_title(layout), 'module': module_mm(layout, modules),
                     'problems': layout_problems(layout, modules)})
    return render_template('labels/layouts.html', rows=rows, min_module=MIN_MODULE_MM)


@bp.route('/layouts/new', methods=['GET', 'POST'])
@requires('labels.layouts')
def layout_new():
    """Add a layout (page, margins, grid, gaps, label size in mm); refused with the reason if it cannot print."""
    form = LayoutForm()
    if request.method == 'GET':
        start = BUILTIN_LAYOUTS.get(request.args.get('from', ''))
        if start:
            form.fill(start)
        return layout_form_page(form)
    if not form.validate_on_submit():
        return layout_form_page(form), 400
    layout, problems, saved = save_layout(form, LabelLayout(campus=g.campus))
    if saved:
        flash(_('Layout %(name)s saved.', name=layout.name), 'success')
        return redirect(url_for('labels_layouts.layouts'))
    return layout_form_page(form, preview_layout=layout, problems=problems), 400 if problems else 200


@bp.route('/layouts/<int:layout_id>', methods=['GET', 'POST'])
@requires('labels.layouts')
def layout_edit(layout_id):
    """Change an added layout; the same checks as when adding it."""
    row = campus_or_404(LabelLayout, layout_id)
    form = LayoutForm()
    if request.method == 'GET':
        layout = layout_from_row(row)
        form.fill(layout)
        form.name.data = row.name
        return layout_form_page(form, row, layout)
    if not form.validate_on_submit():
        return layout_form_page(form, row), 400
    layout, problems, saved = save_layout(form, row)
    if saved:
        flash(_('Layout %(name)s saved.', name=layout.name), 'success')
        return redirect(url_for('labels_layouts.layout_edit', layout_id=row.id))
    return layout_form_page(form, row, layout, problems), 400 if problems else 200


@bp.route('/layouts/<int:layout_id>/delete', methods=['POST'])
@requires('labels.layouts')
def layout_delete(layout_id):
    """Delete an added layout (the built-in ones stay)."""
    row = campus_or_404(LabelLayout, layout_id)
    with write_transaction():
        log_change('delete', row, before=snapshot(row), summary=row.name)
        row.delete_instance()
    flash(_('Layout %(name)s deleted.', name=row.name), 'success')
    return redirect(url_for('labels_layouts.layouts'))
