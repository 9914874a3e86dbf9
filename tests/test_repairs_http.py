"""Repairs through HTTP for every role: report, my jobs, my reports, the order page, board, follow link, ledger."""
import datetime
import io
import re

from PIL import Image
from helpers import csrf_token

from houqin import db
from houqin.clock import utcnow
from houqin.models import (AuditLog, Campus, Item, Photo, Place, RepairCategory, RepairSettings, WorkOrder,
                           WorkOrderEvent)
from houqin.repairs.workflow import join_order, report_problem


def jpeg_upload(name='fix.jpg', color='green'):
    out = io.BytesIO()
    Image.new('RGB', (80, 60), color).save(out, 'JPEG')
    out.seek(0)
    return out, name


def page(client, path):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def act(client, order_id, action, **fields):
    """POST one action on the order page, with its CSRF token."""
    data = {'csrf_token': csrf_token(client, f'/repairs/{order_id}'), 'action': action, **fields}
    return client.post(f'/repairs/{order_id}/act', data=data, content_type='multipart/form-data')


def get_order(order_id):
    with db.database.connection_context():
        return WorkOrder.get_by_id(order_id)


def report(client, school, title='灯不亮', **extra):
    """Report through the form; returns the new order."""
    data = {'csrf_token': csrf_token(client, '/repairs/new'), 'place': school['room'].id, 'title': title, **extra}
    response = client.post('/repairs/new', data=data, content_type='multipart/form-data')
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return get_order(int(response.headers['Location'].rsplit('/', 1)[1]))


def test_lifecycle_through_http_for_each_role(as_role, school):
    teacher, repair, manager, viewer = (as_role(r) for r in ('teacher', 'repair', 'manager', 'viewer'))
    order = report(teacher, school, title='第三排日光灯不亮', category='electrical',
                   photos=jpeg_upload('report.jpg', 'red'))
    assert order.number.endswith('-0001') and order.status == 'reported'
    status, html = page(teacher, f'/repairs/{order.id}')
    assert status == 200 and '第三排日光灯不亮' in html and '已报修' in html

    # The repair worker sees it as not taken yet, accepts and starts it with one tap each.
    status, html = page(repair, '/repairs/jobs')
    assert '第三排日光灯不亮' in html and '接单' in html
    assert act(repair, order.id, 'accept', next='/repairs/jobs').headers['Location'] == '/repairs/jobs'
    assert get_order(order.id).assignee_id == school['users']['repair'].id
    assert act(repair, order.id, 'start').status_code == 302
    # Done needs what was done and a photo; parts and cost are kept with it.
    refused = act(repair, order.id, 'finish', note='换灯管', part_name_1='灯管', part_qty_1='2')
    assert refused.status_code == 400 and '请拍一张修好后的照片' in refused.get_data(as_text=True)
    assert 'value="灯管"' in refused.get_data(as_text=True) and '换灯管' in refused.get_data(as_text=True)
    assert get_order(order.id).status == 'in_progress'
    done = act(repair, order.id, 'finish', note='换灯管2支', part_name_1='灯管', part_qty_1='2', cost='24.5',
               photos=jpeg_upload())
    assert done.status_code == 302
    assert get_order(order.id).status == 'done'

    # The viewer may look but not close; the teacher verifies from 我的报修; the manager closes.
    refused = act(viewer, order.id, 'close')
    assert refused.status_code == 403 and '您不能对此工单执行“验收并关闭”。' in refused.get_data(as_text=True)
    assert get_order(order.id).status == 'done'
    status, html = page(teacher, '/repairs/mine')
    assert '已修好，验收' in html
    assert act(teacher, order.id, 'verify', next='/repairs/mine').status_code == 302
    assert act(manager, order.id, 'close').status_code == 302
    final = get_order(order.id)
    assert final.status == 'closed' and final.closed_at is not None and str(final.cost) in ('24.5', '24.50')
    with db.database.connection_context():
        events = list(WorkOrderEvent.select().where(WorkOrderEvent.order == order.id).order_by(WorkOrderEvent.id))
        assert [e.action for e in events] == ['report', 'accept', 'start', 'finish', 'verify', 'close']
        assert [e.actor.username for e in events] == ['teacher', 'repair', 'repair', 'repair', 'teacher', 'manager']
        assert Photo.select().where(Photo.event.in_([events[0].id, events[3].id])).count() == 2
    status, html = page(teacher, f'/repairs/{order.id}')
    assert '灯管 × 2' in html and '已关闭' in html


def order_state(order_id):
    """An order's row and its number of events: what a refused action must leave as it was."""
    with db.database.connection_context():
        return (dict(WorkOrder.get_by_id(order_id).__data__),
                WorkOrderEvent.select().where(WorkOrderEvent.order == order_id).count())


def refused(client, order_id, action, status, text):
    """Try an action that must be refused with this HTTP status and message, changing nothing."""
    before = order_state(order_id)
    response = act(client, order_id, action, note='x', photos=jpeg_upload())
    assert response.status_code == status, (action, response.status_code)
    assert text in response.get_data(as_text=True), action
    assert order_state(order_id) == before, action


def test_illegal_transitions_are_refused_with_a_message_and_change_nothing(as_role, school):
    teacher, repair, manager, guard = as_role('teacher'), as_role('repair'), as_role('manager'), as_role('guard')
    order = report(teacher, school)
    # 403: never for this person; 409: they may, but not in this status; 400: no such action.
    refused(teacher, order.id, 'start', 403, '您不能对此工单执行“开始维修”。')
    refused(repair, order.id, 'finish', 409, '此工单当前为“已报修”，现在不能“维修完成”。')
    refused(repair, order.id, 'reject', 403, '您不能对此工单执行“驳回”。')   # reported: rejecting is possible
    refused(teacher, order.id, 'verify', 409, '此工单当前为“已报修”，现在不能“已修好，验收”。')
    refused(teacher, order.id, 'fly', 400, '未知的操作。')
    assert act(repair, order.id, 'accept').status_code == 302
    refused(repair, order.id, 'reject', 403, '您不能对此工单执行“驳回”。')   # accepted: still possible, not for them
    assert act(repair, order.id, 'start').status_code == 302
    assert act(repair, order.id, 'finish', note='换灯管', photos=jpeg_upload()).status_code == 302
    # Done: verifying and closing are possible now, but not for the worker who did the job, nor the reporter.
    refused(repair, order.id, 'verify', 403, '您不能对此工单执行“已修好，验收”。')
    refused(teacher, order.id, 'close', 403, '您不能对此工单执行“验收并关闭”。')
    assert act(teacher, order.id, 'verify').status_code == 302
    refused(repair, order.id, 'close', 403, '您不能对此工单执行“验收并关闭”。')
    refused(teacher, order.id, 'close', 403, '您不能对此工单执行“验收并关闭”。')
    assert act(manager, order.id, 'close').status_code == 302 and get_order(order.id).status == 'closed'
    # A guard did not report it and is no repair worker: the order is not even shown to them.
    assert guard.get(f'/repairs/{order.id}').status_code == 404
    before = order_state(order.id)
    assert act(guard, order.id, 'comment', note='x').status_code == 404
    assert order_state(order.id) == before


def test_reporter_reopens_and_bad_inputs_are_kept(as_role, school):
    teacher, repair, manager = as_role('teacher'), as_role('repair'), as_role('manager')
    order = report(teacher, school, title='门关不上')
    act(repair, order.id, 'start')
    act(repair, order.id, 'finish', note='调了合页', photos=jpeg_upload())
    empty = act(teacher, order.id, 'reopen', note='')
    assert empty.status_code == 400 and '请填写原因' in empty.get_data(as_text=True)
    assert act(teacher, order.id, 'reopen', note='还是关不上').status_code == 302
    assert get_order(order.id).status == 'accepted'
    bad_cost = act(manager, order.id, 'compensate', liable_party='李明', compensation='八十')
    assert bad_cost.status_code == 409  # not done yet: the status refuses before the amount is read
    assert '此工单当前为“已接单”，现在不能“保存赔偿”。' in bad_cost.get_data(as_text=True)
    act(repair, order.id, 'start')
    act(repair, order.id, 'finish', note='换了合页', photos=jpeg_upload())
    bad_cost = act(manager, order.id, 'compensate', liable_party='五(2)班 李明', compensation='八十')
    assert bad_cost.status_code == 400 and '八十' in bad_cost.get_data(as_text=True)
    assert act(manager, order.id, 'compensate', liable_party='五(2)班 李明', compensation='80').status_code == 302
    late_merge = act(manager, order.id, 'merge', into='2099-9999')
    assert late_merge.status_code == 409  # done: too late to merge
    waiting = report(teacher, school, title='门又关不上')
    bad_merge = act(manager, waiting.id, 'merge', into='2099-9999')
    assert bad_merge.status_code == 400 and f'请填写另一张未关闭工单的编号，如 {waiting.year}-0001。' in \
        bad_merge.get_data(as_text=True)
    assert 'value="2099-9999"' in bad_merge.get_data(as_text=True)
    assert get_order(waiting.id).status == 'reported'


def test_report_form_refuses_bad_input_and_keeps_it(as_role, school):
    teacher = as_role('teacher')
    data = {'csrf_token': csrf_token(teacher, '/repairs/new'), 'place': '', 'title': '窗户漏风'}
    response = teacher.post('/repairs/new', data=data)
    assert response.status_code == 400 and '请选择问题所在的地方' in response.get_data(as_text=True)
    assert 'value="窗户漏风"' in response.get_data(as_text=True)
    data.update(place=school['room'].id, title='  ')
    assert teacher.post('/repairs/new', data=data).status_code == 400
    fake = (io.BytesIO(b'<?php echo 1; ?>'), 'x.jpg')
    data.update(title='窗户漏风', photos=fake)
    response = teacher.post('/repairs/new', data=data, content_type='multipart/form-data')
    assert response.status_code == 400
    with db.database.connection_context():
        assert WorkOrder.select().count() == 0
    assert teacher.post('/repairs/new', data={'place': school['room'].id, 'title': 'x'}).status_code == 400  # no CSRF


def test_an_item_report_breaks_the_item_and_its_page_shows_the_history(as_role, school):
    teacher, admin, repair = as_role('teacher'), as_role('admin'), as_role('repair')
    desk = school['desk']
    data = {'csrf_token': csrf_token(teacher, f'/repairs/new?item={desk.id}'), 'item': desk.id, 'title': '桌腿松了'}
    response = teacher.post('/repairs/new', data=data)
    assert response.status_code == 302
    order_id = int(response.headers['Location'].rsplit('/', 1)[1])
    assert get_order(order_id).category == 'furniture' and get_order(order_id).item_id == desk.id
    with db.database.connection_context():
        assert Item.get_by_id(desk.id).status == 'broken'
    status, html = page(admin, f'/admin/items/{desk.id}')
    assert status == 200 and '维修记录' in html and '桌腿松了' in html
    act(repair, order_id, 'start')
    with db.database.connection_context():
        assert Item.get_by_id(desk.id).status == 'under_repair'
    act(repair, order_id, 'finish', note='紧固', photos=jpeg_upload())
    act(admin, order_id, 'close')
    with db.database.connection_context():
        assert Item.get_by_id(desk.id).status == 'in_use'


def test_my_jobs_nearest_due_first_and_overdue_marked(app, as_role, school):
    repair = as_role('repair')
    worker = school['users']['repair']
    with app.test_request_context('/'), db.database.connection_context():
        RepairSettings.create(campus=school['campus'], urgent_hours=4, high_hours=24, normal_hours=72, low_hours=168)
        late = report_problem(school['campus'], place=school['room'], title='早就该修', priority='low')
        soon = report_problem(school['campus'], place=school['room'], title='安全隐患', hazard=True)
        later = report_problem(school['campus'], place=school['room'], title='不急', priority='normal')
        for order in (late, soon, later):
            WorkOrder.update(assignee=worker).where(WorkOrder.id == order.id).execute()
        WorkOrder.update(due_at=utcnow() - datetime.timedelta(hours=1)).where(WorkOrder.id == late.id).execute()
    status, html = page(repair, '/repairs/jobs')
    assert html.index('早就该修') < html.index('安全隐患') < html.index('不急')
    assert len(re.findall(r'class="badge overdue" data-order-overdue="\d+">', html)) == 1  # only the late one
    status, board_html = page(as_role('manager'), '/repairs/board?overdue=1')
    assert '早就该修' in board_html and '不急' not in board_html


def test_my_reports_and_live_status(as_role, school):
    teacher, janitor, manager = as_role('teacher'), as_role('janitor'), as_role('manager')
    mine = report(teacher, school, title='黑板松动')
    other = report(janitor, school, title='拖把池堵了')
    status, html = page(teacher, '/repairs/mine')
    assert '黑板松动' in html and '拖把池堵了' not in html
    assert teacher.get(f'/repairs/{other.id}').status_code == 404
    live = teacher.get('/repairs/mine.json').get_json()
    assert live == {str(mine.id): {'status': 'reported', 'label': '已报修', 'overdue': False}}
    act(manager, mine.id, 'assign', assignee=school['users']['repair'].id)
    assert teacher.get('/repairs/mine.json').get_json()[str(mine.id)]['label'] == '已接单'


def test_board_filters_and_bulk_assign_all_or_nothing(app, as_role, school):
    manager, viewer = as_role('manager'), as_role('viewer')
    with app.test_request_context('/'), db.database.connection_context():
        plumbing = report_problem(school['campus'], place=school['room'], title='水管漏水', category='plumbing')
        light = report_problem(school['campus'], place=school['room'], title='灯闪', category='electrical')
        elsewhere = report_problem(school['campus'], place=school['building'], title='外墙掉皮', category='building')
    assert '水管漏水' not in page(manager, '/repairs/board?category=electrical')[1]
    assert '灯闪' in page(manager, '/repairs/board?category=electrical')[1]
    assert '外墙掉皮' in page(manager, f'/repairs/board?building={school["building"].id}')[1]
    assert '灯闪' in page(manager, '/repairs/board?assignee=none')[1]
    assert 'name="order"' not in page(viewer, '/repairs/board')[1]  # the viewer reads, does not assign

    token = csrf_token(manager, '/repairs/board')
    worker = school['users']['repair'].id
    act(manager, elsewhere.id, 'reject', note='不归学校管')
    response = manager.post('/repairs/board/assign', data={'csrf_token': token, 'assignee': worker,
                                                           'order': [plumbing.id, light.id, elsewhere.id]})
    assert response.status_code == 400 and '没有派出任何工单' in response.get_data(as_text=True)
    assert re.search(f'value="{plumbing.id}"[^>]*checked', response.get_data(as_text=True))
    assert get_order(plumbing.id).assignee_id is None and get_order(light.id).status == 'reported'
    response = manager.post('/repairs/board/assign', data={'csrf_token': token, 'assignee': worker,
                                                           'order': [plumbing.id, light.id]})
    assert response.status_code == 302
    assert {get_order(i).assignee_id for i in (plumbing.id, light.id)} == {worker}
    assert get_order(light.id).status == 'accepted'
    assert viewer.post('/repairs/board/assign', data={'csrf_token': csrf_token(viewer, '/repairs/board'),
                                                      'assignee': worker,
                                                      'order': [plumbing.id]}).status_code == 403


def test_anonymous_reporter_follows_through_the_secret_link(app, client, school):
    with app.test_request_context('/'), db.database.connection_context():
        order = report_problem(school['campus'], place=school['room'], title='操场栏杆松了',
                               reporter_name='家长 刘女士', reporter_phone='13800000000')
    status, html = page(client, f'/repairs/follow/{order.follow_secret}')
    assert status == 200 and '操场栏杆松了' in html and '已报修' in html and '13800000000' not in html
    assert client.get('/repairs/follow/not-the-secret').status_code == 404
    token = csrf_token(client, f'/repairs/follow/{order.follow_secret}')
    empty = client.post(f'/repairs/follow/{order.follow_secret}', data={'csrf_token': token, 'note': ''})
    assert empty.status_code == 400 and '请写几句话或加一张照片' in empty.get_data(as_text=True)
    added = client.post(f'/repairs/follow/{order.follow_secret}', data={
        'csrf_token': token, 'note': '晚上有学生在那里玩', 'name': '刘女士', 'photos': jpeg_upload()},
        content_type='multipart/form-data')
    assert added.status_code == 302
    status, html = page(client, f'/repairs/follow/{order.follow_secret}')
    assert '晚上有学生在那里玩' in html and '补充了信息' in html
    assert client.get(f'/repairs/follow/{order.follow_secret}.json').get_json()[str(order.id)]['status'] == 'reported'
    assert client.get(f'/repairs/{order.id}').status_code == 302  # the staff page needs a log-in
    # Merged as a duplicate, the follow link leads on to the order that is being repaired.
    with app.test_request_context('/'), db.database.connection_context():
        kept = report_problem(school['campus'], place=school['room'], title='栏杆松动')
        from houqin.repairs.workflow import apply_action
        apply_action(order, 'merge', user=school['users']['manager'], role='manager', into=kept.number)
    status, html = page(client, f'/repairs/follow/{order.follow_secret}')
    assert '已合并' in html and kept.number in html
    assert kept.follow_secret not in html  # the other order's reporter's link is theirs, not this reader's


def joined_by_someone_else(app, school):
    """An anonymous report by 张三, a "same problem" by 李四, and a worker's note; returns (order, 李四's link)."""
    import uuid
    from houqin.models import Tag
    from houqin.repairs.links import follow_link_for
    from houqin.repairs.workflow import apply_action
    from houqin.scan.actions import join_report
    with app.test_request_context('/'), db.database.connection_context():
        order = report_problem(school['campus'], place=school['room'], title='操场栏杆松了',
                               description='张三说：靠近篮球架那一段', reporter_name='张三', reporter_phone='13800000001')
        tag = Tag.get(Tag.token == 'ABCDEFGH12')
        joined = join_report(str(uuid.uuid4()), tag, school['room'], order, upload=None, name='李四',
                             note='李四补充：晚上更危险', address='203.0.113.5')
        apply_action(order, 'accept', user=school['users']['repair'], role='repair')
        apply_action(order, 'comment', user=school['users']['repair'], role='repair', note='师傅王五明天带焊机来')
        return order, follow_link_for(order, joined.record)


def test_a_follow_page_shows_only_what_its_holder_reported_and_the_public_status(app, client, school):
    order, link = joined_by_someone_else(app, school)
    assert link != f'/repairs/follow/{order.follow_secret}' and order.follow_secret not in link
    status, html = page(client, link)
    assert status == 200 and '操场栏杆松了' in html and '已接单' in html and '报告了同一问题' in html
    assert '李四补充：晚上更危险' in html
    for other in ('张三', '靠近篮球架那一段', '13800000001', '王五', 'Repair'):
        assert other not in html, other
    # The first reporter's own link shows their report, and 李四's only as a step.
    status, first = page(client, f'/repairs/follow/{order.follow_secret}')
    assert status == 200 and '张三说：靠近篮球架那一段' in first
    for other in ('李四', '晚上更危险', '王五', 'Repair'):
        assert other not in first, other


def test_what_a_holder_adds_through_their_link_is_theirs_alone(app, client, school):
    order, link = joined_by_someone_else(app, school)
    token = csrf_token(client, link)
    added = client.post(link, data={'csrf_token': token, 'note': '李四：已经拍了照', 'name': '李四'},
                        content_type='multipart/form-data')
    assert (added.status_code, added.headers['Location']) == (302, link)
    assert '李四：已经拍了照' in page(client, link)[1]
    first = page(client, f'/repairs/follow/{order.follow_secret}')[1]
    assert '李四' not in first and '补充了信息' in first  # the step, without who or what
    assert client.get(link + '.json').get_json()[str(order.id)]['status'] == 'accepted'


def test_a_forged_or_foreign_join_link_is_not_found(app, client, school):
    order, link = joined_by_someone_else(app, school)
    record_id, mac = link.rsplit('/', 1)[1].split('-', 1)
    for forged in (f'{record_id}-{"A" * 22}', f'{int(record_id) + 1}-{mac}', f'{record_id}-{mac[:-1]}'):
        assert client.get(f'/repairs/follow/{forged}').status_code == 404, forged


def test_ledger_counts_parts_time_to_close_overdue_and_compensation(app, as_role, school):
    repair, manager = as_role('repair'), as_role('manager')
    orders = [report(as_role('teacher'), school, title=f'灯{i}', category='electrical') for i in range(3)]
    for order, tubes in zip(orders[:2], (1, 2)):
        act(repair, order.id, 'start')
        act(repair, order.id, 'finish', note='换灯管', part_name_1='灯管', part_qty_1=str(tubes),
            part_name_2='启辉器', part_qty_2='1', photos=jpeg_upload())
        act(manager, order.id, 'close')
    act(manager, orders[0].id, 'compensate', liable_party='四(1)班 张三', compensation='30')
    with db.database.connection_context():
        WorkOrder.update(due_at=utcnow() - datetime.timedelta(hours=2)).where(WorkOrder.id == orders[2].id).execute()
    status, html = page(manager, '/repairs/ledger')
    assert status == 200
    assert re.search(r'<td>灯管</td><td class="num">3</td>', html)
    assert re.search(r'<td>启辉器</td><td class="num">2</td>', html)
    assert re.search(r'<td>水电照明</td><td class="num">3</td>', html)
    assert '四(1)班 张三' in html and '¥30.00' in html
    assert '33%' in html  # one of three overdue
    old_address = manager.get('/repairs/ledger.csv')
    assert old_address.status_code == 302 and '/ledgers/download?' in old_address.headers['Location']
    csv_text = manager.get('/repairs/ledger.csv', follow_redirects=True).get_data(as_text=True)
    assert csv_text.startswith('\ufeff') and '四(1)班 张三' in csv_text and orders[0].number in csv_text
    assert page(manager, '/repairs/ledger?from=2026-13-01')[0] == 400


def test_settings_choose_default_assignees_and_due_hours(app, as_role, school):
    admin = as_role('admin')
    token = csrf_token(admin, '/repairs/settings')
    data = {'csrf_token': token, 'hours_urgent': '2', 'hours_high': '12', 'hours_normal': 'x', 'hours_low': '100',
            'assignee_electrical': str(school['users']['repair'].id)}
    response = admin.post('/repairs/settings', data=data)
    assert response.status_code == 400 and 'value="x"' in response.get_data(as_text=True)
    with db.database.connection_context():
        assert RepairSettings.select().count() == 0 and RepairCategory.select().count() == 0
    data['hours_normal'] = '48'
    assert admin.post('/repairs/settings', data=data).status_code == 302
    with app.test_request_context('/'), db.database.connection_context():
        order = report_problem(school['campus'], place=school['room'], title='灯', category='electrical')
        assert order.assignee_id == school['users']['repair'].id
        assert order.due_at - order.created_at == datetime.timedelta(hours=48)
        assert AuditLog.select().where(AuditLog.entity == 'repair_category').count() == 1
    data['assignee_plumbing'] = str(school['users']['teacher'].id)  # not someone who repairs
    assert admin.post('/repairs/settings', data=data).status_code == 400


def my_report(campus, place, user, title, created_at, closed=False):
    """An order `user` reported at `created_at` (UTC), closed or still open."""
    order = report_problem(campus, place=place, title=title, reporter=user)
    changes = {'created_at': created_at}
    if closed:
        changes.update(status='closed', closed_at=created_at + datetime.timedelta(hours=1))
    WorkOrder.update(**changes).where(WorkOrder.id == order.id).execute()
    return WorkOrder.get_by_id(order.id)


def listed(html):
    """The order numbers a 我的报修 page lists, in order, and its link to older reports (or None)."""
    numbers = re.findall(r'<b class="code">([^<]+)</b>', html)
    older = re.search(r'href="(/repairs/mine\?before=\d+)"', html)
    return numbers, older.group(1) if older else None


def many_reports(app, school, closed=36):
    """12 open orders of the teacher and `closed` closed ones, three to a second (so a page may end inside a
    second), the janitor's orders among them; returns (open, closed newest first, the janitor's)."""
    teacher, janitor = school['users']['teacher'], school['users']['janitor']
    start = utcnow().replace(microsecond=0) - datetime.timedelta(days=400)
    with app.test_request_context('/'), db.database.connection_context():
        opened = [my_report(school['campus'], school['room'], teacher, f'开着{i}',
                            start + datetime.timedelta(days=300, hours=i)) for i in range(12)]
        done = [report_problem(school['campus'], place=school['room'], title=f'修好{i}', reporter=teacher)
                for i in range(closed)]
        # Dated in reverse: PostgreSQL's index then holds each second's orders against the order of their ids.
        for i, order in reversed(list(enumerate(done))):
            at = start + datetime.timedelta(minutes=i // 3)
            WorkOrder.update(status='closed', created_at=at, closed_at=at + datetime.timedelta(hours=1)).where(
                WorkOrder.id == order.id).execute()
        done = [WorkOrder.get_by_id(order.id) for order in done]
        others = [my_report(school['campus'], school['room'], janitor, f'别人{i}',
                            start + datetime.timedelta(minutes=i), closed=True) for i in range(closed // 3)]
    newest = sorted(done, key=lambda o: (o.created_at, o.id), reverse=True)
    return opened, newest, others


def test_my_reports_lists_every_open_order_then_ten_closed_and_older_ones_a_page_at_a_time(app, as_role, school):
    teacher = as_role('teacher')
    opened, closed, others = many_reports(app, school)
    status, html = page(teacher, '/repairs/mine')
    numbers, older = listed(html)
    assert status == 200 and set(numbers[:12]) == {o.number for o in opened}
    assert numbers[12:] == [o.number for o in closed[:10]]
    assert older == f'/repairs/mine?before={closed[9].id}' and '更早的报修' in html
    # Each older page: the next 20 in the same order, its own link; together every closed order once.
    status, html = page(teacher, older)
    numbers, older = listed(html)
    assert status == 200 and numbers == [o.number for o in closed[10:30]]
    assert older == f'/repairs/mine?before={closed[29].id}' and '<h1>更早的报修</h1>' in html
    numbers, older = listed(page(teacher, older)[1])
    assert numbers == [o.number for o in closed[30:]] and older is None
    assert all(o.title not in html for o in others)


def test_my_reports_link_to_older_ones_only_when_there_are_more(app, as_role, school):
    teacher = as_role('teacher')
    opened, closed, others = many_reports(app, school, closed=10)
    numbers, older = listed(page(teacher, '/repairs/mine')[1])
    assert numbers[12:] == [o.number for o in closed] and older is None
    status, html = page(teacher, f'/repairs/mine?before={closed[-1].id}')  # after the oldest: an empty page
    assert status == 200 and listed(html) == ([], None) and '没有更早的报修' in html


def test_my_reports_keep_the_orders_i_joined_in_their_place(app, as_role, school):
    teacher = as_role('teacher')
    opened, closed, others = many_reports(app, school)
    with app.test_request_context('/'), db.database.connection_context():
        open_joined = report_problem(school['campus'], place=school['room'], title='同一个问题', reporter_name='家长')
        join_order(open_joined, reporter=school['users']['teacher'], note='我也看到了')
        # The janitor's closed order from between my 15th and 16th closed ones, which I joined while it was open.
        old_joined = others[4]
        WorkOrder.update(status='reported', closed_at=None).where(WorkOrder.id == old_joined.id).execute()
        join_order(WorkOrder.get_by_id(old_joined.id), reporter=school['users']['teacher'], note='我也是')
        WorkOrder.update(status='closed', closed_at=old_joined.closed_at).where(WorkOrder.id == old_joined.id).execute()
    numbers, older = listed(page(teacher, '/repairs/mine')[1])
    assert open_joined.number in numbers[:13] and old_joined.number not in numbers
    expected = sorted(closed + [old_joined], key=lambda o: (o.created_at, o.id), reverse=True)
    assert expected.index(old_joined) in range(10, 30)
    numbers, older = listed(page(teacher, older)[1])
    assert numbers == [o.number for o in expected[10:30]]
    # A page may start after an order I joined.
    numbers, _older = listed(page(teacher, f'/repairs/mine?before={old_joined.id}')[1])
    assert numbers[0] == expected[expected.index(old_joined) + 1].number


def test_a_bad_or_foreign_before_shows_the_first_page_or_is_not_found(app, as_role, school):
    teacher = as_role('teacher')
    opened, closed, others = many_reports(app, school)
    with app.test_request_context('/'), db.database.connection_context():
        elsewhere = Campus.create(name='别的学校', code='other')
        hall = Place.create(campus=elsewhere, name='礼堂', kind='building')
        foreign = my_report(elsewhere, hall, school['users']['teacher'], '别的学校的灯', utcnow(), closed=True)
    first = listed(page(teacher, '/repairs/mine')[1])
    for before in ('abc', str(2 ** 64), '-1', '0', '1e3', '', ' ', '１２'):  # not an order's id: the first page
        status, html = page(teacher, f'/repairs/mine?before={before}')
        assert (status, listed(html)) == (200, first), before
    for order in (others[0], foreign, opened[0].id + 10 ** 6):  # someone else's, another campus's, none
        order_id = getattr(order, 'id', order)
        status, html = page(teacher, f'/repairs/mine?before={order_id}')
        assert status == 404, order_id
        assert all(o.title not in html for o in others + [foreign])
    assert teacher.get('/repairs/mine?before=%00').status_code == 400  # the edge refuses NUL for every page


def test_my_jobs_show_only_this_campus_jobs(app, as_role, school):
    repair, worker = as_role('repair'), school['users']['repair']
    with app.test_request_context('/'), db.database.connection_context():
        elsewhere = Campus.create(name='别的学校', code='other')
        hall = Place.create(campus=elsewhere, name='礼堂', kind='building')
        here = report_problem(school['campus'], place=school['room'], title='这里的灯')
        there = report_problem(elsewhere, place=hall, title='别的学校的灯')
        WorkOrder.update(assignee=worker, status='accepted').where(WorkOrder.id.in_([here.id, there.id])).execute()
    status, html = page(repair, '/repairs/jobs')
    assert status == 200 and '这里的灯' in html and '别的学校的灯' not in html


def test_my_jobs_finished_lately_are_this_campus_jobs_of_the_last_week_newest_first(app, as_role, school):
    repair, worker = as_role('repair'), school['users']['repair']
    now = utcnow()
    with app.test_request_context('/'), db.database.connection_context():
        elsewhere = Campus.create(name='别的学校', code='other')
        hall = Place.create(campus=elsewhere, name='礼堂', kind='building')
        done = {title: report_problem(campus, place=place, title=title) for title, campus, place in (
            ('昨天修好的灯', school['campus'], school['room']), ('今天修好的门', school['campus'], school['room']),
            ('上个月修好的窗', school['campus'], school['room']), ('别的学校修好的灯', elsewhere, hall))}
        for title, days in (('昨天修好的灯', 1), ('今天修好的门', 0), ('上个月修好的窗', 30), ('别的学校修好的灯', 0)):
            WorkOrder.update(assignee=worker, status='done', updated_at=now - datetime.timedelta(days=days, minutes=1)) \
                .where(WorkOrder.id == done[title].id).execute()
    status, html = page(repair, '/repairs/jobs')
    assert status == 200
    assert '今天修好的门' in html and '昨天修好的灯' in html and html.index('今天修好的门') < html.index('昨天修好的灯')
    assert '上个月修好的窗' not in html and '别的学校修好的灯' not in html
