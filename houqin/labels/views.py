"""The labels admin: choose labels, preview and print them, download PDF/PNG, reprint, pre-print blank labels."""
import io

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from peewee import JOIN
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from houqin.clock import today
from houqin.labels import render
from houqin.labels.compose import page_count
from houqin.labels.facts import label_metrics, layout_title, module_note, number_text, qr_facts
from houqin.labels.fonts import LabelFontError, label_font
from houqin.labels.layouts import (BUILTIN_LAYOUTS, DEFAULT_LAYOUT, campus_layouts, find_layout, layout_problems,
                                   module_mm)
from houqin.labels.lifecycle import (LabelChangeRefused, MAX_UNCLAIMED_BATCH, create_unclaimed, current_tag,
                                     earlier_tags, reprint)
from houqin.labels.selection import (Selection, compose_labels, label_contents, mark_printed, parse_kind,
                                     selected_tags)
from houqin.models import Item, Place, Tag
from houqin.permissions import requires
from houqin.places.tree import place_choices, place_paths
from houqin.tags import human_code, normalise_token, payload_plan, qr_size
from houqin.vocab import ITEM_KIND_LABELS, PLACE_KIND_LABELS
from houqin.web import Page, bounded_int, int_or_none, page_number

bp = Blueprint('labels', __name__, url_prefix='/admin/labels')

TAG_STATUS_LABELS = {'active': _l('In use'), 'revoked': _l('Replaced'), 'unclaimed': _l('Unassigned')}
MAX_PRINT_PAGE_LABELS = 600   # beyond this the browser page gets heavy on a phone; the PDF has no limit
DPI_CHOICES = (203, 300)


bp.add_app_template_filter(human_code, 'human_code')


def kind_choices():
    """Scopes and kinds for the selection form, grouped."""
    return {
        _('Everything'): [('places', _('All places')), ('items', _('All assets')), ('all', _('Places and assets')),
                          ('unclaimed', _('Unassigned labels (pre-printed)'))],
        _('Kinds of place'): [(f'place:{k}', str(v)) for k, v in PLACE_KIND_LABELS.items()],
        _('Kinds of asset'): [(f'item:{k}', str(v)) for k, v in ITEM_KIND_LABELS.items()],
    }


class SelectionForm(FlaskForm):
    # GET filters need no token; every POST carrying these fields is checked by CSRFProtect.
    class Meta:
        csrf = False

    place_id = SelectField(_l('Where'), coerce=int, default=0)
    kind = SelectField(_l('What'), default='places')
    unprinted = BooleanField(_l('Only labels never printed'))
    layout = SelectField(_l('Layout'), default=DEFAULT_LAYOUT)

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.place_id.choices = [(0, _('The whole campus'))] + place_choices(g.campus)
        self.kind.choices = kind_choices()
        self.layouts = campus_layouts(g.campus)
        self.layout.choices = [(key, layout_title(layout)) for key, layout in self.layouts.items()]
        self.tokens = [t.strip() for t in (formdata.getlist('t') if formdata else []) if t.strip()][:2000]

    def validate_place_id(self, field):
        if field.data and field.data not in {pid for pid, _p in field.choices}:
            raise ValidationError(_('Please choose a place of this campus.'))

    def validate_kind(self, field):
        try:
            parse_kind(field.data)
        except ValueError:
            raise ValidationError(_('Please choose what to print.'))

    def validate_layout(self, field):
        if field.data not in self.layouts:
            raise ValidationError(_('Please choose a layout.'))

    def bad_tokens(self):
        """Typed codes that cannot be label codes."""
        return [t for t in self.tokens if not normalise_token(t)]

    def selection(self):
        return Selection(self.place_id.data or None, self.kind.data, bool(self.unprinted.data), self.tokens)

    def query_args(self):
        """The selection as URL arguments."""
        args = {'layout': self.layout.data, 'place_id': self.place_id.data or '', 'kind': self.kind.data}
        if self.unprinted.data:
            args['unprinted'] = 'y'
        if self.tokens:
            args['t'] = self.tokens
        return args


def read_selection(formdata):
    """The selection form filled from request arguments, validated (GET and POST alike)."""
    form = SelectionForm(formdata if formdata else None)
    if not formdata:
        return form, True
    ok = form.validate()
    if form.bad_tokens():
        ok = False
    return form, ok


def selection_page(form, status=200):
    """The labels start page: the selection form, the QR facts, counts and links."""
    campus_tags = Tag.select().where(Tag.campus == g.campus)
    counts = {
        'active': campus_tags.where(Tag.status == 'active').count(),
        'never_printed': campus_tags.where((Tag.status == 'active') & Tag.printed_at.is_null()).count(),
        'unclaimed': campus_tags.where(Tag.status == 'unclaimed').count(),
        'revoked': campus_tags.where(Tag.status == 'revoked').count(),
    }
    _metrics, font_problem = label_metrics()
    return render_template('labels/index.html', form=form, counts=counts, qr=qr_facts(), font_problem=font_problem,
                           bad_tokens=form.bad_tokens()), status


@bp.route('/')
@requires('labels.print')
def index():
    """Choose labels to print: a place and everything below it, a kind, never printed; and the QR facts."""
    form, _ok = read_selection(None)
    return selection_page(form)


def prepare(form):
    """(layout, problems, contents) for a validated selection form."""
    layout = form.layouts[form.layout.data]
    problems = layout_problems(layout, qr_size(current_app.config['BASE_URL'])[1])
    tags = selected_tags(g.campus, form.selection())
    return layout, problems, label_contents(g.campus, tags)


def sheet_response(form, contents, layout, problems, marked=False):
    """The print page: every page of labels as SVG true to size, with a screen-only toolbar."""
    metrics, font_problem = label_metrics()
    shown = contents[:MAX_PRINT_PAGE_LABELS]
    svg_pages = []
    if not problems:
        drawings = compose_labels(layout, shown, current_app.config['BASE_URL'], metrics)
        svg_pages = [Markup(render.svg_page(layout, placed)) for placed in render.pages(layout, drawings)]
    return render_template('labels/sheet.html', form=form, layout=layout, layout_name=layout_title(layout),
                           problems=problems, pages=svg_pages, total=len(contents), shown=len(shown),
                           page_total=page_count(layout, len(shown)), font_problem=font_problem, qr=qr_facts(),
                           marked=marked, autoprint=marked and not problems and bool(shown),
                           module=module_mm(layout, qr_size(current_app.config['BASE_URL'])[1]),
                           module_note=module_note(module_mm(layout, qr_size(current_app.config['BASE_URL'])[1])),
                           dpi_choices=DPI_CHOICES)


@bp.route('/sheet')
@requires('labels.print')
def sheet():
    """Preview the chosen labels as they will print (the print page itself, scaled to the screen)."""
    form, ok = read_selection(request.args)
    if not ok:
        return selection_page(form, 400)
    layout, problems, contents = prepare(form)
    return sheet_response(form, contents, layout, problems)


def refuse(message, form=None, status=422):
    """A page that says why an output cannot be made, with a way back."""
    back = url_for('labels.sheet', **form.query_args()) if form is not None else url_for('labels.index')
    return render_template('labels/refused.html', message=message, back=back), status


def checked_batch():
    """(form, layout, contents) for a POSTed selection, or (response, None, None) when it cannot be printed."""
    form, ok = read_selection(request.form)
    if not ok:
        return selection_page(form, 400), None, None
    layout, problems, contents = prepare(form)
    if problems:
        return refuse(' '.join(problems), form), None, None
    address = qr_facts()['problem']
    if address and request.form.get('confirm_address') != 'yes':
        return refuse(address + ' ' + _('To print a test sheet anyway, tick the box next to the button.'), form), \
            None, None
    if not contents:
        flash(_('No labels match this selection.'), 'error')
        return redirect(url_for('labels.sheet', **form.query_args())), None, None
    return form, layout, contents


@bp.route('/print', methods=['POST'])
@requires('labels.print')
def print_sheet():
    """Remember the labels as printed and open the print page, which starts the browser's printing."""
    form, layout, contents = checked_batch()
    if layout is None:
        return form
    mark_printed(contents[:MAX_PRINT_PAGE_LABELS])
    return sheet_response(form, contents, layout, [], marked=True)


def download_name(layout, extension):
    """labels-<campus>-<layout>-<date>.<ext>."""
    stamp = today(g.campus.timezone).isoformat()  # the school's date, not the server's
    return f'labels-{g.campus.code}-{layout.key}-{stamp}.{extension}'


@bp.route('/pdf', methods=['POST'])
@requires('labels.print')
def pdf():
    """The selection as a PDF: vector QR codes, Chinese text in an embedded subset font."""
    form, layout, contents = checked_batch()
    if layout is None:
        return form
    try:
        font = label_font(current_app.config)
    except LabelFontError as exc:
        return refuse(_('The server has no font for Chinese text, so it cannot draw labels.') + ' ' + str(exc), form)
    buffer = io.BytesIO()
    drawings = compose_labels(layout, contents, current_app.config['BASE_URL'], font)
    render.write_pdf(buffer, layout, drawings, font, title=f'{g.campus.name} {layout_title(layout)}')
    mark_printed(contents)
    buffer.seek(0)
    return send_file(buffer, mimetype='application/pdf', as_attachment=True,
                     download_name=download_name(layout, 'pdf'))


@bp.route('/png', methods=['POST'])
@requires('labels.print')
def png():
    """The selection as PNG images for a thermal printer: one file for one label, else a zip."""
    form, layout, contents = checked_batch()
    if layout is None:
        return form
    dpi = request.form.get('dpi', type=bounded_int)
    if dpi not in DPI_CHOICES:
        return refuse(_('Please choose 203 or 300 dpi.'), form, 400)
    try:
        font = label_font(current_app.config)
    except LabelFontError as exc:
        return refuse(_('The server has no font for Chinese text, so it cannot draw labels.') + ' ' + str(exc), form)
    drawings = compose_labels(layout, contents, current_app.config['BASE_URL'], font)
    if len(contents) == 1:
        drawing = next(drawings)
        data, mimetype, name = render.png_bytes(drawing, dpi, font), 'image/png', render.png_name(drawing, 1)
    else:
        buffer = io.BytesIO()
        render.write_png_zip(buffer, drawings, dpi, font)
        data, mimetype, name = buffer.getvalue(), 'application/zip', download_name(layout, f'{dpi}dpi.zip')
    mark_printed(contents)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route('/page.css')
@requires('labels.print')
def page_css():
    """The @page size of a layout, so the browser prints true to size (served from 'self' for the CSP)."""
    layout = find_layout(request.args.get('layout', ''), g.campus) or BUILTIN_LAYOUTS[DEFAULT_LAYOUT]
    css = (f'@page{{size:{number_text(layout.page_width)}mm {number_text(layout.page_height)}mm;margin:0}}\n'
           f'@media print{{.sheet-page{{width:{number_text(layout.page_width)}mm;'
           f'height:{number_text(layout.page_height)}mm}}}}\n')
    response = Response(css, mimetype='text/css')
    response.headers['Cache-Control'] = 'private, max-age=300'
    return response


def campus_tag(token):
    """A tag of the current campus by token (any spelling of it), or 404."""
    tag = Tag.get_or_none((Tag.token == (normalise_token(token) or '')) & (Tag.campus == g.campus))
    if tag is None:
        abort(404)
    return tag


@bp.route('/tag/<token>')
@requires('labels.print')
def tag_detail(token):
    """One label: how it looks, what it points at, when it was printed, its earlier codes; print or reprint it."""
    tag = campus_tag(token)
    layout = find_layout(request.args.get('layout', ''), g.campus) or BUILTIN_LAYOUTS['thermal-50x30']
    metrics, font_problem = label_metrics()
    content = label_contents(g.campus, [tag])[0]
    problems = layout_problems(layout, qr_size(current_app.config['BASE_URL'])[1])
    preview = None
    if not problems:
        drawing = next(compose_labels(layout, [content], current_app.config['BASE_URL'], metrics))
        preview = Markup(render.svg_single(drawing))
    kind, target = tag.target()
    return render_template('labels/tag.html', tag=tag, code=human_code(tag.token), content=content, kind=kind,
                           target=target, preview=preview, problems=problems, layout=layout,
                           layouts=campus_layouts(g.campus), layout_title=layout_title,
                           current=current_tag(tag), earlier=earlier_tags(tag), font_problem=font_problem,
                           dpi_choices=DPI_CHOICES, label_statuses=TAG_STATUS_LABELS, qr=qr_facts(), url=payload_plan(current_app.config['BASE_URL']).url(tag.token))


@bp.route('/tag/<token>/reprint', methods=['GET', 'POST'])
@requires('labels.print')
def tag_reprint(token):
    """Reprint a label under a new code after a confirmation; the old label then says it was replaced."""
    tag = campus_tag(token)
    if tag.status != 'active':
        flash(_('Only a label in use can be reprinted; this one is not.'), 'error')
        return redirect(url_for('labels.tag_detail', token=tag.token))
    if request.method == 'POST':
        if request.form.get('confirm') != 'yes':
            flash(_('Please confirm the reprint.'), 'error')
            return redirect(url_for('labels.tag_reprint', token=tag.token))
        try:
            new = reprint(tag)
        except LabelChangeRefused:
            flash(_('Someone else changed this label first; nothing was done.'), 'error')
            return redirect(url_for('labels.tag_detail', token=tag.token))
        flash(_('New code %(new)s issued; the old label %(old)s no longer works. Print the new label now.',
                new=human_code(new.token), old=human_code(tag.token)), 'success')
        return redirect(url_for('labels.tag_detail', token=new.token))
    kind, target = tag.target()
    return render_template('labels/reprint.html', tag=tag, code=human_code(tag.token), kind=kind, target=target,
                           content=label_contents(g.campus, [tag])[0])


class UnclaimedForm(FlaskForm):
    count = StringField(_l('How many labels'), default='24', validators=[DataRequired(_l('Please enter a number.'))])
    layout = SelectField(_l('Layout'), default=DEFAULT_LAYOUT)

    def validate_count(self, field):
        text = (field.data or '').strip()
        if int_or_none(text, 1, MAX_UNCLAIMED_BATCH) is None:
            raise ValidationError(_('Please enter a whole number from 1 to %(max)d.', max=MAX_UNCLAIMED_BATCH))


@bp.route('/unclaimed', methods=['GET', 'POST'])
@requires('labels.print')
def unclaimed():
    """Create blank labels to pre-print; an admin scanning one attaches it to a place or asset on the spot."""
    form = UnclaimedForm()
    layouts = campus_layouts(g.campus)
    form.layout.choices = [(key, layout_title(layout)) for key, layout in layouts.items()]
    if form.validate_on_submit():
        tags = create_unclaimed(g.campus, int(form.count.data.strip()))
        flash(_('%(n)d unassigned labels created. Print them now; scan one later to attach it.', n=len(tags)),
              'success')
        return redirect(url_for('labels.sheet', layout=form.layout.data, kind='unclaimed', unprinted='y'))
    waiting = Tag.select().where((Tag.campus == g.campus) & (Tag.status == 'unclaimed'))
    return render_template('labels/unclaimed.html', form=form, waiting=waiting.count(),
                           never_printed=waiting.where(Tag.printed_at.is_null()).count())


@bp.route('/pick')
@requires('labels.print')
def pick():
    """Hand-pick labels: search places and assets, tick the ones to print."""
    q = request.args.get('q', '').strip()[:100]
    query = (Tag.select(Tag, Place, Item)
             .join(Place, JOIN.LEFT_OUTER, on=(Tag.place == Place.id), attr='place')
             .switch(Tag).join(Item, JOIN.LEFT_OUTER, on=(Tag.item == Item.id), attr='item')
             .where((Tag.campus == g.campus) & (Tag.status == 'active')))
    if q:
        query = query.where(Place.name.contains(q) | Place.code.contains(q) | Item.name.contains(q)
                            | Item.asset_number.contains(q) | (Tag.token == (normalise_token(q) or '')))
    page = Page(query.order_by(Tag.place.is_null(), Place.name, Item.name, Tag.id), page_number())
    where = {t.id: t.item.place_id if t.item_id else t.place.parent_id for t in page.rows}
    paths = place_paths(g.campus, {pid for pid in where.values() if pid})
    layouts = campus_layouts(g.campus)
    return render_template('labels/pick.html', page=page, q=q,
                           locations={tid: paths.get(pid, '') for tid, pid in where.items()},
                           layouts=[(k, layout_title(v)) for k, v in layouts.items()])


# The layout editor registers its routes on this blueprint.
