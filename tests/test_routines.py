"""Routines over the database: the service's slots (filters, 今日任务, campaigns, the campus calendar, retired
assets), scored checklists through the scan page, `flask houqin compliance --json` (the scripts' contract, and a
scan-page record showing at once) and `flask houqin check-routines` (each missed slot told once)."""
import datetime as dt
import json
import re
import uuid

import pytest

from houqin.checklists.answers import combined_score, passed
from houqin.clock import to_utc, utcnow
from houqin.db import database
from houqin.models import (AuditLog, ChecklistItem, ChecklistTemplate, Holiday, Item, NotificationChannel, Outbox,
                           Place, Record, Routine, RoutineNotice, Tag)
from houqin.patrol.plans import patrol_calendar
from houqin.routines.service import (campaign_progress, campus_slots, check_missed, day_slots, slots_for_person)

ZONE = 'Asia/Shanghai'
MONDAY = dt.date(2026, 3, 9)
TOILET_WINDOWS = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}


def local(day, hour, minute=0):
    """Naive UTC of a Shanghai wall-clock time."""
    return to_utc(dt.datetime.combine(day, dt.time(hour, minute)), ZONE)


@pytest.fixture
def toilets(school):
    """Two toilets with labels on the school's floor and a routine cleaning them 3× a day, by the janitor."""
    with database.connection_context():
        campus, floor = school['campus'], school['floor']
        made = local(MONDAY - dt.timedelta(days=7), 8)
        Place.update(created_at=made).where(Place.campus == campus).execute()  # the school was set up before
        Item.update(created_at=made).where(Item.campus == campus).execute()
        east = Place.create(campus=campus, parent=floor, name='男厕所', kind='toilet', created_at=made)
        west = Place.create(campus=campus, parent=floor, name='女厕所', kind='toilet', created_at=made)
        Tag.create(token='WC0000EAST', campus=campus, place=east)
        Tag.create(token='WC0000WEST', campus=campus, place=west)
        routine = Routine.create(campus=campus, name='厕所保洁', activity='cleaning', target_kind='toilet',
                                 people=[school['users']['janitor'].id], schedule=TOILET_WINDOWS,
                                 calendar='every_day', created_at=local(MONDAY, 0))
    return {'east': east, 'west': west, 'routine': routine}


def record(school, place, activity, at, user='janitor', item=None):
    """A record made at a place's (or an asset's) label at a given time."""
    tag = Tag.get((Tag.item == item) if item else ((Tag.place == place) & Tag.item.is_null()))
    return Record.create(uuid=str(uuid.uuid4()), campus=school['campus'], tag=tag, place=place, item=item,
                         activity=activity, user=school['users'][user] if user else None, created_at=at)


def view(slots):
    return [(s.routine.name, s.target_name, s.status, s.record_id) for s in slots]


# The service ---------------------------------------------------------------------------------------------------


def test_a_days_slots_with_their_records_people_and_labels(school, toilets):
    with database.connection_context():
        done = record(school, toilets['east'], 'cleaning', local(MONDAY, 7, 40))
        late = record(school, toilets['east'], 'cleaning', local(MONDAY, 14, 0), user='manager')  # a colleague
        record(school, toilets['east'], 'inspection', local(MONDAY, 12, 0))  # another activity: not a cleaning
        record(school, school['room'], 'cleaning', local(MONDAY, 12, 0))    # another place: not a toilet
        slots = day_slots(school['campus'], MONDAY, now=local(MONDAY, 17, 0))
    assert view(slots) == [('厕所保洁', '男厕所', 'done', done.id), ('厕所保洁', '女厕所', 'missed', None),
                           ('厕所保洁', '男厕所', 'late', late.id), ('厕所保洁', '女厕所', 'missed', None),
                           ('厕所保洁', '男厕所', 'due', None), ('厕所保洁', '女厕所', 'due', None)]
    first = slots[0]
    assert (first.token, first.target_path, first.place_id) == ('WC0000EAST', '教学楼 › 一楼 › 男厕所', toilets['east'].id)
    assert (first.assignees, first.user_name, slots[2].user_name) == (['Janitor'], 'Janitor', 'Manager')
    assert (first.local_start, first.local_end) == ('2026-03-09T07:00:00+08:00', '2026-03-09T09:00:00+08:00')


def test_filters_by_activity_routine_and_place(school, toilets):
    with database.connection_context():
        check = Routine.create(campus=school['campus'], name='教室安全检查', activity='inspection',
                               target_kind='classroom', role='inspector', schedule={'type': 'daily'},
                               calendar='every_day', created_at=local(MONDAY, 0))
        start, end = local(MONDAY, 0), local(MONDAY + dt.timedelta(days=1), 0)
        now = local(MONDAY, 10)
        assert len(campus_slots(school['campus'], start, end, now=now)) == 7
        assert view(campus_slots(school['campus'], start, end, now=now, activity='inspection')) == [
            ('教室安全检查', '101教室', 'due', None)]
        assert len(campus_slots(school['campus'], start, end, now=now, routine_ids=[toilets['routine'].id])) == 6
        west_only = campus_slots(school['campus'], start, end, now=now, place_ids=[toilets['west'].id])
        assert {s.target_name for s in west_only} == {'女厕所'} and len(west_only) == 3
        assert campus_slots(school['campus'], start, end, now=now, routine_ids=[]) == []
        check.active, check.retired_at = False, local(MONDAY, 6)  # stopped at 06:00: today's window still counts
        check.save()
        assert len(campus_slots(school['campus'], start, end, now=now, activity='inspection')) == 1
        tomorrow = [local(MONDAY + dt.timedelta(days=1), 0), local(MONDAY + dt.timedelta(days=2), 0)]
        assert campus_slots(school['campus'], *tomorrow, now=now, activity='inspection') == []


def test_todays_tasks_for_the_named_janitor_and_for_a_role(school, toilets):
    users = school['users']
    with database.connection_context():
        Routine.create(campus=school['campus'], name='卫生检查', activity='hygiene', target_kind='classroom',
                       role='inspector', schedule={'type': 'times', 'times': ['07:50', '14:30'], 'tolerance': 15},
                       calendar='every_day', created_at=local(MONDAY, 0))
        done = record(school, toilets['west'], 'cleaning', local(MONDAY, 7, 10))
        mine = slots_for_person(school['campus'], users['janitor'], 'janitor', now=local(MONDAY, 12))
        assert [(s.target_name, s.status) for s in mine.due] == [('男厕所', 'due'), ('女厕所', 'due')]
        assert [(s.target_name, s.record_id) for s in mine.done] == [('女厕所', done.id)]
        assert [s.target_name for s in mine.missed] == ['男厕所'] and len(mine.upcoming) == 2 and mine.next == []
        inspector = slots_for_person(school['campus'], users['inspector'], 'inspector', now=local(MONDAY, 7, 40))
        assert [(s.routine.name, s.status, s.local_start) for s in inspector.due] == [
            ('卫生检查', 'due', '2026-03-09T07:35:00+08:00')]
        evening = slots_for_person(school['campus'], users['inspector'], 'inspector', now=local(MONDAY, 20))
        assert evening.due == [] and evening.upcoming == []
        assert [s.local_start for s in evening.next] == ['2026-03-10T07:35:00+08:00', '2026-03-10T14:15:00+08:00']
        nobody = slots_for_person(school['campus'], users['teacher'], 'teacher', now=local(MONDAY, 12))
        assert nobody.all == [] and nobody.next == []


def test_a_campaigns_progress(school):
    with database.connection_context():
        campus = school['campus']
        rooms = [school['room']] + [Place.create(campus=campus, parent=school['floor'], name=f'10{n}教室',
                                                 kind='classroom', created_at=local(MONDAY, 0)) for n in (2, 3, 4)]
        for room in rooms[1:]:
            Tag.create(token=f'RM{room.id:08d}', campus=campus, place=room)
        for room in rooms:
            room.created_at = local(MONDAY, 0)
            room.save()
        campaign = Routine.create(campus=campus, name='五一长假前安全检查', activity='campaign',
                                  targets=[r.id for r in rooms], role='inspector', calendar='every_day',
                                  schedule={'type': 'campaign', 'start': '2026-04-20T00:00',
                                            'deadline': '2026-04-30T18:00'}, created_at=local(MONDAY, 0))
        record(school, rooms[0], 'campaign', local(dt.date(2026, 4, 21), 9), user='inspector')
        record(school, rooms[1], 'campaign', local(dt.date(2026, 4, 30), 20), user='inspector')  # after the deadline
        during = campaign_progress(campaign, now=local(dt.date(2026, 4, 25), 9))
        assert (during.total, during.done, during.late, during.due, during.percent) == (4, 1, 0, 3, 25)
        after = campaign_progress(campaign, now=local(dt.date(2026, 5, 2), 9))
        assert (after.total, after.done, after.late, after.missed, after.percent) == (4, 1, 1, 2, 50)
        assert [s.target_name for s in after.remaining] == ['103教室', '104教室']
        assert (after.start, after.deadline) == (local(dt.date(2026, 4, 20), 0), local(dt.date(2026, 4, 30), 18))


def test_the_campus_calendar_drives_school_days_and_patrol_nights(school, toilets):
    with database.connection_context():
        campus = school['campus']
        Routine.create(campus=campus, name='教室安全检查', activity='inspection', target_kind='classroom',
                       schedule={'type': 'weekly', 'weekdays': [4]}, created_at=local(MONDAY, 0))
        Holiday.create(campus=campus, name='劳动节', starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 5, 5))
        Holiday.create(campus=campus, name='调休上班', kind='makeup', counts_as=4, starts_on=dt.date(2026, 5, 9),
                       ends_on=dt.date(2026, 5, 9))
        fridays = []
        for n in range(4, 11):  # 4 – 10 May
            day = dt.date(2026, 5, n)
            fridays += [(day, s.status) for s in day_slots(campus, day, now=local(dt.date(2026, 5, 20), 0),
                                                           activity='inspection')]
        assert fridays == [(dt.date(2026, 5, 8), 'missed'), (dt.date(2026, 5, 9), 'missed')]
        cal = patrol_calendar(campus.id)  # patrol reads the same calendar: the make-up day is a working day
        assert (cal.holidays, cal.makeups) == (((dt.date(2026, 5, 1), dt.date(2026, 5, 5)),), ((dt.date(2026, 5, 9), 4),))


def test_a_scrapped_extinguisher_stops_being_due_from_when_it_was_scrapped(school):
    with database.connection_context():
        campus = school['campus']
        made = local(dt.date(2026, 1, 10), 9)
        kept = Item.create(campus=campus, place=school['room'], kind='fire_extinguisher', name='灭火器1',
                           created_at=made)
        gone = Item.create(campus=campus, place=school['room'], kind='fire_extinguisher', name='灭火器2',
                           created_at=made, status='scrapped')
        for item in (kept, gone):
            Tag.create(token=f'EXT{item.id:07d}', campus=campus, item=item)
        AuditLog.create(campus=campus, action='update', entity='item', row_id=gone.id, created_at=local(MONDAY, 9))
        Routine.create(campus=campus, name='灭火器月检', activity='inspection', target_type='item',
                       target_kind='fire_extinguisher', schedule={'type': 'monthly'}, calendar='every_day',
                       created_at=made)
        record(school, None, 'inspection', local(dt.date(2026, 2, 3), 10), user='repair', item=kept)
        record(school, school['room'], 'inspection', local(dt.date(2026, 2, 3), 10))  # at the room, not the asset
        february = day_slots(campus, dt.date(2026, 2, 15), now=local(dt.date(2026, 3, 5), 0))
        assert [(s.target_name, s.status) for s in february] == [('灭火器1', 'done'), ('灭火器2', 'missed')]
        march = day_slots(campus, MONDAY, now=local(dt.date(2026, 4, 5), 0))
        assert [(s.target_name, s.status) for s in march] == [('灭火器1', 'missed')]


def test_a_scored_checklist_through_the_scan_page_stores_its_score(app, school, as_role):
    with database.connection_context():
        template = ChecklistTemplate.create(campus=school['campus'], target_kind='classroom', activity='inspection',
                                            name='班级卫生检查', pass_mark=15, scoring='mean')
        items = [ChecklistItem.create(template=template, position=n, label=label, points=points)
                 for n, (label, points) in enumerate((('地面干净', 10), ('桌椅整齐', 5), ('黑板干净', 5)))]
        ChecklistItem.create(template=template, position=3, label='备注', item_type='text', required=False)
    manager = as_role('manager')
    html = manager.get('/t/ABCDEFGH12').get_data(as_text=True)
    form = html[html.index('action="/t/ABCDEFGH12/inspect"'):]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index('</form>')]))
    data.update({f'q{items[0].id}': 'pass', f'q{items[1].id}': 'fail', f'q{items[2].id}': 'pass', 'checklist': '1'})
    response = manager.post('/t/ABCDEFGH12/inspect', data=data, content_type='multipart/form-data')
    assert response.status_code == 302
    with database.connection_context():
        stored = Record.get(Record.activity == 'inspection')
    assert (stored.answers['score'], stored.answers['max_score']) == (15.0, 20.0)
    assert passed(template, stored.answers['score']) is True and passed(template, 14.5) is False
    assert combined_score([15.0, 20.0, None], 'mean') == 17.5 and combined_score([15.0, 20.0], 'sum') == 35.0


# The commands --------------------------------------------------------------------------------------------------


def compliance_json(runner, *args):
    result = runner.invoke(args=['houqin', 'compliance', '--json', *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_compliance_json_is_the_scripts_contract(runner, school, toilets):
    with database.connection_context():
        done = record(school, toilets['east'], 'cleaning', local(MONDAY, 7, 40))
        late = record(school, toilets['west'], 'cleaning', local(MONDAY, 14, 0))
    rows = compliance_json(runner, '--date', '2026-03-09')

    def row(target, token, start, end, status, record_id):
        return {'routine': '厕所保洁', 'activity': 'cleaning', 'target': target, 'token': token,
                'start': f'2026-03-09T{start}:00+08:00', 'end': f'2026-03-09T{end}:00+08:00', 'status': status,
                'record_id': record_id}
    assert rows == [row('男厕所', 'WC0000EAST', '07:00', '09:00', 'done', done.id),
                    row('女厕所', 'WC0000WEST', '07:00', '09:00', 'missed', None),
                    row('男厕所', 'WC0000EAST', '11:30', '13:30', 'missed', None),
                    row('女厕所', 'WC0000WEST', '11:30', '13:30', 'late', late.id),
                    row('男厕所', 'WC0000EAST', '16:30', '18:30', 'missed', None),
                    row('女厕所', 'WC0000WEST', '16:30', '18:30', 'missed', None)]
    assert compliance_json(runner, '--date', '2026-03-09', '--activity', 'inspection') == []
    text = runner.invoke(args=['houqin', 'compliance', '--date', '2026-03-09'])
    assert text.exit_code == 0 and text.output.splitlines()[0] == '07:00–09:00   done     厕所保洁  教学楼 › 一楼 › 男厕所  Janitor'
    assert text.output.splitlines()[-1] == '6 slots.'
    bad = runner.invoke(args=['houqin', 'compliance', '--date', '9 March'])
    assert bad.exit_code == 2 and "'9 March' is not a date like 2026-04-30" in bad.output


def test_a_cleaning_signed_off_on_the_scan_page_shows_in_the_cli_at_once(runner, school, toilets, as_role):
    with database.connection_context():
        Routine.update(schedule={'type': 'daily'}).where(Routine.id == toilets['routine'].id).execute()
    before = compliance_json(runner)
    assert [(r['target'], r['status'], r['record_id']) for r in before] == [('男厕所', 'due', None),
                                                                          ('女厕所', 'due', None)]
    janitor = as_role('janitor')
    html = janitor.get('/t/WC0000EAST').get_data(as_text=True)
    form = html[html.index('action="/t/WC0000EAST/clean"'):]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index('</form>')]))
    assert janitor.post('/t/WC0000EAST/clean', data=data).status_code == 302
    with database.connection_context():
        made = Record.get(Record.activity == 'cleaning')
    after = compliance_json(runner)
    assert [(r['target'], r['status'], r['record_id']) for r in after] == [('男厕所', 'done', made.id),
                                                                         ('女厕所', 'due', None)]


def test_check_routines_tells_each_missed_slot_once(app, runner, school, toilets):
    with app.app_context(), database.connection_context():
        NotificationChannel.create(campus=school['campus'], name='后勤群', kind='webhook', url='http://127.0.0.1:9/x',
                                   audience='managers')
        record(school, toilets['east'], 'cleaning', local(MONDAY, 7, 30))
        evening = local(MONDAY, 19)
        assert check_missed(school['campus'], now=evening) == 5  # 6 slots today, one done
        assert check_missed(school['campus'], now=evening) == 0
        assert RoutineNotice.select().count() == 5
        [notice] = list(Outbox.select())
        assert notice.topic == 'routine' and notice.subject == '【例行任务】厕所保洁 漏做 5 处'
        assert notice.body.splitlines()[1:3] == ['教学楼 › 一楼 › 女厕所  03-09 07:00–09:00',
                                                 '教学楼 › 一楼 › 男厕所  03-09 11:30–13:30']
        assert notice.body.endswith(f'/admin/routines/slots?routine={toilets["routine"].id}&status=missed&day=2026-03-09')
        next_morning = local(MONDAY + dt.timedelta(days=1), 10)  # Tuesday's first window ended: one more each
        assert check_missed(school['campus'], now=next_morning) == 2
        assert Outbox.select().count() == 2
    first = runner.invoke(args=['houqin', 'check-routines'])
    assert first.exit_code == 0 and re.fullmatch(r'Notified \d+ missed routine slots\.\n', first.output)
    again = runner.invoke(args=['houqin', 'check-routines'])
    assert again.output == 'Notified 0 missed routine slots.\n'
    with database.connection_context():
        assert RoutineNotice.select().where(RoutineNotice.created_at > utcnow() - dt.timedelta(minutes=5)).count() \
            == int(first.output.split()[1])
