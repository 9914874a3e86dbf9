"""The demo school: a town central school with places, assets, labels, accounts and a few weeks of history."""
import datetime
import random
import uuid
from collections import Counter
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext
from peewee import chunked

from houqin import db
from houqin.assets.custody_demo import build_custody
from houqin.assets.demo import build_stocktakes, build_supplies
from houqin.assets.loan_demo import build_loans
from houqin.canteen.demo import build_canteen
from houqin.clock import to_local, to_utc, utcnow
from houqin.models import (AuditLog, Campus, Item, Membership, Place, Record, RepairCategory, Tag, User,
                           WorkOrder, WorkOrderCounter, WorkOrderEvent)
from houqin.patrol.demo import build_patrol
from houqin.repairs.workflow import DEFAULT_DUE_HOURS, follow_item_status
from houqin.routines.demo import build_calendar, build_routines
from houqin.scores.demo import build_classes
from houqin.tags import new_token
from houqin.vocab import CATEGORY_LABELS, ROLES

SCHOOL = {'name': '青石镇中心学校', 'code': 'demo', 'timezone': 'Asia/Shanghai', 'allow_anonymous_reports': True}
ZONE = SCHOOL['timezone']
SET_UP_DAYS_AGO = 30  # places and assets were registered at term start, before the history begins
HISTORY_DAYS = 21

ACCOUNTS = {  # username (= role): display name
    'admin': '系统管理员', 'manager': '后勤主任 张建国', 'guard': '保安 李师傅', 'janitor': '保洁 刘阿姨',
    'teacher': '班主任 王丽萍', 'repair': '水电工 陈师傅', 'canteen': '食堂 赵师傅', 'viewer': '教办督导 孙老师',
    'inspector': '值周行政 周老师',  # the duty leader runs the 卫生检查, the dormitory spot checks and campaigns
}
TEACHER_ROOM = '305'  # the teacher account is this class's head teacher

FLOORS = ('一楼', '二楼', '三楼', '四楼', '五楼')
GRADES = (('一年级', 7), ('二年级', 7), ('三年级', 7), ('四年级', 7), ('五年级', 6), ('六年级', 6))
COMPOSITE_ROOMS = (  # 综合楼, floor by floor: (name, kind)
    (('校长室', 'office'), ('总务处', 'office'), ('教务处', 'office'), ('会议室', 'function_room'),
     ('总务仓库', 'storeroom')),
    (('科学实验室', 'lab'), ('仪器室', 'storeroom'), ('计算机室', 'function_room')),
    (('音乐室', 'function_room'), ('美术室', 'function_room'), ('舞蹈室', 'function_room')),
    (('图书室', 'function_room'), ('阅览室', 'function_room'), ('心理咨询室', 'function_room')),
)
OTHER_PLACES = (  # (name, kind, rooms inside)
    ('食堂', 'building', (('操作间', 'canteen'), ('餐厅', 'canteen'), ('留样间', 'canteen'), ('食品仓库', 'storeroom'),
                        ('食堂后门', 'gate'))),
    ('校门', 'gate', (('门卫室', 'office'),)),
    ('后门', 'gate', ()),
    ('操场', 'playground', (('体育器材室', 'storeroom'), ('东侧围墙', 'other'))),  # the wall students climb
    ('配电房', 'other', ()),
    ('水泵房', 'other', ()),
)
SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程'
GIVEN_NAMES = ('丽华', '建军', '秀英', '海燕', '志强', '晓红', '春梅', '文静', '国庆', '玉兰', '红霞', '永红',
               '小芳', '明辉', '桂香', '德胜', '淑珍', '雪梅', '卫东', '亚琴', '凤英', '俊杰', '慧敏', '金凤')

DRY_POWDER, CO2 = '干粉灭火器 4kg', '二氧化碳灭火器 3kg'
# Items as (kind, name, asset number prefix or None, how many).
CLASSROOM_ITEMS = (('desk', '课桌', 'KZ', 25), ('chair', '椅子', 'YZ', 25), ('projector', '投影仪', 'TYY', 1),
                   ('computer', '教学电脑', 'DN', 1), ('light', '教室日光灯（9支）', None, 1))
FLOOR_ITEMS = (('fire_extinguisher', DRY_POWDER, 'MHQ', 4), ('hydrant', '室内消火栓', 'XHS', 1))
CORRIDOR_ITEMS = (('water_dispenser', '饮水机', 'YSJ', 1),)  # floors of the teaching building and dormitories
OFFICE_ITEMS = (('air_conditioner', '挂式空调', 'KT', 1), ('computer', '办公电脑', 'DN', 1))
ROOM_ITEMS = {
    '综合楼/一楼/会议室': (('air_conditioner', '柜式空调', 'KT', 2), ('projector', '投影仪', 'TYY', 1)),
    '综合楼/二楼/科学实验室': (('projector', '投影仪', 'TYY', 1), ('fire_extinguisher', DRY_POWDER, 'MHQ', 2)),
    '综合楼/二楼/计算机室': (('computer', '学生电脑', 'DN', 30), ('computer', '教师电脑', 'DN', 1),
                      ('air_conditioner', '柜式空调', 'KT', 2), ('fire_extinguisher', CO2, 'MHQ', 2)),
    '综合楼/三楼/音乐室': (('other', '钢琴', 'QT', 1),),
    '综合楼/四楼/图书室': (('air_conditioner', '柜式空调', 'KT', 1), ('fire_extinguisher', DRY_POWDER, 'MHQ', 2)),
    '食堂/操作间': (('fire_extinguisher', DRY_POWDER, 'MHQ', 4), ('other', '消毒柜', 'QT', 2), ('other', '灭火毯', None, 2)),
    '食堂/餐厅': (('fire_extinguisher', DRY_POWDER, 'MHQ', 2), ('hydrant', '室内消火栓', 'XHS', 1),
                ('camera', '监控摄像头', 'SXT', 1)),
    '食堂/留样间': (('sample_fridge', '留样冰箱', 'QT', 1),),
    '食堂/食品仓库': (('fire_extinguisher', DRY_POWDER, 'MHQ', 2),),
    '校门': (('camera', '监控摄像头', 'SXT', 3),),
    '校门/门卫室': (('fire_extinguisher', DRY_POWDER, 'MHQ', 2), ('computer', '监控主机', 'DN', 1)),
    '后门': (('camera', '监控摄像头', 'SXT', 1),),
    '操场': (('camera', '监控摄像头', 'SXT', 2),),
    '配电房': (('fire_extinguisher', CO2, 'MHQ', 2),),
    '水泵房': (('fire_extinguisher', DRY_POWDER, 'MHQ', 2),),
}
# Extinguishers are bought in batches and due for refilling five years later; (place prefix, days to expiry).
EXTINGUISHER_EXPIRY = (('男生宿舍/三楼', -12), ('配电房', -47), ('水泵房', -95), ('食堂', 17), ('教学楼', 610),
                       ('综合楼', 430), ('男生宿舍', 880), ('女生宿舍', 880), ('', 250))
EXTINGUISHER_LIFE = datetime.timedelta(days=5 * 365 + 1)

# Repairs: (days ago, place path or code, item kind, category, priority, hazard, title, description,
#           reporter (an account's role, or a name for an anonymous report), status now,
#           the fix: (what was done, cost, parts used as (name, quantity)) or None)
REPAIRS = (
    (19, '教学楼/二楼/男厕所', None, 'plumbing', 'normal', False, '水龙头漏水',
     '洗手池左边第二个水龙头关不紧，一直滴水。', 'janitor', 'closed', ('更换水龙头1个，已不漏水。', '35.00', (('水龙头', 1),))),
    (17, '302', 'light', 'electrical', 'normal', False, '日光灯闪烁',
     '教室前排两支日光灯一直闪，学生反映看黑板眼睛不舒服。', 'teacher', 'closed',
     ('更换灯管2支、启辉器1个。', '28.00', (('灯管', 2), ('启辉器', 1)))),
    (16, TEACHER_ROOM, 'desk', 'furniture', 'normal', False, '课桌桌面开裂',
     '第三排靠窗的课桌桌面开裂，有毛刺，容易划伤学生。', 'teacher', 'closed',
     ('更换桌面板，打磨毛刺。', '60.00', (('桌面板', 1), ('螺丝', 4)))),
    (14, '男生宿舍/一楼/103室', None, 'doors_windows', 'normal', False, '宿舍门锁损坏',
     '103室门锁坏了，钥匙插不进去。夜间巡查时发现。', 'guard', 'closed', ('更换门锁芯1个。', '45.00', (('锁芯', 1),))),
    (11, '女生宿舍/二楼/卫生间', None, 'plumbing', 'high', False, '地漏堵塞',
     '卫生间地漏堵塞，地面积水，学生容易滑倒。', 'janitor', 'done', ('疏通地漏，清理头发杂物。', None, ())),
    (9, '208', 'projector', 'it_av', 'normal', False, '投影仪无信号',
     '投影仪开机后显示无信号，换了视频线也不行。', '数学 黄老师', 'in_progress', None),
    (6, '104', 'light', 'electrical', 'normal', False, '日光灯不亮',
     '教室后排两支日光灯不亮，还有一支一直闪。', '一年级(4)班 吴老师', 'accepted', None),
    (2, '校门', 'camera', 'it_av', 'high', False, '监控画面模糊',
     '校门口监控摄像头画面模糊，晚上看不清来人。', 'guard', 'in_progress', None),
    (1, '食堂/餐厅', None, 'doors_windows', 'normal', False, '窗户玻璃破裂',
     '餐厅东侧第二扇窗户玻璃裂了一道缝。', '学生家长 刘女士', 'reported', None),
    (0, '综合楼/三楼', None, 'building', 'urgent', True, '楼梯扶手松动',
     '三楼到四楼的楼梯扶手松动，一推就晃，学生上下楼有危险。', 'inspector', 'reported', None),
    (0, '教学楼/四楼', 'water_dispenser', 'electrical', 'normal', False, '饮水机不出热水',
     '四楼饮水机加热灯不亮，一直没有热水。', 'teacher', 'reported', None),
)
# Who pays for damage a pupil caused (公物损坏赔偿): title -> (liable party, amount).
COMPENSATION = {'课桌桌面开裂': ('三年级(5)班 学生（家长已确认）', '60.00')}
FLOW = ('reported', 'accepted', 'in_progress', 'done', 'verified', 'closed')
STEPS = {  # status reached: (action, who, minutes after the previous step, note); checks wait a night
    'reported': ('report', None, (0, 0), ''),
    'accepted': ('accept', 'repair', (15, 60), '已接单'),
    'in_progress': ('start', 'repair', (20, 120), '到现场维修'),
    'done': ('finish', 'repair', (30, 90), None),
    'verified': ('verify', None, (0, 0), '已修好，谢谢'),
    'closed': ('close', 'manager', (0, 0), '已验收'),
}


class DemoRefused(Exception):
    """The database holds data that is not the demo's, so the demo will not load into it."""


def local_time(day, hour, minute=0):
    """A wall-clock time in the school's zone on a day, as stored (naive UTC)."""
    return to_utc(datetime.datetime.combine(day, datetime.time(hour, minute)), ZONE)


def insert_rows(model, rows):
    """Bulk-insert dict rows, in chunks small enough for any SQLite's variable limit."""
    for batch in chunked(rows, max(1, 999 // len(model._meta.sorted_fields))):
        model.insert_many(batch).execute()


def build_places(campus, created_at):
    """The place tree; returns {path like '教学楼/二楼/男厕所': Place}, in tree order."""
    places, positions = {}, Counter()

    def add(path, kind, code=None, parent=None):
        place = Place.create(campus=campus, parent=parent, name=path.rsplit('/', 1)[-1], kind=kind, code=code,
                             position=positions[parent.id if parent else None], created_at=created_at)
        positions[parent.id if parent else None] += 1
        places[path] = place
        return place

    classes = [f'{grade}({n})班' for grade, count in GRADES for n in range(1, count + 1)]
    building = add('教学楼', 'building', 'A')
    for f, floor_name in enumerate(FLOORS, 1):
        floor = add(f'教学楼/{floor_name}', 'floor', f'A{f}', building)
        for r in range(1, 9):
            add(f'教学楼/{floor_name}/{classes.pop(0)}', 'classroom', f'{f}{r:02d}', floor)
        add(f'教学楼/{floor_name}/教师办公室', 'office', f'{f}09', floor)
        add(f'教学楼/{floor_name}/男厕所', 'toilet', None, floor)
        add(f'教学楼/{floor_name}/女厕所', 'toilet', None, floor)
    building = add('综合楼', 'building', 'B')
    for f, rooms in enumerate(COMPOSITE_ROOMS, 1):
        floor = add(f'综合楼/{FLOORS[f - 1]}', 'floor', f'B{f}', building)
        for r, (name, kind) in enumerate(rooms, 1):
            add(f'综合楼/{FLOORS[f - 1]}/{name}', kind, f'B{f}{r:02d}', floor)
        add(f'综合楼/{FLOORS[f - 1]}/男厕所', 'toilet', None, floor)
        add(f'综合楼/{FLOORS[f - 1]}/女厕所', 'toilet', None, floor)
    for dorm, letter in (('男生宿舍', 'C'), ('女生宿舍', 'D')):
        building = add(dorm, 'building', letter)
        for f in range(1, 4):
            floor = add(f'{dorm}/{FLOORS[f - 1]}', 'floor', f'{letter}{f}', building)
            if f == 1:
                add(f'{dorm}/一楼/宿管室', 'office', None, floor)
            for r in range(1, 9):
                add(f'{dorm}/{FLOORS[f - 1]}/{f}{r:02d}室', 'dormitory', f'{letter}{f}{r:02d}', floor)
            add(f'{dorm}/{FLOORS[f - 1]}/卫生间', 'toilet', None, floor)
    for name, kind, rooms in OTHER_PLACES:
        parent = add(name, kind, 'E' if name == '食堂' else None)
        for room, room_kind in rooms:
            add(f'{name}/{room}', room_kind, None, parent)
    return places


def head_teachers(rng, classrooms):
    """{classroom path: head teacher's name}, distinct names, the teacher account's class included."""
    teacher = ACCOUNTS['teacher'].split()[-1]
    pool = sorted({s + g for s in SURNAMES for g in GIVEN_NAMES} - {teacher})
    names = dict(zip(classrooms, rng.sample(pool, len(classrooms))))
    names.update({path: teacher for path, place in classrooms.items() if place.code == TEACHER_ROOM})
    return names


def build_items(campus, places, rng, today, created_at):
    """Desks, chairs, projectors, extinguishers and the rest, inserted in bulk; returns how many."""
    numbers, rows = Counter(), []
    classrooms = {path: p for path, p in places.items() if p.kind == 'classroom'}
    custodians = head_teachers(rng, classrooms)

    def add(place, path, specs, custodian='总务处', bought=None):
        for kind, name, prefix, count in specs:
            for _ in range(count):
                numbers[prefix] += 1
                row = {'campus': campus.id, 'place': place.id, 'kind': kind, 'name': name,
                       'asset_number': f'{prefix}-{numbers[prefix]:04d}' if prefix else None,
                       'custodian': custodian, 'status': 'in_use', 'purchased_on': bought,
                       'expires_on': None, 'attributes': {}, 'created_at': created_at}
                if kind == 'fire_extinguisher':
                    days = next(d for prefix_, d in EXTINGUISHER_EXPIRY if path.startswith(prefix_))
                    row['expires_on'] = today + datetime.timedelta(days=days)
                    row['purchased_on'] = row['expires_on'] - EXTINGUISHER_LIFE
                    row['attributes'] = ({'agent': '二氧化碳', 'capacity_kg': 3} if name == CO2
                                         else {'agent': 'ABC干粉', 'capacity_kg': 4})
                rows.append(row)

    for path, place in places.items():
        building = path.split('/')[0]
        if place.kind == 'classroom':
            add(place, path, CLASSROOM_ITEMS, custodians[path], august(today, rng.choice((2, 4, 6))))
        elif place.kind == 'floor':
            corridor = CORRIDOR_ITEMS if building in ('教学楼', '男生宿舍', '女生宿舍') else ()
            add(place, path, FLOOR_ITEMS + corridor, bought=august(today, 5))
        elif place.kind == 'office' and building in ('教学楼', '综合楼'):
            add(place, path, OFFICE_ITEMS, bought=august(today, rng.choice((1, 3))))
        add(place, path, ROOM_ITEMS.get(path, ()), bought=august(today, 3))
    insert_rows(Item, rows)
    return len(rows)


def august(today, years_ago):
    """Late August some years back, when a school buys before term starts."""
    return datetime.date(today.year - years_ago, 8, 20)


def build_tags(campus, created_at):
    """One active label for every place and item of the campus; returns {('place'|'item', id): tag id}."""
    targets = [('place', p.id) for p in Place.select(Place.id).where(Place.campus == campus).order_by(Place.id)]
    targets += [('item', i.id) for i in Item.select(Item.id).where(Item.campus == campus).order_by(Item.id)]
    tokens = set()
    while len(tokens) < len(targets):
        tokens.add(new_token())
    insert_rows(Tag, [{'token': token, 'campus': campus.id, 'place': pid if what == 'place' else None,
                       'item': pid if what == 'item' else None, 'status': 'active', 'created_at': created_at}
                      for (what, pid), token in zip(targets, tokens)])
    return {('place' if t.place_id else 'item', t.place_id or t.item_id): t.id
            for t in Tag.select(Tag.id, Tag.place, Tag.item).where(Tag.campus == campus)}


def build_accounts(campus, password, created_at):
    """One account per role, named after the role, with a membership on the demo campus."""
    users, hashed = {}, User()
    hashed.set_password(password)  # one hash (~0.1 s of scrypt) serves all eight: they share the password anyway
    for role, display_name in ACCOUNTS.items():
        user = User.create(username=role, display_name=display_name, password_hash=hashed.password_hash,
                           created_at=created_at)
        Membership.create(user=user, campus=campus, role=role)
        users[role] = user
    return users


def record_row(campus, tags, activity, user, when, place=None, item=None, outcome='ok', note='', reporter_name=''):
    """One Record as a dict, made at the label of the item (or place) it is about."""
    return {'uuid': str(uuid.uuid4()), 'campus': campus.id, 'activity': activity,
            'tag': tags[('item', item.id)] if item else tags[('place', place.id)],
            'place': place.id if place else item.place_id, 'item': item.id if item else None,
            'user': user.id if user else None, 'reporter_name': reporter_name, 'answers': {},
            'outcome': outcome, 'note': note, 'created_at': when, 'client_time': when}


def build_history(campus, places, users, tags, rng, now):
    """An extinguisher inspection round and repairs from report to close (the routines write the daily work)."""
    # The routines' own history (houqin/routines/demo.py) writes the cleanings and checks of every day.
    today = to_local(now, ZONE).date()
    days = [today - datetime.timedelta(days=n) for n in range(HISTORY_DAYS, -1, -1)]
    school_days = [d for d in days if d.weekday() < 5]
    records = []

    round_day = next(d for d in reversed(school_days) if d <= today - datetime.timedelta(days=18))
    when = local_time(round_day, 9)
    fire_kit = Item.select().where((Item.campus == campus) & Item.kind.in_(['fire_extinguisher', 'hydrant']))
    for item in fire_kit.order_by(Item.id):
        when += datetime.timedelta(minutes=rng.randint(1, 2), seconds=rng.randint(0, 59))
        expired = item.expires_on is not None and item.expires_on < round_day
        records.append(record_row(campus, tags, 'inspection', users['manager'], when, item=item,
                                  outcome='problem' if expired else 'ok', note='已过期，需送检填粉' if expired else ''))
    insert_rows(Record, records)
    return len(records) + build_repairs(campus, places, users, tags, rng, now)


def build_repairs(campus, places, users, tags, rng, now):
    """Damage reports and their work orders, every step an event; numbers, due times and items as the app keeps them."""
    today, reports = to_local(now, ZONE).date(), []
    for key in CATEGORY_LABELS:  # the electrician gets every category's new orders
        RepairCategory.create(campus=campus, key=key, assignee=users['repair'])
    for repair in REPAIRS:
        day = today - datetime.timedelta(days=repair[0])
        while day.weekday() >= 5:  # reported on a school day
            day -= datetime.timedelta(days=1)
        reported_at = min(local_time(day, rng.randint(8, 14), rng.randint(0, 59)), now - datetime.timedelta(hours=1))
        reports.append((reported_at, repair))
    sequences = Counter()
    for reported_at, repair in sorted(reports, key=lambda pair: pair[0]):
        _, where, kind, category, priority, hazard, title, text, reporter, status, fix = repair
        place = places.get(where) or next(p for p in places.values() if p.code == where)
        item = (Item.select().where((Item.place == place) & (Item.kind == kind)).order_by(Item.id).first()
                if kind else None)
        user = users.get(reporter)
        name = '' if user else reporter
        report = Record.create(**record_row(campus, tags, 'report', user, reported_at, place=None if item else place,
                                            item=item, outcome='problem', note=text, reporter_name=name))
        year = to_local(reported_at, ZONE).year
        sequences[year] += 1
        done = FLOW.index(status) >= FLOW.index('done')
        liable, amount = COMPENSATION.get(title, ('', None))
        order = WorkOrder.create(
            campus=campus, year=year, sequence=sequences[year], place=place, item=item, record=report,
            category=category, priority=priority, hazard=hazard, status=status, title=title, description=text,
            reporter=user, reporter_name=name, assignee=users['repair'],
            cost=Decimal(fix[1]) if done and fix[1] else None, liable_party=liable if done else '',
            compensation=Decimal(amount) if done and amount else None,
            due_at=reported_at + datetime.timedelta(hours=DEFAULT_DUE_HOURS[priority]), created_at=reported_at)
        when, previous = reported_at, ''
        steps = [s for s in FLOW[:FLOW.index(status) + 1] if s != 'verified' or user is not None]
        for step in steps:
            action, who, (low, high), note = STEPS[step]
            when += datetime.timedelta(minutes=rng.randint(low, high))
            if step in ('verified', 'closed'):  # the reporter and the logistics head look the next morning
                when = local_time(to_local(when, ZONE).date() + datetime.timedelta(days=1), 8, rng.randint(0, 59))
            when = min(when, now)
            actor = users[who] if who else user
            data = {}
            if step == 'done':
                data = {'parts': [{'name': n, 'qty': q} for n, q in fix[2]], 'cost': fix[1]}
            WorkOrderEvent.create(order=order, actor=actor, actor_name=actor.display_name if actor else name,
                                  action=action, from_status=previous, to_status=step,
                                  note=text if step == 'reported' else (fix[0] if note is None else note),
                                  data=data, created_at=when)
            previous = step
        if amount and done:
            WorkOrderEvent.create(order=order, actor=users['manager'], actor_name=users['manager'].display_name,
                                  action='compensate', from_status=status, to_status=status, created_at=when,
                                  data={'liable_party': liable, 'compensation': amount})
        order.updated_at, order.closed_at = when, (when if status == 'closed' else None)
        order.save()
        follow_item_status(item.id if item else None)
    for year, last in sequences.items():  # new reports continue the numbering
        WorkOrderCounter.create(campus=campus, year=year, last=last)
    return len(reports)


def refusal():
    """Why the demo must not load into this database, or '' when it holds no one's data."""
    campuses = [c.name for c in Campus.select(Campus.name).where(Campus.is_demo == False).limit(3)]  # noqa: E712
    usernames = [u.username for u in User.select(User.username).limit(3)]
    if not campuses and not usernames:
        return ''
    found = '、'.join(campuses + usernames)
    return (f'This database already holds a school or accounts that are not the demo\'s ({found}). '
            'The demo loads only into an empty database; point HOUQIN_DATABASE_URL at a new one '
            '(e.g. sqlite:///instance/demo.sqlite3) to try it.')


def load_demo(password='demo1234'):
    """Load the demo school in one transaction; False when it is already loaded, DemoRefused on others' data."""
    with db.write_transaction():
        if Campus.select().where(Campus.is_demo == True).exists():  # noqa: E712
            return False
        reason = refusal()
        if reason:
            raise DemoRefused(reason)
        rng, now = random.Random(2024), utcnow().replace(microsecond=0)
        today = to_local(now, ZONE).date()
        set_up = local_time(today - datetime.timedelta(days=SET_UP_DAYS_AGO), 16)
        campus = Campus.create(is_demo=True, created_at=set_up, **SCHOOL)
        places = build_places(campus, set_up)
        item_count = build_items(campus, places, rng, today, set_up)
        tags = build_tags(campus, set_up)
        users = build_accounts(campus, password, set_up)
        build_classes(campus, places, users, TEACHER_ROOM)  # a class per classroom, the teacher heads 305's
        record_count = build_history(campus, places, users, tags, rng, now)
        build_calendar(campus, today, set_up)  # terms and holidays, which patrol and the routines follow
        build_patrol(campus, places, users, now)  # the night route and six nights of patrol
        _routines, routine_records = build_routines(campus, places, users, now, set_up)  # and three weeks of them
        record_count += routine_records
        record_count += build_canteen(campus, places, users, now, set_up)  # six workers, three weeks of meals
        build_custody(campus, today, now)  # this term's 班级财产责任书, for the head teachers to sign
        build_stocktakes(campus, places, users, now)  # a floor counted and signed off, another being counted
        build_supplies(campus, users, now)  # the storeroom's exercise books, paper and chalk, in and out
        build_loans(campus, users, now)  # a projector on loan, a computer overdue, a transfer, a permit at the gate
        AuditLog.create(campus=campus, action='import', entity='campus', row_id=campus.id, address='cli',
                        summary=f'演示学校{campus.name}：{len(places)}个场所、{item_count}件资产、{len(tags)}个标签、'
                                f'{record_count}条记录、{len(REPAIRS)}张维修单',
                        created_at=set_up)
    return True


@click.command('demo')
@with_appcontext
@click.option('--password', default='demo1234', show_default=True, help='password for every demo account')
def demo_command(password):
    """Load the demo school (refuses if the database holds non-demo data)."""
    with db.database.connection_context():
        db.migrate()
        try:
            created = load_demo(password=password)
        except DemoRefused as exc:
            raise click.ClickException(str(exc))
    click.echo('Demo school loaded.' if created else 'The demo school is already loaded.')
    click.echo(f'Log in at {current_app.config["BASE_URL"]}/login with any of these accounts '
               f'(password {password if created else "as when it was loaded"}):')
    click.echo('  ' + '  '.join(ROLES))
