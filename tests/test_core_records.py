"""Records (houqin/scan/records.py): submission ids, the phone's clock, the stored keys, storing once, the
anonymous hourly limit and the record queries — pinned for bench/mutation.py, without HTTP."""
import datetime
import time
import uuid

import pytest
from test_races import Meeting, in_app, is_uuid_lookup, race

from houqin.db import database
from houqin.models import Photo, Record, Tag
from houqin.photos import PreparedPhoto
from houqin.scan.records import (CLIENT_NAMESPACE, SERVER_NAMESPACE, TooManyReports, anonymous_reports_since,
                                 client_key, last_cleaned, new_submission_id, parse_client_time,
                                 parse_submission_id, recent_records, server_key, submit_record,
                                 within_anonymous_limit)
from PIL import Image

ID = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'


# --- submission ids --------------------------------------------------------------------------------------

def test_a_new_submission_id_is_a_fresh_uuid4():
    first, second = new_submission_id(), new_submission_id()
    assert first != second
    assert uuid.UUID(first).version == 4 and str(uuid.UUID(first)) == first


def test_a_submission_id_is_read_in_its_canonical_form():
    assert parse_submission_id(f'  {ID.upper()}  ') == ID
    assert parse_submission_id(ID.replace('-', '')) == ID


@pytest.mark.parametrize('text', [None, '', 'not-a-uuid', ID[:-1], ID + '0'])
def test_anything_else_is_no_submission_id(text):
    assert parse_submission_id(text) is None


def test_a_submission_id_is_read_from_its_first_64_characters_only():
    hexes = ID.replace('-', '')
    assert parse_submission_id(hexes + '-' * 32) == ID          # 64 characters
    assert parse_submission_id(hexes + '-' * 32 + 'a') == ID    # the 65th is not read


# --- the phone's clock -----------------------------------------------------------------------------------

def test_client_time_is_naive_utc():
    assert parse_client_time('2026-12-02T08:30:00.000Z') == datetime.datetime(2026, 12, 2, 8, 30)
    assert parse_client_time(' 2026-12-02T16:30:00+08:00 ') == datetime.datetime(2026, 12, 2, 8, 30)


@pytest.mark.parametrize('text', [None, '', 'yesterday', '2026-12-02T08:30:00', '2026-13-02T08:30:00Z',
                                  '1999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00'])
def test_no_client_time_when_absent_unreadable_without_zone_or_outside_2000_to_2100(text):
    assert parse_client_time(text) is None


def test_client_time_is_utc_on_a_server_whose_clock_is_set_to_china_time(monkeypatch):
    monkeypatch.setenv('TZ', 'Asia/Shanghai')
    time.tzset()
    try:
        assert parse_client_time('2026-12-02T16:30:00+08:00') == datetime.datetime(2026, 12, 2, 8, 30)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_client_time_range_includes_2000_and_excludes_2100():
    assert parse_client_time('2000-01-01T00:00:00Z') == datetime.datetime(2000, 1, 1)
    assert parse_client_time('2099-12-31T23:59:59Z') == datetime.datetime(2099, 12, 31, 23, 59, 59)


def test_client_time_reads_40_characters_at_most():
    forty = '2026-12-02T08:30:00.0000+00:00:00.000000'
    assert len(forty) == 40
    assert parse_client_time(forty + 'x') == datetime.datetime(2026, 12, 2, 8, 30)


# --- stored keys -----------------------------------------------------------------------------------------

class FakeTag:
    def __init__(self, id=1, campus_id=1):
        self.id, self.campus_id = id, campus_id


class FakeUser:
    id = 7


def test_client_key_is_the_id_scoped_by_campus_label_and_user():
    assert client_key(ID, FakeTag(3, 2), FakeUser(), '1.2.3.4') == \
        str(uuid.uuid5(CLIENT_NAMESPACE, f'2|3|user:7|{ID}'))
    assert client_key(ID, FakeTag(3, 2), 7, None) == client_key(ID, FakeTag(3, 2), FakeUser(), '')


def test_client_key_of_an_anonymous_visitor_is_scoped_by_address():
    assert client_key(ID, FakeTag(3, 2), None, '1.2.3.4') == \
        str(uuid.uuid5(CLIENT_NAMESPACE, f'2|3|anonymous:1.2.3.4|{ID}'))
    assert client_key(ID, FakeTag(3, 2), None, None) == str(uuid.uuid5(CLIENT_NAMESPACE, f'2|3|anonymous:|{ID}'))


def test_server_key_is_in_its_own_namespace():
    assert server_key('patrol:1:2:3') == str(uuid.uuid5(SERVER_NAMESPACE, 'patrol:1:2:3'))
    assert CLIENT_NAMESPACE != SERVER_NAMESPACE


# --- submit_record ---------------------------------------------------------------------------------------

def tag_of(school):
    return Tag.get(Tag.token == 'ABCDEFGH12')


def test_a_submission_is_stored_once(app, school):
    with app.test_request_context(), database.connection_context():
        tag, janitor = tag_of(school), school['users']['janitor']
        record, created = submit_record(ID, tag, school['room'], activity='cleaning', user=janitor, note='ok')
        again, created_again = submit_record(ID, tag, school['room'], activity='cleaning', user=janitor,
                                             note='changed')
        assert (created, created_again) == (True, False)
        assert again.id == record.id and Record.select().count() == 1
        stored = Record.get_by_id(record.id)
        assert stored.uuid == client_key(ID, tag, janitor, None)
        assert (stored.note, stored.activity, stored.user_id, stored.campus_id) == \
            ('ok', 'cleaning', janitor.id, school['campus'].id)
        assert (stored.place_id, stored.item_id, stored.tag_id) == (school['room'].id, None, tag.id)


def test_the_same_id_from_two_anonymous_addresses_is_two_records(app, school):
    with app.test_request_context(), database.connection_context():
        tag = tag_of(school)
        first, _ = submit_record(ID, tag, school['room'], activity='note', client_address='1.1.1.1')
        second, created = submit_record(ID, tag, school['room'], activity='note', client_address='2.2.2.2')
        assert created and first.id != second.id
        assert Record.get_by_id(second.id).uuid == client_key(ID, tag, None, '2.2.2.2')


def test_the_same_submission_twice_at_once_is_created_once(app, school, monkeypatch):
    meeting = Meeting('lookup')
    meeting.wrap_lookup(monkeypatch, Record, 'get_or_none', is_uuid_lookup)
    tag, teacher = tag_of(school), school['users']['teacher']

    def send():
        with app.test_request_context():
            record, created = submit_record(ID, tag, school['room'], activity='report', user=teacher)
            return record.id, created
    outcomes = race(in_app(app, send), in_app(app, send))
    assert [error for _result, error in outcomes] == [None, None]
    results = [result for result, _error in outcomes]
    assert sorted(created for _id, created in results) == [False, True]
    assert results[0][0] == results[1][0]
    with database.connection_context():
        assert Record.select().count() == 1


def test_the_same_id_from_another_person_is_another_record(app, school):
    with app.test_request_context(), database.connection_context():
        tag = tag_of(school)
        first, _ = submit_record(ID, tag, school['room'], activity='cleaning', user=school['users']['janitor'])
        second, created = submit_record(ID, tag, school['room'], activity='cleaning',
                                        user=school['users']['manager'])
        assert created and first.id != second.id


def test_a_server_key_replaces_the_client_id(app, school):
    with app.test_request_context(), database.connection_context():
        tag, guard = tag_of(school), school['users']['guard']
        record, created = submit_record(None, tag, school['room'], activity='patrol', user=guard, server='p:1')
        assert created and Record.get_by_id(record.id).uuid == server_key('p:1')
        _again, created = submit_record(ID, tag, school['room'], activity='patrol', user=guard, server='p:1')
        assert not created and Record.select().count() == 1


def test_a_record_about_an_asset_is_at_the_assets_place(app, school):
    with app.test_request_context(), database.connection_context():
        record, _ = submit_record(ID, tag_of(school), school['desk'], activity='report',
                                  user=school['users']['teacher'])
        stored = Record.get_by_id(record.id)
        assert (stored.item_id, stored.place_id) == (school['desk'].id, school['room'].id)


def test_photos_and_the_after_hook_are_stored_with_the_record(app, school):
    seen = []
    prepared = [PreparedPhoto(Image.new('RGB', (40, 30), 'red')), PreparedPhoto(Image.new('RGB', (30, 40), 'blue'))]
    with app.test_request_context(), database.connection_context():
        teacher = school['users']['teacher']
        record, _ = submit_record(ID, tag_of(school), school['room'], activity='report', user=teacher,
                                  photos=prepared, after=lambda r: seen.append(Record.get_by_id(r.id).id))
        photos = list(Photo.select().order_by(Photo.id))
        assert [(p.record_id, p.uploaded_by_id, p.campus_id) for p in photos] == \
            [(record.id, teacher.id, school['campus'].id)] * 2
        assert seen == [record.id]


def test_a_failing_after_hook_stores_nothing(app, school):
    def refuse(record):
        raise RuntimeError('no')
    with app.test_request_context(), database.connection_context():
        with pytest.raises(RuntimeError):
            submit_record(ID, tag_of(school), school['room'], activity='report', user=school['users']['teacher'],
                          after=refuse)
        assert Record.select().count() == 0


def anonymous_report(school, number, address='9.9.9.9'):
    return submit_record(str(uuid.UUID(int=number)), tag_of(school), school['room'], activity='report',
                         client_address=address, reporter_name='家长')


def test_anonymous_reports_stop_at_the_hourly_limit_per_address(app, school):
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 2
    with app.test_request_context(), database.connection_context():
        anonymous_report(school, 1)
        anonymous_report(school, 2)
        with pytest.raises(TooManyReports) as refused:
            anonymous_report(school, 3)
        assert refused.value.args == ('9.9.9.9',)
        assert Record.select().count() == 2
        anonymous_report(school, 4, address='8.8.8.8')        # another address has its own count
        _same, created = anonymous_report(school, 1)           # a resubmission is no new report
        assert not created
        # Signed-in reports and anonymous notes are not counted.
        submit_record(str(uuid.UUID(int=5)), tag_of(school), school['room'], activity='report',
                      user=school['users']['teacher'], client_address='9.9.9.9')
        submit_record(str(uuid.UUID(int=6)), tag_of(school), school['room'], activity='note',
                      client_address='9.9.9.9')
        assert Record.select().count() == 5


def test_anonymous_reports_without_an_address_share_one_count(app, school):
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 1
    with app.test_request_context(), database.connection_context():
        submit_record(str(uuid.UUID(int=1)), tag_of(school), school['room'], activity='report', reporter_name='x')
        with pytest.raises(TooManyReports):
            submit_record(str(uuid.UUID(int=2)), tag_of(school), school['room'], activity='report',
                          reporter_name='y')
        assert Record.select().count() == 1


def test_within_anonymous_limit_refuses_at_the_limit(app, school):
    app.config['ANONYMOUS_REPORTS_PER_HOUR'] = 1
    with app.test_request_context(), database.connection_context():
        with database.atomic():
            within_anonymous_limit('9.9.9.9')
        anonymous_report(school, 1)
        with pytest.raises(TooManyReports), database.atomic():
            within_anonymous_limit('9.9.9.9')


def test_anonymous_reports_since_counts_the_last_hour_of_one_address(app, school):
    now = datetime.datetime.utcnow()
    with app.test_request_context(), database.connection_context():
        for number, minutes in ((1, 5), (2, 59), (3, 60.5), (4, 120)):
            record, _ = anonymous_report(school, number)
            Record.update(created_at=now - datetime.timedelta(minutes=minutes)).where(Record.id == record.id) \
                .execute()
        anonymous_report(school, 5, address='8.8.8.8')
        submit_record(ID, tag_of(school), school['room'], activity='report', user=school['users']['teacher'],
                      client_address='9.9.9.9')
        assert anonymous_reports_since('9.9.9.9') == 2
        assert anonymous_reports_since('9.9.9.9', minutes=90) == 3
        assert anonymous_reports_since('8.8.8.8') == 1


# --- queries ---------------------------------------------------------------------------------------------

def test_last_cleaned_is_the_latest_cleaning_of_the_place_itself(app, school):
    with app.test_request_context(), database.connection_context():
        room, tag, janitor = school['room'], tag_of(school), school['users']['janitor']
        assert last_cleaned(room) is None
        times = {}
        for number, (target, activity, when) in enumerate([
                (room, 'cleaning', datetime.datetime(2026, 12, 1, 8)),
                (room, 'cleaning', datetime.datetime(2026, 12, 2, 8)),
                (room, 'inspection', datetime.datetime(2026, 12, 3, 8)),
                (school['desk'], 'cleaning', datetime.datetime(2026, 12, 4, 8))]):
            record, _ = submit_record(str(uuid.UUID(int=number)), tag, target, activity=activity, user=janitor)
            Record.update(created_at=when).where(Record.id == record.id).execute()
            times[number] = when
        assert last_cleaned(room) == times[1]


def test_recent_records_are_newest_first_with_who_made_them(app, school):
    with app.test_request_context(), database.connection_context():
        room, desk, tag, janitor = school['room'], school['desk'], tag_of(school), school['users']['janitor']
        same = datetime.datetime(2026, 12, 2, 8)
        made = []
        for number, target in enumerate([room, room, room, desk]):
            record, _ = submit_record(str(uuid.UUID(int=number)), tag, target, activity='cleaning', user=janitor)
            Record.update(created_at=same).where(Record.id == record.id).execute()
            made.append(record.id)
        assert [r.id for r in recent_records(place=room)] == [made[2], made[1], made[0]]
        assert [r.id for r in recent_records(place=room, limit=2)] == [made[2], made[1]]
        assert [r.id for r in recent_records(item=desk)] == [made[3]]
        first = recent_records(place=room)[0]
        assert (first.user.username, first.user.display_name, first.activity) == ('janitor', 'Janitor', 'cleaning')


def test_recent_records_newest_first_whatever_order_they_were_stored_in(app, school):
    with app.test_request_context(), database.connection_context():
        room, tag = school['room'], tag_of(school)
        made = []
        for number, day in enumerate((3, 1, 2)):
            record, _ = submit_record(str(uuid.UUID(int=number)), tag, room, activity='report',
                                      reporter_name=f'家长{number}', client_address='1.1.1.1', outcome='problem',
                                      note=f'note {number}')
            Record.update(created_at=datetime.datetime(2026, 12, day, 8)).where(Record.id == record.id).execute()
            made.append(record.id)
        # a record at the floor above is not at the room
        submit_record(str(uuid.UUID(int=9)), tag, school['floor'], activity='report', reporter_name='z',
                      client_address='1.1.1.1')
        found = recent_records(place=room)
        assert [r.id for r in found] == [made[0], made[2], made[1]]           # anonymous ones included
        first = found[0]
        assert (first.created_at, first.activity, first.outcome, first.note, first.reporter_name, first.user_id) \
            == (datetime.datetime(2026, 12, 3, 8), 'report', 'problem', 'note 0', '家长0', None)
        assert first.user is None


def test_recent_records_show_ten_by_default(app, school):
    with app.test_request_context(), database.connection_context():
        for number in range(11):
            submit_record(str(uuid.UUID(int=number)), tag_of(school), school['room'], activity='cleaning',
                          user=school['users']['janitor'])
        assert len(recent_records(place=school['room'])) == 10
