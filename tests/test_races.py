"""Races run on purpose, every time: two threads, each with its own database connection, meet at a barrier.

A race between two requests only matters when both have made their check before either writes. Left to chance
that happens now and then (issue 17: the scan race ran in 2 of 5 runs), so these tests make it happen: the real
lookup the code makes (`Record.get_or_none`, `WorkOrder.get_by_id`, `PatrolRun.get_or_none`) is wrapped so
that, in each racing thread, its first call returns only when the other racer has got as far. Nothing is
mocked: the real function runs, on the real database, through the real code path; the wrapper only holds a
thread for a moment. What stops the loser is then the database itself (a unique index, a row lock, the SQLite
write lock) and the code's answer to it, which is what each test checks.

Where the two racers meet depends on the transaction. After a lookup outside any transaction, or in a
PostgreSQL transaction, both racers can have looked before either writes, so they meet there (a barrier). A
SQLite write transaction (BEGIN IMMEDIATE) holds the write lock from its first statement, so the second
racer cannot look until the first has committed: the first racer, after its lookup, waits until the other is
beginning its transaction, i.e. waiting for that lock — as concurrent as SQLite allows.
"""
import collections
import datetime
import re
import threading

import pytest
from flask_babel import force_locale
from helpers import PASSWORD_HASH, csrf_token, login
from peewee import Expression
from test_patrol_helpers import local, make_route

from houqin import db
from houqin.models import (Membership, NotificationChannel, Outbox, PatrolRun, Record, Tag, User, WorkOrder,
                           WorkOrderEvent)
from houqin.patrol.checkpoints import record_scan
from houqin.patrol.evaluation import evaluate_round
from houqin.patrol.plans import route_rounds
from houqin.repairs.workflow import TransitionRefused, apply_action, report_problem
from houqin.scan.records import client_key

TIMEOUT = 30  # seconds a racer waits for the other before the test fails (instead of hanging)
RACER = 'racer-'


def racer_name():
    """'racer-0' / 'racer-1' in a racing thread, else None (the test's own thread is never held)."""
    name = threading.current_thread().name
    return name if name.startswith(RACER) else None


class Meeting:
    """Holds each racer after its first matching lookup until the other racer has got as far.

    meet='lookup': until the other has made its lookup too (a barrier of two).
    meet='begin': until the other has made its lookup or is beginning a transaction (SQLite BEGIN IMMEDIATE,
    where the other waits for the write lock this racer holds and cannot look before it commits).
    `looked[racer]` keeps what every matching lookup of each racer returned, in order.
    """

    def __init__(self, meet):
        self.meet = meet
        self.barrier = threading.Barrier(2, timeout=TIMEOUT)
        self.looked = collections.defaultdict(list)
        self.arrived = set()
        self.changed = threading.Condition()

    def arrive(self, racer):
        with self.changed:
            self.arrived.add(racer)
            self.changed.notify_all()

    def wait_for_the_other(self, racer):
        if self.meet == 'lookup':
            self.barrier.wait()
            return
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.arrived - {racer}) == 1, timeout=TIMEOUT), \
                'the other racer never began its transaction'

    def wrap_lookup(self, monkeypatch, model, name, matches):
        """Replace model.name by the real lookup followed, in a racer's first matching call, by the meeting."""
        real = getattr(model, name)

        def lookup(*args, **kwargs):
            result = real(*args, **kwargs)
            racer = racer_name()
            if racer is not None and matches(*args, **kwargs):
                self.looked[racer].append(result)
                if len(self.looked[racer]) == 1:
                    self.arrive(racer)
                    self.wait_for_the_other(racer)
            return result
        monkeypatch.setattr(model, name, staticmethod(lookup))

    def watch_begin(self, monkeypatch):
        """Note when a racer begins a transaction (before the real BEGIN, which may wait for the lock)."""
        database = db.database.obj
        real = database.begin

        def begin(*args, **kwargs):
            racer = racer_name()
            if racer is not None:
                self.arrive(racer)
            return real(*args, **kwargs)
        monkeypatch.setattr(database, 'begin', begin)


def race(*calls, setup=None):
    """Run each call in its own racing thread, with its own database connection; returns [(result, error)]."""
    outcomes = [(None, None)] * len(calls)

    def run(i, call):
        try:
            outcomes[i] = (call(), None)
        except BaseException as exc:  # noqa: B036 — reported to the test, which decides
            outcomes[i] = (None, exc)
        finally:
            if not db.database.is_closed():
                db.database.close()

    threads = [threading.Thread(target=run, args=(i, call), name=f'{RACER}{i}') for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive(), f'{thread.name} is still running'
    return outcomes


def in_app(app, work):
    """A racer's body: an app context (English messages) around the work."""
    def call():
        with app.app_context(), force_locale('en'):
            return work()
    return call


# The same submission id twice at once -------------------------------------------------------------------------

def is_uuid_lookup(query=None, *args, **kwargs):
    """The "already stored?" lookup of records.submit_record: Record.get_or_none(Record.uuid == key)."""
    return isinstance(query, Expression) and query.lhs is Record.uuid and query.op == '='


def test_the_same_report_sent_twice_at_once_is_stored_once_and_both_copies_get_its_answer(app, school, monkeypatch):
    """Two copies of one damage report (a double tap on two connections) both pass the "already stored?"
    lookup before either inserts; the database's unique index on record.uuid lets one insert, and the other
    copy takes submit_record's IntegrityError fallback: it looks again and answers with the stored record."""
    meeting = Meeting('lookup')
    meeting.wrap_lookup(monkeypatch, Record, 'get_or_none', is_uuid_lookup)
    tag = Tag.get(Tag.token == 'ABCDEFGH12')
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        assert login(client, 'teacher').status_code == 302
    sid = re.search(r'name="submission_id" value="([^"]+)"',
                    clients[0].get(f'/t/{tag.token}').get_data(as_text=True)).group(1)

    def send(client):
        """One copy of the form (same submission id), with this client's CSRF token."""
        data = {'csrf_token': csrf_token(client, f'/t/{tag.token}'), 'submission_id': sid, 'title': '门把手掉了',
                'category': 'doors_windows'}
        return lambda: client.post(f'/t/{tag.token}/report', data=data, headers={'Accept-Language': 'en'})

    outcomes = race(*(send(client) for client in clients))
    assert [error for _response, error in outcomes] == [None, None]
    responses = [response for response, _error in outcomes]
    assert [r.status_code for r in responses] == [302, 302]
    assert [r.headers['Location'] for r in responses] == [f'/t/{tag.token}', f'/t/{tag.token}']
    # Both racers passed the lookup finding nothing; exactly one looked a second time (the fallback) and found
    # the record the other stored.
    first_looks = [looks[0] for looks in meeting.looked.values()]
    assert sorted(meeting.looked) == ['racer-0', 'racer-1'] and first_looks == [None, None]
    key = client_key(sid, tag, school['users']['teacher'], None)  # the id as stored: scoped by its sender
    record = Record.get(Record.uuid == key)
    assert sorted(len(looks) for looks in meeting.looked.values()) == [1, 2]
    loser = next(looks for looks in meeting.looked.values() if len(looks) == 2)
    assert loser[1].id == record.id
    assert Record.select().where(Record.uuid == key).count() == 1
    assert WorkOrder.select().count() == 1
    order = WorkOrder.get()
    assert order.record_id == record.id and order.title == '门把手掉了'
    # The same answer to both: the page each client is sent to says the one record and the one order.
    said = []
    for client in clients:
        html = client.get(f'/t/{tag.token}', headers={'Accept-Language': 'en'}).get_data(as_text=True)
        said.append(re.search(r'Recorded: Problem report at \d\d:\d\d\. Work order <span class="nowrap">[0-9-]+</span>: 门把手掉了\.', html).group(0))
    assert said[0] == said[1] and f'Work order <span class="nowrap">{order.number}</span>:' in said[0]


# Two guarded updates of one work order at once -------------------------------------------------------------

def in_a_transaction(*args, **kwargs):
    """A lookup made inside a transaction: apply_action's read of the order whose status it then guards on,
    evaluate_round's read of the round's run."""
    return db.database.in_transaction()


def second_repair_worker(campus):
    worker = User.create(username='repair2', display_name='Repair 2', password_hash=PASSWORD_HASH)
    Membership.create(user=worker, campus=campus, role='repair')
    return worker


def test_two_repair_workers_accepting_one_job_at_once_one_gets_it_and_the_other_is_refused(app, school, monkeypatch):
    """Both workers take the job at the same moment. On PostgreSQL both read the order as 'reported' before
    either writes; the first guarded UPDATE (… WHERE status = 'reported' AND updated_at = …) wins, the second
    waits for its row lock, then matches no row and is refused ("someone changed this order"). On SQLite the
    write transaction holds the lock from BEGIN, so the second reads 'accepted' and the transition table
    refuses it. Either way one event, one assignee, and the loser has written nothing."""
    with app.app_context():
        order = report_problem(school['campus'], place=school['room'], title='灯不亮', reporter=school['users']['teacher'])
    workers = [school['users']['repair'], second_repair_worker(school['campus'])]
    sqlite = db.is_sqlite()
    meeting = Meeting('begin' if sqlite else 'lookup')
    meeting.wrap_lookup(monkeypatch, WorkOrder, 'get_by_id', in_a_transaction)
    if sqlite:
        meeting.watch_begin(monkeypatch)

    def accept(worker):
        return in_app(app, lambda: apply_action(WorkOrder.get_by_id(order.id), 'accept', user=worker, role='repair'))
    outcomes = race(*(accept(w) for w in workers))
    won = [i for i, (_event, error) in enumerate(outcomes) if error is None]
    assert len(won) == 1, outcomes
    winner, loser = workers[won[0]], workers[1 - won[0]]
    refusal = outcomes[1 - won[0]][1]
    assert isinstance(refusal, TransitionRefused)
    if sqlite:
        assert str(refusal) == 'This order is “Accepted”: “Accept the job” is not possible now.'
    else:
        assert str(refusal) == 'Someone changed this order a moment ago; please look again.'
        # Both read the order before either wrote: the refusal came from the guard, not from the table.
        assert [looks[0].status for looks in meeting.looked.values()] == ['reported', 'reported']
    fresh = WorkOrder.get_by_id(order.id)
    assert (fresh.status, fresh.assignee_id) == ('accepted', winner.id)
    events = list(WorkOrderEvent.select().where(WorkOrderEvent.order == order.id).order_by(WorkOrderEvent.id))
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        ('report', '', 'reported', school['users']['teacher'].id), ('accept', 'reported', 'accepted', winner.id)]
    assert loser.id not in {e.actor_id for e in events}


# Two evaluators of one patrol round at once -----------------------------------------------------------------

@pytest.mark.parametrize('scanned', [True, False], ids=['round-with-a-scan', 'round-nobody-walked'])
def test_two_evaluators_of_one_round_at_once_write_one_result_and_one_message(app, school, monkeypatch, scanned):
    """The cron command and a patrol page (or two workers) close the same round at the same moment.

    With a scan the round's run exists; without one, neither evaluator finds a run, both insert it and the unique
    (route, round_start) index lets one through. Then the claim (UPDATE … SET evaluated_at WHERE evaluated_at IS
    NULL) lets exactly one evaluator write the result and queue the managers' message. On PostgreSQL both have
    read the run (or its absence) before either claims; on SQLite the second waits for the first's write lock.
    """
    night = datetime.date(2026, 3, 10)
    route, _places, tags, _stops = make_route(school['campus'], ['校门', '配电房'], created_at=local(night, 12))
    NotificationChannel.create(campus=school['campus'], name='后勤群', kind='webhook', url='http://127.0.0.1:9/hook',
                               audience='managers')
    if scanned:
        record_scan(tags[0], school['users']['guard'], now=local(night, 22, 5))
    rnd = route_rounds(route, night, [], 'Asia/Shanghai')[0]
    now = local(night, 24, 20)
    sqlite = db.is_sqlite()
    meeting = Meeting('begin' if sqlite else 'lookup')
    meeting.wrap_lookup(monkeypatch, PatrolRun, 'get_or_none', in_a_transaction)
    if sqlite:
        meeting.watch_begin(monkeypatch)
    outcomes = race(*(in_app(app, lambda: evaluate_round(route, rnd, now)) for _ in range(2)))
    assert [error for _run, error in outcomes] == [None, None]
    written = [i for i, (run, _error) in enumerate(outcomes) if run is not None]
    assert len(written) == 1
    run = PatrolRun.get()
    assert outcomes[written[0]][0].id == run.id and PatrolRun.select().count() == 1
    assert (run.evaluated_at, run.status) == (now, 'incomplete' if scanned else 'missed')
    assert run.result['missed_names'] == (['配电房'] if scanned else ['校门', '配电房'])
    first_looks = {racer: looks[0] for racer, looks in meeting.looked.items()}
    assert sorted(first_looks) == ['racer-0', 'racer-1']
    loser_look = first_looks[f'{RACER}{1 - written[0]}']
    if sqlite:  # the loser read the round after the winner's commit: claimed, so its claim matched no row
        assert (loser_look.id, loser_look.evaluated_at) == (run.id, now)
    else:  # both read before either claimed
        assert [look is None for look in first_looks.values()] == [not scanned, not scanned]
        assert scanned is False or loser_look.evaluated_at is None
    messages = list(Outbox.select().where(Outbox.topic == 'patrol'))
    assert len(messages) == 1
    assert messages[0].subject == ('【巡逻漏巡】夜间巡逻 03-10 22:00–00:00 漏巡1个点' if scanned
                                   else '【整轮漏巡】夜间巡逻 03-10 22:00–00:00')
