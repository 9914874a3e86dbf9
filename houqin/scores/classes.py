"""Classes as data: their grades in school order, names in natural order, and the classroom each one has."""
import re

from peewee import JOIN

from houqin.models import Membership, Place, SchoolClass, User

# Grades in the order a school lists them; any other grade name sorts after these, by its text.
GRADE_ORDER = ('小班', '中班', '大班', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级',
               '七年级', '八年级', '九年级', '初一', '初二', '初三', '高一', '高二', '高三')
GRADE_IN_NAME = re.compile(r'^\s*(.+?)\s*[(（]')


def grade_key(grade):
    """Sort key of a grade name: the school order of GRADE_ORDER, then any other grade by its text."""
    return (GRADE_ORDER.index(grade), '') if grade in GRADE_ORDER else (len(GRADE_ORDER), grade)


def natural_key(text):
    """Sort key that orders 初一(2)班 before 初一(10)班."""
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', text)]


def grade_from_name(name):
    """The grade a class name starts with ('初一' of '初一(3)班'), or ''."""
    match = GRADE_IN_NAME.match(name or '')
    return match.group(1) if match else ''


def class_key(school_class):
    """Sort key of a class: its grade in school order, then its name in natural order."""
    return grade_key(school_class.grade), natural_key(school_class.name)


def campus_classes(campus, active_only=False):
    """The campus's classes with their head teachers, in grade and name order."""
    query = (SchoolClass.select(SchoolClass, User).join(User, on=(SchoolClass.head_teacher == User.id),
                                                        join_type=JOIN.LEFT_OUTER)
             .where(SchoolClass.campus == campus))
    if active_only:
        query = query.where(SchoolClass.active == True)  # noqa: E712
    return sorted(query, key=class_key)


def classrooms_of(campus):
    """{class id: [classroom Place, ...]} for the campus's places that belong to a class."""
    rooms = {}
    for place in (Place.select(Place.id, Place.name, Place.code, Place.kind, Place.school_class)
                  .where((Place.campus == campus) & Place.school_class.is_null(False))
                  .order_by(Place.name)):
        rooms.setdefault(place.school_class_id, []).append(place)
    return rooms


def head_teacher_choices(campus):
    """(user id, name) of the campus's active members who may be a head teacher, teachers first."""
    rows = (Membership.select(Membership.role, User.id, User.display_name, User.username).join(User)
            .where((Membership.campus == campus) & (User.active == True)).tuples())  # noqa: E712
    people = sorted(rows, key=lambda r: (r[0] != 'teacher', r[2] or r[3]))
    return [(uid, display or username) for _role, uid, display, username in people]


def classroom_choices(campus):
    """(place id, name) of the campus's classrooms, in natural name order."""
    rooms = Place.select(Place.id, Place.name, Place.code).where(
        (Place.campus == campus) & (Place.kind == 'classroom'))
    return [(p.id, f'{p.name} ({p.code})' if p.code and p.code != p.name else p.name)
            for p in sorted(rooms, key=lambda p: natural_key(p.name))]


def set_classroom(school_class, place_id):
    """Make place_id (or none, for 0/None) this class's one classroom; other classrooms it had are freed.

    Call inside a write transaction. Places of other kinds tied to the class stay as they are."""
    (Place.update(school_class=None)
     .where((Place.school_class == school_class) & (Place.kind == 'classroom')
            & (Place.id != (place_id or 0))).execute())
    if place_id:
        (Place.update(school_class=school_class)
         .where((Place.id == place_id) & (Place.campus == school_class.campus_id)).execute())
