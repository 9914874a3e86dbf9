"""Transfers (部门转移, issue 16): a teacher asks from the asset's label, a manager approves and the register moves in
the same transaction as the audit log; the four-eyes rule (not one's own request, but the admin); refusing;
a second approval — one after the other, or two approvers at the very same moment — applies nothing; bad input."""
import re

from helpers import csrf_token
from test_races import Meeting, in_a_transaction, in_app, race

from houqin import db
from houqin.assets.transfers import TransferRefused, check_move, decide, request_transfer
from houqin.models import AuditLog, Campus, Item, Place, Tag, Transfer

SID = '22222222-2222-4222-8222-{:012d}'


def new_room(school, name='102教室'):
    return Place.create(campus=school['campus'], parent=school['floor'], name=name, kind='classroom')


def ask(school, to_place, who='teacher', submission=SID.format(1), **extra):
    """A request through the domain functions: the desk to a place (and what extra says)."""
    form = {'to_place': str(to_place.id) if to_place else '', 'reason': '调整教室', **extra}
    move, errors = check_move(school['campus'], form, item=Item.get_by_id(school['desk'].id))
    assert not errors, errors
    return request_transfer(school['campus'], move, school['users'][who], submission)[0]


def test_a_teacher_asks_from_the_label_and_a_manager_approves(as_role, school):
    with db.database.connection_context():
        room2 = new_room(school)
        Tag.create(token='DESKTAG002', campus=school['campus'], item=school['desk'])
    teacher, manager = as_role('teacher'), as_role('manager')
    page = teacher.get('/t/DESKTAG002').get_data(as_text=True)
    link = re.search(r'href="(/transfers/new\?[^"]+)"', page).group(1).replace('&amp;', '&')
    assert '/loans/new' not in page and 'gate-verdict' not in page  # a teacher neither lends nor checks the gate
    form = teacher.get(link).get_data(as_text=True)
    submission = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    data = {'csrf_token': csrf_token(teacher, link), 'item': str(school['desk'].id), 'submission': submission,
            'to_place': str(room2.id), 'to_department': '初二年级', 'to_custodian': '王老师', 'reason': '换教室',
            'next': '/t/DESKTAG002'}
    assert teacher.post('/transfers/new', data=data).headers['Location'] == '/t/DESKTAG002'
    assert teacher.post('/transfers/new', data=data).status_code == 302  # a double tap asks once
    with db.database.connection_context():
        assert Transfer.select().count() == 1
        transfer = Transfer.get()
        assert (transfer.from_place_id, transfer.to_place_id, transfer.requested_by_id) == (
            school['room'].id, room2.id, school['users']['teacher'].id)
    mine = teacher.get('/transfers/').get_data(as_text=True)
    assert 'id="n-waiting">1<' in mine and '/decide' not in mine
    assert teacher.post(f'/transfers/{transfer.id}/decide', data={'csrf_token': csrf_token(teacher, '/transfers/'),
                                                                  'decision': 'approve'}).status_code == 403
    board = manager.get('/transfers/').get_data(as_text=True)
    assert '换教室' in board and '位置：教学楼 › 一楼 › 101教室 → 教学楼 › 一楼 › 102教室' in board
    token = csrf_token(manager, '/transfers/')
    manager.post(f'/transfers/{transfer.id}/decide', data={'csrf_token': token, 'decision': 'approve'})
    page = manager.get('/transfers/').get_data(as_text=True)
    assert '转移已批准，资产登记已更新。' in page and 'id="n-waiting">0<' in page
    again = manager.post(f'/transfers/{transfer.id}/decide', data={'csrf_token': token, 'decision': 'refuse'})
    assert again.status_code == 302
    assert '此转移申请已审批过，未作任何更改。' in manager.get('/transfers/').get_data(as_text=True)
    with db.database.connection_context():
        desk = Item.get_by_id(school['desk'].id)
        assert (desk.place_id, desk.custodian, desk.attributes.get('department')) == (room2.id, '王老师', '初二年级')
        stored = Transfer.get_by_id(transfer.id)
        assert (stored.status, stored.decided_by_id) == ('approved', school['users']['manager'].id)
        moved = AuditLog.get((AuditLog.entity == 'item') & (AuditLog.row_id == desk.id))
        assert moved.before['place'] == school['room'].id and moved.after['place'] == room2.id
        assert moved.user_id == school['users']['manager'].id
        assert AuditLog.select().where(AuditLog.entity == 'transfer').count() == 2  # asked, approved


def test_the_four_eyes_rule_and_refusing(app, school):
    """A manager never approves their own request (the admin may: a small school may have no one else); refusing
    one's own is withdrawing it; a refusal leaves the register alone."""
    with app.test_request_context(), db.database.connection_context():
        room2 = new_room(school)
        own = ask(school, room2, who='manager')
        try:
            decide(own, school['users']['manager'], 'manager', 'approve')
            raise AssertionError('approved own request')
        except TransferRefused as refused:
            assert '本人提出' in str(refused)
        assert Transfer.get_by_id(own.id).status == 'requested'
        decided = decide(own, school['users']['manager'], 'manager', 'refuse', note='不用了')
        assert (decided.status, decided.decision_note) == ('refused', '不用了')
        assert Item.get_by_id(school['desk'].id).place_id == school['room'].id
        admin_own = ask(school, room2, who='admin', submission=SID.format(2))
        assert decide(admin_own, school['users']['admin'], 'admin', 'approve').status == 'approved'
        assert Item.get_by_id(school['desk'].id).place_id == room2.id
        for role in ('teacher', 'viewer'):
            later = ask(school, school['room'], submission=SID.format(3 if role == 'teacher' else 4))
            try:
                decide(later, school['users'][role], role, 'approve')
                raise AssertionError(f'{role} approved')
            except TransferRefused:
                pass
        try:
            decide(later, school['users']['manager'], 'manager', 'maybe')
            raise AssertionError('an unknown decision was taken')
        except TransferRefused:
            pass


def test_bad_input_to_the_request_form_changes_nothing(as_role, school):
    with db.database.connection_context():
        other = Campus.create(name='别校', code='other')
        other_place = Place.create(campus=other, name='楼', kind='building')
        foreign = Item.create(campus=other, place=other_place, name='别校课桌', asset_number='KZ-9')
        room2 = new_room(school)
    manager = as_role('manager')
    base = {'asset': 'KZ-0001', 'to_place': str(room2.id), 'reason': '换教室'}
    cases = [({'asset': ''}, '本校没有此编号的资产'), ({'asset': 'KZ-9'}, '本校没有此编号的资产'),
             ({'to_place': str(other_place.id)}, '请选择本校的场所'), ({'to_place': str(2 ** 64)}, '请选择本校的场所'),
             ({'to_place': '²'}, '请选择本校的场所'), ({'to_place': '-1'}, '请选择本校的场所'),
             ({'to_place': str(school['room'].id)}, '请选择与现在不同的位置、部门或保管人'),
             ({'to_place': ''}, '请选择与现在不同的位置、部门或保管人'),
             ({'reason': ''}, '请填写转移原因'), ({'reason': '\r\n'}, '请填写转移原因'),
             ({'reason': 'x' * 100_000, 'asset': 'y' * 100_000}, '本校没有此编号的资产'),
             ({'submission': ''}, '表单不完整')]
    for extra, message in cases:
        data = {'csrf_token': csrf_token(manager, '/transfers/new'), 'submission': SID.format(9), **base, **extra}
        response = manager.post('/transfers/new', data=data)
        assert response.status_code == 400, extra
        assert message in response.get_data(as_text=True), (extra, message)
    data = {'csrf_token': csrf_token(manager, '/transfers/new'), 'submission': SID.format(9), **base,
            'item': str(foreign.id)}
    assert manager.post('/transfers/new', data=data).status_code == 404
    token = csrf_token(manager, '/transfers/')
    assert manager.post(f'/transfers/{2 ** 64}/decide', data={'csrf_token': token}).status_code == 404
    with db.database.connection_context():
        foreign_request = Transfer.create(campus=other, item=foreign, reason='x', submission='foreign')
    assert manager.post(f'/transfers/{foreign_request.id}/decide',
                        data={'csrf_token': token, 'decision': 'approve'}).status_code == 404
    with db.database.connection_context():
        assert Transfer.select().count() == 1 and Transfer.get().status == 'requested'


def test_two_approvers_at_the_same_moment_apply_the_transfer_once(app, school, monkeypatch):
    """The manager and the admin approve the same request at once. On PostgreSQL both read it as waiting before
    either writes; the guarded UPDATE (… WHERE status = 'requested') lets one through and the other, after the
    row lock, matches nothing and is refused. On SQLite the write transaction holds the lock from BEGIN, so the
    second reads it approved and is refused. Either way one approval, one move of the asset, one audit entry."""
    with app.test_request_context(), db.database.connection_context():
        room2 = new_room(school)
        transfer = ask(school, room2, who='teacher')
    sqlite = db.is_sqlite()
    meeting = Meeting('begin' if sqlite else 'lookup')
    meeting.wrap_lookup(monkeypatch, Transfer, 'get_by_id', in_a_transaction)
    if sqlite:
        meeting.watch_begin(monkeypatch)
    approvers = [(school['users']['manager'], 'manager'), (school['users']['admin'], 'admin')]

    def approve(user, role):
        return in_app(app, lambda: decide(Transfer(id=transfer.id), user, role, 'approve'))
    outcomes = race(*(approve(u, r) for u, r in approvers))
    won = [i for i, (_t, error) in enumerate(outcomes) if error is None]
    assert len(won) == 1, outcomes
    assert isinstance(outcomes[1 - won[0]][1], TransferRefused)
    assert str(outcomes[1 - won[0]][1]) == 'This transfer was decided already; nothing was changed.'
    if not sqlite:
        assert [looks[0].status for looks in meeting.looked.values()] == ['requested', 'requested']
    with db.database.connection_context():
        stored = Transfer.get_by_id(transfer.id)
        assert (stored.status, stored.decided_by_id) == ('approved', approvers[won[0]][0].id)
        assert Item.get_by_id(school['desk'].id).place_id == room2.id
        moves = AuditLog.select().where((AuditLog.entity == 'item') & (AuditLog.row_id == school['desk'].id))
        assert moves.count() == 1
