"""Routines on phones: an admin adds a checklist and a weekly routine for it (绿化养护 for the 花坛), a janitor opens
her 今日任务 and signs off the first toilet, then the 花坛 from its label with the new checklist, and the manager's
dashboard counts change."""
import datetime
import re

import pytest
from helpers import needs_chromium, sign_in

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import ChecklistTemplate, Place, Record, Routine, Tag
from houqin.routines.service import day_slots

pytestmark = needs_chromium


@pytest.fixture
def garden(school):
    """A 花坛 and a toilet with labels, and a daily toilet cleaning routine for the janitor."""
    with database.connection_context():
        made = utcnow() - datetime.timedelta(days=2)
        bed = Place.create(campus=school['campus'], name='花坛', kind='other', created_at=made)
        toilet = Place.create(campus=school['campus'], parent=school['floor'], name='一楼女厕所', kind='toilet',
                              created_at=made)
        Tag.create(token='FB00000009', campus=school['campus'], place=bed)
        Tag.create(token='TT00000009', campus=school['campus'], place=toilet)
        Routine.create(campus=school['campus'], name='厕所保洁', activity='cleaning', target_kind='toilet',
                       people=[school['users']['janitor'].id], schedule={'type': 'daily'}, calendar='every_day',
                       created_at=made)
    return bed


def cleaning_done(page, live_server):
    """The dashboard's number of cleanings done today."""
    page.goto(f'{live_server}/admin/')
    link = page.locator('a.stat[href*="activity=cleaning"][href*="status=done"] b')
    return int(link.inner_text())


def test_admin_adds_a_greening_routine_and_a_janitor_signs_off_her_first_task(live_server, new_phone, garden, school):
    admin = new_phone()
    sign_in(admin, live_server, 'admin', '/admin/checklists/new')
    admin.wait_for_url('**/admin/checklists/new')
    admin.fill('#name', '花坛养护')
    admin.select_option('#kind', 'other')
    admin.fill('#activity', 'greening')
    admin.fill('#row0-label', '浇水')
    admin.fill('#row1-label', '除草')
    admin.get_by_role('button', name='添加检查表').click()
    admin.wait_for_selector('.flash.success')
    with database.connection_context():
        template = ChecklistTemplate.get(ChecklistTemplate.name == '花坛养护')
        assert (template.target_kind, template.activity) == ('other', 'greening')

    admin.goto(f'{live_server}/admin/routines/new')
    admin.fill('#r-name', '花坛每周养护')
    admin.select_option('#r-template', str(template.id))
    admin.select_option('#r-target', 'place:')
    admin.locator('summary', has_text='逐个挑选场所').click()
    admin.get_by_label('花坛', exact=True).check()
    admin.locator('label.check', has_text='Janitor').locator('input').check()
    admin.locator('input[name=schedule][value=weekly]').check()
    admin.select_option('#r-calendar', 'every_day')
    admin.get_by_role('button', name='添加例行任务').click()
    admin.wait_for_selector('.flash.success')
    assert '花坛每周养护' in admin.locator('h1').inner_text()
    assert '每周' in admin.content() and '1 个对象' in admin.content()
    with database.connection_context():
        routine = Routine.get(Routine.name == '花坛每周养护')
        assert (routine.activity, routine.targets, routine.people, routine.schedule) == (
            'greening', [garden.id], [school['users']['janitor'].id], {'type': 'weekly'})
    before = cleaning_done(admin, live_server)

    janitor = new_phone()
    sign_in(janitor, live_server, 'janitor')
    janitor.wait_for_selector('h1:has-text("今日任务")')
    lines = janitor.locator('li.task.st-due')
    names = [re.sub(r'\s+', ' ', t).strip() for t in lines.locator('b').all_inner_texts()]
    assert sorted(names) == ['一楼女厕所', '花坛']
    first_toilet = lines.filter(has_text='一楼女厕所').first
    box = first_toilet.locator('a').bounding_box()
    assert box['height'] >= 44 and box['width'] >= 300  # one thumb, one tap
    first_toilet.locator('a').tap()
    janitor.wait_for_url('**/t/TT00000009')
    janitor.get_by_role('button', name='完成保洁').tap()
    janitor.wait_for_selector('.flash.success')
    janitor.goto(f'{live_server}/')
    assert [t.strip() for t in janitor.locator('li.task.st-due b').all_inner_texts()] == ['花坛']
    assert '今日已完成（1）' in janitor.content()
    with database.connection_context():
        assert Record.select().where(Record.activity == 'cleaning').count() == 1

    assert cleaning_done(admin, live_server) == before + 1
    admin.goto(f'{live_server}/admin/')
    greening_line = admin.locator('a.row', has_text='花坛每周养护')
    assert '0/1' in greening_line.inner_text()

    # The new activity is offered at the 花坛's label to the janitor the routine names, with its checklist.
    janitor.locator('li.task.st-due', has_text='花坛').locator('a').tap()
    janitor.wait_for_url('**/t/FB00000009')
    assert janitor.locator('section.card h2', has_text='花坛养护').count() == 1
    janitor.get_by_role('button', name='提交：花坛养护').tap()
    janitor.wait_for_selector('.flash.success')
    assert '已记录：绿化养护' in janitor.locator('.flash.success').inner_text()
    janitor.goto(f'{live_server}/')
    assert janitor.locator('li.task.st-due').count() == 0
    assert '今日已完成（2）' in janitor.content()
    with database.connection_context():
        record = Record.get(Record.activity == 'greening')
        assert (record.place_id, record.template_id, record.user_id) == (
            garden.id, template.id, school['users']['janitor'].id)
        slots = [s for s in day_slots(school['campus'], school['campus'].today()) if s.routine.id == routine.id]
        assert [(s.status, s.record_id) for s in slots] == [('done', record.id)]
    admin.goto(f'{live_server}/admin/')
    assert '1/1' in admin.locator('a.row', has_text='花坛每周养护').inner_text()
