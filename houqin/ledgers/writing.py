"""Writing a ledger: an xlsx workbook (openpyxl's write-only mode, so rows stream to disk and memory stays flat
however long the ledger) or CSV text in chunks. Each sheet has a title row (school · ledger · period), a bold
header row frozen with it, widths from the columns, datetimes in the campus's zone as real Excel dates; every
text cell goes through houqin.exports."""
import csv
import datetime
import decimal
import io
import re
import unicodedata

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from houqin import clock
from houqin.exports import safe_cell, sheet_cell
from houqin.ledgers.sheets import Column, Sheet

DATETIME_FORMAT = 'yyyy-mm-dd hh:mm'
DATE_FORMAT = 'yyyy-mm-dd'
DECIMAL_FORMAT = '0.00'
CSV_CHUNK_ROWS = 500
SHEET_TITLE_BAD = re.compile(r'[\[\]:*?/\\]')  # characters Excel refuses in a sheet's name
SHEET_TITLE_MAX = 31
MIN_WIDTH, MAX_WIDTH = 8, 60
DEFAULT_WIDTHS = {'date': 11, 'datetime': 17, 'int': 8, 'decimal': 10}


def display_width(text):
    """How many Latin characters wide a text shows: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in 'WF' else 1 for ch in str(text))


def column_width(column):
    """The column's width in Excel's units: its own, else what fits its header and its type's values."""
    if column.width:
        return column.width
    return max(MIN_WIDTH, min(MAX_WIDTH, max(display_width(column.header) + 2, DEFAULT_WIDTHS.get(column.type, 0))))


def period_text(query):
    """The period as the title row says it."""
    return f'{query.first.isoformat()} — {query.last.isoformat()}'


def title_text(ledger, query, sheet, several):
    """The title row: the school, the ledger (and sheet, when there are several) and the period."""
    name = f'{ledger.title} · {sheet.title}' if several else str(ledger.title)
    return f'{query.campus.name} · {name} · {period_text(query)}'


def sheet_titles(sheets):
    """Unique sheet names Excel accepts (31 characters, no []:*?/\\), in order."""
    seen, titles = set(), []
    for index, sheet in enumerate(sheets, 1):
        base = SHEET_TITLE_BAD.sub(' ', str(sheet.title)).strip()[:SHEET_TITLE_MAX] or f'Sheet{index}'
        title, n = base, 2
        while title.lower() in seen:
            suffix = f' ({n})'
            title, n = base[:SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
        seen.add(title.lower())
        titles.append(title)
    return titles


def local(moment, zone):
    """A stored naive-UTC datetime as the campus's naive wall clock (what Excel shows)."""
    return clock.to_local(moment, zone).replace(tzinfo=None)


def typed_cell(sheet, column, value, zone):
    """One xlsx cell of a row: a real date, datetime or number with its format, else formula-safe text."""
    if value is None or value == '':
        return None
    if column.type == 'datetime' and isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=local(value, zone))
        cell.number_format = DATETIME_FORMAT
        return cell
    if column.type == 'decimal' and isinstance(value, (int, float, decimal.Decimal)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DECIMAL_FORMAT
        return cell
    if isinstance(value, (datetime.date, int, float, decimal.Decimal)) and not isinstance(value, bool):
        return value
    return sheet_cell(sheet, str(value))


def text_cell(sheet, text):
    """A styled text cell (title, header) built through sheet_cell, so a school's name is never a formula."""
    value = sheet_cell(sheet, text)
    return value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)


def blank_sheet(ledger):
    """What a ledger without sheets for the query writes (an inspection ledger with no checklist used)."""
    return Sheet(ledger.title, (Column(_('No records in this period')),), lambda query: (), lambda query: 0)


def sheets_of(ledger, query):
    """The ledger's sheets for the query, with at least one (a blank one saying there is nothing)."""
    return ledger.sheets_for(query) or [blank_sheet(ledger)]


def write_xlsx(ledger, query, out):
    """Write the ledger as an xlsx workbook to `out` (a path or a binary file); rows stream through."""
    book = Workbook(write_only=True)
    sheets = sheets_of(ledger, query)
    bold, heading = Font(bold=True), Font(bold=True, size=13)
    for sheet, name in zip(sheets, sheet_titles(sheets)):
        ws = book.create_sheet(name)
        for index, column in enumerate(sheet.columns, 1):
            ws.column_dimensions[get_column_letter(index)].width = column_width(column)
        ws.freeze_panes = 'A3'  # the title and header rows stay in view
        title = text_cell(ws, title_text(ledger, query, sheet, len(sheets) > 1))
        title.font = heading
        ws.append([title])
        header = []
        for column in sheet.columns:
            cell = text_cell(ws, str(column.header))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        zone, columns = query.zone, sheet.columns
        for row in sheet.rows(query):
            ws.append([typed_cell(ws, column, value, zone) for column, value in zip(columns, row)])
    book.save(out)


def csv_value(value, zone):
    """One CSV cell: datetimes on the campus's wall clock, dates ISO, numbers as written, text formula-safe."""
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return local(value, zone).strftime('%Y-%m-%d %H:%M')
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value)
    return safe_cell(str(value))


def csv_chunks(ledger, query):
    """The ledger as CSV text in chunks, a UTF-8 byte-order mark first (so Excel reads Chinese): per
    sheet its title row, header and rows, sheets apart by an empty line."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write('\ufeff')
    sheets = sheets_of(ledger, query)
    for number, sheet in enumerate(sheets):
        if number:
            writer.writerow([])
        writer.writerow([safe_cell(title_text(ledger, query, sheet, len(sheets) > 1))])
        writer.writerow([safe_cell(str(column.header)) for column in sheet.columns])
        zone = query.zone
        for count, row in enumerate(sheet.rows(query), 1):
            writer.writerow([csv_value(value, zone) for value in row])
            if count % CSV_CHUNK_ROWS == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def file_name(ledger, query, suffix):
    """The download's file name: kind and period, ASCII only (the title is in the workbook)."""
    return f'{ledger.kind}-{query.first.isoformat()}-{query.last.isoformat()}.{suffix}'
