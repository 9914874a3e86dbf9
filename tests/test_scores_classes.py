"""Classes as data (issue 13): the model, the demo's classes, and the page that lists, adds and edits them."""
from helpers import csrf_token

from houqin import db
from houqin.models import AuditLog, Campus, Place, SchoolClass, User
from houqin.scores.classes import class_key, grade_from_name, natural_key


def test_grade_and_natural_order():
    assert grade_from_name('初一(3)班') == '初一'
    assert grade_from_name('三年级（2）班') == '三年级'
    assert grade_from_name('实验班') == ''
    names = ['初一(10)班', '初一(2)班', '初一(1)班']
    assert sorted(names, key=natural_key) == ['初一(1)班', '初一(2)班', '初一(10)班']
    classes = [SchoolClass(grade=g, name=n) for g, n in
               (('高一', '高一(1)班'), ('初三', '初三(2)班'), ('初一', '初一(11)班'), ('初一', '初一(9)班'),
                ('兴趣班', '兴趣班(1)班'))]
    assert [c.name for c in sorted(classes, key=class_key)] == [
        '初一(9)班', '初一(11)班', '初三(2)班', '高一(1)班', '兴趣班(1)班']


def test_the_demo_has_a_class_per_classroom_and_the_teacher_heads_hers(demo_app):
    with db.database.connection_context():
        campus = Campus.get(Campus.is_demo == True)  # noqa: E712
        classes = list(SchoolClass.select().where(SchoolClass.campus == campus))
        assert len(classes) == 40  # 7+7+7+7+6+6 classes of 一年级 … 六年级
        assert {c.grade for c in classes} == {'一年级', '二年级', '三年级', '四年级', '五年级', '六年级'}
        assert sum(c.grade == '五年级' for c in classes) == 6
        classrooms = list(Place.select().where((Place.campus == campus) & (Place.kind == 'classroom')))
        assert len(classrooms) == 40 and all(p.school_class.name == p.name for p in classrooms)
        headed = [c for c in classes if c.head_teacher_id]
        teacher = User.get(User.username == 'teacher')
        assert [(c.head_teacher_id, [p.code for p in c.places]) for c in headed] == [(teacher.id, ['305'])]


def post_class(client, path, **fields):
    data = {'csrf_token': csrf_token(client, path), 'name': '', 'grade': '', 'head_teacher': '0',
            'classroom': '0', 'active': 'y'}
    data.update(fields)
    return client.post(path, data=data)


def class_rows():
    with db.database.connection_context():
        return sorted((c.name, c.grade, c.head_teacher_id, c.active) for c in SchoolClass.select())


def test_a_manager_adds_a_class_with_its_classroom_and_head_teacher(school, as_role):
    manager = as_role('manager')
    teacher = school['users']['teacher']
    response = post_class(manager, '/admin/classes/new', name=' 初一(1)班 ', head_teacher=str(teacher.id),
                          classroom=str(school['room'].id))
    assert response.status_code == 302
    assert class_rows() == [('初一(1)班', '初一', teacher.id, True)]
    with db.database.connection_context():
        school_class = SchoolClass.get()
        assert Place.get_by_id(school['room'].id).school_class_id == school_class.id
        assert AuditLog.select().where((AuditLog.entity == 'school_class') & (AuditLog.action == 'create')).count() == 1
    page = manager.get('/admin/classes/').get_data(as_text=True)
    assert '初一(1)班' in page and '101教室 (101)' in page and 'Teacher' in page


def test_moving_the_classroom_to_another_class_frees_it_from_the_first(school, as_role):
    manager = as_role('manager')
    room = school['room'].id
    post_class(manager, '/admin/classes/new', name='初一(1)班', classroom=str(room))
    post_class(manager, '/admin/classes/new', name='初一(2)班')
    with db.database.connection_context():
        first, second = SchoolClass.get(name='初一(1)班'), SchoolClass.get(name='初一(2)班')
    response = post_class(manager, f'/admin/classes/{second.id}', name='初一(2)班', classroom=str(room))
    assert response.status_code == 302
    with db.database.connection_context():
        assert Place.get_by_id(room).school_class_id == second.id
    # The first class, saved without a classroom, does not take it back from the second.
    post_class(manager, f'/admin/classes/{first.id}', name='初一(1)班', classroom='0')
    with db.database.connection_context():
        assert Place.get_by_id(room).school_class_id == second.id


def test_bad_class_input_is_refused_with_a_message_and_changes_nothing(app, school, as_role):
    manager = as_role('manager')
    post_class(manager, '/admin/classes/new', name='初一(1)班')
    before = class_rows()
    with db.database.connection_context():
        other = Campus.create(name='别的学校', code='other')
        foreign_room = Place.create(campus=other, name='外校教室', kind='classroom')
        foreign_class = SchoolClass.create(campus=other, grade='初一', name='初一(9)班')
        outsider = User.create(username='outsider', password_hash='x')
    cases = [
        ({'name': ''}, '请输入班级'),
        ({'name': '初一(1)班'}, '已有班级'),
        ({'name': 'x' * 100_000}, '30'),
        ({'name': '实验班'}, '请填写年级'),
        ({'name': '初一(5)班', 'grade': 'g' * 21}, '20'),
        ({'name': '初一(5)班', 'head_teacher': '²'}, '请选择本校人员'),
        ({'name': '初一(5)班', 'head_teacher': str(2 ** 64)}, '请选择本校人员'),
        ({'name': '初一(5)班', 'head_teacher': '-1'}, '请选择本校人员'),
        ({'name': '初一(5)班', 'head_teacher': str(outsider.id)}, '请选择本校人员'),
        ({'name': '初一(5)班', 'classroom': str(foreign_room.id)}, '请选择本校的教室'),
        ({'name': '初一(5)班', 'classroom': 'abc'}, '请选择本校的教室'),
        ({'name': '初一(5)\r\n班'}, '请在一行内填写班级'),
    ]
    for fields, message in cases:
        response = post_class(manager, '/admin/classes/new', **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, fields
        assert '未保存' in page and message in page, fields
    with db.database.connection_context():
        assert Place.get_by_id(foreign_room.id).school_class_id is None
        ({'name': '初一(5)\r\n班'}, '请在一行内填写班级'),
    assert class_rows() == sorted(before + [('初一(9)班', '初一', None, True)])
    assert manager.get(f'/admin/classes/{foreign_class.id}').status_code == 404
    assert post_class(manager, f'/admin/classes/{foreign_class.id}', name='抢来的').status_code == 404
    assert manager.get('/admin/classes/99999999999999999999').status_code == 404


def test_a_viewer_sees_classes_but_cannot_change_them(school, as_role):
    manager = as_role('manager')
    post_class(manager, '/admin/classes/new', name='初一(1)班')
    with db.database.connection_context():
        school_class = SchoolClass.get()
    viewer = as_role('viewer')
    assert '初一(1)班' in viewer.get('/admin/classes/').get_data(as_text=True)
    page = viewer.get(f'/admin/classes/{school_class.id}')
    assert page.status_code == 200 and 'disabled' in page.get_data(as_text=True)
    token = csrf_token(viewer, f'/admin/classes/{school_class.id}')
    response = viewer.post(f'/admin/classes/{school_class.id}', data={'csrf_token': token, 'name': '改名'})
    assert response.status_code == 403
    assert class_rows() == [('初一(1)班', '初一', None, True)]
