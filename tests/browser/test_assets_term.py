"""Assets over the term on phones (issue 16's Done when): a manager opens a stocktake of one floor; two counters
scan at once on their own phones — one in the wrong room, one scanning an asset twice, one scanning a revoked label;
the reconciliation shows exactly one found elsewhere, one missing and one unexpected; closing applies the move; the
盘点表 exports."""
import re

from helpers import needs_chromium, sign_in
from openpyxl import load_workbook

from houqin import db
from houqin.models import Item, Place, Stocktake, Tag

pytestmark = needs_chromium


def scan(page, live_server, token):
    """What the stocktake panel says after the phone's camera opened this label."""
    page.goto(f'{live_server}/T/{token}')
    return page.locator('#stocktake-scan .flash').inner_text()


def test_a_floor_counted_by_two_phones_at_once_reconciled_closed_and_exported(live_server, school, new_phone,
                                                                              tmp_path):
    with db.database.connection_context():
        room1 = school['room']
        room2 = Place.create(campus=school['campus'], parent=school['floor'], name='102教室', kind='classroom')
        chair = Item.create(campus=school['campus'], place=room1, kind='chair', name='学生椅', asset_number='YZ-0007')
        lamp = Item.create(campus=school['campus'], place=room2, kind='light', name='台灯', asset_number='TD-0001')
        Tag.create(token='RM2TAG0000', campus=school['campus'], place=room2)
        Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        Tag.create(token='CHA1RTAG00', campus=school['campus'], item=chair)
        Tag.create(token='REV0KED000', campus=school['campus'], item=chair, status='revoked')
        teacher_id, janitor_id = school['users']['teacher'].id, school['users']['janitor'].id

    manager = new_phone()
    sign_in(manager, live_server, 'manager', '/stocktakes/')
    manager.wait_for_url('**/stocktakes/')
    manager.fill('#s-name', '一楼期末清点')
    manager.select_option('#s-scope', str(school['floor'].id))
    manager.check(f'input[name=counters][value="{teacher_id}"]')
    manager.check(f'input[name=counters][value="{janitor_id}"]')
    manager.get_by_role('button', name='开始清点').click()
    manager.wait_for_url(re.compile(r'/stocktakes/\d+$'))
    assert '应有 3 件，已找到 0 件' in manager.locator('#progress').inner_text()

    # Two counters on their own phones, their scans interleaved: the teacher in 101, the janitor in 102.
    teacher, janitor = new_phone(), new_phone()
    for phone, username in ((teacher, 'teacher'), (janitor, 'janitor')):
        sign_in(phone, live_server, username)
        phone.wait_for_url(f'{live_server}/')
    assert '正在 101教室 清点' in scan(teacher, live_server, 'ABCDEFGH12')  # the room's label first
    assert '正在 102教室 清点' in scan(janitor, live_server, 'RM2TAG0000')
    assert '课桌 已在 101教室 清点' in scan(teacher, live_server, 'DESKTAG000')
    assert '学生椅 已在 102教室 清点' in scan(janitor, live_server, 'CHA1RTAG00')  # the wrong room
    assert '课桌 已清点过' in scan(teacher, live_server, 'DESKTAG000')  # the same desk again
    assert '已作废的标签' in scan(janitor, live_server, 'REV0KED000')  # a revoked label
    teacher.goto(f'{live_server}/')
    teacher.locator('#my-stocktakes a').click()  # 我的清点 from the home page
    teacher.wait_for_url('**/count')
    assert '您已清点 1 件' in teacher.locator('#count-room').inner_text()

    manager.reload()
    assert [manager.locator(f'#n-{n}').inner_text() for n in ('here', 'elsewhere', 'missing', 'unexpected')] == \
        ['1', '1', '1', '1']
    assert '学生椅' in manager.locator('#elsewhere').inner_text()
    assert '台灯' in manager.locator('#missing').inner_text()
    assert '已作废的标签' in manager.locator('#unexpected').inner_text()
    assert '重复扫描' in manager.locator('main').inner_text()
    manager.locator('#elsewhere').get_by_role('button', name='台账改到此处').click()
    manager.wait_for_selector('#elsewhere .badge.ok')
    manager.fill('#signed-name', '王主任')
    manager.get_by_role('button', name='签字并结束清点').click()
    manager.wait_for_selector('#signed')
    assert '王主任' in manager.locator('#signed').inner_text()
    assert manager.evaluate('document.documentElement.scrollWidth') <= 390
    manager.screenshot(path=str(tmp_path / 'stocktake-closed.png'), full_page=True)
    with db.database.connection_context():
        assert Item.get_by_id(chair.id).place_id == room2.id  # the move is in the register
        assert Item.get_by_id(lamp.id).status == 'missing'
        assert Stocktake.get().result['elsewhere'] == 1

    manager.goto(f'{live_server}/ledgers/?period=month')
    sheet = manager.locator('section.card', has=manager.locator('h2', has_text='盘点表'))
    with manager.expect_download() as download:
        sheet.get_by_role('link', name='下载 Excel').click()
    path = tmp_path / '盘点表.xlsx'
    download.value.save_as(path)
    rows = {r[3]: r for r in load_workbook(path).worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {'课桌', '学生椅', '台灯'}
    assert (rows['学生椅'][5], rows['台灯'][5], rows['课桌'][5]) == ('在别处找到', '未找到', '找到')
    assert rows['学生椅'][10] == '已在台账中移位' and rows['学生椅'][6].endswith('102教室')
    assert all(r[11] == '王主任' for r in rows.values())
