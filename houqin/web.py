"""What every page shares: security headers and the CSP, safe redirects, the client's address, pagination,
and fetching a row of the signed-in campus."""
import datetime
import gzip
import re
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; object-src 'none'")
PER_PAGE = 50


def unbroken(text):
    """Markup keeping text on one line: a work-order number never breaks inside (2026- / 0012)."""
    return Markup('<span class="nowrap">%s</span>') % text


def markup_message(template, **values):
    """A translated template (placeholders not yet filled) filled in as markup, every value escaped unless it is
    markup itself (unbroken numbers), for a flash that keeps a number whole."""
    return Markup.escape(template) % values


def security_headers(response):
    """CSP, nosniff, no framing, and no caching of pages in shared caches."""
    response.headers.setdefault('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    response.headers.setdefault('X-Content-Type-Options', 'nosniff')
    response.headers.setdefault('Referrer-Policy', 'same-origin')
    response.headers.setdefault('X-Frame-Options', 'DENY')
    if request.endpoint != 'static' and 'Cache-Control' not in response.headers:
        response.headers['Cache-Control'] = 'private, no-store'
    response.vary.add('Cookie')
    return response


def safe_next(target):
    """The target if it is a path on this site, else None."""
    if (not target or not target.startswith('/') or target.startswith('//') or '\\' in target
            or CONTROL_CHARACTERS.search(target) or any(c in target for c in '\r\n')):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def client_address():
    """The client's address (ProxyFix has applied X-Forwarded-For when configured)."""
    return (request.remote_addr or 'unknown')[:64]


def https_site():
    """True when the site's address is HTTPS: browsers offer location only there."""
    return current_app.config['BASE_URL'].startswith('https://')


class Page:
    """One page of a query: its rows, number and page count."""

    def __init__(self, query, number, per_page=PER_PAGE):
        self.total = query.count()
        self.pages = max(1, -(-self.total // per_page))
        self.number = min(max(1, number), self.pages)
        self.rows = list(query.paginate(self.number, per_page))


def page_number():
    """The ?page= argument, 1 when absent or not a number from 1 to 1,000,000."""
    return request.args.get('page', 1, type=lambda text: bounded_int(text, 1, 1_000_000))


def campus_or_404(model, row_id):
    """The row of a model with a `campus` field that belongs to the signed-in campus, or 404."""
    row = model.get_or_none((model.id == row_id) & (model.campus == g.campus))
    if row is None:
        abort(404)
    return row


def asked_campus_row(model, name):
    """The signed-in campus's row of a model whose id the request names (?name= or the posted field), or None."""
    row_id = int_or_none(request.values.get(name, ''))
    return model.get_or_none((model.id == row_id) & (model.campus == g.campus)) if row_id else None


def clean_text(text, limit):
    """One line of typed text: stripped, CR/LF and tabs made spaces, at most `limit` characters (other control
    characters never get past refuse_control_characters)."""
    return ' '.join(str(text or '').split())[:limit]


# Bad input at the edge (issue 10): bounded integers, control characters, safe redirects -----------------------

MAX_ID = 2 ** 63 - 1        # the largest integer SQLite and PostgreSQL's bigint store
CONTROL_CHARACTERS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def bounded_int(text, low=1, high=MAX_ID):
    """The whole number written in ASCII digits (an optional leading minus when low < 0) within low..high, else
    ValueError; usable as `request.args.get(name, type=bounded_int)`."""
    text = str(text).strip()
    digits = text[1:] if text.startswith('-') and low < 0 else text
    if not digits or len(digits) > 19 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f'not a whole number: {text[:30]!r}')
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f'{number} is outside {low}..{high}')
    return number


def int_or_none(text, low=1, high=MAX_ID):
    """bounded_int, or None when the text is not such a number."""
    try:
        return bounded_int(text, low, high)
    except (TypeError, ValueError):
        return None


class BoundedIntConverter(IntegerConverter):
    """<int:...> in routes: 1 to MAX_ID, so a 20-digit id is a 404 instead of an overflow in the database."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 — werkzeug's names
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_control_characters():
    """A request whose path, query or form carries NUL or another control character is answered 400 before any
    view sees it (databases refuse NUL in text; nothing legitimate sends it)."""
    values = [request.path]
    for source in (request.args, request.form) if request.method == 'POST' else (request.args,):
        for key, items in source.lists():
            values.append(key)
            values.extend(items)
    if any(CONTROL_CHARACTERS.search(value) for value in values):
        message = _('The request contains control characters (such as NUL) that no form sends; nothing was saved.')
        return render_template('errors/error.html', code=400, message=message), 400
    return None


def safe_redirect(target, fallback):
    """A redirect to target when it is a path on this site, else to fallback."""
    return redirect(safe_next(target) or fallback)


EARLIEST_DATE, LATEST_DATE = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def bounded_date(text):
    """The date written YYYY-MM-DD from 2000 to 2100, else ValueError (a day in year 1 or 9999 has no
    neighbours to compute with)."""
    day = datetime.date.fromisoformat(str(text).strip()[:10])
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f'{day} is outside {EARLIEST_DATE}..{LATEST_DATE}')
    return day


COMPRESSIBLE = {'text/html', 'text/css', 'application/javascript', 'text/javascript', 'application/json',
                'image/svg+xml', 'text/plain', 'text/csv'}
COMPRESS_MIN_BYTES = 1024   # below this, gzip saves too little to be worth it


def compress_response(response):
    """gzip HTML, CSS and JS for a client that accepts it, unless already encoded (e.g. by a reverse proxy)."""
    if (response.status_code != 200 or request.method == 'HEAD' or 'Content-Encoding' in response.headers
            or response.mimetype not in COMPRESSIBLE or not request.accept_encodings['gzip']):
        return response
    static = request.endpoint == 'static'
    if response.is_streamed and not static:
        return response
    response.direct_passthrough = False
    data = response.get_data()
    response.vary.add('Accept-Encoding')
    if len(data) < COMPRESS_MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, 6, mtime=0))
    response.headers['Content-Encoding'] = 'gzip'
    etag, _weak = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)  # the same file, another encoding: a weak validator stays valid
    return response
