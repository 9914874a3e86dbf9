"""Issue 6 "Done when": in the demo school, a night on the 10-checkpoint route with rounds every 2 hours, one
checkpoint skipped and one burst, gives a report that shows exactly those, and the missed checkpoint's
notification arrives at a local webhook."""
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from helpers import DEMO_PASSWORD, login, make_a_school_day, make_app

from houqin import db
from houqin.clock import utcnow
from houqin.models import Campus, NotificationChannel, Outbox, PatrolRun, Route, Tag, User
from houqin.notify.delivery import deliver_due
from houqin.patrol.checkpoints import record_scan
from houqin.patrol.evaluation import evaluate_round
from houqin.patrol.plans import patrol_calendar, plan_chooser, route_rounds, route_stops
from houqin.patrol.rounds import local_date
from houqin.routines.service import campus_calendar


@pytest.fixture
def webhook():
    """A local HTTP server that records the JSON posted to it."""
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers['Content-Length']))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args):
            pass
    server = HTTPServer(('127.0.0.1', 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}/hook', received
    server.shutdown()


@pytest.fixture
def demo_app(demo_database_url, tmp_path):
    app = make_app(demo_database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False)  # delivery runs when the test says
    with app.app_context():
        yield app
    if not db.database.is_closed():
        db.database.close()


def test_a_night_with_one_skipped_checkpoint_and_one_burst(demo_app, webhook):
    url, received = webhook
    campus = Campus.get(Campus.is_demo == True)  # noqa: E712
    NotificationChannel.create(campus=campus, name='后勤群机器人', kind='webhook', url=url, audience='managers')
    route = Route.get(Route.campus == campus)
    stops = route_stops(route.id)
    assert len(stops) == 10
    # Two nights ahead (never the one under way), skipping holiday nights: four rounds, 22:00–06:00. With none in
    # the two weeks after (a school break), that night is made a make-up working day (调休上班).
    first = local_date(utcnow(), campus.timezone) + dt.timedelta(days=2)
    choose = plan_chooser(route, campus_calendar(campus.id))
    night = next((n for n in (first + dt.timedelta(days=d) for d in range(14)) if not choose(n)[1]), None)
    if night is None:
        night = first
        make_a_school_day(campus, night)
    holidays = patrol_calendar(campus.id)
    rounds = route_rounds(route, night, holidays, campus.timezone)
    assert [r.index for r in rounds] == [0, 1, 2, 3] and (rounds[1].start - rounds[0].start) == dt.timedelta(hours=2)
    guard = User.get(User.username == 'guard')
    tags = {s.id: Tag.get((Tag.place == s.place_id) & (Tag.status == 'active')) for s in stops}
    skipped, burst = stops[4], stops[5:8]   # 水泵房 in round 2; 食堂后门, 女生宿舍, 男生宿舍 in round 3
    for rnd in rounds:
        when = rnd.start + dt.timedelta(minutes=5)
        for stop in stops:
            if rnd.index == 1 and stop.id == skipped.id:
                continue
            quick = rnd.index == 2 and stop in burst[1:]
            when += dt.timedelta(seconds=20) if quick else dt.timedelta(minutes=stop.walk_minutes + 1)
            assert record_scan(tags[stop.id], guard, now=when) is not None
    for rnd in rounds:
        evaluate_round(route, rnd, rnd.due + dt.timedelta(minutes=1))

    runs = list(PatrolRun.select().where(PatrolRun.night == night).order_by(PatrolRun.round_start))
    assert [r.status for r in runs] == ['complete', 'incomplete', 'complete', 'complete']
    assert runs[1].result['missed_names'] == ['水泵房']

    client = demo_app.test_client()
    login(client, 'manager', DEMO_PASSWORD)
    page = client.get(f'/patrol/reports/?night={night.isoformat()}').get_data(as_text=True)
    totals = page[page.index('patrol-totals'):page.index('patrol-route')]
    assert '<b>3/4</b>轮次完成' in totals and '<b>1</b>漏巡点次' in totals
    assert '<b>0</b>整轮漏巡' in totals and '<b>0</b>迟到' in totals and '<b>0</b>顺序不符' in totals
    assert '<b>3</b>被标记 · 连扫1次' in totals
    assert '漏巡：水泵房' in page
    flagged = page[page.index('被标记的打卡'):]
    flagged = flagged[:flagged.index('</section>')]
    assert [name in flagged for name in ('食堂后门', '女生宿舍', '男生宿舍')] == [True, True, True]
    assert flagged.count('秒内连扫3个点') == 3 and '分钟' not in flagged   # a burst, and nothing else

    deliver_due()
    patrol = [m for m in received if m['topic'] == 'patrol']
    assert len(patrol) == 1 and '水泵房' in patrol[0]['text'] and '漏巡1个点' in patrol[0]['subject']
    assert Outbox.get(Outbox.topic == 'patrol').sent_at is not None
