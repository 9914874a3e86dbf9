"""Assets over the term on phones (issue 16's Done when): a manager opens a stocktake of one floor; two counters
scan at once on their own phones — one in the wrong room, one scanning an asset twice, one scanning a revoked label;
the reconciliation shows exactly one found elsewhere, one missing and one unexpected; closing applies the move; the
盘点表 exports. Then the rest of the term: a head teacher signs the term-start list and the term-end comparison names
the missing chair; a scrapping request passes its three sign-offs and the label says 已报废; the loan ledger exports."""
import datetime
import re

from helpers import PASSWORD_HASH, needs_chromium, sign_in
from openpyxl import load_workbook

from houqin import db
from houqin.models import (Campus, CustodyList, Item, Membership, Place, SchoolClass, Stocktake, Storekeeper, Tag,
                           Term, User)

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


def download_ledger(page, live_server, title, path):
    """Download a ledger's Excel from the ledgers page (this month) and give its first sheet's rows."""
    page.goto(f'{live_server}/ledgers/?period=month')
    section = page.locator('section.card', has=page.locator('h2', has_text=title))
    with page.expect_download() as download:
        section.get_by_role('link', name='下载 Excel').click()
    download.value.save_as(path)
    return list(load_workbook(path).worksheets[0].iter_rows(min_row=3, values_only=True))


def sign_scrap_step(page, live_server, username, button):
    """Sign in, open the scrapping request waiting for me, sign my step."""
    sign_in(page, live_server, username, then='/scrapping/')
    page.wait_for_url('**/scrapping/')
    page.locator('[id^=waiting-] a.row').first.click()
    page.get_by_role('button', name=button).click()
    page.wait_for_selector('#scrap-status')


def test_the_term_custody_signed_missing_chair_named_a_desk_scrapped_and_the_loan_ledger(
        live_server, school, new_phone, tmp_path):
    """The rest of the term: the head teacher signs the term-start list; the term-end stocktake misses the chair and
    the comparison names it; a desk passes its three scrapping sign-offs and its label says 已报废; a projector lent
    out, and the loan ledger exports."""
    with db.database.connection_context():
        today = Campus.get_by_id(school['campus'].id).today()
        school_class = SchoolClass.create(campus=school['campus'], grade='初一', name='初一(1)班',
                                          head_teacher=school['users']['teacher'])
        Place.update(school_class=school_class).where(Place.id == school['room'].id).execute()
        chair = Item.create(campus=school['campus'], place=school['room'], kind='chair', name='学生椅',
                            asset_number='YZ-0007')
        projector = Item.create(campus=school['campus'], place=school['room'], kind='projector', name='投影仪',
                                asset_number='TYY-0001')
        Term.create(campus=school['campus'], name='本学期', starts_on=today - datetime.timedelta(days=90),
                    ends_on=today + datetime.timedelta(days=60))
        desk_tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        Tag.create(token='PR0JTAG000', campus=school['campus'], item=projector)
        keeper = User.create(username='keeper', display_name='保管员老李', password_hash=PASSWORD_HASH)
        Membership.create(user=keeper, campus=school['campus'], role='teacher')
        Storekeeper.create(campus=school['campus'], user=keeper)
        teacher_id = school['users']['teacher'].id

    # Term start: the manager makes the lists, the head teacher signs hers from her home page.
    manager = new_phone()
    sign_in(manager, live_server, 'manager', '/custody/')
    manager.wait_for_url('**/custody/')
    manager.get_by_role('button', name='按财产登记生成清单').click()
    manager.wait_for_selector('.flash.success')
    teacher = new_phone()
    sign_in(teacher, live_server, 'teacher')
    teacher.locator('#custody-home').click()
    teacher.get_by_role('link', name=re.compile('初一\\(1\\)班')).click()
    assert teacher.locator('#custody-lines li').count() == 3
    teacher.fill('#signed-name', '王丽')
    teacher.locator('input[name=agreed]').check()
    teacher.get_by_role('button', name='签署财产责任书').click()
    teacher.wait_for_selector('#signature')

    # Term end: a stocktake of the floor; the teacher finds the desk and the projector, not the chair.
    manager.goto(f'{live_server}/stocktakes/')
    manager.fill('#s-name', '期末清点')
    manager.select_option('#s-scope', str(school['floor'].id))
    manager.check(f'input[name=counters][value="{teacher_id}"]')
    manager.get_by_role('button', name='开始清点').click()
    manager.wait_for_url(re.compile(r'/stocktakes/\d+$'))
    assert '正在 101教室 清点' in scan(teacher, live_server, 'ABCDEFGH12')
    assert '课桌 已在 101教室 清点' in scan(teacher, live_server, 'DESKTAG000')
    assert '投影仪 已在 101教室 清点' in scan(teacher, live_server, 'PR0JTAG000')
    manager.reload()
    assert manager.locator('#n-missing').inner_text() == '1' and '学生椅' in manager.locator('#missing').inner_text()
    manager.fill('#signed-name', '王主任')
    manager.get_by_role('button', name='签字并结束清点').click()
    manager.wait_for_selector('#signed')
    with db.database.connection_context():
        custody = CustodyList.get()
        assert custody.signed_name == '王丽'
    manager.goto(f'{live_server}/custody/lists/{custody.id}')
    manager.get_by_role('link', name='期末对照').click()
    manager.wait_for_selector('#missing')
    missing = manager.locator('#missing').inner_text()
    assert '学生椅' in missing and 'YZ-0007' in missing and '初一(1)班' in missing

    # The desk is worn out: asked for from its label, three sign-offs, then its label says 已报废.
    teacher.goto(f'{live_server}/T/{desk_tag.token}')
    teacher.get_by_role('link', name='申请报废').click()
    teacher.fill('#scrap-reason', '桌面开裂，桌腿松动，已无法修复')
    teacher.get_by_role('button', name='提交报废申请').click()
    teacher.wait_for_selector('#scrap-status')
    sign_scrap_step(new_phone(), live_server, 'manager', '确认')
    sign_scrap_step(new_phone(), live_server, 'keeper', '确认')
    sign_scrap_step(new_phone(), live_server, 'admin', '同意报废')
    passer_by = new_phone()
    passer_by.goto(f'{live_server}/T/{desk_tag.token}')
    assert '已报废' in passer_by.locator('#scrapped').inner_text()

    # A projector lent out; the loan ledger and the 盘点表 export.
    manager.goto(f'{live_server}/loans/new?item={projector.id}')
    manager.fill('#f-name', '李老师')
    manager.fill('#f-due', (today + datetime.timedelta(days=7)).isoformat())
    manager.get_by_role('button', name='借出').click()
    manager.wait_for_selector('.flash.success')
    loans = download_ledger(manager, live_server, '借用登记表', tmp_path / 'loans.xlsx')
    assert len(loans) == 1 and {'投影仪', '李老师'} <= {c for c in loans[0] if isinstance(c, str)}
    counted = download_ledger(manager, live_server, '盘点表', tmp_path / 'stocktake.xlsx')
    assert sorted((r[3], r[5]) for r in counted) == [('学生椅', '未找到'), ('投影仪', '找到'), ('课桌', '找到')]
