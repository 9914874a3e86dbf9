"""The demo campus's public board in Chromium (issue 13's Done when): at 1920×1080 and in portrait it fits the
width, refreshes itself, and nowhere says a demo person's phone number or name; off, the page is a 404."""
import datetime
import uuid

import pytest
from helpers import make_a_school_day, needs_chromium

from houqin import clock
from houqin.db import database
from houqin.models import Campus, CanteenStaff, Place, Record, User, WorkOrder
from houqin.scores.weekly import check_scores

pytestmark = needs_chromium


def personal_strings():
    """Every phone number and name the demo holds: accounts (the name after the post, e.g. 王丽萍 of
    '班主任 王丽萍', and the whole display name, with a phone number each), canteen workers, reporters of repairs and records."""
    found = set()
    for user in User.select():
        if user.phone:
            found.add(user.phone)
        if user.display_name:
            found.add(user.display_name)
            found.add(user.display_name.split()[-1])
    for staff in CanteenStaff.select():
        found.update(v for v in (staff.name, staff.phone) if v)
    for model in (WorkOrder, Record):
        for name, phone in model.select(model.reporter_name, model.reporter_phone).tuples():
            found.update(v for v in (name, phone) if v)
    return {s.strip() for s in found if len(s.strip()) >= 2}


@pytest.fixture
def app(demo_app):
    """The test here runs in the demo school."""
    return demo_app


def score_this_week(campus):
    """Give the board's week its hygiene scores when it has none yet (a Monday before the first check, a week
    without school): each class checked last week is checked again now, with the same answers."""
    zone = clock.zone_name(campus)
    start, end = clock.week_bounds(campus.today(), zone)
    if check_scores(campus, start, end):
        return
    now = clock.utcnow()
    last_week = (Record.select().join(Place, on=(Record.place == Place.id))
                 .where((Record.campus == campus) & Place.school_class.is_null(False) & Record.template.is_null(False)
                        & (Record.created_at >= start - datetime.timedelta(days=7)) & (Record.created_at < start)))
    for record in last_week:
        Record.create(uuid=str(uuid.uuid4()), campus=campus, place=record.place_id, activity=record.activity,
                      user=record.user_id, template=record.template_id, answers=record.answers,
                      outcome=record.outcome, created_at=now, client_time=now)
    assert check_scores(campus, start, end)


@pytest.fixture
def demo_board(app):
    with database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        make_a_school_day(campus)  # the board lists today's toilets: a weekend or the summer has none
        score_this_week(campus)  # and this week's hygiene scores, with a banner in each grade
        for user in User.select():  # the demo's accounts have no phone numbers: give each one, to look for
            User.update(phone=f'138{user.id:08d}').where(User.id == user.id).execute()
        secrets = personal_strings()
    return campus, secrets


def test_the_demo_board_on_a_tv_shows_no_personal_data(demo_board, app, live_server, browser, tmp_path):
    campus, secrets = demo_board
    assert len(secrets) > 10 and any(s.isdigit() and len(s) == 11 for s in secrets)  # phones and names to look for
    context = browser.new_context(viewport={'width': 1920, 'height': 1080}, locale='zh-CN',
                                  timezone_id='Asia/Shanghai')
    page = context.new_page()
    assert app.test_client().get(f'/board/{campus.code}').status_code == 404  # off by default
    with database.connection_context():
        Campus.update(board_enabled=True).where(Campus.id == campus.id).execute()
    assert page.goto(f'{live_server}/board/{campus.code}').status == 200
    page.screenshot(path=str(tmp_path / 'board.png'))
    html, text = page.content(), page.inner_text('body')
    assert '今日厕所保洁' in text and '本周卫生评比' in text and '卫生流动锦旗' in text and '昨晚巡逻' in text
    assert page.locator('meta[http-equiv=refresh]').get_attribute('content') == '60'
    assert page.locator('.toilet').count() > 10 and page.locator('.score.banner').count() >= 6  # a banner per grade
    shown = [s for s in secrets if s in html]
    assert not shown, f'personal data on the public board: {shown}'
    assert page.locator('img').count() == 0 and page.locator('script').count() == 0
    assert page.evaluate('document.documentElement.scrollWidth') <= 1920
    page.set_viewport_size({'width': 1080, 'height': 1920})  # a TV hung in portrait
    page.reload()
    assert page.evaluate('document.documentElement.scrollWidth') <= 1080
    assert page.locator('.cols').evaluate('e => getComputedStyle(e).display') == 'block'
