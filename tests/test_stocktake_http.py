"""Stocktake pages over HTTP: opening, counting by typed or scanned codes, moving, closing; hostile input."""
from helpers import csrf_token

from houqin import db
from houqin.models import Campus, Item, Place, Stocktake, StocktakeLine, Tag


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
