"""(being written by the import task)"""
from flask import Blueprint

from .auth import requires

bp = Blueprint('importer', __name__, url_prefix='/admin/import')


@bp.route('/')
@requires('admin.import')
def upload():
    """Placeholder until the importer lands."""
    return 'import'
