"""What the label pages say about a layout, the label font and this server's QR codes."""
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
            'example': payload_plan(base).url('7K3M9Q2XAB')}
