"""The anonymous scan page of a place, rendered once per database version and language, never stale.

An anonymous visitor's page of a place label depends only on the database (the label, the place and the places
around it, the campus, the last cleaning, the open orders), the language, the site's path prefix and the clock
(an order turns overdue at its due time). So each worker keeps the rendered page, with marks where the CSRF token
and the forms' fresh submission ids go, under db.data_version(): any write committed since, by any process,
empties the cache, and an entry also ends at the earliest due time on the page. Visitors with something of
their own on the page (a flashed message, their recent reports) get it rendered as before.

On PostgreSQL the version is the server's snapshot: writes to other databases of the same server empty the
cache too (never stale, only kept for less long).

Anything added to the anonymous page of a place must come from the database or end the entry (`until`).
tests/test_scan_cache.py changes each of these and checks the next page shows it.
"""
import threading

from flask import request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from houqin.clock import utcnow
from houqin.db import data_version
from houqin.scan.records import new_submission_id

CSRF_MARK = 'houqin-csrf-token-mark'
SID_MARK = 'houqin-submission-id-mark-{}-'
MOST_PAGES = 2000  # a worker's pages at one version (about 10 KB each)

_cache = threading.local()  # per thread: SQLite's version belongs to the thread's connection


def ticket(token):
    """(key, version) for an anonymous visitor's page of this label (its normalised token), read before anything
    else the page reads; None when the page is this visitor's own (a flashed message, the browser's own reports)."""
    if '_flashes' in session or request.cookies.get('my_reports'):
        return None
    return (token, str(get_locale()), request.script_root), data_version()


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
