"""Stocktake (issue 16): the snapshot, scans by several counters at once, reconciliation and close."""
import threading

from helpers import make_school

from houqin import db
from houqin.assets.stocktake import (StocktakeRefused, blank_labels_of, close_stocktake, confirm_item,
                                     open_stocktake, reconcile, record_count_scan, register_blank, report_damage,
                                     resolve_elsewhere)
from houqin.models import AuditLog, Campus, Item, Place, StocktakeLine, Tag, WorkOrder

import pytest


def floor_with_rooms(school, rooms=2):
    """Rooms on the school's floor, each with a label, and the floor's rooms by name."""
    made = [school['room']]
    for n in range(1, rooms):
        made.append(Place.create(campus=school['campus'], parent=school['floor'], name=f'10{n + 1}教室',
                                 kind='classroom'))
    return made


def test_snapshot_scans_and_reconciliation(app):
    """Found here, found elsewhere (moved at close), missing, scanned twice and a revoked label."""
    school = make_school()
    with db.database.connection_context():
        room1, room2 = floor_with_rooms(school)
        chair = Item.create(campus=school['campus'], place=room1, kind='chair', name='椅子', asset_number='YZ-1')
        lamp = Item.create(campus=school['campus'], place=room2, kind='light', name='台灯', asset_number='TD-1')
        outside = Item.create(campus=school['campus'], place=school['building'], name='讲台', asset_number='JT-1')
        room2_tag = Tag.create(token='ROOM2TAG00', campus=school['campus'], place=room2)
        desk_tag = Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        chair_tag = Tag.create(token='CHAIRTAG00', campus=school['campus'], item=chair)
        old_tag = Tag.create(token='OLDTAG0000', campus=school['campus'], item=chair, status='revoked')
        room1_tag = Tag.get(Tag.token == 'ABCDEFGH12')
        manager, teacher, janitor = (school['users'][r] for r in ('manager', 'teacher', 'janitor'))
        take = open_stocktake(school['campus'], manager, name='一楼期末清点', scope_place=school['floor'],
                              counters=[teacher.id, janitor.id])
        assert StocktakeLine.select().where(StocktakeLine.stocktake == take).count() == 3  # desk, chair, lamp
        assert record_count_scan(take, teacher, chair_tag).outcome == 'no_room'
        assert record_count_scan(take, teacher, room1_tag).outcome == 'room'
        assert record_count_scan(take, teacher, desk_tag).outcome == 'found'
        assert record_count_scan(take, teacher, desk_tag).outcome == 'again'
        assert record_count_scan(take, janitor, room2_tag).outcome == 'room'
        assert record_count_scan(take, janitor, chair_tag).outcome == 'found'   # in the wrong room
        assert record_count_scan(take, janitor, old_tag).outcome == 'unexpected'
        assert record_count_scan(take, janitor, old_tag).outcome == 'unexpected'
        live = reconcile(take)
        assert [l.item_id for l in live.here] == [school['desk'].id]
        assert [l.item_id for l in live.elsewhere] == [chair.id]
        assert [l.item_id for l in live.missing] == [lamp.id]
        assert [(o.token, o.reason) for o in live.unexpected] == [('OLDTAG0000', 'revoked')]
        assert [l.item_id for l in live.twice] == [school['desk'].id]
        assert live.counters == {teacher.id: 1, janitor.id: 1}
        assert sorted(live.rooms) == sorted([(room1.id, 2, 1), (room2.id, 1, 0)])
        resolve_elsewhere(take, live.elsewhere[0].id, 'move')
        with pytest.raises(StocktakeRefused):
            close_stocktake(take, manager, '  ')
        closed = close_stocktake(take, manager, '王主任')
        assert closed.status == 'closed' and closed.signed_name == '王主任'
        assert closed.result == {'total': 3, 'here': 1, 'elsewhere': 1, 'missing': 1, 'unexpected': 1,
                                 'twice': 1, 'moved': 1}
        assert Item.get_by_id(chair.id).place_id == room2.id
        assert Item.get_by_id(lamp.id).status == 'missing'
        assert Item.get_by_id(outside.id).status == 'in_use'
        assert AuditLog.select().where((AuditLog.entity == 'item') & AuditLog.summary.contains(take.name)).count() == 2
        with pytest.raises(StocktakeRefused):
            close_stocktake(take, manager, '王主任')
        assert record_count_scan(take, teacher, desk_tag).outcome == 'closed'


def test_other_campus_and_blank_labels_are_unexpected(app):
    """A label of another campus and a blank label confirm nothing and are kept once each."""
    school = make_school()
    with db.database.connection_context():
        other = Campus.create(name='别校', code='other')
        other_room = Place.create(campus=other, name='教室', kind='classroom')
        other_item = Item.create(campus=other, place=other_room, name='椅子')
        foreign = Tag.create(token='FOREIGN000', campus=other, item=other_item)
        blank = Tag.create(token='BLANK00000', campus=school['campus'], status='unclaimed')
        teacher = school['users']['teacher']
        take = open_stocktake(school['campus'], school['users']['manager'], name='全校', counters=[teacher.id])
        record_count_scan(take, teacher, Tag.get(Tag.token == 'ABCDEFGH12'))
        for tag in (foreign, blank, foreign):
            assert record_count_scan(take, teacher, tag).outcome == 'unexpected'
        assert sorted((o.token, o.reason) for o in reconcile(take).unexpected) == [
            ('BLANK00000', 'blank'), ('FOREIGN000', 'other_campus')]
        assert StocktakeLine.select().where(StocktakeLine.item == other_item).count() == 0


ASSETS = 5000
COUNTERS = 3
PER_COUNTER = 2000  # overlapping slices: 1,000 assets are scanned by two counters


def test_three_counters_scanning_5000_assets_at_once_lose_and_double_nothing(app):
    """Three threads, each on its own connection, start together at a barrier and confirm overlapping slices."""
    school = make_school()
    with db.database.connection_context():
        rooms = floor_with_rooms(school, rooms=10)
        with db.write_transaction():
            Item.delete().execute()
            Item.insert_many([{'campus': school['campus'].id, 'place': rooms[n % 10].id, 'kind': 'desk',
                               'name': f'课桌{n}', 'asset_number': f'KZ-{n:05d}', 'attributes': '{}'}
                              for n in range(ASSETS)]).execute()
        items = list(Item.select(Item.id, Item.place).order_by(Item.id))
        counters = [school['users'][r] for r in ('teacher', 'janitor', 'guard')]
        take = open_stocktake(school['campus'], school['users']['manager'], name='全校',
                              counters=[c.id for c in counters])
    step = (ASSETS - PER_COUNTER) // (COUNTERS - 1)
    slices = [items[n * step:n * step + PER_COUNTER] for n in range(COUNTERS)]
    barrier = threading.Barrier(COUNTERS, timeout=60)
    errors = []

    def count(user, mine):
        try:
            with db.database.connection_context():
                room = Place.get_by_id(rooms[0].id)
                barrier.wait()
                for item in mine:
                    confirm_item(take, user, item, room)
        except Exception as error:  # reported by the test below
            errors.append(repr(error))

    threads = [threading.Thread(target=count, args=(c, s)) for c, s in zip(counters, slices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert errors == []
    with db.database.connection_context():
        lines = list(StocktakeLine.select().where(StocktakeLine.stocktake == take))
        assert len(lines) == ASSETS
        scanned = {}
        for s in slices:
            for item in s:
                scanned[item.id] = scanned.get(item.id, 0) + 1
        assert all(line.found_at is not None for line in lines if line.item_id in scanned)
        assert {line.item_id: line.scans for line in lines if line.scans} == scanned
        assert sum(line.scans for line in lines) == COUNTERS * PER_COUNTER
        result = reconcile(take)
        assert sum(result.counters.values()) == len(scanned) == result.found
        assert len(result.missing) == ASSETS - len(scanned)


def test_a_damaged_asset_gets_one_work_order_however_often_it_is_tapped(app):
    """Two taps, then three counters at once at a barrier: one work order, the asset broken, the line linked."""
    school = make_school()
    with db.database.connection_context():
        teacher, janitor, guard = (school['users'][r] for r in ('teacher', 'janitor', 'guard'))
        chair = Item.create(campus=school['campus'], place=school['room'], kind='chair', name='椅子', asset_number='YZ-1')
        take = open_stocktake(school['campus'], school['users']['manager'], name='一楼', scope_place=school['floor'],
                              counters=[teacher.id, janitor.id, guard.id])
        desk_line = confirm_item(take, teacher, school['desk'], school['room']).line
        chair_line = confirm_item(take, teacher, chair, school['room']).line
        lamp = Item.create(campus=school['campus'], place=school['room'], kind='light', name='灯')
        unfound = StocktakeLine.create(stocktake=take, item=lamp, expected_place=school['room'])
        with pytest.raises(StocktakeRefused):
            report_damage(take, teacher, unfound.id)  # not counted: nobody saw it
        first = report_damage(take, teacher, desk_line.id, '桌腿断了')
        again = report_damage(take, teacher, desk_line.id, '桌腿断了')
        assert first.order_id and again.order_id == first.order_id and first.condition == 'damaged'
        order = WorkOrder.get_by_id(first.order_id)
        assert (order.item_id, order.place_id, order.reporter_id, order.description) == (
            school['desk'].id, school['room'].id, teacher.id, '桌腿断了')
        assert order.title == '课桌 · 一楼'
        assert Item.get_by_id(school['desk'].id).status == 'broken'
    barrier = threading.Barrier(3, timeout=60)
    errors = []

    def tap(user):
        try:
            with db.database.connection_context():
                barrier.wait()
                report_damage(take, user, chair_line.id)
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=tap, args=(u,)) for u in (teacher, janitor, guard)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db.database.connection_context():
        orders = list(WorkOrder.select().where(WorkOrder.item == chair))
        assert len(orders) == 1 and StocktakeLine.get_by_id(chair_line.id).order_id == orders[0].id
        assert [o.sequence for o in WorkOrder.select().order_by(WorkOrder.sequence)] == [1, 2]  # no gap
        assert [l.item_id for l in reconcile(take).damaged] == [school['desk'].id, chair.id]
        close_stocktake(take, school['users']['manager'], '王主任')
        with pytest.raises(StocktakeRefused):
            report_damage(take, teacher, desk_line.id)


def test_a_blank_label_is_registered_on_the_spot_once(app):
    """A blank label scanned in a room: registered there (Item, label attached, oddity settled, found here);
    a second try and a used asset number change nothing."""
    school = make_school()
    with db.database.connection_context():
        teacher, janitor = school['users']['teacher'], school['users']['janitor']
        blank = Tag.create(token='BLANK00000', campus=school['campus'], status='unclaimed')
        take = open_stocktake(school['campus'], school['users']['manager'], name='一楼', scope_place=school['floor'],
                              counters=[teacher.id, janitor.id])
        record_count_scan(take, teacher, Tag.get(Tag.token == 'ABCDEFGH12'))
        assert record_count_scan(take, teacher, blank).reason == 'blank'
        [oddity] = blank_labels_of(take, teacher)
        assert blank_labels_of(take, janitor) == []
        for fields, field in (({'name': ' ', 'kind': 'chair'}, 'name'), ({'name': '柜子', 'kind': 'rocket'}, 'kind'),
                              ({'name': '柜子', 'kind': 'other', 'asset_number': 'KZ-0001'}, 'asset_number')):
            with pytest.raises(StocktakeRefused) as refused:
                register_blank(take, teacher, oddity.id, **fields)
            assert refused.value.field == field
        assert Item.select().count() == 1 and Tag.get_by_id(blank.id).status == 'unclaimed'
        item = register_blank(take, teacher, oddity.id, name=' 文件柜 ', kind='other', asset_number='WJG-1')
        assert (item.name, item.place_id, item.asset_number) == ('文件柜', school['room'].id, 'WJG-1')
        tag = Tag.get_by_id(blank.id)
        assert (tag.status, tag.item_id) == ('active', item.id)
        with pytest.raises(StocktakeRefused):
            register_blank(take, janitor, oddity.id, name='又一个', kind='other')
        assert Item.select().count() == 2 and blank_labels_of(take, teacher) == []
        result = reconcile(take)
        assert [l.item_id for l in result.here] == [item.id] and result.total == 2
        assert [o.settled for o in result.unexpected] == ['registered']
        assert record_count_scan(take, teacher, tag).outcome == 'again'  # the label now confirms its asset


def test_three_counters_registering_one_blank_label_at_once_make_one_asset(app):
    """The same blank label's form sent by three counters at a barrier: one asset, the label on it, two refusals."""
    school = make_school()
    with db.database.connection_context():
        counters = [school['users'][r] for r in ('teacher', 'janitor', 'guard')]
        blank = Tag.create(token='BLANK00000', campus=school['campus'], status='unclaimed')
        take = open_stocktake(school['campus'], school['users']['manager'], name='一楼', scope_place=school['floor'],
                              counters=[c.id for c in counters])
        record_count_scan(take, counters[0], Tag.get(Tag.token == 'ABCDEFGH12'))
        record_count_scan(take, counters[0], blank)
        [oddity] = blank_labels_of(take, counters[0])
    barrier = threading.Barrier(3, timeout=60)
    outcomes = []

    def register(user, n):
        with db.database.connection_context():
            barrier.wait()
            try:
                register_blank(take, user, oddity.id, name=f'柜子{n}', kind='other', asset_number=f'GZ-{n}')
                outcomes.append('registered')
            except StocktakeRefused:
                outcomes.append('refused')

    threads = [threading.Thread(target=register, args=(u, n)) for n, u in enumerate(counters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ['refused', 'refused', 'registered']
    with db.database.connection_context():
        [item] = Item.select().where(Item.name.startswith('柜子'))
        assert Tag.get_by_id(blank.id).item_id == item.id
        assert StocktakeLine.select().where(StocktakeLine.item == item).count() == 1
