"""Supplies (issue 16): received and issued with a signature, the balance, an issue above it refused, every
movement stored once (a repeated form, concurrent issues), the pages with hostile input, and the ledger's xlsx."""
import datetime
import re
import threading
import uuid

import pytest
from helpers import csrf_token, make_school
from openpyxl import load_workbook

from houqin import db
from houqin.assets.supplies import SupplyRefused, add_supply, record_movement
from houqin.ledgers.catalogue import CATALOGUE
from houqin.ledgers.filters import build_query
from houqin.ledgers.writing import write_xlsx
from houqin.models import Campus, Membership, Supply, SupplyMovement, User


def sid():
    return str(uuid.uuid4())


def balance(supply):
    with db.database.connection_context():
        return Supply.get_by_id(supply.id).balance


def test_receive_issue_balance_and_refusals(app):
    """In 100, out 30 to an account and 20 to a class; 60 more is refused and changes nothing; a repeat is one row."""
    school = make_school()
    with db.database.connection_context():
        manager, teacher = school['users']['manager'], school['users']['teacher']
        books = add_supply(school['campus'], name=' 作业本（大格） ', category='exercise_book', unit='本')
        assert books.name == '作业本（大格）' and books.balance == 0
        with pytest.raises(SupplyRefused):
            add_supply(school['campus'], name='作业本（大格）', unit='本')
        first = sid()
        stored = record_movement(books, manager, direction='in', quantity=100, submission=first, party='新华书店')
        assert stored.new and stored.movement.balance_after == 100
        again = record_movement(books, manager, direction='in', quantity=100, submission=first, party='新华书店')
        assert not again.new and again.movement.id == stored.movement.id
        out = record_movement(books, manager, direction='out', quantity=30, submission=sid(), recipient=teacher,
                              signed_name='王丽萍')
        assert out.movement.balance_after == 70 and out.movement.recipient_id == teacher.id
        record_movement(books, manager, direction='out', quantity=20, submission=sid(), party='三年级(2)班',
                        signed_name='班长 李明')
        for fields in ({'quantity': 60, 'party': '四年级', 'signed_name': '张'},   # more than the 50 on hand
                       {'quantity': 1, 'party': '四年级', 'signed_name': ''},      # no signature
                       {'quantity': 1, 'party': '', 'signed_name': '张'},          # nobody takes it
                       {'quantity': 1, 'party': 'x', 'signed_name': 'y', 'submission': 'not-a-uuid'}):
            with pytest.raises(SupplyRefused):
                record_movement(books, manager, direction='out', **{'submission': sid(), **fields})
        assert Supply.get_by_id(books.id).balance == 50
        rows = list(SupplyMovement.select().where(SupplyMovement.supply == books).order_by(SupplyMovement.id))
        assert [(m.direction, m.quantity, m.balance_after) for m in rows] == [('in', 100, 100), ('out', 30, 70),
                                                                             ('out', 20, 50)]
        assert [m.signed_name for m in rows] == ['', '王丽萍', '班长 李明']


ISSUERS = 12


def test_concurrent_issues_never_go_below_zero_and_a_raced_form_is_stored_once(app):
    """12 threads issue 10 each from 100 at a barrier: exactly 10 pass; 4 threads sending one form store one row."""
    school = make_school()
    with db.database.connection_context():
        manager = school['users']['manager']
        chalk = add_supply(school['campus'], name='粉笔', unit='盒')
        record_movement(chalk, manager, direction='in', quantity=100, submission=sid())
    barrier = threading.Barrier(ISSUERS, timeout=60)
    outcomes, errors = [], []

    def issue(submission):
        try:
            with db.database.connection_context():
                barrier.wait()
                try:
                    stored = record_movement(chalk, manager, direction='out', quantity=10, submission=submission,
                                             party='一年级', signed_name='刘')
                    outcomes.append(('new' if stored.new else 'repeat', stored.movement.id))
                except SupplyRefused:
                    outcomes.append(('refused', None))
        except Exception as error:  # reported below
            errors.append(repr(error))

    def run(submissions):
        threads = [threading.Thread(target=issue, args=(s,)) for s in submissions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    run([sid() for _ in range(ISSUERS)])
    assert errors == []
    assert sorted(o for o, _id in outcomes).count('new') == 10 and [o for o, _i in outcomes].count('refused') == 2
    assert balance(chalk) == 0
    with db.database.connection_context():
        record_movement(chalk, manager, direction='in', quantity=50, submission=sid())
    outcomes.clear()
    barrier = threading.Barrier(4, timeout=60)
    same = sid()
    run([same] * 4)
    assert errors == []
    assert [o for o, _i in outcomes].count('new') == 1 and len({i for _o, i in outcomes}) == 1
    assert balance(chalk) == 40
    with db.database.connection_context():
        assert SupplyMovement.select().where(SupplyMovement.supply == chalk).count() == 1 + 10 + 1 + 1
        assert sum(m.quantity if m.direction == 'in' else -m.quantity
                   for m in SupplyMovement.select().where(SupplyMovement.supply == chalk)) == 40


def test_pages_on_a_phone_with_hostile_input(as_role, school):
    """Add, receive, issue through the forms; bad input is a clear message, what was typed kept, nothing changed."""
    manager = as_role('manager')
    token = csrf_token(manager, '/supplies/')
    for name in ('', '\r\n', '\x00'):
        response = manager.post('/supplies/', data={'csrf_token': token, 'name': name, 'category': 'office'})
        assert response.status_code == 400 and '未保存' in response.get_data(as_text=True)
    assert manager.post('/supplies/', data={'csrf_token': token, 'name': 'A4纸', 'category': 'rocket'}).status_code == 400
    response = manager.post('/supplies/', data={'csrf_token': token, 'name': 'A4纸', 'category': 'office',
                                                'unit': '包'})
    assert response.status_code == 302
    with db.database.connection_context():
        paper = Supply.get(Supply.name == 'A4纸')
        other = Campus.create(name='别校', code='other')
        foreign = add_supply(other, name='别校的纸')
        stranger = User.create(username='stranger', password_hash='x')
        Membership.create(user=stranger, campus=other, role='teacher')
    url = f'/supplies/{paper.id}'
    page = manager.get(url).get_data(as_text=True)
    submission = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    receive = {'csrf_token': token, 'submission': submission, 'quantity': '500', 'party': '文具店'}
    assert manager.post(f'{url}/receive', data=receive).status_code == 302
    assert manager.post(f'{url}/receive', data=receive).status_code == 302  # the double tap
    page = manager.get(url).get_data(as_text=True)
    assert 'id="balance"><b>500<' in page
    for quantity in ('', '0', '-5', '1.5', '²', str(2 ** 64), 'x' * 100_000, '1\x00'):
        response = manager.post(f'{url}/receive', data={**receive, 'submission': sid(), 'quantity': quantity})
        assert response.status_code == 400, quantity
    issue = {'csrf_token': token, 'submission': sid(), 'quantity': '20', 'party': '三年级(2)班 ',
             'signed_name': '李老师', 'note': 'line\r\nbreak'}
    for bad in ({'quantity': '501'}, {'signed_name': ''}, {'party': '', 'recipient': ''},
                {'recipient': str(stranger.id)}, {'recipient': str(2 ** 64)}, {'recipient': '²'},
                {'submission': ''}):
        response = manager.post(f'{url}/issue', data={**issue, **bad})
        assert response.status_code == 400, bad
        body = response.get_data(as_text=True)
        assert '未保存' in body
        if 'quantity' in bad:
            assert '现存仅 500' in body and 'value="501"' in body
    assert manager.post(f'{url}/issue', data=issue).status_code == 302
    teacher_id = school['users']['teacher'].id
    assert manager.post(f'{url}/issue', data={**issue, 'submission': sid(), 'party': '',
                                              'recipient': str(teacher_id)}).status_code == 302
    with db.database.connection_context():
        assert Supply.get_by_id(paper.id).balance == 460
        rows = list(SupplyMovement.select().where(SupplyMovement.supply == paper).order_by(SupplyMovement.id))
        assert [(m.direction, m.quantity) for m in rows] == [('in', 500), ('out', 20), ('out', 20)]
        assert rows[1].party == '三年级(2)班' and rows[1].note == 'line break' and rows[2].recipient_id == teacher_id
        assert Supply.get_by_id(foreign.id).balance == 0
    assert manager.get(f'/supplies/{foreign.id}').status_code == 404
    assert manager.post(f'/supplies/{foreign.id}/receive', data={**receive, 'submission': sid()}).status_code == 404
    assert manager.get(f'/supplies/{2 ** 64}').status_code == 404
    listing = as_role('viewer').get('/supplies/').get_data(as_text=True)
    assert 'A4纸' in listing and '460 包' in listing and 'name="name"' not in listing
    assert as_role('teacher').get('/supplies/').status_code == 403


def test_supplies_ledger_reads_back_with_openpyxl(app):
    """物品出入库登记: one row per movement, received and issued in their columns, the balance, the signature."""
    school = make_school()
    with app.test_request_context(), db.database.connection_context():
        manager, teacher = school['users']['manager'], school['users']['teacher']
        books = add_supply(school['campus'], name='作业本', category='exercise_book', unit='本')
        record_movement(books, manager, direction='in', quantity=200, submission=sid(), party='=HYPERLINK("x")')
        record_movement(books, manager, direction='out', quantity=45, submission=sid(), recipient=teacher,
                        party='三年级(2)班', signed_name='王丽萍')
        campus = Campus.get_by_id(school['campus'].id)
        today = campus.today()
        query = build_query(campus, {'period': 'custom', 'from': (today - datetime.timedelta(days=1)).isoformat(),
                                     'to': today.isoformat()}, today)
        ledger = CATALOGUE['supplies']
        assert str(ledger.title) == '物品出入库登记'
        path = app.instance_path + '-supplies.xlsx'
        write_xlsx(ledger, query, path)
    sheet = load_workbook(path).worksheets[0]
    assert '物品出入库登记' in sheet.cell(1, 1).value
    headers = [c.value for c in sheet[2]]
    assert headers[:7] == ['日期时间', '物品', '类型', '单位', '入库', '领用', '结存']
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[1], r[4], r[5], r[6]) for r in rows] == [('作业本', 200, None, 200), ('作业本', None, 45, 155)]
    assert rows[0][7] == '=HYPERLINK("x")' and sheet.cell(3, 8).data_type != 'f'
    assert rows[1][7] == 'Teacher (三年级(2)班)' and rows[1][8] == '王丽萍' and rows[1][9] == 'Manager'
    assert all(isinstance(r[0], datetime.datetime) for r in rows)
