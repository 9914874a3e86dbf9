"""The set-up pages: places, assets, staff and campus settings, each change in the audit log."""
import re

from helpers import PASSWORD, csrf_token, login

from houqin.db import database
from houqin.models import AuditLog, Campus, Item, Membership, Place, Tag, User


def count(model, *where):
    with database.connection_context():
        query = model.select()
        return (query.where(*where) if where else query).count()


def post(client, path, data, form_path=None):
    data = dict(data, csrf_token=csrf_token(client, form_path or path))
    return client.post(path, data=data)


def test_add_edit_delete_a_place_with_audit(as_role, school):
    manager = as_role('manager')
    floor = school['floor']
    response = post(manager, '/admin/places/new', {'name': '102教室', 'kind': 'classroom', 'parent': floor.id,
                                                   'code': '102', 'note': ''})
    assert response.status_code == 302
    with database.connection_context():
        room = Place.get(Place.name == '102教室')
        assert room.parent_id == floor.id and room.path() == '教学楼 › 一楼 › 102教室'
        assert Tag.get(Tag.place == room).status == 'active'
    response = post(manager, f'/admin/places/{room.id}', {'name': '102 音乐教室', 'kind': 'function_room',
                                                          'parent': floor.id, 'code': '102', 'note': '钢琴'})
    assert response.status_code == 302
    response = post(manager, f'/admin/places/{room.id}/delete', {}, form_path=f'/admin/places/{room.id}')
    assert response.status_code == 302
    assert count(Place, Place.id == room.id) == 0
    with database.connection_context():
        log = [(e.action, e.entity, e.user.username) for e in
               AuditLog.select().where(AuditLog.row_id == room.id).order_by(AuditLog.id)]
        update = AuditLog.get(AuditLog.action == 'update')
    assert log == [('create', 'place', 'manager'), ('update', 'place', 'manager'), ('delete', 'place', 'manager')]
    assert update.before['name'] == '102教室' and update.after['name'] == '102 音乐教室'


def test_bad_place_input_keeps_what_was_typed_and_changes_nothing(as_role, school):
    manager = as_role('manager')
    before = count(Place)
    response = post(manager, '/admin/places/new', {'name': '', 'kind': 'classroom', 'parent': school['floor'].id,
                                                   'code': '101', 'note': '我写的备注'})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '请填写名称' in html and '编号 101 已被其他场所使用' in html and '我写的备注' in html
    assert count(Place) == before


def test_a_place_cannot_move_inside_itself(as_role, school):
    manager = as_role('manager')
    building = school['building']
    response = post(manager, f'/admin/places/{building.id}', {'name': '教学楼', 'kind': 'building',
                                                              'parent': school['room'].id, 'code': 'A'})
    assert response.status_code == 200 and '不能放在它自己' in response.get_data(as_text=True)
    with database.connection_context():
        assert Place.get_by_id(building.id).parent_id is None


def test_a_place_with_contents_is_not_deleted(as_role, school):
    manager = as_role('manager')
    room = school['room']
    response = post(manager, f'/admin/places/{room.id}/delete', {}, form_path=f'/admin/places/{room.id}')
    assert response.status_code == 302
    assert count(Place, Place.id == room.id) == 1
    assert '请先移走或删除' in manager.get(response.headers['Location']).get_data(as_text=True)


def test_place_tree_drill_down_search_and_pagination(as_role, school):
    with database.connection_context():
        for n in range(120):
            Place.create(campus=school['campus'], parent=school['floor'], name=f'宿舍{n:03d}', kind='dormitory')
    viewer = as_role('viewer')
    top = viewer.get('/admin/places').get_data(as_text=True)
    assert '教学楼' in top and '宿舍000' not in top
    level = viewer.get(f'/admin/places?parent={school["floor"].id}').get_data(as_text=True)
    assert '第 1 页 / 共 3 页' in level and '101教室' in level
    page3 = viewer.get(f'/admin/places?parent={school["floor"].id}&page=3').get_data(as_text=True)
    assert '宿舍119' in page3
    found = viewer.get('/admin/places?q=宿舍05').get_data(as_text=True)
    assert '宿舍050' in found and '教学楼 › 一楼 › 宿舍050' in found and '宿舍100' not in found
    assert viewer.get('/admin/places?page=abc').status_code == 200


def test_viewer_reads_but_cannot_change(as_role, school):
    viewer = as_role('viewer')
    page = viewer.get(f'/admin/places/{school["room"].id}').get_data(as_text=True)
    assert '<fieldset disabled' in page
    response = post(viewer, f'/admin/places/{school["room"].id}', {'name': 'x', 'kind': 'other', 'parent': 0})
    assert response.status_code == 403
    with database.connection_context():
        assert Place.get_by_id(school['room'].id).name == '101教室'


def test_add_and_edit_an_asset(as_role, school):
    manager = as_role('manager')
    room = school['room']
    response = post(manager, '/admin/items/new', {
        'name': '干粉灭火器 4kg', 'kind': 'fire_extinguisher', 'place': room.id, 'asset_number': 'MHQ-001',
        'custodian': '总务处', 'status': 'in_use', 'purchased_on': '2025-03-01', 'expires_on': '2030-03-01'})
    assert response.status_code == 302
    with database.connection_context():
        item = Item.get(Item.asset_number == 'MHQ-001')
        assert str(item.expires_on) == '2030-03-01' and Tag.get(Tag.item == item).status == 'active'
    listing = manager.get('/admin/items?kind=fire_extinguisher').get_data(as_text=True)
    assert '干粉灭火器 4kg' in listing and 'KZ-0001' not in listing
    response = post(manager, f'/admin/items/{item.id}', {
        'name': '干粉灭火器 4kg', 'kind': 'fire_extinguisher', 'place': room.id, 'asset_number': 'MHQ-001',
        'custodian': '总务处', 'status': 'broken', 'purchased_on': '2025-03-01', 'expires_on': '2030-03-01'})
    assert response.status_code == 302
    assert '损坏' in manager.get('/admin/items?status=broken').get_data(as_text=True)


def test_bad_asset_input_is_refused_with_reasons(as_role, school):
    manager = as_role('manager')
    before = count(Item)
    response = post(manager, '/admin/items/new', {
        'name': '投影仪', 'kind': 'projector', 'place': 999999, 'asset_number': 'KZ-0001',
        'status': 'in_use', 'purchased_on': '2025-13-01', 'expires_on': '2020-01-01'})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '请选择场所' in html and '资产编号 KZ-0001 已被其他资产使用' in html
    assert 'value="投影仪"' in html
    assert count(Item) == before


def test_asset_search_by_number_and_custodian(as_role, school):
    with database.connection_context():
        Item.create(campus=school['campus'], place=school['room'], kind='projector', name='投影仪',
                    asset_number='TYY-7', custodian='王老师')
    viewer = as_role('viewer')
    assert 'TYY-7' in viewer.get('/admin/items?q=TYY').get_data(as_text=True)
    assert 'TYY-7' in viewer.get('/admin/items?q=王老师').get_data(as_text=True)
    assert 'TYY-7' not in viewer.get('/admin/items?q=李老师').get_data(as_text=True)


def test_admin_creates_a_user_who_can_log_in(app, as_role, school):
    admin = as_role('admin')
    response = post(admin, '/admin/users/new', {'username': 'Li.Hua', 'display_name': '李华', 'phone': '13800000000',
                                                'role': 'janitor', 'password': 'li-hua-2026'})
    assert response.status_code == 302
    assert login(app.test_client(), 'li.hua', 'li-hua-2026').status_code == 302
    with database.connection_context():
        user = User.get(User.username == 'li.hua')
        assert Membership.get(Membership.user == user).role == 'janitor'
        assert AuditLog.get((AuditLog.entity == 'user') & (AuditLog.row_id == user.id)).action == 'create'
        assert 'password_hash' not in AuditLog.get(AuditLog.row_id == user.id).after


def test_bad_user_input(as_role, school):
    admin = as_role('admin')
    response = post(admin, '/admin/users/new', {'username': 'guard', 'display_name': '', 'role': 'guard',
                                                'password': 'short'})
    html = response.get_data(as_text=True)
    assert '用户名 guard 已被使用' in html and '请填写姓名' in html and '8 到 128' in html
    response = post(admin, '/admin/users/new', {'username': '张三', 'display_name': '张三', 'role': 'guard',
                                                'password': 'long-enough-1'})
    assert '字母、数字' in response.get_data(as_text=True)


def test_admin_changes_a_role_but_not_their_own(as_role, school):
    admin = as_role('admin')
    guard = school['users']['guard']
    post(admin, f'/admin/users/{guard.id}', {'display_name': '李师傅', 'phone': '', 'role': 'viewer'})
    with database.connection_context():
        assert Membership.get(Membership.user == guard.id).role == 'viewer'
    me = school['users']['admin']
    response = post(admin, f'/admin/users/{me.id}', {'display_name': 'Admin', 'phone': '', 'role': 'viewer'})
    assert '不能取消自己的管理员角色' in response.get_data(as_text=True)
    response = post(admin, f'/admin/users/{me.id}/active', {'active': '0'}, form_path=f'/admin/users/{me.id}')
    assert count(User, User.id == me.id, User.active == True) == 1  # noqa: E712


def test_users_of_another_campus_are_invisible(as_role, school):
    with database.connection_context():
        other = Campus.create(name='另一所学校', code='other')
        stranger = User(username='stranger')
        stranger.set_password(PASSWORD)
        stranger.save()
        Membership.create(user=stranger, campus=other, role='admin')
        elsewhere = Place.create(campus=other, name='别处', kind='building')
    admin = as_role('admin')
    assert admin.get(f'/admin/users/{stranger.id}').status_code == 404
    assert 'stranger' not in admin.get('/admin/users/').get_data(as_text=True)
    assert admin.get(f'/admin/places/{elsewhere.id}').status_code == 404


def test_campus_settings(as_role, school):
    admin = as_role('admin')
    response = post(admin, '/admin/campus', {'name': '新名字中心小学', 'timezone': 'Mars/Olympus',
                                             'allow_anonymous_reports': 'y'})
    assert '未知时区' in response.get_data(as_text=True)
    with database.connection_context():
        assert Campus.get_by_id(school['campus'].id).name == '测试中心小学'
    response = post(admin, '/admin/campus', {'name': '新名字中心小学', 'timezone': 'Asia/Urumqi'})
    assert response.status_code == 302
    with database.connection_context():
        campus = Campus.get_by_id(school['campus'].id)
    assert campus.timezone == 'Asia/Urumqi' and campus.allow_anonymous_reports is False
    assert '新名字中心小学' in admin.get('/admin/').get_data(as_text=True)


def test_overview_counts_and_audit_page(as_role, school):
    manager = as_role('manager')
    post(manager, '/admin/places/new', {'name': '二楼', 'kind': 'floor', 'parent': school['building'].id})
    html = manager.get('/admin/').get_data(as_text=True)
    assert re.search(r'<b>4</b>\s*场所', html) and re.search(r'<b>1</b>\s*资产', html)
    audit = manager.get('/admin/audit').get_data(as_text=True)
    assert '新建了' in audit and '二楼' in audit


def test_a_person_with_roles_on_two_campuses_switches_between_them(app, school):
    with database.connection_context():
        second = Campus.create(name='第二小学', code='second')
        Place.create(campus=second, name='第二小学教学楼', kind='building')
        Membership.create(user=school['users']['teacher'], campus=second, role='manager')
    client = app.test_client()
    login(client, 'teacher')
    assert client.get('/admin/').status_code == 403  # a teacher on the first campus
    client.post('/account', data={'csrf_token': csrf_token(client, '/account'), 'prefs-language': '',
                                  'prefs-campus': second.id})
    page = client.get('/admin/places').get_data(as_text=True)
    assert '第二小学教学楼' in page and '教学楼</span>' not in page.replace('第二小学教学楼', '')


def test_overview_tiles_lead_to_what_needs_attention(as_role, school):
    import datetime
    today = datetime.date.today()
    with database.connection_context():
        for name, status, expires in (('旧灭火器', 'in_use', today - datetime.timedelta(days=3)),
                                      ('快到期灭火器', 'in_use', today + datetime.timedelta(days=10)),
                                      ('坏投影仪', 'broken', None), ('修理中的灯', 'under_repair', None)):
            Item.create(campus=school['campus'], place=school['room'], kind='other', name=name, status=status,
                        expires_on=expires)
    manager = as_role('manager')
    overview = manager.get('/admin/').get_data(as_text=True)
    links = dict((label, href) for href, label in re.findall(r'href="([^"]+)"><b>\d+</b>([^<]+)</a>', overview))
    attention = manager.get(links['损坏或维修中'].replace('&amp;', '&')).get_data(as_text=True)
    assert '坏投影仪' in attention and '修理中的灯' in attention and '旧灭火器' not in attention
    expired = manager.get(links['已过有效期'].replace('&amp;', '&')).get_data(as_text=True)
    assert '旧灭火器' in expired and '快到期灭火器' not in expired and '已过期' in expired
    soon = manager.get(links['30天内到期'].replace('&amp;', '&')).get_data(as_text=True)
    assert '快到期灭火器' in soon and '旧灭火器' not in soon


def test_asset_page_shows_its_extra_facts(as_role, school):
    with database.connection_context():
        item = Item.create(campus=school['campus'], place=school['room'], kind='fire_extinguisher', name='灭火器',
                           attributes={'agent': '干粉', 'capacity_kg': 4, 'note': '走廊东侧'})
    html = as_role('viewer').get(f'/admin/items/{item.id}').get_data(as_text=True)
    assert '走廊东侧' in html and '干粉' in html and '灭火剂' in html


def test_place_and_asset_pages_lead_to_their_label(as_role, school):
    with database.connection_context():
        Tag.create(token='DK00000003', campus=school['campus'], item=school['desk'])
    manager = as_role('manager')
    assert '/t/ABCDEFGH12' in manager.get(f'/admin/places/{school["room"].id}').get_data(as_text=True)
    page = manager.get(f'/admin/items/{school["desk"].id}').get_data(as_text=True)
    assert '/t/DK00000003' in page and '/admin/labels/tag/DK00000003' in page
    assert '/admin/labels/tag/' not in as_role('viewer').get(f'/admin/items/{school["desk"].id}').get_data(as_text=True)
