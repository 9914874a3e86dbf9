"""Custody of an office on phones: the manager names 总务处's keeper on the place's page and generates the term's
lists; the keeper finds the office's list on her home page and signs it on a 390×844 phone; the 部门财产责任书 prints
on one A4 page with her signature on the 部门负责人 line."""
import datetime
import re

import pytest
from helpers import PASSWORD_HASH, needs_chromium, sign_in

from houqin.db import database
from houqin.models import CustodyList, Item, Membership, Place, Term, User

pytestmark = needs_chromium
A4_POINTS = (595, 842)  # 210 × 297 mm


@pytest.fixture
def office(school):
    """总务处 in 行政楼 with a computer and a printer, its keeper-to-be 赵主任 (a teacher account), the autumn term."""
    with database.connection_context():
        keeper = User.create(username='zhao', display_name='赵主任', password_hash=PASSWORD_HASH)
        Membership.create(user=keeper, campus=school['campus'], role='teacher')
        hall = Place.create(campus=school['campus'], name='行政楼', kind='building')
        place = Place.create(campus=school['campus'], parent=hall, name='总务处', kind='office')
        for name, number in (('办公电脑', 'DN-0001'), ('打印机', 'DY-0001')):
            Item.create(campus=school['campus'], place=place, kind='other', name=name, asset_number=number)
        Term.create(campus=school['campus'], name='2026秋季学期', starts_on=datetime.date(2026, 9, 1),
                    ends_on=datetime.date(2027, 1, 20))
    return {'place': place, 'keeper': keeper}


def test_the_office_keeper_signs_on_her_phone_and_the_sheet_prints_for_the_office(
        live_server, new_phone, browser, school, office, tmp_path):
    manager = new_phone()
    sign_in(manager, live_server, 'manager', f'/admin/places/{office["place"].id}')
    manager.wait_for_url(f'**/admin/places/{office["place"].id}')
    manager.select_option('select[name=keeper]', label='赵主任')
    manager.get_by_role('button', name='保存').click()
    manager.wait_for_selector('.flash.success')
    manager.goto(f'{live_server}/custody/')
    manager.get_by_role('button', name='按财产登记生成清单').click()
    manager.wait_for_selector('.flash.success')
    assert '总务处' in manager.locator('#custody-lists').inner_text()

    keeper = new_phone()
    sign_in(keeper, live_server, 'zhao')
    assert '我的财产责任书' in keeper.locator('#custody-home').inner_text()
    keeper.locator('#custody-home').click()
    keeper.wait_for_url('**/custody/mine')
    keeper.get_by_role('link', name=re.compile('总务处')).click()
    assert keeper.locator('#custody-lines li').count() == 2
    assert '部门负责人：赵主任' in keeper.locator('main, body').first.inner_text()
    keeper.fill('#signed-name', '赵主任')
    keeper.locator('input[name=agreed]').check()
    keeper.get_by_role('button', name='签署财产责任书').click()
    keeper.wait_for_selector('#signature')
    assert '赵主任' in keeper.locator('#signature').inner_text()
    assert keeper.evaluate('document.documentElement.scrollWidth') <= 390  # nothing wider than the phone
    keeper.screenshot(path=str(tmp_path / 'custody-office-signed.png'), full_page=True)
    with database.connection_context():
        custody = CustodyList.get(CustodyList.office == office['place'].id)
        assert custody.signed_name == '赵主任' and custody.signed_by_id == office['keeper'].id
        assert 'Chrome' in custody.signed_agent and custody.signed_address == '127.0.0.1'

    desk = browser.new_context(viewport={'width': 1200, 'height': 900}, locale='zh-CN', timezone_id='Asia/Shanghai')
    page = desk.new_page()
    sign_in(page, live_server, 'manager', f'/custody/lists/{custody.id}/print')
    page.wait_for_url('**/print')
    assert page.locator('h1').inner_text().replace('\n', '') == '测试中心小学部门财产责任书'
    assert '部门负责人（签字）：' in page.locator('.signatures').inner_text()
    assert page.locator('#signed-name').inner_text() == '赵主任'
    page.emulate_media(media='print')
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {tuple(round(float(v)) for v in m.groups()) for m in
             re.finditer(rb'/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', pdf)}
    assert boxes == {A4_POINTS}, boxes
    assert len(re.findall(rb'/Type\s*/Page\b', pdf)) == 1
    desk.close()
