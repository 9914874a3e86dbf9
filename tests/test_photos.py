"""Photo uploads: real files, real fakes, real bombs; what is stored has no EXIF and is served only to staff."""
import io
import os
import re
import struct
import uuid
import zlib

import pytest
from PIL import Image
from helpers import PASSWORD_HASH, login
from werkzeug.datastructures import FileStorage

from houqin.db import database
from houqin.models import Campus, Membership, Photo, Record, User, WorkOrder
from houqin.photos import MAX_PIXELS, PhotoError, photo_file, store_photo

# 7072 × 7072 = 50,013,184 pixels: just over the app's limit (50 M) and well under Pillow's own (89.5 M), so
# only the app's check can refuse it. A flat grey PNG of that size is ~60 KB on disk.
WIDE_SIDE = 7072


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
    ('shell.jpg', b'<?php system($_GET["c"]); ?>', '这个文件不是可识别的照片，请拍摄或选择 JPEG、PNG 或 WebP 照片。'),
    ('empty.jpg', b'', '照片是空的。'),
    ('doc.gif', None, '只接受 JPEG、PNG 或 WebP 格式的照片。'),
    ('cut.jpg', 'truncated', '照片已损坏或不完整，请重试。'),
])
def test_fakes_are_refused_with_a_clear_message(app, school, name, data, message):
    if data is None:
        out = io.BytesIO()
        Image.new('RGB', (10, 10)).save(out, 'GIF')
        data = out.getvalue()
    elif data == 'truncated':
        data = jpeg_with_gps()[:2000]
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError) as refused:
            store_photo(upload(data, name), school['campus'])
        assert str(refused.value) == message
        assert Photo.select().count() == 0


def test_a_decompression_bomb_is_refused_before_decoding(app, school):
    # A 20000×20000 PNG: a few hundred KB on disk, 1.2 GB once decoded. That is above Pillow's own limit, so it is
    # Pillow that refuses it (as unreadable), before the app's pixel count is even looked at.
    width = height = 20000
    raw = zlib.compress(b''.join(b'\x00' + b'\x00' * width for _ in range(64)), 9)  # enough rows to be a PNG

    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)) + \
        chunk(b'IDAT', raw) + chunk(b'IEND', b'')
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError) as refused:
            store_photo(upload(png, 'bomb.png'), school['campus'])
        assert str(refused.value) == '这个文件不是可识别的照片，请拍摄或选择 JPEG、PNG 或 WebP 照片。'
        assert Photo.select().count() == 0


def wide_png():
    """A valid, fully decodable PNG with more pixels than the app accepts and fewer than Pillow refuses."""
    assert MAX_PIXELS < WIDE_SIDE * WIDE_SIDE < Image.MAX_IMAGE_PIXELS
    out = io.BytesIO()
    Image.new('L', (WIDE_SIDE, WIDE_SIDE), 200).save(out, 'PNG')
    return out.getvalue()


def stored_files(app):
    """Every file under PHOTO_DIR."""
    return [os.path.join(d, f) for d, _dirs, files in os.walk(app.config['PHOTO_DIR']) for f in files]


def test_a_photo_with_more_pixels_than_the_app_allows_is_refused_by_the_app(app, school):
    data = wide_png()
    assert len(data) < 100 * 1024  # small on disk: only the pixel count can refuse it
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError) as refused:
            store_photo(upload(data, 'wide.png'), school['campus'])
        assert str(refused.value) == '照片像素太多（7072×7072）。'
        assert Photo.select().count() == 0
    assert stored_files(app) == []


def test_a_report_with_a_photo_over_the_pixel_limit_says_so_and_stores_nothing(app, as_role, school):
    teacher = as_role('teacher')
    page = teacher.get('/t/ABCDEFGH12').get_data(as_text=True)
    form = page[page.index('action="/t/ABCDEFGH12/report"'):]
    form = form[:form.index('</form>')]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    uuid.UUID(data['submission_id'])  # the form carries its submission id
    data.update({'title': '窗帘杆掉了', 'photo': (io.BytesIO(wide_png()), 'wide.png')})
    response = teacher.post('/t/ABCDEFGH12/report', data=data, content_type='multipart/form-data')
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '照片像素太多（7072×7072）。' in body and 'value="窗帘杆掉了"' in body
    with database.connection_context():
        assert (Photo.select().count(), Record.select().count(), WorkOrder.select().count()) == (0, 0, 0)
    assert stored_files(app) == []


def test_oversized_upload_is_refused(app, school):
    app.config['UPLOAD_MAX_MB'] = 1
    data = os.urandom(1024 * 1024 + 10)
    with app.test_request_context(), database.connection_context():
        with pytest.raises(PhotoError) as refused:
            store_photo(upload(data), school['campus'])
        assert str(refused.value) == '照片大于 1 MB。'
        assert Photo.select().count() == 0


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
    with database.connection_context():
        other = Campus.create(name='别的学校', code='x')
        stranger = User.create(username='stranger', password_hash=PASSWORD_HASH)
        Membership.create(user=stranger, campus=other, role='admin')
    outsider = app.test_client()
    login(outsider, 'stranger')
    assert outsider.get(f'/photos/{photo.id}').status_code == 404
