"""A logistics head on a phone: logs in, finds a room, adds an asset, sees it listed — in Chinese."""
from helpers import PASSWORD, needs_chromium

pytestmark = needs_chromium


def test_admin_sets_up_an_asset_on_a_phone(live_server, phone, school):
    page = phone
    page.goto(live_server + '/admin/places')
    assert '/login' in page.url  # signed out: sent to log in, then back
    page.fill('input[name=username]', 'manager')
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url('**/admin/places')
    assert page.locator('h1').inner_text() == '场所'
    # Drill down building › floor › room on a phone-sized screen.
    page.get_by_role('link', name='教学楼').first.click()
    page.get_by_role('link', name='一楼').first.click()
    page.get_by_role('link', name='101教室').first.click()
    assert '101教室' in page.locator('h1').inner_text()
    page.get_by_role('link', name='+ 在此添加资产').click()
    page.fill('input[name=name]', '投影仪')
    page.select_option('select[name=kind]', 'projector')
    page.fill('input[name=asset_number]', 'TYY-101')
    page.get_by_role('button', name='添加').click()
    assert '已添加 投影仪' in page.locator('.flash').inner_text()
    # The room lists its assets by kind; the kind leads to the assets themselves.
    page.locator('.list a', has_text='投影仪').click()
    assert 'TYY-101' in page.locator('.list').inner_text()
    # Nothing is wider than the phone: no sideways scrolling.
    width = page.evaluate('document.documentElement.scrollWidth')
    assert width <= 390


def test_bad_input_is_shown_on_the_phone_with_what_was_typed(live_server, phone, school):
    page = phone
    page.goto(live_server + '/login')
    page.fill('input[name=username]', 'admin')
    page.fill('input[name=password]', 'wrong')
    page.get_by_role('button', name='登录').click()
    assert '用户名或密码错误' in page.locator('.error').inner_text()
    assert page.input_value('input[name=username]') == 'admin'
