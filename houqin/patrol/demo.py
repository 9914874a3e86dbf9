"""The demo school's night patrol: a route of 10 checkpoints, rounds every 2 hours 22:00–06:00, holiday
rounds, and six past nights of plausible history written through the same functions a guard's phone uses."""
import datetime
import random

from houqin.models import DutyLog, Route, RouteStop, Tag
from houqin.patrol.anomalies import report_anomaly
from houqin.patrol.checkpoints import record_scan
from houqin.patrol.evaluation import evaluate_due_rounds
from houqin.patrol.plans import patrol_calendar, plan_chooser
from houqin.patrol.rounds import local_date, rounds_for_night, wall_to_utc

ROUTE_NAME = '夜间巡逻路线'
# (place path in the demo's tree, minimum walking minutes from the previous checkpoint)
CHECKPOINTS = (('校门', 0), ('教学楼', 3), ('综合楼', 2), ('配电房', 3), ('水泵房', 2), ('食堂/食堂后门', 3),
               ('女生宿舍', 4), ('男生宿舍', 2), ('操场/东侧围墙', 4), ('后门', 3))
HISTORY_NIGHTS = 6
# What went wrong on which past night (nights ago, round index): the rest went by the book.
SKIPPED = {(5, 2): ['水泵房'], (2, 3): ['操场/东侧围墙']}
MISSED_ROUNDS = {(4, 3)}
BURSTS = {(3, 1)}            # 女生宿舍, 男生宿舍, 东侧围墙 within a minute: scanned from a photo?
OUT_OF_ORDER = {(1, 2)}      # 女生宿舍 before 食堂后门
LATE = {(6, 0)}              # the last checkpoint after the round's end, in its grace
ANOMALIES = {(2, 0, '教学楼'): ('light_on', '三楼东头两间教室灯没关，已关闭。'),
             (2, 1, '配电房'): ('door_unlocked', '配电房门未上锁，已锁好，明早告知电工。'),
             (5, 0, '食堂/食堂后门'): ('tap_running', '后厨洗菜池水龙头没关紧。')}
DUTY = ('对讲机、手电、门卫室钥匙齐全，监控正常。', '夜间巡逻四轮，')


def build_patrol(campus, places, users, now):
    """The night route and six past nights of scans, anomalies and duty-log entries, on the campus calendar (its
    holiday nights follow the holiday plan); returns the route."""
    rng = random.Random(6)
    today = local_date(now, campus.timezone)  # the history: the last six nights whose shifts began before today
    first = today - datetime.timedelta(days=HISTORY_NIGHTS)
    route = Route.create(campus=campus, name=ROUTE_NAME, shift_start='22:00', shift_end='06:00', rounds=[],
                         every_minutes=120, grace_minutes=15, created_at=wall_time(first, 12, campus.timezone),
                         holiday_plan={'shift_start': '20:00', 'shift_end': '08:00', 'every_minutes': 180,
                                       'rounds': [], 'grace_minutes': 15, 'weekdays': []})
    for position, (path, walk) in enumerate(CHECKPOINTS):
        RouteStop.create(route=route, place=places[path], position=position, walk_minutes=walk)
    tags = {path: Tag.get((Tag.place == places[path]) & (Tag.status == 'active')) for path, _w in CHECKPOINTS}
    chooser = plan_chooser(route, patrol_calendar(campus.id))
    guard = users['guard']
    for ago in range(HISTORY_NIGHTS, 0, -1):
        night = today - datetime.timedelta(days=ago)
        plan, holiday = chooser(night)
        rounds = rounds_for_night(night, plan, campus.timezone, holiday)
        DutyLog.create(campus=campus, user=guard, kind='start', body=DUTY[0], night=night,
                       created_at=rounds[0].start - datetime.timedelta(minutes=rng.randint(8, 15)))
        for rnd in rounds:
            walk_round(rnd, (ago, rnd.index), tags, guard, rng, now)
        if ago == 3:
            DutyLog.create(campus=campus, user=guard, kind='incident', for_next_shift=True, night=night,
                           body='23:40 发现两名男生在东侧围墙边逗留，已劝回宿舍并告知宿管，请下一班多注意围墙。',
                           created_at=rounds[0].start + datetime.timedelta(minutes=100))
        handed_over = rounds[-1].end + datetime.timedelta(minutes=rng.randint(5, 12))
        if handed_over < now:  # last night's shift may still be running when the demo is loaded
            DutyLog.create(campus=campus, user=guard, kind='handover', night=night,
                           body=DUTY[1] + ('配电房门未锁已处理，需电工查看门锁。' if ago == 2 else '无异常。'),
                           created_at=handed_over)
    evaluate_due_rounds(now=now, campus=campus, notify=False)  # old nights: results, no messages
    return route


def walk_round(rnd, key, tags, guard, rng, now):
    """One round as the guard walked it: in order, at walking pace, with this night's mishap if any."""
    if key in MISSED_ROUNDS:
        return
    paths = [path for path, _w in CHECKPOINTS if path not in SKIPPED.get(key, [])]
    if key in OUT_OF_ORDER:
        i, j = paths.index('食堂/食堂后门'), paths.index('女生宿舍')
        paths[i], paths[j] = paths[j], paths[i]
    when = rnd.start + datetime.timedelta(minutes=rng.randint(3, 9))
    walks = dict(CHECKPOINTS)
    for n, path in enumerate(paths):
        if n:
            burst = key in BURSTS and path in ('男生宿舍', '操场/东侧围墙')
            seconds = rng.randint(15, 25) if burst else walks[path] * 60 + rng.randint(40, 200)
            when += datetime.timedelta(seconds=seconds)
        if key in LATE and n == len(paths) - 1:
            when = max(when, rnd.end + datetime.timedelta(minutes=6))
        if when >= now:
            return
        scan = record_scan(tags[path], guard, now=when)
        anomaly = ANOMALIES.get((key[0], key[1], path))
        if anomaly:
            report_anomaly(scan, guard, anomaly[0], note=anomaly[1], now=when + datetime.timedelta(seconds=40))
            when += datetime.timedelta(minutes=2)


def wall_time(day, hour, zone):
    """Naive UTC of a wall-clock hour on a local date."""
    return wall_to_utc(day, hour * 60, zone)
