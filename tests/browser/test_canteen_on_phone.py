"""The canteen on a phone (issue 15's "Done when", 390×844): the canteen worker scans the sample fridge and keeps
today's lunch samples with photos in a few taps (the dishes offered from the last lunch), a 100 g sample is
refused with a message, and 48 hours later (time travel: the test app's `at` parameter) the fridge's page shows
them due and disposes of them; the morning check refuses to mark fit a worker at 37.8 °C; the manager's dashboard
shows the expired certificate; the four canteen ledgers download as xlsx with Chinese headers."""
import datetime
import io

import openpyxl
import pytest
from helpers import needs_chromium, photo_file, sign_in, sign_in_from_label
from playwright.sync_api import expect

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import (CanteenStaff, FoodSample, HealthCertificate, Item, MorningCheck, Place, Record, Tag,
                           Supplier)

pytestmark = needs_chromium


@pytest.fixture
def canteen(school):
    """A sample fridge (label FRDGE00003) with yesterday's lunch, a canteen (HA00000003), two workers (孙师傅's
    certificate expired), a supplier."""
    with database.connection_context():
        campus = school['campus']
        made = utcnow() - datetime.timedelta(days=5)
        hall = Place.create(campus=campus, parent=school['building'], name='食堂', kind='canteen', created_at=made)
        fridge = Item.create(campus=campus, place=hall, kind='sample_fridge', name='留样冰箱', created_at=made)
        Tag.create(token='FRDGE00003', campus=campus, item=fridge)
        Tag.create(token='HA00000003', campus=campus, place=hall)
        today = campus.today()
        for name, days in (('赵师傅', 300), ('孙师傅', -2)):
            staff = CanteenStaff.create(campus=campus, name=name, post='厨师')
            HealthCertificate.create(staff=staff, number=f'JK-{name}', issued_on=today - datetime.timedelta(days=360),
                                     expires_on=today + datetime.timedelta(days=days))
        Supplier.create(campus=campus, name='青石镇蔬菜店', licence_expires=today + datetime.timedelta(days=90))
        yesterday = utcnow() - datetime.timedelta(days=1)
        record = Record.create(uuid='33333333-3333-4333-8333-000000000001', campus=campus, activity='sample',
                               item=fridge, place=hall, user=school['users']['canteen'], created_at=yesterday)
        for dish in ('红烧肉', '炒青菜'):
            FoodSample.create(campus=campus, record=record, item=fridge, place=hall, day=today - datetime.timedelta(days=1),
                              meal='lunch', dish=dish, weight=150, kept_by=school['users']['canteen'],
                              kept_at=yesterday, dispose_due=yesterday + datetime.timedelta(hours=48))
    return fridge


def expected_refusals(browser, paths):
    """Take the console's reports of the refused forms (a 400 with the message is the answer asked for) out of
    the watched errors, failing if one is missing; any other console error still fails the test."""
    for path in paths:
        found = [e for e in browser.errors if 'status of 400' in e and e.endswith(f'{path})')]
        assert found, (path, browser.errors)
        browser.errors.remove(found[0])


def test_the_canteen_keeps_samples_disposes_of_them_48_hours_later_and_checks_its_workers(
        live_server, browser, new_phone, canteen, school, tmp_path):
    page = new_phone()
    sign_in_from_label(page, live_server, 'FRDGE00003', 'canteen')
    page.get_by_role('link', name='留样登记').click()                       # tap 1: the fridge's page
    page.locator('nav.actions').get_by_role('link', name='午餐').click()    # tap 2: today's lunch
    page.wait_for_url('**meal=lunch**')
    # Yesterday's lunch is offered: only the weights and the photos to add.
    expect(page.locator('#dish0')).to_have_value('红烧肉')
    expect(page.locator('#dish1')).to_have_value('炒青菜')
    page.fill('#weight0', '150')
    page.fill('#weight1', '100')
    page.set_input_files('#photo0', photo_file(tmp_path, 'a.jpg', 'brown', (1600, 1200), 90))
    page.set_input_files('#photo1', photo_file(tmp_path, 'b.jpg', 'green', (1600, 1200), 90))
    page.get_by_role('button', name='保存留样').click()
    expect(page.locator('fieldset.has-error .error')).to_contain_text('100 克不够')
    with database.connection_context():
        assert FoodSample.select().where(FoodSample.day == school['campus'].today()).count() == 0
    expect(page.locator('#dish1')).to_have_value('炒青菜')
    page.fill('#weight1', '130')
    page.set_input_files('#photo0', photo_file(tmp_path, 'a.jpg', 'brown', (1600, 1200), 90))
    page.set_input_files('#photo1', photo_file(tmp_path, 'b.jpg', 'green', (1600, 1200), 90))
    page.get_by_role('button', name='保存留样').click()
    expect(page.locator('.flash.success')).to_contain_text('已留样 2 份')
    with database.connection_context():
        kept = list(FoodSample.select().where(FoodSample.day == school['campus'].today()).order_by(FoodSample.id))
        assert [(s.dish, s.weight, bool(s.photo_id)) for s in kept] == [('红烧肉', 150, True), ('炒青菜', 130, True)]
        later = (kept[0].kept_at + datetime.timedelta(hours=48, minutes=5)).isoformat(timespec='seconds')
    # 48 hours later the fridge's page shows today's two due (and yesterday's two overdue), one tap each meal.
    page.goto(f'{live_server}/canteen/t/FRDGE00003/samples?at={later}')
    today_group = page.locator('h3', has_text=kept[0].day.isoformat())
    expect(today_group).to_have_count(1)
    expect(page.locator('.sample-due')).to_have_count(2)
    page.locator('button.dispose').first.click()
    expect(page.locator('.flash.success')).to_contain_text('2')
    with database.connection_context():
        assert all(FoodSample.get_by_id(s.id).disposed_by_id == school['users']['canteen'].id for s in kept)
    expect(page.locator('.sample-due')).to_have_count(0)
    # The morning check at the canteen's label: 37.8 °C cannot be marked fit.
    page.goto(f'{live_server}/canteen/t/HA00000003/check')
    with database.connection_context():
        zhao = CanteenStaff.get(CanteenStaff.name == '赵师傅')
    worker = page.locator(f'#w{zhao.id}')
    if worker.locator('details').get_attribute('open') is None:
        worker.locator('summary').click()
    worker.locator('input[name=temperature]').fill('37.8')
    worker.get_by_text('可以上岗').click()
    worker.get_by_role('button').click()
    expect(page.locator(f'#w{zhao.id} .error')).to_contain_text('37.8 °C 不在')
    with database.connection_context():
        assert MorningCheck.select().count() == 0
        sun = CanteenStaff.get(CanteenStaff.name == '孙师傅')
    expect(page.locator(f'#w{sun.id} summary')).to_contain_text('已过期')
    expected_refusals(browser, ['/canteen/t/FRDGE00003/samples', '/canteen/t/HA00000003/check'])


def test_the_dashboard_shows_the_expired_certificate_and_the_canteen_ledgers_download(
        live_server, new_phone, canteen, school, tmp_path):
    page = new_phone()
    sign_in(page, live_server, 'manager', '/admin/')
    page.wait_for_url('**/admin/')
    line = page.locator('.canteen-line li', has_text='孙师傅')
    expect(line).to_contain_text('已过期')
    page.goto(f'{live_server}/ledgers/')
    headers = {'samples': '菜品', 'morning_checks': '体温（°C）', 'health_certificates': '证书编号',
               'deliveries': '品名'}
    for kind, header in headers.items():
        link = page.locator(f'a[href*="kind={kind}"][href*="format=xlsx"]')
        with page.expect_download() as info:
            link.click()
        sheet = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), 'rb').read())).worksheets[0]
        cells = [c.value for row in sheet.iter_rows(max_row=3) for c in row]
        assert header in cells, (kind, cells[:12])
        if kind == 'health_certificates':
            assert 'JK-孙师傅' in [c.value for row in sheet.iter_rows() for c in row]
