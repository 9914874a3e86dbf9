"""Label tokens, the code a person types, the QR payload and the QR matrix drawn as one SVG path.

Tokens are 10 characters of Crockford base32 from `secrets`: unguessable, never a database id.
The payload is `{BASE_URL}/T/{TOKEN}` upper-cased, so the whole URL fits QR alphanumeric mode
(version 2, 25 modules, instead of version 3 in byte mode for a typical base URL).
"""
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import qrcode
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
TOKEN_LENGTH = 10
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
# Characters QR alphanumeric mode can carry.
QR_ALPHANUMERIC = frozenset('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:')
# Crockford decoding forgives the letters people confuse with digits.
CONFUSABLES = str.maketrans({'I': '1', 'L': '1', 'O': '0'})


def new_token():
    """A fresh 10-character token (50 bits from secrets)."""
    return ''.join(secrets.choice(CROCKFORD) for _ in range(TOKEN_LENGTH))


def normalise_token(text):
    """The token a URL or a typed code means (any case, hyphens/spaces ignored, I/L→1, O→0), or None."""
    cleaned = re.sub(r'[\s\-_.]+', '', text or '').upper().translate(CONFUSABLES)
    if len(cleaned) != TOKEN_LENGTH or not set(cleaned) <= set(CROCKFORD):
        return None
    return cleaned


def human_code(token):
    """The token as a person reads and types it: 7K3M-9Q2X-AB."""
    return f'{token[:4]}-{token[4:8]}-{token[8:]}'


@dataclass(frozen=True)
class PayloadPlan:
    """How labels encode URLs for one base URL: the prefix before the token and the QR mode."""
    prefix: str          # e.g. 'HTTP://SCHOOL.EXAMPLE/T/'
    alphanumeric: bool   # False: the QR falls back to byte mode (bigger code, smaller modules)
    reason: str = ''     # why not alphanumeric: 'path' (lower-case path) or 'characters'

    def url(self, token):
        """The payload for one token."""
        return self.prefix + token


@lru_cache(maxsize=16)
def payload_plan(base_url):
    """Decide whether `{base_url}/T/{TOKEN}` can be upper-cased safely and how it is encoded."""
    parts = urlsplit(base_url.rstrip('/'))
    path = parts.path.rstrip('/')
    plain = f'{parts.scheme}://{parts.netloc}{path}/T/'
    if any(c.islower() for c in path):
        # Scheme and host are case-insensitive; a path is not, and a proxy may route on it.
        return PayloadPlan(plain, False, 'path')
    upper = plain.upper()
    if not set(upper) <= QR_ALPHANUMERIC:
        return PayloadPlan(plain, False, 'characters')
    return PayloadPlan(upper, True)


def payload(base_url, token):
    """The URL a label's QR code carries."""
    return payload_plan(base_url).url(token)


def qr_matrix(text, alphanumeric=True):
    """The QR modules (rows of booleans, True = dark, no quiet zone) at error correction M."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    if alphanumeric:
        code.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    else:
        code.add_data(QRData(text.encode('utf-8'), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return code.get_matrix()


@lru_cache(maxsize=16)
def qr_size(base_url):
    """(version, modules per side without the quiet zone) of every label for this base URL."""
    plan = payload_plan(base_url)
    modules = len(qr_matrix(plan.url('0' * TOKEN_LENGTH), plan.alphanumeric))
    return (modules - 17) // 4, modules


def dark_runs(matrix):
    """(x, y, length) of every horizontal run of dark modules: the fewest rectangles that draw the code."""
    runs = []
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((start, y, x - start))
            else:
                x += 1
    return runs


def svg_path_data(matrix):
    """The SVG path data of the dark modules, one unit per module, origin at the first module."""
    return ''.join(f'M{x} {y}h{w}v1h-{w}z' for x, y, w in dark_runs(matrix))


def qr_svg(matrix, quiet_zone=QUIET_ZONE):
    """A standalone SVG of the code with its quiet zone, scalable to any size."""
    side = len(matrix) + 2 * quiet_zone
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path transform="translate({quiet_zone} {quiet_zone})" d="{svg_path_data(matrix)}"/></svg>')
