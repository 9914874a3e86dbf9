"""The records list (记录): every record of the campus with its filters, answers and photos, keyset pages with a
capped count, and the same list on a place's and an asset's page."""
import datetime
import re

from houqin.checklists.versions import active_template, questions
from houqin.db import database
from houqin.history.records import RecordFilter, filtered_query, record_page
from houqin.models import Campus, Photo, Place, Record, WorkOrder

SHANGHAI_MIDNIGHT_UTC = datetime.datetime(2026, 11, 30, 16, 0)  # 2026-12-01 00:00 in Shanghai


def add(school, n, **fields):
    """A record in the test school: defaults at the classroom, by the janitor, a cleaning."""
    values = dict(uuid=f'00000000-0000-4000-8000-{n:012d}', campus=school['campus'], place=school['room'],
                  activity='cleaning', user=school['users']['janitor'], created_at=SHANGHAI_MIDNIGHT_UTC)
    values.update(fields)
    return Record.create(**values)


def rows(html):
    """The records' first lines as shown, in order."""
    return [re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '', m)).strip()
            for m in re.findall(r'<li class="record">(.*?)<span class="sub">', html, re.S)]


def seed(school):
    with database.connection_context():
        extinguisher = active_template(school['campus'], 'fire_extinguisher', 'inspection')
        gauge = next(q for q in questions(extinguisher) if q.label == '压力表指针在绿区')
        other = Place.create(campus=school['campus'], name='操场', kind='playground')
        clean = add(school, 1, created_at=SHANGHAI_MIDNIGHT_UTC + datetime.timedelta(hours=1))
        late = add(school, 2, created_at=SHANGHAI_MIDNIGHT_UTC - datetime.timedelta(minutes=1))  # 11-30, local
        check = add(school, 3, activity='inspection', item=school['desk'], user=school['users']['manager'],
                    template=extinguisher, outcome='problem', answers={'values': {str(gauge.id): 'fail'},
                                                                       'hazards': [str(gauge.id)]},
                    created_at=SHANGHAI_MIDNIGHT_UTC + datetime.timedelta(hours=2))
        WorkOrder.create(campus=school['campus'], year=2026, sequence=1, item=school['desk'], record=check,
                         title='压力不足', hazard=True)
        photo = Photo.create(campus=school['campus'], sha256='0' * 64, width=10, height=10, size=10, record=check)
        away = add(school, 4, place=other, created_at=SHANGHAI_MIDNIGHT_UTC + datetime.timedelta(hours=3))
    return {'clean': clean, 'late': late, 'check': check, 'photo': photo, 'away': away, 'other': other}


def test_filters_answers_and_photos(app, school, as_role):
    made = seed(school)
    admin = as_role('admin')
    everything = admin.get('/admin/records/').get_data(as_text=True)
    assert rows(everything) == ['保洁 · 操场', '检查 · 教学楼 › 一楼 › 101教室 › 课桌 有问题 安全隐患',
                                '保洁 · 教学楼 › 一楼 › 101教室', '保洁 · 教学楼 › 一楼 › 101教室']
    assert '4 条记录' in everything
    assert '压力表指针在绿区: <b>不合格</b>' in everything
    assert f'/photos/{made["photo"].id}/thumb' in everything

    def shown(**args):
        response = admin.get('/admin/records/', query_string=args)
        assert response.status_code == 200
        return rows(response.get_data(as_text=True))
    assert shown(activity='inspection') == ['检查 · 教学楼 › 一楼 › 101教室 › 课桌 有问题 安全隐患']
    assert len(shown(place=school['building'].id)) == 3  # the classroom and its desk, not the playground
    assert shown(place=made['other'].id) == ['保洁 · 操场']
    assert len(shown(person=school['users']['manager'].id)) == 1
    assert shown(outcome='problem') == shown(hazard='1') == ['检查 · 教学楼 › 一楼 › 101教室 › 课桌 有问题 安全隐患']
    # Dates are the campus's: 2026-12-01 in Shanghai starts at 16:00 UTC on 11-30.
    assert len(shown(**{'from': '2026-12-01', 'to': '2026-12-01'})) == 3
    assert len(shown(**{'to': '2026-11-30'})) == 1
    assert shown(item=school['desk'].id) == ['检查 · 教学楼 › 一楼 › 101教室 › 课桌 有问题 安全隐患']


def test_bad_dates_keep_what_was_typed(app, school, as_role):
    admin = as_role('manager')
    response = admin.get('/admin/records/?from=2026-13-01&to=2026-12-01')
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '请按 YYYY-MM-DD 填写日期。' in html and 'value="2026-13-01"' in html
    response = admin.get('/admin/records/?from=2026-12-02&to=2026-12-01')
    assert response.status_code == 400 and '结束日期早于开始日期。' in response.get_data(as_text=True)


def test_keyset_pages_and_capped_count(app, school, as_role):
    with database.connection_context():
        made = [add(school, n, created_at=SHANGHAI_MIDNIGHT_UTC + datetime.timedelta(minutes=n))
                for n in range(1, 36)]
        page = record_page(filtered_query(school['campus'], RecordFilter()), per_page=30, cap=20)
        assert (page.total, page.capped, len(page.rows), page.older) == (20, True, 30, made[5].id)
        second = record_page(filtered_query(school['campus'], RecordFilter()), before=page.older, per_page=30)
        assert [r.id for r in second.rows] == [r.id for r in reversed(made[:5])] and second.older is None
    admin = as_role('admin')
    html = admin.get('/admin/records/').get_data(as_text=True)
    assert len(rows(html)) == 30 and f'before={made[5].id}' in html
    html = admin.get(f'/admin/records/?before={made[5].id}').get_data(as_text=True)
    assert len(rows(html)) == 5 and '最新' in html and '更早' not in html


def test_place_and_asset_pages_show_their_records(app, school, as_role):
    seed(school)
    admin = as_role('viewer')
    place = admin.get(f'/admin/places/{school["room"].id}').get_data(as_text=True)
    assert rows(place) == ['保洁 · 教学楼 › 一楼 › 101教室', '保洁 · 教学楼 › 一楼 › 101教室']  # not the desk's
    assert f'/admin/records/?place={school["room"].id}' in place
    item = admin.get(f'/admin/items/{school["desk"].id}').get_data(as_text=True)
    assert rows(item) == ['检查 · 教学楼 › 一楼 › 101教室 › 课桌 有问题 安全隐患']
    assert f'/admin/records/?item={school["desk"].id}' in item


def test_another_campus_records_never_show(app, school, as_role):
    seed(school)
    with database.connection_context():
        other = make_other_campus()
        Record.create(uuid='00000000-0000-4000-8000-000000000099', campus=other, activity='cleaning',
                      place=Place.create(campus=other, name='别校厕所', kind='toilet'))
    html = as_role('admin').get('/admin/records/').get_data(as_text=True)
    assert '别校厕所' not in html and len(rows(html)) == 4
    assert as_role('janitor').get('/admin/records/').status_code == 403


def make_other_campus():
    return Campus.create(name='别的学校', code='other')


def test_routine_filter_shows_the_routine_records(app, school, as_role):
    from houqin.models import Routine
    made = seed(school)
    with database.connection_context():
        routine = Routine.create(campus=school['campus'], name='教室保洁', activity='cleaning', target_kind='classroom',
                                 role='janitor', schedule={'type': 'daily'})
    admin = as_role('admin')
    html = admin.get(f'/admin/records/?routine={routine.id}').get_data(as_text=True)
    assert rows(html) == ['保洁 · 教学楼 › 一楼 › 101教室', '保洁 · 教学楼 › 一楼 › 101教室']  # not the playground's
    assert f'<option value="{routine.id}" selected>教室保洁</option>' in html
    assert made['away'].id
    assert rows(admin.get('/admin/records/?routine=9999').get_data(as_text=True)) == []
