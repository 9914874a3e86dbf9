"""What every template can use: permissions, readable names, local times, pagination, static file URLs."""
import hashlib
import os
import re

from flask import current_app, g, request, url_for
from flask_babel import get_locale, gettext as _

from houqin import vocab
from houqin.clock import format_local, to_local, zone_name
from houqin.permissions import can


def local_time(value, fmt='%Y-%m-%d %H:%M'):
    """A stored UTC time shown in the campus time zone."""
    return format_local(value, zone_name(g.get('campus')), fmt)


def half_day(value):
    """A stored UTC time as the campus's day and half-day ('12月3日上午'): a promise, not a minute."""
    if value is None:
        return ''
    local = to_local(value, zone_name(g.get('campus')))
    day = _('%(month)d/%(day)d', month=local.month, day=local.day)
    if local.hour < 12:
        return _('%(day)s morning', day=day)
    if local.hour < 18:
        return _('%(day)s afternoon', day=day)
    return _('%(day)s evening', day=day)


# Static files are linked under content-hashed names (scan.3f2a9c1b0d.js) and cached for a year: a new
# release changes the name, so a phone never revalidates a script it already has.
HASHED_NAME = re.compile(r'^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$')
IMMUTABLE = 'public, max-age=31536000, immutable'


def static_digest(filename):
    """The first 10 hex digits of a static file's SHA-256, computed once per process."""
    digests = current_app.extensions.setdefault('houqin.static_digests', {})
    if filename not in digests:
        with open(os.path.join(current_app.static_folder, filename), 'rb') as fh:
            digests[filename] = hashlib.sha256(fh.read()).hexdigest()[:10]
    return digests[filename]


def asset_url(filename):
    """The URL of a static file under its content-hashed name."""
    stem, ext = os.path.splitext(filename)
    return url_for('static', filename=f'{stem}.{static_digest(filename)}{ext}')


def serve_hashed(original):
    """Wrap the static view: a hashed name serves its file with a year-long immutable cache."""
    def static(filename):
        match = HASHED_NAME.match(filename)
        if match is None:
            return original(filename=filename)
        plain = match['stem'] + match['ext']
        response = original(filename=plain)
        try:
            current = static_digest(plain)
        except OSError:
            return response
        if current == match['digest'] and response.status_code in (200, 304):
            response.headers['Cache-Control'] = IMMUTABLE
        return response
    return static


def page_url(page):
    """This page's URL with another page number, keeping the other query arguments."""
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args['page'] = page
    return url_for(request.endpoint, **args)


def current_language():
    """'zh_CN' or 'en': the interface language of this request."""
    locale = get_locale()
    return 'en' if locale is not None and locale.language == 'en' else 'zh_CN'


def init_app(app):
    """Register filters and globals."""
    app.jinja_env.filters['local_time'] = local_time
    app.jinja_env.filters['half_day'] = half_day
    app.jinja_env.globals.update(
        can=can, vocab=vocab, label=vocab.label, page_url=page_url,
        lang=current_language, asset_url=asset_url)
    if 'static' in app.view_functions:
        app.view_functions['static'] = serve_hashed(app.view_functions['static'])
