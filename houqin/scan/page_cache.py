"""The scan page of a place, rendered once per database version, viewer and language, never stale.

A place's scan page depends only on the database (the label, the place and the places around it, the campus,
the viewer's account and role, checklists and routines, the last cleaning, the open orders, the photos and
records), the language, the site's path prefix and the clock (an order turns overdue at its due time; one's own
sign-off can be undone for UNDO_SECONDS). So each worker keeps the rendered page, with marks where the CSRF
token and the forms' fresh submission ids go, under db.data_version() read at the start of the request (before
the viewer is loaded): any write committed since, by any process, empties the cache, and an entry also ends at
the earliest of those times on the page. Pages with something of this moment or this browser on them (a flashed
message, an anonymous visitor's own reports, a patrol checkpoint) are rendered as before and never kept; nor is
any page of a role that patrols (its scan is a checkpoint). A stocktake counter's scan of a room's label is kept:
it only names the room they count in, which the database holds (a scan of that room again writes nothing).

On PostgreSQL the version is the server's snapshot: writes to other databases of the same server empty the
cache too (never stale, only kept for less long).

Anything added to the scan page of a place must come from the database or end the entry (`until`).
tests/test_scan_cache.py changes each of these and checks the next page shows it.
"""
import threading

from flask import g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from houqin.clock import utcnow
from houqin.db import data_version
from houqin.permissions import can
from houqin.scan.records import new_submission_id

CSRF_MARK = 'houqin-csrf-token-mark'
SID_MARK = 'houqin-submission-id-mark-{}-'
MOST_PAGES = 1000  # a worker's pages at one version (10–15 KB each)

_cache = threading.local()  # per thread: SQLite's version belongs to the thread's connection


def ticket(token):
    """(key, version) for this viewer's page of this label (its normalised token), the version read at the start
    of the request (scan.tag GETs, in create_app's before_request); None when the page is this viewer's own
    moment: a flashed message, an anonymous visitor's own reports, a role whose scan is a patrol checkpoint."""
    if request.method != 'GET' or '_flashes' in session:
        return None
    if current_user.is_authenticated:
        if g.get('campus') is None or can('patrol.scan'):
            return None
        viewer = (current_user.id, g.campus.id, g.role)
    elif request.cookies.get('my_reports'):
        return None
    else:
        viewer = None
    version = g.data_version if 'data_version' in g else data_version()
    return (token, viewer, str(get_locale()), request.script_root), version


def page(ticket_):
    """The kept (page with its marks, its forms) for this ticket, or None; an older version's pages are dropped."""
    key, version = ticket_
    if getattr(_cache, 'version', None) != version:
        _cache.version, _cache.pages = version, {}
    kept = _cache.pages.get(key)
    if kept is None or (kept[1] is not None and utcnow() >= kept[1]):
        return None
    return kept[0]


def keep(ticket_, html, forms, until=None):
    """Keep a page rendered after its ticket was read, until the next write (or `until`, UTC)."""
    key, version = ticket_
    if getattr(_cache, 'version', None) != version:
        return
    if len(_cache.pages) >= MOST_PAGES:
        _cache.pages = {}
    _cache.pages[key] = ((html, tuple(forms)), until)


def marks(forms):
    """What the page is rendered with instead of this request's CSRF token and submission ids."""
    return (lambda: CSRF_MARK), {form: SID_MARK.format(form) for form in forms}


def filled(html, forms):
    """The kept page for this request: its own CSRF token and a fresh submission id for each form."""
    html = html.replace(CSRF_MARK, generate_csrf())
    for form in forms:
        html = html.replace(SID_MARK.format(form), new_submission_id())
    return html
