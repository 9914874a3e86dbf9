"""The scan page's actions without HTTP: what each role is offered at a label, and what each submission stores."""
import uuid

import pytest
from werkzeug.datastructures import MultiDict

from houqin.checklists.versions import active_template, questions
from houqin.db import database
from houqin.models import Item, Place, Record, Tag, WorkOrder
from houqin.scan.actions import join_report, offer_for, record_checklist, record_report

@pytest.fixture
def spot(app, school):
    """A toilet and an extinguisher with their labels on the test campus (a bare request context gives the
    messages their language; no HTTP is made)."""
    with app.test_request_context(), database.connection_context():
        campus, floor = school['campus'], school['floor']
        toilet = Place.create(campus=campus, parent=floor, name='一楼男厕', kind='toilet')
        extinguisher = Item.create(campus=campus, place=school['room'], kind='fire_extinguisher', name='灭火器')
        yield {**school, 'toilet': toilet, 'extinguisher': extinguisher,
               'toilet_tag': Tag.create(token='TOILET0001', campus=campus, place=toilet),
               'ext_tag': Tag.create(token='EXTING0001', campus=campus, place=school['room'], item=extinguisher)}


def sid():
    return str(uuid.uuid4())


@pytest.mark.parametrize('role, at, main, checklists, report', [
    ('janitor', 'toilet', 'cleaning', ['cleaning'], True),
    ('teacher', 'toilet', 'report', [], True),
    ('manager', 'extinguisher', 'inspection', ['inspection'], True),
    ('admin', 'toilet', 'cleaning', ['cleaning'], True),      # no inspection checklist for toilets: cleaning first
    ('canteen', 'toilet', 'report', [], True),
    ('guard', 'extinguisher', 'report', [], True),
    ('viewer', 'room', 'report', [], True),
    (None, 'toilet', '', [], False),                          # anonymous: only what the campus allows, decided by the page
])
def test_offers_by_role(spot, role, at, main, checklists, report):
    offer = offer_for(spot['campus'], spot[at], role)
    assert offer.main == main
    assert [a for a, _t in offer.checklists] == checklists
    assert offer.report is report and offer.history is (role is not None)


def test_a_cleaning_is_stored_once_per_submission_id(spot):
    one = sid()
    first = record_checklist(one, spot['toilet_tag'], spot['toilet'], 'cleaning', MultiDict(), MultiDict(),
                             user=spot['users']['janitor'])
    again = record_checklist(one, spot['toilet_tag'], spot['toilet'], 'cleaning', MultiDict(), MultiDict(),
                             user=spot['users']['janitor'])
    assert first.created and not again.created and again.record.id == first.record.id
    assert (first.record.activity, first.record.outcome, first.record.answers, first.order) == ('cleaning', 'ok', {}, None)
    assert Record.select().where(Record.place == spot['toilet']).count() == 1


def test_the_same_id_at_another_label_or_from_another_person_is_their_own_record(spot):
    """A submission id is scoped by label and sender (issue 10): reusing one never answers with, or is refused
    for, someone else's record."""
    one = sid()
    first = record_checklist(one, spot['toilet_tag'], spot['toilet'], 'cleaning', MultiDict(), MultiDict(),
                             user=spot['users']['janitor'])
    other = record_report(one, spot['ext_tag'], spot['extinguisher'], title='漏气', category='fire', hazard=False,
                          upload=None, user=spot['users']['teacher'])
    again = record_checklist(one, spot['toilet_tag'], spot['toilet'], 'cleaning', MultiDict(), MultiDict(),
                             user=spot['users']['janitor'])
    assert (first.created, other.created, again.created) == (True, True, False)
    assert again.record.id == first.record.id and other.record.id != first.record.id
    assert other.record.user_id == spot['users']['teacher'].id and other.order.title == '漏气'
    assert Record.select().count() == 2 and WorkOrder.select().count() == 1


def test_a_failed_hazard_item_opens_an_urgent_order_with_the_failures(spot):
    template = active_template(spot['campus'], 'fire_extinguisher', 'inspection')
    items = questions(template)
    form = MultiDict({'checklist': '1', **{f'q{i.id}': 'pass' for i in items if i.item_type == 'pass_fail'}})
    failed = next(i for i in items if i.item_type == 'pass_fail')
    form[f'q{failed.id}'] = 'fail'
    form[f'hazard{failed.id}'] = 'y'
    outcome = record_checklist(sid(), spot['ext_tag'], spot['extinguisher'], 'inspection', form, MultiDict(),
                               user=spot['users']['manager'])
    assert outcome.errors == {}
    assert outcome.record.outcome == 'problem'
    assert outcome.record.answers['hazards'] == [str(failed.id)]
    order = outcome.order
    assert (order.priority, order.hazard, order.item_id) == ('urgent', True, spot['extinguisher'].id)
    assert order.title == '灭火器月度检查：1 项不合格' and f'{failed.label}: 不合格' in order.description


def test_a_missing_required_answer_stores_nothing(spot):
    template = active_template(spot['campus'], 'toilet', 'cleaning')
    items = questions(template)
    outcome = record_checklist(sid(), spot['toilet_tag'], spot['toilet'], 'cleaning', MultiDict({'checklist': '1'}),
                               MultiDict(), user=spot['users']['janitor'])
    required = {str(i.id) for i in items if i.required}
    assert set(outcome.errors) == required and outcome.record is None
    assert Record.select().count() == 0


@pytest.mark.parametrize('title, message', [('', '请简单说明哪里坏了。'), ('坏' * 201, '请控制在 200 字以内，详细情况可写在备注里。')])
def test_a_report_without_a_usable_title_is_refused(spot, title, message):
    outcome = record_report(sid(), spot['toilet_tag'], spot['toilet'], title=title, category='plumbing',
                            hazard=False, upload=None, user=spot['users']['teacher'])
    assert outcome.errors == {'title': message}
    assert Record.select().count() == 0 and WorkOrder.select().count() == 0


def test_a_report_opens_an_order_and_a_second_reporter_joins_it(spot):
    first = record_report(sid(), spot['toilet_tag'], spot['toilet'], title='水龙头漏水', category='nonsense',
                          hazard=False, upload=None, user=spot['users']['teacher'])
    order = first.order
    assert (order.title, order.category, order.place_id, order.reporter_id) == (
        '水龙头漏水', 'plumbing', spot['toilet'].id, spot['users']['teacher'].id)  # unknown category: guessed
    joined = join_report(sid(), spot['toilet_tag'], spot['toilet'], order, upload=None, name='家长')
    assert joined.order.id == order.id and joined.record.answers == {'joined': order.id}
    assert WorkOrder.select().count() == 1
    assert [e.action for e in order.events.order_by('id')] == ['report', 'join']
