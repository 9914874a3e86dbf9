"""Import files as bytes: reading an uploaded .xlsx or .csv into a table, and writing the templates."""
import csv
import datetime
import io
import json
import os
import zipfile

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from houqin.importing.rows import (CHOICES, COLUMNS, EXAMPLES, EXAMPLE_NOTE, HEADER_FIELDS, MAX_ROWS, Table,
                                   cell_text, header_key)

HEADER_SEARCH_ROWS = 10          # a title row or two above the headers is common in school sheets
MAX_UNPACKED_BYTES = 100 * 2**20  # an .xlsx is a zip: refuse one that unpacks to more than this
# Cells read from a sheet, empty ones included (20,000 rows × 20 columns): a small .xlsx can declare or hold
# millions of cells, and reading each costs time; refused before reading when the sheet's size says so.
MAX_CELLS = 400_000
OLE_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'  # old .xls (and other Office 97 files)
CHOICES_SHEET = '可选值'
HELP_SHEET = '填写说明'
SHEET_TITLES = {'places': '场所', 'items': '资产'}
TEMPLATE_NAMES = {'places': '场所导入模板', 'items': '资产导入模板'}


class ImportFileError(ValueError):
    """The upload cannot be read as an import file; the message says why, for the user."""


def read_upload(filename, data):
    """The table in an uploaded file, recognised by its content; ImportFileError when unreadable."""
    extension = os.path.splitext(filename or '')[1].lower()
    if not data:
        raise ImportFileError(_('The file is empty.'))
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(_('This is an old Excel .xls file. In Excel choose File › Save as › '
                                'Excel workbook (.xlsx), then upload that.'))
    if data.startswith(b'PK\x03\x04'):
        rows = read_xlsx(data, extension)
    elif extension in ('.xlsx', '.xlsm', '.xls', '.xltx', '.et'):
        raise ImportFileError(_('This file is not a valid Excel workbook (.xlsx). It may be damaged, or another '
                                'kind of file renamed to .xlsx.'))
    elif extension in ('.csv', '.txt'):
        rows = read_csv(data)
    else:
        raise ImportFileError(_('Please upload an .xlsx or .csv file.'))
    return table_from_rows(rows, filename)


def read_xlsx(data, extension):
    """The rows of the first sheet of a workbook, as (row number, values), checked before openpyxl opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(_('This file is not a valid Excel workbook (.xlsx). It may be damaged, or another '
                                'kind of file renamed to .xlsx.'))
    if 'xl/vbaProject.bin' in names or extension == '.xlsm':
        raise ImportFileError(_('Workbooks with macros (.xlsm) are not accepted. Save it as an Excel workbook '
                                '(.xlsx) and upload that.'))
    if 'xl/workbook.xml' not in names:
        raise ImportFileError(_('This file is not a valid Excel workbook (.xlsx). It may be damaged, or another '
                                'kind of file renamed to .xlsx.'))
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_('This workbook is too large to read. Split it into several files.'))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) * (sheet.max_column or 0) > MAX_CELLS:  # the size the sheet declares
            raise too_many_cells()
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there, still bounded
        rows = list(limited_rows(bounded_cells(sheet.iter_rows(values_only=True))))
        book.close()
    except ImportFileError:
        raise
    except Exception:  # openpyxl raises many kinds of error for a broken workbook
        raise ImportFileError(_('This file is not a valid Excel workbook (.xlsx). It may be damaged, or another '
                                'kind of file renamed to .xlsx.'))
    return rows


def read_csv(data):
    """The rows of a CSV file in UTF-8 (with or without BOM), UTF-16 or GBK, as (row number, values)."""
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        encodings = ('utf-16',)
    else:
        encodings = ('utf-8-sig', 'gb18030')  # Excel for Chinese Windows saves "CSV" as GBK
    text = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or '\x00' in text:
        raise ImportFileError(_('This file could not be read as text. Save it from Excel as “CSV UTF-8”, '
                                'or as an Excel workbook (.xlsx).'))
    first_line = text.split('\n', 1)[0]
    delimiter = max((',', '\t', ';'), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return list(limited_rows(tuple(row) for row in reader))
    except csv.Error:
        raise ImportFileError(_('This file could not be read as CSV. Save it again from Excel as “CSV UTF-8”.'))


def too_many_cells():
    """The refusal of a sheet with more cells than MAX_CELLS."""
    return ImportFileError(_('The sheet has more than %(max)s cells (rows × columns, empty ones included); at most '
                             '%(max)s can be read at once. Delete the empty rows and columns below and right of the '
                             'table, or split it into several files.', max=f'{MAX_CELLS:,}'))


def bounded_cells(rows):
    """The rows as they are read, refusing the sheet once more than MAX_CELLS cells have gone by."""
    cells = 0
    for values in rows:
        cells += max(len(values), 1)
        if cells > MAX_CELLS:
            raise too_many_cells()
        yield values


def limited_rows(rows):
    """(row number, values) for the rows that hold anything, refusing files with too many rows."""
    kept = 0
    for number, values in enumerate(rows, start=1):
        if not any(cell_text(v) for v in values):
            continue
        kept += 1
        if kept > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise ImportFileError(_('The file has more than %(max)d rows; at most %(max)d can be imported at '
                                    'once. Split it into several files.', max=MAX_ROWS))
        yield number, values


def table_from_rows(rows, filename):
    """The table below the header row: the first row (of the first few) that names a known column."""
    if not rows:
        raise ImportFileError(_('The file is empty.'))
    known = set().union(*HEADER_FIELDS.values())
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        if any(header_key(v) in known for v in values if v is not None):
            data = [(n, v) for n, v in rows if n > number]
            if len(data) > MAX_ROWS:
                raise ImportFileError(_('The file has more than %(max)d rows; at most %(max)d can be imported at '
                                        'once. Split it into several files.', max=MAX_ROWS))
            return Table(headers=[cell_text(v) for v in values], rows=data, header_row=number,
                         filename=os.path.basename(filename or '')[-100:])
    raise ImportFileError(_('No header row found. The first row must hold the column names, e.g. %(columns)s.',
                            columns='、'.join(c.header for c in COLUMNS['places'][:3])))


def table_to_json(table):
    """A table as JSON bytes, so a confirmed upload is not parsed a second time."""
    def cell(value):
        if isinstance(value, datetime.datetime):
            return {'datetime': value.isoformat()}
        if isinstance(value, datetime.date):
            return {'date': value.isoformat()}
        if value is None or isinstance(value, (str, int, float)):
            return value
        return str(value)  # times, durations: no column reads them as anything but text
    rows = [[number, [cell(v) for v in values]] for number, values in table.rows]
    return json.dumps({'headers': table.headers, 'rows': rows, 'header_row': table.header_row,
                       'filename': table.filename}, ensure_ascii=False).encode('utf-8')


def table_from_json(data):
    """The table that table_to_json wrote."""
    def cell(value):
        if isinstance(value, dict):
            if 'datetime' in value:
                return datetime.datetime.fromisoformat(value['datetime'])
            return datetime.date.fromisoformat(value['date'])
        return value
    stored = json.loads(data)
    return Table(headers=stored['headers'], rows=[(n, tuple(cell(v) for v in values)) for n, values in stored['rows']],
                 header_row=stored['header_row'], filename=stored['filename'])


def template_rows(kind):
    """The header and the example rows of a template, as cell values."""
    columns = COLUMNS[kind]
    return [[c.header for c in columns]] + [[example.get(c.field, '') for c in columns] for example in EXAMPLES[kind]]


def template_csv(kind):
    """The CSV template: UTF-8 with a BOM, so Excel on Windows shows the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    for row in template_rows(kind):
        writer.writerow([cell_text(v) for v in row])
    return ('\ufeff' + out.getvalue()).encode('utf-8')


def template_xlsx(kind):
    """The Excel template: headers, grey examples, drop-down lists of kinds and statuses, instructions."""
    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLES[kind]
    for row in template_rows(kind):
        sheet.append(row)
    header_fill = PatternFill('solid', fgColor='DCE6F2')
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color='B3261E' if column.required else '000000')
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal='center', vertical='center')
        sheet.column_dimensions[letter].width = column.width * 1.6 if column.width < 10 else column.width * 1.3
        if column.field in ('code', 'asset_number'):
            sheet.column_dimensions[letter].number_format = '@'  # text, so Excel keeps 001 as typed
        elif column.field in ('purchased_on', 'expires_on'):
            sheet.column_dimensions[letter].number_format = 'yyyy-mm-dd'
        for row in range(2, len(EXAMPLES[kind]) + 2):
            example = sheet.cell(row=row, column=index)
            example.font = Font(italic=True, color='808080')
            if column.field in ('purchased_on', 'expires_on'):
                example.number_format = 'yyyy-mm-dd'
    sheet.freeze_panes = 'A2'
    sheet.row_dimensions[1].height = 22
    add_choice_lists(book, sheet, kind)
    add_help(book, kind)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def add_choice_lists(book, sheet, kind):
    """A sheet of the allowed kinds and statuses, and drop-downs on the data sheet that use it."""
    choices = book.create_sheet(CHOICES_SHEET)
    columns = COLUMNS[kind]
    for offset, (name, accepted) in enumerate(CHOICES[kind].items(), start=1):
        header = next(c.header for c in columns if c.field == name)
        values = accepted.offered
        choices.cell(row=1, column=offset, value=header).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            choices.cell(row=row, column=offset, value=value)
        letter = get_column_letter(offset)
        choices.column_dimensions[letter].width = 14
        # A warning, not a stop: the import also accepts other names (卫生间 for 厕所, English names).
        validation = DataValidation(type='list', formula1=f"'{CHOICES_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                                    allow_blank=True, errorStyle='warning', showErrorMessage=True,
                                    error=_('Please choose a value from the list.'))
        target = get_column_letter(next(i for i, c in enumerate(columns, start=1) if c.field == name))
        validation.add(f'{target}2:{target}{MAX_ROWS + 1}')
        sheet.add_data_validation(validation)


def add_help(book, kind):
    """A sheet that explains how to fill in the template."""
    sheet = book.create_sheet(HELP_SHEET)
    sheet.column_dimensions['A'].width = 100
    common = [
        _('Fill in one place per row below the header row. Columns with red headers are required.')
        if kind == 'places' else
        _('Fill in one asset (or one group of equal assets) per row below the header row. '
          'Columns with red headers are required.'),
        _('The grey rows are examples. A row whose note says “%(note)s” is not imported: overwrite the examples '
          'or delete them.', note=EXAMPLE_NOTE),
        _('Kind: choose from the drop-down list (all allowed values are on the sheet “%(sheet)s”).',
          sheet=CHOICES_SHEET) if kind == 'places' else
        _('Kind and status: choose from the drop-down lists (all allowed values are on the sheet “%(sheet)s”).',
          sheet=CHOICES_SHEET),
    ]
    if kind == 'places':
        specific = [
            _('Parent location: where the place is, written as a path such as %(example)s. It may be a place that '
              'already exists or one in a row above. Leave it empty for a building or another top-level place.',
              example='教学楼/一楼'),
            _('Code: optional, e.g. the room number; each code may be used only once on the campus.'),
        ]
    else:
        specific = [
            _('Location: an existing place, written as a path such as %(example)s, or its code. '
              'Import the places first.', example='教学楼/一楼/101教室'),
            _('Asset number: optional; each number may be used only once on the campus.'),
            _('Quantity: this many assets are created from the row, each with its own label. '
              'Leave the asset number empty when the quantity is more than 1.'),
            _('Status: empty means “%(default)s”.', default='在用'),
            _('Dates: %(dates)s. The expiry date is for fire extinguishers and anything else that expires.',
              dates='2026-03-01、2026/3/1、2026年3月1日'),
        ]
    closing = [
        _('Upload the file on the import page. A preview shows what will be created; nothing is written until '
          'you confirm, and a file with any bad row imports nothing.'),
        _('Every imported place gets its own QR label.') if kind == 'places' else
        _('Every imported asset gets its own QR label.'),
    ]
    sheet.append([_('How to fill in this template')])
    sheet['A1'].font = Font(bold=True, size=13)
    for number, line in enumerate(common + specific + closing, start=1):
        sheet.append([f'{number}. {line}'])
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True, vertical='top')
