"""On phones (issue 16): the logistics head scans a projector's label and lends it; the guard at the gate scans it
and reads 不允许出门 (no permit); the head issues an off-campus permit from the same label; the guard scans again and
reads 允许出门 with who takes it and until when; back from the trip, the head scans the label and takes it back with
one tap. Every gate check is logged."""
import datetime
import os

from helpers import needs_chromium, sign_in_from_label
from playwright.sync_api import expect

from houqin import db
from houqin.models import GateCheck, GatePermit, Item, Loan, Tag

pytestmark = needs_chromium
SCREENS = os.environ.get('HOUQIN_SCREENS')  # a folder to keep the screenshots in (docs/screens/assets/)


def shot(page, tmp_path, name):
    page.screenshot(path=os.path.join(SCREENS or str(tmp_path), name), full_page=True)


def test_lend_check_at_the_gate_permit_and_return_by_scanning(app, live_server, school, new_phone, tmp_path):
    with db.database.connection_context():
        projector = Item.create(campus=school['campus'], place=school['room'], kind='projector', name='投影仪',
                                asset_number='TYY-001')
        tag = Tag.create(token='PRJTAG0001', campus=school['campus'], item=projector)
        due = (school['campus'].today() + datetime.timedelta(days=2)).isoformat()

    head = new_phone()
    sign_in_from_label(head, live_server, tag.token, 'manager')
    head.locator('#asset-actions').get_by_role('link', name='借出').click()
    expect(head.locator('main')).to_contain_text('TYY-001')
    head.fill('#f-name', '李老师')
    head.fill('#f-unit', '初二(1)班')
    head.fill('#f-due', due)
    head.get_by_role('button', name='借出', exact=True).click()
    head.wait_for_url(f'**/t/{tag.token}')
    expect(head.locator('#asset-loan')).to_contain_text('李老师')
    expect(head.locator('#asset-loan')).to_contain_text(f'{due} 前归还')
    shot(head, tmp_path, 'asset_on_loan.png')

    guard = new_phone()
    sign_in_from_label(guard, live_server, tag.token, 'guard')
    verdict = guard.locator('#gate-verdict')
    expect(verdict).to_contain_text('不允许出门')
    expect(verdict).to_contain_text('此资产没有出门条')
    assert 'gate-no' in verdict.get_attribute('class')
    shot(guard, tmp_path, 'gate_not_allowed.png')

    head.locator('#asset-actions').get_by_role('link', name='出门条').click()
    head.fill('#f-carrier', '李老师')
    head.fill('#f-reason', '外出参加教学比赛')
    head.get_by_role('button', name='开具出门条').click()
    head.wait_for_url(f'**/t/{tag.token}')
    expect(head.locator('#permit-state')).to_contain_text('出门条：李老师')

    with db.database.connection_context():
        until = GatePermit.get().valid_until
    guard.reload()
    verdict = guard.locator('#gate-verdict')
    expect(verdict).to_contain_text('允许出门')
    expect(verdict).not_to_contain_text('不允许')
    expect(verdict).to_contain_text('李老师')
    expect(verdict).to_contain_text('外出参加教学比赛')
    assert 'gate-ok' in verdict.get_attribute('class')
    box = guard.locator('#gate-verdict .gate-word').bounding_box()
    assert box['y'] < 200 and box['height'] >= 40  # at the top, big
    shot(guard, tmp_path, 'gate_allowed.png')

    head.reload()
    head.get_by_role('button', name='已归还，收回').click()
    head.wait_for_url(f'**/t/{tag.token}')
    expect(head.locator('main')).to_contain_text('已归还：李老师 借用的 投影仪。')
    expect(head.get_by_role('button', name='已归还，收回')).to_have_count(0)

    with db.database.connection_context():
        loan = Loan.get()
        assert loan.returned_at is not None and loan.returned_by_id == school['users']['manager'].id
        checks = list(GateCheck.select().order_by(GateCheck.id))
        assert [c.allowed for c in checks] == [False, True]
        assert all(c.user_id == school['users']['guard'].id for c in checks)
        assert until > loan.returned_at
