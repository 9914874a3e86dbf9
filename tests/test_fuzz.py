"""The fuzz test of issue 10: every route of the app's url_map with every method, and every form a page shows,
as every role and anonymously, filled with hostile values; no answer is a 500 and no refused request (4xx)
changes a row.

A school with two campuses: the test campus (make_school, one account per role) and a second school with one
row of every kind, so every URL argument and form field can be given another campus's id. hypothesis draws the
values (seeded: derandomize, a fixed number of examples), so a run is the same every time and stays short:
each role's walk is one test. Before and after every request the rows of every table are counted (one
statement); a refused request must leave every count and every table's highest id as they were.

It is kept honest by counting what reached the views: a POST that passed CSRF and the permission check and came
back with the app's own answer (a redirect after saving, or the page again with a message). Each role must have
most of its permitted form posts reach the view, or the test fails — a fuzzer that only ever hits the CSRF check
proves nothing.
"""
import datetime as dt
import functools
import io
import os
import re
import struct
import time
import uuid
import zlib
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from helpers import PASSWORD, PASSWORD_HASH, PG_URL, login, make_app, make_school
from PIL import Image
from test_patrol_helpers import around_now, make_route
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from houqin import db
from houqin.clock import utcnow
from houqin.models import (Campus, ChecklistItem, ChecklistTemplate, DutyLog, Holiday, Item, LabelLayout, Membership,
                           NotificationChannel, Place, Routine, Tag, Term, User,
                           UserSession)
from houqin.patrol.checkpoints import record_scan
from houqin.permissions import PUBLIC, SIGNED_IN, can
from houqin.repairs.links import join_secret
from houqin.scan.actions import join_report, record_report
from houqin.tags import new_token
from houqin.vocab import ROLES
from houqin.web import MAX_ID

ANONYMOUS = 'anonymous'
EXAMPLES = 2               # hypothesis examples per role: each walks every route and posts every form once
HOSTILE_FIELDS = 3         # at most this many fields of a form get a hostile value in one post (the rest stay valid)
# A refused log-in is counted (the throttle's purpose, finding 7), and a page refusing its ?day= still shows
# today's patrol, whose rounds (patrol_run) are made when first read: these may change on a 4xx.
CHANGES_ON_REFUSAL = {'login_throttle', 'patrol_run'}
# What a session-changing POST may disturb, put back before the walk goes on (the harness, not the app).
SESSION_ENDPOINTS = ('accounts.', 'users.', 'admin.campus_settings')

# FUZZ_LOG=path writes one line per request (role, method, view, status, ms, URL, what was sent) for a reader.
LOG = open(os.environ['FUZZ_LOG'], 'w', encoding='utf-8') if os.environ.get('FUZZ_LOG') else None
HUGE = str(2 ** 64)
HOSTILE_TEXT = ['', ' ', 'x' * 100_000, '²', '١٢', '😀🚽厕所', '\x00', 'a\x00b', 'a\r\nSet-Cookie: x=1', '\r\n',
                HUGE, str(2 ** 63), str(MAX_ID), '-1', '-9223372036854775809', '0', '1e9', '3.5', 'NaN', 'inf',
                '0001-01-01', '9999-12-31', '9999-12-31T23:59:59-14:00', '2026-02-30', '24:61', '2026-13-01',
                '<script>alert(1)</script>', "' OR '1'='1", '../../etc/passwd', '//evil.example/x',
                'https://evil.example/', '=HYPERLINK("http://evil.example")', '\u202e\u200b', 'Ａ' * 60]


def png_claiming(width, height):
    """A PNG whose header claims a size far beyond any limit, with almost no pixel data (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 6, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b'\x00' * 64)) + chunk(b'IEND', b''))


def small_jpeg():
    out = io.BytesIO()
    Image.new('RGB', (64, 48), 'red').save(out, 'JPEG')
    return out.getvalue()


HOSTILE_FILES = [(b'', 'empty.jpg'), (b'GIF89a not really', 'x.jpg'), (b'\xff\xd8\xff' + b'x' * 100_000, 'big.jpg'),
                 (png_claiming(100_000, 100_000), 'bomb.png'), (b'<svg onload=alert(1)>', 'x.svg'),
                 (b'PK\x03\x04 not a workbook', 'x.xlsx'), ('名称,类型\r\n=1+1,教室\r\n'.encode(), 'x.csv'),
                 (small_jpeg(), '../../photo.jpg')]


# The two campuses ----------------------------------------------------------------------------------------------

def furnish(campus, users, name):
    """One row of every kind on a campus, through the areas' own functions where they exist; returns
    {URL argument name: [ids]} and the campus's tokens, secrets and submission ids."""
    building = Place.get_or_none((Place.campus == campus) & (Place.kind == 'building')) or \
        Place.create(campus=campus, name='教学楼', kind='building', code='A')
    floor = Place.create(campus=campus, parent=building, name=f'{name}二楼', kind='floor')
    places = {kind: Place.create(campus=campus, parent=floor, name=f'{name}{label}', kind=kind)
              for kind, label in (('classroom', '201教室'), ('toilet', '男厕所'), ('canteen', '食堂操作间'),
                                  ('function_room', '音乐室'), ('dormitory', '301室'))}
    desk = Item.create(campus=campus, place=places['classroom'], kind='desk', name='课桌',
                       asset_number=f'{campus.code}-KZ-1')
    extinguisher = Item.create(campus=campus, place=floor, kind='fire_extinguisher', name='灭火器',
                               asset_number=f'{campus.code}-MHQ-1', expires_on=dt.date(2030, 1, 1))
    tags = [Tag.create(token=new_token(), campus=campus, place=p) for p in [floor, *places.values()]]
    tags += [Tag.create(token=new_token(), campus=campus, item=i) for i in (desk, extinguisher)]
    revoked = Tag.create(token=new_token(), campus=campus, place=places['classroom'], status='revoked',
                         revoked_at=utcnow(), replaced_by=tags[1])
    unclaimed = Tag.create(token=new_token(), campus=campus, status='unclaimed')
    room_tag = tags[1]
    photo = FileStorage(io.BytesIO(small_jpeg()), filename='p.jpg', content_type='image/jpeg')
    reported = record_report(str(uuid.uuid4()), room_tag, places['classroom'], title=f'{name}灯管坏了',
                             category='electrical', hazard=False, upload=photo, name=f'{name}家长',
                             phone='13800000000', address='203.0.113.9')
    order = reported.order
    joined = join_report(str(uuid.uuid4()), room_tag, places['classroom'], order, upload=None, name=f'{name}路人',
                         address='203.0.113.10')
    route, stop_places, stop_tags, stops = make_route(campus, [f'{name}校门', f'{name}配电房'],
                                                      shift=around_now(utcnow()), every=24 * 60)
    scan = record_scan(stop_tags[0], users['guard'])
    template = ChecklistTemplate.create(campus=campus, target_kind='classroom', activity='inspection',
                                        name=f'{name}教室检查')
    ChecklistItem.create(template=template, label='门窗完好', position=0)
    ChecklistItem.create(template=template, label='灯管数', item_type='number', min_value=0, max_value=20,
                         position=1)
    ChecklistItem.create(template=template, label='情况', item_type='choice', choices=['好', '差'], position=2,
                         required=False)
    layout = LabelLayout.create(campus=campus, name=f'{name}版式', page_width=210, page_height=297, label_width=70,
                                label_height=37, columns=3, rows=8)
    channel = NotificationChannel.create(campus=campus, name=f'{name}后勤群', kind='webhook',
                                         url='http://127.0.0.1:9/hook')
    routine = Routine.create(campus=campus, name=f'{name}厕所保洁', activity='cleaning', target_kind='toilet',
                             role='janitor', schedule={'type': 'daily'})
    term = Term.create(campus=campus, name=f'{name}秋季学期', starts_on=dt.date(2026, 9, 1),
                       ends_on=dt.date(2027, 1, 20))
    holiday = Holiday.create(campus=campus, name=f'{name}国庆', starts_on=dt.date(2026, 10, 1),
                             ends_on=dt.date(2026, 10, 7))
    DutyLog.create(campus=campus, user=users['guard'], kind='note', body=f'{name}值班', night=dt.date.today())
    ids = {'place_id': [places['classroom'].id, floor.id, places['toilet'].id], 'item_id': [desk.id, extinguisher.id],
           'user_id': [users['teacher'].id, users['guard'].id], 'photo_id': [reported.record.photos.first().id],
           'layout_id': [layout.id], 'template_id': [template.id], 'scan_id': [scan.id], 'route_id': [route.id],
           'stop_id': [stops[0].id], 'order_id': [order.id], 'channel_id': [channel.id], 'routine_id': [routine.id],
           'term_id': [term.id], 'holiday_id': [holiday.id]}
    return {'ids': ids, 'tokens': [t.token for t in tags + stop_tags], 'revoked': revoked.token,
            'unclaimed': unclaimed.token, 'secrets': [order.follow_secret, join_secret(order, joined.record)],
            'submission_ids': [reported.record.uuid, joined.record.uuid], 'numbers': [order.number]}


def second_school():
    """Another campus with its own accounts (never members of the test campus)."""
    campus = Campus.create(name='另一所学校', code='other', allow_anonymous_reports=True)
    users = {}
    for role in ROLES:
        users[role] = User.create(username=f'other_{role}', display_name=f'外校{role}', password_hash=PASSWORD_HASH)
        Membership.create(user=users[role], campus=campus, role=role)
    return campus, users


@pytest.fixture(scope='module')
def world(migrated_template, tmp_path_factory):
    """The app on its own database, the two campuses, and a signed-in test client per role."""
    tmp = tmp_path_factory.mktemp('fuzz')
    drop = None
    if PG_URL:
        url, drop = migrated_template.postgres_copy()
    else:
        url = migrated_template.sqlite_copy(str(tmp / 'fuzz.sqlite3'))
    app = make_app(url, tmp, ANONYMOUS_REPORTS_PER_HOUR=100_000)
    with db.database.connection_context():
        school = make_school()
        Campus.update(allow_anonymous_reports=True).where(Campus.id == school['campus'].id).execute()
        other_campus, other_users = second_school()
    # The request context's teardown closes the connection (PostgreSQL returns it to the pool), so it wraps
    # the connection context rather than sitting inside it.
    with app.test_request_context('/'), db.database.connection_context():
        own = furnish(school['campus'], school['users'], '本校')
        other = furnish(other_campus, other_users, '外校')
    fuzz_world = World(app, own, other)
    yield fuzz_world
    if not db.database.is_closed():
        db.database.close()
    if drop:
        drop()


# Reading pages ---------------------------------------------------------------------------------------------------

class Field:
    """One named control of a form: its type, its value as the page filled it, its options."""

    def __init__(self, name, kind, value='', checked=False, multiple=False):
        self.name, self.kind, self.value, self.checked, self.multiple = name, kind, value, checked, multiple
        self.options = []  # (value, selected) of a select


class Form:
    def __init__(self, page, action, method, enctype):
        self.page, self.method, self.enctype = page, method, enctype
        self.action = action if action else page
        self.fields, self.buttons = [], []


class PageReader(HTMLParser):
    """The forms (with their controls) and the links of an HTML page."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.links = page, [], []
        self.form = self.select = self.textarea = self.option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'a' and a.get('href'):
            self.links.append(a['href'])
        if tag == 'form':
            self.form = Form(self.page, a.get('action'), (a.get('method') or 'get').lower(), a.get('enctype') or '')
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get('name')
        if tag == 'input' and name:
            kind = (a.get('type') or 'text').lower()
            if kind == 'submit':
                self.form.buttons.append((name, a.get('value') or ''))
            elif kind not in ('button', 'reset', 'image'):
                self.form.fields.append(Field(name, kind, a.get('value') or '', 'checked' in a))
        elif tag == 'button' and name:
            self.form.buttons.append((name, a.get('value') or ''))
        elif tag == 'select' and name:
            self.select = Field(name, 'select', multiple='multiple' in a)
            self.form.fields.append(self.select)
        elif tag == 'option' and self.select is not None:
            self.option = [a.get('value'), 'selected' in a]
            self.select.options.append(self.option)
        elif tag == 'textarea' and name:
            self.textarea = Field(name, 'textarea')
            self.form.fields.append(self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None and self.option[0] is None:
            self.option[0] = data.strip()

    def handle_endtag(self, tag):
        if tag == 'form':
            self.form = None
        elif tag == 'select':
            self.select = None
        elif tag == 'textarea':
            self.textarea = None
        elif tag == 'option':
            self.option = None


PLAIN_DEFAULTS = {'number': '1', 'date': '2026-09-01', 'time': '08:00', 'datetime-local': '2026-09-01T08:00',
                  'email': 'office@example.com', 'tel': '13800000000', 'url': 'https://example.com/hook',
                  'password': PASSWORD, 'month': '2026-09', 'week': '2026-W36'}


def valid_value(field):
    """What a person would send for this control: the page's value, else a sensible one of its type."""
    if field.kind == 'select':
        chosen = [v for v, selected in field.options if selected]
        non_empty = [v for v, _s in field.options if v not in ('', None, '0')]
        return chosen if field.multiple else (chosen or non_empty or [''])[0]
    if field.kind in ('checkbox', 'radio'):
        return field.value or 'y'
    if field.kind == 'file':
        return None
    if field.value:
        return field.value
    return PLAIN_DEFAULTS.get(field.kind, '测试')


# The walk -------------------------------------------------------------------------------------------------------

class World:
    """The app, both campuses' ids, a client per role, and what the walk learns and counts."""

    def __init__(self, app, own, other):
        self.app, self.own, self.other = app, own, other
        self.adapter = app.url_map.bind('localhost')
        self.routes = [(rule, method) for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
                       for method in sorted(rule.methods - {'HEAD', 'OPTIONS'})]
        self.clients, self.signed_in = {}, {}
        self.tables = db.database.get_tables()
        with_id = [t for t in self.tables if any(c.name == 'id' for c in db.database.get_columns(t))]
        self.count_sql = 'SELECT ' + ', '.join([f'(SELECT COUNT(*) FROM "{t}")' for t in self.tables]
                                               + [f'(SELECT MAX(id) FROM "{t}")' for t in with_id])
        self.count_names = self.tables + [f'{t}.max(id)' for t in with_id]
        self.reached = Counter()       # (role, endpoint) -> POSTs that the view answered itself
        self.reach_view()
        with db.database.connection_context():
            self.users = {u.username: (u.password_hash, u.active, u.language) for u in User.select()}
            self.memberships = {m.id: m.role for m in Membership.select()}
            self.campuses = list(Campus.select().dicts())

    def reach_view(self):
        """Count the calls of every view (wrapping the app's own view functions, attributes kept)."""
        current = {}

        def wrap(endpoint, view):
            @functools.wraps(view)
            def counted(*args, **kwargs):
                current['endpoint'] = endpoint
                return view(*args, **kwargs)
            return counted
        for endpoint, view in list(self.app.view_functions.items()):
            self.app.view_functions[endpoint] = wrap(endpoint, view)
        self.current_view = current

    def counts(self):
        """Every table's row count and highest id, in one statement."""
        return db.database.execute_sql(self.count_sql).fetchone()

    def client(self, role):
        """The role's test client, signed in (again, when a walk ended its session)."""
        if role not in self.clients:
            client = self.app.test_client()
            if role != ANONYMOUS:
                assert login(client, role).status_code == 302, role
            self.clients[role] = client
            self.signed_in[role] = self.session_state(role)
        return self.clients[role]

    def session_state(self, role):
        """What keeps a role's log-in alive: the account's session token and its log-ins (None: anonymous)."""
        if role == ANONYMOUS:
            return None
        user = User.get(User.username == role)
        return user.session_token, user.active, tuple(s.id for s in UserSession.select(UserSession.id).where(
            UserSession.user == user).order_by(UserSession.id))

    def restore_accounts(self):
        """Put accounts, roles and campus settings back as they were; a client whose log-in ended is signed in
        again when next used."""
        for username, (password_hash, active, language) in self.users.items():
            User.update(password_hash=password_hash, active=active, language=language).where(
                User.username == username).execute()
        for membership_id, role in self.memberships.items():
            Membership.update(role=role).where(Membership.id == membership_id).execute()
        for campus in self.campuses:
            Campus.update(**{k: v for k, v in campus.items() if k != 'id'}).where(Campus.id == campus['id']).execute()
        for role in list(self.clients):
            if self.session_state(role) != self.signed_in[role]:
                del self.clients[role]

    def values_for_arg(self, name, converter, valid_only=False):
        """Values for a URL argument: this campus's, then the other campus's, then hostile ones."""
        own, other = self.own, self.other
        if isinstance(converter, IntegerConverter):
            mine = [str(i) for i in own['ids'].get(name, [1])]
            theirs = [str(i) for i in other['ids'].get(name, [])]
            return mine if valid_only else mine + theirs + ['0', str(MAX_ID), HUGE, '1' * 30]
        if name == 'token':
            mine = own['tokens']
            return mine if valid_only else mine[:2] + [
                other['tokens'][1], own['revoked'], own['unclaimed'], other['revoked'], mine[1].lower(),
                mine[1][:5] + '-' + mine[1][5:], '²' * 10, 'x' * 300, '😀', '%00', '..']
        if name == 'secret':
            return own['secrets'] if valid_only else own['secrets'] + other['secrets'] + [
                f'1-{"A" * 22}', 'x' * 100, '²', '99999999999999999999-' + 'A' * 22]
        if name == 'submission_id':
            return own['submission_ids'] if valid_only else own['submission_ids'] + other['submission_ids'] + [
                'not-a-uuid', '²', str(uuid.uuid4())]
        if name == 'filename':
            good = ['app.css', 'scan.js'] if converter.__class__.__name__ == 'PathConverter' else \
                ['places.xlsx', 'items.csv']
            return good if valid_only else good + ['../../houqin/config.py', '..%2f..%2fapp.py', '²', 'x' * 300,
                                                   '.xlsx', 'places.exe']
        return ['1'] if valid_only else ['1', '²', 'x' * 300, '%00', '0', HUGE]

    def hostile_values(self):
        """Values for any form field or query argument: hostile text, and the other campus's ids and tokens."""
        other = self.other
        ids = sorted({str(i) for values in other['ids'].values() for i in values})
        return HOSTILE_TEXT + ids + [other['tokens'][1], self.own['revoked'], other['secrets'][0],
                                     other['numbers'][0], other['submission_ids'][0]]


def url_of(rule, args):
    """The URL of a rule with these (already URL-safe or to be quoted) argument values."""
    def fill(match):
        value = args[match.group('name')]
        return value if value.startswith('%') or '%2f' in value else quote(value, safe='/' if '/' in value else '')
    return re.sub(r'<(?:[^:<>]+:)?(?P<name>[^<>]+)>', fill, rule.rule)


class RoleWalk:
    """One role's walk: the pages it can open, their forms, every route; what failed and what reached views."""

    def __init__(self, world, role):
        self.world, self.role = world, role
        self.failures, self.statuses = [], Counter()
        self.forms = {}                  # (action path, field names) -> Form
        self.query_names = {}            # endpoint -> {name: a value seen}
        self.field_names = {}            # endpoint -> {names}
        self.posts = Counter()           # endpoint -> POSTs sent past CSRF as far as the app is concerned
        self.discovered = False
        self.examples, self.walked = 0, set()

    # requests
    def send(self, method, url, data=None, content_type=None):
        """One request, checked: never a 500 (nor an exception), and a refusal leaves every table as it was."""
        world = self.world
        world.current_view.clear()
        before = world.counts()
        kwargs = {'data': data, 'content_type': content_type} if method == 'POST' else {}
        started = time.perf_counter()
        try:
            response = world.client(self.role).open(url, method=method, **kwargs)
        except Exception as exc:  # noqa: BLE001 — TESTING propagates a view's exception: that is the 500
            if isinstance(exc, HTTPException):
                raise
            self.failures.append(f'{self.role} {method} {url[:200]} raised {exc!r}'[:600])
            db.database.close() if not db.database.is_closed() else None
            return None
        status = response.status_code
        self.statuses[status // 100 * 100] += 1
        if LOG:
            LOG.write(f'{self.role}\t{method}\t{world.current_view.get("endpoint")}\t{status}\t'
                      f'{(time.perf_counter() - started) * 1000:.1f}\t{url[:120]}\t{summarise(data)[:200]}\n')
        if status >= 500:
            self.failures.append(f'{self.role} {method} {url[:200]} answered {status}: {summarise(data)}')
        if 400 <= status < 500:
            after = world.counts()
            changed = [f'{name} {b}→{a}' for name, b, a in zip(world.count_names, before, after)
                       if b != a and name.split('.')[0] not in CHANGES_ON_REFUSAL]
            if changed:
                self.failures.append(f'{self.role} {method} {url[:200]} refused {status} but changed '
                                     f'{", ".join(changed)}: {summarise(data)}')
        endpoint = world.current_view.get('endpoint')
        if method == 'POST' and endpoint and status != 403 and not (
                status == 302 and '/login' in response.headers.get('Location', '') and endpoint != 'accounts.logout'
                and endpoint != 'accounts.sign_out_everywhere'):
            world.reached[(self.role, endpoint)] += 1
        if method == 'POST' and endpoint and endpoint.startswith(SESSION_ENDPOINTS) and status < 400:
            world.restore_accounts()
        return response

    def csrf(self):
        """This client's CSRF token (one per session; any form's will do)."""
        for path in ('/account', '/login'):
            html = self.world.client(self.role).get(path).get_data(as_text=True)
            found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            if found:
                return found.group(1)
        raise AssertionError(f'{self.role}: no CSRF token on /account or /login')

    # learning the pages
    def discover(self):
        """Open every page a GET route offers (with this campus's own ids), keep its forms and links."""
        for rule in self.world.app.url_map.iter_rules():
            if 'GET' not in rule.methods or rule.endpoint == 'static':
                continue
            names = list(rule.arguments)
            choices = [self.world.values_for_arg(n, rule._converters[n], valid_only=True) for n in names]
            variants = [dict(zip(names, [c[0] for c in choices]))] if names else [{}]
            for i, name in enumerate(names):  # every label, every follow link: their pages differ
                variants += [{**variants[0], name: value} for value in choices[i][1:]]
            for args in variants:
                url = url_of(rule, args)
                response = self.send('GET', url)
                if response is not None and response.status_code == 200 and response.mimetype == 'text/html':
                    self.read_page(url, response.get_data(as_text=True))
        self.discovered = True

    def read_page(self, url, html):
        reader = PageReader(url)
        reader.feed(html)
        for href in reader.links:
            self.learn_query(href)
        for form in reader.forms:
            if form.method == 'get':
                self.learn_query(form.action, {f.name: valid_value(f) or '' for f in form.fields})
                continue
            path = urlsplit(form.action).path
            endpoint = self.endpoint_of(path, 'POST')
            if endpoint is None:
                continue
            self.field_names.setdefault(endpoint, set()).update(f.name for f in form.fields)
            key = (path, tuple(sorted(f.name for f in form.fields)))
            self.forms.setdefault(key, form)

    def endpoint_of(self, path, method):
        try:
            return self.world.adapter.match(path, method=method)[0]
        except HTTPException:
            return None

    def learn_query(self, url, fields=None):
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith('/'):
            return
        endpoint = self.endpoint_of(parts.path, 'GET')
        if endpoint is not None:
            names = self.query_names.setdefault(endpoint, {})
            names.update(dict(parse_qsl(parts.query, keep_blank_values=True)))
            names.update(fields or {})

    # posting forms
    def post_form(self, form, data):
        """Fill the form: valid values, but for a few fields the hypothesis draws hostile ones; send it."""
        hostile = self.world.hostile_values()
        fields = [f for f in form.fields if f.name != 'csrf_token']
        chosen = set(data.draw(st.lists(st.sampled_from([f.name for f in fields]), max_size=HOSTILE_FIELDS,
                                        unique=True), label='hostile fields')) if fields else set()
        values = {'csrf_token': self.csrf_token}
        for field in fields:
            if field.kind == 'file':
                if field.name in chosen:
                    content, filename = data.draw(st.sampled_from(HOSTILE_FILES), label=field.name)
                    values[field.name] = (io.BytesIO(content), filename)
                continue
            if field.name in chosen:
                value = data.draw(st.sampled_from(hostile), label=field.name)
            else:
                if field.kind in ('checkbox', 'radio') and not field.checked and not data.draw(
                        st.booleans(), label=f'tick {field.name}'):
                    continue
                value = valid_value(field)
            if field.name in values and not isinstance(values[field.name], tuple):
                existing = values[field.name]
                values[field.name] = (existing if isinstance(existing, list) else [existing]) + (
                    value if isinstance(value, list) else [value])
            else:
                values[field.name] = value
        if form.buttons:
            name, value = data.draw(st.sampled_from(form.buttons), label='button')
            values[name] = value
        self.send('POST', form.action, values, content_type='multipart/form-data')

    # the walk of every rule
    def walk_rule(self, rule, method, data):
        """One request to a rule: hostile URL arguments, query arguments, form fields."""
        args = {name: data.draw(st.sampled_from(self.world.values_for_arg(name, rule._converters[name])),
                                label=name) for name in rule.arguments}
        url = url_of(rule, args)
        hostile = self.world.hostile_values()
        if method == 'GET':
            known = self.query_names.get(rule.endpoint, {})
            names = data.draw(st.lists(st.sampled_from(sorted(known) + ['page', 'next', 'q']), max_size=3,
                                       unique=True), label='query')
            query = {n: data.draw(st.sampled_from(hostile), label=n) for n in names}
            self.send('GET', url + ('?' + urlencode(query) if query else ''))
        else:
            names = sorted(self.field_names.get(rule.endpoint, set()) - {'csrf_token'}) or ['note', 'name', 'id']
            chosen = data.draw(st.lists(st.sampled_from(names), max_size=4, unique=True), label='fields')
            values = {'csrf_token': self.csrf_token, **{n: data.draw(st.sampled_from(hostile), label=n)
                                                        for n in chosen}}
            self.send(method, url, values, content_type='multipart/form-data')

    def run(self, data):
        """One example: learn the pages (the first time), post every form, and walk its share of the routes (the
        examples take turns, so each route × method is walked once per role)."""
        if not self.discovered:
            self.discover()
        example, self.examples = self.examples, self.examples + 1
        self.csrf_token = self.csrf()
        for key in sorted(self.forms):
            self.post_form(self.forms[key], data)
            if self.role not in self.world.clients:  # a form signed this client out: sign in again
                self.csrf_token = self.csrf()
        for number, (rule, method) in enumerate(self.world.routes):
            if number % EXAMPLES == example % EXAMPLES:
                self.walk_rule(rule, method, data)
                self.walked.add((rule.rule, method))
                if self.role not in self.world.clients:
                    self.csrf_token = self.csrf()


def summarise(data):
    """A short, printable account of what a request sent."""
    if not data:
        return ''
    shown = {k: (v if not isinstance(v, str) or len(v) < 40 else f'{v[:20]!r}…({len(v)})') for k, v in data.items()
             if k != 'csrf_token'}
    return repr(shown)[:300]


def permitted(world, role, endpoint):
    """True when the permission table lets this role (or anyone) use the endpoint."""
    permission = getattr(world.app.view_functions[endpoint], 'permission', None)
    if permission == PUBLIC:
        return True
    if role == ANONYMOUS:
        return False
    return permission == SIGNED_IN or can(permission, role)


@pytest.mark.parametrize('role', ROLES + (ANONYMOUS,))
def test_every_route_and_form_as_every_role_answers_without_500_and_refusals_change_nothing(world, role):
    walk = RoleWalk(world, role)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def fuzz(data):
        walk.run(data)
    fuzz()
    assert not walk.failures, f'{len(walk.failures)} failures:\n' + '\n'.join(walk.failures[:40])
    assert walk.walked == {(rule.rule, method) for rule, method in world.routes}  # every route, every method
    # Honest: the forms this role may send reached their views (past CSRF and the permission check).
    allowed = {path: form for path, form in walk.forms.items()
               if permitted(world, role, walk.endpoint_of(urlsplit(form.action).path, 'POST'))}
    reached = {endpoint for (r, endpoint), n in world.reached.items() if r == role and n}
    allowed_endpoints = {walk.endpoint_of(urlsplit(f.action).path, 'POST') for f in allowed.values()}
    assert len(reached & allowed_endpoints) >= 0.8 * len(allowed_endpoints), (
        f'{role}: only {sorted(reached & allowed_endpoints)} of {sorted(allowed_endpoints)} reached their views')
    print(f'{role}: {sum(walk.statuses.values())} requests {dict(walk.statuses)}, {len(walk.forms)} forms, '
          f'views reached by POST: {len(reached)}')
