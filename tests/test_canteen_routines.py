"""The canteen's duties as routines (issue 15): a meal with no sample by its end is missed (the routines engine:
the canteen page, `flask houqin compliance`), samples are kept only through the fridge's own page, 陪餐 and the
monthly 自检 are checklists at the canteen's labels (自检's failed items open work orders), certificates are told
once from `flask houqin check-routines`, and the canteen worker reaches the canteen page in one tap."""
import datetime
import json
import re

import pytest
from helpers import csrf_token, jpeg_upload, make_a_school_day

from houqin import clock
from houqin.canteen.routines import add_canteen_routines, meal_of
from houqin.canteen.samples import sample_problems
from houqin.canteen.staff import certificate_alerts, workers
from houqin.db import database
from houqin.models import (Campus, CanteenStaff, ChecklistItem, Delivery, DeliveryLine, FoodSample, HealthCertificate,
                           Item, MorningCheck, NotificationChannel, Outbox, Place, Record, Routine, Tag, WorkOrder)
from houqin.routines.service import campus_slots, day_slots

SID = '22222222-2222-4222-8222-{:012d}'



def last_weekday(today):
    """The last Monday–Friday before today (the routines run on school days)."""
    day = today - datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


@pytest.fixture
def kitchen(school):
    """A canteen (label HA…), a sample fridge (FRDGE…), made ten days ago, with the canteen's routines."""
    with database.connection_context():
        campus = school['campus']
        made = clock.utcnow() - datetime.timedelta(days=10)
        hall = Place.create(campus=campus, parent=school['building'], name='食堂', kind='canteen', created_at=made)
        fridge = Item.create(campus=campus, place=hall, kind='sample_fridge', name='留样冰箱', created_at=made)
        Tag.create(token='FRDGE00002', campus=campus, item=fridge)
        Tag.create(token='HA00000002', campus=campus, place=hall)
        routines = add_canteen_routines(campus, hall, hall, created_at=made)
    return {'hall': hall, 'fridge': fridge, 'routines': {r.name: r for r in routines}}


def local(day, hour, minute=0):
    return clock.to_utc(datetime.datetime.combine(day, datetime.time(hour, minute)), 'Asia/Shanghai')


def keep_lunch(client, at, sid=1):
    data = {'csrf_token': csrf_token(client, '/canteen/t/FRDGE00002/samples'), 'submission_id': SID.format(sid),
            'meal': 'lunch', 'at': at.isoformat(timespec='seconds'), 'dish0': '红烧肉', 'weight0': '150',
            'photo0': jpeg_upload('dish.jpg'), 'dish1': '炒青菜', 'weight1': '130', 'photo1': jpeg_upload('dish.jpg')}
    return client.post('/canteen/t/FRDGE00002/samples', data=data, content_type='multipart/form-data')


def test_a_meal_with_no_sample_by_its_end_is_missed_and_kept_samples_fill_its_slot(kitchen, school, as_role, runner):
    campus = school['campus']
    assert campus.timezone == 'Asia/Shanghai'
    day = last_weekday(campus.today())
    canteen = as_role('canteen')
    assert keep_lunch(canteen, local(day, 12, 5)).status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'sample')
        slots = [s for s in day_slots(campus, day, now=local(day, 21)) if s.activity == 'sample']
    assert [(meal_of(s), s.status, s.record_id) for s in slots] == [
        ('breakfast', 'missed', None), ('lunch', 'done', record.id), ('dinner', 'missed', None)]
    out = json.loads(runner.invoke(args=['houqin', 'compliance', '--json', '--date', day.isoformat(),
                                         '--activity', 'sample']).output)
    assert [(s['routine'], s['start'][11:16], s['status'], s['token']) for s in out] == [
        ('每餐留样', '06:30', 'missed', 'FRDGE00002'), ('每餐留样', '11:00', 'done', 'FRDGE00002'),
        ('每餐留样', '17:00', 'missed', 'FRDGE00002')]
    # The canteen page that evening says which meals were missed; at noon lunch is due, not missed.
    evening = canteen.get(f'/canteen/?at={local(day, 21).isoformat(timespec="seconds")}').get_data(as_text=True)
    assert '漏留样：早餐、晚餐' in evening
    noon = as_role('manager').get(f'/canteen/?at={local(day, 11, 30).isoformat(timespec="seconds")}')
    assert noon.status_code == 200 and '漏留样：早餐' in noon.get_data(as_text=True)
    assert '晚餐' not in noon.get_data(as_text=True).split('漏留样')[1].split('<')[0]


def test_samples_are_kept_only_through_the_fridge_page_never_as_a_one_tap_record(kitchen, school, as_role):
    canteen = as_role('canteen')
    page = canteen.get('/t/FRDGE00002').get_data(as_text=True)
    assert '/canteen/t/FRDGE00002/samples' in page and '/do/sample' not in page
    manager = as_role('manager')
    assert '/do/sample' not in manager.get('/t/FRDGE00002').get_data(as_text=True)
    assert '/do/morning_check' not in manager.get('/t/HA00000002').get_data(as_text=True)
    r = canteen.post('/t/FRDGE00002/do/sample', data={'csrf_token': csrf_token(canteen, '/t/FRDGE00002'),
                                                       'submission_id': SID.format(5)})
    assert r.status_code == 400
    with database.connection_context():
        assert Record.select().where(Record.activity == 'sample').count() == 0


def form_of(client, token, activity):
    """The checklist form for an activity at a label: (csrf, submission id, {label: item id})."""
    page = client.get(f'/t/{token}').get_data(as_text=True)
    action = f'/t/{token}/do/{activity}'
    match = re.search(r'action="%s"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)">'
                      r'<input type="hidden" name="submission_id" value="([^"]+)">' % re.escape(action), page)
    return match, page


def test_a_teacher_records_eating_with_pupils_and_fills_the_slot(kitchen, school, as_role):
    teacher = as_role('teacher')
    match, page = form_of(teacher, 'HA00000002', 'accompany')
    assert match and '陪餐记录' in page
    with database.connection_context():
        items = {i.label: i.id for i in kitchen['routines']['陪餐'].template.items}
    data = {'csrf_token': match.group(1), 'submission_id': match.group(2), 'checklist': '1',
            f'q{items["陪餐人"]}': '王丽萍', f'q{items["餐次"]}': '午餐', f'q{items["饭菜卫生、熟透，温度适宜"]}': 'pass',
            f'q{items["分量足，荤素搭配合理"]}': 'pass', f'q{items["学生就餐秩序良好，无浪费"]}': 'pass',
            f'q{items["陪餐意见和建议"]}': '青菜偏咸'}
    assert teacher.post('/t/HA00000002/do/accompany', data=data).status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'accompany')
        values = record.answers['values']
        assert (record.user_id, values[str(items['陪餐人'])], values[str(items['餐次'])],
                values[str(items['陪餐意见和建议'])]) == (school['users']['teacher'].id, '王丽萍', '午餐', '青菜偏咸')
        at = clock.to_local(record.created_at, 'Asia/Shanghai')
        if at.weekday() < 5 and datetime.time(11) <= at.time() < datetime.time(13, 30):
            [slot] = [s for s in day_slots(school['campus'], at.date()) if s.activity == 'accompany']
            assert slot.record_id == record.id
    # The janitor is not asked to eat with pupils.
    assert form_of(as_role('janitor'), 'HA00000002', 'accompany')[0] is None


def test_the_monthly_self_inspection_turns_failed_items_into_work_orders(kitchen, school, as_role):
    manager = as_role('manager')
    match, page = form_of(manager, 'HA00000002', 'self_inspection')
    assert match and '食堂食品安全月自检' in page
    with database.connection_context():
        items = list(kitchen['routines']['食堂月自检'].template.items.order_by(ChecklistItem.position))
    data = {'csrf_token': match.group(1), 'submission_id': match.group(2), 'checklist': '1'}
    for item in items:
        if item.item_type == 'pass_fail':
            data[f'q{item.id}'] = 'fail' if '防鼠防蝇' in item.label else 'pass'
    assert manager.post('/t/HA00000002/do/self_inspection', data=data).status_code == 302
    with database.connection_context():
        record = Record.get(Record.activity == 'self_inspection')
        assert record.outcome == 'problem' and WorkOrder.select().where(WorkOrder.record == record).count() == 1
        [slot] = [s for s in day_slots(school['campus'], school['campus'].today()) if s.activity == 'self_inspection']
        assert (slot.status, slot.record_id) == ('done', record.id)


def test_check_routines_tells_each_certificate_once_per_state(kitchen, school, runner):
    with database.connection_context():
        campus = school['campus']
        NotificationChannel.create(campus=campus, name='群', kind='webhook', url='http://127.0.0.1:9/h',
                                   audience='managers')
        today = campus.today()
        for name, days in (('钱阿姨', 10), ('孙师傅', -3), ('赵师傅', 400)):
            staff = CanteenStaff.create(campus=campus, name=name)
            HealthCertificate.create(staff=staff, number=f'JK-{name}', issued_on=today - datetime.timedelta(days=300),
                                     expires_on=today + datetime.timedelta(days=days))
    first = runner.invoke(args=['houqin', 'check-routines'])
    assert first.exit_code == 0 and 'Notified 2 health certificates' in first.output
    again = runner.invoke(args=['houqin', 'check-routines'])
    assert again.exit_code == 0 and 'health certificates' not in again.output
    with database.connection_context():
        subjects = sorted(o.subject for o in Outbox.select().where(Outbox.topic == 'certificate'))
        assert len(subjects) == 2 and any('孙师傅' in s for s in subjects) and any('钱阿姨' in s for s in subjects)
        # 钱阿姨's certificate expires: that is a new state, told once more.
        HealthCertificate.update(expires_on=today - datetime.timedelta(days=1)).where(
            HealthCertificate.number == 'JK-钱阿姨').execute()
    assert 'Notified 1 health certificates' in runner.invoke(args=['houqin', 'check-routines']).output
    assert 'health certificates' not in runner.invoke(args=['houqin', 'check-routines']).output


def test_the_canteen_worker_reaches_the_canteen_page_in_one_tap(kitchen, school, as_role):
    make_a_school_day(school['campus'])  # the page lists today's meals: a weekend has none
    canteen = as_role('canteen')
    home = canteen.get('/', follow_redirects=True).get_data(as_text=True)
    assert 'href="/canteen/"' in home and '今日食堂' in home
    page = canteen.get('/canteen/').get_data(as_text=True)
    assert '/canteen/t/HA00000002/check' in page and '午餐' in page
    assert '今日食堂' not in as_role('janitor').get('/', follow_redirects=True).get_data(as_text=True)


def test_the_demo_school_has_a_canteen_with_three_weeks_of_records(demo_app):
    with database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        today, now = campus.today(), clock.utcnow()
        found = workers(campus.id, today)
        assert len(found) == 6 and sorted(w.state for w in found).count('valid') == 4
        assert [w.state for w in certificate_alerts(campus.id, today)] == ['expired', 'expiring']
        fridge = Item.get((Item.campus == campus) & (Item.kind == 'sample_fridge'))
        assert Tag.select().where((Tag.item == fridge) & (Tag.status == 'active')).count() == 1
        days = {s.day for s in FoodSample.select(FoodSample.day).where(FoodSample.campus == campus)}
        assert len(days) >= 14 and min(days) <= today - datetime.timedelta(days=19)
        assert {status for _s, status in sample_problems(campus.id, now)} == {'overdue'}
        assert Delivery.select().where((Delivery.campus == campus) & (Delivery.refused > 0)).count() == 1
        refused = DeliveryLine.get(DeliveryLine.accepted == False)  # noqa: E712
        assert refused.reason
        start, _end = clock.day_bounds(today - datetime.timedelta(days=20), campus.timezone)
        slots = campus_slots(campus, start, now, now=now, activity='sample')
        assert [s.status for s in slots if s.end <= now].count('missed') == 1
        assert MorningCheck.select().where(MorningCheck.temperature >= 37.3).count() == 1
        assert Record.select().where(Record.activity == 'accompany').count() >= 10


def test_the_canteen_routines_command_sets_a_campus_up_once(school, runner):
    with database.connection_context():
        Place.create(campus=school['campus'], parent=school['building'], name='操作间', kind='canteen')
        Place.create(campus=school['campus'], parent=school['building'], name='餐厅', kind='canteen')
    bad = runner.invoke(args=['houqin', 'canteen-routines', '--campus', 'test', '--kitchen', '厨房',
                              '--dining-room', '餐厅'])
    assert bad.exit_code != 0 and "no place named '厨房'" in bad.output
    with database.connection_context():
        assert Routine.select().count() == 0
    made = runner.invoke(args=['houqin', 'canteen-routines', '--campus', 'test', '--kitchen', '操作间',
                               '--dining-room', '餐厅'])
    assert made.exit_code == 0 and 'Created 4 routines: 每餐留样、餐后消毒、陪餐、食堂月自检.' in made.output
    again = runner.invoke(args=['houqin', 'canteen-routines', '--campus', 'test', '--kitchen', '操作间',
                                '--dining-room', '餐厅'])
    assert again.exit_code == 0 and 'nothing was changed' in again.output
    with database.connection_context():
        assert sorted(r.activity for r in Routine.select()) == ['accompany', 'canteen', 'sample', 'self_inspection']
