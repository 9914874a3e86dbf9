"""On phones (issue 16, done when): a teacher asks from a desk's label to scrap it, with a photo; the logistics head,
the storekeeper and the leader sign it off, each on their own phone; the label then says 已报废 with the date, to the
teacher and to anyone who scans it."""
from helpers import PASSWORD_HASH, needs_chromium, photo_file, sign_in, sign_in_from_label

from houqin import db
from houqin.models import Campus, Item, Membership, ScrapRequest, Storekeeper, Tag, User

pytestmark = needs_chromium


def sign_step(page, live_server, username, button, note=''):
    """Sign in, open the request waiting for me from the scrapping list, sign my step."""
    sign_in(page, live_server, username, then='/scrapping/')
    page.wait_for_url('**/scrapping/')
    page.locator('[id^=waiting-] a.row').first.click()
    if note:
        page.fill('#scrap-note', note)
    page.get_by_role('button', name=button).click()
    page.wait_for_selector('#scrap-status')


def test_a_desk_scrapped_through_three_sign_offs_then_its_label_says_scrapped(app, live_server, school, new_phone,
                                                                            tmp_path):
    with db.database.connection_context():
        tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        keeper = User.create(username='keeper', display_name='保管员老李', password_hash=PASSWORD_HASH)
        Membership.create(user=keeper, campus=school['campus'], role='teacher')
        Storekeeper.create(campus=school['campus'], user=keeper)

    teacher = new_phone()
    sign_in_from_label(teacher, live_server, tag.token, 'teacher')
    teacher.get_by_role('link', name='申请报废').click()
    teacher.fill('#scrap-reason', '桌面开裂，桌腿松动，已无法修复')
    teacher.set_input_files('#scrap-photos', photo_file(tmp_path, 'desk.jpg', (150, 110, 80)))
    teacher.get_by_role('button', name='提交报废申请').click()
    teacher.wait_for_selector('#scrap-status')
    assert '待总务处确认' in teacher.locator('#scrap-status').inner_text()
    assert teacher.locator('.thumbs img').count() == 1

    sign_step(new_phone(), live_server, 'manager', '确认', note='经查属实')
    sign_step(new_phone(), live_server, 'keeper', '确认')
    leader = new_phone()
    sign_step(leader, live_server, 'admin', '同意报废', note='同意报废')
    assert '已批准报废' in leader.locator('#scrap-status').inner_text()
    assert leader.locator('#scrap-steps li').count() == 3
    steps = leader.locator('#scrap-steps').inner_text()
    assert '总务处确认 · Manager' in steps and '保管员确认 · 保管员老李' in steps and '主管领导审批 · Admin' in steps
    leader.screenshot(path=str(tmp_path / 'scrap_request.png'))  # as in docs/screens/assets/

    with db.database.connection_context():
        day = Campus.get_by_id(school['campus'].id).today().isoformat()
        assert Item.get_by_id(school['desk'].id).status == 'scrapped'
        assert ScrapRequest.get().scrapped_on.isoformat() == day
    for page in (teacher, new_phone()):  # the teacher who asked, and a passer-by who is not signed in
        page.goto(f'{live_server}/T/{tag.token}')
        text = page.locator('#scrapped').inner_text()
        assert '已报废' in text and f'报废日期：{day}' in text
        assert page.locator('main form').count() == 0 and page.locator('main button').count() == 0
    page.screenshot(path=str(tmp_path / 'scrapped_label.png'))
