"""Photo files, served only to signed-in staff of the photo's campus."""
import os

from flask import Blueprint, abort, g, send_file

from houqin.models import Photo
from houqin.permissions import requires
from houqin.photos import photo_file

bp = Blueprint('photos', __name__, url_prefix='/photos')


def serve(photo_id, thumbnail):
    """Send a photo of the current campus to a signed-in member of it."""
    photo = Photo.get_or_none((Photo.id == photo_id) & (Photo.campus == g.campus))
    if photo is None:
        abort(404)
    path = photo_file(photo.sha256, thumbnail)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype='image/jpeg', max_age=7 * 24 * 3600)
    response.headers['Cache-Control'] = 'private, max-age=604800, immutable'
    return response


@bp.route('/<int:photo_id>')
@requires('photos.view')
def full(photo_id):
    """A photo, for staff of its campus."""
    return serve(photo_id, thumbnail=False)


@bp.route('/<int:photo_id>/thumb')
@requires('photos.view')
def thumb(photo_id):
    """A photo's thumbnail, for lists."""
    return serve(photo_id, thumbnail=True)
