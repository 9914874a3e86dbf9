"""What every template can use: permissions, readable names, local times, pagination."""

from flask import g, request, url_for
from flask_babel import get_locale

from houqin import vocab
from houqin.clock import format_local, zone_name
from houqin.permissions import can


def local_time(value, fmt='%Y-%m-%d %H:%M'):
    """A stored UTC time shown in the campus time zone."""
    return format_local(value, zone_name(g.get('campus')), fmt)


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
    app.jinja_env.globals.update(
        can=can, vocab=vocab, label=vocab.label, page_url=page_url,
        lang=current_language)
