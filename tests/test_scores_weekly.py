"""Hygiene scores by class and week (issue 13): a hand count on known records, ties, the week's edges in
campus time, the banner (卫生流动锦旗) and the page."""
import datetime
import uuid

import pytest

from houqin import db
from houqin.models import ChecklistItem, ChecklistTemplate, Place, Record, SchoolClass
from houqin.scores.weekly import week_tables

MONDAY = datetime.date(2026, 11, 23)


def utc(local_day, hour, minute=0):
    """Naive UTC of a Shanghai-local time (UTC+8, no DST)."""
    return datetime.datetime.combine(local_day, datetime.time(hour, minute)) - datetime.timedelta(hours=8)


@pytest.fixture
def scored(school):
    """初一 with four classes (one never checked) and 初二 with one; a 5 × 10-point checklist; a plain one."""
    with db.database.connection_context():
        campus, floor = school['campus'], school['floor']
        hygiene = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='hygiene',
                                           name='班级卫生检查', pass_mark=40)
        items = [ChecklistItem.create(template=hygiene, position=i, label=f'项目{i}', points=10) for i in range(5)]
        plain = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='inspection', name='安全检查')
        plain_item = ChecklistItem.create(template=plain, label='门窗完好')
        rooms = {}
        for grade, name, code in (('初一', '初一(1)班', '101'), ('初一', '初一(2)班', '102'), ('初一', '初一(3)班', '103'),
                                  ('初一', '初一(4)班', '104'), ('初二', '初二(1)班', '201')):
            school_class = SchoolClass.create(campus=campus, grade=grade, name=name)
            room = school['room'] if code == '101' else Place.create(campus=campus, parent=floor, name=f'{code}教室',
                                                                     kind='classroom', code=code)
            Place.update(school_class=school_class).where(Place.id == room.id).execute()
            rooms[name] = room
        corridor = Place.create(campus=campus, parent=floor, name='走廊', kind='corridor')

    def check(place, when, passes, template=hygiene, questions=items):
        values = {str(q.id): 'pass' if i < passes else 'fail' for i, q in enumerate(questions)}
        with db.database.connection_context():
            Record.create(uuid=str(uuid.uuid4()), campus=campus, place=place, activity=template.activity,
                          template=template, answers={'values': values, 'hazards': []}, created_at=when)

    return {'campus': campus, 'rooms': rooms, 'check': check, 'corridor': corridor, 'plain': plain,
            'plain_item': plain_item}


def hand_counted_week(scored):
    rooms, check = scored['rooms'], scored['check']
    check(rooms['初一(1)班'], utc(MONDAY, 7, 50), 5)       # 50
    check(rooms['初一(1)班'], utc(MONDAY, 14, 30), 4)      # 40 → average 45
    check(rooms['初一(2)班'], utc(MONDAY + datetime.timedelta(days=2), 7, 55), 4)   # 40
    check(rooms['初一(2)班'], utc(MONDAY + datetime.timedelta(days=4), 14, 35), 5)  # 50 → 45, tied with (1)班
    check(rooms['初一(3)班'], utc(MONDAY + datetime.timedelta(days=6), 23, 30), 3)  # Sunday 23:30 local: 30, counts
    check(rooms['初一(3)班'], utc(MONDAY + datetime.timedelta(days=7), 0, 30), 5)   # next Monday 00:30: not this week
    check(rooms['初一(3)班'], utc(MONDAY, 0, 10) - datetime.timedelta(hours=1), 5)   # Sunday before: not this week
    check(rooms['初二(1)班'], utc(MONDAY, 7, 50), 4)       # 40
    check(rooms['初二(1)班'], utc(MONDAY, 14, 30), 5)      # 50
    check(rooms['初二(1)班'], utc(MONDAY + datetime.timedelta(days=1), 7, 50), 3)  # 30 → 40
    # Not scores: a checklist without points on a classroom, a scored checklist on a place of no class.
    check(rooms['初一(4)班'], utc(MONDAY, 9), 1, template=scored['plain'], questions=[scored['plain_item']])
    check(scored['corridor'], utc(MONDAY, 9), 5)


def table(grades):
    return [(g.grade, [(r.school_class.name, r.rank, r.average, len(r.checks), r.banner) for r in g.rows])
            for g in grades]


def test_a_week_ranks_each_grade_by_average_and_ties_share_rank_and_banner(scored):
    hand_counted_week(scored)
    with db.database.connection_context():
        grades = week_tables(scored['campus'], MONDAY)
    assert table(grades) == [
        ('初一', [('初一(1)班', 1, 45.0, 2, True), ('初一(2)班', 1, 45.0, 2, True), ('初一(3)班', 3, 30.0, 1, False),
                ('初一(4)班', None, None, 0, False)]),
        ('初二', [('初二(1)班', 1, 40.0, 3, True)])]
    first = grades[0].rows[0]
    assert [c.score for c in first.checks] == [50.0, 40.0] and first.max_score == 50.0
    assert [r.school_class.name for r in grades[0].banner] == ['初一(1)班', '初一(2)班']


def test_the_week_after_and_before_count_their_own_records(scored):
    hand_counted_week(scored)
    with db.database.connection_context():
        after = week_tables(scored['campus'], MONDAY + datetime.timedelta(days=7))
        before = week_tables(scored['campus'], MONDAY - datetime.timedelta(days=7))
    assert [(r.school_class.name, r.average, r.banner) for r in after[0].rows if r.checks] == [('初一(3)班', 50.0, True)]
    assert [(r.school_class.name, r.average, r.banner) for r in before[0].rows if r.checks] == [('初一(3)班', 50.0, True)]
    assert not after[1].banner and after[1].rows[0].rank is None  # 初二 unchecked that week: no banner


def test_a_class_that_left_shows_only_in_weeks_it_was_checked(scored):
    hand_counted_week(scored)
    with db.database.connection_context():
        SchoolClass.update(active=False).where(SchoolClass.name.in_(['初一(3)班', '初一(4)班'])).execute()
        names = [r.school_class.name for r in week_tables(scored['campus'], MONDAY)[0].rows]
        later = [r.school_class.name for r in week_tables(scored['campus'], MONDAY + datetime.timedelta(days=14))[0].rows]
    assert names == ['初一(1)班', '初一(2)班', '初一(3)班'] and later == ['初一(1)班', '初一(2)班']


def test_the_page_shows_this_week_and_earlier_weeks(scored, as_role):
    campus = scored['campus']
    with db.database.connection_context():
        this_monday = campus.today() - datetime.timedelta(days=campus.today().weekday())
    rooms, check = scored['rooms'], scored['check']
    check(rooms['初二(1)班'], utc(this_monday, 7, 50), 4)
    check(rooms['初一(2)班'], utc(this_monday - datetime.timedelta(days=7), 7, 50), 5)
    teacher = as_role('teacher')
    page = teacher.get('/scores/').get_data(as_text=True)
    assert '初二(1)班' in page and page.count('class="badge banner"') == 2  # the grade's heading and the row
    earlier = (this_monday - datetime.timedelta(days=7)).isoformat()
    assert f'week={earlier}' in page and 'Week after' not in page
    before = teacher.get(f'/scores/?week={earlier}').get_data(as_text=True)
    assert 'class="badge banner">初一(2)班' in before and f'week={this_monday.isoformat()}' in before
    assert f'week={(this_monday - datetime.timedelta(days=14)).isoformat()}' not in before  # nothing earlier
    assert teacher.get('/scores/?week=2026-13-40').status_code == 400
    assert as_role('janitor').get('/scores/').status_code == 403
