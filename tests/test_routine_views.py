"""The views of issue 12 through HTTP: new checklists for any kind and activity, routine admin pages and the
campus calendar, 今日任务 and the 概览 dashboard, with bad input and permissions."""
from helpers import csrf_token

from houqin.checklists.versions import active_template, questions
from houqin.db import database
from houqin.models import AuditLog, ChecklistTemplate


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
