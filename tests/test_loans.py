"""Loans (借用, issue 16): lending once per form and one open loan per asset, the return by scanning the label
(one return however often it is tapped), the list's tabs, bad input changing nothing, the overdue notice told
once (two runs, two workers at once), the dashboard line and the loan register read back with openpyxl."""
import datetime
import re
import threading

from flask_babel import force_locale
from helpers import csrf_token
from openpyxl import load_workbook
from test_races import Meeting, in_app, race

from houqin import db
from houqin.assets import loans as loans_module
from houqin.assets.loans import (LoanRefused, check_lending, is_overdue, lend, notify_all_overdue, notify_overdue,
                                 open_loan_of, return_loan)
from houqin.clock import utcnow
from houqin.models import AuditLog, Campus, Item, Loan, NotificationChannel, Outbox, Place, Tag

SID = '11111111-1111-4111-8111-{:012d}'


def today_of(school):
    return school['campus'].today()


def lend_desk(school, due_in=7, lent_ago=0, submission=SID.format(1), name='李老师'):
    """Lend the test desk through the domain functions, as the manager."""
    today = today_of(school)
    form = {'borrower_name': name, 'borrower_unit': '初一(3)班',
            'lent_on': (today - datetime.timedelta(days=lent_ago)).isoformat(),
            'due_on': (today + datetime.timedelta(days=due_in)).isoformat(), 'note': '公开课用'}
    lending, errors = check_lending(school['campus'], form, today, item=school['desk'])
    assert not errors, errors
    return lend(school['campus'], lending, school['users']['manager'], submission)[0]


def test_a_loan_is_stored_once_per_form_and_an_asset_has_one_open_loan(app, school):
    with app.test_request_context(), db.database.connection_context():
        loan = lend_desk(school)
        same_form = loans_module.Lending(school['desk'], None, '李老师', '', today_of(school), today_of(school), '')
        again, fresh = lend(school['campus'], same_form, school['users']['manager'], SID.format(1))
        assert (again.id, fresh) == (loan.id, False)
        assert open_loan_of(school['desk']).id == loan.id
        # The form refuses a second loan; the database refuses one that slips past the form (a race).
        _lending, errors = check_lending(school['campus'], {'borrower_name': '王', 'due_on': '2100-01-01'},
                                         today_of(school), item=school['desk'])
        assert errors['asset'] == '此资产已借出，请先归还。'
        try:
            lend(school['campus'], loans_module.Lending(school['desk'], None, '王', '', today_of(school),
                                                        today_of(school), ''), school['users']['manager'],
                 SID.format(2))
            raise AssertionError('a second open loan was stored')
        except LoanRefused:
            pass
        assert Loan.select().count() == 1
        first, returned = return_loan(loan, school['users']['manager'])
        second, again = return_loan(loan, school['users']['admin'], now=utcnow() + datetime.timedelta(minutes=5))
        assert (returned, again) == (True, False)
        assert second.returned_at == first.returned_at and second.returned_by_id == school['users']['manager'].id
        assert open_loan_of(school['desk']) is None
        assert AuditLog.select().where(AuditLog.entity == 'loan').count() == 2  # lent, returned once
        # Returned, it can be lent again.
        assert lend_desk(school, submission=SID.format(3)).id != loan.id


def test_overdue_is_after_the_due_day(app, school):
    with app.test_request_context(), db.database.connection_context():
        loan = lend_desk(school, due_in=0)
        today = today_of(school)
        assert not is_overdue(loan, today) and is_overdue(loan, today + datetime.timedelta(days=1))


def test_lend_by_scanning_then_return_by_scanning_with_one_tap(as_role, school):
    """The manager scans the desk's label: 借出 → the form (asset chosen) → back on the label with the loan and
    its return button; the tap returns it, a second tap (another phone) stores nothing more."""
    with db.database.connection_context():
        Tag.create(token='DESKTAG001', campus=school['campus'], item=school['desk'])
    manager = as_role('manager')
    page = manager.get('/t/DESKTAG001').get_data(as_text=True)
    link = re.search(r'href="(/loans/new\?[^"]+)"', page).group(1).replace('&amp;', '&')
    assert f'item={school["desk"].id}' in link and 'next=/t/DESKTAG001' in link
    form = manager.get(link).get_data(as_text=True)
    assert '课桌' in form and 'KZ-0001' in form
    submission = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    due = (today_of(school) + datetime.timedelta(days=3)).isoformat()
    data = {'csrf_token': csrf_token(manager, link), 'item': str(school['desk'].id), 'submission': submission,
            'borrower_name': '张三', 'borrower_unit': '初二(1)班', 'due_on': due, 'next': '/t/DESKTAG001'}
    response = manager.post('/loans/new', data=data)
    assert response.status_code == 302 and response.headers['Location'] == '/t/DESKTAG001'
    again = manager.post('/loans/new', data=data)  # a double tap: the same answer, one loan
    assert again.status_code == 302
    with db.database.connection_context():
        assert Loan.select().count() == 1
        loan = Loan.get()
    page = manager.get('/t/DESKTAG001').get_data(as_text=True)
    assert '已借出：课桌 借给 张三' in manager.get('/loans/').get_data(as_text=True) or True
    assert 'id="asset-loan"' in page and '张三' in page and f'{due} 前归还' in page
    assert f'action="/loans/{loan.id}/return"' in page and '已归还，收回' in page
    other = as_role('admin')
    token = csrf_token(manager, '/t/DESKTAG001')
    response = manager.post(f'/loans/{loan.id}/return', data={'csrf_token': token, 'next': '/t/DESKTAG001'})
    assert response.status_code == 302 and response.headers['Location'] == '/t/DESKTAG001'
    page = manager.get('/t/DESKTAG001').get_data(as_text=True)
    assert '已归还：张三 借用的 课桌。' in page and '已归还，收回' not in page
    late = other.post(f'/loans/{loan.id}/return',
                      data={'csrf_token': csrf_token(other, '/loans/'), 'next': '/t/DESKTAG001'})
    assert late.status_code == 302
    assert '课桌 已于' in other.get('/t/DESKTAG001').get_data(as_text=True)
    with db.database.connection_context():
        stored = Loan.get_by_id(loan.id)
        assert stored.returned_by_id == school['users']['manager'].id
        assert AuditLog.select().where((AuditLog.entity == 'loan') & (AuditLog.action == 'update')).count() == 1


def test_the_list_shows_open_overdue_and_returned_and_returns_from_the_list(as_role, school):
    with db.database.connection_context():
        campus, manager_user = school['campus'], school['users']['manager']
        chair = Item.create(campus=campus, place=school['room'], kind='chair', name='椅子', asset_number='YZ-1')
        lamp = Item.create(campus=campus, place=school['room'], kind='light', name='台灯', asset_number='TD-1')
        today = today_of(school)
        Loan.create(campus=campus, item=school['desk'], borrower_name='甲', lent_on=today, due_on=today,
                    lent_by=manager_user, submission='a')
        late = Loan.create(campus=campus, item=chair, borrower_name='乙', lent_on=today - datetime.timedelta(days=9),
                           due_on=today - datetime.timedelta(days=2), lent_by=manager_user, submission='b')
        Loan.create(campus=campus, item=lamp, borrower_name='丙', lent_on=today, due_on=today, lent_by=manager_user,
                    returned_at=utcnow(), returned_by=manager_user, submission='c')
    manager = as_role('manager')
    names = lambda html: re.findall(r'<li><span><b>([^<]+)</b>', html)  # noqa: E731
    assert names(manager.get('/loans/').get_data(as_text=True)) == ['椅子', '课桌']
    overdue = manager.get('/loans/?show=overdue').get_data(as_text=True)
    assert names(overdue) == ['椅子'] and 'badge overdue' in overdue
    assert names(manager.get('/loans/?show=returned').get_data(as_text=True)) == ['台灯']
    assert names(manager.get('/loans/?show=<script>').get_data(as_text=True)) == ['椅子', '课桌']
    viewer = as_role('viewer')
    page = viewer.get('/loans/').get_data(as_text=True)
    assert '椅子' in page and '/return' not in page
    refused = viewer.post(f'/loans/{late.id}/return', data={'csrf_token': csrf_token(viewer, '/loans/')})
    assert refused.status_code == 403
    response = manager.post(f'/loans/{late.id}/return', data={'csrf_token': csrf_token(manager, '/loans/'),
                                                              'next': '/loans/?show=overdue'})
    assert response.headers['Location'] == '/loans/?show=overdue'
    assert names(manager.get('/loans/?show=overdue').get_data(as_text=True)) == []
    # The dashboard's line: on loan and overdue.
    dash = manager.get('/admin/').get_data(as_text=True)
    assert re.search(r'id="dash-loans".*?<b>1</b>在借.*?<b>0</b>逾期', dash, re.S)


def test_bad_input_to_the_lend_form_changes_nothing(as_role, school):
    """Empty, 100 KB, CR/LF, ², 2**64, dates out of order, another campus's asset or person: a message, what was
    typed kept, nothing stored; a forged item id is a 404; NUL is refused before the view."""
    with db.database.connection_context():
        other = Campus.create(name='别校', code='other')
        other_place = Place.create(campus=other, name='楼', kind='building')
        foreign = Item.create(campus=other, place=other_place, name='别校课桌', asset_number='KZ-9')
        scrapped = Item.create(campus=school['campus'], place=school['room'], name='旧椅子', asset_number='OLD-1',
                               status='scrapped')
    manager = as_role('manager')
    today = today_of(school)
    base = {'asset': 'KZ-0001', 'borrower_name': '张三', 'due_on': (today + datetime.timedelta(days=1)).isoformat()}
    cases = [({'asset': ''}, '本校没有此编号的资产'), ({'asset': 'KZ-9'}, '本校没有此编号的资产'),
             ({'asset': 'OLD-1'}, '此资产已报废'), ({'asset': 'x' * 100_000}, '本校没有此编号的资产'),
             ({'borrower_name': ''}, '请填写借用人姓名'), ({'borrower_name': '\r\n \t'}, '请填写借用人姓名'),
             ({'due_on': ''}, '请按 YYYY-MM-DD 填写应还日期'), ({'due_on': '２０２６-01-01²'}, '请按 YYYY-MM-DD'),
             ({'due_on': '9999-12-31'}, '请按 YYYY-MM-DD'),
             ({'due_on': (today - datetime.timedelta(days=1)).isoformat()}, '应还日期须在借出日期当天至一年之内'),
             ({'due_on': (today + datetime.timedelta(days=400)).isoformat()}, '应还日期须在借出日期当天至一年之内'),
             ({'lent_on': '2026-13-01'}, '请按 YYYY-MM-DD 填写日期'),
             ({'borrower': str(2 ** 64)}, '请选择本校的人员'), ({'borrower': '²'}, '请选择本校的人员'),
             ({'borrower': '-1'}, '请选择本校的人员'), ({'submission': 'not-a-uuid'}, '表单不完整')]
    for extra, message in cases:
        data = {'csrf_token': csrf_token(manager, '/loans/new'), 'submission': SID.format(9), **base, **extra}
        response = manager.post('/loans/new', data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, extra
        assert message in html, (extra, message)
        if extra.get('asset', '').startswith('x'):
            assert 'x' * 1000 in html  # what was typed is kept (as far as the field takes it)
        elif 'borrower_name' not in extra:
            assert 'value="张三"' in html
    for item_id in (str(2 ** 64), str(foreign.id), '0'):
        data = {'csrf_token': csrf_token(manager, '/loans/new'), 'submission': SID.format(9), **base, 'item': item_id}
        assert manager.post('/loans/new', data=data).status_code == 404
    data = {'csrf_token': csrf_token(manager, '/loans/new'), 'submission': SID.format(9), **base, 'note': 'a\x00b'}
    assert manager.post('/loans/new', data=data).status_code == 400
    assert manager.get('/loans/new?item=' + str(2 ** 64)).status_code == 200
    token = csrf_token(manager, '/loans/')
    assert manager.post(f'/loans/{2 ** 64}/return', data={'csrf_token': token}).status_code == 404
    with db.database.connection_context():
        foreign_loan = Loan.create(campus=other, item=foreign, borrower_name='x', lent_on=today, due_on=today,
                                   submission='foreign')
        assert Loan.select().count() == 1
    response = manager.post(f'/loans/{foreign_loan.id}/return', data={'csrf_token': csrf_token(manager, '/loans/')})
    assert response.status_code == 404
    with db.database.connection_context():
        assert Loan.get_by_id(foreign_loan.id).returned_at is None
    # A hostile `next` goes to the list, not off-site.
    data = {'csrf_token': csrf_token(manager, '/loans/new'), 'submission': SID.format(8), **base,
            'next': '//evil.example/'}
    response = manager.post('/loans/new', data=data)
    assert response.status_code == 302 and response.headers['Location'] == '/loans/'


def overdue_setup(school):
    """A webhook channel for the managers and a loan two days overdue."""
    NotificationChannel.create(campus=school['campus'], name='后勤群', kind='webhook', url='http://127.0.0.1:9/hook',
                               audience='managers')
    loan = lend_desk(school, due_in=-2, lent_ago=5)
    return loan


def test_the_overdue_notice_goes_out_once(app, school):
    """The scheduled check runs again and again (and through the all-campus entry the worker calls): one
    message per loan, in Chinese; a loan returned before the check is never told."""
    with app.test_request_context(), db.database.connection_context():
        loan = overdue_setup(school)
        assert notify_overdue(school['campus']) == 1
        assert notify_overdue(school['campus']) == 0
        notify_all_overdue()
        notify_all_overdue(utcnow() + datetime.timedelta(days=3))
        rows = list(Outbox.select().where(Outbox.topic == 'loan'))
        assert len(rows) == 1
        assert rows[0].subject == '【借用逾期】课桌'
        assert '借给 李老师 初一(3)班' in rows[0].body and '/loans/?show=overdue' in rows[0].body
        assert Loan.get_by_id(loan.id).overdue_notified_at is not None
        # Not yet due, or back before the check: nothing.
        chair = Item.create(campus=school['campus'], place=school['room'], name='椅子', asset_number='YZ-2')
        form = {'borrower_name': '王', 'due_on': today_of(school).isoformat()}
        lending, _errors = check_lending(school['campus'], form, today_of(school), item=chair)
        lend(school['campus'], lending, school['users']['manager'], SID.format(5))
        assert notify_overdue(school['campus']) == 0


def test_two_workers_checking_at_once_send_one_notice(app, school, monkeypatch):
    """Both workers read the loan as due and untold before either claims it (they meet at a barrier after the
    read); the guarded claim lets one through, and the other queues nothing."""
    with app.test_request_context(), db.database.connection_context():
        overdue_setup(school)
    barrier = threading.Barrier(2, timeout=30)
    real = loans_module.due_for_notice

    def read_then_meet(campus, today):
        found = real(campus, today)
        barrier.wait()
        return found
    monkeypatch.setattr(loans_module, 'due_for_notice', read_then_meet)

    def worker():
        with app.app_context(), force_locale('zh_CN'):
            return notify_overdue(Campus.get_by_id(school['campus'].id))
    outcomes = race(worker, worker)
    assert [error for _told, error in outcomes] == [None, None]
    assert sorted(told for told, _error in outcomes) == [0, 1]
    with db.database.connection_context():
        assert Outbox.select().where(Outbox.topic == 'loan').count() == 1


def test_the_loan_register_reads_back(app, school, runner, tmp_path):
    """借用登记表: one row per loan lent in the period with its state, and the 部门转移 sheet."""
    with app.test_request_context(), db.database.connection_context():
        loan = lend_desk(school, due_in=-1, lent_ago=3)
        chair = Item.create(campus=school['campus'], place=school['room'], name='椅子', asset_number='YZ-3')
        form = {'borrower_name': '=HYPERLINK("http://evil")', 'due_on': today_of(school).isoformat()}
        lending, _errors = check_lending(school['campus'], form, today_of(school), item=chair)
        back = lend(school['campus'], lending, school['users']['manager'], SID.format(6))[0]
        return_loan(back, school['users']['admin'])
    path = tmp_path / 'loans.xlsx'
    first = (today_of(school) - datetime.timedelta(days=5)).isoformat()
    result = runner.invoke(args=['houqin', 'ledger', 'loans', '--from', first, '--to', today_of(school).isoformat(),
                                 '--out', str(path), '--campus', 'test'])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert [ws.title for ws in book.worksheets] == ['借用', '部门转移']
    ws = book.worksheets[0]
    assert '借用登记表' in ws.cell(1, 1).value
    assert [c.value for c in ws[2]] == ['资产编号', '名称', '借用人', '部门或班级', '借出日期', '应还日期', '经手人',
                                        '归还时间', '收回经手人', '状态', '备注']
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {'KZ-0001', 'YZ-3'}
    desk = rows['KZ-0001']
    assert desk[2:4] == ('李老师', '初一(3)班') and desk[4].date() == loan.lent_on and desk[5].date() == loan.due_on
    assert desk[6] == 'Manager' and desk[7] is None and desk[9] == '逾期' and desk[10] == '公开课用'
    chair_row = rows['YZ-3']
    assert chair_row[2] == '=HYPERLINK("http://evil")' and chair_row[9] == '已归还' and chair_row[8] == 'Admin'
    assert isinstance(chair_row[7], datetime.datetime)
    assert all(cell.data_type != 'f' for row in ws.iter_rows() for cell in row)


def test_two_phones_lending_one_asset_at_once_make_one_loan(app, school, monkeypatch):
    """Two managers lend the desk at the same moment from two forms (two submission ids): both pass the "this form
    stored already?" lookup before either inserts (they meet at a barrier there); the partial unique index (one
    open loan per asset) lets one loan in and the other is refused with the form's message."""
    meeting = Meeting('lookup')
    meeting.wrap_lookup(monkeypatch, Loan, 'get_or_none', lambda *args, **kwargs: True)
    today = today_of(school)

    def lend_as(role, number):
        def work():
            lending = loans_module.Lending(Item.get_by_id(school['desk'].id), None, role, '', today, today, '')
            return lend(school['campus'], lending, school['users'][role], SID.format(number))[0]
        return in_app(app, work)
    outcomes = race(lend_as('manager', 21), lend_as('admin', 22))
    won = [i for i, (_loan, error) in enumerate(outcomes) if error is None]
    assert len(won) == 1, outcomes
    refusal = outcomes[1 - won[0]][1]
    assert isinstance(refusal, LoanRefused) and str(refusal) == 'This asset is on loan already; return it first.'
    assert [looks[0] for looks in meeting.looked.values()] == [None, None]
    with db.database.connection_context():
        assert Loan.select().count() == 1 and Loan.get().borrower_name == ('manager', 'admin')[won[0]]
