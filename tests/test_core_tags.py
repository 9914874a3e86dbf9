"""Tags: the QR mode is the one asked for (never qrcode's own guess) and the SVG path joins runs with nothing
between them — pinned for bench/mutation.py."""
from houqin.tags import qr_matrix, svg_path_data

FORTY_DIGITS = '0' * 40  # digits alone: qrcode on its own would pick numeric mode (version 2, 25 modules)


def test_alphanumeric_mode_is_used_even_for_digits_only():
    # 40 characters in alphanumeric mode at level M need version 3 (29 modules); numeric would fit version 2.
    assert len(qr_matrix(FORTY_DIGITS)) == 29


def test_byte_mode_is_used_even_for_digits_only():
    # 40 bytes at level M need version 3 as well; numeric mode would again fit version 2.
    assert len(qr_matrix(FORTY_DIGITS, alphanumeric=False)) == 29


def test_svg_path_is_the_runs_back_to_back():
    matrix = [[True, False, True, True],
              [False, True, False, False]]
    assert svg_path_data(matrix) == 'M0 0h1v1h-1zM2 0h2v1h-2zM1 1h1v1h-1z'


def test_svg_path_of_a_blank_matrix_is_empty():
    assert svg_path_data([[False, False], [False, False]]) == ''
