"""The start page after log-in: where each role's work begins."""
from flask import Blueprint, g, redirect, render_template, url_for

from houqin.permissions import PUBLIC, SIGNED_IN, can, requires

bp = Blueprint('home', __name__)


@bp.route('/')
@requires(SIGNED_IN)
def index():
    """Send the logistics office to its set-up pages; show everyone else their start page."""
    if can('admin.view'):
        return redirect(url_for('admin.index'))
    return render_template('home/index.html', campus=g.campus)


@bp.route('/healthz')
@requires(PUBLIC)
def healthz():
    """A probe for load balancers: the app answers and the schema is current."""
    return {'status': 'ok'}
