"""The scan page of a place is kept per worker, viewer and language (scan/page_cache.py) and is never stale:
every change to what it shows, made through the app, straight in the database or by another connection (another
worker), an order's due time passing and one's undo running out, shows on the very next page; each page still has
its own CSRF token and fresh submission ids, and what is this moment's or this browser's own (a flashed message, a
visitor's recent reports, a guard's checkpoint) is never kept."""
import datetime
import re
import threading

import pytest
from helpers import login, make_app

from houqin import db
from houqin.assets.stocktake import open_stocktake
from houqin.clock import utcnow
from houqin.db import database
from houqin.models import Campus, Place, Record, Stocktake, StocktakeCounter, Tag, User, WorkOrder
from houqin.scan import page_cache

TOKEN = 'TT00000001'


@pytest.fixture
def app(database_url, tmp_path):
    """The app without the after-request notification thread: its background writes would empty the cache."""
    app = make_app(database_url, tmp_path, NOTIFY_AFTER_REQUESTS=False)
    yield app
    if not db.database.is_closed():
        db.database.close()


@pytest.fixture
def toilet(school):
    """A toilet on the school's first floor with its label."""
    with database.connection_context():
        place = Place.create(campus=school['campus'], parent=school['floor'], name='一楼男厕所', kind='toilet')
        Tag.create(token=TOKEN, campus=school['campus'], place=place)
    return place


def statements_of(client, path, **kwargs):
    """(response, the statements the request sent but the version check)."""
    database_obj = db.database.obj
    recorded, execute = [], database_obj.execute_sql

    def recording(sql, params=None, *args, **kw):
        if 'pg_current_snapshot' not in sql:
            recorded.append(sql)
        return execute(sql, params, *args, **kw)
    database_obj.execute_sql = recording
    try:
        response = client.get(path, **kwargs)
    finally:
        del database_obj.execute_sql
    assert response.status_code == 200
    return response, recorded


def kept_page(client):
    """The anonymous page of the toilet, asserting it came from the cache (no statement but the version).

    On PostgreSQL the version is the server's snapshot, which any database's writes move (other test runs on the
    same server): whether a page is kept is then not the test's to assert, only that it is never stale.
    """
    response, statements = statements_of(client, f'/t/{TOKEN}')
    assert statements == [] or not db.is_sqlite(), statements
    return response.get_data(as_text=True)


def fresh_page(client):
    """The next anonymous page of the toilet, asserting it was rendered again from the database."""
    response, statements = statements_of(client, f'/t/{TOKEN}')
    assert statements, 'served from the cache'
    return response.get_data(as_text=True)


def warm(client):
    """Render the page once and see the next one come from the cache."""
    client.get(f'/t/{TOKEN}')
    return kept_page(client)


def elsewhere(work):
    """work() on another connection in another thread, committed there: what another worker process does."""
    errors = []

    def run():
        try:
            with database.connection_context():
                work()
        except Exception as error:  # noqa: BLE001 - handed to the test's thread
            errors.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


def without_tokens(html):
    return re.sub(r'name="(csrf_token|submission_id)" value="[^"]*"', r'name="\1"', html)


def test_a_kept_page_is_the_rendered_page_with_its_own_tokens(client, toilet):
    first = client.get(f'/t/{TOKEN}').get_data(as_text=True)
    second, third = kept_page(client), kept_page(client)
    assert without_tokens(first) == without_tokens(second) == without_tokens(third)
    assert 'mark' not in second
    ids = [re.findall(r'name="submission_id" value="([^"]+)"', page) for page in (first, second, third)]
    assert all(ids) and len({i for page in ids for i in page}) == 3 * len(ids[0])  # fresh ids every time
    # The kept page's form works: its CSRF token is this browser's, and the report is stored once.
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', third[third.index('/report"'):]))
    response = client.post(f'/t/{TOKEN}/report', data={**fields, 'title': '水龙头漏水'},
                           content_type='multipart/form-data')
    assert response.status_code == 302
    with database.connection_context():
        assert WorkOrder.select().where(WorkOrder.title == '水龙头漏水').count() == 1


def test_writes_through_the_app_show_at_once(client, app, toilet):
    warm(client)
    janitor = app.test_client()
    assert login(janitor, 'janitor').status_code == 302
    html = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[html.index('/clean"'):]))
    assert janitor.post(f'/t/{TOKEN}/clean', data=fields, content_type='multipart/form-data').status_code == 302
    assert '上次保洁' in fresh_page(client)
    assert '上次保洁' in kept_page(client)
    # Another visitor's report (same worker, same connection): the order is listed on the next page.
    other = app.test_client()
    page = other.get(f'/t/{TOKEN}').get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page[page.index('/report"'):]))
    assert other.post(f'/t/{TOKEN}/report', data={**fields, 'title': '隔间门锁坏了'},
                      content_type='multipart/form-data').status_code == 302
    assert '隔间门锁坏了' in fresh_page(client)


def test_writes_straight_in_the_database_show_at_once(client, school, toilet):
    warm(client)
    database.connect(reuse_if_open=True)  # the requests' own connection, left open as in a worker
    Place.update(name='一楼女厕所').where(Place.id == toilet.id).execute()
    assert '一楼女厕所' in fresh_page(client)
    warm(client)
    Place.update(name='东教学楼').where(Place.id == school['building'].id).execute()
    assert '东教学楼' in fresh_page(client)
    warm(client)
    Campus.update(allow_anonymous_reports=False).where(Campus.id == school['campus'].id).execute()
    html = fresh_page(client)
    assert '哪里坏了' not in html and '请告诉学校办公室或登录' in html
    kept_page(client)
    Tag.update(status='revoked').where(Tag.token == TOKEN).execute()
    response, statements = statements_of(client, f'/t/{TOKEN}')
    assert statements and '一楼女厕所' not in response.get_data(as_text=True).split('<main>')[1].split('<h1>')[0]
    assert 'mark' not in response.get_data(as_text=True)


def test_writes_by_another_connection_show_at_once(client, school, toilet):
    warm(client)
    elsewhere(lambda: Record.create(uuid='elsewhere-1', campus=school['campus'], tag=Tag.get(Tag.token == TOKEN),
                                    place=toilet, activity='cleaning', created_at=utcnow()))
    assert '上次保洁' in fresh_page(client)
    warm(client)
    elsewhere(lambda: WorkOrder.create(campus=school['campus'], year=2026, sequence=7, place=toilet,
                                       title='地漏堵了', follow_secret='elsewhere-secret'))
    assert '地漏堵了' in fresh_page(client)
    warm(client)
    elsewhere(lambda: WorkOrder.update(status='closed', closed_at=utcnow()).where(WorkOrder.title == '地漏堵了')
              .execute())
    assert '地漏堵了' not in fresh_page(client)
    warm(client)
    elsewhere(lambda: Place.update(name='二楼男厕所').where(Place.id == toilet.id).execute())
    assert '二楼男厕所' in fresh_page(client)


def test_an_order_turning_overdue_shows_without_any_write(client, school, toilet, monkeypatch):
    now = utcnow()
    with database.connection_context():
        WorkOrder.create(campus=school['campus'], year=2026, sequence=8, place=toilet, title='灯不亮',
                         follow_secret='overdue-secret', due_at=now + datetime.timedelta(hours=2))
    assert '已超时' not in warm(client)
    later = now + datetime.timedelta(hours=2, seconds=1)
    monkeypatch.setattr('houqin.scan.page_cache.utcnow', lambda: later)
    monkeypatch.setattr('houqin.repairs.workflow.utcnow', lambda: later)
    assert '已超时' in fresh_page(client)
    assert '已超时' in kept_page(client)


def test_each_language_has_its_own_page(client, toilet):
    assert '报告问题' in warm(client)
    client.set_cookie('lang', 'en')
    client.get(f'/t/{TOKEN}')
    html = kept_page(client)
    assert 'Report a problem' in html and '报告问题' not in html


def test_what_is_the_visitors_own_is_never_kept(client, toilet):
    warm(client)
    page = client.get(f'/t/{TOKEN}').get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page[page.index('/report"'):]))
    client.post(f'/t/{TOKEN}/report', data={**fields, 'title': '洗手池裂了'}, content_type='multipart/form-data')
    # This browser now keeps its report: its page lists it, rendered for it (and again after the next write).
    for _ in range(2):
        html = fresh_page(client)
        assert '您最近的报告' in html and '洗手池裂了' in html
    stranger = client.application.test_client()
    stranger.get(f'/t/{TOKEN}')
    assert '您最近的报告' not in kept_page(stranger)


def signed_in(app, role):
    client = app.test_client()
    assert login(client, role).status_code == 302
    return client


def kept_for_staff(client):
    """A signed-in viewer's page of the toilet, asserting it came from the cache (only the log-in's query ran)."""
    response, statements = statements_of(client, f'/t/{TOKEN}')
    assert (len(statements) == 1 and 'FROM "user"' in statements[0]) or not db.is_sqlite(), statements
    return response.get_data(as_text=True)


def test_each_viewer_has_its_own_kept_page(app, school, toilet):
    janitor, manager = signed_in(app, 'janitor'), signed_in(app, 'manager')
    janitor.get(f'/t/{TOKEN}')
    manager.get(f'/t/{TOKEN}')
    mine, theirs = kept_for_staff(janitor), kept_for_staff(manager)
    assert '完成保洁' in mine and 'Janitor' in mine and 'Manager' not in mine
    assert 'Manager' in theirs and 'Janitor' not in theirs
    database.connect(reuse_if_open=True)
    User.update(display_name='王师傅').where(User.username == 'janitor').execute()
    assert '王师傅' in janitor.get(f'/t/{TOKEN}').get_data(as_text=True)


def test_ones_own_sign_off_shows_with_its_undo_until_it_runs_out(app, school, toilet, monkeypatch):
    janitor = signed_in(app, 'janitor')
    html = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
    assert f'/t/{TOKEN}/undo' not in kept_for_staff(janitor)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[html.index('/clean"'):]))
    assert janitor.post(f'/t/{TOKEN}/clean', data=fields, content_type='multipart/form-data').status_code == 302
    flashed = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)  # the message is this moment's: never kept
    assert 'class="flash success"' in flashed and f'/t/{TOKEN}/undo' in flashed
    janitor.get(f'/t/{TOKEN}')
    again = kept_for_staff(janitor)
    assert 'class="flash' not in again and f'/t/{TOKEN}/undo' in again and '上次保洁' in again
    later = utcnow() + datetime.timedelta(seconds=31)
    monkeypatch.setattr('houqin.scan.page_cache.utcnow', lambda: later)
    monkeypatch.setattr('houqin.scan.actions.utcnow', lambda: later)
    assert f'/t/{TOKEN}/undo' not in janitor.get(f'/t/{TOKEN}').get_data(as_text=True)


def test_a_guards_scan_is_a_checkpoint_and_never_kept(app, toilet):
    guard = signed_in(app, 'guard')
    for _ in range(2):
        _response, statements = statements_of(guard, f'/t/{TOKEN}')
        assert len(statements) > 1


def test_only_a_get_is_kept(client, toilet):
    page_cache._cache.__dict__.clear()
    assert client.head(f'/t/{TOKEN}').status_code == 200
    assert getattr(page_cache._cache, 'pages', {}) == {}
    client.get(f'/t/{TOKEN}')
    assert len(page_cache._cache.pages) == 1


def test_a_counters_scan_of_the_room_they_count_in_is_kept_and_writes_nothing(app, school, toilet):
    """In an open stocktake a counter's scan of a room's label names their room: the first scan stores it, a scan
    of the same room again writes nothing and its page is kept; another room, or closing the stocktake, shows at
    once; an asset's count is never kept."""
    campus, janitor_user = school['campus'], school['users']['janitor']
    with database.connection_context():
        take = open_stocktake(campus, school['users']['manager'], name='期末清点', counters=[janitor_user.id])
    janitor = signed_in(app, 'janitor')
    first = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
    assert '正在 一楼男厕所 清点。' in first
    with database.connection_context():
        stored = StocktakeCounter.get((StocktakeCounter.stocktake == take.id) & (StocktakeCounter.user == janitor_user.id))
    again = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
    kept = kept_for_staff(janitor)
    assert 'id="stocktake-scan"' in again and without_tokens(again) == without_tokens(kept)
    with database.connection_context():
        row = StocktakeCounter.get_by_id(stored.id)
        assert (row.room_id, row.updated_at) == (toilet.id, stored.updated_at)  # no write for the same room
    # Another room's label (the school's classroom), then this one again: the room changes each time.
    assert janitor.get('/t/ABCDEFGH12').status_code == 200
    with database.connection_context():
        assert StocktakeCounter.get_by_id(stored.id).room_id == school['room'].id
    back = janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
    assert '正在 一楼男厕所 清点。' in back
    with database.connection_context():
        assert StocktakeCounter.get_by_id(stored.id).room_id == toilet.id
    # Closed straight in the database (another worker): the next page has no stocktake panel.
    elsewhere(lambda: Stocktake.update(status='closed').where(Stocktake.id == take.id).execute())
    assert 'id="stocktake-scan"' not in janitor.get(f'/t/{TOKEN}').get_data(as_text=True)
