"""The term report (学期总结, issue 13): the counts of a term by hand on known records, the previous term beside it,
and the page with its server-drawn charts."""
import datetime
import uuid
from decimal import Decimal

import pytest

from houqin import db
from houqin.clock import to_utc
from houqin.models import Item, PatrolRun, Record, Route, Term, WorkOrder, WorkOrderEvent
from houqin.reports.term import Period, counts, this_and_previous

ZONE = 'Asia/Shanghai'
THIS = Period('2026学年第一学期', datetime.date(2026, 9, 1), datetime.date(2027, 1, 23))
LAST = Period('2025学年第二学期', datetime.date(2026, 2, 23), datetime.date(2026, 7, 3))


def at(day, hour=9):
    return to_utc(datetime.datetime.combine(day, datetime.time(hour)), ZONE)


@pytest.fixture
def term(school):
    """Four repairs this term (two closed in 4 h and 24 h, with parts and 50 yuan; two hazards, one repaired: an
    extinguisher refilled), one last term; inspections; three evaluated patrol rounds and one still open."""
    with db.database.connection_context():
        campus, room = school['campus'], school['room']
        Term.create(campus=campus, name=THIS.name, starts_on=THIS.first, ends_on=THIS.last)
        Term.create(campus=campus, name=LAST.name, starts_on=LAST.first, ends_on=LAST.last)
        extinguisher = Item.create(campus=campus, place=room, kind='fire_extinguisher', name='灭火器')
        oct1, oct2 = datetime.date(2026, 10, 1), datetime.date(2026, 10, 2)

        def order(seq, category, created, status='closed', closed=None, parts=(), hazard=False, item=None,
                  compensation=None):
            o = WorkOrder.create(campus=campus, year=2026, sequence=seq, place=room, item=item, category=category,
                                 title=f'单{seq}', status=status, hazard=hazard, created_at=created, closed_at=closed,
                                 compensation=compensation)
            if status in ('done', 'closed'):
                WorkOrderEvent.create(order=o, action='finish', to_status='done', created_at=created
                                      + datetime.timedelta(hours=2), data={'parts': [{'name': n, 'qty': q}
                                                                                     for n, q in parts]})
        order(1, 'electrical', at(oct1), closed=at(oct1, 13), parts=[('灯管', 2)])
        order(2, 'plumbing', at(oct2), closed=at(oct2 + datetime.timedelta(days=1)), parts=[('水龙头', 1)],
              compensation=Decimal('50'))
        order(3, 'electrical', at(oct2), status='reported', hazard=True)
        order(4, 'fire', at(oct2), status='done', hazard=True, item=extinguisher)
        order(5, 'electrical', at(datetime.date(2026, 3, 2)), closed=at(datetime.date(2026, 3, 2), 11))
        for activity, item, day in (('inspection', None, oct1), ('hygiene', None, oct2), ('inspection', extinguisher, oct2),
                                    ('cleaning', None, oct2), ('inspection', None, datetime.date(2026, 8, 20))):
            Record.create(uuid=str(uuid.uuid4()), campus=campus, place=room, item=item, activity=activity,
                          created_at=at(day))
        route = Route.create(campus=campus, name='夜间巡逻')
        for night, hour, status, missed, evaluated in ((oct1, 22, 'complete', [], True),
                                                       (oct1, 23, 'incomplete', [1, 2], True),
                                                       (oct2, 22, 'missed', [1, 2, 3], True), (oct2, 23, 'open', [], False)):
            PatrolRun.create(route=route, round_start=at(night, hour), round_end=at(night, hour), status=status,
                             night=night, result={'missed': missed}, evaluated_at=at(night, 23) if evaluated else None)
    return school


def test_a_term_counted_by_hand(term):
    now = at(datetime.date(2026, 12, 1))
    with db.database.connection_context():
        mine, before = counts(term['campus'], THIS, now), counts(term['campus'], LAST, now)
    repairs = mine['repairs']
    assert (repairs['total'], repairs['closed'], repairs['median_close_hours']) == (4, 2, 14.0)
    assert repairs['by_category'] == [('electrical', 2), ('plumbing', 1), ('fire', 1)]
    assert repairs['parts'] == [('灯管', 2), ('水龙头', 1)] and repairs['compensation'] == Decimal('50')
    assert mine['inspections'] == 3  # two inspections and the 卫生检查; not the cleaning, not August's
    assert mine['hazards'] == {'found': 2, 'closed': 1, 'rate': 50}
    assert mine['patrol'] == {'rounds': 3, 'complete': 1, 'missed_checkpoints': 5}
    assert mine['extinguishers'] == {'total': 1, 'checked': 1, 'refilled': 1}
    assert mine['cleaning'] == {'on_time': 0, 'closed': 0, 'rate': None}  # no cleaning routine
    assert (before['repairs']['total'], before['repairs']['median_close_hours'], before['inspections']) == (1, 2.0, 0)


def test_the_page_shows_the_counts_and_three_charts(term, as_role):
    page = as_role('viewer').get('/reports/term').get_data(as_text=True)
    assert page.count('<svg class="chart"') == 3 and '维修分类' in page and '<script' not in page
    assert as_role('janitor').get('/reports/term').status_code == 403


def test_the_previous_term_without_one_in_the_calendar_is_the_half_year_before(school):
    with db.database.connection_context():
        campus = school['campus']
        now, before = this_and_previous(campus, datetime.date(2026, 12, 3))
        assert (now.first, now.last, before.first, before.last) == (
            datetime.date(2026, 8, 1), datetime.date(2027, 1, 31), datetime.date(2026, 2, 1), datetime.date(2026, 7, 31))
        Term.create(campus=campus, name=THIS.name, starts_on=THIS.first, ends_on=THIS.last)  # the demo's calendar
        now, before = this_and_previous(campus, datetime.date(2026, 12, 3))
        assert (now.name, before.first, before.last) == (THIS.name, datetime.date(2026, 2, 1), datetime.date(2026, 7, 31))
        Term.create(campus=campus, name=LAST.name, starts_on=LAST.first, ends_on=LAST.last)
        assert this_and_previous(campus, datetime.date(2026, 12, 3))[1] == LAST
