"""Tokens, the typed code, the QR payload (alphanumeric mode, byte-mode fallback) and the QR drawn as one SVG path."""
import re

from PIL import Image, ImageDraw
from pyzbar.pyzbar import ZBarSymbol, decode

from houqin.tags import (CROCKFORD, QUIET_ZONE, TOKEN_LENGTH, dark_runs, human_code, new_token, normalise_token,
                         payload, payload_plan, qr_matrix, qr_size, qr_svg, svg_path_data)


def matrix_image(matrix, dot=6):
    """The matrix as a black-on-white image with its quiet zone."""
    side = (len(matrix) + 2 * QUIET_ZONE) * dot
    image = Image.new('L', (side, side), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in dark_runs(matrix):
        draw.rectangle(((QUIET_ZONE + x) * dot, (QUIET_ZONE + y) * dot,
                        (QUIET_ZONE + x + width) * dot - 1, (QUIET_ZONE + y + 1) * dot - 1), fill=0)
    return image


def test_tokens_are_crockford_base32_and_unguessable():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in tokens:
        assert len(token) == TOKEN_LENGTH and set(token) <= set(CROCKFORD)
    assert not set('ILOU') & set(CROCKFORD)


def test_human_code_is_4_4_2_and_reads_back():
    assert human_code('7K3M9Q2XAB') == '7K3M-9Q2X-AB'
    assert normalise_token('7K3M-9Q2X-AB') == '7K3M9Q2XAB'


def test_typed_codes_forgive_case_hyphens_spaces_and_confusables():
    assert normalise_token('7k3m 9q2x ab') == '7K3M9Q2XAB'
    assert normalise_token(' 7K3M-9Q2X-AB ') == '7K3M9Q2XAB'
    assert normalise_token('ABCDEFGHI2') == 'ABCDEFGH12'    # I read as 1
    assert normalise_token('abcdefghl2') == 'ABCDEFGH12'    # l read as 1
    assert normalise_token('0o0o0o0o0o') == '0000000000'    # O read as 0
    for bad in ('', 'ABC', 'ABCDEFGH123', 'ABCDEFGHU2', 'ABCDEFGH1?', None):
        assert normalise_token(bad) is None


def test_payload_is_the_upper_case_url_in_alphanumeric_mode():
    plan = payload_plan('http://school.test')
    assert plan.alphanumeric and plan.prefix == 'HTTP://SCHOOL.TEST/T/'
    assert payload('http://school.test/', '7K3M9Q2XAB') == 'HTTP://SCHOOL.TEST/T/7K3M9Q2XAB'
    assert payload_plan('https://hq.example.edu.cn:8443').prefix == 'HTTPS://HQ.EXAMPLE.EDU.CN:8443/T/'
    # An upper-case path is kept as it is and still fits alphanumeric mode.
    assert payload_plan('https://example.org/HQ').alphanumeric


def test_a_lower_case_path_falls_back_to_byte_mode_unchanged():
    plan = payload_plan('https://example.org/houqin/')
    assert not plan.alphanumeric and plan.reason == 'path'
    assert plan.url('7K3M9Q2XAB') == 'https://example.org/houqin/T/7K3M9Q2XAB'
    other = payload_plan('http://my_school.test')
    assert not other.alphanumeric and other.reason == 'characters'
    assert not payload_plan('http://[::1]:8000').alphanumeric


def test_alphanumeric_mode_makes_the_smaller_code():
    upper = qr_matrix('HTTP://SCHOOL.TEST/T/7K3M9Q2XAB', alphanumeric=True)
    lower = qr_matrix('http://school.test/T/7K3M9Q2XAB', alphanumeric=False)
    assert len(upper) == 25 and len(lower) == 29            # version 2 against version 3
    assert qr_size('http://school.test') == (2, 25)
    assert qr_size('https://example.org/houqin') == (3, 29)


def test_the_matrix_decodes_to_the_payload():
    for base in ('http://school.test', 'https://example.org/houqin'):
        plan = payload_plan(base)
        text = plan.url('7K3M9Q2XAB')
        found = decode(matrix_image(qr_matrix(text, plan.alphanumeric)), symbols=[ZBarSymbol.QRCODE])
        assert [f.data.decode() for f in found] == [text]


def test_svg_path_draws_exactly_the_dark_modules():
    matrix = qr_matrix('HTTP://SCHOOL.TEST/T/7K3M9Q2XAB')
    drawn = [[False] * len(matrix) for _ in matrix]
    for x, y, w in re.findall(r'M(\d+) (\d+)h(\d+)v1h-\3z', svg_path_data(matrix)):
        for dx in range(int(w)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == [list(row) for row in matrix]
    svg = qr_svg(matrix)
    assert svg.count('<path') == 1 and 'viewBox="0 0 33 33"' in svg   # 25 modules + 2 × 4 quiet zone
    assert len(svg) < 3000
