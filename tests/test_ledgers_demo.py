"""Done when (issue 13, ledgers): every ledger of the catalogue — the other areas' too, as they register — exported
for the demo school's three weeks and read back with openpyxl: Chinese headers, the frozen title and header rows,
as many rows as the database holds, real dates, and not one formula."""
import datetime
import re

from openpyxl import load_workbook

from houqin import clock, db
from houqin.ledgers.catalogue import CATALOGUE
from houqin.ledgers.filters import build_query
from houqin.ledgers.writing import write_xlsx
from houqin.models import Campus, DutyLog, Item, PatrolRun, PatrolScan, Record, Route, WorkOrder

CHINESE = re.compile('[\u4e00-\u9fff]')
HISTORY_DAYS = 21  # houqin/demo.py


def hand_counts(campus, first, last):
    """Rows the ledgers this issue built must have, counted straight from the tables."""
    start, end = clock.days_bounds(first, last, clock.zone_name(campus))
    records = Record.select().where((Record.campus == campus) & (Record.created_at >= start)
                                    & (Record.created_at < end))
    runs = (PatrolRun.select().join(Route).where((Route.campus == campus) & (PatrolRun.night >= first)
                                                 & (PatrolRun.night <= last)))
    missed = sum(len((run.result or {}).get('missed') or ()) for run in runs
                 if run.status in ('incomplete', 'missed'))
    inspections = records.where(Record.activity.not_in(['cleaning', 'report', 'patrol', 'canteen', 'use',
                                                        'stocktake'])).count()
    return {
        'cleaning': [records.where(Record.activity == 'cleaning').count()],
        'inspection': inspections,  # over all its sheets
        'patrol': [runs.count(),
                   PatrolScan.select().where((PatrolScan.campus == campus) & (PatrolScan.created_at >= start)
                                             & (PatrolScan.created_at < end)).count(),
                   missed,
                   records.where((Record.activity == 'patrol') & (Record.outcome == 'problem')).count(),
                   DutyLog.select().where((DutyLog.campus == campus) & (DutyLog.night >= first)
                                          & (DutyLog.night <= last)).count()],
        'repairs': [WorkOrder.select().where((WorkOrder.campus == campus) & (WorkOrder.created_at >= start)
                                             & (WorkOrder.created_at < end)).count()],
        'extinguishers': [Item.select().where((Item.campus == campus) & (Item.kind == 'fire_extinguisher')).count()],
        'assets': [Item.select().where(Item.campus == campus).count()],
    }


def test_every_ledger_of_the_demo_school_reads_back_right(demo_app, tmp_path):
    app = demo_app
    with app.test_request_context(), db.database.connection_context():
        campus = Campus.get(Campus.code == 'demo')
        last = campus.today()
        first = last - datetime.timedelta(days=HISTORY_DAYS)
        query = build_query(campus, {'period': 'custom', 'from': first.isoformat(), 'to': last.isoformat()}, last)
        expected = hand_counts(campus, first, last)
        assert {'cleaning', 'inspection', 'patrol', 'repairs', 'extinguishers', 'assets'} <= set(CATALOGUE)
        for kind, ledger in CATALOGUE.items():
            path = tmp_path / f'{kind}.xlsx'
            write_xlsx(ledger, query, path)
            book = load_workbook(path)
            sheets = ledger.sheets_for(query)
            assert len(book.worksheets) == max(1, len(sheets)), kind
            rows_seen = []
            for ws, sheet in zip(book.worksheets, sheets):
                where = f'{kind} / {ws.title}'
                assert ws.freeze_panes == 'A3', where
                title = ws.cell(1, 1).value
                assert campus.name in title and str(ledger.title) in title, where
                assert f'{first.isoformat()} — {last.isoformat()}' in title, where
                headers = [c.value for c in ws[2]]
                assert headers == [str(c.header) for c in sheet.columns], where
                assert CHINESE.search(str(ledger.title)) and all(CHINESE.search(h) for h in headers), (where, headers)
                assert ws.max_row - 2 == sheet.count(query), where
                rows_seen.append(ws.max_row - 2)
                for row in ws.iter_rows():
                    for cell in row:
                        assert cell.data_type != 'f', (where, cell.coordinate, cell.value)
                for index, column in enumerate(sheet.columns, 1):
                    if column.type in ('date', 'datetime'):
                        values = [ws.cell(r, index) for r in range(3, ws.max_row + 1)]
                        assert all(c.value is None or c.is_date for c in values), where
            if kind in expected:
                wanted = expected[kind]
                assert (sum(rows_seen) if isinstance(wanted, int) else rows_seen) == wanted, kind
                assert sum(rows_seen) > 0, kind  # the demo has some of everything
