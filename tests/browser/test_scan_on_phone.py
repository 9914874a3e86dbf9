"""Three people at labels on their phones: a janitor signs off a toilet, two teachers report one broken desk."""

import pytest
from helpers import PASSWORD_HASH, needs_chromium, photo_file, sign_in_from_label

from houqin.db import database
from houqin.models import Membership, Photo, Place, Record, Tag, User, WorkOrder, WorkOrderEvent

pytestmark = needs_chromium


@pytest.fixture
def desk_and_toilet(school):
    with database.connection_context():
        toilet = Place.create(campus=school['campus'], parent=school['floor'], name='一楼女厕所', kind='toilet')
        Tag.create(token='TT00000002', campus=school['campus'], place=toilet)
        Tag.create(token='DK00000002', campus=school['campus'], item=school['desk'])
        second = User.create(username='teacher2', display_name='李老师', password_hash=PASSWORD_HASH)
        Membership.create(user=second, campus=school['campus'], role='teacher')
    return {'toilet': 'TT00000002', 'desk': 'DK00000002'}


def test_janitor_records_a_cleaning_with_one_tap(live_server, phone, desk_and_toilet):
    page = phone
    sign_in_from_label(page, live_server, desk_and_toilet['toilet'], 'janitor')
    button = page.get_by_role('button', name='完成保洁')
    box = button.bounding_box()
    assert box['height'] >= 48 and box['width'] >= 300  # a thumb-sized target
    button.tap()
    page.wait_for_selector('.flash.success')
    assert '已记录：保洁' in page.locator('.flash.success').inner_text()
    assert '上次保洁' in page.content()
    assert '保洁' in page.locator('.list').first.inner_text()  # the history shows it
    with database.connection_context():
        assert Record.select().where(Record.activity == 'cleaning').count() == 1
        record = Record.get(Record.activity == 'cleaning')
        assert record.client_time is not None  # the phone's clock came along


def test_teachers_report_a_desk_and_the_second_is_offered_same_problem(live_server, new_phone, desk_and_toilet,
                                                                      tmp_path):
    page = new_phone()
    sign_in_from_label(page, live_server, desk_and_toilet['desk'], 'teacher')
    # Three taps: photo, one line, send.
    page.set_input_files('#r-photo', photo_file(tmp_path, 'desk.jpg', 'brown'))
    # Not wait_for_function: its string predicate is an eval, which the page's CSP refuses.
    assert page.locator('#r-photo').evaluate('e => e.files[0].name') == 'desk.jpg'
    page.fill('#r-title', '桌腿断了，学生坐着会摔')
    page.get_by_role('button', name='提交报修').tap()
    page.wait_for_selector('.flash.success')
    assert '维修单' in page.locator('.flash.success').inner_text()
    with database.connection_context():
        order = WorkOrder.get()
        event = WorkOrderEvent.get(WorkOrderEvent.order == order)
        photo = Photo.get(Photo.event == event)
    assert order.title == '桌腿断了，学生坐着会摔'
    assert max(photo.width, photo.height) <= 2048

    # A second teacher scans the same desk on her own phone: the open report comes first, with "same problem".
    page = new_phone()
    sign_in_from_label(page, live_server, desk_and_toilet['desk'], 'teacher2')
    content = page.content()
    assert content.index('已经有人报告的问题') < content.index('哪里坏了')
    assert '桌腿断了' in page.locator('section.card').nth(1).inner_text()
    page.get_by_text('是同一个问题？加到这条报修里').tap()
    page.set_input_files(f'#s-photo-{order.id}', photo_file(tmp_path, 'again.jpg', 'gray'))
    page.get_by_role('button', name='同一个问题', exact=True).tap()
    page.wait_for_selector('.flash.success')
    assert order.number in page.locator('.flash.success').inner_text()
    with database.connection_context():
        assert WorkOrder.select().count() == 1
        joined = WorkOrderEvent.get((WorkOrderEvent.order == order) & (WorkOrderEvent.action == 'join'))
        assert joined.actor.username == 'teacher2'
        assert Photo.select().where(Photo.event == joined).count() == 1
    # The record appears in the desk's history.
    assert '报修' in page.locator('.list').last.inner_text()
