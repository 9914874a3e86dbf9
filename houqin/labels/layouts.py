"""Label layouts as data, in millimetres: A4 sheets and single thermal labels, and the checks a layout must pass."""
from dataclasses import dataclass

from flask_babel import gettext as _

from houqin.models import LabelLayout
from houqin.tags import QUIET_ZONE
from houqin.web import int_or_none

MIN_MODULE_MM = 0.4      # below this, phone cameras start to miss modules
MIN_TEXT_WIDTH = 16.0    # mm beside the QR for name, place, campus and code
MIN_TEXT_HEIGHT = 10.0   # mm under the QR on a portrait label
MIN_LABEL_MM, MAX_LABEL_MM = 10.0, 300.0
MAX_PAGE_MM = 1000.0
MAX_GRID = 30


@dataclass(frozen=True)
class Layout:
    """A page with a grid of labels; a thermal layout is a page that is one label."""
    key: str
    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.0
    builtin: bool = True
    id: int = None

    @property
    def per_page(self):
        return self.columns * self.rows

    @property
    def thermal(self):
        """True for a single label per page (a roll for a thermal printer)."""
        return self.per_page == 1

    def label_origin(self, slot):
        """The top-left corner (mm from the page's top-left) of the label in a slot, row by row."""
        row, column = divmod(slot, self.columns)
        return (self.margin_left + column * (self.label_width + self.gap_x),
                self.margin_top + row * (self.label_height + self.gap_y))


def sheet(key, columns, rows, width, height, left, top, gap_x=0.0, gap_y=0.0):
    """An A4 sheet layout."""
    return Layout(key, f'A4 {columns}×{rows}', 210.0, 297.0, width, height, columns, rows, left, top,
                  gap_x, gap_y, padding=2.0)


def thermal(width, height):
    """A single thermal label, the page as large as the label."""
    return Layout(f'thermal-{width}x{height}', f'{width}×{height}', float(width), float(height), float(width),
                  float(height), padding=1.5)


# Sheet geometries are those of common stock (Avery/Herma/得力 label paper of the same sizes).
BUILTIN_LAYOUTS = {layout.key: layout for layout in (
    sheet('a4-3x8', 3, 8, 70.0, 37.0, 0.0, 0.5),
    sheet('a4-3x7', 3, 7, 63.5, 38.1, 7.21, 15.15, gap_x=2.54),
    sheet('a4-2x5', 2, 5, 99.1, 57.0, 4.65, 6.0, gap_x=2.5),
    sheet('a4-4x10', 4, 10, 48.5, 25.4, 8.0, 21.5),
    thermal(40, 30),
    thermal(50, 30),
    thermal(60, 40),
    thermal(70, 50),
)}
DEFAULT_LAYOUT = 'a4-3x8'


def qr_arrangement(layout):
    """('side' or 'stacked', side of the QR square in mm, quiet zone included): the largest that fits."""
    w, h = layout.label_width, layout.label_height
    if w >= h:
        return 'side', max(0.0, min(h, w - max(MIN_TEXT_WIDTH, 0.4 * w)))
    return 'stacked', max(0.0, min(w, h - max(MIN_TEXT_HEIGHT, 0.35 * h)))


def module_mm(layout, modules):
    """How wide one QR module prints on this layout, for a code of `modules` per side."""
    return qr_arrangement(layout)[1] / (modules + 2 * QUIET_ZONE)


def layout_problems(layout, modules):
    """Why this layout cannot print labels (an empty list when it can), in the user's language."""
    problems = []
    numbers = (layout.page_width, layout.page_height, layout.label_width, layout.label_height,
               layout.margin_left, layout.margin_top, layout.gap_x, layout.gap_y, layout.padding)
    if any(n is None or n != n for n in numbers) or not layout.columns or not layout.rows:
        return [_('Every size must be a number.')]
    if not (MIN_LABEL_MM <= layout.label_width <= MAX_LABEL_MM and MIN_LABEL_MM <= layout.label_height <= MAX_LABEL_MM):
        problems.append(_('A label must be between %(min)d and %(max)d mm on each side.',
                          min=MIN_LABEL_MM, max=MAX_LABEL_MM))
    if not (MIN_LABEL_MM <= layout.page_width <= MAX_PAGE_MM and MIN_LABEL_MM <= layout.page_height <= MAX_PAGE_MM):
        problems.append(_('A page must be between %(min)d and %(max)d mm on each side.',
                          min=MIN_LABEL_MM, max=MAX_PAGE_MM))
    if not (1 <= layout.columns <= MAX_GRID and 1 <= layout.rows <= MAX_GRID):
        problems.append(_('Columns and rows must be between 1 and %(max)d.', max=MAX_GRID))
    if min(layout.margin_left, layout.margin_top, layout.gap_x, layout.gap_y, layout.padding) < 0:
        problems.append(_('Margins, gaps and padding cannot be negative.'))
    if layout.padding > min(layout.label_width, layout.label_height) / 4:
        problems.append(_('The padding is too large for the label.'))
    if problems:
        return problems
    used_w = layout.margin_left + layout.columns * layout.label_width + (layout.columns - 1) * layout.gap_x
    used_h = layout.margin_top + layout.rows * layout.label_height + (layout.rows - 1) * layout.gap_y
    if used_w > layout.page_width + 0.01:
        problems.append(_('The labels do not fit across the page: margin, labels and gaps take %(used).1f mm '
                          'of %(page).1f mm.', used=used_w, page=layout.page_width))
    if used_h > layout.page_height + 0.01:
        problems.append(_('The labels do not fit down the page: margin, labels and gaps take %(used).1f mm '
                          'of %(page).1f mm.', used=used_h, page=layout.page_height))
    module = module_mm(layout, modules)
    if module < MIN_MODULE_MM:
        need = MIN_MODULE_MM * (modules + 2 * QUIET_ZONE)
        problems.append(_('The QR code would print with modules of %(module).2f mm, under the %(min).1f mm that '
                          'phones need to scan it reliably: it needs a square of %(need).1f mm but this label '
                          'leaves %(have).1f mm. Make the label larger.',
                          module=module, min=MIN_MODULE_MM, need=need, have=qr_arrangement(layout)[1]))
    return problems


def layout_from_row(row):
    """A Layout from an admin-added LabelLayout row."""
    return Layout(f'custom-{row.id}', row.name, row.page_width, row.page_height, row.label_width,
                  row.label_height, row.columns, row.rows, row.margin_left, row.margin_top, row.gap_x,
                  row.gap_y, row.padding, builtin=False, id=row.id)


def campus_layouts(campus):
    """The built-in layouts, then the campus's own, by key."""
    layouts = dict(BUILTIN_LAYOUTS)
    if campus is not None:
        for row in LabelLayout.select().where(LabelLayout.campus == campus).order_by(LabelLayout.name):
            layout = layout_from_row(row)
            layouts[layout.key] = layout
    return layouts


def find_layout(key, campus):
    """The layout with this key (built in, or the campus's own), or None."""
    if key in BUILTIN_LAYOUTS:
        return BUILTIN_LAYOUTS[key]
    if key and key.startswith('custom-') and int_or_none(key[7:]) is not None:
        row = LabelLayout.get_or_none((LabelLayout.id == int_or_none(key[7:])) & (LabelLayout.campus == campus))
        return layout_from_row(row) if row else None
    return None

