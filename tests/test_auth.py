"""Log-in, remember-me, sessions that end, throttling shared by every worker."""
import datetime
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
from helpers import PASSWORD, csrf_token, login

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import LoginThrottle, User, UserSession


def test_login_redirects_home_and_logout_ends_session(client, school):
    response = login(client, 'admin')
    assert response.status_code == 302 and response.headers['Location'] == '/'
    assert client.get('/admin/').status_code == 200
    token = csrf_token(client, '/admin/')
    assert client.post('/logout', data={'csrf_token': token}).status_code == 302
    assert client.get('/admin/').headers['Location'].startswith('/login?next=')


def copy_cookies(source, target, names=('session', 'remember_token')):
    """Put these cookies of one test client into another, as a thief who copied them would."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_logout_ends_a_copied_session_cookie_and_remember_cookie(app, client, school):
    login(client, 'manager', remember=True)
    thief, thief_remember_only = app.test_client(), app.test_client()
    copy_cookies(client, thief)
    copy_cookies(client, thief_remember_only, names=('remember_token',))
    assert thief.get('/account').status_code == 200
    assert thief_remember_only.get('/account').status_code == 200
    assert client.post('/logout', data={'csrf_token': csrf_token(client, '/account')}).status_code == 302
    for copy in (thief, thief_remember_only):
        assert copy.get('/account').headers['Location'].startswith('/login?next=')
    with database.connection_context():
        assert UserSession.select().count() == 0


def test_logout_on_one_phone_leaves_the_others_signed_in(app, school):
    phone, computer = app.test_client(), app.test_client()
    login(phone, 'janitor')
    login(computer, 'janitor')
    phone.post('/logout', data={'csrf_token': csrf_token(phone, '/account')})
    assert phone.get('/account').status_code == 302
    assert computer.get('/account').status_code == 200


def test_sign_out_everywhere_from_the_account_page_ends_every_login(app, school):
    phone, computer, copied = app.test_client(), app.test_client(), app.test_client()
    login(phone, 'guard')
    login(computer, 'guard')
    copy_cookies(computer, copied, names=('remember_token',))
    page = phone.get('/account').get_data(as_text=True)
    assert '在所有设备上退出' in page and '以你的身份登录的手机和电脑：2' in page
    response = phone.post('/account/sign-out-everywhere', data={'csrf_token': csrf_token(phone, '/account')})
    assert response.headers['Location'] == '/login'
    for browser in (phone, computer, copied):
        assert browser.get('/account').headers['Location'].startswith('/login?next=')
    with database.connection_context():
        assert UserSession.select().count() == 0
    assert login(app.test_client(), 'guard').status_code == 302


def test_a_session_ends_after_30_days_on_the_server_too(app, client, school):
    login(client, 'viewer')
    with database.connection_context():
        UserSession.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert client.get('/account').headers['Location'].startswith('/login?next=')


def test_a_changed_password_keeps_this_browser_and_ends_the_others(app, school):
    mine, other = app.test_client(), app.test_client()
    login(mine, 'teacher')
    login(other, 'teacher')
    token = csrf_token(mine, '/account')
    assert mine.post('/account', data={'csrf_token': token, 'pw-current': PASSWORD, 'pw-new': 'abcdefgh9',
                                       'pw-confirm': 'abcdefgh9'}).status_code == 302
    assert mine.get('/account').status_code == 200
    assert other.get('/account').status_code == 302
    with database.connection_context():
        assert UserSession.select().count() == 1


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


def try_password(client, username, password, address='127.0.0.1'):
    """One log-in through the form from a client address; returns the page's text (or the redirect)."""
    token = csrf_token(client, '/login')
    response = client.post('/login', data={'csrf_token': token, 'username': username, 'password': password},
                           environ_base={'REMOTE_ADDR': address})
    return response.headers['Location'] if response.status_code == 302 else response.get_data(as_text=True)


PAUSED = '登录失败次数过多'


def test_waits_grow_per_username_and_address_and_a_success_clears_them(app, client, school):
    free = app.config['LOGIN_FREE_FAILURES']
    for _ in range(free):
        assert '用户名或密码错误' in try_password(client, 'admin', 'bad', '198.51.100.1')
    # The right password now waits a second: the sixth try from here is slowed down, not checked.
    refused = try_password(client, 'admin', PASSWORD, '198.51.100.1')
    assert PAUSED in refused and '请 1 秒后再试' in refused
    with app.app_context(), database.connection_context():
        from houqin.accounts.throttle import claim_try
        row = LoginThrottle.get(LoginThrottle.username == 'admin')
        assert (row.address, row.failures) == ('198.51.100.1', free)
        start = row.next_try_at
        waits = []
        for step in range(5):  # each further failure doubles the wait: 2, 4, 8, 16, 32 s
            now = LoginThrottle.get_by_id(row.id).next_try_at
            assert claim_try('admin', '198.51.100.1', now - datetime.timedelta(seconds=0.5)) == 1
            assert claim_try('admin', '198.51.100.1', now) == 0
            waits.append(claim_try('admin', '198.51.100.1', now))
        assert waits == [2, 4, 8, 16, 32] and start < now
        LoginThrottle.update(next_try_at=utcnow()).execute()
    assert try_password(client, 'admin', PASSWORD, '198.51.100.1') == '/'
    with database.connection_context():
        assert LoginThrottle.select().count() == 0


def test_the_wait_is_capped_and_forgotten_after_a_quiet_window(app, school):
    with app.app_context(), database.connection_context():
        from houqin.accounts.throttle import claim_try, wait_after
        assert [wait_after(n, 5, 900) for n in (0, 4, 5, 6, 9, 14, 15, 60)] == [0, 0, 1, 2, 16, 512, 900, 900]
        assert [wait_after(n, 5, 900, 30) for n in (4, 5, 6, 9)] == [0, 30, 60, 480]
        now = utcnow()
        for _ in range(5):
            assert claim_try('guard', '10.0.0.9', now) == 0
        assert claim_try('guard', '10.0.0.9', now) == 1
        later = now + datetime.timedelta(seconds=1, minutes=app.config['LOGIN_WINDOW_MINUTES'], milliseconds=1)
        assert claim_try('guard', '10.0.0.9', later) == 0
        assert LoginThrottle.get().failures == 1  # forgotten: counting starts again


def test_failures_from_one_address_never_lock_out_the_owner_elsewhere(client, school):
    """An attacker who knows a username, even one behind the school's NAT, slows only their own pair down."""
    for _ in range(12):
        try_password(client, 'teacher', 'guess', '203.0.113.66')
    assert PAUSED in try_password(client, 'teacher', PASSWORD, '203.0.113.66')
    other = client.application.test_client()
    assert try_password(other, 'teacher', PASSWORD, '203.0.113.7') == '/'


def test_failures_from_one_address_do_not_slow_other_accounts_from_it(client, school):
    """One school NAT is every phone: 40 failures on other names from it leave a colleague's log-in alone."""
    for i in range(40):
        try_password(client, f'ghost{i % 8}', 'bad', '203.0.113.66')
    assert try_password(client.application.test_client(), 'guard', PASSWORD, '203.0.113.66') == '/'


def test_simultaneous_tries_get_no_more_checks_than_allowed(app, school):
    """48 tries of one pair at the same moment: exactly LOGIN_FREE_FAILURES of them are let through."""
    from houqin.accounts.throttle import claim_try
    now, results, start = utcnow(), [], threading.Barrier(48)

    def attempt():
        start.wait(timeout=30)
        with app.app_context(), database.connection_context():  # PostgreSQL's pool lends 20 at a time
            results.append(claim_try('manager', '198.51.100.23', now))
    threads = [threading.Thread(target=attempt) for _ in range(48)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 48
    assert results.count(0) == app.config['LOGIN_FREE_FAILURES']
    with database.connection_context():
        assert LoginThrottle.get().failures == app.config['LOGIN_FREE_FAILURES']


def test_a_success_clearing_the_pair_while_another_try_claims_it_is_never_a_500(app, school):
    """A right password clears the pair while other phones behind the same address try it (bench/load.py saw
    IndexError 500s on PostgreSQL): each try still gets an answer, 0 or a wait, never an exception."""
    from houqin.accounts.throttle import claim_try, clear_tries
    start, errors, answers = threading.Barrier(8), [], []

    def phone(number):
        start.wait(timeout=30)
        with app.app_context(), database.connection_context():
            for _ in range(40):
                try:
                    answers.append(claim_try('teacher', '198.51.100.7'))
                    if number % 2:
                        clear_tries('teacher', '198.51.100.7')
                except Exception as error:  # the failure this test is about
                    errors.append(repr(error)[:200])
    threads = [threading.Thread(target=phone, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert len(answers) == 8 * 40 and all(isinstance(a, int) and a >= 0 for a in answers)


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

    def form(self):
        """The log-in page's CSRF token."""
        html = self.opener.open(self.base + '/login').read().decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post_login(self, token, username, password):
        data = urllib.parse.urlencode({'csrf_token': token, 'username': username, 'password': password}).encode()
        return self.opener.open(self.base + '/login', data=data).read().decode()

    def login(self, username, password):
        return self.post_login(self.form(), username, password)


@pytest.mark.slow
def test_throttling_is_shared_by_two_app_instances(database_url, tmp_path, app, school):
    """48 simultaneous wrong tries spread over two server processes sharing the database get exactly
    LOGIN_FREE_FAILURES password checks; then both refuse the right password from that address for now."""
    env = dict(os.environ, HOUQIN_DATABASE_URL=database_url, HOUQIN_SECRET_KEY='shared-secret',
               HOUQIN_INSTANCE_PATH=str(tmp_path / 'inst'), HOUQIN_LOGIN_FREE_FAILURES='4',
               # 48 tries on a loaded machine may span more than the default 1 s first wait
               HOUQIN_LOGIN_FIRST_DELAY_SECONDS='120')
    ports = free_port(), free_port()
    servers = [start_gunicorn(env, port) for port in ports]
    try:
        browsers = [Browser(f'http://127.0.0.1:{ports[i % 2]}') for i in range(48)]
        forms = [b.form() for b in browsers]
        start, pages = threading.Barrier(48), []

        def attempt(browser, token):
            start.wait(timeout=30)
            pages.append(browser.post_login(token, 'manager', 'wrong'))
        threads = [threading.Thread(target=attempt, args=pair) for pair in zip(browsers, forms)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(pages) == 48
        assert sum('用户名或密码错误' in page for page in pages) == 4
        assert sum('登录失败次数过多' in page for page in pages) == 44
        first, second = (Browser(f'http://127.0.0.1:{p}') for p in ports)
        assert '登录失败次数过多' in first.login('manager', PASSWORD)
        assert '登录失败次数过多' in second.login('manager', PASSWORD)
        # A different account from the same address is fine on either.
        assert '登录失败次数过多' not in Browser(f'http://127.0.0.1:{ports[1]}').login('guard', PASSWORD)
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=10)
