"""The views of issue 12 through HTTP: new checklists for any kind and activity, routine admin pages and the
campus calendar, 今日任务 and the 概览 dashboard, with bad input and permissions."""
from helpers import csrf_token

from houqin.checklists.versions import active_template, questions
from houqin.db import database
from houqin.models import AuditLog, ChecklistItem, ChecklistTemplate, Holiday, Place, Routine, Term


def checklist_form(client, **fields):
    """A new-checklist POST: fields plus question rows given as row0-label=… ."""
    data = {'csrf_token': csrf_token(client, '/admin/checklists/new'), 'rows': '6'}
    data.update(fields)
    return data


def test_admin_adds_a_greening_checklist_for_playgrounds(app, school, as_role):
    admin = as_role('admin')
    page = admin.get('/admin/checklists/new').get_data(as_text=True)
    assert '<option value="greening">绿化养护</option>' in page and '<option value="tuck_shop">' in page
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='花坛养护', kind='playground', activity='绿化养护',
        **{'row0-label': '花草长势良好', 'row0-type': 'pass_fail', 'row0-required': '1',
           'row1-label': '浇水量', 'row1-type': 'number', 'row1-min': '5', 'row1-max': '20', 'row1-unit': 'L',
           'row2-label': '杂草', 'row2-type': 'choice', 'row2-choices': '无，少量，较多'}))
    assert response.status_code == 302
    with database.connection_context():
        template = active_template(school['campus'], 'playground', 'greening')
        assert (template.name, template.version, template.campus_id) == ('花坛养护', 1, school['campus'].id)
        assert [(q.label, q.item_type, q.required, q.min_value, q.max_value, q.unit, q.choices)
                for q in questions(template)] == [
            ('花草长势良好', 'pass_fail', True, None, None, '', []),
            ('浇水量', 'number', False, 5.0, 20.0, 'L', []),
            ('杂草', 'choice', False, None, None, '', ['无', '少量', '较多'])]
        assert AuditLog.select().where(AuditLog.entity == 'checklist_template').count() == 1
    assert response.headers['Location'] == f'/admin/checklists/{template.id}'
    listing = admin.get('/admin/checklists/').get_data(as_text=True)
    assert '花坛养护' in listing and '绿化养护' in listing
    # A new activity key of the school's own.
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='开水房检查', kind='other', activity='water_room', **{'row0-label': '开水器正常', 'row0-type': 'pass_fail'}))
    assert response.status_code == 302
    with database.connection_context():
        assert active_template(school['campus'], 'other', 'water_room').name == '开水房检查'


def test_bad_checklist_keeps_what_was_typed_and_saves_nothing(app, school, as_role):
    admin = as_role('manager')
    with database.connection_context():
        before = ChecklistTemplate.select().count()
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='', kind='spaceship', activity='绿 化!', **{'row0-label': '水量', 'row0-type': 'number',
                                                             'row0-min': '9', 'row0-max': '3'}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ('请填写名称。', '请选择此检查表用于哪类场所或资产。',
                    '请选择一项活动，或用字母、数字和 _ 输入新的活动（例如 greening）。', '下限高于上限。'):
        assert message in html
    assert 'value="绿 化!"' in html and 'value="水量"' in html and 'value="9"' in html
    # The toilet already has a cleaning checklist (built in): edit that one instead.
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='厕所', kind='toilet', activity='cleaning', **{'row0-label': '地面干', 'row0-type': 'pass_fail'}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '厕所已有这项活动的检查表，请改为编辑它。' in html
    with database.connection_context():
        toilet = active_template(school['campus'], 'toilet', 'cleaning')
        assert f'/admin/checklists/{toilet.id}' in html
        # Nothing without questions either.
    response = admin.post('/admin/checklists/new', data=checklist_form(admin, name='空', kind='gate',
                                                                       activity='inspection'))
    assert response.status_code == 400 and '检查表至少要有一个问题。' in response.get_data(as_text=True)
    with database.connection_context():
        assert ChecklistTemplate.select().count() == before
    assert as_role('janitor').get('/admin/checklists/new').status_code == 403


# Routines ---------------------------------------------------------------------------------------------------

def routine_form(client, path='/admin/routines/new', **fields):
    """A routine form POST with the defaults of a new routine, overridden by fields."""
    data = {'csrf_token': csrf_token(client, path), 'name': '', 'template': '', 'activity': '', 'target': 'place:',
            'subtree': '', 'assets': '', 'role': '', 'schedule': 'daily', 'calendar': 'school_days',
            'windows': '', 'times': '', 'tolerance': '15', 'n': '2', 'anchor': '', 'weekday': '', 'day': '',
            'field': 'expires_on', 'days_before': '30', 'start': '', 'deadline': ''}
    data.update(fields)
    return data


def greening(school):
    """A 花坛 (flower bed) and a greening checklist for flower beds (kind 'other')."""
    with database.connection_context():
        bed = Place.create(campus=school['campus'], name='花坛', kind='other')
        template = ChecklistTemplate.create(campus=school['campus'], target_kind='other', activity='greening',
                                            name='花坛养护')
        ChecklistItem.create(template=template, label='浇水', item_type='pass_fail')
    return bed, template


def test_admin_adds_edits_and_stops_a_weekly_greening_routine(app, school, as_role):
    bed, template = greening(school)
    admin = as_role('manager')
    response = admin.post('/admin/routines/new', data=routine_form(
        admin, name='花坛每周养护', template=str(template.id), target='place:', picked=[str(bed.id)],
        people=[str(school['users']['janitor'].id)], schedule='weekly', weekdays=['2'], calendar='every_day'))
    assert response.status_code == 302
    with database.connection_context():
        routine = Routine.get(Routine.name == '花坛每周养护')
        assert (routine.activity, routine.template_id, routine.target_type, routine.target_kind, routine.targets,
                routine.role, routine.people, routine.schedule, routine.calendar) == (
            'greening', template.id, 'place', '', [bed.id], '', [school['users']['janitor'].id],
            {'type': 'weekly', 'weekdays': [2]}, 'every_day')
    assert response.headers['Location'] == f'/admin/routines/{routine.id}'
    detail = admin.get(f'/admin/routines/{routine.id}').get_data(as_text=True)
    assert '花坛养护' in detail and '每周：周三' in detail and 'Janitor' in detail and '1 个对象' in detail
    listing = admin.get('/admin/routines/').get_data(as_text=True)
    assert '花坛每周养护' in listing and '每周：周三 · 每天' in listing
    edit = admin.get(f'/admin/routines/{routine.id}/edit').get_data(as_text=True)
    assert 'value="花坛每周养护"' in edit and f'value="{bed.id}" checked' in edit
    response = admin.post(f'/admin/routines/{routine.id}/edit', data=routine_form(
        admin, path=f'/admin/routines/{routine.id}/edit', name='花坛养护（周一、周四）', template=str(template.id),
        target='place:', picked=[str(bed.id)], role='janitor', schedule='weekly', weekdays=['0', '3'],
        calendar='school_days'))
    assert response.status_code == 302
    with database.connection_context():
        routine = Routine.get_by_id(routine.id)
        assert (routine.name, routine.role, routine.people, routine.schedule, routine.calendar) == (
            '花坛养护（周一、周四）', 'janitor', [], {'type': 'weekly', 'weekdays': [0, 3]}, 'school_days')
    response = admin.post(f'/admin/routines/{routine.id}/retire',
                          data={'csrf_token': csrf_token(admin, f'/admin/routines/{routine.id}')})
    assert response.status_code == 302
    with database.connection_context():
        routine = Routine.get_by_id(routine.id)
        assert routine.active is False and routine.retired_at is not None
        assert AuditLog.select().where(AuditLog.entity == 'routine').count() == 3


def test_bad_routine_keeps_what_was_typed(app, school, as_role):
    admin = as_role('admin')
    response = admin.post('/admin/routines/new', data=routine_form(
        admin, name='', activity='', target='place:', schedule='windows', windows='7点-9点, 11:30-13:30'))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ('请填写名称。', '请选择检查表，或为一键完成的例行任务填写活动（例如 cleaning）。',
                    '请选择一种场所或资产，或逐个挑选。', '请说明由谁来做：一个角色，或指定人员。',
                    '“7点”不是时刻（请写成 07:30 这样）。'):
        assert message in html, message
    assert 'value="7点-9点, 11:30-13:30"' in html and 'value="windows" checked' in html
    response = admin.post('/admin/routines/new', data=routine_form(
        admin, name='灭火器', activity='inspection', target='place:classroom', role='repair', schedule='by_date'))
    assert response.status_code == 400 and '“有效期前”按资产的日期计算：请选择一种资产。' in response.get_data(as_text=True)
    response = admin.post('/admin/routines/new', data=routine_form(
        admin, name='检查', activity='inspection', target='item:', assets='MHQ-404, KZ-0001', role='repair'))
    assert response.status_code == 400 and '没有编号为 MHQ-404 的资产。' in response.get_data(as_text=True)
    with database.connection_context():
        assert Routine.select().count() == 0
    assert as_role('inspector').post('/admin/routines/new', data={}).status_code in (400, 403)
    assert as_role('inspector').get('/admin/routines/new').status_code == 403
    assert as_role('inspector').get('/admin/routines/').status_code == 200


def test_campus_calendar(app, school, as_role):
    admin = as_role('admin')
    page = '/admin/routines/calendar'

    def add(**fields):
        return admin.post(page, data={'csrf_token': csrf_token(admin, page), **fields})
    assert add(kind='term', name='2026秋季学期', starts_on='2026-09-01', ends_on='2027-01-20').status_code == 302
    assert add(kind='holiday', name='国庆节', starts_on='2026-10-01', ends_on='2026-10-07').status_code == 302
    assert add(kind='makeup', name='国庆调休', starts_on='2026-10-10', counts_as='4').status_code == 302
    response = add(kind='holiday', name='', starts_on='2026-10-08', ends_on='2026-10-01')
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '请填写名称。' in html and '结束日期早于开始日期。' in html
    assert 'value="2026-10-08"' in html
    response = add(kind='makeup', name='调休', starts_on='2026-10-11')
    assert response.status_code == 400 and '请选择这个工作日按星期几算。' in response.get_data(as_text=True)
    with database.connection_context():
        assert [(t.name, t.starts_on.isoformat(), t.ends_on.isoformat()) for t in Term.select()] == [
            ('2026秋季学期', '2026-09-01', '2027-01-20')]
        assert [(h.name, h.kind, h.starts_on.isoformat(), h.ends_on.isoformat(), h.counts_as)
                for h in Holiday.select().order_by(Holiday.starts_on)] == [
            ('国庆节', 'holiday', '2026-10-01', '2026-10-07', None), ('国庆调休', 'makeup', '2026-10-10', '2026-10-10', 4)]
        makeup = Holiday.get(Holiday.kind == 'makeup')
        term = Term.get()
    html = admin.get(page).get_data(as_text=True)
    assert '调休上班，按周五算' in html and '2026秋季学期' in html
    viewer = as_role('viewer')
    assert viewer.get(page).status_code == 200
    assert viewer.post(f'/admin/routines/calendar/days/{makeup.id}/delete',
                       data={'csrf_token': csrf_token(viewer, page)}).status_code == 403
    assert admin.post(f'/admin/routines/calendar/days/{makeup.id}/delete',
                      data={'csrf_token': csrf_token(admin, page)}).status_code == 302
    assert admin.post(f'/admin/routines/calendar/terms/{term.id}/delete',
                      data={'csrf_token': csrf_token(admin, page)}).status_code == 302
    with database.connection_context():
        assert Term.select().count() == 0 and Holiday.select().count() == 1
