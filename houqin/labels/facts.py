"""What the label pages say about a layout, the label font and this server's QR codes."""
import ipaddress
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from houqin.labels.compose import ApproxMetrics
from houqin.labels.fonts import LabelFontError, label_font
from houqin.tags import payload_plan, qr_size


def number_text(value):
    """70.0 → '70', 63.5 → '63.5'."""
    return f'{value:.2f}'.rstrip('0').rstrip('.')


def layout_title(layout):
    """How a layout is named in lists: its grid or 'thermal', and the label size."""
    size = f'{number_text(layout.label_width)}×{number_text(layout.label_height)} mm'
    if not layout.builtin:
        return f'{layout.name} · {size}'
    if layout.thermal:
        return _('Thermal label %(size)s', size=size)
    return _('A4 sheet %(columns)d×%(rows)d · %(size)s', columns=layout.columns, rows=layout.rows, size=size)


def label_metrics():
    """(metrics for fitting text, refusal message or None): the label font, else approximate widths."""
    try:
        return label_font(current_app.config), None
    except LabelFontError as exc:
        return ApproxMetrics(), str(exc)


def qr_facts():
    """What the QR codes look like for this server's base URL: plan, version, modules."""
    base = current_app.config['BASE_URL']
    version, modules = qr_size(base)
    return {'plan': payload_plan(base), 'version': version, 'modules': modules, 'base': base,
            'example': payload_plan(base).url('7K3M9Q2XAB'), 'problem': base_url_problem(base)}


def is_loopback(host):
    """True for an address only the server itself can reach (127.0.0.1, ::1, 0.0.0.0, localhost)."""
    host = (host or '').lower()
    if host == 'localhost' or host.endswith('.localhost'):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def base_url_problem(base):
    """Why phones could not open labels printed for this base URL (the server's own address), or None.

    A private address (192.168.…) is fine when someone set it for the school network; the loopback default is
    what a server says when nobody set HOUQIN_BASE_URL at all.
    """
    if not is_loopback(urlsplit(base).hostname):
        return None
    return _('The labels would carry %(base)s, the address of this server to itself: phones cannot open it, so '
             'every label would be useless. Ask whoever runs the server to set HOUQIN_BASE_URL to the address '
             'phones use (for example https://houqin.your-school.cn, or http://192.168.1.10:8000 on the school '
             'network) and restart it.', base=base)


def module_note(module):
    """What a QR module size means for the person scanning."""
    if module >= 0.8:
        return _('Large QR codes: phones scan them from a step away.')
    if module >= 0.5:
        return _('QR codes of a good size: phones scan them from about a hand span away.')
    return _('Small QR codes: hold the phone close to scan them.')
