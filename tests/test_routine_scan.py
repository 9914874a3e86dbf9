"""Any activity at a label (issue 12): the scan page offers a routine's activity to the role or people it names
and a checklist of any activity to those who run checks; the record satisfies the routine's slot at once."""
import datetime
import json
import re

from helpers import csrf_token

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import ChecklistItem, ChecklistTemplate, Record, Routine
from houqin.routines.service import day_slots


def dormitory_routine(school, **fields):
    """A daily one-tap 宿舍检查 of 101教室 (its label ABCDEFGH12) for the given role or people."""
    with database.connection_context():
        made = utcnow() - datetime.timedelta(days=2)
        return Routine.create(campus=school['campus'], name='宿舍每日检查', activity='dormitory', targets=[school['room'].id],
                              schedule={'type': 'daily'}, calendar='every_day', created_at=made, **fields)


def sign_off(client, activity, **extra):
    page = client.get('/t/ABCDEFGH12').get_data(as_text=True)
    action = f'/t/ABCDEFGH12/do/{activity}'
    match = re.search(r'action="%s"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)">'
                      r'<input type="hidden" name="submission_id" value="([^"]+)">' % re.escape(action), page)
    data = {'csrf_token': match.group(1) if match else csrf_token(client, '/t/ABCDEFGH12'),
            'submission_id': match.group(2) if match else '00000000-0000-4000-8000-00000000abcd', **extra}
    return bool(match), client.post(action, data=data)


def test_a_routine_s_activity_is_offered_to_whom_it_names_and_fills_its_slot_at_once(app, school, as_role, runner):
    routine = dormitory_routine(school, role='repair')
    repair = as_role('repair')
    offered, response = sign_off(repair, 'dormitory', note='门窗已关')
    assert offered and response.status_code == 302
    assert '已记录：宿舍检查' in repair.get('/t/ABCDEFGH12').get_data(as_text=True)
    with database.connection_context():
        record = Record.get(Record.activity == 'dormitory')
        assert (record.place_id, record.user_id, record.note) == (school['room'].id, school['users']['repair'].id,
                                                                  '门窗已关')
        [slot] = [s for s in day_slots(school['campus'], school['campus'].today()) if s.routine.id == routine.id]
        assert (slot.status, slot.record_id) == ('done', record.id)
    out = json.loads(runner.invoke(args=['houqin', 'compliance', '--json', '--activity', 'dormitory']).output)
    assert [(s['routine'], s['status'], s['record_id']) for s in out] == [('宿舍每日检查', 'done', record.id)]
    # A teacher the routine does not name gets no form and is refused.
    teacher = as_role('teacher')
    offered, response = sign_off(teacher, 'dormitory')
    assert not offered and response.status_code == 400
    with database.connection_context():
        assert Record.select().where(Record.activity == 'dormitory').count() == 1


def test_a_checklist_of_any_activity_goes_to_those_who_run_checks_and_unknown_keys_are_refused(app, school, as_role):
    with database.connection_context():
        template = ChecklistTemplate.create(campus=school['campus'], target_kind='classroom', activity='boiler',
                                            name='锅炉房检查')
        question = ChecklistItem.create(template=template, position=0, label='压力正常', item_type='pass_fail')
    inspector = as_role('inspector')
    page = inspector.get('/t/ABCDEFGH12').get_data(as_text=True)
    assert 'action="/t/ABCDEFGH12/do/boiler"' in page and '锅炉房检查' in page
    janitor = as_role('janitor')
    assert '/do/boiler' not in janitor.get('/t/ABCDEFGH12').get_data(as_text=True)
    offered, response = sign_off(inspector, 'boiler', checklist='1', **{f'q{question.id}': 'fail'})
    assert offered and response.status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'boiler')
        assert (record.template_id, record.outcome, record.work_orders.count()) == (template.id, 'problem', 1)
    token = csrf_token(inspector, '/t/ABCDEFGH12')
    # Not offered here: 404; a NUL in the URL is refused at the edge: 400 (with the CSRF token, so neither is CSRF).
    for bad, status in (('cleaning', 404), ('Boiler', 404), ('x' * 30, 404), ('a%00b', 400)):
        sent = {'csrf_token': token, 'submission_id': '33333333-3333-4333-8333-000000000001'}
        assert inspector.post(f'/t/ABCDEFGH12/do/{bad}', data=sent).status_code == status, bad
    with database.connection_context():
        assert Record.select().count() == 1
