"""Off-campus permits (出门条, issue 16): the verdict (valid now, none, expired, cancelled, not yet valid); the guard's
scan of the asset says 不允许出门 / 允许出门 with the permit and is logged once per reload; other roles see no
verdict and log nothing; issuing and cancelling over HTTP; bad input; the permit register read back."""
import datetime
import re

from helpers import csrf_token
from openpyxl import load_workbook

from houqin import clock, db
from houqin.assets.permits import cancel_permit, check_permit, issue_permit, record_gate_check, verdict
from houqin.clock import utcnow
from houqin.models import Campus, GateCheck, GatePermit, Item, Place, Tag

SID = '33333333-3333-4333-8333-{:012d}'
HOUR = datetime.timedelta(hours=1)


def local_input(moment, campus):
    """A naive-UTC time as the datetime-local text a phone sends."""
    return clock.format_local(moment, clock.zone_name(campus), '%Y-%m-%dT%H:%M')


def permit_for(school, start, end, submission=SID.format(1), carrier='王师傅'):
    """A permit of the desk through the domain functions (start, end naive UTC)."""
    form = {'carrier_name': carrier, 'carrier_unit': '总务处', 'reason': '送修',
            'valid_from': local_input(start, school['campus']), 'valid_until': local_input(end, school['campus'])}
    permit, errors = check_permit(school['campus'], form, min(start, utcnow()), item=school['desk'])
    assert not errors, errors
    return issue_permit(school['campus'], permit, school['users']['manager'], submission)[0]


def test_the_verdict_follows_the_permits(app, school):
    with app.test_request_context(), db.database.connection_context():
        now = utcnow().replace(second=0, microsecond=0)
        desk = school['desk']
        assert (verdict(desk, now).allowed, verdict(desk, now).reason) == (False, 'none')
        permit = permit_for(school, now - HOUR, now + 2 * HOUR)
        found = verdict(desk, now)
        assert found.allowed and found.permit.id == permit.id and found.permit.carrier_name == '王师傅'
        assert (verdict(desk, now + 3 * HOUR).allowed, verdict(desk, now + 3 * HOUR).reason) == (False, 'expired')
        assert (verdict(desk, now - 2 * HOUR).allowed, verdict(desk, now - 2 * HOUR).reason) == (False, 'not_yet')
        _fresh, cancelled = cancel_permit(permit, school['users']['manager'])
        _again, twice = cancel_permit(permit, school['users']['admin'])
        assert (cancelled, twice) == (True, False)
        assert (verdict(desk, now).allowed, verdict(desk, now).reason) == (False, 'cancelled')
        assert GatePermit.get_by_id(permit.id).cancelled_by_id == school['users']['manager'].id
        # A new permit after a cancelled one lets it out again.
        assert verdict(desk, now).allowed is False
        permit_for(school, now, now + HOUR, submission=SID.format(2))
        assert verdict(desk, now + datetime.timedelta(minutes=1)).allowed


def test_a_gate_check_is_one_per_guard_asset_and_two_minutes(app, school):
    with app.test_request_context(), db.database.connection_context():
        guard, desk = school['users']['guard'], school['desk']
        start = datetime.datetime(2026, 12, 3, 8, 0, 0)
        first = record_gate_check(desk, guard, verdict(desk, start), start)
        again = record_gate_check(desk, guard, verdict(desk, start), start + datetime.timedelta(seconds=50))
        later = record_gate_check(desk, guard, verdict(desk, start), start + datetime.timedelta(minutes=3))
        assert first.id == again.id != later.id and GateCheck.select().count() == 2
        assert first.allowed is False and first.permit_id is None
        # A permit issued meanwhile changes the verdict: that scan is a check of its own, within the same slot.
        permit = GatePermit.create(campus=school['campus'], item=desk, carrier_name='王', reason='送修',
                                   valid_from=start, valid_until=start + HOUR, submission='p')
        moment = start + datetime.timedelta(minutes=3, seconds=10)
        allowed = record_gate_check(desk, guard, verdict(desk, moment), moment)
        assert (allowed.allowed, allowed.permit_id) == (True, permit.id) and GateCheck.select().count() == 3


def test_the_guard_scans_the_asset_at_the_gate(as_role, school):
    """Without a permit: 不允许出门 (big, first on the page), logged. With one: 允许出门, who and until when.
    Expired or cancelled: 不允许出门 again. A janitor sees no verdict; the manager reads the permit's state."""
    with db.database.connection_context():
        Tag.create(token='DESKTAG003', campus=school['campus'], item=school['desk'])
    guard, manager, janitor = as_role('guard'), as_role('manager'), as_role('janitor')
    page = guard.get('/t/DESKTAG003').get_data(as_text=True)
    verdict_html = re.search(r'<section class="card gate gate-no" id="gate-verdict".*?</section>', page, re.S).group(0)
    assert '不允许出门' in verdict_html and '此资产没有出门条' in verdict_html
    assert page.index('id="gate-verdict"') < page.index('<h1>课桌</h1>')  # at a glance: before the asset's name
    with db.database.connection_context():
        check = GateCheck.get()
        assert (check.user_id, check.item_id, check.allowed) == (school['users']['guard'].id, school['desk'].id, False)
    guard.get('/t/DESKTAG003')  # a reload is the same check
    with db.database.connection_context():
        assert GateCheck.select().count() == 1
    # The manager issues a permit from the label.
    page = manager.get('/t/DESKTAG003').get_data(as_text=True)
    assert 'gate-verdict' not in page and 'id="permit-state"' in page and '此资产没有出门条' in page
    link = re.search(r'href="(/permits/new\?[^"]+)"', page).group(1).replace('&amp;', '&')
    form = manager.get(link).get_data(as_text=True)
    submission = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    until = utcnow() + 3 * HOUR
    data = {'csrf_token': csrf_token(manager, link), 'item': str(school['desk'].id), 'submission': submission,
            'carrier_name': '王师傅', 'carrier_unit': '总务处', 'reason': '送县城维修',
            'valid_from': local_input(utcnow() - datetime.timedelta(minutes=1), school['campus']),
            'valid_until': local_input(until, school['campus']), 'next': '/t/DESKTAG003'}
    response = manager.post('/permits/new', data=data)
    assert response.status_code == 302 and response.headers['Location'] == '/t/DESKTAG003'
    assert manager.post('/permits/new', data=data).status_code == 302  # a double tap issues one permit
    with db.database.connection_context():
        assert GatePermit.select().count() == 1
        permit = GatePermit.get()
    page = guard.get('/t/DESKTAG003').get_data(as_text=True)
    verdict_html = re.search(r'<section class="card gate gate-ok" id="gate-verdict".*?</section>', page, re.S).group(0)
    assert '允许出门' in verdict_html and '不允许出门' not in verdict_html and '王师傅' in verdict_html
    assert f'有效至 {local_input(until, school["campus"])[5:].replace("T", " ")}' in verdict_html
    assert '送县城维修' in verdict_html
    with db.database.connection_context():  # a new verdict within the two minutes is a new check
        assert [(c.allowed, c.permit_id) for c in GateCheck.select().order_by(GateCheck.id)] == [
            (False, None), (True, permit.id)]
    janitor_page = janitor.get('/t/DESKTAG003').get_data(as_text=True)
    assert 'gate-verdict' not in janitor_page and 'asset-loan' not in janitor_page and 'asset-actions' not in janitor_page
    with db.database.connection_context():
        assert GateCheck.select().count() == 2  # only the guard's scans are gate checks
    # Cancelled: not allowed again.
    manager.post(f'/permits/{permit.id}/cancel', data={'csrf_token': csrf_token(manager, '/permits/')})
    page = guard.get('/t/DESKTAG003').get_data(as_text=True)
    assert 'gate gate-no' in page and '出门条已作废' in page and '王师傅' in page
    listing = guard.get('/permits/').get_data(as_text=True)  # the guard reads the permits and the checks
    assert 'id="n-cancelled">1<' in listing and '不允许出门' in listing and '/cancel' not in listing
    # Expired: not allowed.
    with db.database.connection_context():
        GatePermit.update(cancelled_at=None, valid_until=utcnow() - HOUR).execute()
    page = guard.get('/t/DESKTAG003').get_data(as_text=True)
    assert 'gate gate-no' in page and '出门条已过期' in page


def test_bad_input_to_the_permit_form_changes_nothing(as_role, school):
    with db.database.connection_context():
        other = Campus.create(name='别校', code='other')
        other_place = Place.create(campus=other, name='楼', kind='building')
        foreign = Item.create(campus=other, place=other_place, name='别校课桌', asset_number='KZ-9')
        foreign_permit = GatePermit.create(campus=other, item=foreign, carrier_name='x', reason='x',
                                           valid_from=utcnow(), valid_until=utcnow() + HOUR, submission='foreign')
    manager = as_role('manager')
    campus = school['campus']
    now = utcnow()
    base = {'asset': 'KZ-0001', 'carrier_name': '王师傅', 'reason': '送修',
            'valid_from': local_input(now, campus), 'valid_until': local_input(now + 2 * HOUR, campus)}
    cases = [({'asset': 'KZ-9'}, '本校没有此编号的资产'), ({'carrier_name': ''}, '请填写带出人'),
             ({'carrier_name': '\r\n'}, '请填写带出人'), ({'reason': ''}, '请填写带出校门的原因'),
             ({'valid_until': ''}, '请填写日期和时间'), ({'valid_until': '²'}, '请填写日期和时间'),
             ({'valid_until': '9999-12-31T23:59'}, '请填写日期和时间'), ({'valid_from': 'x' * 100_000}, '请填写日期和时间'),
             ({'valid_until': local_input(now - HOUR, campus)}, '截止时间须晚于开始时间'),
             ({'valid_from': local_input(now + 3 * HOUR, campus)}, '截止时间须晚于开始时间'),
             ({'valid_until': local_input(now + datetime.timedelta(days=40), campus)}, '最长有效 31 天'),
             ({'submission': str(2 ** 64)}, '表单不完整')]
    for extra, message in cases:
        data = {'csrf_token': csrf_token(manager, '/permits/new'), 'submission': SID.format(9), **base, **extra}
        response = manager.post('/permits/new', data=data)
        assert response.status_code == 400, extra
        assert message in response.get_data(as_text=True), (extra, message)
    data = {'csrf_token': csrf_token(manager, '/permits/new'), 'submission': SID.format(9), **base,
            'item': str(foreign.id)}
    assert manager.post('/permits/new', data=data).status_code == 404
    token = csrf_token(manager, '/permits/')
    assert manager.post(f'/permits/{foreign_permit.id}/cancel', data={'csrf_token': token}).status_code == 404
    guard = as_role('guard')
    assert guard.post(f'/permits/{foreign_permit.id}/cancel', data={'csrf_token': token}).status_code in (400, 403)
    with db.database.connection_context():
        assert GatePermit.select().count() == 1 and GatePermit.get().cancelled_at is None


def test_the_permit_register_reads_back(app, school, runner, tmp_path):
    with app.test_request_context(), db.database.connection_context():
        now = utcnow()
        permit = permit_for(school, now - HOUR, now + HOUR, carrier='@SUM(1)')
        record_gate_check(school['desk'], school['users']['guard'], verdict(school['desk'], now), now)
    path = tmp_path / 'permits.xlsx'
    day = school['campus'].today()
    first = (day - datetime.timedelta(days=1)).isoformat()
    result = runner.invoke(args=['houqin', 'ledger', 'permits', '--from', first, '--to', day.isoformat(),
                                 '--out', str(path), '--campus', 'test'])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert [ws.title for ws in book.worksheets] == ['出门条', '门岗查验']
    permits, checks = book.worksheets
    assert '出门条登记表' in permits.cell(1, 1).value
    assert [c.value for c in permits[2]][:5] == ['资产编号', '名称', '带出人', '部门或班级', '原因']
    row = next(permits.iter_rows(min_row=3, values_only=True))
    assert row[:5] == ('KZ-0001', '课桌', '@SUM(1)', '总务处', '送修') and isinstance(row[5], datetime.datetime)
    assert row[7] == 'Manager' and row[9] is None
    check = next(checks.iter_rows(min_row=3, values_only=True))
    assert check[1:] == ('KZ-0001', '课桌', '允许出门', 'Guard', '@SUM(1)') and isinstance(check[0], datetime.datetime)
    assert permits.max_row == 3 and checks.max_row == 3 and permit.id
