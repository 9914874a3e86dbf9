"""The work-order transition table written out by hand: status × action × actor → allowed, or refused and why.

Every cell is tried through real HTTP (POST /repairs/<id>/act, signed in, with the CSRF token) on an order
put in that status; the exact status code is checked, and a refused request must change nothing.
The table pins repairs/workflow.py TRANSITIONS: a change there fails here until this table says the same,
and a new action or status must add its rows and columns.
"""
import io
import re

import pytest
from PIL import Image
from helpers import PASSWORD_HASH, PG_URL, csrf_token, login, make_app, make_school, new_pg_schema

from houqin import db
from houqin.clock import utcnow
from houqin.models import Membership, Outbox, Photo, User, WorkOrder, WorkOrderEvent
from houqin.repairs.workflow import ALL_STATUSES, FINAL_STATUSES, TRANSITIONS, join_order, report_problem

# Columns: the order's status before the action.
#   rep  reported, assigned to the assignee   rep* reported, nobody assigned yet (every repair worker may take it)
#   acc  accepted    prog in_progress    done done    ver verified    clo closed    rej rejected    mer merged
# Actors, on an order the teacher "reporter" reported and the assignee works on:
#   admin, manager, viewer   their campus roles (they see every order)
#   reporter                 the teacher who reported it
#   teacher                  another teacher, who reported the same problem (joined) and so sees the order
#   assignee                 the repair worker whose job it is
#   repair                   another repair worker
# Cells: 403 refused for who the actor is (in any status), 409 refused for the status (the actor could, but
# not now), else allowed, and the order's status after it (rep* counts as rep).
TRANSITION_TABLE = '''
            rep   rep*  acc   prog  done  ver   clo   rej   mer
accept:
  admin     403   403   403   403   403   403   403   403   403
  manager   403   403   403   403   403   403   403   403   403
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  acc   acc   409   409   409   409   409   409   409
  repair    403   acc   403   403   403   403   403   403   403
assign:
  admin     acc   acc   acc   prog  409   409   409   409   409
  manager   acc   acc   acc   prog  409   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
start:
  admin     prog  prog  prog  409   409   409   409   409   409
  manager   prog  prog  prog  409   409   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  prog  prog  prog  409   409   409   409   409   409
  repair    403   prog  403   403   403   403   403   403   403
finish:
  admin     409   409   409   done  409   409   409   409   409
  manager   409   409   409   done  409   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  409   409   409   done  409   409   409   409   409
  repair    403   409   403   403   403   403   403   403   403
verify:
  admin     409   409   409   409   ver   409   409   409   409
  manager   409   409   409   409   ver   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  409   409   409   409   ver   409   409   409   409
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
reopen:
  admin     409   409   409   409   acc   acc   409   409   409
  manager   409   409   409   409   acc   acc   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  409   409   409   409   acc   acc   409   409   409
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
close:
  admin     409   409   409   409   clo   clo   409   409   409
  manager   409   409   409   409   clo   clo   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
reject:
  admin     rej   rej   rej   409   409   409   409   409   409
  manager   rej   rej   rej   409   409   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
merge:
  admin     mer   mer   mer   mer   409   409   409   409   409
  manager   mer   mer   mer   mer   409   409   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
classify:
  admin     rep   rep   acc   prog  done  ver   409   409   409
  manager   rep   rep   acc   prog  done  ver   409   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
compensate:
  admin     409   409   409   409   done  ver   clo   409   409
  manager   409   409   409   409   done  ver   clo   409   409
  viewer    403   403   403   403   403   403   403   403   403
  reporter  403   403   403   403   403   403   403   403   403
  teacher   403   403   403   403   403   403   403   403   403
  assignee  403   403   403   403   403   403   403   403   403
  repair    403   403   403   403   403   403   403   403   403
comment:
  admin     rep   rep   acc   prog  done  ver   clo   rej   mer
  manager   rep   rep   acc   prog  done  ver   clo   rej   mer
  viewer    403   403   403   403   403   403   403   403   403
  reporter  rep   rep   acc   prog  done  ver   clo   rej   mer
  teacher   403   403   403   403   403   403   403   403   403
  assignee  rep   rep   acc   prog  done  ver   clo   rej   mer
  repair    rep   rep   acc   prog  done  ver   clo   rej   mer
join:
  admin     rep   rep   acc   prog  done  ver   409   409   409
  manager   rep   rep   acc   prog  done  ver   409   409   409
  viewer    rep   rep   acc   prog  done  ver   409   409   409
  reporter  rep   rep   acc   prog  done  ver   409   409   409
  teacher   rep   rep   acc   prog  done  ver   409   409   409
  assignee  rep   rep   acc   prog  done  ver   409   409   409
  repair    rep   rep   acc   prog  done  ver   409   409   409
'''
# Signed-in people the order is not shown to (they neither reported nor joined it, and their role does not
# see every order): 404 for every action in every status, as for an order that does not exist.
NOT_SHOWN = ('guard', 'janitor', 'canteen', 'bystander')  # bystander: a teacher who did not report it

STATUS_OF = {'rep': 'reported', 'rep*': 'reported', 'acc': 'accepted', 'prog': 'in_progress', 'done': 'done',
             'ver': 'verified', 'clo': 'closed', 'rej': 'rejected', 'mer': 'merged'}
ACTORS = ('admin', 'manager', 'viewer', 'reporter', 'teacher', 'assignee', 'repair')
# The refusal the order page shows (Chinese, the default language).
FORBIDDEN_TEXT = '您不能对此工单执行'
SOMEONE_ELSES_TEXT = '此工单已派给别人。'
NOT_NOW_TEXT = re.compile('此工单当前为“[^”]+”，现在不能“[^”]+”。')


def read_transition_table(text):
    """(columns, {action: {actor: {column: cell}}}) from a table like TRANSITION_TABLE."""
    header, *lines = text.strip().splitlines()
    columns = tuple(header.split())
    table, action = {}, None
    for line in lines:
        words = line.split()
        if len(words) == 1 and words[0].endswith(':'):
            action = words[0][:-1]
            assert action not in table, f'{action} appears twice'
            table[action] = {}
            continue
        actor, *cells = words
        assert len(cells) == len(columns), f'{action} {actor}: {len(cells)} cells for {len(columns)} columns'
        assert set(cells) <= {'403', '409'} | set(STATUS_OF), f'{action} {actor}: unknown cell in {cells}'
        assert actor not in table[action], f'{action} {actor} appears twice'
        table[action][actor] = dict(zip(columns, cells))
    return columns, table


COLUMNS, TABLE = read_transition_table(TRANSITION_TABLE)


def test_the_written_table_has_every_action_status_and_actor():
    """A new action or status in the workflow fails here until the table has its rows and column."""
    assert list(TABLE) == list(TRANSITIONS)
    assert COLUMNS == tuple(STATUS_OF) and set(STATUS_OF.values()) == set(ALL_STATUSES)
    for action, rows in TABLE.items():
        assert tuple(rows) == ACTORS, action


def jpeg():
    out = io.BytesIO()
    Image.new('RGB', (40, 30), 'green').save(out, 'JPEG')
    out.seek(0)
    return out, 'done.jpg'


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """One app, campus and set of signed-in actors for this module; every test makes its own orders.

    (The conftest fixtures are per test; signing eleven people in on a fresh PostgreSQL schema for each of
    the table's actions would be most of this file's run time.)
    """
    folder = tmp_path_factory.mktemp('rules')
    url, drop = new_pg_schema(PG_URL) if PG_URL else ('sqlite:///' + str(folder / 'test.sqlite3'), None)
    app = make_app(url, folder)
    school = make_school()
    users = dict(school['users'])
    with db.database.connection_context():
        for username, role in (('teacher2', 'teacher'), ('repair2', 'repair'), ('bystander', 'teacher')):
            users[username] = User.create(username=username, display_name=username.title(),
                                          password_hash=PASSWORD_HASH)
            Membership.create(user=users[username], campus=school['campus'], role=role)
    people = {'admin': 'admin', 'manager': 'manager', 'viewer': 'viewer', 'reporter': 'teacher',
              'teacher': 'teacher2', 'assignee': 'repair', 'repair': 'repair2', 'guard': 'guard',
              'janitor': 'janitor', 'canteen': 'canteen', 'bystander': 'bystander'}
    cast = {}
    for actor, username in people.items():
        client = app.test_client()
        assert login(client, username).status_code == 302
        cast[actor] = Actor(client, users[username], csrf_token(client, '/account'))
    yield app, school, cast
    if not db.database.is_closed():
        db.database.close()
    if drop:
        drop()


class Actor:
    """A signed-in test client, its user and its CSRF token."""

    def __init__(self, client, user, token):
        self.client, self.user, self.token = client, user, token

    def act(self, order_id, action, assignee, into):
        """POST one action with every input any action needs, so that only the table decides."""
        data = {'csrf_token': self.token, 'action': action, 'note': '按规则表', 'assignee': assignee.id,
                'into': into, 'category': 'electrical', 'priority': 'high', 'liable_party': '五(2)班 李明',
                'compensation': '30'}
        if action == 'finish':
            data['photos'] = jpeg()
        return self.client.post(f'/repairs/{order_id}/act', data=data, content_type='multipart/form-data')


def order_in(school, cast, column, title):
    """A new order the reporter reported and the teacher joined, put in the column's status (call inside an
    app context with a connection); returns its id."""
    status = STATUS_OF[column]
    order = report_problem(school['campus'], place=school['room'], title=title, reporter=cast['reporter'].user)
    join_order(order, reporter=cast['teacher'].user, note='我也看到了')
    target = None
    if status == 'merged':
        target = report_problem(school['campus'], place=school['room'], title='merged into this').id
    WorkOrder.update(status=status, assignee=None if column == 'rep*' else cast['assignee'].user,
                     closed_at=utcnow() if status in FINAL_STATUSES else None, merged_into=target,
                     updated_at=utcnow()).where(WorkOrder.id == order.id).execute()
    return order.id


def snapshot(order_ids):
    """What refused requests must leave as it was: the orders' rows and the number of everything actions write
    (call with a connection)."""
    rows = {o.id: dict(o.__data__) for o in WorkOrder.select().where(WorkOrder.id.in_(list(order_ids)))}
    return rows, WorkOrderEvent.select().count(), Photo.select().count(), Outbox.select().count()


def refusal_problem(response, action, actor, want):
    """What is wrong with the answer to a cell the table refuses, or None."""
    if response.status_code != int(want):
        return f'expected {want}, got {response.status_code}'
    html = response.get_data(as_text=True)
    if want == '409' and not NOT_NOW_TEXT.search(html):
        return '409 without the "not possible now" message'
    text = SOMEONE_ELSES_TEXT if actor == 'repair' and action in ('accept', 'start', 'finish') else FORBIDDEN_TEXT
    if want == '403' and text not in html:
        return f'403 without the message {text!r}'
    return None


def allowed_problem(order, events, photos, action, actor, column, want, cast):
    """What is wrong with an order after a cell the table allows, or None (call with a connection)."""
    user = cast[actor].user
    if order.status != STATUS_OF[want]:
        return f'the order is {order.status}, not {STATUS_OF[want]}'
    last = events[-1]
    if len(events) != 3 or (last.action, last.from_status, last.to_status, last.actor_id) != \
            (action, STATUS_OF[column], STATUS_OF[want], user.id):
        return f'its event is missing or wrong: {[(e.action, e.from_status, e.to_status) for e in events]}'
    if photos != (1 if action == 'finish' else 0):
        return f'{photos} photos with its event'
    if column != 'rep*' or action == 'assign':
        taker = cast['assignee'].user.id
    elif action in ('accept', 'start'):
        taker = user.id  # taking an unassigned job makes it one's own
    else:
        taker = None
    if order.assignee_id != taker:
        return f'assigned to user {order.assignee_id}, not {taker}'
    return None


@pytest.mark.parametrize('action', list(TABLE))
def test_every_cell_of_the_transition_table_through_http(world, action):
    """Refused cells on one order per status (each must leave it as it was), allowed cells each on a new one."""
    app, school, cast = world
    assignee = cast['assignee'].user
    cells = [(actor, column, want) for actor, row in TABLE[action].items() for column, want in row.items()]
    with app.test_request_context('/'), db.database.connection_context():
        into = report_problem(school['campus'], place=school['room'], title='the order kept').number
        shared = {column: order_in(school, cast, column, f'{action} {column}') for column in COLUMNS}
        fresh = {(actor, column): order_in(school, cast, column, f'{action} {actor} {column}')
                 for actor, column, want in cells if want not in ('403', '409')}
        before = snapshot(shared.values())
    failures = []
    for actor, column, want in cells:
        if want in ('403', '409'):
            response = cast[actor].act(shared[column], action, assignee, into)
            problem = refusal_problem(response, action, actor, want)
            if problem:
                failures.append(f'{action} × {actor} × {column}: {problem}')
            if response.status_code < 400:  # it went through: the next cells need an order in this status again
                with app.test_request_context('/'), db.database.connection_context():
                    shared[column] = order_in(school, cast, column, f'{action} {column} again')
                    before = snapshot(shared.values())
    with db.database.connection_context():
        if snapshot(shared.values()) != before:
            failures.append(f'{action}: a refused request changed an order or wrote something')
    answers = {(actor, column): cast[actor].act(fresh[actor, column], action, assignee, into)
               for actor, column, want in cells if want not in ('403', '409')}
    with db.database.connection_context():
        for actor, column, want in cells:
            if want in ('403', '409'):
                continue
            order_id, response = fresh[actor, column], answers[actor, column]
            if response.status_code != 302 or response.headers['Location'] != f'/repairs/{order_id}':
                failures.append(f'{action} × {actor} × {column}: expected allowed (302 to the order), '
                                f'got {response.status_code}')
                continue
            events = list(WorkOrderEvent.select().where(WorkOrderEvent.order == order_id)
                          .order_by(WorkOrderEvent.id))
            photos = Photo.select().where(Photo.event == events[-1].id).count()
            problem = allowed_problem(WorkOrder.get_by_id(order_id), events, photos, action, actor, column, want,
                                      cast)
            if problem:
                failures.append(f'{action} × {actor} × {column}: allowed, but {problem}')
    assert not failures, '\n'.join(failures)


def test_orders_not_shown_to_someone_are_404_for_every_action(world):
    """404 as for an order that does not exist: every such actor, every status, every action."""
    app, school, cast = world
    assignee = cast['assignee'].user
    with app.test_request_context('/'), db.database.connection_context():
        into = report_problem(school['campus'], place=school['room'], title='the order kept').number
        orders = {column: order_in(school, cast, column, f'not shown {column}') for column in COLUMNS}
        before = snapshot(orders.values())
    failures = []
    for actor in NOT_SHOWN:
        for column, order_id in orders.items():
            code = cast[actor].client.get(f'/repairs/{order_id}').status_code
            if code != 404:
                failures.append(f'GET × {actor} × {column}: expected 404, got {code}')
            # Every action on the reported order, and in every status the one most people may take.
            for action in TRANSITIONS if column == 'rep' else ('comment',):
                code = cast[actor].act(order_id, action, assignee, into).status_code
                if code != 404:
                    failures.append(f'{action} × {actor} × {column}: expected 404, got {code}')
    assert not failures, '\n'.join(failures)
    with db.database.connection_context():
        assert snapshot(orders.values()) == before


def test_an_unknown_action_or_a_missing_token_is_a_bad_request_and_changes_nothing(world):
    app, school, cast = world
    manager, assignee = cast['manager'], cast['assignee'].user
    with app.test_request_context('/'), db.database.connection_context():
        order_id = order_in(school, cast, 'rep', 'unknown action')
        before = snapshot([order_id])
    response = manager.act(order_id, 'fly', assignee, '')
    assert response.status_code == 400 and '未知的操作。' in response.get_data(as_text=True)
    response = manager.client.post(f'/repairs/{order_id}/act', data={'action': 'reject', 'note': '没有令牌'})
    assert response.status_code == 400
    with db.database.connection_context():
        assert snapshot([order_id]) == before
