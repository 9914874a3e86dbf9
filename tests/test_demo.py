"""`flask houqin demo`: the demo school loads, looks like a real school, logs in, and never mixes with real data."""
import datetime
import re

import pytest
from helpers import login
from peewee import fn

from houqin import db
from houqin.clock import utcnow
from houqin.demo import ACCOUNTS, SCHOOL
from houqin.models import Campus, Item, Membership, Place, Record, Tag, User, WorkOrder, WorkOrderEvent
from houqin.routines.demo import build_calendar
from houqin.routines.service import campus_calendar
from houqin.tags import CROCKFORD
from houqin.vocab import ROLES

TABLES = (Campus, Place, Item, Tag, User, Membership, Record, WorkOrder, WorkOrderEvent)


def counts():
    """Rows per table, to show that a command wrote nothing."""
    with db.database.connection_context():
        return {model.__name__: model.select().count() for model in TABLES}


def load(runner, *args):
    """Run `flask houqin demo` and return its result."""
    return runner.invoke(args=['houqin', 'demo', *args])


def test_demo_school_is_a_plausible_town_school(runner):
    result = load(runner)
    assert result.exit_code == 0, result.output
    assert 'Demo school loaded' in result.output and 'demo1234' in result.output
    with db.database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        assert (campus.name, campus.code, campus.timezone) == (SCHOOL['name'], 'demo', 'Asia/Shanghai')
        assert campus.allow_anonymous_reports
        places = list(Place.select().where(Place.campus == campus))
        by_id = {p.id: p for p in places}
        kinds = {}
        for p in places:
            kinds.setdefault(p.kind, []).append(p)
        assert 36 <= len(kinds['classroom']) <= 44
        assert {p.name for p in places if p.parent_id is None} >= {'教学楼', '综合楼', '男生宿舍', '女生宿舍', '食堂', '校门'}
        # toilets on every floor of the teaching building and both dormitories
        for building in ('教学楼', '男生宿舍', '女生宿舍'):
            floors = [p for p in kinds['floor'] if by_id[p.parent_id].name == building]
            assert len(floors) >= 3
            for floor in floors:
                assert any(t.parent_id == floor.id for t in kinds['toilet']), (building, floor.name)
        codes = [p.code for p in places if p.code]
        assert len(codes) == len(set(codes)) and '101' in codes

        items = Item.select().where(Item.campus == campus)
        desks_and_chairs = items.where(Item.kind.in_(['desk', 'chair'])).count()
        assert 1800 <= desks_and_chairs <= 2200
        assert items.where(Item.kind == 'projector').count() >= 40
        extinguishers = list(items.where(Item.kind == 'fire_extinguisher'))
        assert 70 <= len(extinguishers) <= 90
        assert all(e.expires_on and e.purchased_on and e.purchased_on < e.expires_on for e in extinguishers)
        today = utcnow().date()
        expired = [e for e in extinguishers if e.expires_on < today]
        expiring = [e for e in extinguishers if 0 <= (e.expires_on - today).days <= 30]
        assert 1 <= len(expired) <= 15 and 1 <= len(expiring) <= 15
        assert len(extinguishers) - len(expired) - len(expiring) > len(extinguishers) / 2
        on_floors = [by_id[e.place_id] for e in extinguishers if by_id[e.place_id].kind == 'floor']
        assert {by_id[floor.parent_id].name for floor in on_floors} >= {'教学楼', '综合楼', '男生宿舍', '女生宿舍'}
        numbers = [i.asset_number for i in items if i.asset_number]
        assert len(numbers) == len(set(numbers)) and 'KZ-0001' in numbers and 'YZ-0001' in numbers
        # class assets are the head teacher's, shared ones the logistics office's
        desk = items.where(Item.kind == 'desk').first()
        assert desk.custodian and desk.custodian != '总务处'
        assert items.where(Item.kind == 'hydrant').first().custodian == '总务处'
        assert items.where(Item.status.in_(['broken', 'under_repair'])).count() >= 2

        # exactly one active label for every place and every item, tokens as printed on labels
        tags = list(Tag.select().where(Tag.campus == campus))
        assert all(t.status == 'active' for t in tags)
        assert sorted(t.place_id for t in tags if t.place_id) == sorted(p.id for p in places)
        assert sorted(t.item_id for t in tags if t.item_id) == sorted(i.id for i in items)
        assert not [t for t in tags if t.place_id and t.item_id]
        tokens = [t.token for t in tags]
        assert len(tokens) == len(set(tokens))
        assert all(re.fullmatch(f'[{CROCKFORD}]{{10}}', t) for t in tokens)


def test_demo_history_is_plausible(demo_app):
    with db.database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        now = utcnow()
        records = Record.select().where(Record.campus == campus)
        assert records.where(Record.created_at > now).count() == 0
        uuids = [r.uuid for r in records]
        assert len(uuids) == len(set(uuids))
        # toilets cleaned morning, noon and evening by the janitor over the last weeks
        cleaning = records.where(Record.activity == 'cleaning')
        assert cleaning.count() > 300
        toilets = {p.id for p in Place.select().where((Place.campus == campus) & (Place.kind == 'toilet'))}
        assert {r.place_id for r in cleaning} == toilets
        # by the two named janitors of the cleaning routines (houqin/routines/demo.py)
        assert {r.user_id for r in cleaning} == {User.get(User.username == u).id for u in ('janitor', 'janitor2')}
        assert len({r.created_at.date() for r in cleaning}) >= 10
        # every record is made at the label of what it is about
        tags = {t.id: t for t in Tag.select().where(Tag.campus == campus)}
        for r in records:
            tag = tags[r.tag_id]
            assert (tag.item_id == r.item_id) if r.item_id else (tag.place_id == r.place_id)
        inspected = records.where(Record.activity == 'inspection')
        assert inspected.join(Item, on=(Record.item == Item.id)).where(Item.kind == 'fire_extinguisher').count() >= 70
        assert inspected.where(Record.outcome == 'problem').count() >= 1

        orders = list(WorkOrder.select().where(WorkOrder.campus == campus).order_by(WorkOrder.created_at))
        assert len(orders) >= 5
        for year in {o.year for o in orders}:  # numbered from 1 each year (loaded in January: last year's too)
            numbers = [o.sequence for o in orders if o.year == year]
            assert numbers == list(range(1, len(numbers) + 1))
        assert {'reported', 'in_progress', 'closed'} <= {o.status for o in orders}
        titles = ' '.join(o.title for o in orders)
        assert '水龙头漏水' in titles and '课桌' in titles and '灯' in titles
        for order in orders:
            events = list(order.events.order_by(WorkOrderEvent.created_at, WorkOrderEvent.id))
            assert events[0].to_status == 'reported' and events[-1].to_status == order.status
            assert all(a.to_status == b.from_status for a, b in zip(events, events[1:]))
            assert order.record.activity == 'report'
            assert order.updated_at == events[-1].created_at <= now
            assert (order.closed_at is not None) == (order.status == 'closed')
            if order.item and order.status in ('reported', 'accepted', 'in_progress'):
                assert order.item.status in ('broken', 'under_repair')


# Where each demo account lands on the start page: whoever the demo's routines name or whose role they give
# sees 今日任务; the logistics office without routines goes on to its overview; everyone else sees their own
# start page greeting them by name.
START_PAGE = {'admin': '/admin/', 'manager': '今日任务', 'viewer': '/admin/', 'guard': '保安 李师傅，您好',
              'janitor': '今日任务', 'teacher': '今日任务', 'repair': '今日任务',  # the teacher: 陪餐 at lunch
              'canteen': '今日任务', 'inspector': '今日任务'}


def test_every_demo_account_logs_in_and_the_admin_sees_the_school(demo_app):
    app = demo_app
    assert sorted(START_PAGE) == sorted(ROLES)
    for role in ROLES:
        client = app.test_client()
        response = login(client, role, 'demo1234')
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:300])
        start = client.get('/')
        if START_PAGE[role].startswith('/'):
            assert (start.status_code, start.headers['Location']) == (302, START_PAGE[role]), role
            assert client.get(START_PAGE[role]).status_code == 200, role
        else:
            assert start.status_code == 200, role
            assert f'<h1>{START_PAGE[role]}</h1>' in start.get_data(as_text=True), role
    with db.database.connection_context():
        for role, display_name in ACCOUNTS.items():
            user = User.get(User.username == role)
            assert user.display_name == display_name and re.search(r'[\u4e00-\u9fff]', display_name)
            assert [m.role for m in user.memberships] == [role]
    admin = app.test_client()
    login(admin, 'admin', 'demo1234')
    page = admin.get('/admin/')
    assert page.status_code == 200 and SCHOOL['name'] in page.get_data(as_text=True)
    for path in ('/admin/places', '/admin/items?kind=fire_extinguisher', '/admin/items?status=broken'):
        response = admin.get(path)
        assert response.status_code == 200, path
    assert '灭火器' in admin.get('/admin/items?kind=fire_extinguisher').get_data(as_text=True)
    assert '教学楼' in admin.get('/admin/places').get_data(as_text=True)


def test_loading_twice_is_harmless_and_password_option_sets_the_password(app, runner):
    first = load(runner, '--password', 'another-secret')
    assert first.exit_code == 0 and 'another-secret' in first.output
    before = counts()
    second = load(runner)
    assert second.exit_code == 0, second.output
    assert 'already loaded' in second.output
    assert counts() == before
    assert login(app.test_client(), 'manager', 'demo1234').status_code == 200  # the form again: refused
    assert login(app.test_client(), 'manager', 'another-secret').status_code == 302


def test_refuses_a_database_with_an_account_of_its_own(runner):
    made = runner.invoke(args=['houqin', 'create-user', 'alice', '--password', 'alice-pass-1'])
    assert made.exit_code == 0, made.output
    before = counts()
    result = load(runner)
    assert result.exit_code != 0
    assert 'not the demo' in result.output and 'alice' in result.output
    assert counts() == before


def test_refuses_a_database_with_a_school_of_its_own(runner, school):
    before = counts()
    result = load(runner)
    assert result.exit_code != 0
    assert school['campus'].name in result.output
    assert counts() == before
    with db.database.connection_context():
        assert not Campus.select().where(Campus.is_demo == True).exists()  # noqa: E712


def test_a_loaded_demo_stays_loaded_after_real_accounts_are_added(demo_app):
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=['houqin', 'create-user', 'alice', '--password', 'alice-pass-1',
                               '--campus', 'demo']).exit_code == 0
    before = counts()
    result = load(runner)
    assert result.exit_code == 0 and 'already loaded' in result.output
    assert counts() == before


def test_a_failed_load_leaves_nothing_behind(runner, monkeypatch):
    """The load is one transaction: an error half-way writes nothing."""
    from houqin import demo

    def broken_history(*args):
        raise RuntimeError('disk full')
    monkeypatch.setattr(demo, 'build_history', broken_history)
    before = counts()
    result = load(runner)
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert counts() == before
    with db.database.connection_context():
        assert Place.select(fn.COUNT(Place.id)).scalar() == 0


@pytest.mark.parametrize('today, terms', [
    # in term: the school year's own two terms
    ('2026-12-04', [('2026-09-01', '2027-01-23'), ('2027-02-23', '2027-07-03')]),
    ('2027-04-10', [('2026-09-01', '2027-01-23'), ('2027-02-23', '2027-07-03')]),
    # in the winter break the first term runs on until the second begins; in the summer the second runs on;
    # in a term's first three weeks the term began three weeks ago
    ('2027-03-10', [('2026-09-01', '2027-01-23'), ('2027-02-17', '2027-07-03')]),
    ('2027-02-01', [('2026-09-01', '2027-02-22'), ('2027-02-23', '2027-07-03')]),
    ('2027-07-20', [('2026-09-01', '2027-01-23'), ('2027-02-23', '2027-08-31')]),
    ('2027-08-31', [('2026-09-01', '2027-01-23'), ('2027-02-23', '2027-08-31')]),
    ('2027-09-01', [('2027-08-11', '2028-01-23'), ('2028-02-23', '2028-07-03')]),
])
def test_the_demo_calendar_holds_today_and_the_three_weeks_before_in_term(app, today, terms):
    day = datetime.date.fromisoformat(today)
    with db.database.connection_context():
        campus = Campus.create(name='演示', code='d', is_demo=True)
        build_calendar(campus, day, utcnow())
        calendar = campus_calendar(campus)
    assert [(a.isoformat(), b.isoformat()) for a, b in calendar.terms] == terms
    assert all(calendar.in_term(day - datetime.timedelta(days=n)) for n in range(22))
