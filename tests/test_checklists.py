"""Checklists: the built-in ones in Chinese, answers checked, edits as new versions that leave old records alone."""
from helpers import csrf_token
from werkzeug.datastructures import MultiDict

from houqin.checklists.answers import check_answers
from houqin.checklists.versions import active_template, questions
from houqin.db import database
from houqin.models import ChecklistItem, ChecklistTemplate, Record


def test_built_in_checklists_are_there_in_chinese(app, school):
    with database.connection_context():
        toilet = active_template(school['campus'], 'toilet', 'cleaning')
        extinguisher = active_template(school['campus'], 'fire_extinguisher', 'inspection')
        lab = active_template(school['campus'], 'lab', 'use')  # labs share the function-room form
        assert toilet.name == '厕所保洁标准'
        assert '便槽、便池干净' in [q.label for q in questions(toilet)]
        labels = [q.label for q in questions(extinguisher)]
        assert '压力表指针在绿区' in labels and any('有效期' in label for label in labels)
        assert lab.name == '功能室使用登记'
        for kind, activity in (('classroom', 'inspection'), ('dormitory', 'inspection'), ('canteen', 'canteen')):
            assert active_template(school['campus'], kind, activity) is not None


def test_answers_are_checked(app, school):
    with app.test_request_context(), database.connection_context():
        items = questions(active_template(school['campus'], 'fire_extinguisher', 'inspection'))
        by_label = {q.label: q for q in items}
        gauge, reading = by_label['压力表指针在绿区'], by_label['压力读数']
        form = MultiDict({f'q{q.id}': 'pass' for q in items if q.item_type == 'pass_fail'})
        form[f'q{gauge.id}'] = 'fail'
        form[f'hazard{gauge.id}'] = '1'
        form[f'q{reading.id}'] = '0.6'
        result = check_answers(items, form, {})
        assert result.ok and {q.label for q in result.failed} == {'压力表指针在绿区', '压力读数'}
        assert [q.label for q in result.hazards] == ['压力表指针在绿区']
        bad = MultiDict({f'q{reading.id}': 'abc'})
        result = check_answers(items, bad, {})
        assert result.errors[str(reading.id)] == '请填写数字。'
        assert result.errors[str(gauge.id)] == '请回答此项。'


def test_editing_makes_a_new_version_and_old_records_keep_theirs(as_role, school):
    with database.connection_context():
        old = active_template(school['campus'], 'toilet', 'cleaning')
        old_questions = [q.label for q in questions(old)]
        record = Record.create(uuid='0' * 36, campus=school['campus'], activity='cleaning', template=old,
                               place=school['room'])
    manager = as_role('manager')
    page = manager.get(f'/admin/checklists/{old.id}').get_data(as_text=True)
    assert '厕所保洁标准' in page
    rows = len(old_questions) + 3
    data = {'csrf_token': csrf_token(manager, f'/admin/checklists/{old.id}'), 'name': '厕所保洁标准（本校）',
            'rows': rows}
    for n, label in enumerate(old_questions):
        data[f'row{n}-label'] = label
        data[f'row{n}-type'] = 'photo' if label == '现场照片' else 'pass_fail'
        data[f'row{n}-required'] = '1'
        data[f'row{n}-position'] = str(n + 1)
    data['row0-remove'] = '1'
    n = len(old_questions)
    data.update({f'row{n}-label': '水温', f'row{n}-type': 'number', f'row{n}-min': '10', f'row{n}-max': '5',
                 f'row{n}-position': '0'})
    response = manager.post(f'/admin/checklists/{old.id}', data=data)
    assert response.status_code == 400
    assert '下限高于上限' in response.get_data(as_text=True) and 'value="水温"' in response.get_data(as_text=True)
    with database.connection_context():
        assert ChecklistTemplate.select().where(ChecklistTemplate.campus == school['campus']).count() == 0
    data[f'row{n}-min'], data[f'row{n}-max'] = '5', '60'
    response = manager.post(f'/admin/checklists/{old.id}', data=data)
    assert response.status_code == 302
    with database.connection_context():
        new = active_template(school['campus'], 'toilet', 'cleaning')
        assert new.version == 2 and new.campus_id == school['campus'].id and new.name == '厕所保洁标准（本校）'
        labels = [q.label for q in questions(new)]
        assert labels[0] == '水温' and old_questions[0] not in labels
        # The old record still points at version 1 with its questions unchanged.
        kept = Record.get_by_id(record.id).template
        assert kept.version == 1 and [q.label for q in questions(kept)] == old_questions
        # Other campuses keep the built-in one.
        assert ChecklistTemplate.get_by_id(old.id).active


def test_choice_needs_options_and_a_checklist_needs_a_question(as_role, school):
    with database.connection_context():
        template = active_template(school['campus'], 'canteen', 'canteen')
        count = ChecklistItem.select().count()
    manager = as_role('manager')
    data = {'csrf_token': csrf_token(manager, f'/admin/checklists/{template.id}'), 'name': 'x', 'rows': 1,
            'row0-label': '方式', 'row0-type': 'choice', 'row0-choices': '只有一个'}
    assert '至少需要两个选项' in manager.post(f'/admin/checklists/{template.id}', data=data).get_data(as_text=True)
    data = {'csrf_token': data['csrf_token'], 'name': 'x', 'rows': 0}
    assert '至少要有一个问题' in manager.post(f'/admin/checklists/{template.id}', data=data).get_data(as_text=True)
    with database.connection_context():
        assert ChecklistItem.select().count() == count
    assert as_role('teacher').get('/admin/checklists/').status_code == 403
