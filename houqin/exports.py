"""What every export shares: cells a spreadsheet shows as text, never runs as a formula, and CSV files Excel
opens with the Chinese intact."""
import csv
import io

# A cell beginning with one of these is a formula (or becomes one) in Excel, LibreOffice and WPS: "=HYPERLINK(…)"
# in a report's title would run when the ledger is opened (OWASP: CSV injection).
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def safe_cell(value):
    """The value for a spreadsheet cell: text that begins like a formula gets a leading apostrophe, which
    spreadsheets show as text; numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header, rows):
    """CSV text for a spreadsheet: a UTF-8 byte-order mark (so Excel reads Chinese), every cell through
    safe_cell."""
    out = io.StringIO()
    out.write('\ufeff')
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
