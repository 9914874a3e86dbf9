"""The demo school's routines (DOMAIN.md's seeds): the campus calendar (a term, holidays, a make-up working day),
scored 卫生检查 and the other checklists, the routines themselves and three weeks of history with realistic
misses, late sign-offs and extra records — made from the engine's own slots, so the history is what the app
would have recorded."""
import datetime
import random
import uuid

from houqin import clock
from houqin.models import ChecklistItem, ChecklistTemplate, Holiday, Place, Record, Routine, Tag, Term, User, \
    Membership
from houqin.routines.service import campus_slots
from houqin.tags import new_token

HISTORY_DAYS = 21
FLOWER_BED = '花坛'
HYGIENE_ITEMS = (('地面干净，无纸屑、无积水', 10), ('课桌椅摆放整齐', 10), ('黑板、讲台擦拭干净', 10),
                 ('门窗、瓷砖洁净', 10), ('垃圾桶已倒，无异味', 10))
GREENING_ITEMS = (('浇水', 'pass_fail'), ('修剪枝叶', 'pass_fail'), ('除草、清理落叶', 'pass_fail'), ('现场照片', 'photo'))
BIG_CHECK_ITEMS = ('消防通道畅通、安全出口标识完好', '电气线路、配电箱无隐患', '楼梯、栏杆、门窗牢固',
                   '消防器材在位有效', '墙体、屋面无裂缝渗漏')
SMALL_CHECK_ITEMS = ('走廊、楼梯无杂物', '灯具、开关完好', '门窗完好')
EXTRA_JANITOR = ('janitor2', '保洁 王阿姨')  # the dormitories' toilets are hers
# What becomes of a past slot, by routine activity: (share missed, share done late); the rest is on time.
OUTCOMES = {'cleaning': (0.04, 0.05), 'hygiene': (0.02, 0.03), 'inspection': (0.08, 0.04), 'canteen': (0.03, 0.02),
            'dormitory': (0.06, 0.04), 'greening': (0.15, 0.10), 'weekly_check': (0.10, 0.05),
            'big_check': (0.05, 0.0), 'spot_check': (0.10, 0.0), 'campaign': (0.0, 0.0)}


def build_calendar(campus, today, set_up):
    """The demo's calendar, which patrol and the routines follow: this school year's two terms, its holidays
    (国庆节, 元旦, 寒假, 劳动节) and one make-up working day.

    The demo shows a school at work, so that today and its three weeks of history are in term: loaded in a break
    (the winter break, the summer), the term before runs on until the next one begins; loaded in a term's first
    three weeks, that term began three weeks ago.
    """
    year = today.year if today >= datetime.date(today.year, 9, 1) else today.year - 1  # the school year of today
    first = [datetime.date(year, 9, 1), datetime.date(year + 1, 1, 23)]
    second = [datetime.date(year + 1, 2, 23), datetime.date(year + 1, 7, 3)]
    if first[1] < today < second[0]:
        first[1] = second[0] - datetime.timedelta(days=1)
    elif today > second[1]:
        second[1] = datetime.date(year + 1, 8, 31)
    history_starts = today - datetime.timedelta(days=HISTORY_DAYS)
    for term in (first, second):
        if term[0] <= today <= term[1] and term[0] > history_starts:
            term[0] = history_starts
    Term.create(campus=campus, name=f'{year}学年第一学期', starts_on=first[0], ends_on=first[1], created_at=set_up)
    Term.create(campus=campus, name=f'{year}学年第二学期', starts_on=second[0], ends_on=second[1], created_at=set_up)
    holidays = [('国庆节', datetime.date(year, 10, 1), datetime.date(year, 10, 7)),
                ('元旦', datetime.date(year + 1, 1, 1), datetime.date(year + 1, 1, 3)),
                ('寒假', first[1] + datetime.timedelta(days=1), second[0] - datetime.timedelta(days=1)),
                ('劳动节', datetime.date(year + 1, 5, 1), datetime.date(year + 1, 5, 5))]
    for name, starts_on, ends_on in holidays:
        if starts_on <= ends_on:  # no 寒假 when the first term runs on to the second
            Holiday.create(campus=campus, name=name, starts_on=starts_on, ends_on=ends_on, created_at=set_up)
    Holiday.create(campus=campus, name='国庆节调休上班', kind='makeup', counts_as=3,
                   starts_on=datetime.date(year, 9, 27), ends_on=datetime.date(year, 9, 27), created_at=set_up)


def scored_template(campus, set_up):
    """卫生检查: five items of 10 points, 40 to pass; a class's week adds up its checks."""
    template = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='hygiene', name='班级卫生检查',
                                        pass_mark=40, scoring='sum', created_at=set_up)
    for position, (label, points) in enumerate(HYGIENE_ITEMS):
        ChecklistItem.create(template=template, position=position, label=label, item_type='pass_fail',
                             points=points)
    return template


def plain_template(campus, kind, activity, name, items, set_up):
    """A checklist of pass/fail (or given-type) items."""
    template = ChecklistTemplate.create(campus=campus, target_kind=kind, activity=activity, name=name,
                                        created_at=set_up)
    for position, item in enumerate(items):
        label, item_type = item if isinstance(item, tuple) else (item, 'pass_fail')
        ChecklistItem.create(template=template, position=position, label=label, item_type=item_type,
                             required=item_type != 'photo')
    return template


def flower_bed(campus, set_up):
    """The flower bed in front of the teaching building (greening), with its label."""
    place = Place.create(campus=campus, name=FLOWER_BED, kind='other', position=99, created_at=set_up)
    Tag.create(token=new_token(), campus=campus, place=place, status='active', created_at=set_up)
    return place


def extra_janitor(campus, users, set_up):
    """A second janitor, so the toilets are split between named people."""
    username, name = EXTRA_JANITOR
    user = User.create(username=username, display_name=name, password_hash=users['janitor'].password_hash,
                       created_at=set_up)
    Membership.create(user=user, campus=campus, role='janitor')
    return user


def build_routines(campus, places, users, now, set_up):
    """The demo's routines, then their history on its calendar (build_calendar, made before); returns (routines,
    records written)."""
    zone = clock.zone_name(campus)
    today = clock.today(zone, now)
    hygiene = scored_template(campus, set_up)
    greening = plain_template(campus, 'other', 'greening', '绿化养护', GREENING_ITEMS, set_up)
    big = plain_template(campus, 'building', 'big_check', '两周一大检', BIG_CHECK_ITEMS, set_up)
    small = plain_template(campus, 'building', 'weekly_check', '一周一小检', SMALL_CHECK_ITEMS, set_up)
    bed = flower_bed(campus, set_up)
    second = extra_janitor(campus, users, set_up)
    teaching = places['教学楼']
    dorm_toilets = [p.id for path, p in places.items() if p.kind == 'toilet' and '宿舍' in path]
    school_toilets = [p.id for path, p in places.items() if p.kind == 'toilet' and '宿舍' not in path]
    spot_rooms = [places[f'{d}/{f}/{r}'].id for d in ('男生宿舍', '女生宿舍')
                  for f, r in (('一楼', '103室'), ('二楼', '205室'), ('三楼', '308室'))]
    monday = today - datetime.timedelta(days=today.weekday())
    anchor = monday - datetime.timedelta(weeks=4)
    buildings = [p.id for p in places.values() if p.kind == 'building']
    holiday = next_holiday(campus, today)
    campaign_start = datetime.datetime.combine(today - datetime.timedelta(days=4), datetime.time(8))
    campaign_end = datetime.datetime.combine(today + datetime.timedelta(days=5), datetime.time(18))
    specs = [
        dict(name='教学楼、综合楼厕所保洁', activity='cleaning', target_kind='toilet', targets=school_toilets,
             people=[users['janitor'].id], role='', schedule=toilet_windows()),
        dict(name='宿舍卫生间保洁', activity='cleaning', target_kind='toilet', targets=dorm_toilets,
             people=[second.id], role='', schedule=toilet_windows()),
        dict(name='卫生检查', activity='hygiene', template=hygiene, target_kind='classroom', subtree=teaching,
             role='inspector',
             schedule={'type': 'times', 'times': ['07:50', '14:30'], 'tolerance': 15}),
        dict(name='教室安全检查', activity='inspection', target_kind='classroom', role='inspector',
             schedule={'type': 'daily'}),
        dict(name='灭火器月检', activity='inspection', target_type='item', target_kind='fire_extinguisher',
             role='manager', people=[users['repair'].id], schedule={'type': 'monthly'}, calendar='every_day'),
        dict(name='宿舍每日检查', activity='dormitory', target_kind='dormitory', role='inspector',
             schedule={'type': 'windows', 'windows': [['21:00', '22:00']]}),
        dict(name='宿舍抽查', activity='spot_check', target_kind='dormitory', targets=spot_rooms, role='manager',
             schedule={'type': 'weekly'}),
        dict(name='餐后消毒', activity='canteen', target_kind='canteen', targets=[places['食堂/操作间'].id],
             role='canteen', schedule={'type': 'windows', 'windows': [['07:30', '08:30'], ['12:30', '13:30'],
                                                                      ['18:00', '19:00']]}),
        dict(name='一周一小检', activity='weekly_check', template=small, target_kind='building', role='manager',
             schedule={'type': 'weekly', 'weekdays': [4]}),
        dict(name='两周一大检', activity='big_check', template=big, target_kind='building', role='manager',
             schedule={'type': 'every_n_weeks', 'n': 2, 'anchor': anchor.isoformat(), 'weekday': 2}),
        dict(name=f'{holiday}前安全检查', activity='campaign', target_kind='', targets=buildings
             + [places['配电房'].id, places['水泵房'].id], role='inspector',
             schedule={'type': 'campaign', 'start': f'{campaign_start:%Y-%m-%dT%H:%M}',
                       'deadline': f'{campaign_end:%Y-%m-%dT%H:%M}'}, calendar='every_day'),
        dict(name='花坛绿化养护', activity='greening', template=greening, target_kind='other', targets=[bed.id],
             people=[users['janitor'].id], role='', schedule={'type': 'weekly'}),
    ]
    routines = [Routine.create(campus=campus, created_at=set_up,
                               **dict({'calendar': 'school_days', 'target_type': 'place', 'people': [],
                                       'targets': []}, **spec)) for spec in specs]
    written = build_history(campus, routines, users, now, today)
    return routines, written


def toilet_windows():
    """早、中、晚: the three cleaning windows of a school day."""
    return {'type': 'windows', 'windows': [['07:00', '09:00'], ['11:30', '13:30'], ['16:30', '18:30']]}


def next_holiday(campus, today):
    """The name of the campus's next holiday (for the campaign before it)."""
    upcoming = (Holiday.select().where((Holiday.campus == campus) & (Holiday.kind == 'holiday')
                                       & (Holiday.starts_on > today)).order_by(Holiday.starts_on).first())
    return upcoming.name if upcoming else '劳动节'


def build_history(campus, routines, users, now, today):
    """Records for the past slots of three weeks: mostly on time, some late, some missed, a few extra."""
    rng = random.Random(12)
    zone = clock.zone_name(campus)
    start, _end = clock.day_bounds(today - datetime.timedelta(days=HISTORY_DAYS), zone)
    slots = campus_slots(campus, start, now, now=now)
    tags = {('item', t.item_id) if t.item_id else ('place', t.place_id): t.id
            for t in Tag.select(Tag.id, Tag.place, Tag.item).where((Tag.campus == campus) & (Tag.status == 'active'))}
    by_role = {m.role: m.user for m in Membership.select(Membership, User).join(User)
               .where(Membership.campus == campus)}
    by_id = {u.id: u for u in User.select()}
    rows, questions = [], {}
    for slot in slots:
        if slot.status in ('upcoming', 'done', 'late') or slot.start >= now:
            continue  # not begun, or already recorded (the extinguisher round of build_history)
        routine = slot.routine
        missed_share, late_share = OUTCOMES.get(routine.activity, (0.05, 0.05))
        roll = rng.random()
        if slot.status == 'due':
            if roll < 0.5:
                continue  # not yet: it is still due
            when = between(rng, slot.start, min(slot.end, now))
        elif roll < missed_share:
            continue
        elif roll < missed_share + late_share:
            when = between(rng, slot.end, min(slot.late_limit, now, slot.end + datetime.timedelta(hours=3)))
        else:
            when = between(rng, slot.start, min(slot.end, now), whole=slot.whole, zone=zone)
        if when is None or when >= now:
            continue
        person = (by_id.get(int(routine.people[0])) if routine.people else None) or by_role.get(routine.role) \
            or users['manager']
        rows.append(history_row(campus, routine, slot, person, when, tags, rng, questions))
        again = when + datetime.timedelta(minutes=7)  # a second sign-off: an extra record, never after now
        if routine.activity == 'cleaning' and rng.random() < 0.02 and again < now:
            rows.append(history_row(campus, routine, slot, person, again, tags, rng, questions))
    rows.sort(key=lambda r: r['created_at'])
    for batch in range(0, len(rows), 50):
        Record.insert_many(rows[batch:batch + 50]).execute()
    return len(rows)


def between(rng, first, last, whole=False, zone=None):
    """A moment in [first, last): for a whole day or longer, during working hours of one of its days."""
    if last <= first:
        return None
    if whole:
        local_first = clock.to_local(first, zone).date()
        local_last = clock.to_local(last - datetime.timedelta(seconds=1), zone).date()
        span = (local_last - local_first).days
        day = local_first + datetime.timedelta(days=rng.randint(0, span))
        moment = clock.to_utc(datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randint(0, 59))),
                              zone)
        return moment if first <= moment < last else None
    seconds = int((last - first).total_seconds())
    return first + datetime.timedelta(seconds=rng.randint(0, max(0, seconds - 1)))


def history_row(campus, routine, slot, person, when, tags, rng, questions):
    """One record of a routine at its target, as the scan page would have stored it."""
    item = slot.target_id if slot.target_type == 'item' else None
    answers, outcome, template = {}, 'ok', None
    if routine.template_id:
        template = routine.template_id
        if template not in questions:
            questions[template] = list(ChecklistItem.select().where(ChecklistItem.template == template)
                                       .order_by(ChecklistItem.position))
        items = questions[template]
        values, score = {}, 0.0
        for question in items:
            if question.item_type == 'photo':
                continue
            value = 'fail' if rng.random() < 0.08 else 'pass'
            values[str(question.id)] = value
            score += question.points if value == 'pass' else 0
        answers = {'values': values, 'hazards': []}
        if any(q.points for q in items):
            answers['score'], answers['max_score'] = score, float(sum(q.points for q in items))
        outcome = 'problem' if 'fail' in values.values() and routine.activity != 'hygiene' else 'ok'
    return {'uuid': str(uuid.uuid4()), 'campus': campus.id, 'activity': routine.activity,
            'tag': tags.get((slot.target_type, slot.target_id)), 'place': slot.place_id, 'item': item,
            'user': person.id, 'reporter_name': '', 'template': template, 'answers': answers, 'outcome': outcome,
            'note': '', 'created_at': when, 'client_time': when}
