"""Photo uploads: real files, real fakes, real bombs; what is stored has no EXIF and is served only to staff."""
import io
import os

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from houqin.db import database
from houqin.models import Photo
from houqin.photos import PhotoError, photo_file, store_photo


def upload(data, filename='photo.jpg'):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def jpeg_with_gps(size=(1200, 900), orientation=None):
    image = Image.new('RGB', size, (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, size[0] // 2, size[1] // 3))  # a blue block top-left, to see rotation
    exif = Image.Exif()
    exif[0x010F] = 'PhoneMaker'
    gps = exif.get_ifd(0x8825)
    gps.update({1: 'N', 2: (31.0, 14.0, 0.0), 3: 'E', 4: (121.0, 28.0, 0.0)})
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, 'JPEG', exif=exif)
    return out.getvalue()


def test_gps_exif_is_stripped_and_orientation_applied(app, school):
    data = jpeg_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    assert b'PhoneMaker' in data
    with app.test_request_context(), database.connection_context():
        photo = store_photo(upload(data), school['campus'])
        stored = open(photo_file(photo.sha256), 'rb').read()
        assert os.path.exists(photo_file(photo.sha256, thumbnail=True))
    assert b'PhoneMaker' not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and 'exif' not in image.info
    assert image.size == (900, 1200) == (photo.width, photo.height)  # upright: portrait now
    assert image.getpixel((850, 50))[2] > 150  # the blue top-left block is now top-right


def test_large_photos_are_scaled_down(app, school):
    image = Image.new('RGB', (4000, 3000), 'green')
    out = io.BytesIO()
    image.save(out, 'PNG')
    with app.test_request_context(), database.connection_context():
        photo = store_photo(upload(out.getvalue(), 'big.png'), school['campus'])
    assert (photo.width, photo.height) == (2048, 1536)


@pytest.mark.parametrize('name,data,message', [
    ('shell.jpg', b'<?php system($_GET["c"]); ?>', '不是可识别的照片'),
    ('empty.jpg', b'', '照片是空的'),
    ('doc.gif', None, '只接受 JPEG、PNG 或 WebP'),
    ('cut.jpg', 'truncated', '照片已损坏或不完整'),
])
def test_fakes_are_refused_with_a_clear_message(app, school, name, data, message):
    if data is None:
        out = io.BytesIO()
        Image.new('RGB', (10, 10)).save(out, 'GIF')
        data = out.getvalue()
    elif data == 'truncated':
        data = jpeg_with_gps()[:2000]
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError, match=message):
            store_photo(upload(data, name), school['campus'])
        assert Photo.select().count() == 0


def test_a_decompression_bomb_is_refused_before_decoding(app, school):
    # A 20000×20000 PNG: a few hundred KB on disk, 1.2 GB once decoded.
    import zlib, struct
    width = height = 20000
    raw = zlib.compress(b''.join(b'\x00' + b'\x00' * width for _ in range(64)), 9)  # enough rows to be a PNG
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)) + \
        chunk(b'IDAT', raw) + chunk(b'IEND', b'')
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError, match='像素太多|不是可识别的照片'):
            store_photo(upload(png, 'bomb.png'), school['campus'])


def test_oversized_upload_is_refused(app, school):
    app.config['UPLOAD_MAX_MB'] = 1
    data = os.urandom(1024 * 1024 + 10)
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError, match='大于 1 MB'):
            store_photo(upload(data), school['campus'])


def test_photos_are_served_only_to_staff_of_their_campus(app, client, school, as_role):
    with app.test_request_context(), database.connection_context():
        photo = store_photo(upload(jpeg_with_gps()), school['campus'])
    assert client.get(f'/photos/{photo.id}').status_code == 302  # anonymous: log in first
    janitor = as_role('janitor')
    response = janitor.get(f'/photos/{photo.id}/thumb')
    assert response.status_code == 200 and response.mimetype == 'image/jpeg'
    assert 'private' in response.headers['Cache-Control']
    assert Image.open(io.BytesIO(response.data)).size[0] <= 320
    # Another campus's staff get nothing.
    from conftest import PASSWORD_HASH, login
    from houqin.models import Campus, Membership, User
    with database.connection_context():
        other = Campus.create(name='别的学校', code='x')
        stranger = User.create(username='stranger', password_hash=PASSWORD_HASH)
        Membership.create(user=stranger, campus=other, role='admin')
    outsider = app.test_client()
    login(outsider, 'stranger')
    assert outsider.get(f'/photos/{photo.id}').status_code == 404
