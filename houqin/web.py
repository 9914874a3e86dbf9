"""What every page shares: security headers and the CSP, safe redirects, the client's address, pagination,
and fetching a row of the signed-in campus."""
from urllib.parse import urlsplit

from flask import abort, current_app, g, request

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; object-src 'none'")
PER_PAGE = 50


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
    if not target or not target.startswith('/') or target.startswith('//') or '\\' in target:
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
    """The ?page= argument, 1 when absent or not a number."""
    return request.args.get('page', 1, type=int) or 1


def campus_or_404(model, row_id):
    """The row of a model with a `campus` field that belongs to the signed-in campus, or 404."""
    row = model.get_or_none((model.id == row_id) & (model.campus == g.campus))
    if row is None:
        abort(404)
    return row
