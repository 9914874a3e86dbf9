"""A manager sets up patrol: routes, checkpoints in order, walking minutes, rounds, holidays, checkpoint
locations, and reissuing a copied checkpoint label — over HTTP, with bad input refused politely."""
import datetime as dt

from helpers import csrf_token
from test_patrol_helpers import local, make_route

from houqin.models import AuditLog, Place, Route, RouteStop, Tag
from houqin.patrol.checkpoints import record_scan
from houqin.patrol.plans import patrol_calendar, plan_chooser, route_rounds

NEW_ROUTE = {'name': '宿舍区巡逻', 'shift_start': '21:30', 'shift_end': '05:30', 'mode': 'fixed',
             'starts': '21:30，0:30、03:30', 'every_minutes': '120', 'grace_minutes': '10', 'active': 'y',
             'holiday_own': 'y', 'holiday_shift_start': '18:00', 'holiday_shift_end': '08:00',
             'holiday_every_minutes': '180', 'holiday_weekdays': ['5', '6']}


def post(client, path, data, form_page=None):
    data = dict(data, csrf_token=csrf_token(client, form_page or path))
    return client.post(path, data=data)


def test_a_manager_creates_a_route_with_fixed_rounds_and_holiday_rounds(as_role, school):
    manager = as_role('manager')
    response = post(manager, '/patrol/routes/new', NEW_ROUTE)
    assert response.status_code == 302
    route = Route.get(Route.name == '宿舍区巡逻')
    assert (route.shift_start, route.shift_end, route.rounds, route.grace_minutes) == \
        ('21:30', '05:30', ['21:30', '00:30', '03:30'], 10)
    assert route.holiday_plan == {'shift_start': '18:00', 'shift_end': '08:00', 'every_minutes': 180, 'rounds': [],
                                  'grace_minutes': 10, 'weekdays': [5, 6]}
    assert AuditLog.select().where(AuditLog.entity == 'route').count() == 1
    choose = plan_chooser(route, [])
    assert choose(dt.date(2026, 3, 14)) [1] and not choose(dt.date(2026, 3, 12))[1]  # a Saturday; a Thursday
    page = manager.get(f'/patrol/routes/{route.id}').get_data(as_text=True)
    assert '21:30, 00:30, 03:30' in page and '还没有巡逻点' in page


def test_bad_route_input_keeps_what_was_typed_and_creates_nothing(as_role, school):
    manager = as_role('manager')
    bad = dict(NEW_ROUTE, shift_start='25:00', starts='22:00, 12:00', grace_minutes='999')
    response = post(manager, '/patrol/routes/new', bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '“25:00”不是时间' in page and '宽限时间应为0到180分钟' in page and 'value="宿舍区巡逻"' in page
    response = post(manager, '/patrol/routes/new', dict(NEW_ROUTE, starts='22:00, 12:00'))
    assert response.status_code == 400 and '12:00不在值班时段内' in response.get_data(as_text=True)
    response = post(manager, '/patrol/routes/new', dict(NEW_ROUTE, starts='晚上十点'))
    assert response.status_code == 400 and '晚上十点' in response.get_data(as_text=True)
    assert Route.select().count() == 0


def test_checkpoints_added_reordered_edited_and_removed(as_role, school):
    manager = as_role('manager')
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房', '后门'])
    edit = f'/patrol/routes/{route.id}'
    classroom = school['room']
    response = post(manager, f'{edit}/stops', {'place': classroom.id, 'walk_minutes': '4'}, edit)
    assert response.status_code == 302
    assert [s.place.name for s in RouteStop.select().where(RouteStop.route == route).order_by(RouteStop.position)] == \
        ['校门', '配电房', '后门', '101教室']
    bad = post(manager, f'{edit}/stops', {'place': '0', 'walk_minutes': '-3'}, edit)
    assert bad.status_code == 400 and '请选择本校的场所' in bad.get_data(as_text=True)
    post(manager, f'{edit}/stops/{stops[2].id}/move', {'direction': 'up'}, edit)
    post(manager, f'{edit}/stops/{stops[0].id}/move', {'direction': 'up'}, edit)  # already first: nothing
    order = lambda: [s.place.name for s in RouteStop.select().where(RouteStop.route == route)  # noqa: E731
                     .order_by(RouteStop.position)]
    assert order() == ['校门', '后门', '配电房', '101教室']
    post(manager, f'{edit}/stops/{stops[1].id}/delete', {}, edit)
    assert order() == ['校门', '后门', '101教室']
    assert [s.position for s in RouteStop.select().where(RouteStop.route == route).order_by(RouteStop.position)] == [0, 1, 2]
    stop_page = f'{edit}/stops/{stops[2].id}'
    half = post(manager, stop_page, {'walk_minutes': '3', 'latitude': '31.23', 'longitude': ''})
    assert half.status_code == 400 and '一起填写' in half.get_data(as_text=True)
    ok = post(manager, stop_page, {'walk_minutes': '3', 'latitude': '31.2304', 'longitude': '121.4737',
                                   'location_accuracy': '8'})
    assert ok.status_code == 302
    place = Place.get_by_id(places[2].id)
    assert (place.latitude, place.longitude, place.location_accuracy) == (31.2304, 121.4737, 8.0)
    assert RouteStop.get_by_id(stops[2].id).walk_minutes == 3


def test_a_copied_checkpoint_label_is_reissued(as_role, school):
    manager = as_role('manager')
    route, places, tags, stops = make_route(school['campus'], ['配电房'])
    stop_page = f'/patrol/routes/{route.id}/stops/{stops[0].id}'
    assert '重新发放标签' in manager.get(stop_page).get_data(as_text=True)
    response = post(manager, f'{stop_page}/reissue', {}, stop_page)
    assert response.status_code == 302 and '/labels/tag/' in response.headers['Location']
    old = Tag.get_by_id(tags[0].id)
    new = Tag.get((Tag.place == places[0].id) & (Tag.status == 'active'))
    assert old.status == 'revoked' and old.replaced_by_id == new.id
    guard = school['users']['guard']
    assert record_scan(old, guard, now=local(dt.date(2026, 3, 10), 22, 5)) is None  # the copy no longer counts
    assert record_scan(new, guard, now=local(dt.date(2026, 3, 10), 22, 6)) is not None


def test_the_old_holiday_page_sends_managers_to_the_campus_calendar(as_role, school):
    manager = as_role('manager')
    response = manager.get('/patrol/routes/holidays')
    assert response.status_code == 301 and response.headers['Location'].endswith('/admin/routines/calendar')
    assert '调休' in manager.get('/patrol/routes/holidays', follow_redirects=True).get_data(as_text=True)
    assert as_role('guard').get('/patrol/routes/holidays').status_code == 403
    assert '/admin/routines/calendar' in manager.get('/patrol/routes/').get_data(as_text=True)


def test_patrol_follows_the_campus_calendar_holidays_make_up_days_and_terms(as_role, school):
    """A holiday takes the holiday plan; a make-up working day (调休上班) on a Saturday, one of the route's holiday
    weekdays, takes the weekday plan; a night outside the calendar's terms is a school break."""
    manager = as_role('manager')
    assert post(manager, '/patrol/routes/new', NEW_ROUTE).status_code == 302
    route = Route.get(Route.name == '宿舍区巡逻')
    calendar = '/admin/routines/calendar'
    for entry in ({'kind': 'holiday', 'name': '劳动节', 'starts_on': '2026-05-01', 'ends_on': '2026-05-05'},
                  {'kind': 'makeup', 'name': '调休上班', 'starts_on': '2026-05-09', 'counts_as': '4'},
                  {'kind': 'term', 'name': '第二学期', 'starts_on': '2026-02-23', 'ends_on': '2026-07-03'}):
        assert post(manager, calendar, entry).status_code == 302
    choose = plan_chooser(route, patrol_calendar(school['campus'].id))
    holiday_plan, holiday = choose(dt.date(2026, 5, 4))  # a Monday in 劳动节
    assert holiday and holiday_plan.shift_start == dt.time(18, 0)
    weekday_plan, holiday = choose(dt.date(2026, 5, 9))  # the make-up Saturday
    assert not holiday and weekday_plan.shift_start == dt.time(21, 30)
    assert choose(dt.date(2026, 5, 16))[1]  # an ordinary Saturday: the route's holiday weekdays
    assert not choose(dt.date(2026, 5, 12))[1]  # a Tuesday in term
    assert choose(dt.date(2026, 7, 14))[1]  # a Tuesday of the summer break, after the term
    rounds = route_rounds(route, dt.date(2026, 5, 9), patrol_calendar(school['campus'].id), 'Asia/Shanghai')
    assert [r.holiday for r in rounds] == [False] * 3 and rounds[0].start == local(dt.date(2026, 5, 9), 21, 30)


def test_a_route_with_history_is_switched_off_not_deleted(as_role, school):
    manager = as_role('manager')
    route, places, tags, stops = make_route(school['campus'], ['校门'])
    record_scan(tags[0], school['users']['guard'], now=local(dt.date(2026, 3, 10), 22, 5))
    response = post(manager, f'/patrol/routes/{route.id}/delete', {}, f'/patrol/routes/{route.id}')
    assert response.status_code == 302 and Route.get_or_none(Route.id == route.id) is not None
    empty, *_ = make_route(school['campus'], ['西门'], name='白天巡视')
    post(manager, f'/patrol/routes/{empty.id}/delete', {}, f'/patrol/routes/{empty.id}')
    assert Route.get_or_none(Route.id == empty.id) is None


def test_admin_pages_say_location_needs_https(as_role, school):
    manager = as_role('manager')
    route, places, tags, stops = make_route(school['campus'], ['校门'])
    assert 'HTTPS' in manager.get('/patrol/routes/').get_data(as_text=True)  # BASE_URL is http://school.test
    page = manager.get(f'/patrol/routes/{route.id}/stops/{stops[0].id}').get_data(as_text=True)
    assert 'HTTPS' in page and 'data-fill-location' in page
    assert as_role('guard').get('/patrol/routes/').status_code == 403
