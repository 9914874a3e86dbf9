"""The first week at a real school (issue 11), on a 390×844 phone: the janitor's failed item goes with 完成保洁,
the guard's re-scan after a round rewrites no evidence, the anonymous reporter finds the report again."""
import datetime as dt

import pytest
from playwright.sync_api import expect
from helpers import PASSWORD, needs_chromium, sign_in
from test_patrol_helpers import SHANGHAI, make_route

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import AuditLog, PatrolScan, Place, Record, Tag, WorkOrder
from houqin.patrol.checkpoints import record_scan

pytestmark = needs_chromium

# How many lines an element's text takes on screen.
LINES = ("e => { const r = document.createRange(); r.selectNodeContents(e); "
         "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }")


@pytest.fixture
def toilet(school):
    with database.connection_context():
        place = Place.create(campus=school['campus'], parent=school['floor'], name='男厕所', kind='toilet')
        Tag.create(token='TT00000011', campus=school['campus'], place=place)
    return 'TT00000011'


def sign_in_at_the_top(page, live_server, token, username):
    """Scan the label, take the staff entry at the top, sign in, land back on the label."""
    page.goto(f'{live_server}/T/{token}')
    page.locator('.staff-entry').get_by_role('link', name='工作人员登录').click()
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url(f'**/t/{token}')


def test_the_janitor_marks_a_failed_item_and_signs_off_once(live_server, phone, toilet):
    page = phone
    sign_in_at_the_top(page, live_server, toilet, 'janitor')
    page.get_by_text('检查项（可选）：').click()
    first = page.locator('fieldset.q').first
    first.get_by_text('不合格').click()
    chip = first.locator('label.nowrap')
    chip.click()  # 安全隐患
    lines = chip.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e.lastChild); "
                          "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }")
    assert lines == 1  # 安全隐患 on one line, not 安全隐/患
    assert page.locator(f'form[action="/t/{toilet}/clean"] button').count() == 1
    page.get_by_role('button', name='完成保洁').tap()
    page.wait_for_selector('.flash.success')
    with database.connection_context():
        records = list(Record.select().where(Record.activity == 'cleaning'))
        order = WorkOrder.get()
    assert len(records) == 1 and records[0].outcome == 'problem' and records[0].answers['hazards']
    assert order.record_id == records[0].id and order.hazard
    assert f'维修单 {order.number}' in page.locator('.flash.success').inner_text()
    number = page.locator('.flash.success .nowrap')
    assert number.inner_text() == order.number
    assert number.evaluate(LINES) == 1  # 2026-0012 on one line, never 2026- / 0012
    # It opened a work order, so it is not a one-tap mistake to undo; a second tap by habit is answered, not stored.
    assert page.get_by_role('button', name='撤销（30秒内）').count() == 0
    page.get_by_role('button', name='完成保洁').tap()
    page.wait_for_selector('.flash.success')
    assert '已记录过，这次没有重复记录' in page.locator('.flash.success').inner_text()
    with database.connection_context():
        assert Record.select().where(Record.activity == 'cleaning').count() == 1
    for link in page.locator('footer a').all():
        assert link.bounding_box()['height'] >= 44
    assert page.evaluate('document.documentElement.scrollWidth') <= 390


def test_a_one_tap_sign_off_is_undone_by_its_janitor(live_server, phone, toilet):
    page = phone
    sign_in_at_the_top(page, live_server, toilet, 'janitor')
    page.get_by_role('button', name='完成保洁').tap()
    page.wait_for_selector('.flash.success')
    page.get_by_role('button', name='撤销（30秒内）').tap()
    page.wait_for_selector('.flash.success')
    assert '已撤销' in page.locator('.flash.success').inner_text()
    with database.connection_context():
        assert Record.select().where(Record.activity == 'cleaning').count() == 0


def test_the_staff_entry_and_the_public_report_share_the_first_screen(live_server, phone, school):
    page = phone
    page.goto(f'{live_server}/T/ABCDEFGH12')
    entry = page.locator('.staff-entry')
    assert entry.is_visible() and '登录后，可在这里记录工作' in entry.inner_text()
    assert entry.bounding_box()['y'] + entry.bounding_box()['height'] < 844
    title = page.locator('#r-title')
    assert title.bounding_box()['y'] + title.bounding_box()['height'] <= 844  # the report is still on screen


def test_a_guard_rescanning_after_the_round_rewrites_no_evidence(live_server, phone, school):
    now = utcnow()
    local = now.replace(tzinfo=dt.timezone.utc).astimezone(SHANGHAI)
    start, end = local - dt.timedelta(minutes=40), local - dt.timedelta(minutes=5)  # ended 5 min ago: in grace
    with database.connection_context():
        _route, _places, tags, _stops = make_route(school['campus'], ['校门', '配电房'],
                                                   shift=(f'{start:%H:%M}', f'{end:%H:%M}'),
                                                   starts=(f'{start:%H:%M}',), grace=15)
        guard = school['users']['guard']
        old = [record_scan(tag, guard, now=now - dt.timedelta(minutes=30 - 2 * i)) for i, tag in enumerate(tags)]
        assert all(s.run_id for s in old)
    page = phone
    sign_in_at_the_top(page, live_server, tags[0].token, 'guard')
    panel = page.locator('#patrol')
    assert '已记录巡逻' in panel.inner_text() and '下一轮' in panel.inner_text()
    for _ in range(50):  # patrol.js sends the phone's clock for the new scan only
        with database.connection_context():
            fresh = PatrolScan.select().order_by(PatrolScan.id.desc()).first()
            if fresh.client_time:
                break
        page.wait_for_timeout(100)
    with database.connection_context():
        assert fresh.id not in {s.id for s in old} and fresh.run_id is None and fresh.client_time is not None
        assert [PatrolScan.get_by_id(s.id).client_time for s in old] == [None, None]  # nothing rewritten
        assert [PatrolScan.get_by_id(s.id).flags for s in old] == [[], []]
    page.reload()  # a reload shows the same scan and sends nothing
    page.wait_for_timeout(300)
    with database.connection_context():
        assert PatrolScan.select().count() == 3


def test_the_anonymous_reporter_finds_the_report_again_from_the_label(live_server, new_phone, school):
    page = new_phone()
    page.goto(f'{live_server}/T/ABCDEFGH12')
    page.fill('#r-title', '窗户关不上')
    page.locator('form[action$="/report"] button').click()
    page.wait_for_selector('.big-number')
    with database.connection_context():
        order = WorkOrder.get()
    number = page.locator('.big-number')
    assert number.inner_text() == order.number
    assert float(number.evaluate('e => parseFloat(getComputedStyle(e).fontSize)')) >= 32
    assert number.bounding_box()['height'] < 60  # the number never breaks inside (2026- / 0001)
    copy = page.get_by_role('button', name='复制链接')
    copy.wait_for(state='visible')  # scan.js is deferred: it shows the button once it has run
    copy.click()
    # Not wait_for_function: its string predicate is an eval, which the page's CSP refuses.
    expect(page.locator('[data-copy]')).to_have_text('已复制')
    cookies = page.context.cookies()
    kept = next(c for c in cookies if c['name'] == 'my_reports')
    assert kept['value'] == order.follow_secret and kept['httpOnly'] and kept['sameSite'] == 'Lax'
    page.goto(f'{live_server}/T/ABCDEFGH12')  # the next day, the same phone scans the label again
    mine = page.locator('section', has_text='您最近的报告')
    assert order.number in mine.inner_text()
    mine.get_by_role('link', name='窗户关不上').click()
    page.wait_for_url(f'**/repairs/follow/{order.follow_secret}')
    assert '您' in page.locator('.timeline').inner_text() and '有人' not in page.content()
    other = new_phone()  # another phone sees nobody's reports
    other.goto(f'{live_server}/T/ABCDEFGH12')
    assert other.locator('section', has_text='您最近的报告').count() == 0


def test_a_40x30_label_keeps_a_word_together(live_server, phone, toilet):
    page = phone
    sign_in(page, live_server, 'admin')
    page.goto(f'{live_server}/admin/labels/tag/{toilet}?layout=thermal-40x30')
    texts = [t.strip() for t in page.locator('.label-preview svg text').all_text_contents() if t.strip()]
    assert texts and all(len(t) > 1 for t in texts), texts
    assert '男厕所' in ''.join(texts)


def test_staff_pages_have_thumb_sized_footer_links_and_whole_words_in_table_headers(live_server, phone, school):
    with database.connection_context():  # a long summary squeezes the other columns, as the demo's import does
        AuditLog.create(campus=school['campus'], action='import', entity='campus',
                        summary='演示学校青石镇中心学校：166个场所、2295件资产、2461个标签、3733条记录、11张维修单')
    page = phone
    sign_in(page, live_server, 'admin')
    page.goto(f'{live_server}/admin/audit')
    buttons = page.locator('footer .link').all()
    assert len(buttons) == 2  # English, 退出登录
    for button in buttons:
        assert button.bounding_box()['height'] >= 44
    for header in page.locator('table.audit th').all():
        assert header.evaluate(LINES) == 1, header.inner_text()  # 操作人, not 操 / 作 / 人
    page.goto(f'{live_server}/code')
    assert '印在二维码右侧的编号' in page.locator('main, body').first.inner_text()
