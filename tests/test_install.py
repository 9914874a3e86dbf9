"""A wheel of the project, installed in a fresh virtual environment, serves the demo school from any folder.

The new environment borrows the dependencies of the one running the tests (a .pth line naming its
site-packages, which does not run that environment's editable-install hook), so houqin itself can come
only from the wheel: a subpackage or a template folder missing from the wheel fails here.
"""
import os
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def run(*args, cwd, env=None, timeout=180):
    """Run a command; fail the test with its output when it fails."""
    env = dict(os.environ if env is None else env)
    env.pop('PYTHONPATH', None)  # the installed wheel, never a checkout put first on the path
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f'{args}\n{done.stdout}\n{done.stderr}'
    return done.stdout


def free_port():
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def get(url):
    """(status, body text) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode('utf-8', 'replace')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(python of a fresh venv with the wheel installed, an empty folder to run it in)."""
    base = tmp_path_factory.mktemp('install')
    wheels = base / 'wheels'
    run(sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(wheels), ROOT,
        cwd=base)
    [wheel] = list(wheels.glob('houqin-*.whl'))
    venv = base / 'venv'
    run(sys.executable, '-m', 'venv', '--without-pip', str(venv), cwd=base)
    python = str(venv / 'bin' / 'python')
    purelib = run(python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])', cwd=base).strip()
    with open(os.path.join(purelib, 'borrowed-dependencies.pth'), 'w') as fh:
        fh.write(sysconfig.get_paths()['purelib'] + '\n')
    run(sys.executable, '-m', 'pip', '--python', python, 'install', '--no-deps', '-q', str(wheel), cwd=base)
    work = base / 'school'
    work.mkdir()
    return python, work


def test_the_wheel_holds_every_package_and_page(installed):
    python, work = installed
    where = run(python, '-c', 'import houqin, houqin.patrol.views, houqin.notify.delivery; print(houqin.__file__)',
                cwd=work).strip()
    assert where.startswith(os.path.dirname(os.path.dirname(python))), where
    listed = run(python, '-c', 'import houqin.config as c, os; print(c.ASSETS_ROOT); '
                               'print(sorted(os.listdir(os.path.join(c.ASSETS_ROOT, "templates"))))', cwd=work)
    assets, folders = listed.strip().split('\n')
    assert assets.endswith(os.path.join('share', 'houqin'))
    assert eval(folders) == sorted(os.listdir(os.path.join(ROOT, 'templates')))


def test_an_installed_app_serves_the_demo_from_any_folder(installed):
    python, work = installed
    env = dict(os.environ, HOUQIN_INSTANCE_PATH=str(work / 'instance'), HOUQIN_ENV='production',
               HOUQIN_SECRET_KEY='installed-test-secret', HOUQIN_BASE_URL='http://127.0.0.1')
    env.pop('HOUQIN_DATABASE_URL', None)
    env.pop('PYTHONPATH', None)
    out = run(python, '-m', 'flask', '--app', 'houqin:create_app', 'houqin', 'demo', cwd=work, env=env)
    assert 'Demo school loaded.' in out
    with sqlite3.connect(work / 'instance' / 'houqin.sqlite3') as conn:
        token = conn.execute("SELECT token FROM tag WHERE status = 'active' AND place_id IS NOT NULL "
                             "AND item_id IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    port = free_port()
    server = subprocess.Popen([python, '-m', 'gunicorn', '-w', '2', '-b', f'127.0.0.1:{port}', 'houqin:create_app()'],
                              cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f'http://127.0.0.1:{port}'
        for _ in range(100):
            try:
                status, _body = get(base + '/healthz')
                if status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = get(base + '/login')
        assert status == 200 and '登录' in body
        status, css = get(base + '/static/app.css')
        assert status == 200 and 'body' in css
        status, body = get(f'{base}/t/{token}')
        assert status == 200 and '青石镇中心学校' in body
    finally:
        server.terminate()
        server.wait(timeout=10)
