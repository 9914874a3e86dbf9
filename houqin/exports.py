"""What every export shares: cells a spreadsheet shows as text, never runs as a formula, and CSV files Excel
opens with the Chinese intact. Every exported cell someone could have typed goes through safe_cell (CSV) or
sheet_cell (xlsx); both decide with looks_like_formula."""
import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and WPS: "=HYPERLINK(…)"
# in a report's title would run when the ledger is opened (OWASP: CSV injection).
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
# Characters an xlsx file cannot hold (XML 1.0): dropped, so a stray one from an import cannot break an export.
UNWRITABLE = ILLEGAL_CHARACTERS_RE if hasattr(ILLEGAL_CHARACTERS_RE, 'sub') else re.compile(ILLEGAL_CHARACTERS_RE)


def looks_like_formula(value):
    """True when a spreadsheet would read the text as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value):
    """The value for a CSV cell: text that begins like a formula gets a leading apostrophe, which
    spreadsheets show as text; numbers, dates and other text are unchanged."""
    if looks_like_formula(value):
        return "'" + value
    return value


def sheet_cell(sheet, value):
    """The value for a cell of a write-only xlsx sheet: text exactly as typed, stored as text (with Excel's
    quote prefix, so even editing the cell keeps it text) when it begins like a formula."""
    if not isinstance(value, str):
        return value
    value = UNWRITABLE.sub('', value)
    if not looks_like_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = 's'
    cell.quotePrefix = True
    return cell

