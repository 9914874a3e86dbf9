"""Log-in, remember-me, sessions that end, throttling shared by every worker."""
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from helpers import PASSWORD, csrf_token, login

from houqin.db import database
from houqin.models import LoginFailure, User


def test_login_redirects_home_and_logout_ends_session(client, school):
    response = login(client, 'admin')
    assert response.status_code == 302 and response.headers['Location'] == '/'
    assert client.get('/admin/').status_code == 200
    token = csrf_token(client, '/admin/')
    assert client.post('/logout', data={'csrf_token': token}).status_code == 302
    assert client.get('/admin/').headers['Location'].startswith('/login?next=')


def test_wrong_password_keeps_username_and_says_so_in_chinese(client, school):
    token = csrf_token(client, '/login')
    response = client.post('/login', data={'csrf_token': token, 'username': 'janitor', 'password': 'nope'})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '用户名或密码错误' in html
    assert 'value="janitor"' in html


def test_remember_me_cookie_lasts_30_days_and_is_httponly(client, school):
    response = login(client, 'guard', remember=True)
    cookies = response.headers.getlist('Set-Cookie')
    remember = next(c for c in cookies if c.startswith('remember_token='))
    assert 'HttpOnly' in remember and 'SameSite=Lax' in remember
    expires = re.search(r'Expires=([^;]+)', remember).group(1)
    days = (time.mktime(time.strptime(expires, '%a, %d %b %Y %H:%M:%S GMT')) - time.time()) / 86400
    assert 29 < days <= 30.01
    session = next(c for c in cookies if c.startswith('session='))
    assert 'HttpOnly' in session and 'SameSite=Lax' in session


def test_secure_cookies_when_served_over_https(database_url, tmp_path):
    from helpers import make_app, make_school
    app = make_app(database_url, tmp_path, BASE_URL='https://school.example')
    make_school()
    client = app.test_client()
    response = login(client, 'guard')
    assert all('Secure' in c for c in response.headers.getlist('Set-Cookie'))


@pytest.mark.parametrize('target', ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)'])
def test_next_must_be_a_local_path(client, school, target):
    token = csrf_token(client, '/login')
    response = client.post('/login?next=' + urllib.parse.quote(target),
                           data={'csrf_token': token, 'username': 'admin', 'password': PASSWORD})
    assert response.headers['Location'] == '/'


def test_next_local_path_is_followed(client, school):
    token = csrf_token(client, '/login')
    response = client.post('/login?next=/admin/items', data={'csrf_token': token, 'username': 'admin',
                                                              'password': PASSWORD})
    assert response.headers['Location'] == '/admin/items'


def test_deactivation_ends_existing_sessions_and_remember_cookies(app, school, as_role):
    teacher = as_role('teacher')
    assert teacher.get('/account').status_code == 200
    admin = as_role('admin')
    uid = school['users']['teacher'].id
    token = csrf_token(admin, f'/admin/users/{uid}')
    admin.post(f'/admin/users/{uid}/active', data={'csrf_token': token, 'active': '0'})
    # The teacher's phone, session and remember cookie alike, is signed out at once.
    assert teacher.get('/account').headers['Location'].startswith('/login')
    response = login(app.test_client(), 'teacher')
    assert '停用' in response.get_data(as_text=True)


def test_password_reset_signs_out_old_sessions(app, school, as_role):
    teacher = as_role('teacher')
    admin = as_role('admin')
    uid = school['users']['teacher'].id
    token = csrf_token(admin, f'/admin/users/{uid}')
    r = admin.post(f'/admin/users/{uid}/password', data={'csrf_token': token, 'reset-password': 'new-pass-5678'})
    assert r.status_code == 302
    assert teacher.get('/account').status_code == 302
    assert login(app.test_client(), 'teacher', 'new-pass-5678').status_code == 302


def test_user_changes_own_password(client, school):
    login(client, 'janitor')
    token = csrf_token(client, '/account')
    bad = client.post('/account', data={'csrf_token': token, 'pw-current': 'wrong', 'pw-new': 'abcdefgh9',
                                        'pw-confirm': 'abcdefgh9'})
    assert '当前密码不正确' in bad.get_data(as_text=True)
    ok = client.post('/account', data={'csrf_token': token, 'pw-current': PASSWORD, 'pw-new': 'abcdefgh9',
                                       'pw-confirm': 'abcdefgh9'})
    assert ok.status_code == 302
    with database.connection_context():
        assert User.get(User.username == 'janitor').check_password('abcdefgh9')


def test_throttle_per_username(app, client, school):
    limit = app.config['LOGIN_MAX_FAILURES_PER_USER']
    for _ in range(limit):
        token = csrf_token(client, '/login')
        client.post('/login', data={'csrf_token': token, 'username': 'admin', 'password': 'bad'})
    response = login(client, 'admin')  # the right password, but paused
    assert response.status_code == 200
    assert '登录失败次数过多' in response.get_data(as_text=True)
    # Another account from the same address is not affected (the address limit is higher).
    assert login(app.test_client(), 'guard').status_code == 302


def test_throttle_per_address(app, school):
    app.config['LOGIN_MAX_FAILURES_PER_ADDRESS'] = 4
    client = app.test_client()
    for i in range(4):
        token = csrf_token(client, '/login')
        client.post('/login', data={'csrf_token': token, 'username': f'ghost{i}', 'password': 'bad'})
    response = login(client, 'guard')
    assert '登录失败次数过多' in response.get_data(as_text=True)


def test_successful_login_clears_the_username_failures(app, client, school):
    for _ in range(2):
        token = csrf_token(client, '/login')
        client.post('/login', data={'csrf_token': token, 'username': 'viewer', 'password': 'bad'})
    assert login(client, 'viewer').status_code == 302
    with database.connection_context():
        assert LoginFailure.select().where(LoginFailure.username == 'viewer').count() == 0


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_gunicorn(env, port):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, '-m', 'gunicorn', '-w', '2', '-b', f'127.0.0.1:{port}', 'app:app'],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError('gunicorn did not start: ' + proc.stderr.read().decode()[-2000:])


class Browser:
    """A cookie-keeping HTTP client against a real server."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def login(self, username, password):
        html = self.opener.open(self.base + '/login').read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({'csrf_token': token, 'username': username, 'password': password}).encode()
        return self.opener.open(self.base + '/login', data=data).read().decode()


@pytest.mark.slow
def test_throttling_is_shared_by_two_app_instances(database_url, tmp_path, app, school):
    """Failures counted by one server process pause log-ins on another sharing the database."""
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='shared-secret',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'), HOUQIN_LOGIN_MAX_FAILURES_PER_USER='4')
    ports = free_port(), free_port()
    servers = [start_gunicorn(env, port) for port in ports]
    try:
        first, second = (Browser(f'http://127.0.0.1:{p}') for p in ports)
        for i in range(4):
            (first if i % 2 else second).login('manager', 'wrong')
        # Both instances now refuse even the right password.
        assert '登录失败次数过多' in first.login('manager', PASSWORD)
        assert '登录失败次数过多' in second.login('manager', PASSWORD)
        # A different account is still fine on either.
        assert '登录失败次数过多' not in Browser(f'http://127.0.0.1:{ports[1]}').login('guard', PASSWORD)
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=10)
