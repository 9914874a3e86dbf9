"""/t/<token>: labels resolve in any spelling; replaced and unassigned labels say so; a typed code finds its label."""
import re

import pytest
from helpers import csrf_token

from houqin import db
from houqin.labels.lifecycle import create_unclaimed, reprint
from houqin.models import Campus, Tag
from houqin.tags import human_code, new_token


@pytest.fixture
def desk_tag(school):
    with db.database.connection_context():
        return Tag.create(token='7K3M9Q2XAB', campus=school['campus'], item=school['desk'])


def text(response):
    return response.get_data(as_text=True)


def heading(response):
    """The page's first <h1>, without tags: what a person sees as the title."""
    match = re.search(r'<h1[^>]*>(.*?)</h1>', text(response), re.S)
    return re.sub(r'<[^>]+>', '', match.group(1)).strip() if match else None


@pytest.mark.parametrize('path', ['/t/ABCDEFGH12', '/T/ABCDEFGH12', '/t/abcdefgh12', '/T/ABCD-EFGH-12',
                                  '/t/abcd%20efgh%2012', '/t/ABCDEFGHI2', '/T/abcdefghl2'])
def test_a_label_resolves_in_any_spelling(client, school, path):
    response = client.get(path)
    assert response.status_code == 200
    page = text(response)
    assert heading(response) == '101教室'
    assert '教学楼 › 一楼' in page and '测试中心小学' in page and 'ABCD-EFGH-12' in page


def test_an_asset_label_names_the_asset_its_kind_and_where_it_is(client, desk_tag):
    response = client.get('/T/7K3M9Q2XAB')
    page = text(response)
    assert heading(response) == '课桌'
    assert 'KZ-0001' in page and '教学楼 › 一楼 › 101教室' in page


def test_the_scan_page_is_small_and_self_contained(client, school):
    page = text(client.get('/t/ABCDEFGH12'))
    assert len(page.encode()) < 16_000
    for url in re.findall(r'(?:href|src)="([^"]*)"', page):
        assert url.startswith(('/', 'data:', '#')), url   # no third-party requests
    assert 'style="' not in page and '<script>' not in page


def test_an_unknown_label_gets_a_friendly_404_in_chinese(client, school):
    response = client.get('/T/ZZZZZZZZZZ')
    assert response.status_code == 404
    assert '没有找到这个标签' in text(response) and 'ZZZZZZZZZZ' in text(response)
    assert client.get('/t/short').status_code == 404


def test_staff_see_links_anonymous_visitors_do_not(client, as_role, school):
    assert '/admin/places/' not in text(client.get('/t/ABCDEFGH12'))
    page = text(as_role('manager').get('/t/ABCDEFGH12'))
    assert f'/admin/places/{school["room"].id}' in page and '/admin/labels/tag/ABCDEFGH12' in page
    page = text(as_role('teacher').get('/t/ABCDEFGH12'))
    assert '/admin/' not in page


def test_a_replaced_label_says_so_and_points_staff_to_the_current_one(app, client, as_role, school):
    with app.test_request_context(), db.database.connection_context():
        old = Tag.get(Tag.token == 'ABCDEFGH12')
        new = reprint(old)
        newer = reprint(new)
    response = client.get('/t/ABCDEFGH12')
    assert response.status_code == 200
    assert '此标签已被替换' in text(response) and newer.token not in text(response)
    page = text(as_role('admin').get('/t/abcd-efgh-12'))
    assert f'/t/{newer.token}' in page and f'/admin/places/{school["room"].id}' in page


def test_an_admin_attaches_an_unassigned_label_on_the_spot(app, client, as_role, school):
    with app.test_request_context(), db.database.connection_context():
        blank, second = create_unclaimed(school['campus'], 2)
    assert '此标签尚未启用' in text(client.get(f'/t/{blank.token}'))
    assert 'name="place_id"' not in text(as_role('teacher').get(f'/t/{blank.token}'))
    admin = as_role('admin')
    path = f'/t/{blank.token}'
    assert 'name="place_id"' in text(admin.get(path))
    token = csrf_token(admin, path)
    # Nothing chosen, both chosen, an unknown asset number: clear messages, what was typed kept.
    response = admin.post(f'{path}/attach', data={'csrf_token': token, 'place_id': '0', 'asset_number': ''})
    assert response.status_code == 400 and '请选择场所或填写资产编号' in text(response)
    response = admin.post(f'{path}/attach', data={'csrf_token': token, 'place_id': '0', 'asset_number': 'NO-SUCH'})
    assert response.status_code == 400 and 'value="NO-SUCH"' in text(response)
    # Attach it to the desk, retiring the desk's old label.
    with db.database.connection_context():
        old = Tag.create(token=new_token(), campus=school['campus'], item=school['desk'])
    response = admin.post(f'{path}/attach', data={'csrf_token': token, 'place_id': '0', 'asset_number': 'KZ-0001',
                                                  'retire_others': 'y'})
    assert response.status_code == 302
    with db.database.connection_context():
        attached, retired = Tag.get_by_id(blank.id), Tag.get_by_id(old.id)
        assert attached.status == 'active' and attached.item_id == school['desk'].id
        assert retired.status == 'revoked' and retired.replaced_by_id == blank.id
    assert heading(client.get(path)) == '课桌'
    # Attached labels stay attached.
    response = admin.post(f'{path}/attach', data={'csrf_token': token, 'place_id': school['floor'].id})
    assert response.status_code == 302
    with db.database.connection_context():
        assert Tag.get_by_id(blank.id).item_id == school['desk'].id
    # The second one goes to a place.
    response = admin.post(f'/t/{second.token}/attach', data={'csrf_token': token, 'place_id': school['floor'].id})
    assert response.status_code == 302
    assert heading(client.get(f'/t/{second.token}')) == '一楼'


def test_another_campus_cannot_attach_a_label(app, as_role, school):
    with app.test_request_context(), db.database.connection_context():
        other = Campus.create(name='另一所学校', code='other')
        blank = create_unclaimed(other, 1)[0]
    admin = as_role('admin')
    assert 'name="place_id"' not in text(admin.get(f'/t/{blank.token}'))
    token = csrf_token(admin, '/admin/')
    response = admin.post(f'/t/{blank.token}/attach', data={'csrf_token': token, 'place_id': school['room'].id})
    assert response.status_code == 404
    with db.database.connection_context():
        assert Tag.get_by_id(blank.id).status == 'unclaimed'


def test_type_the_code_box(client, school):
    assert client.get('/t/').status_code == 200 and client.get('/code').status_code == 200
    for typed in ('abcd-efgh-12', 'ABCD EFGH I2', 'http://school.test/T/ABCDEFGH12'):
        response = client.get('/code', query_string={'code': typed})
        assert response.status_code == 302 and response.headers['Location'].endswith('/t/ABCDEFGH12'), typed
    response = client.get('/t/', query_string={'code': 'ABCD-EFGH-13'})
    assert response.status_code == 404 and '没有编号为 ABCD-EFGH-13 的标签' in text(response)
    assert 'value="ABCD-EFGH-13"' in text(response)
    response = client.get('/t/', query_string={'code': '12<34'})
    assert response.status_code == 400 and '不是标签编号' in text(response) and '12&lt;34' in text(response)


def test_the_typed_code_matches_what_the_label_prints(school):
    assert human_code('ABCDEFGH12') == 'ABCD-EFGH-12'
