"""In the demo school on a phone: a teacher reports a broken light; it reaches the electrician's 我的工单 and a
WeCom-style webhook; the electrician finishes it with a photo; the teacher verifies it; the ledger counts the tube."""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from helpers import needs_chromium

from houqin import db
from houqin.models import Item, NotificationChannel, Place, WorkOrder

pytestmark = needs_chromium


class WeComRobot(BaseHTTPRequestHandler):
    """A stand-in for a WeCom group robot: takes {"msgtype": "text", ...} and answers errcode 0."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])).decode('utf-8'))
        self.server.messages.append(body)
        data = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def sign_in(page, base, username):
    page.goto(base + '/login')
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', 'demo1234')
    page.get_by_role('button', name='登录').click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_role('button', name='退出登录').click()
    page.wait_for_load_state()


def lamp_tubes(page, base):
    """How many lamp tubes the ledger counts this term."""
    page.goto(base + '/repairs/ledger')
    row = page.locator('tr', has=page.locator('td', has_text=re.compile('^灯管$')))
    return int(row.locator('td.num').inner_text()) if row.count() else 0


@pytest.fixture
def app(demo_app):
    """The test here runs in the demo school."""
    return demo_app


def test_a_broken_light_from_report_to_verified_on_a_phone(app, live_server, phone, tmp_path):
    robot = ThreadingHTTPServer(('127.0.0.1', 0), WeComRobot)
    robot.messages = []
    threading.Thread(target=robot.serve_forever, daemon=True).start()
    with db.database.connection_context():
        campus_id = Place.select(Place.campus).first().campus_id
        NotificationChannel.create(campus=campus_id, name='维修群', kind='wecom', audience='repair',
                                   url=f'http://127.0.0.1:{robot.server_port}/cgi-bin/webhook/send?key=demo')
        room = Place.get(Place.code == '201')
        light = Item.get((Item.place == room) & (Item.kind == 'light'))
    photo = tmp_path / 'fixed.jpg'
    Image.new('RGB', (640, 480), (240, 240, 200)).save(photo, 'JPEG')
    page = phone
    try:
        sign_in(page, live_server, 'manager')
        tubes_before = lamp_tubes(page, live_server)
        sign_out(page)

        # The teacher reports the light (the scan page of its label leads to the same report).
        sign_in(page, live_server, 'teacher')
        page.goto(f'{live_server}/repairs/new?item={light.id}')
        page.fill('input[name=title]', '后排两支灯管不亮')
        page.set_input_files('input[name=photos]', str(photo))
        page.get_by_role('button', name='提交报修').click()
        heading = page.locator('h1').inner_text()
        number = re.search(r'\d{4}-\d{4}', heading).group(0)
        assert '后排两支灯管不亮' in heading and '已报修' in page.locator('main').inner_text()
        sign_out(page)

        # It reaches the repair workers' group robot, and the electrician's 我的工单.
        def reported():  # the demo's overdue orders are announced too; find this one's message
            return [m for m in robot.messages if number in m['text']['content'] and '新报修' in m['text']['content']]
        deadline = time.monotonic() + 15
        while not reported() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reported() and reported()[0]['msgtype'] == 'text'
        assert '后排两支灯管不亮' in reported()[0]['text']['content']
        sign_in(page, live_server, 'repair')
        page.goto(live_server + '/repairs/jobs')
        job = page.locator('li.order-row', has_text=number)
        job.get_by_role('button', name='开始维修').click()
        page.locator('li.order-row', has_text=number).get_by_role('link', name='维修完成').click()
        page.fill('textarea[name=note]', '更换灯管1支')
        page.fill('input[name=part_name_1]', '灯管')
        page.fill('input[name=part_qty_1]', '1')
        page.set_input_files('#finish input[name=photos]', str(photo))
        page.locator('#finish').get_by_role('button', name='维修完成').click()
        assert '已完成' in page.locator('main').inner_text()
        assert page.locator('.thumbs img').count() == 2  # the report's photo and the repair's
        assert page.evaluate('document.documentElement.scrollWidth') <= 390
        sign_out(page)

        # The teacher sees it done in 我的报修 and verifies it there.
        sign_in(page, live_server, 'teacher')
        page.goto(live_server + '/repairs/mine')
        mine = page.locator('li.order-row', has_text=number)
        assert '已完成' in mine.inner_text()
        mine.get_by_role('button', name='已修好，验收').click()
        assert '已验收' in page.locator('li.order-row', has_text=number).inner_text()
        sign_out(page)

        sign_in(page, live_server, 'manager')
        assert lamp_tubes(page, live_server) == tubes_before + 1
    finally:
        robot.shutdown()
        robot.server_close()
    with db.database.connection_context():
        order = WorkOrder.get(WorkOrder.item == light.id)
        assert order.status == 'verified' and Item.get_by_id(light.id).status == 'under_repair'
