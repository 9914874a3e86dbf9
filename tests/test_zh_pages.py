"""Every page of every role, in Chinese, over the demo school: no English word is left in what a person reads.

The route map is walked like tests/test_permissions.py (GET only); each URL argument takes a row of the demo
school. A page's visible text (not tags, attributes, scripts or styles) may carry ASCII only as names, numbers,
codes, units and addresses; anything else is an untranslated string or English demo data.
"""
import datetime
import html
import re

import pytest
from helpers import DEMO_PASSWORD, login

from houqin.db import database
from houqin.models import (Campus, Holiday, Item, LabelLayout, NotificationChannel, PatrolScan, Photo, Place, Record,
                           Route, RouteStop, Routine, Stocktake, Supply, Tag, Term, User, WorkOrder)
from houqin.vocab import ROLES

pytestmark = pytest.mark.slow

# ASCII a Chinese page may show: the product's name, units, file and code formats, protocol parts, the language
# switch, roman numerals of grades … each one a name, a unit or a code, never an English sentence.
ALLOWED = {
    'houqin', 'kg', 'mm', 'cm', 'm', 'km', 'mpa', 'kpa', 'l', 'ml', 'g', 'dpi', 'pdf', 'png', 'csv', 'xlsx', 'zip',
    'svg', 'qr', 'url', 'http', 'https', 'www', 'cn', 'com', 'edu', 'test', 'example', 'localhost', 'api', 'json',
    'english', 'a4', 'id', 'ip', 'gps', 'utc', 'gmt', 'asia', 'shanghai', 'wecom', 'dingtalk', 'feishu',
    'smtp', 'webhook', 'abc', 'co2', 'led', 'usb', 'wifi', 'wi', 'fi', 'houqin_base_url', 'base', 'host',
    'your', 'school', 'am', 'pm', 'cpu', 'ups', 'tv', 'pc', 'ok', 'excel', 'wps', 'x-houqin-signature',
    'greening',        # the example of an activity key typed in letters (the checklist editor's hint)
    'li', 'wang',      # the pinyin example of a user name
    *ROLES, 'inspector',  # the demo's user names (log-in names are names)
}
WORD = re.compile(r'[A-Za-z][A-Za-z_\-]*[A-Za-z]|[A-Za-z]')


def visible_text(page):
    """The text a person reads on a page: tags, scripts, styles and comments removed."""
    page = re.sub(r'(?is)<(script|style)\b.*?</\1>', ' ', page)
    page = re.sub(r'(?s)<!--.*?-->', ' ', page)
    page = re.sub(r'(?s)<[^>]+>', ' ', page)
    return html.unescape(page)


def english_words(text):
    """ASCII words of a text that are not names, numbers, codes or units (see ALLOWED)."""
    found = []
    for line in text.splitlines():
        for token in re.findall(r'[\x21-\x7e]+', line):  # each run of ASCII between Chinese text and spaces
            if re.search(r'https?://|@|\.(js|css|pdf|png|csv|xlsx|zip)\b', token):
                continue  # an address, an e-mail, a file name
            if re.fullmatch(r'[A-Z0-9\-·.]+', token) and re.search(r'\d', token):
                continue  # a code: 7K3M-9Q2X-AB, MHQ-0001, A-101
            if (re.fullmatch(r'[A-Za-z0-9_\-]{8,}', token) and re.search('[a-z]', token) and re.search('[A-Z]', token)
                    and (re.search(r'\d', token) or len(re.findall('[A-Z]', token)) >= 2)):
                continue  # a generated password shown as an example: HBvkAsjA, jdTj2ox9
            for word in WORD.findall(token):
                if word.lower() not in ALLOWED and not word.isupper():
                    found.append(word)
    return found


def ascii_colons_after_brackets(text):
    """Each ASCII colon right after a full-width bracket (检查项（可选）: ), with the words before it."""
    return [m.group(0).strip() for m in re.finditer(r'\S{0,8}[）】」』》][ \t]*:', text)]


@pytest.fixture
def app(demo_app):
    """Every test here walks the demo school."""
    return demo_app


@pytest.fixture
def demo_args(app):
    """A row of the demo school for every URL argument."""
    with app.app_context(), database.connection_context():
        campus = Campus.get()
        record = Record.select().where(Record.activity == 'report', Record.user.is_null()).first()
        layout = LabelLayout.create(campus=campus, name='食堂标签', page_width=210, page_height=297, label_width=70,
                                    label_height=37, columns=3, rows=8)
        extinguisher = Item.select().where(Item.kind == 'fire_extinguisher').first()
        order = WorkOrder.select().order_by(WorkOrder.id).first()
        channel = NotificationChannel.select().first() or NotificationChannel.create(
            campus=campus, name='后勤群', kind='webhook', url='https://hooks.example.cn/x', active=False)
        scan = PatrolScan.select().order_by(PatrolScan.id.desc()).first()
        photo = Photo.select().first()
        args = {
            'place_id': Place.get(Place.kind == 'toilet').id, 'item_id': extinguisher.id,
            'user_id': User.get(User.username == 'janitor').id,
            # The label of an anonymous report, so its receipt page is reached too.
            'token': record.tag.token if record else Tag.get((Tag.place.is_null(False)) & (Tag.status == 'active')).token,
            'photo_id': photo.id if photo else 1, 'layout_id': layout.id, 'order_id': order.id,
            'secret': order.follow_secret, 'channel_id': channel.id, 'template_id': 1,
            'submission_id': record.uuid if record else '00000000-0000-4000-8000-000000000000',
            'route_id': Route.get().id, 'stop_id': RouteStop.get().id, 'scan_id': scan.id,
            'holiday_id': Holiday.get().id, 'routine_id': Routine.get(Routine.activity == 'big_check').id,
            'term_id': Term.get().id, 'activity': 'greening',
            # The demo's stocktake under way and a supply with its movements (houqin/assets/demo.py).
            'stocktake_id': Stocktake.get(Stocktake.status == 'open').id, 'supply_id': Supply.get().id,
        }
    return args


def get_routes(app):
    """(endpoint, rule) of every GET route but static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint != 'static' and 'GET' in rule.methods:
            yield rule.endpoint, rule


def test_every_page_of_every_role_is_chinese(app, demo_args):
    checked, failures = set(), []
    for role in (None, *ROLES):
        client = app.test_client()
        client.set_cookie('lang', 'zh_CN')
        if role is not None:
            with app.app_context(), database.connection_context():
                if not User.select().where(User.username == role).exists():
                    continue
            assert login(client, role, DEMO_PASSWORD).status_code == 302, role
        for endpoint, rule in sorted(get_routes(app), key=lambda r: r[1].rule):
            if endpoint == 'accounts.logout' or set(rule.arguments) - set(demo_args):
                continue
            url = rule.build({n: demo_args[n] for n in rule.arguments})[1]
            response = client.get(url, headers={'Accept-Language': 'zh-CN'})
            if response.status_code != 200 or response.mimetype != 'text/html':
                continue
            checked.add(endpoint)
            words = english_words(visible_text(response.get_data(as_text=True)))
            if words:
                failures.append(f'{url} as {role or "anonymous"}: {sorted(set(words))[:12]}')
            colons = ascii_colons_after_brackets(visible_text(response.get_data(as_text=True)))
            if colons:
                failures.append(f'{url} as {role or "anonymous"}: ASCII colon after a full-width bracket {colons[:3]}')
    assert not failures, '\n'.join(failures)
    # The walk really reached the pages people use (a broken sample would silently check nothing).
    assert {'scan.tag', 'scan.receipt', 'admin.audit', 'places.item_edit', 'patrol.scan_detail', 'patrol.index',
            'labels.index', 'labels.sheet', 'repairs.follow', 'home.index'} <= checked, sorted(checked)
    assert {'routines.detail', 'routines.slots', 'history.index'} <= checked, sorted(checked)
    assert len(checked) >= 40, sorted(checked)


def test_a_missed_cleaning_is_not_done_not_a_missed_patrol(app, demo_args):
    """漏巡 is patrol's word; a cleaning or a check that was not done says 漏做."""
    client = app.test_client()
    client.set_cookie('lang', 'zh_CN')
    assert login(client, 'manager', DEMO_PASSWORD).status_code == 302
    with app.app_context(), database.connection_context():
        yesterday = (Campus.get().today() - datetime.timedelta(days=1)).isoformat()
    for url in (f'/admin/routines/slots?day={yesterday}&status=missed',
                f'/admin/routines/slots?day={yesterday}&activity=cleaning'):
        text = visible_text(client.get(url).get_data(as_text=True))
        assert '漏巡' not in text, url
    assert '漏做' in visible_text(client.get(f'/admin/routines/slots?day={yesterday}&status=missed')
                                 .get_data(as_text=True))


@pytest.mark.parametrize('text,words', [
    ('灭火剂 ABC dry powder', ['dry', 'powder']),
    ('标签 7K3M-9Q2X-AB · 4kg · 1.0–1.4 MPa · https://houqin.example.cn/T/X', []),
    ('Cleaner 您好', ['Cleaner']),
    ('巡逻点 route_stop', ['route_stop']),
])
def test_the_check_itself(text, words):
    assert english_words(text) == words


def test_the_colon_check_itself():
    assert ascii_colons_after_brackets('检查项（可选）: 厕所保洁标准') == ['检查项（可选）:']
    assert ascii_colons_after_brackets('检查项（可选）：厕所保洁标准 · 刚刚（04:39）已记录过') == []
