"""The permission table written out by hand, and every route × every role (and anonymous): allowed, sent to
log-in, or 403, as that written-out table says.

The route walk is generated from the app's route map: a new route without a rule, or with a URL argument
that has no sample value here, fails it. Its expectations come from ROLE_TABLE below, not from
auth.PERMISSIONS, so a change to the permission table fails both tests until ROLE_TABLE says the same.
"""
import re

import pytest
from helpers import PASSWORD, login, make_app, make_school

from houqin.db import database
from houqin.models import Campus, LabelLayout, Membership, SchoolClass, StocktakeOddity, User
from houqin.permissions import ALL_ROLES, PERMISSIONS, PUBLIC, SIGNED_IN, can
from houqin.vocab import ROLES


# Who may do what, one row per permission, one column per role: ✓ holds it, ✗ does not.
# Change a cell here only together with auth.PERMISSIONS; a new area adds its rows (and a new role a column).
ROLE_TABLE = '''
                    admin   manager guard   janitor teacher repair  canteen viewer  inspector
admin.view          ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
admin.places        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
admin.import        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
admin.users         ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗       ✗
admin.campus        ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗       ✗
photos.view         ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
checklists.edit     ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
scan.clean          ✓       ✓       ✗       ✓       ✗       ✗       ✗       ✗       ✗
scan.inspect        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✓
scan.canteen        ✓       ✓       ✗       ✗       ✗       ✗       ✓       ✗       ✗
scan.use            ✓       ✓       ✗       ✗       ✓       ✗       ✗       ✗       ✗
scan.report         ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
scan.history        ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
scan.activity       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
labels.print        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
labels.layouts      ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗       ✗
repairs.report      ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
repairs.work        ✗       ✗       ✗       ✗       ✗       ✓       ✗       ✗       ✗
repairs.view        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
repairs.manage      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
repairs.configure   ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗       ✗
notify.configure    ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗       ✗
patrol.scan         ✗       ✗       ✓       ✗       ✗       ✗       ✗       ✗       ✗
patrol.duty         ✓       ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗
patrol.manage       ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
patrol.reports      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
routines.view       ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
routines.manage     ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
routines.inspect    ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✓
routines.today      ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
ledgers.export      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
stocktake.view      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
stocktake.manage    ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
stocktake.count     ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
custody.view        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
custody.manage      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
custody.sign        ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
loans.view          ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
loans.manage        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
transfers.request   ✓       ✓       ✗       ✗       ✓       ✗       ✗       ✗       ✗
transfers.approve   ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
permits.view        ✓       ✓       ✓       ✗       ✗       ✗       ✗       ✓       ✓
permits.issue       ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
gate.check          ✗       ✗       ✓       ✗       ✗       ✗       ✗       ✗       ✗
supplies.view       ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
supplies.manage     ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
canteen.view        ✓       ✓       ✗       ✗       ✗       ✗       ✓       ✓       ✓
canteen.record      ✓       ✓       ✗       ✗       ✗       ✗       ✓       ✗       ✗
classes.manage      ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✗       ✗
scores.view         ✓       ✓       ✗       ✗       ✓       ✗       ✗       ✓       ✓
reports.view        ✓       ✓       ✗       ✗       ✗       ✗       ✗       ✓       ✓
scrap.request       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✗       ✓
scrap.sign          ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓       ✓
'''


def read_role_table(text):
    """(roles of the header, {permission: set of roles with ✓}) from a table like ROLE_TABLE."""
    header, *rows = [line.split() for line in text.strip().splitlines()]
    table = {}
    for permission, *cells in rows:
        assert len(cells) == len(header) and set(cells) <= {'✓', '✗'}, f'malformed row {permission}: {cells}'
        assert permission not in table, f'{permission} appears twice'
        table[permission] = {role for role, cell in zip(header, cells) if cell == '✓'}
    return tuple(header), table


TABLE_ROLES, WRITTEN = read_role_table(ROLE_TABLE)


def test_the_permission_table_is_exactly_the_written_one():
    """Every cell of auth.PERMISSIONS against ROLE_TABLE; a permission missing from either side fails."""
    assert TABLE_ROLES == ROLES and set(ROLES) == ALL_ROLES
    assert not sorted(set(PERMISSIONS) - set(WRITTEN)), \
        f'permissions without a row in ROLE_TABLE: {sorted(set(PERMISSIONS) - set(WRITTEN))}'
    assert not sorted(set(WRITTEN) - set(PERMISSIONS)), \
        f'rows in ROLE_TABLE the code does not have: {sorted(set(WRITTEN) - set(PERMISSIONS))}'
    differ = [f'{permission} × {role}: written {"✓" if role in WRITTEN[permission] else "✗"}, '
              f'code {"✓" if role in PERMISSIONS[permission] else "✗"}'
              for permission in WRITTEN for role in ROLES
              if (role in WRITTEN[permission]) != (role in PERMISSIONS[permission])]
    assert not differ, '\n'.join(differ)
    assert all(can(p, role) == (role in WRITTEN[p]) for p in WRITTEN for role in ROLES)
    assert not any(can(p, role) for p in WRITTEN for role in ('', 'norole'))


def sample_args(school):
    """A value for every URL argument name used by a route."""
    with database.connection_context():
        sample = User(username='sample', display_name='Sample')
        sample.set_password('sample-pass-1')
        sample.save()
        Membership.create(user=sample, campus=school['campus'], role='viewer')
        repairs = repair_samples(school)
        layout = LabelLayout.create(campus=school['campus'], name='Sample', page_width=210, page_height=297,
                                    label_width=70, label_height=37, columns=3, rows=8)
        patrol = patrol_samples(school)
        routines = routine_samples(school)
        stocktake = stocktake_samples(school)
        canteen = canteen_samples(school)
        scrap = scrap_samples(school)
        loans = loan_samples(school)
        school_class = SchoolClass.create(campus=school['campus'], grade='初一', name='初一(1)班')
        Campus.update(board_enabled=True).where(Campus.id == school['campus'].id).execute()  # the public board
    return {
        'place_id': school['room'].id,
        'item_id': school['desk'].id,
        'user_id': sample.id,
        'token': 'ABCDEFGH12',
        'filename': 'app.css',
        'photo_id': 1,
        'layout_id': layout.id,
        **repairs,
        'template_id': 1,
        'submission_id': '00000000-0000-4000-8000-000000000000',
        'activity': 'greening',
        **patrol,
        **routines,
        **stocktake,
        **canteen,
        **scrap,
        **custody_samples(school, routines['term_id']),
        **loans,
        'class_id': school_class.id,
        'code': school['campus'].code,
    }


def stocktake_samples(school):
    """An open stocktake of the campus counted by the teacher, for the stocktake pages' URL arguments."""
    from houqin.assets.stocktake import open_stocktake
    from houqin.assets.supplies import add_supply
    take = open_stocktake(school['campus'], school['users']['manager'], name='Sample stocktake',
                          counters=[school['users']['teacher'].id])
    supply = add_supply(school['campus'], name='Sample supply', unit='本')
    oddity = StocktakeOddity.create(stocktake=take, token='BLANKSAMPL', reason='blank', place=school['room'],
                                    user=school['users']['teacher'])
    return {'stocktake_id': take.id, 'line_id': take.lines.first().id, 'supply_id': supply.id, 'oddity_id': oddity.id}


def scrap_samples(school):
    """A scrapping request for the desk, asked by the teacher and waiting for the office."""
    from houqin.models import ScrapRequest
    request = ScrapRequest.create(campus=school['campus'], item=school['desk'], reason='Sample',
                                  submission_id='00000000-0000-4000-8000-000000000002',
                                  requested_by=school['users']['teacher'], place=school['room'])
    return {'scrap_id': request.id}
def loan_samples(school):
    """A loan, a transfer request and an off-campus permit of the desk, for their pages' URL arguments."""
    import datetime
    from houqin.clock import utcnow
    from houqin.models import GatePermit, Loan, Transfer
    campus, desk, manager = school['campus'], school['desk'], school['users']['manager']
    loan = Loan.create(campus=campus, item=desk, borrower_name='样例', lent_on=datetime.date(2026, 9, 1),
                       due_on=datetime.date(2026, 9, 8), lent_by=manager, submission='sample-loan')
    transfer = Transfer.create(campus=campus, item=desk, from_place=school['room'], to_place=school['floor'],
                               reason='样例', requested_by=manager, submission='sample-transfer')
    permit = GatePermit.create(campus=campus, item=desk, carrier_name='样例', reason='样例', valid_from=utcnow(),
                               valid_until=utcnow() + datetime.timedelta(hours=2), issued_by=manager,
                               submission='sample-permit')
    return {'loan_id': loan.id, 'transfer_id': transfer.id, 'permit_id': permit.id}


def routine_samples(school):
    """A routine and a term, for the routine and calendar pages' URL arguments."""
    import datetime
    from houqin.models import Routine, Term
    routine = Routine.create(campus=school['campus'], name='Sample routine', activity='cleaning',
                             target_kind='classroom', role='janitor', schedule={'type': 'daily'})
    term = Term.create(campus=school['campus'], name='Sample term', starts_on=datetime.date(2026, 9, 1),
                       ends_on=datetime.date(2027, 1, 20))
    return {'routine_id': routine.id, 'term_id': term.id}


def custody_samples(school, term_id):
    """A class with the test classroom, its head teacher the teacher, and its custody list for the sample term."""
    from houqin.assets.custody import generate_lists
    from houqin.models import CustodyLine, Place, Term
    school_class = SchoolClass.create(campus=school['campus'], grade='二年级', name='二年级(1)班',
                                      head_teacher=school['users']['teacher'])
    Place.update(school_class=school_class).where(Place.id == school['room'].id).execute()
    generate_lists(school['campus'], Term.get_by_id(term_id))
    line = CustodyLine.select().order_by(CustodyLine.id).first()
    return {'custody_id': line.custody_id, 'custody_line_id': line.id}


def canteen_samples(school):
    """A canteen worker, for the canteen's staff page."""
    from houqin.models import CanteenStaff
    staff = CanteenStaff.create(campus=school['campus'], name='样例员工')
    return {'staff_id': staff.id}


def patrol_samples(school):
    """A patrol route with a stop, a guard's scan at it and a holiday, for the patrol pages' URL arguments."""
    import datetime
    from houqin.models import Holiday, PatrolScan, Record, Route, RouteStop, Tag
    campus, guard = school['campus'], school['users']['guard']
    route = Route.create(campus=campus, name='Sample route')
    stop = RouteStop.create(route=route, place=school['room'], position=0)
    record = Record.create(uuid='00000000-0000-4000-8000-000000000001', campus=campus, place=school['room'],
                           tag=Tag.get(Tag.token == 'ABCDEFGH12'), activity='patrol', user=guard)
    scan = PatrolScan.create(campus=campus, route=route, stop=stop, place=school['room'], record=record, user=guard)
    holiday = Holiday.create(campus=campus, name='Sample holiday', starts_on=datetime.date(2026, 10, 1),
                             ends_on=datetime.date(2026, 10, 7))
    return {'route_id': route.id, 'stop_id': stop.id, 'scan_id': scan.id, 'holiday_id': holiday.id}


def routes(app):
    """(endpoint, rule, method) for every route but static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            yield rule.endpoint, rule, method


def permission_of(app, endpoint):
    return getattr(app.view_functions[endpoint], 'permission', None)


def test_every_route_names_a_rule(app):
    """A view without @requires(...) is a hole in the permission table."""
    missing = sorted({e for e, _r, _m in routes(app) if permission_of(app, e) is None})
    assert not missing, f'routes without a permission rule: {missing}'
    unknown = sorted({p for e, _r, _m in routes(app) for p in [permission_of(app, e)]
                      if p not in PERMISSIONS and p not in (PUBLIC, SIGNED_IN)})
    assert not unknown


def expected(permission, role):
    """'allow', 'login' or 'deny' for a role (None = anonymous, '' = signed in without a role), as ROLE_TABLE says."""
    if permission == PUBLIC:
        return 'allow'
    if role is None:
        return 'login'
    if permission == SIGNED_IN or role in WRITTEN[permission]:
        return 'allow'
    return 'deny'


def outcome(response):
    if response.status_code == 403:
        return 'deny'
    if response.status_code == 302 and '/login?next=' in response.headers['Location']:
        return 'login'
    return 'allow'


@pytest.fixture
def nocsrf_app(database_url, tmp_path):
    # CSRF runs before the view; off here so POST routes reach the permission check.
    # test_csrf_guards_every_post_route checks CSRF itself.
    return make_app(database_url, tmp_path, WTF_CSRF_ENABLED=False)


def test_route_role_matrix(nocsrf_app):
    app = nocsrf_app
    school = make_school()
    args = sample_args(school)
    failures = []
    for role in (None, '', *ROLES):
        client = app.test_client()
        if role is not None:
            r = login(client, role or 'norole', PASSWORD)
            assert r.status_code == 302
        # Signing out last, so the rest of the matrix runs signed in.
        for endpoint, rule, method in sorted(routes(app), key=lambda r: {'accounts.sign_out_everywhere': 1, 'accounts.logout': 2}.get(r[0], 0)):
            names = set(rule.arguments)
            unknown = names - set(args)
            if unknown:
                failures.append(f'{rule.rule}: no sample value for {sorted(unknown)} in SAMPLE args')
                continue
            permission = permission_of(app, endpoint)
            if permission not in WRITTEN and permission not in (PUBLIC, SIGNED_IN):
                failures.append(f'{rule.rule}: permission {permission!r} has no row in ROLE_TABLE')
                continue
            url = rule.build({n: args[n] for n in names})[1]
            response = client.open(url, method=method)
            if response.status_code >= 500:
                failures.append(f'{method} {url} as {role!r}: {response.status_code}')
                continue
            want, got = expected(permission, role), outcome(response)
            if want != got:
                failures.append(f'{method} {url} as {role!r}: expected {want}, got {got} ({response.status_code})')
    assert not failures, '\n'.join(failures)


def test_csrf_guards_every_post_route(app, school):
    """A state change without the CSRF token is refused, for everyone."""
    client = app.test_client()
    login(client, 'admin')
    args = sample_args(school)
    for endpoint, rule, method in routes(app):
        if method != 'POST':
            continue
        url = rule.build({n: args[n] for n in rule.arguments})[1]
        response = client.post(url, data={})
        assert response.status_code == 400, f'{url} accepted a POST without a CSRF token'
        assert re.search('表单已过期|expired', response.get_data(as_text=True))


def repair_samples(school):
    """A work order and a notification channel, for the repair pages' URL arguments."""
    from houqin.models import NotificationChannel, WorkOrder
    order = WorkOrder.create(campus=school['campus'], year=2026, sequence=1, place=school['room'], title='Sample',
                             reporter=school['users']['teacher'])
    channel = NotificationChannel.create(campus=school['campus'], name='Sample', kind='webhook',
                                         url='http://127.0.0.1:9/hook', active=False)
    return {'order_id': order.id, 'secret': order.follow_secret, 'channel_id': channel.id}
