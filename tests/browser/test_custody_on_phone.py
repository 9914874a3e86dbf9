"""Custody on phones (issue 16's Done when): the manager generates the term's lists, the head teacher finds hers on
her home page and signs it on a 390×844 phone; after the term-end stocktake the comparison names the missing chair
and the class; the 班级财产责任书 prints on one A4 page with her signature."""
import datetime
import re

import pytest
from helpers import needs_chromium, sign_in

from houqin.assets.stocktake import close_stocktake, confirm_item, open_stocktake
from houqin.db import database
from houqin.models import CustodyList, Item, Place, SchoolClass, Term

pytestmark = needs_chromium
A4_POINTS = (595, 842)  # 210 × 297 mm


@pytest.fixture
def class_room(school):
    """初一(1)班 in 101教室 (the desk and a chair), its head teacher the teacher, and the autumn term."""
    with database.connection_context():
        school_class = SchoolClass.create(campus=school['campus'], grade='初一', name='初一(1)班',
                                          head_teacher=school['users']['teacher'])
        Place.update(school_class=school_class).where(Place.id == school['room'].id).execute()
        chair = Item.create(campus=school['campus'], place=school['room'], kind='chair', name='学生椅',
                            asset_number='YZ-0007')
        Term.create(campus=school['campus'], name='2026秋季学期', starts_on=datetime.date(2026, 9, 1),
                    ends_on=datetime.date(2027, 1, 20))
    return {'class': school_class, 'chair': chair}


def test_a_head_teacher_signs_on_her_phone_and_the_term_end_comparison_names_the_missing_chair(
        live_server, new_phone, browser, school, class_room, tmp_path):
    manager = new_phone()
    sign_in(manager, live_server, 'manager', '/custody/')
    manager.wait_for_url('**/custody/')
    manager.get_by_role('button', name='按财产登记生成清单').click()
    manager.wait_for_selector('.flash.success')
    assert manager.locator('#n-lists').inner_text() == '1' and manager.locator('#n-signed').inner_text() == '0'

    teacher = new_phone()
    sign_in(teacher, live_server, 'teacher')
    teacher.locator('#custody-home').click()
    teacher.wait_for_url('**/custody/mine')
    teacher.get_by_role('link', name=re.compile('初一\\(1\\)班')).click()
    lines = teacher.locator('#custody-lines li')
    assert lines.count() == 2
    assert '学生椅' in lines.all_inner_texts()[0] + lines.all_inner_texts()[1]
    teacher.fill('#signed-name', '王丽')
    teacher.screenshot(path=str(tmp_path / 'custody-sign.png'), full_page=True)
    teacher.locator('input[name=agreed]').check()
    teacher.get_by_role('button', name='签署财产责任书').click()
    teacher.wait_for_selector('#signature')
    assert '王丽' in teacher.locator('#signature').inner_text()
    assert teacher.evaluate('document.documentElement.scrollWidth') <= 390  # nothing wider than the phone
    teacher.screenshot(path=str(tmp_path / 'custody-signed.png'), full_page=True)
    with database.connection_context():
        custody = CustodyList.get()
        assert custody.signed_name == '王丽' and custody.signed_by_id == school['users']['teacher'].id
        assert 'Chrome' in custody.signed_agent and custody.signed_address == '127.0.0.1'  # the device it came from

    # The term-end count of the floor finds the desk but not the chair.
    with database.connection_context():
        take = open_stocktake(school['campus'], school['users']['manager'], name='期末清点', scope_place=school['floor'],
                              counters=[school['users']['teacher'].id])
        confirm_item(take, school['users']['teacher'], school['desk'], Place.get_by_id(school['room'].id))
        close_stocktake(take, school['users']['manager'], '王主任')
    manager.goto(f'{live_server}/custody/lists/{custody.id}')
    manager.get_by_role('link', name='期末对照').click()
    manager.wait_for_selector('#missing')
    missing = manager.locator('#missing').inner_text()
    assert '学生椅' in missing and 'YZ-0007' in missing and '初一(1)班' in missing
    assert manager.locator('#n-missing').inner_text() == '1' and manager.locator('#n-ok').inner_text() == '1'

    # The A4 sheet, printed from a desktop browser.
    desk = browser.new_context(viewport={'width': 1200, 'height': 900}, locale='zh-CN', timezone_id='Asia/Shanghai')
    page = desk.new_page()
    sign_in(page, live_server, 'manager', f'/custody/lists/{custody.id}/print')
    page.wait_for_url('**/print')
    assert page.locator('h1').inner_text().replace('\n', '') == '测试中心小学班级财产责任书'
    assert page.locator('#signed-name').inner_text() == '王丽'
    assert page.locator('.custody-table tbody tr').count() == 2
    page.emulate_media(media='print')
    assert page.locator('header.top').evaluate('e => getComputedStyle(e).display') == 'none'
    assert page.locator('.no-print').first.evaluate('e => getComputedStyle(e).display') == 'none'
    page.screenshot(path=str(tmp_path / 'custody-print.png'), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    (tmp_path / 'custody.pdf').write_bytes(pdf)
    assert pdf.startswith(b'%PDF')
    boxes = {tuple(round(float(v)) for v in m.groups()) for m in
             re.finditer(rb'/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', pdf)}
    assert boxes == {A4_POINTS}, boxes
    assert len(re.findall(rb'/Type\s*/Page\b', pdf)) == 1
    desk.close()
