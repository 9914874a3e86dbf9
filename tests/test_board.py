"""The public board (公示, issue 13): off by default and 404 then, switched on by an admin on the campus settings,
no log-in; today's toilets with their times, the week's scores and banner, repairs finished this week (count and
places), last night's patrol (counts) — and never a phone number, a person's name, a private note or a photo."""
import datetime
import uuid

import pytest
from helpers import csrf_token

from houqin import db
from houqin.board.content import board
from houqin.clock import to_utc, utcnow
from houqin.models import (Campus, ChecklistItem, ChecklistTemplate, Photo, Place, Record, Routine, SchoolClass, Tag,
                           User, WorkOrder, WorkOrderEvent)

ZONE = 'Asia/Shanghai'
DAY = datetime.date(2026, 11, 25)  # a Wednesday
WINDOWS = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}
SECRETS = ('13800138000', '13911112222', '张伟国', '李秀兰', '私人备注：钥匙在花盆下', '报修人备注')


def local(day, hour, minute=0):
    return to_utc(datetime.datetime.combine(day, datetime.time(hour, minute)), ZONE)


@pytest.fixture
def posted(school):
    """A toilet cleaned at 07:42 today by 张伟国 (with a private note and a photo), a class checked this week, a
    repair reported by 李秀兰 (phone, note) and finished on Tuesday; people with phone numbers."""
    with db.database.connection_context():
        campus, floor = school['campus'], school['floor']
        made = local(DAY - datetime.timedelta(days=30), 8)
        Place.update(created_at=made).where(Place.campus == campus).execute()
        toilet = Place.create(campus=campus, parent=floor, name='男厕所', kind='toilet', created_at=made)
        Tag.create(token='WC0000EAST', campus=campus, place=toilet)
        janitor = school['users']['janitor']
        User.update(display_name='保洁 张伟国', phone='13800138000').where(User.id == janitor.id).execute()
        Routine.create(campus=campus, name='厕所保洁', activity='cleaning', target_kind='toilet', people=[janitor.id],
                       schedule=WINDOWS, calendar='every_day', created_at=made)
        cleaned = Record.create(uuid=str(uuid.uuid4()), campus=campus, place=toilet, activity='cleaning', user=janitor,
                                note='私人备注：钥匙在花盆下', created_at=local(DAY, 7, 42))
        Photo.create(campus=campus, sha256='a' * 64, width=10, height=10, size=100, record=cleaned)
        hygiene = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='hygiene', name='卫生检查')
        item = ChecklistItem.create(template=hygiene, label='地面干净', points=10)
        school_class = SchoolClass.create(campus=campus, grade='初一', name='初一(1)班')
        Place.update(school_class=school_class).where(Place.id == school['room'].id).execute()
        Record.create(uuid=str(uuid.uuid4()), campus=campus, place=school['room'], activity='hygiene',
                      template=hygiene, answers={'values': {str(item.id): 'pass'}}, created_at=local(DAY, 7, 50))
        order = WorkOrder.create(campus=campus, year=2026, sequence=1, place=school['room'], title='灯管不亮',
                                 description='报修人备注', reporter_name='李秀兰', reporter_phone='13911112222',
                                 status='done', created_at=local(DAY - datetime.timedelta(days=2), 9))
        WorkOrderEvent.create(order=order, action='finish', from_status='in_progress', to_status='done',
                              actor=school['users']['repair'], note='换了灯管', created_at=local(DAY - datetime.timedelta(days=1), 10))
        old = WorkOrder.create(campus=campus, year=2026, sequence=2, place=floor, title='门锁坏', status='done',
                               created_at=local(DAY - datetime.timedelta(days=9), 9))
        WorkOrderEvent.create(order=old, action='finish', to_status='done',  # last week: not on this week's board
                              created_at=local(DAY - datetime.timedelta(days=8), 10))
    return {'toilet': toilet, 'campus': campus}


def test_the_board_of_a_wednesday_at_noon(posted):
    with db.database.connection_context():
        shown = board(Campus.get_by_id(posted['campus'].id), now=local(DAY, 12))
    assert [(t.name, t.windows, t.status) for t in shown['toilets']] == [
        ('教学楼 › 一楼 › 男厕所', [('07:00', 'done', '07:42'), ('11:30', 'due', ''), ('16:30', 'upcoming', '')], 'due')]
    assert (shown['repaired'], shown['repaired_places']) == (1, ['101教室'])
    assert [(g.grade, [(r.school_class.name, r.average, r.banner) for r in g.rows]) for g in shown['grades']] == [
        ('初一', [('初一(1)班', 10.0, True)])]
    assert shown['patrol'] == {'rounds': 0, 'complete': 0, 'missed_rounds': 0, 'missed': 0}
    with db.database.connection_context():
        evening = board(Campus.get_by_id(posted['campus'].id), now=local(DAY, 19))
    assert evening['toilets'][0].windows[1:] == [('11:30', 'missed', ''), ('16:30', 'missed', '')]


def test_off_by_default_404_and_an_admin_switches_it_on(posted, client, as_role):
    with db.database.connection_context():  # the checks and the repair happen this week, as the page is read
        Record.update(created_at=utcnow()).where(Record.activity == 'hygiene').execute()
        WorkOrderEvent.update(created_at=utcnow()).where(WorkOrderEvent.note == '换了灯管').execute()
    assert client.get('/board/test').status_code == 404
    assert client.get('/board/nosuch').status_code == 404
    admin = as_role('admin')
    data = {'csrf_token': csrf_token(admin, '/admin/campus'), 'name': '测试中心小学', 'timezone': ZONE,
            'allow_anonymous_reports': 'y', 'board_enabled': 'y'}
    assert admin.post('/admin/campus', data=data).status_code == 302
    assert '/board/test' in admin.get('/admin/campus').get_data(as_text=True)
    response = client.get('/board/test')  # anonymous: no log-in
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<meta http-equiv="refresh" content="60">' in page
    assert '男厕所' in page and '初一(1)班' in page and '卫生流动锦旗：' in page and '<script' not in page
    assert '本周完成维修</h2>\n<p class="big">1</p>' in page and '101教室' in page
    for secret in SECRETS + ('换了灯管', 'Janitor', 'Repair', '/photos/', '<img'):
        assert secret not in page, secret
    del data['board_enabled']
    data['csrf_token'] = csrf_token(admin, '/admin/campus')
    assert admin.post('/admin/campus', data=data).status_code == 302
    assert client.get('/board/test').status_code == 404
