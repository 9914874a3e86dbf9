"""The views of issue 12 through HTTP: new checklists for any kind and activity, routine admin pages and the
campus calendar, 今日任务 and the 概览 dashboard, with bad input and permissions."""
import datetime
import json
import re

from helpers import csrf_token, login

from houqin.checklists.versions import active_template, questions
from houqin.clock import day_bounds, to_utc, utcnow
from houqin.db import database
from houqin.models import (AuditLog, Campus, ChecklistItem, ChecklistTemplate, Holiday, Place, Record, Routine, RoutineNotice,
                           Tag, Term, WorkOrder)


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


# 今日任务, the dashboard and the slot lists ------------------------------------------------------------------

def daily_toilet_routine(school, people, created_days_ago=3):
    """Two toilets with labels and a daily cleaning routine for them, every day, made some days ago."""
    with database.connection_context():
        floor = school['floor']
        made = utcnow() - datetime.timedelta(days=created_days_ago)
        toilets = [Place.create(campus=school['campus'], parent=floor, name=name, kind='toilet', created_at=made)
                   for name in ('男厕', '女厕')]
        tags = [Tag.create(token=token, campus=school['campus'], place=p) for token, p in
                zip(('TT0000000A', 'TT0000000B'), toilets)]
        routine = Routine.create(campus=school['campus'], name='厕所每日保洁', activity='cleaning',
                                 target_kind='toilet', people=[u.id for u in people], schedule={'type': 'daily'},
                                 calendar='every_day', created_at=made)
    return routine, toilets, tags


def clean(school, place, when, n):
    with database.connection_context():
        return Record.create(uuid=f'00000000-0000-4000-8000-{n:012d}', campus=school['campus'], place=place,
                             activity='cleaning', user=school['users']['janitor'], created_at=when)


def task_lines(html):
    """(target, status badge) of each 今日任务 line, in order."""
    return [(name, status) for name, status in
            re.findall(r'<li class="task st-\w+">\s*<a class="row" href="[^"]*">\s*<span><b>([^<]+)</b> '
                       r'<span class="badge slot-\w+">([^<]+)</span>', html)]


def test_todays_tasks_link_to_the_labels_and_follow_the_records(app, school, as_role):
    routine, toilets, tags = daily_toilet_routine(school, [school['users']['janitor']])
    janitor = as_role('janitor')
    html = janitor.get('/').get_data(as_text=True)
    assert '今日任务' in html and task_lines(html) == [('女厕', '待完成'), ('男厕', '待完成')] or \
        task_lines(html) == [('男厕', '待完成'), ('女厕', '待完成')]
    assert 'href="/t/TT0000000A"' in html and 'href="/t/TT0000000B"' in html
    clean(school, toilets[0], utcnow() - datetime.timedelta(seconds=5), 1)
    html = janitor.get('/').get_data(as_text=True)
    due = html.split('今天漏做')[0].split('今日已完成')[0]
    assert task_lines(due) == [('女厕', '待完成')]
    assert '今日已完成（1）' in html and '<b>1</b>已完成' in html.replace('\n', '').replace('  ', '')
    # Someone without routines gets the plain start page; a manager without routines the overview.
    assert '今日任务' not in as_role('teacher').get('/').get_data(as_text=True)
    assert as_role('manager').get('/').headers['Location'] == '/admin/'


def stat(html, href_part):
    """The number of the dashboard stat whose link contains href_part."""
    match = re.search(r'<a class="stat[^"]*" href="[^"]*' + re.escape(href_part) + r'[^"]*"><b>([^<]+)</b>', html)
    assert match, href_part
    return match.group(1)


def test_dashboard_counts_a_past_day_and_notifies_missed_slots_once(app, school, as_role):
    routine, toilets, tags = daily_toilet_routine(school, [school['users']['janitor']])
    with database.connection_context():
        zone = school['campus'].timezone
        yesterday = school['campus'].today() - datetime.timedelta(days=1)
    start, _end = day_bounds(yesterday, zone)
    clean(school, toilets[0], start + datetime.timedelta(hours=9), 1)
    manager = as_role('manager')
    html = manager.get(f'/admin/?day={yesterday.isoformat()}').get_data(as_text=True)
    d = yesterday.isoformat()
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=done') == '1'
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=missed') == '1'
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=due') == '0'
    missed_list = html.split('漏做的保洁')[1].split('</section>')[0]
    assert '女厕' in missed_list and '男厕' not in missed_list and 'Janitor' in missed_list
    with database.connection_context():
        notified = RoutineNotice.select().where(RoutineNotice.routine == routine).count()
    assert notified >= 1  # yesterday's miss (and the day before's, within the look-back) told once
    manager.get('/admin/')
    with database.connection_context():
        assert RoutineNotice.select().where(RoutineNotice.routine == routine).count() == notified
    slots = manager.get(f'/admin/routines/slots?day={d}&activity=cleaning&status=missed').get_data(as_text=True)
    assert task_lines(slots) == [('女厕', '漏做')]
    assert manager.get('/admin/?day=2026-02-30').status_code == 400
    assert manager.get('/admin/?day=2999-01-01').status_code == 400
    assert manager.get('/admin/routines/slots?day=x').status_code == 400
    assert as_role('janitor').get('/admin/').status_code == 403


def test_dashboard_draws_svg_without_inline_styles(app, school, as_role):
    daily_toilet_routine(school, [school['users']['janitor']])
    html = as_role('admin').get('/admin/?map=week').get_data(as_text=True)
    assert html.count('<svg class="trend"') == 2 and '<svg class="floor-map"' in html
    assert 'style=' not in html and '<script' not in html


# The demo school: the dashboard against a hand count, and against `flask houqin compliance --json` ---------

def runs_on_school_day(day):
    """A school day by hand: a make-up day, or a weekday in a term and in no holiday."""
    if Holiday.select().where((Holiday.kind == 'makeup') & (Holiday.starts_on <= day) & (Holiday.ends_on >= day)).exists():
        return True
    in_term = Term.select().where((Term.starts_on <= day) & (Term.ends_on >= day)).exists()
    holiday = Holiday.select().where((Holiday.kind == 'holiday') & (Holiday.starts_on <= day)
                                     & (Holiday.ends_on >= day)).exists()
    return day.weekday() < 5 and in_term and not holiday


def window_starts(routine, day, zone):
    """The routine's windows on a day as (start, end) in naive UTC, straight from its stored times."""
    out = []
    for start, end in routine.schedule['windows']:
        first = datetime.datetime.combine(day, datetime.time.fromisoformat(start))
        last = datetime.datetime.combine(day, datetime.time.fromisoformat(end))
        out.append((to_utc(first, zone), to_utc(last, zone)))
    return out


def hand_count_missed_cleanings(campus, day, now):
    """Missed toilet cleanings of a past school day, counted by hand: a window with no cleaning at the toilet from
    its start until the next window starts (the next school day's first window for the day's last; with no school
    day in the two weeks after, as before the summer holiday, a day after the last window's end)."""
    zone = campus.timezone
    ahead = (day + datetime.timedelta(days=n) for n in range(1, 15))
    following = next((d for d in ahead if runs_on_school_day(d)), None)
    missed = []
    for routine in Routine.select().where((Routine.campus == campus) & (Routine.activity == 'cleaning')):
        windows = window_starts(routine, day, zone)
        last = (window_starts(routine, following, zone)[0][0] if following
                else windows[-1][1] + datetime.timedelta(days=1))
        limits = [s for s, _e in windows[1:]] + [last]
        for place_id in routine.targets:
            for (start, end), limit in zip(windows, limits):
                done = Record.select().where((Record.place == place_id) & Record.item.is_null()
                                             & (Record.activity == 'cleaning') & (Record.created_at >= start)
                                             & (Record.created_at < min(limit, now))).exists()
                if not done and end <= now:
                    missed.append((place_id, start))
    return missed


def test_demo_dashboard_against_a_hand_count_and_the_cli(demo_app):
    app, runner = demo_app, demo_app.test_cli_runner()
    now = utcnow()
    with database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        today = campus.today()
        day = today - datetime.timedelta(days=1)
        while not runs_on_school_day(day):
            day -= datetime.timedelta(days=1)
        missed = hand_count_missed_cleanings(campus, day, now)
        overdue = WorkOrder.select().where((WorkOrder.campus == campus)
                                           & WorkOrder.status.in_(('reported', 'accepted', 'in_progress'))
                                           & (WorkOrder.due_at < now)).count()
    assert len(missed) > 0 and overdue > 0  # the demo's history has misses and late repairs to show
    admin = app.test_client()
    assert login(admin, 'manager', 'demo1234').status_code == 302
    d = day.isoformat()
    html = admin.get(f'/admin/?day={d}').get_data(as_text=True)
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=missed') == str(len(missed))
    assert stat(html, 'overdue=1') == str(overdue)
    listed = task_lines(admin.get(f'/admin/routines/slots?day={d}&activity=cleaning&status=missed')
                        .get_data(as_text=True))
    assert len(listed) == len(missed) and {status for _n, status in listed} == {'漏做'}
    # The script contract: the CLI's JSON for the day says what the dashboard says.
    result = runner.invoke(args=['houqin', 'compliance', '--date', d, '--activity', 'cleaning', '--json'])
    assert result.exit_code == 0, result.output
    slots = json.loads(result.output)
    by_status = {s: sum(1 for slot in slots if slot['status'] == s) for s in ('done', 'late', 'missed', 'due', 'upcoming')}
    assert by_status['missed'] == len(missed)
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=done') == str(by_status['done'] + by_status['late'])
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=due') == str(by_status['due'])
    assert stat(html, f'day={d}&amp;activity=cleaning&amp;status=upcoming') == str(by_status['upcoming'])
    if by_status['late']:
        assert f'<small>({by_status["late"]} 个迟做)</small>' in html
    # Today's numbers agree with today's JSON too.
    html = admin.get('/admin/').get_data(as_text=True)
    today_slots = json.loads(runner.invoke(args=['houqin', 'compliance', '--activity', 'cleaning', '--json']).output)
    t = today.isoformat()
    assert stat(html, f'day={t}&amp;activity=cleaning&amp;status=missed') == \
        str(sum(1 for s in today_slots if s['status'] == 'missed'))


def test_scored_checklist_with_a_pass_mark(app, school, as_role):
    admin = as_role('admin')
    rows = {'row0-label': '地面干净', 'row0-type': 'pass_fail', 'row0-points': '10',
            'row1-label': '桌椅整齐', 'row1-type': 'pass_fail', 'row1-points': '10'}
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='卫生检查评分', kind='classroom', activity='hygiene', pass_mark='30', scoring='mean', **rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '及格分须在 0 到总分 20 分之间。' in html and 'value="30"' in html
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='卫生检查评分', kind='classroom', activity='hygiene', pass_mark='15', scoring='mean',
        **dict(rows, **{'row1-points': '很多'})))
    assert response.status_code == 400 and '分值须是 0 到 1000 之间的数。' in response.get_data(as_text=True)
    response = admin.post('/admin/checklists/new', data=checklist_form(
        admin, name='卫生检查评分', kind='classroom', activity='hygiene', pass_mark='15', scoring='mean', **rows))
    assert response.status_code == 302
    with database.connection_context():
        template = active_template(school['campus'], 'classroom', 'hygiene')
        assert (template.pass_mark, template.scoring) == (15.0, 'mean')
        assert [(q.label, q.points) for q in questions(template)] == [('地面干净', 10.0), ('桌椅整齐', 10.0)]
    page = admin.get(f'/admin/checklists/{template.id}').get_data(as_text=True)
    assert 'value="15"' in page and '满分 20 分' in page and 'id="row0-points" name="row0-points" value="10"' in page
    # A new version keeps the scoring it is saved with.
    response = admin.post(f'/admin/checklists/{template.id}', data={
        'csrf_token': csrf_token(admin, f'/admin/checklists/{template.id}'), 'rows': '2', 'name': '卫生检查评分',
        'pass_mark': '12', 'scoring': 'sum', **rows})
    assert response.status_code == 302
    with database.connection_context():
        revised = active_template(school['campus'], 'classroom', 'hygiene')
        assert (revised.version, revised.pass_mark, revised.scoring) == (2, 12.0, 'sum')
