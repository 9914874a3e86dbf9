"""Photos: validated by decoding, re-encoded without EXIF, stored by content hash outside the web root."""
import hashlib
import io
import os
import threading
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from flask import current_app
from flask_babel import gettext as _

from houqin.models import Photo

ACCEPTED_FORMATS = {'JPEG', 'PNG', 'WEBP'}
# Memory: a decoded image costs width × height × 3–4 bytes. A JPEG is decoded reduced (draft) to about the
# stored size, so even 50 M pixels cost ~10 MB; PNG and WebP cannot be, so they get a much lower limit
# (12 M pixels RGBA ≈ 48 MB, ~120 MB while shrinking). Both are checked from the header, before decoding.
MAX_PIXELS = 50_000_000      # any format; a 20000×20000 "decompression bomb" is refused before decoding
MAX_UNREDUCED_PIXELS = 12_000_000   # PNG and WebP (a 12 M pixel phone photo), decoded at full size
CONCURRENT_PHOTOS = 2        # photos decoded at once per worker process; others wait their turn
LONG_SIDE = 2048             # what a phone photo of a broken desk needs; keeps files ~300 KB
THUMB_SIDE = 320
JPEG_QUALITY = 82


decoding = threading.BoundedSemaphore(CONCURRENT_PHOTOS)


class PhotoError(ValueError):
    """An upload that is not an acceptable photo; the message is for the user."""


def read_upload(file_storage):
    """The bytes of an uploaded file, refusing empty and oversized ones."""
    limit = current_app.config['UPLOAD_MAX_MB'] * 1024 * 1024
    data = file_storage.read(limit + 1)
    if not data:
        raise PhotoError(_('The photo is empty.'))
    if len(data) > limit:
        raise PhotoError(_('The photo is larger than %(mb)d MB.', mb=current_app.config['UPLOAD_MAX_MB']))
    return data


def decode_photo(data):
    """An upright RGB image from JPEG/PNG/WebP bytes, at most LONG_SIDE on its long side, or PhotoError; never
    trusts the file name, and refuses from the header a photo that would take too much memory to decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(_('Only JPEG, PNG or WebP photos are accepted.'))
            limit = MAX_PIXELS if image.format == 'JPEG' else MAX_UNREDUCED_PIXELS
            if image.width * image.height > limit:
                raise PhotoError(_('The photo has too many pixels (%(w)d×%(h)d).', w=image.width, h=image.height))
            if image.format == 'JPEG':
                image.draft('RGB', (LONG_SIDE, LONG_SIDE))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_('This file is not a photo we can read. Please take or choose a JPEG, PNG or WebP photo.'))
    except (OSError, SyntaxError, ValueError):
        raise PhotoError(_('The photo is damaged or incomplete. Please try again.'))
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)  # shrink first: every later copy is small
    image = ImageOps.exif_transpose(image)  # turn it upright before the EXIF is dropped
    if image.mode not in ('RGB', 'L'):
        rgba = image.convert('RGBA')
        background = Image.new('RGB', image.size, 'white')
        background.paste(rgba, mask=rgba.getchannel('A'))
        image = background
    return image.convert('RGB')


def encode_jpeg(image, long_side):
    """JPEG bytes of the image scaled to fit long_side, with no metadata."""
    image = image.copy()
    image.thumbnail((long_side, long_side), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, 'JPEG', quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue(), image.size


def photo_file(sha256, thumbnail=False):
    """Where a photo's file lives under PHOTO_DIR."""
    name = f'{sha256}{"-thumb" if thumbnail else ""}.jpg'
    return os.path.join(current_app.config['PHOTO_DIR'], sha256[:2], sha256[2:4], name)


def write_once(path, data):
    """Write a content-addressed file unless it is already there (atomically, for parallel workers)."""
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f'{path}.{os.getpid()}.tmp'
    with open(temporary, 'wb') as fh:
        fh.write(data)
    os.replace(temporary, path)


class PreparedPhoto:
    """A validated, cleaned photo not yet stored: JPEG bytes of the photo and its thumbnail."""

    def __init__(self, image):
        self.data, (self.width, self.height) = encode_jpeg(image, LONG_SIDE)
        self.thumb, _size = encode_jpeg(image, THUMB_SIDE)
        self.sha256 = hashlib.sha256(self.data).hexdigest()


def prepare_uploads(files, most):
    """Prepared photos of the non-empty uploads among files (a field's getlist), or PhotoError; at most `most`."""
    uploads = [f for f in files if f and f.filename]
    if len(uploads) > most:
        raise PhotoError(_('At most %(n)d photos at a time.', n=most))
    return [prepare_photo(f) for f in uploads]


def prepare_photo(file_storage):
    """Check and clean an upload before anything is saved; raises PhotoError with the reason. At most
    CONCURRENT_PHOTOS uploads are decoded at once in a process, so a burst cannot take all its memory."""
    data = read_upload(file_storage)
    with decoding:
        return PreparedPhoto(decode_photo(data))


def save_photo(prepared, campus, user=None, **links):
    """Write a prepared photo's files and its Photo row (record= or event= in links)."""
    write_once(photo_file(prepared.sha256), prepared.data)
    write_once(photo_file(prepared.sha256, thumbnail=True), prepared.thumb)
    return Photo.create(campus=campus, sha256=prepared.sha256, content_type='image/jpeg', width=prepared.width,
                        height=prepared.height, size=len(prepared.data), uploaded_by=user, **links)


def store_photo(file_storage, campus, user=None, **links):
    """Validate, clean and keep an uploaded photo; returns the Photo row (record= or event= in links)."""
    return save_photo(prepare_photo(file_storage), campus, user, **links)
