"""The demo school's stocktakes and supplies, made through the area's own functions: a mid-term count of a floor
signed off, a term-end count of the teaching building's third floor under way (finds, one found elsewhere, two
assets not counted yet, a blank label registered on the spot), and the storeroom's exercise books and paper."""
import datetime
import uuid

from houqin.assets.stocktake import (close_stocktake, confirm_item, open_stocktake, record_count_scan,
                                     register_blank, resolve_elsewhere, set_room)
from houqin.assets.supplies import add_supply, record_movement
from houqin.models import Item, StocktakeLine, Tag
from houqin.tags import new_token

# Supplies: (name, kind, unit, [(days ago, 'in'|'out', quantity, party, signature)])
SUPPLIES = (
    ('作业本（大格）', 'exercise_book', '本', ((25, 'in', 2000, '县新华书店', ''), (24, 'out', 320, '一年级组', '吴老师'),
                                         (24, 'out', 300, '二年级组', '郑老师'), (10, 'out', 45, '三年级(5)班', '班长 林晓'))),
    ('A4复印纸', 'office', '包', ((28, 'in', 60, '文具批发部', ''), (20, 'out', 10, '教务处', '教务 何老师'),
                              (6, 'out', 4, '总务处', '张建国'))),
    ('粉笔（无尘）', 'office', '盒', ((28, 'in', 200, '文具批发部', ''), (15, 'out', 40, '三年级组', '王丽萍'))),
    ('洗手液', 'cleaning', '瓶', ((12, 'in', 48, '超市', ''), (11, 'out', 24, '保洁组', '刘阿姨'))),
)


def items_at(place):
    """The assets the register has at a place, in id order."""
    return list(Item.select().where(Item.place == place).order_by(Item.id))


def count_room(take, user, room, items, when):
    """A counter sets the room and confirms these assets there, a few seconds apart; returns the time after."""
    set_room(take, user, room, when)
    for item in items:
        when += datetime.timedelta(seconds=7)
        confirm_item(take, user, item, room, when)
    return when


def build_stocktakes(campus, places, users, now):
    """A closed mid-term count of the composite building's third floor and an open term-end count of the teaching
    building's third floor; returns the open one."""
    floor = places['综合楼/三楼']
    opened = now - datetime.timedelta(days=14, hours=3)
    take = open_stocktake(campus, users['manager'], name='期中清点 综合楼三楼', scope_place=floor,
                          counters=[users['janitor'].id], now=opened)
    when = opened + datetime.timedelta(minutes=20)
    music = places['综合楼/三楼/音乐室']
    borrowed = items_at(floor)[0]  # an extinguisher from the corridor, found in the music room
    when = count_room(take, users['janitor'], music, items_at(music) + [borrowed], when)
    for path in ('综合楼/三楼/美术室', '综合楼/三楼/舞蹈室', '综合楼/三楼'):
        when = count_room(take, users['janitor'], places[path], items_at(places[path]), when)
    line = StocktakeLine.get((StocktakeLine.stocktake == take.id) & (StocktakeLine.item == borrowed.id))
    resolve_elsewhere(take, line.id, 'borrowed')
    close_stocktake(take, users['manager'], '张建国', now=when + datetime.timedelta(hours=2))

    floor = places['教学楼/三楼']
    opened = now - datetime.timedelta(days=1, hours=2)
    take = open_stocktake(campus, users['manager'], name='期末清点 教学楼三楼', scope_place=floor,
                          counters=[users['teacher'].id, users['janitor'].id], now=opened)
    rooms = {p.code: p for p in places.values() if p.parent_id == floor.id and p.code}
    when = opened + datetime.timedelta(hours=1)
    own = rooms['305']
    found = items_at(own)[:-2]  # the computer and the lights not counted yet
    when = count_room(take, users['teacher'], own, found, when)
    blank = Tag.create(token=new_token(), campus=campus, status='unclaimed', created_at=opened)
    record_count_scan(take, users['teacher'], blank, now=when)
    oddity = take.oddities.get()
    register_blank(take, users['teacher'], oddity.id, name='图书角书柜', kind='other', asset_number='SG-0001',
                   now=when + datetime.timedelta(minutes=2))
    first = rooms['301']
    stray = items_at(rooms['302'])[30]  # a chair of 302, carried next door
    count_room(take, users['janitor'], first, items_at(first)[:20] + [stray], when)
    return take


def build_supplies(campus, users, now):
    """The storeroom's exercise books, paper, chalk and soap, received and issued over the term; returns how many
    movements."""
    n = 0
    for name, kind, unit, moves in SUPPLIES:
        supply = add_supply(campus, name=name, category=kind, unit=unit)
        for days, direction, quantity, party, signature in moves:
            record_movement(supply, users['manager'], direction=direction, quantity=quantity,
                            submission=str(uuid.uuid4()), party=party, signed_name=signature,
                            now=now - datetime.timedelta(days=days, hours=1))
            n += 1
    return n

