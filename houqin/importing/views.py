"""Bulk import of places and assets: upload, preview, confirm. The file's table waits on disk in between."""
import io
import json
import os
import re
import secrets
import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField

from houqin import db
from houqin.accounts.sessions import load_campus_context
from houqin.importing.files import (ImportFileError, TEMPLATE_NAMES, read_upload, table_from_json, table_to_json,
                                    template_csv, template_xlsx)
from houqin.importing.rows import CHOICES, COLUMNS, RowError, plan_import
from houqin.importing.write import ImportConflict, import_table
from houqin.permissions import can, requires
from houqin.vocab import select_choices
from houqin.web import client_address

bp = Blueprint('importing', __name__, url_prefix='/admin/import')

KINDS = {'places': _l('Places (buildings, floors, rooms)'),
         'items': _l('Assets (desks, fire extinguishers, projectors…)')}
PENDING_HOURS = 24
TOKEN_PATTERN = re.compile(r'[A-Za-z0-9_-]{20,64}')
MAX_ERRORS_SHOWN = 200


class UploadForm(FlaskForm):
    kind = RadioField(_l('What does the file hold?'), choices=select_choices(KINDS), default='places')
    file = FileField(_l('File (.xlsx or .csv)'), validators=[FileRequired(_l('Please choose a file.'))])


def pending_paths(token):
    """The files of one pending upload: its record, its table, and its table once claimed by a confirm."""
    folder = os.path.join(current_app.instance_path, 'imports')
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, token)
    return base + '.json', base + '.upload', base + '.claimed'


def write_record(path, record):
    """Replace a pending upload's record in one step, so a reader never sees half of it."""
    with open(path + '.tmp', 'w', encoding='utf-8') as fh:
        json.dump(record, fh, ensure_ascii=False)
    os.replace(path + '.tmp', path)


def save_pending(kind, table):
    """Keep an upload's table for this user and campus until it is confirmed; returns its token."""
    prune_pending()
    token = secrets.token_urlsafe(24)
    record_path, upload_path, _claimed = pending_paths(token)
    with open(upload_path, 'wb') as fh:
        fh.write(table_to_json(table))
    write_record(record_path, {'campus': g.campus.id, 'user': current_user.id, 'kind': kind,
                               'filename': table.filename, 'created': time.time()})
    return token


def load_pending(token):
    """The record of a pending (or just imported) upload, or None when unknown or expired."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    try:
        with open(pending_paths(token)[0], encoding='utf-8') as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return None
    if time.time() - record['created'] > PENDING_HOURS * 3600:
        return None
    return record


def read_pending(token):
    """The upload's table, or None once claimed or discarded."""
    try:
        with open(pending_paths(token)[1], 'rb') as fh:
            return table_from_json(fh.read())
    except FileNotFoundError:
        return None


def claim_pending(token):
    """Take the upload's table for importing; of two confirms of one upload, only one gets it."""
    _record, upload_path, claimed_path = pending_paths(token)
    try:
        os.rename(upload_path, claimed_path)  # atomic: the second rename finds nothing
    except FileNotFoundError:
        return None
    with open(claimed_path, 'rb') as fh:
        return table_from_json(fh.read())


def release_pending(token):
    """Put a claimed table back, after an unexpected failure, so the user can confirm again."""
    _record, upload_path, claimed_path = pending_paths(token)
    if os.path.exists(claimed_path):
        os.rename(claimed_path, upload_path)


def finish_pending(token, record, imported=None):
    """Delete the upload's table; keep the record of an import so a repeated confirm can say it is done."""
    record_path, upload_path, claimed_path = pending_paths(token)
    for path in (upload_path, claimed_path) + (() if imported is not None else (record_path,)):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    if imported is not None:
        write_record(record_path, dict(record, imported=imported))


def prune_pending():
    """Delete uploads and records older than PENDING_HOURS."""
    folder = os.path.dirname(pending_paths('x')[0])
    cutoff = time.time() - PENDING_HOURS * 3600
    for entry in os.scandir(folder):
        try:
            if entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
        except OSError:
            pass


def owned_pending(token):
    """(record, None) for the current user's upload on this campus, else (None, a response saying why)."""
    record = load_pending(token)
    if record is None:
        flash(_('This upload is unknown or has expired. Please upload the file again.'), 'error')
        return None, redirect(url_for('.upload'))
    if record['user'] != current_user.id or record['campus'] != g.campus.id:
        message = _('This file was uploaded by another user or on another campus. Please upload it yourself.')
        return None, (render_template('errors/error.html', code=403, message=message), 403)
    return record, None


def list_url(kind):
    """Where the imported places or assets are listed."""
    return url_for('places.places') if kind == 'places' else url_for('places.items')


def render_upload(form, errors=(), status=200, changed=False, examples_skipped=0):
    """The upload page, with the reasons a file was refused."""
    return render_template('importing/upload.html', form=form, errors=list(errors)[:MAX_ERRORS_SHOWN],
                           error_count=len(errors), changed=changed, examples_skipped=examples_skipped,
                           columns=COLUMNS, choices=CHOICES), status


def form_for(kind):
    """An upload form that has not been submitted, with the kind chosen."""
    form = UploadForm(formdata=None)
    form.kind.data = kind
    return form


@bp.route('/', methods=['GET', 'POST'])
@requires('admin.import')
def upload():
    """Choose what to import and upload a file: a good file goes on to its preview, a bad one shows why."""
    form = UploadForm()
    if request.method == 'GET' and request.args.get('kind') in KINDS:
        form.kind.data = request.args['kind']
    if form.validate_on_submit():
        filename = (form.file.data.filename or '').replace('\\', '/').rsplit('/', 1)[-1]
        try:
            table = read_upload(filename, form.file.data.read())
        except ImportFileError as error:
            return render_upload(form, [RowError(None, str(error))])
        plan = plan_import(form.kind.data, g.campus, table)
        if plan.errors:
            return render_upload(form, plan.errors, examples_skipped=plan.examples_skipped)
        return redirect(url_for('.preview', token=save_pending(form.kind.data, table)))
    return render_upload(form)


@bp.route('/preview/<token>')
@requires('admin.import')
def preview(token):
    """What the uploaded file will create, checked again against the data as it is now."""
    record, refusal = owned_pending(token)
    if refusal:
        return refusal
    if 'imported' in record:
        flash(_('This file has already been imported.'), 'info')
        return redirect(list_url(record['kind']))
    table = read_pending(token)
    if table is None:
        flash(_('This file is being imported; it will appear in the list in a moment.'), 'info')
        return redirect(list_url(record['kind']))
    plan = plan_import(record['kind'], g.campus, table)
    if plan.errors:
        finish_pending(token, record)
        return render_upload(form_for(record['kind']), plan.errors, changed=True)
    return render_template('importing/preview.html', plan=plan, record=record, token=token)


@bp.route('/preview/<token>/confirm', methods=['POST'])
@requires('admin.import')
def confirm(token):
    """Import every row of the previewed file in one transaction, or nothing."""
    record, refusal = owned_pending(token)
    if refusal:
        return refusal
    table = claim_pending(token)
    if table is None:  # a second tap, or the same upload confirmed in another tab
        record = load_pending(token) or record
        flash(_('This file has already been imported.') if 'imported' in record else
              _('This file is being imported; it will appear in the list in a moment.'), 'info')
        return redirect(list_url(record['kind']))
    try:
        plan = import_table(record['kind'], g.campus, table, user=current_user.id, address=client_address())
    except ImportConflict:
        finish_pending(token, record)
        flash(_('Someone changed the places or assets while this file was being imported, so nothing was '
                'imported. Please upload the file again.'), 'error')
        return redirect(url_for('.upload', kind=record['kind']))
    except Exception:
        release_pending(token)
        raise
    if plan.errors:
        finish_pending(token, record)
        return render_upload(form_for(record['kind']), plan.errors, changed=True)
    finish_pending(token, record, imported=plan.object_count)
    flash(_('Imported %(n)d places, each with its own QR label.', n=plan.object_count) if record['kind'] == 'places'
          else _('Imported %(n)d assets, each with its own QR label.', n=plan.object_count), 'success')
    return redirect(list_url(record['kind']))


@bp.route('/preview/<token>/cancel', methods=['POST'])
@requires('admin.import')
def cancel(token):
    """Throw the uploaded file away without importing it."""
    record, refusal = owned_pending(token)
    if refusal:
        return refusal
    if claim_pending(token) is not None:
        finish_pending(token, record)
        flash(_('Nothing was imported.'), 'info')
    return redirect(url_for('.upload', kind=record['kind']))


@bp.route('/template/<filename>')
@requires('admin.import')
def template(filename):
    """The import template for places or assets, as .xlsx or .csv."""
    kind, _dot, extension = filename.partition('.')
    if kind not in KINDS or extension not in ('xlsx', 'csv'):
        abort(404)
    if extension == 'xlsx':
        data = template_xlsx(kind)
        mimetype = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    else:
        data, mimetype = template_csv(kind), 'text/csv; charset=utf-8'
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f'{TEMPLATE_NAMES[kind]}.{extension}')


@bp.errorhandler(413)
def file_too_large(error):
    """A file over the upload limit: say so on the upload page, not with a bare 413."""
    if 'campus' not in g:  # refused while reading the form, before the request hooks loaded the campus
        db.connect_for_request()
        load_campus_context()
    message = _('The file is larger than %(mb)d MB. Split it into several files.',
                mb=current_app.config['UPLOAD_MAX_MB'])
    if not current_user.is_authenticated or not can('admin.import'):
        return render_template('errors/error.html', code=413, message=message), 413
    # request.form cannot be read: it is what was too large.
    return render_upload(form_for('places'), [RowError(None, message)], status=413)
