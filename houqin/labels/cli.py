"""`flask houqin labels ...`: print labels from the command line into labels/ (PDF, or PNG for thermal printers)."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from houqin import db
from houqin.clock import format_local, utcnow
from houqin.config import PROJECT_ROOT
from houqin.labels import render
from houqin.labels.compose import page_count
from houqin.labels.facts import base_url_problem
from houqin.labels.fonts import LabelFontError, label_font
from houqin.labels.layouts import DEFAULT_LAYOUT, campus_layouts, find_layout, layout_problems
from houqin.labels.lifecycle import MAX_UNCLAIMED_BATCH, create_unclaimed
from houqin.labels.selection import (Selection, compose_labels, label_contents, mark_printed, parse_kind,
                                     selected_tags)
from houqin.models import Campus, Place
from houqin.tags import qr_size


def find_place(campus, reference):
    """A place of the campus by its code, else by its id."""
    place = Place.get_or_none((Place.campus == campus) & (Place.code == reference))
    if place is None and reference.isdigit():
        place = Place.get_or_none((Place.campus == campus) & (Place.id == int(reference)))
    if place is None:
        raise click.ClickException(f'no place with the code or id {reference!r} on {campus.name}')
    return place


@click.command('labels')
@click.option('--layout', 'layout_key', default=DEFAULT_LAYOUT, show_default=True,
              help='layout key (see --list-layouts), e.g. a4-3x8 or thermal-50x30')
@click.option('--place', 'place_ref', help='a place code or id: that place and everything inside it')
@click.option('--kind', default='places', show_default=True,
              help='places, items, all, unclaimed, or a kind such as toilet or fire_extinguisher')
@click.option('--unprinted', is_flag=True, help='only labels never printed')
@click.option('--code', 'codes', multiple=True, help='a label code (repeat for a hand-picked list)')
@click.option('--unclaimed', 'unclaimed_count', type=int, help='first create N blank labels, then print them')
@click.option('--campus', 'campus_code', help='campus code (default: the first campus)')
@click.option('--png', is_flag=True, help='one PNG per label (thermal printers) instead of a PDF')
@click.option('--dpi', type=click.Choice(['203', '300']), default='203', show_default=True, help='PNG resolution')
@click.option('--out', 'out_path', type=click.Path(), help='PDF file or PNG directory (default: in labels/)')
@click.option('--list-layouts', is_flag=True, help='list the layouts and exit')
@with_appcontext
def labels_command(layout_key, place_ref, kind, unprinted, codes, unclaimed_count, campus_code, png, dpi, out_path,
                   list_layouts):
    """Print labels: a PDF of a sheet layout, or PNGs for a thermal printer; marks them printed."""
    with db.database.connection_context(), force_locale(current_app.config['DEFAULT_LOCALE']):
        campus = (Campus.get_or_none(Campus.code == campus_code) if campus_code
                  else Campus.select().order_by(Campus.id).first())
        if campus is None:
            raise click.ClickException(f'no campus {campus_code!r}' if campus_code else 'no campus yet')
        modules = qr_size(current_app.config['BASE_URL'])[1]
        if list_layouts:
            for key, layout in campus_layouts(campus).items():
                state = '; '.join(layout_problems(layout, modules)) or 'ok'
                click.echo(f'{key:16} {layout.label_width:g}×{layout.label_height:g} mm, '
                           f'{layout.columns}×{layout.rows} on {layout.page_width:g}×{layout.page_height:g} mm: {state}')
            return
        layout = find_layout(layout_key, campus)
        if layout is None:
            raise click.ClickException(f'unknown layout {layout_key!r}; see --list-layouts')
        address = base_url_problem(current_app.config['BASE_URL'])
        if address:
            click.echo(address, err=True)
        problems = layout_problems(layout, modules)
        if problems:
            raise click.ClickException(f'layout {layout_key} cannot print: ' + ' '.join(problems))
        try:
            font = label_font(current_app.config)
        except LabelFontError as exc:
            raise click.ClickException(str(exc))
        try:
            parse_kind(kind)
        except ValueError:
            raise click.ClickException(f'unknown --kind {kind!r}')
        if unclaimed_count is not None:
            if not 1 <= unclaimed_count <= MAX_UNCLAIMED_BATCH:
                raise click.ClickException(f'--unclaimed takes 1 to {MAX_UNCLAIMED_BATCH}')
            codes = [t.token for t in create_unclaimed(campus, unclaimed_count)]
        place = find_place(campus, place_ref) if place_ref else None
        tags = selected_tags(campus, Selection(place.id if place else None, kind, unprinted, list(codes)))
        if not tags:
            raise click.ClickException('no labels match this selection')
        contents = label_contents(campus, tags)
        stamp = format_local(utcnow(), campus.timezone, '%Y%m%d-%H%M%S')  # the school's clock, not the server's
        default = os.path.join(PROJECT_ROOT, 'labels', f'{campus.code}-{layout.key}-{stamp}')
        drawings = compose_labels(layout, contents, current_app.config['BASE_URL'], font)
        if png:
            directory = out_path or default + f'-{dpi}dpi'
            os.makedirs(directory, exist_ok=True)
            for index, drawing in enumerate(drawings, start=1):
                with open(os.path.join(directory, render.png_name(drawing, index)), 'wb') as fh:
                    fh.write(render.png_bytes(drawing, int(dpi), font))
            mark_printed(contents)
            click.echo(f'Wrote {len(contents)} PNG labels at {dpi} dpi to {directory}')
            return
        path = out_path or default + '.pdf'
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, 'wb') as fh:
            render.write_pdf(fh, layout, drawings, font, title=f'{campus.name} {layout.key}')
        mark_printed(contents)
        click.echo(f'Wrote {len(contents)} labels on {page_count(layout, len(contents))} pages '
                   f'({os.path.getsize(path) // 1024} KB) to {path}')
