"""/board/<campus code>: the public board (公示), without log-in, only where the campus switched it on."""
from flask import Blueprint, abort, render_template

from houqin.board.content import board
from houqin.models import Campus
from houqin.permissions import PUBLIC, requires

bp = Blueprint('board', __name__, url_prefix='/board')


@bp.get('/<code>')
@requires(PUBLIC)
def show(code):
    """The campus's board; 404 for an unknown campus and for one whose board is off (as if there were none)."""
    campus = Campus.get_or_none(Campus.code == code[:20])
    if campus is None or not campus.board_enabled:
        abort(404)
    return render_template('board/board.html', campus=campus, **board(campus))
