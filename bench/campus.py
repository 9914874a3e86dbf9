"""Issue 12's generated campus and its timings (run by bench/run.py in a process of its own per database).

    python bench/campus.py build URL --records 10000     5,000 targets, 50 routines, the first records
    python bench/campus.py grow URL --records 990000     older history, in SQL
    python bench/campus.py time URL [--repeat 5]         JSON: milliseconds of each figure and of the baseline

Figures, each the median of --repeat calls in this process: the manager's dashboard (GET /admin/), the
janitor's 今日任务 (GET /), one building's month of compliance (routines.service.campus_slots over the
building's subtree), and the baseline: a label looked up by its token (one indexed query, median of 200).
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from werkzeug.security import generate_password_hash  # noqa: E402

import datasets  # noqa: E402

CODE = 'BENCH12'


def make_app(url):
    os.environ.update(HOUQIN_DATABASE_URL=url, HOUQIN_NOTIFY_AFTER_REQUESTS='0')
    os.environ.setdefault('HOUQIN_SECRET_KEY', 'bench')
    from houqin import create_app, db
    app = create_app({'WTF_CSRF_ENABLED': True})
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        db.migrate()
    return app


def build(url, records):
    """The campus, its people, places, assets, labels, term, checklists and routines, and `records` records
    spread over the last RECENT_DAYS days."""
    app = make_app(url)
    from houqin import clock, db
    from houqin.models import (ChecklistItem, ChecklistTemplate, Campus, Item, Membership, Place, Routine, Tag,
                               Term, User)
    from houqin.tags import new_token
    with app.app_context(), db.database.atomic():
        campus = Campus.create(name='基准学校', code=CODE)
        password = generate_password_hash(datasets.BENCH_PASSWORD, method='pbkdf2:sha256:1000')
        people = {}
        for role, count in (('janitor', 10), ('inspector', 3), ('manager', 1), ('repair', 1)):
            for n in range(count):
                user = User.create(username=f'b12{role}{n}', display_name=f'{role}{n}', password_hash=password)
                Membership.create(user=user, campus=campus, role=role)
                people.setdefault(role, []).append(user.id)
        today = campus.today()
        Term.create(campus=campus, name='本学期', starts_on=today - datetime.timedelta(days=200),
                    ends_on=today + datetime.timedelta(days=100))
        hygiene = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='hygiene',
                                           name='班级卫生检查', pass_mark=40, scoring='sum')
        for position in range(5):
            ChecklistItem.create(template=hygiene, position=position, label=f'第{position + 1}项',
                                 item_type='pass_fail', points=10)
        buildings = []
        for b in range(datasets.BUILDINGS):
            building = Place.create(campus=campus, name=f'{b + 1}号楼', kind='building', position=b)
            buildings.append({'id': building.id, 'name': building.name})
            for f in range(datasets.FLOORS):
                floor = Place.create(campus=campus, parent=building, name=f'{f + 1}楼', kind='floor', position=f)
                rows = [dict(campus=campus.id, parent=floor.id, position=r, code=f'B{b}F{f}R{r}',
                             name=f'{b + 1}{f + 1}{r + 1:02d}', kind=datasets.ROOM_KINDS[r])
                        for r in range(datasets.ROOMS)]
                Place.insert_many(rows).execute()
                Item.insert_many([dict(campus=campus.id, place=floor.id, kind='fire_extinguisher',
                                       name=f'灭火器{b}-{f}-{e}', asset_number=f'MHQ-{b}-{f}-{e}')
                                  for e in range(datasets.EXTINGUISHERS_PER_FLOOR)]).execute()
        Tag.insert_many([dict(token=new_token(), campus=campus.id, place=p, status='active')
                         for (p,) in Place.select(Place.id).where(Place.campus == campus).tuples()]).execute()
        Tag.insert_many([dict(token=new_token(), campus=campus.id, place=p, item=i, status='active')
                         for i, p in Item.select(Item.id, Item.place).where(Item.campus == campus).tuples()]).execute()
        for spec in datasets.campus_routines(buildings, people['janitor'], people['inspector'], {'hygiene': hygiene}):
            spec = dict(spec)
            template = spec.pop('template', None)
            Routine.create(campus=campus, template=template, **spec)
        # The campus was set up, and its routines ran, before the records' period: so the dashboard's 30-day trend
        # and the missed-slot check have a month of slots to count, as on a school that has used houqin a while.
        set_up = clock.utcnow() - datetime.timedelta(days=datasets.RECENT_DAYS + 5)
        for model in (Routine, Place, Item):
            model.update(created_at=set_up).where(model.campus == campus).execute()
        # One model record per (routine target, activity): the history copies them round-robin.
        db.database.execute_sql('DROP TABLE IF EXISTS bench_campus_model')
        db.database.execute_sql(
            'CREATE TABLE bench_campus_model (rn INTEGER, campus_id INTEGER, tag_id INTEGER, place_id INTEGER, '
            'item_id INTEGER, activity VARCHAR(20), user_id INTEGER, reporter_name VARCHAR(50), '
            'template_id INTEGER, answers TEXT, outcome VARCHAR(12), note TEXT)')
        from houqin.routines.service import routine_targets
        rows = []
        for routine in Routine.select().where(Routine.campus == campus):
            doer = (routine.people or [None])[0] or (people.get(routine.role) or [None])[0]
            for target in routine_targets(routine):
                place_id, item_id = (target.id, None) if target.type == 'place' else (target.place_id, target.id)
                answers = '{"values": {}, "hazards": [], "score": 50.0, "max_score": 50.0}' \
                    if routine.activity == 'hygiene' else '{}'
                rows.append((len(rows), campus.id, None, place_id, item_id, routine.activity, doer, '',
                             routine.template_id, answers, 'problem' if len(rows) % 40 == 0 else 'ok', ''))
        tags = {(p, i): t for t, p, i in Tag.select(Tag.id, Tag.place, Tag.item).where(Tag.campus == campus).tuples()}
        rows = [r[:2] + (tags.get((r[3], r[4])),) + r[3:] for r in rows]
        mark = db.database.param
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            db.database.execute_sql(
                'INSERT INTO bench_campus_model VALUES ' + ', '.join(['(' + ', '.join([mark] * 12) + ')'] * len(chunk)),
                [v for r in chunk for v in r])
    db.database.close()  # SQLite: the loader's journal_mode=off needs the file to itself
    add_records(url, records, recent=True)
    print(json.dumps({'targets': len(rows)}))


def add_records(url, count, recent):
    """`count` records copied from the campus's model rows: the recent ones over RECENT_DAYS days up to now, or
    older ones from OLDER_GAP_DAYS back."""
    db = datasets.Database(url)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    if recent:
        start, step = now, f'n.i * {int(datasets.RECENT_DAYS * 86400 / max(count, 1))}'
        prefix = 'campus-recent'
    else:
        start, step = now - datetime.timedelta(days=datasets.OLDER_GAP_DAYS), f'n.i * {datasets.OLDER_STEP_SECONDS}'
        prefix = 'campus-older'
    statements = datasets.copied_history_sql(db, count, 'SELECT * FROM bench_campus_model', f"'{start}'", step,
                                             prefix)
    started = time.perf_counter()
    db.run(statements)
    return time.perf_counter() - started


def median_ms(work, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def log_in(client, username):
    html = client.get('/login').get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post('/login', data={'csrf_token': token, 'username': username,
                                           'password': datasets.BENCH_PASSWORD})
    assert response.status_code == 302, response.status_code


def timings(url, repeat):
    """{figure: ms} of the dashboard, the janitor's 今日任务, a building's month, and the baseline query."""
    app = make_app(url)
    from houqin import clock, db
    from houqin.models import Campus, Place, Tag
    from houqin.places.tree import descendant_ids
    from houqin.routines.service import campus_slots
    manager, janitor = app.test_client(), app.test_client()
    log_in(manager, 'b12manager0')
    log_in(janitor, 'b12janitor0')

    def page(client, path):
        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return get
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        campus = Campus.get(Campus.code == CODE)
        token = Tag.select(Tag.token).where(Tag.campus == campus).order_by(Tag.id.desc()).scalar()
        building = Place.select().where((Place.campus == campus) & (Place.kind == 'building')).order_by(Place.id).first()
        below = descendant_ids(building)
        today = campus.today()
        zone = clock.zone_name(campus)
        month_start = clock.to_utc(datetime.datetime(today.year, today.month, 1), zone)
        month_end = month_start + datetime.timedelta(days=31)
        figures = {}
        for name, work in (('dashboard', page(manager, '/admin/')), ('today', page(janitor, '/')),
                           ('building_month', lambda: campus_slots(campus, month_start, month_end, place_ids=below))):
            work()  # warm: per-process caches, the lazy missed-slot check's first writes
            figures[name] = median_ms(work, repeat)
        figures['baseline'] = median_ms(lambda: [Tag.get(Tag.token == token) for _ in range(20)], 11) / 20
        figures['records'] = db.database.execute_sql('SELECT count(*) FROM record').fetchone()[0]
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('command', choices=('build', 'grow', 'time'))
    parser.add_argument('url')
    parser.add_argument('--records', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    if args.command == 'build':
        build(args.url, args.records)
    elif args.command == 'grow':
        print(json.dumps({'seconds': add_records(args.url, args.records, recent=False)}))
    else:
        timings(args.url, args.repeat)


if __name__ == '__main__':
    main()
