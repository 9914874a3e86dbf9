"""What an import file means: its columns and values, and the checks on every row.

Plain functions over a table of cells (see import_files.read_upload) that return a plan: the rows to
write (import_write) or every reason the file cannot be imported. The views only move files around.
"""
import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from houqin.models import Item, Place
from houqin.vocab import ITEM_KIND_LABELS, ITEM_STATUS_LABELS, PLACE_KIND_LABELS, key_for

MAX_ROWS = 20000        # rows per file, and assets per file once quantities are counted
MAX_QUANTITY = 500      # assets one row may create
PREVIEW_ROWS = 50


@dataclass(frozen=True)
class Column:
    """One column of an import file: the Chinese header of the template and the headers also accepted."""
    field: str
    header: str
    aliases: tuple = ()
    required: bool = False
    width: int = 12
    max_length: int = 100


PLACE_COLUMNS = (
    Column('name', '名称', ('场所名称', '名字', 'name'), required=True, width=18),
    Column('kind', '类型', ('种类', '类别', '场所类型', 'kind', 'type'), width=10),
    Column('parent', '上级位置', ('上级', '上级场所', '所属', 'parent', 'inside'), width=24, max_length=300),
    Column('code', '编号', ('代码', '房间号', '门牌号', '场所编号', 'code'), width=10, max_length=30),
    Column('note', '备注', ('说明', 'note', 'notes', 'remark'), width=24, max_length=2000),
)

ITEM_COLUMNS = (
    Column('name', '名称', ('资产名称', '物品名称', '名字', 'name'), required=True, width=16),
    Column('kind', '类型', ('种类', '类别', '资产类型', '物品类型', 'kind', 'type'), width=12),
    Column('place', '所在位置', ('位置', '存放地点', '存放位置', '使用地点', '所在场所', '场所', 'place', 'location'),
           required=True, width=26, max_length=300),
    Column('asset_number', '资产编号', ('编号', '资产编码', '资产号', 'asset number', 'asset no'), width=14,
           max_length=50),
    Column('quantity', '数量', ('quantity', 'qty', 'count'), width=7),
    Column('custodian', '保管人', ('责任人', '使用人', '管理人', 'custodian'), width=10, max_length=50),
    Column('status', '状态', ('使用状态', '资产状态', 'status'), width=10),
    Column('purchased_on', '购置日期', ('购买日期', '购入日期', '采购日期', 'purchased on', 'purchase date'),
           width=13),
    Column('expires_on', '有效期至', ('有效期', '到期日期', '到期日', '过期日期', '有效期限', 'expires on',
                                  'expiry date'), width=13),
    Column('note', '备注', ('说明', 'note', 'notes', 'remark'), width=20, max_length=500),
)

COLUMNS = {'places': PLACE_COLUMNS, 'items': ITEM_COLUMNS}

# The values a file may hold for kinds and statuses. The first name is the one the template offers;
# the others are what people write anyway. The catalogue's names (vocab.key_for) are accepted too.
PLACE_KIND_NAMES = {
    'building': ('楼栋', '楼', '教学楼', '综合楼', '办公楼', '宿舍楼', '实验楼', '建筑', '楼宇'),
    'floor': ('楼层', '层'), 'classroom': ('教室', '普通教室', '班级'),
    'toilet': ('厕所', '卫生间', '洗手间', '男厕', '女厕', '公厕'), 'dormitory': ('宿舍', '寝室'),
    'office': ('办公室',), 'canteen': ('食堂', '餐厅'), 'lab': ('实验室',),
    'function_room': ('功能室', '专用教室'), 'gate': ('校门', '大门'), 'corridor': ('走廊', '过道', '连廊'),
    'stairwell': ('楼梯间', '楼梯'), 'playground': ('操场', '运动场'),
    'storeroom': ('仓库', '库房', '保管室', '器材室'), 'other': ('其他', '其它'),
}
ITEM_KIND_NAMES = {
    'desk': ('课桌', '桌子', '办公桌', '学生桌'), 'chair': ('椅子', '课椅', '凳子', '学生椅'),
    'projector': ('投影仪', '投影机'), 'computer': ('电脑', '计算机', '台式机', '笔记本电脑'),
    'fire_extinguisher': ('灭火器',), 'hydrant': ('消防栓', '消火栓'), 'light': ('灯', '灯管', '灯具'),
    'door': ('门',), 'window': ('窗', '窗户'), 'air_conditioner': ('空调',),
    'water_dispenser': ('饮水机', '直饮水机'), 'camera': ('摄像头', '监控摄像头', '摄像机'),
    'other': ('其他', '其它'),
}
ITEM_STATUS_NAMES = {
    'in_use': ('在用', '正常', '使用中'), 'broken': ('损坏', '坏'), 'under_repair': ('维修中', '在修'),
    'missing': ('丢失', '遗失'), 'scrapped': ('报废', '已报废'),
}

# The template's grey example rows carry this note; a row with it is left out, whatever else it says, so
# an example left in the file is not imported while a real row that looks like one (教学楼, A) is.
EXAMPLE_NOTE = '示例行，不会导入'
EXAMPLES = {
    'places': (
        {'name': '教学楼', 'kind': '楼栋', 'code': 'A', 'note': EXAMPLE_NOTE},
        {'name': '一楼', 'kind': '楼层', 'parent': '教学楼', 'note': EXAMPLE_NOTE},
        {'name': '101教室', 'kind': '教室', 'parent': '教学楼/一楼', 'code': '101', 'note': EXAMPLE_NOTE},
    ),
    'items': (
        {'name': '干粉灭火器', 'kind': '灭火器', 'place': '教学楼/一楼', 'asset_number': 'XF-0001',
         'quantity': 1, 'custodian': '张老师', 'status': '在用', 'purchased_on': datetime.date(2025, 3, 1),
         'expires_on': datetime.date(2030, 3, 1), 'note': EXAMPLE_NOTE},
        {'name': '学生课桌', 'kind': '课桌', 'place': '教学楼/一楼/101教室', 'quantity': 45,
         'custodian': '李老师', 'status': '在用', 'purchased_on': datetime.date(2024, 8, 20), 'note': EXAMPLE_NOTE},
    ),
}

PATH_SEPARATORS = re.compile(r'\s*[/／>＞›»\\]\s*')


@dataclass
class RowError:
    """Why a row (or, with row None, the whole file) cannot be imported."""
    row: int | None
    message: str


@dataclass
class Table:
    """The cells of an upload: the header row, then (spreadsheet row number, values) for each row."""
    headers: list
    rows: list
    header_row: int = 1
    filename: str = ''


@dataclass
class ImportPlan:
    """What an import would write: the checked rows, or the reasons it cannot."""
    kind: str
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    examples_skipped: int = 0

    @property
    def object_count(self):
        """How many places or assets (and labels) the import creates."""
        return sum(getattr(r, 'quantity', 1) for r in self.rows)

    @property
    def preview(self):
        """The first rows, for the preview page."""
        return self.rows[:PREVIEW_ROWS]


@dataclass
class PlaceRow:
    """A checked place row: what will be written, and where the place will be."""
    row: int
    name: str
    kind: str
    path: str
    parent_path: str = ''
    parent_id: int | None = None      # an existing place
    parent_row: int | None = None     # or the index of an earlier row of this file
    code: str | None = None
    note: str = ''


@dataclass
class ItemRow:
    """A checked asset row: what will be written, quantity times."""
    row: int
    name: str
    kind: str
    place_id: int
    place_path: str
    asset_number: str | None = None
    quantity: int = 1
    custodian: str = ''
    status: str = 'in_use'
    purchased_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    note: str = ''


def fold(text):
    """A matching key: full-width forms folded (Ａ１ → a1), case ignored, outer spaces dropped."""
    return unicodedata.normalize('NFKC', text).strip().casefold()


def header_key(text):
    """A header as matched: folded, without spaces, asterisks or a note in brackets."""
    text = re.sub(r'\(.*?\)|\[.*?\]|[*\s]', '', unicodedata.normalize('NFKC', str(text or '')))
    return text.casefold()


HEADER_FIELDS = {kind: {header_key(name): c.field for c in columns for name in (c.header, c.field) + c.aliases}
                 for kind, columns in COLUMNS.items()}


def cell_text(value):
    """A cell as text: numbers without a trailing .0, dates as 2026-03-01, spaces trimmed."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(' ')
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace('\u3000', ' ').replace('\xa0', ' ').strip()


DATE_PATTERNS = (
    re.compile(r'(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?'),
    re.compile(r'(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?'),
    re.compile(r'(\d{4})(\d{2})(\d{2})'),
)


def parse_date(value):
    """A date from a date cell, 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日 or 20260301; else ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = unicodedata.normalize('NFKC', cell_text(value))
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            if 1900 <= year <= 2200:
                return datetime.date(year, month, day)  # raises ValueError for 2026-02-30
    raise ValueError(text)


class Choices:
    """The values a kind or status column accepts: Chinese names and synonyms, stored keys, catalogue names."""

    def __init__(self, names, labels):
        self.names, self.labels = names, labels
        self.lookup = {}
        for key in labels:
            self.lookup[fold(key)] = self.lookup[fold(key.replace('_', ' '))] = key
        for key, synonyms in names.items():
            for name in synonyms:
                self.lookup[fold(name)] = key

    @property
    def offered(self):
        """The names the template offers, one per key."""
        return [synonyms[0] for synonyms in self.names.values()]

    def key(self, value):
        """The stored key for a value as written in a file, or None."""
        return self.lookup.get(fold(value)) or key_for(self.labels, value)


PLACE_KINDS = Choices(PLACE_KIND_NAMES, PLACE_KIND_LABELS)
ITEM_KINDS = Choices(ITEM_KIND_NAMES, ITEM_KIND_LABELS)
ITEM_STATUSES = Choices(ITEM_STATUS_NAMES, ITEM_STATUS_LABELS)
CHOICES = {'places': {'kind': PLACE_KINDS}, 'items': {'kind': ITEM_KINDS, 'status': ITEM_STATUSES}}


def split_path(text):
    """教学楼/一楼 › 101 → ['教学楼', '一楼', '101']; any of / ／ > ＞ › \\ separates."""
    return [part for part in PATH_SEPARATORS.split(text.strip()) if part]


def map_columns(table, kind):
    """{field: column index} for the table's headers, and a RowError for each header problem."""
    fields, errors, seen = {}, [], {}
    other = 'items' if kind == 'places' else 'places'
    unknown = []
    for index, header in enumerate(table.headers):
        name, key = cell_text(header), header_key(header)
        if not key:
            continue
        letter = get_column_letter(index + 1)
        found = HEADER_FIELDS[kind].get(key)
        if found is None:
            unknown.append((name, letter, key))
        elif found in seen:
            errors.append(RowError(None, _('The column “%(name)s” appears twice (columns %(first)s and %(second)s).',
                                           name=name, first=seen[found], second=letter)))
        else:
            fields[found], seen[found] = index, letter
    if unknown and all(key in HEADER_FIELDS[other] for _n, _l, key in unknown):
        errors.append(RowError(None, _('These columns belong to the asset template. Did you mean to import assets?')
                               if kind == 'places' else
                               _('These columns belong to the place template. Did you mean to import places?')))
    readable = '、'.join(c.header for c in COLUMNS[kind])
    for name, letter, _key in unknown:
        errors.append(RowError(None, _('Unknown column “%(name)s” (column %(column)s). This import reads: %(columns)s.',
                                       name=name, column=letter, columns=readable)))
    for column in COLUMNS[kind]:
        if column.required and column.field not in fields:
            errors.append(RowError(None, _('The required column “%(name)s” is missing.', name=column.header)))
    return fields, errors


def row_values(values, fields, reasons, headers):
    """{field: cell} for one row; a value under a column without a header is an error."""
    named = set(fields.values())
    for index, value in enumerate(values):
        if index not in named and cell_text(value) and not header_key(headers[index] if index < len(headers) else ''):
            reasons.append(_('There is a value in column %(column)s, which has no header.',
                             column=get_column_letter(index + 1)))
    return {f: (values[i] if i < len(values) else None) for f, i in fields.items()}


def is_example(cells):
    """True for a template example row, known by its note."""
    return cell_text(cells.get('note')) == EXAMPLE_NOTE


def text_value(cells, column, reasons):
    """The cell of a text column, checked for length."""
    text = cell_text(cells.get(column.field))
    if len(text) > column.max_length:
        reasons.append(_('%(column)s is longer than %(max)d characters.', column=column.header, max=column.max_length))
    return text


def choice_value(kind, cells, name, reasons, default):
    """The stored key of a kind or status cell; empty means the default."""
    text = cell_text(cells.get(name))
    if not text:
        return default
    choices = CHOICES[kind][name]
    key = choices.key(text)
    if key is None:
        allowed = '、'.join(choices.offered)
        reasons.append(_('“%(value)s” is not a known kind. Write one of: %(allowed)s.', value=text, allowed=allowed)
                       if name == 'kind' else
                       _('“%(value)s” is not a known status. Write one of: %(allowed)s.', value=text, allowed=allowed))
    return key


class PlaceIndex:
    """The campus's places by folded path and by code, loaded with one query."""

    def __init__(self, campus):
        rows = {p.id: p for p in Place.select(Place.id, Place.name, Place.parent, Place.code)
                .where(Place.campus == campus)}
        self.by_path, self.by_code, self.display = {}, {}, {}
        for pid in rows:
            chain, node = [], rows[pid]
            while node is not None:
                chain.append(node.name)
                node = rows.get(node.parent_id)
            chain.reverse()
            self.by_path.setdefault(tuple(fold(n) for n in chain), []).append(pid)
            self.display[pid] = ' › '.join(chain)
            if rows[pid].code:
                self.by_code[fold(rows[pid].code)] = pid

    def find(self, text):
        """(place id, error) for a path such as 教学楼/一楼 or, failing that, a place code."""
        key = tuple(fold(p) for p in split_path(text))
        found = self.by_path.get(key, [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, _('“%(path)s” matches %(n)d places; write its code instead.', path=text, n=len(found))
        if fold(text) in self.by_code:
            return self.by_code[fold(text)], None
        return None, _('No place “%(path)s” found.', path=text)


def plan_import(kind, campus, table):
    """Check every row of a table against the campus; the plan holds the rows to write or every error."""
    fields, errors = map_columns(table, kind)
    if errors:
        return ImportPlan(kind, errors=errors)
    plan = ImportPlan(kind)
    if kind == 'places':
        check_places(plan, campus, table, fields)
    else:
        check_items(plan, campus, table, fields)
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(None, _('The file has no rows to import.')))
    elif plan.object_count > MAX_ROWS:
        plan.errors.append(RowError(None, _('The file would create %(n)d assets; at most %(max)d can be imported '
                                            'at once. Split it into several files.', n=plan.object_count, max=MAX_ROWS)))
    return plan


def check_places(plan, campus, table, fields):
    """Fill the plan with the place rows, resolving parents to existing places or earlier rows."""
    existing = PlaceIndex(campus)
    column = {c.field: c for c in PLACE_COLUMNS}
    in_file = {}     # folded path -> (index in plan.rows, or None for a bad row; row number)
    codes = {}       # folded code -> (folded path, row number)
    further_down = {}
    for number, values in table.rows:  # where each row's place will be, to explain a parent given too late
        cells = {f: values[i] if i < len(values) else None for f, i in fields.items()}
        path = split_path(cell_text(cells.get('parent'))) + [cell_text(cells.get('name'))]
        further_down.setdefault(tuple(fold(p) for p in path), number)
    for number, values in table.rows:
        reasons = []
        cells = row_values(values, fields, reasons, table.headers)
        if is_example(cells):
            plan.examples_skipped += 1
            continue
        name = text_value(cells, column['name'], reasons)
        if not name:
            reasons.append(_('The name is missing.'))
        elif PATH_SEPARATORS.search(name):
            reasons.append(_('A place name cannot contain / > or ›, which separate the levels of a location.'))
        row = PlaceRow(number, name, choice_value('places', cells, 'kind', reasons, 'other') or 'other', path=name)
        parent_text = text_value(cells, column['parent'], reasons)
        parent_key = ()
        if parent_text:
            parent_key = tuple(fold(p) for p in split_path(parent_text))
            if parent_key not in in_file and fold(parent_text) in codes:
                parent_key = codes[fold(parent_text)][0]
            if parent_key in in_file:
                index, parent_number = in_file[parent_key]
                if index is None:
                    reasons.append(_('Its parent “%(path)s” cannot be imported (row %(row)d).',
                                     path=parent_text, row=parent_number))
                else:
                    row.parent_row, row.parent_path = index, plan.rows[index].path
            else:
                row.parent_id, problem = existing.find(parent_text)
                if row.parent_id is not None:
                    row.parent_path = existing.display[row.parent_id]
                    parent_key = tuple(fold(p) for p in split_path(row.parent_path))
                elif further_down.get(parent_key, 0) > number:
                    reasons.append(_('Its parent “%(path)s” is defined further down (row %(row)d); '
                                     'move that row above this one.', path=parent_text, row=further_down[parent_key]))
                else:
                    reasons.append(problem)
            row.path = f'{row.parent_path or parent_text} › {name}'
        key = parent_key + (fold(name),)
        if name and key in existing.by_path:
            reasons.append(_('The place “%(path)s” already exists.', path=row.path))
        elif name and key in in_file:
            reasons.append(_('The place “%(path)s” also appears in row %(row)d.', path=row.path, row=in_file[key][1]))
        row.code = text_value(cells, column['code'], reasons) or None
        if row.code and fold(row.code) in existing.by_code:
            reasons.append(_('The code %(code)s is already used by another place.', code=row.code))
        elif row.code and fold(row.code) in codes:
            reasons.append(_('The code %(code)s also appears in row %(row)d.',
                             code=row.code, row=codes[fold(row.code)][1]))
        row.note = text_value(cells, column['note'], reasons)
        if row.code:
            codes.setdefault(fold(row.code), (key, number))
        if reasons:
            plan.errors.extend(RowError(number, reason) for reason in reasons)
            in_file.setdefault(key, (None, number))  # rows naming it as parent say so, once each
            continue
        in_file[key] = (len(plan.rows), number)
        plan.rows.append(row)
    return plan


def check_items(plan, campus, table, fields):
    """Fill the plan with the asset rows; their places must already exist."""
    places = PlaceIndex(campus)
    column = {c.field: c for c in ITEM_COLUMNS}
    taken = {fold(n) for (n,) in Item.select(Item.asset_number)
             .where((Item.campus == campus) & Item.asset_number.is_null(False)).tuples()}
    numbers = {}
    for number, values in table.rows:
        reasons = []
        cells = row_values(values, fields, reasons, table.headers)
        if is_example(cells):
            plan.examples_skipped += 1
            continue
        name = text_value(cells, column['name'], reasons)
        if not name:
            reasons.append(_('The name is missing.'))
        kind = choice_value('items', cells, 'kind', reasons, 'other')
        status = choice_value('items', cells, 'status', reasons, 'in_use')
        place_text = text_value(cells, column['place'], reasons)
        place_id = None
        if not place_text:
            reasons.append(_('The location is missing.'))
        else:
            place_id, problem = places.find(place_text)
            if problem:
                reasons.append(problem)
        asset_number = text_value(cells, column['asset_number'], reasons) or None
        if asset_number and fold(asset_number) in taken:
            reasons.append(_('The asset number %(number)s is already used by another asset.', number=asset_number))
        elif asset_number and fold(asset_number) in numbers:
            reasons.append(_('The asset number %(number)s also appears in row %(row)d.',
                             number=asset_number, row=numbers[fold(asset_number)]))
        elif asset_number:
            numbers[fold(asset_number)] = number
        quantity = quantity_value(cells.get('quantity'), reasons)
        if quantity > 1 and asset_number:
            reasons.append(_('A row with a quantity above 1 cannot have an asset number; '
                             'give each numbered asset its own row.'))
        dates = {}
        for name_ in ('purchased_on', 'expires_on'):
            raw = cells.get(name_)
            if cell_text(raw):
                try:
                    dates[name_] = parse_date(raw)
                except ValueError:
                    reasons.append(_('%(column)s “%(value)s” is not a date; write it like 2026-03-01.',
                                     column=column[name_].header, value=cell_text(raw)))
        if dates.get('purchased_on') and dates.get('expires_on') and dates['expires_on'] < dates['purchased_on']:
            reasons.append(_('The expiry date is before the purchase date.'))
        custodian = text_value(cells, column['custodian'], reasons)
        note = text_value(cells, column['note'], reasons)
        if reasons:
            plan.errors.extend(RowError(number, reason) for reason in reasons)
            continue
        plan.rows.append(ItemRow(number, name, kind, place_id, places.display[place_id], asset_number, quantity,
                                 custodian, status, dates.get('purchased_on'), dates.get('expires_on'), note))
    return plan


def quantity_value(value, reasons):
    """The quantity cell as a whole number from 1 to MAX_QUANTITY; empty means 1."""
    text = cell_text(value)
    if not text:
        return 1
    try:
        quantity = int(unicodedata.normalize('NFKC', text))
    except ValueError:
        quantity = 0
    if not 1 <= quantity <= MAX_QUANTITY:
        reasons.append(_('The quantity “%(value)s” is not a whole number from 1 to %(max)d.',
                         value=text, max=MAX_QUANTITY))
        return 1
    return quantity
