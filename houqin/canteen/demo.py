"""The demo school's canteen (issue 15): six workers (one certificate expiring, one expired), suppliers, the
canteen's routines (每餐留样 at the sample fridge, 陪餐, 食堂月自检; 餐后消毒 is the routines demo's) and three
weeks of what the canteen would have recorded — every meal's samples (one meal missed, one disposal missed),
morning checks (a worker sent home with a fever, the expired certificate sent home), deliveries (one refused)
and 陪餐 at lunch — made from the engine's own slots, so the history is what the app would have stored."""
import datetime
import random
import uuid

from houqin import clock
from houqin.canteen.routines import add_canteen_routines, meal_of
from houqin.canteen.samples import KEEP
from houqin.checklists.versions import questions
from houqin.models import (CanteenStaff, Delivery, DeliveryLine, FoodSample, HealthCertificate, Item, MorningCheck,
                           Record, Supplier, Tag)
from houqin.routines.service import campus_slots

HISTORY_DAYS = 21
# (name, post, days from today to the certificate's expiry; the first is the canteen account)
STAFF = (('赵建华', '厨师长', 240), ('钱秀英', '帮厨', 12), ('孙德胜', '厨师', -5), ('李桂香', '帮厨', 180),
         ('周明辉', '面点师', 300), ('吴玉兰', '洗消保洁', 95))
SUPPLIERS = (('青石镇蔬菜配送店', 'JY15230001', 200), ('县城肉联厂', 'JY15230087', 330), ('鑫源粮油店', 'JY15230112', 25))
MENUS = {  # what each meal served, a few menus in turn
    'breakfast': (('馒头', '小米粥', '煮鸡蛋'), ('包子', '豆浆', '咸菜'), ('花卷', '大米粥', '炒土豆丝')),
    'lunch': (('红烧肉', '炒青菜', '番茄蛋汤', '米饭'), ('土豆烧鸡', '清炒白菜', '紫菜汤', '米饭'),
              ('鱼香肉丝', '炒豆芽', '冬瓜汤', '米饭'), ('回锅肉', '麻婆豆腐', '青菜汤', '米饭')),
    'dinner': (('青椒肉丝', '凉拌黄瓜', '面条'), ('番茄炒蛋', '炒包菜', '米饭'), ('肉末茄子', '蒸南瓜', '米饭')),
}
# Counted in school days back from three days ago: that day's lunch samples were never disposed of (a problem
# on the canteen page), the delivery had a refused line; two school days earlier dinner has no sample (a missed
# slot); five school days earlier 李桂香 had 37.8 °C and was sent home.
MISSED_DISPOSAL, REFUSED, MISSED_MEAL, FEVER = 0, 0, 2, 5


def build_canteen(campus, places, users, now, set_up):
    """The demo canteen; returns how many records it wrote."""
    rng = random.Random(15)
    zone = clock.zone_name(campus)
    today = clock.today(zone, now)
    kitchen, dining = places['食堂/操作间'], places['食堂/餐厅']
    fridge = Item.get((Item.campus == campus) & (Item.kind == 'sample_fridge'))
    fridge_tag = Tag.get((Tag.item == fridge) & (Tag.status == 'active'))
    hall_tag = Tag.get((Tag.place == kitchen) & (Tag.status == 'active'))
    store = places['食堂/食品仓库']
    store_tag = Tag.get((Tag.place == store) & (Tag.status == 'active'))
    dining_tag = Tag.get((Tag.place == dining) & (Tag.status == 'active'))
    cook = users['canteen']
    staff = []
    for position, (name, post, days) in enumerate(STAFF):
        worker = CanteenStaff.create(campus=campus, name=name, post=post, phone=f'1390{rng.randint(1000000, 9999999)}',
                                     user=cook if position == 0 else None, created_at=set_up)
        expires = today + datetime.timedelta(days=days)
        HealthCertificate.create(staff=worker, number=f'JK{expires.year - 1}{rng.randint(100000, 999999)}',
                                 issued_on=expires - datetime.timedelta(days=365), expires_on=expires,
                                 created_by=users['manager'], created_at=set_up)
        staff.append((worker, expires))
    suppliers = [Supplier.create(campus=campus, name=name, licence_number=number, created_at=set_up,
                                 licence_expires=today + datetime.timedelta(days=days), contact='联系人')
                 for name, number, days in SUPPLIERS]
    routines = add_canteen_routines(campus, kitchen, dining, disinfection=False, created_at=set_up)
    start, _end = clock.day_bounds(today - datetime.timedelta(days=HISTORY_DAYS), zone)
    written = 0
    slots = [s for s in campus_slots(campus, start, now, now=now) if s.routine in routines]
    back = sorted({s.day for s in slots if s.activity == 'sample' and s.day <= today - datetime.timedelta(days=3)},
                  reverse=True)
    marks = {name: back[n] if len(back) > n else None for name, n in
             (('disposal', MISSED_DISPOSAL), ('refused', REFUSED), ('meal', MISSED_MEAL), ('fever', FEVER))}
    for slot in slots:
        if slot.start >= now or slot.status != 'missed' and slot.status != 'due':
            continue
        if slot.activity == 'sample':
            meal = meal_of(slot)
            if (slot.day, meal) == (marks['meal'], 'dinner') or slot.status == 'due' and rng.random() < 0.5:
                continue
            kept_at = slot.start + datetime.timedelta(minutes=rng.randint(20, 100))
            if kept_at >= now:
                continue
            menu = MENUS[meal][slot.day.toordinal() % len(MENUS[meal])]
            record = record_at(campus, 'sample', fridge_tag, fridge.place_id, fridge.id, cook, kept_at,
                               {'meal': meal, 'dishes': [{'dish': d, 'weight': 150} for d in menu]})
            disposed = kept_at + KEEP + datetime.timedelta(minutes=rng.randint(10, 240))
            for dish in menu:
                missed = (slot.day, meal) == (marks['disposal'], 'lunch')
                FoodSample.create(campus=campus, record=record, item=fridge, place=fridge.place_id, day=slot.day,
                                  meal=meal, dish=dish, weight=rng.choice((130, 150, 160, 180)), kept_by=cook,
                                  kept_at=kept_at, dispose_due=kept_at + KEEP,
                                  disposed_at=None if missed or disposed > now else disposed,
                                  disposed_by=None if missed or disposed > now else cook)
            written += 1
        elif slot.activity == 'accompany' and slot.status == 'missed' and rng.random() < 0.9:
            teacher = users['teacher'] if rng.random() < 0.6 else users['inspector']
            written += accompany(campus, slot, routines, dining_tag, teacher, rng)
    for days_ago in range(HISTORY_DAYS, -1, -1):
        day = today - datetime.timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        written += morning_checks(campus, day, day == marks['fever'], staff, hall_tag, kitchen, cook, rng, now, zone)
        if days_ago % 2 == 0 or day == marks['refused']:
            written += delivery(campus, day, days_ago, day == marks['refused'], suppliers, store_tag, store, cook,
                                rng, now, zone)
    return written


def record_at(campus, activity, tag, place_id, item_id, user, when, answers, outcome='ok', note='', template=None):
    """A record as the scan page would have stored it."""
    return Record.create(uuid=str(uuid.uuid4()), campus=campus, activity=activity, tag=tag, place=place_id,
                         item=item_id, user=user, template=template, answers=answers, outcome=outcome, note=note,
                         created_at=when, client_time=when)


def accompany(campus, slot, routines, tag, teacher, rng):
    """A 陪餐 record at lunch: the teacher, the meal and a comment."""
    routine = next(r for r in routines if r.activity == 'accompany')
    values = {}
    for item in questions(routine.template):
        if item.item_type == 'pass_fail':
            values[str(item.id)] = 'pass'
        elif item.item_type == 'choice':
            values[str(item.id)] = '午餐'
        elif item.label == '陪餐人':
            values[str(item.id)] = teacher.display_name.split(' ')[-1]
        else:
            values[str(item.id)] = rng.choice(('饭菜可口，分量足', '青菜稍咸，已反馈厨师', '汤温度偏低', '学生就餐有序'))
    when = slot.start + datetime.timedelta(minutes=rng.randint(30, 90))
    record_at(campus, 'accompany', tag, slot.place_id, None, teacher, when, {'values': values, 'hazards': []},
              template=routine.template_id)
    return 1


def morning_checks(campus, day, fever_day, staff, tag, kitchen, cook, rng, now, zone):
    """Each worker's check at 06:10–06:40: fit, except the fever day and the expired certificate (sent home)."""
    written = 0
    for position, (worker, expires) in enumerate(staff):
        when = clock.to_utc(datetime.datetime.combine(day, datetime.time(6, 10 + 4 * position)), zone)
        if when >= now:
            continue
        temperature, fit, note, symptoms = round(rng.uniform(36.1, 36.9), 1), True, '', []
        if fever_day and worker.name == '李桂香':
            temperature, fit, note, symptoms = 37.8, False, '发热，已劝其回家休息', ['fever']
        elif expires < day:
            fit, note = False, '健康证已过期，暂停上岗'
        record = record_at(campus, 'morning_check', tag, kitchen.id, None, cook, when,
                           {'staff': worker.id, 'name': worker.name, 'temperature': temperature,
                            'symptoms': symptoms, 'fit': fit}, outcome='ok' if fit else 'problem', note=note)
        MorningCheck.create(campus=campus, record=record, staff=worker, day=day, temperature=temperature,
                            symptoms=symptoms, fit=fit, note=note, checked_by=cook, checked_at=when)
        written += 1
    return written


def delivery(campus, day, days_ago, refused_day, suppliers, tag, store, cook, rng, now, zone):
    """A morning delivery at the storeroom; on the refused day the eggs are refused (broken)."""
    when = clock.to_utc(datetime.datetime.combine(day, datetime.time(7, rng.randint(0, 40))), zone)
    if when >= now:
        return 0
    supplier = suppliers[days_ago % len(suppliers)] if not refused_day else suppliers[0]
    lines = {'青石镇蔬菜配送店': (('青菜', 25.0, 'kg', None), ('土豆', 30.0, 'kg', None), ('鸡蛋', 300.0, 'count', None)),
             '县城肉联厂': (('猪肉', 18.5, 'kg', 3.0), ('鸡肉', 12.0, 'kg', 2.5)),
             '鑫源粮油店': (('大米', 100.0, 'kg', None), ('菜籽油', 20.0, 'litre', None))}[supplier.name]
    refused = 1 if refused_day else 0
    note = '鸡蛋破损较多，当场退回' if refused else ''
    record = record_at(campus, 'delivery', tag, store.id, None, cook, when,
                       {'supplier': supplier.name, 'lines': len(lines), 'refused': refused},
                       outcome='problem' if refused else 'ok', note=note)
    found = Delivery.create(campus=campus, record=record, supplier=supplier, supplier_name=supplier.name,
                            place=store, received_by=cook, received_at=when, refused=refused, note=note)
    for position, (name, quantity, unit, temperature) in enumerate(lines):
        bad = refused and name == '鸡蛋'
        DeliveryLine.create(delivery=found, position=position, name=name, quantity=quantity, unit=unit,
                            accepted=not bad, reason='破损30余个' if bad else '', temperature=temperature)
    return 1
