"""The routines pages read the database a fixed number of times, however many targets and records a campus has
(issue 12's performance): the manager's dashboard, a janitor's 今日任务 and one building's month of compliance run
the same SQL statements with 10 and with 200 of each kind of target and their records. Statements are counted
through peewee's query log (every statement peewee sends passes through it), not timed."""
import contextlib
import datetime as dt
import logging
import uuid

from houqin.clock import utcnow, zone_name, to_utc
from houqin.db import database
from houqin.models import Item, Place, Record, Routine, Tag
from houqin.places.tree import descendant_ids
from houqin.routines.service import campus_slots

TOILET_WINDOWS = {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}


class StatementCounter(logging.Handler):
    """Counts the statements peewee logs (one log line per statement sent)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        self.statements.append(sql)


@contextlib.contextmanager
def counted():
    logger = logging.getLogger('peewee')
    counter, level = StatementCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter.statements
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


def add_targets(school, count, start):
    """`count` more toilets, classrooms and fire extinguishers on the school's floor, each with a label, and a
    record for each of them in the last days (so the records grow with the targets)."""
    campus, floor, users = school['campus'], school['floor'], school['users']
    made = utcnow() - dt.timedelta(days=40)
    now = utcnow()
    with database.connection_context(), database.atomic():
        for n in range(start, start + count):
            toilet = Place.create(campus=campus, parent=floor, name=f'厕所{n}', kind='toilet', created_at=made)
            room = Place.create(campus=campus, parent=floor, name=f'{n}教室', kind='classroom', created_at=made)
            extinguisher = Item.create(campus=campus, place=room, kind='fire_extinguisher', name=f'灭火器{n}',
                                       created_at=made)
            for place, item, activity, user in ((toilet, None, 'cleaning', 'janitor'),
                                                (room, None, 'inspection', 'inspector'),
                                                (room, extinguisher, 'inspection', 'repair')):
                tag = Tag.create(token=f'T{uuid.uuid4().hex[:9].upper()}', campus=campus, place=place, item=item)
                for hours in (2, 30):  # one record today (or last night) and one yesterday
                    Record.create(uuid=str(uuid.uuid4()), campus=campus, tag=tag, place=place, item=item,
                                  activity=activity, user=users[user], created_at=now - dt.timedelta(hours=hours))


def add_routines(school):
    """The routines of a small school: toilets 3× a day by the janitor, classrooms daily by the duty leaders,
    extinguishers monthly, and a campaign over the classrooms this week."""
    campus = school['campus']
    made = utcnow() - dt.timedelta(days=35)
    zone = zone_name(campus)
    today = campus.today()
    with database.connection_context():
        Routine.create(campus=campus, name='厕所保洁', activity='cleaning', target_kind='toilet',
                       people=[school['users']['janitor'].id], schedule=TOILET_WINDOWS, calendar='every_day',
                       created_at=made)
        Routine.create(campus=campus, name='教室安全检查', activity='inspection', target_kind='classroom',
                       role='inspector', schedule={'type': 'daily'}, calendar='every_day', created_at=made)
        Routine.create(campus=campus, name='灭火器月检', activity='inspection', target_type='item',
                       target_kind='fire_extinguisher', role='repair', schedule={'type': 'monthly'},
                       calendar='every_day', created_at=made)
        Routine.create(campus=campus, name='开学前检查', activity='campaign', target_kind='classroom',
                       subtree=school['building'], role='inspector', calendar='every_day', created_at=made,
                       schedule={'type': 'campaign',
                                 'start': f'{today - dt.timedelta(days=3):%Y-%m-%d}T00:00',
                                 'deadline': f'{today + dt.timedelta(days=3):%Y-%m-%d}T18:00'})
    assert to_utc(dt.datetime.combine(today, dt.time()), zone) < utcnow()


def statements_of(work):
    """The statements of work(), run once before so that what a first run writes once (missed-slot notices,
    patrol evaluations) is not counted: the steady state of the page."""
    work()
    with counted() as statements:
        work()
    return statements


def page(client, path):
    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)
    return get


def building_month(school):
    def compute():
        campus = school['campus']
        with database.connection_context():
            end = utcnow()
            return campus_slots(campus, end - dt.timedelta(days=30), end,
                                place_ids=descendant_ids(school['building']))
    return compute


def measured(school, as_role):
    manager, janitor = as_role('manager'), as_role('janitor')
    return {'dashboard': statements_of(page(manager, '/admin/')), 'today': statements_of(page(janitor, '/')),
            'building_month': statements_of(building_month(school))}


def test_the_dashboard_todays_tasks_and_a_building_month_read_a_fixed_number_of_statements(app, school, as_role):
    add_routines(school)
    add_targets(school, 10, 0)
    small = measured(school, as_role)
    slots_small = len(building_month(school)())
    add_targets(school, 190, 10)
    large = measured(school, as_role)
    slots_large = len(building_month(school)())
    assert slots_large > 15 * slots_small  # the campus really grew: 20× the targets, each with its slots
    for figure in ('dashboard', 'today', 'building_month'):
        assert len(large[figure]) == len(small[figure]), (figure, len(small[figure]), len(large[figure]))


def test_the_dashboard_counts_what_it_reads(app, school, as_role):
    """The counter is not blind: the dashboard reads records, and a 今日任务 with routines reads more than none."""
    add_routines(school)
    add_targets(school, 3, 0)
    statements = statements_of(page(as_role('manager'), '/admin/'))
    assert any('"record"' in sql for sql in statements)
    assert len(statements) < 80, len(statements)  # the budget as measured: about 40 on SQLite
