"""Photos (houqin/photos.py) without HTTP: the pixel limit per format, Pillow's own bomb warning, transparency on
white, every photo RGB, a JPEG decoded reduced, Lanczos shrinking, the stored JPEG's settings, where files go,
the upload size limit and what a Photo row keeps — pinned for bench/mutation.py."""
import io
import json
import os
import struct
import subprocess
import sys
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from houqin import photos
from houqin.db import database
from houqin.models import Photo, Record, Tag
from houqin.photos import (JPEG_QUALITY, LONG_SIDE, MAX_PIXELS, MAX_UNREDUCED_PIXELS, PhotoError, PreparedPhoto,
                           decode_photo, encode_jpeg, photo_file, read_upload, save_photo, store_photo)
from houqin.scan.records import submit_record

# 4000 × 3001 = 12,004,000 pixels: over the PNG/WebP limit, under the JPEG one (a 12 M pixel phone photo).
OVER_UNREDUCED = (4000, 3001)


def encoded(image, kind, **options):
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def png_header(width, height):
    """A PNG whose header claims width × height (Pillow reads the size without decoding)."""
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b'\x00' * (width + 1))) + chunk(b'IEND', b''))


def upload(data, filename='photo.jpg'):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


# --- the pixel limit per format --------------------------------------------------------------------------

def test_the_limits_are_what_the_module_says():
    assert (MAX_PIXELS, MAX_UNREDUCED_PIXELS) == (50_000_000, 12_000_000)
    assert OVER_UNREDUCED[0] * OVER_UNREDUCED[1] > MAX_UNREDUCED_PIXELS


def test_a_png_over_12_million_pixels_is_refused_from_its_header():
    with pytest.raises(PhotoError) as refused:
        decode_photo(png_header(*OVER_UNREDUCED))
    assert str(refused.value) == 'The photo has too many pixels (4000×3001).'


def test_a_jpeg_over_12_million_pixels_is_accepted_and_shrunk():
    data = encoded(Image.new('RGB', OVER_UNREDUCED, (10, 120, 40)), 'JPEG', quality=50)
    image = decode_photo(data)
    assert image.size[0] == 2048 and image.mode == 'RGB'


def test_a_png_over_pillows_own_limit_is_unreadable():
    # 10000 × 10000 = 100 M pixels: Pillow warns (89.5 M) rather than refuses (179 M); the warning refuses it
    assert Image.MAX_IMAGE_PIXELS < 10000 * 10000 < 2 * Image.MAX_IMAGE_PIXELS
    with pytest.raises(PhotoError) as refused:
        decode_photo(png_header(10000, 10000))
    assert str(refused.value) == \
        'This file is not a photo we can read. Please take or choose a JPEG, PNG or WebP photo.'


# --- what comes out: upright RGB, transparency on white, shrunk with Lanczos -----------------------------

def test_transparency_becomes_white_and_opaque_pixels_stay():
    image = Image.new('RGBA', (20, 10), (0, 0, 0, 0))           # transparent black
    image.paste((200, 0, 0, 255), (0, 0, 10, 10))                # opaque red on the left
    out = decode_photo(encoded(image, 'PNG'))
    assert out.mode == 'RGB' and out.size == (20, 10)
    assert out.getpixel((2, 5)) == (200, 0, 0)
    assert out.getpixel((15, 5)) == (255, 255, 255)


def test_a_palette_png_with_transparency_becomes_white_too():
    image = Image.new('P', (10, 10), 0)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (0, 0, 5, 10))
    out = decode_photo(encoded(image, 'PNG', transparency=0))
    assert out.getpixel((1, 1)) == (0, 0, 255) and out.getpixel((8, 8)) == (255, 255, 255)


def test_a_cmyk_jpeg_comes_out_rgb():
    out = decode_photo(encoded(Image.new('CMYK', (16, 16), (0, 255, 255, 0)), 'JPEG', quality=95))
    assert out.mode == 'RGB'
    red, green, blue = out.getpixel((8, 8))
    assert red > 200 and green < 60 and blue < 60


def test_a_palette_png_without_transparency_comes_out_rgb():
    image = Image.new('P', (10, 10), 1)
    image.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    out = decode_photo(encoded(image, 'PNG'))
    assert out.mode == 'RGB' and out.getpixel((5, 5)) == (0, 200, 0)


def test_a_grey_photo_comes_out_rgb():
    out = decode_photo(encoded(Image.new('L', (30, 20), 90), 'PNG'))
    assert out.mode == 'RGB' and out.getpixel((3, 3)) == (90, 90, 90)


def test_an_rgb_photo_is_unchanged_when_small():
    image = Image.effect_noise((64, 48), 60).convert('RGB')
    out = decode_photo(encoded(image, 'PNG'))
    assert out.tobytes() == image.tobytes()


def noisy(size):
    return Image.effect_noise(size, 50).convert('RGB')


def test_a_large_photo_is_shrunk_to_2048_with_lanczos():
    image = noisy((2600, 1300))
    out = decode_photo(encoded(image, 'PNG'))
    reference = image.copy()
    reference.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
    assert out.size == (2048, 1024)
    assert out.tobytes() == reference.tobytes()


MEASURE = """
import json, sys
from houqin.photos import decode_photo


def peak_kb():
    # this process's own peak (VmHWM starts afresh at exec; getrusage's maxrss would carry the parent's)
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])


data = open(sys.argv[1], 'rb').read()
before = peak_kb()
image = decode_photo(data)
print(json.dumps({'size': image.size, 'grew_kb': peak_kb() - before}))
"""


def test_a_large_jpeg_is_decoded_reduced(tmp_path):
    # 8000 × 6000 RGB is 144 MB decoded at full size; drafted to half scale it is 36 MB. A fresh process
    # measures its own peak memory around the decoding.
    path = tmp_path / 'big.jpg'
    path.write_bytes(encoded(Image.new('RGB', (8000, 6000), (90, 90, 200)), 'JPEG', quality=30))
    assert decode_photo(path.read_bytes()).size == (2048, 1536)
    package_root = os.path.dirname(os.path.dirname(photos.__file__))   # the houqin this test imported
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, [package_root, os.environ.get('PYTHONPATH')]))}
    done = subprocess.run([sys.executable, '-c', MEASURE, str(path)], capture_output=True, text=True, env=env,
                          check=True)
    measured = json.loads(done.stdout)
    assert measured['size'] == [2048, 1536]
    assert measured['grew_kb'] < 150 * 1024, measured     # reduced: ~80 MB; at full size: ~250 MB


# --- the stored JPEG -------------------------------------------------------------------------------------

def test_the_stored_jpeg_is_progressive_at_quality_82_without_metadata():
    image = noisy((300, 200))
    data, size = encode_jpeg(image, 1000)
    stored = Image.open(io.BytesIO(data))
    reference = Image.open(io.BytesIO(encoded(image, 'JPEG', quality=JPEG_QUALITY)))
    assert JPEG_QUALITY == 82
    assert stored.format == 'JPEG' and size == (300, 200) == stored.size
    assert stored.info.get('progressive') == 1
    assert stored.quantization == reference.quantization
    assert 'exif' not in stored.info and not stored.getexif()


def test_encode_jpeg_shrinks_a_copy_with_lanczos():
    image = noisy((900, 600))
    data, size = encode_jpeg(image, 300)
    assert image.size == (900, 600)                                  # the original is left as it was
    assert size == (300, 200) == Image.open(io.BytesIO(data)).size
    reference = image.copy()
    reference.thumbnail((300, 300), Image.LANCZOS)
    assert data == encoded(reference, 'JPEG', quality=JPEG_QUALITY, optimize=True, progressive=True)


def test_a_prepared_photo_has_its_jpeg_its_thumbnail_and_its_hash():
    prepared = PreparedPhoto(noisy((1000, 500)))
    assert (prepared.width, prepared.height) == (1000, 500)
    assert Image.open(io.BytesIO(prepared.thumb)).size == (320, 160)
    assert len(prepared.sha256) == 64


# --- files and rows --------------------------------------------------------------------------------------

SHA = 'ab12cd' + '0' * 58


def test_photo_files_are_under_two_levels_of_hash_prefix(app):
    with app.app_context():
        root = app.config['PHOTO_DIR']
        assert photo_file(SHA) == os.path.join(root, 'ab', '12', f'{SHA}.jpg')
        assert photo_file(SHA, thumbnail=True) == os.path.join(root, 'ab', '12', f'{SHA}-thumb.jpg')


class Endless(io.RawIOBase):
    """An upload stream far larger than the limit, counting what was read of it."""

    def __init__(self, size):
        self.size, self.given = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.given)
        buffer[:n] = b'x' * n
        self.given += n
        return n


def test_an_upload_is_read_up_to_one_byte_over_the_limit_only(app):
    app.config['UPLOAD_MAX_MB'] = 1
    stream = Endless(50 * 1024 * 1024)
    with app.test_request_context():
        with pytest.raises(PhotoError) as refused:
            read_upload(FileStorage(stream=stream, filename='big.jpg'))
    assert str(refused.value) == '照片大于 1 MB。'
    assert stream.given == 1024 * 1024 + 1


def test_an_upload_of_exactly_the_limit_is_read(app):
    app.config['UPLOAD_MAX_MB'] = 1
    with app.test_request_context():
        assert len(read_upload(upload(b'y' * (1024 * 1024)))) == 1024 * 1024


def test_a_stored_photo_row_says_what_and_whose_it_is(app, school):
    image = noisy((400, 300))
    with app.test_request_context(), database.connection_context():
        teacher = school['users']['teacher']
        record, _ = submit_record('6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f', Tag.get(Tag.token == 'ABCDEFGH12'),
                                  school['room'], activity='report', user=teacher)
        photo = store_photo(upload(encoded(image, 'PNG'), 'p.png'), school['campus'], teacher,
                            record=Record.get_by_id(record.id))
        row = Photo.get_by_id(photo.id)
        data = open(photo_file(row.sha256), 'rb').read()
        assert (row.content_type, row.width, row.height, row.size) == ('image/jpeg', 400, 300, len(data))
        assert (row.uploaded_by_id, row.record_id, row.campus_id) == (teacher.id, record.id, school['campus'].id)
        assert os.path.exists(photo_file(row.sha256, thumbnail=True))
        prepared = PreparedPhoto(decode_photo(encoded(image, 'PNG')))
        again = save_photo(prepared, school['campus'], teacher, record=Record.get_by_id(record.id))
        assert (Photo.get_by_id(again.id).uploaded_by_id, Photo.get_by_id(again.id).record_id) == \
            (teacher.id, record.id)
