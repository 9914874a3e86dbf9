"""Stocktake pages over HTTP: opening, counting by typed or scanned codes, moving, closing; hostile input."""
from helpers import csrf_token

from houqin import db
from houqin.models import Campus, Item, Place, Stocktake, StocktakeLine, StocktakeOddity, Tag, WorkOrder


def open_form(client, school, **extra):
    data = {'csrf_token': csrf_token(client, '/stocktakes/'), 'name': '一楼期末清点',
            'scope': str(school['floor'].id), 'counters': [str(school['users']['teacher'].id)]}
    data.update(extra)
    return client.post('/stocktakes/', data=data)


def test_open_count_move_and_close(as_role, school):
    """A manager opens a floor's stocktake; the teacher counts the desk in the wrong room; close moves it."""
    with db.database.connection_context():
        room2 = Place.create(campus=school['campus'], parent=school['floor'], name='102教室', kind='classroom')
        Tag.create(token='RM2TAG0000', campus=school['campus'], place=room2)
        Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
    manager, teacher = as_role('manager'), as_role('teacher')
    response = open_form(manager, school)
    assert response.status_code == 302
    with db.database.connection_context():
        take = Stocktake.get()
    count_url = f'/stocktakes/{take.id}/count'
    token = csrf_token(teacher, count_url)
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'http://x/T/DESKTAG000'}).get_data(as_text=True)
    assert '请先扫描房间标签' in page
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'http://x/T/RM2TAG0000'}).get_data(as_text=True)
    assert '正在 102教室 清点' in page
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'http://x/T/DESKTAG000'}).get_data(as_text=True)
    assert '课桌 已在 102教室 清点' in page
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'KZ-0001'}).get_data(as_text=True)
    assert '课桌 已清点过' in page
    detail = manager.get(f'/stocktakes/{take.id}').get_data(as_text=True)
    assert 'id="n-elsewhere">1<' in detail and 'id="n-missing">0<' in detail
    with db.database.connection_context():
        line = StocktakeLine.get(StocktakeLine.stocktake == take)
    token = csrf_token(manager, f'/stocktakes/{take.id}')
    manager.post(f'/stocktakes/{take.id}/lines/{line.id}', data={'csrf_token': token, 'resolution': 'move'})
    manager.post(f'/stocktakes/{take.id}/close', data={'csrf_token': token, 'signed_name': '王主任'})
    with db.database.connection_context():
        assert Item.get_by_id(school['desk'].id).place_id == room2.id
        assert Stocktake.get_by_id(take.id).status == 'closed'


def test_hostile_input_changes_nothing(as_role, school):
    """Empty, 100 KB, 2**64, negative, another campus's place: a clear message, nothing opened; other ids 404."""
    manager = as_role('manager')
    with db.database.connection_context():
        other = Campus.create(name='别校', code='other')
        other_place = Place.create(campus=other, name='楼', kind='building')
        foreign = Stocktake.create(campus=other, name='别校清点')
    for extra in ({'name': ''}, {'name': 'x' * 100_000, 'counters': []}, {'scope': str(2 ** 64)},
                  {'scope': '-1'}, {'scope': str(other_place.id)}, {'scope': '²'}, {'kind': 'rocket'},
                  {'counters': [str(2 ** 64)]}, {'name': '\r\n'}):
        response = open_form(manager, school, **extra)
        assert response.status_code == 400, extra
        assert '未保存' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert Stocktake.select().where(Stocktake.campus == school['campus']).count() == 0
    assert manager.get(f'/stocktakes/{foreign.id}').status_code == 404
    assert manager.get(f'/stocktakes/{2 ** 64}').status_code == 404
    open_form(manager, school)
    with db.database.connection_context():
        take = Stocktake.get(Stocktake.campus == school['campus'])
    assert as_role('janitor').get(f'/stocktakes/{take.id}/count').status_code == 404  # not a counter
    teacher = as_role('teacher')
    token = csrf_token(teacher, f'/stocktakes/{take.id}/count')
    for data in ({'code': ''}, {'code': 'x' * 100_000}, {'room': str(other_place.id)}, {'room': str(2 ** 64)},
                 {'code': '²'}):
        response = teacher.post(f'/stocktakes/{take.id}/count', data={'csrf_token': token, **data})
        assert response.status_code == 400, data
    token = csrf_token(manager, f'/stocktakes/{take.id}')
    manager.post(f'/stocktakes/{take.id}/close', data={'csrf_token': token, 'signed_name': ''})
    with db.database.connection_context():
        assert Stocktake.get_by_id(take.id).status == 'open'
        assert StocktakeLine.select().where(StocktakeLine.found_at.is_null(False)).count() == 0


def test_scanning_labels_on_the_scan_page_counts_with_no_tap(as_role, school):
    """A counter's phone camera opens /t/<token>: the room's label sets the room, an asset's confirms it there,
    a revoked label is kept as unexpected; someone who counts in no stocktake sees no stocktake panel."""
    with db.database.connection_context():
        Tag.create(token='DESKTAG000', campus=school['campus'], item=school['desk'])
        Tag.create(token='REV0KED000', campus=school['campus'], item=school['desk'], status='revoked')
    manager, teacher = as_role('manager'), as_role('teacher')
    open_form(manager, school)
    with db.database.connection_context():
        take = Stocktake.get()
    assert '请先扫描房间标签' in teacher.get('/t/DESKTAG000').get_data(as_text=True)
    assert '正在 101教室 清点' in teacher.get('/t/ABCDEFGH12').get_data(as_text=True)
    assert '课桌 已在 101教室 清点' in teacher.get('/t/DESKTAG000').get_data(as_text=True)
    assert '课桌 已清点过' in teacher.get('/T/desktag000').get_data(as_text=True)
    assert '已作废的标签' in teacher.get('/t/REV0KED000').get_data(as_text=True)
    assert 'id="stocktake-scan"' not in as_role('janitor').get('/t/DESKTAG000').get_data(as_text=True)
    with db.database.connection_context():
        line = StocktakeLine.get(StocktakeLine.stocktake == take)
        assert (line.found_place_id, line.scans) == (school['room'].id, 2)
    detail = manager.get(f'/stocktakes/{take.id}').get_data(as_text=True)
    assert 'id="n-here">1<' in detail and 'id="n-unexpected">1<' in detail


def test_counter_notes_damage_and_registers_a_blank_label_from_the_count_page(as_role, school):
    """From 我的清点 on the home page: the room, the desk damaged (two taps, one repair), a blank label registered
    through the short form (bad input kept with its message, nothing changed), then found in that room."""
    with db.database.connection_context():
        Tag.create(token='NEWTAG0000', campus=school['campus'], status='unclaimed')
    manager, teacher = as_role('manager'), as_role('teacher')
    assert 'id="my-stocktakes"' not in teacher.get('/').get_data(as_text=True)
    open_form(manager, school)
    with db.database.connection_context():
        take = Stocktake.get()
    home = teacher.get('/').get_data(as_text=True)
    assert 'id="my-stocktakes"' in home and f'/stocktakes/{take.id}/count' in home and '一楼期末清点' in home
    count_url = f'/stocktakes/{take.id}/count'
    token = csrf_token(teacher, count_url)
    teacher.post(count_url, data={'csrf_token': token, 'code': 'ABCDEFGH12'})
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'KZ-0001'}).get_data(as_text=True)
    assert 'id="room-progress">1/1<' in page
    with db.database.connection_context():
        line = StocktakeLine.get(StocktakeLine.stocktake == take)
    for _tap in range(2):
        response = teacher.post(f'{count_url}/lines/{line.id}/damaged', data={'csrf_token': token, 'note': '桌面裂'})
        assert response.status_code == 302
    with db.database.connection_context():
        orders = list(WorkOrder.select())
        assert len(orders) == 1 and orders[0].item_id == school['desk'].id and orders[0].description == '桌面裂'
    page = teacher.get(count_url).get_data(as_text=True)
    assert orders[0].number in page
    page = teacher.post(count_url, data={'csrf_token': token, 'code': 'NEWTAG0000'}).get_data(as_text=True)
    assert '请在清点页登记' in page and 'class="card blank-label"' in page
    with db.database.connection_context():
        oddity = StocktakeOddity.get()
    register_url = f'{count_url}/blanks/{oddity.id}'
    for data in ({'name': '', 'kind': 'other'}, {'name': '柜子\x00', 'kind': '²'},
                 {'name': 'x' * 100_000, 'kind': 'other', 'asset_number': 'KZ-0001'}):
        response = teacher.post(register_url, data={'csrf_token': token, **data})
        assert response.status_code == 400, data
        assert 'value="KZ-0001"' in response.get_data(as_text=True) or 'asset_number' not in data
    with db.database.connection_context():
        assert Item.select().count() == 1 and Tag.get(Tag.token == 'NEWTAG0000').status == 'unclaimed'
    other_take = open_form(manager, school, name='别的清点')
    assert teacher.post(f'/stocktakes/{2 ** 64}/count/blanks/{oddity.id}', data={'csrf_token': token}).status_code == 404
    response = teacher.post(register_url, data={'csrf_token': token, 'name': '文件柜', 'kind': 'other',
                                                'asset_number': 'WJG-0001'})
    assert response.status_code == 302
    assert teacher.post(register_url, data={'csrf_token': token, 'name': '文件柜', 'kind': 'other'}).status_code == 400
    with db.database.connection_context():
        item = Item.get(Item.asset_number == 'WJG-0001')
        assert item.place_id == school['room'].id and Tag.get(Tag.token == 'NEWTAG0000').item_id == item.id
    detail = manager.get(f'/stocktakes/{take.id}').get_data(as_text=True)
    assert 'id="n-here">2<' in detail and '当场登记' in detail and 'id="n-damaged">1<' in detail
    assert other_take.status_code == 302
    assert as_role('janitor').post(register_url, data={'csrf_token': token}).status_code == 400


def test_the_manager_marks_damage_on_the_stocktake_page_once(as_role, school):
    """The 损坏 button on the reconciliation, tapped twice: one repair, listed under 损坏 with its number."""
    manager, teacher = as_role('manager'), as_role('teacher')
    open_form(manager, school)
    with db.database.connection_context():
        take = Stocktake.get()
    token = csrf_token(teacher, f'/stocktakes/{take.id}/count')
    teacher.post(f'/stocktakes/{take.id}/count', data={'csrf_token': token, 'code': 'ABCDEFGH12'})
    teacher.post(f'/stocktakes/{take.id}/count', data={'csrf_token': token, 'code': 'KZ-0001'})
    with db.database.connection_context():
        line = StocktakeLine.get(StocktakeLine.stocktake == take)
    token = csrf_token(manager, f'/stocktakes/{take.id}')
    for _tap in range(2):
        manager.post(f'/stocktakes/{take.id}/lines/{line.id}', data={'csrf_token': token, 'condition': 'damaged'})
    with db.database.connection_context():
        [order] = WorkOrder.select()
        assert order.item_id == school['desk'].id and StocktakeLine.get_by_id(line.id).order_id == order.id
    detail = manager.get(f'/stocktakes/{take.id}').get_data(as_text=True)
    assert 'id="n-damaged">1<' in detail and order.number in detail
    for bad in ({'condition': 'rocket'}, {'resolution': 'x' * 100_000}, {'condition': '²'}):
        manager.post(f'/stocktakes/{take.id}/lines/{line.id}', data={'csrf_token': token, **bad})
    assert manager.post(f'/stocktakes/{take.id}/lines/{2 ** 64}', data={'csrf_token': token,
                                                                         'condition': 'damaged'}).status_code == 404
    with db.database.connection_context():
        assert WorkOrder.select().count() == 1
        assert StocktakeLine.get_by_id(line.id).condition == 'damaged'
