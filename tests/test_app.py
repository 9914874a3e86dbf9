"""The application as a whole: schema migrations, start-up rules, security headers, languages."""
import glob
import os
import re
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from helpers import PG_URL, login, new_pg_schema
from peewee import ForeignKeyField

from houqin import create_app, db
from houqin.config import ConfigError
from houqin.models import MODELS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table_names():
    with db.database.connection_context():
        return set(db.database.get_tables())


def check_migrations_from_empty(url, tmp_path):
    app = create_app({'TESTING': True, 'DATABASE_URL': url, 'SECRET_KEY': 'x'})
    runner = app.test_cli_runner()
    first = runner.invoke(args=['houqin', 'init'])
    assert first.exit_code == 0, first.output
    assert '0001_initial' in first.output
    assert {m._meta.table_name for m in MODELS} <= table_names()
    second = runner.invoke(args=['houqin', 'init'])
    assert second.exit_code == 0 and 'up to date' in second.output
    with db.database.connection_context():
        assert db.pending_migrations() == []


def test_migrations_from_empty_to_head_on_sqlite(tmp_path):
    check_migrations_from_empty('sqlite:///' + str(tmp_path / 'm.sqlite3'), tmp_path)


@pytest.mark.skipif(not PG_URL, reason='HOUQIN_TEST_DATABASE_URL is not set: no PostgreSQL server to test against')
def test_migrations_from_empty_to_head_on_postgresql(tmp_path):
    url, drop = new_pg_schema(PG_URL)
    try:
        check_migrations_from_empty(url, tmp_path)
    finally:
        if not db.database.is_closed():
            db.database.close()
        drop()


# Tables the migrations make that are no model: peewee's migration history.
NOT_MODELS = {'schema_migration'}


def schema_of(url, build):
    """What the database itself says of every table after build(): {table: description}.

    A description holds the columns (name → type with its length, nullability, primary key, server default),
    the indexes as (columns in order, unique) whatever their names (a unique constraint is a unique index),
    and the foreign keys as (column, table, column, on delete, on update).
    """
    database = db.init_database(url)
    with database.connection_context():
        build()
        tables = {}
        for table in database.get_tables():
            tables[table] = {
                'columns': {c.name: (c.full_type or c.data_type, c.null, c.primary_key, c.default)
                            for c in database.get_columns(table)},
                'indexes': sorted((tuple(i.columns), i.unique) for i in database.get_indexes(table)),
                'foreign keys': sorted((f.column, f.dest_table, f.dest_column, f.on_delete, f.on_update)
                                       for f in database.get_foreign_keys(table)),
            }
    database.close()
    return tables


def deferred_foreign_keys():
    """{table: [(column, table, column, on delete, on update)]} as the models' deferred foreign keys declare them.

    Allowance: a DeferredForeignKey (Outbox.target, whose table models.py declares later) gets its column and
    index from create_tables but not its constraint: peewee adds that only once both tables exist, and SQLite
    cannot add a constraint to an existing table. The migration does create it, so the constraint expected of
    the migrated schema is read from the field's declaration instead.
    """
    found = {}
    for model in MODELS:
        for field in model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.deferred:
                found.setdefault(model._meta.table_name, []).append(
                    (field.column_name, field.rel_model._meta.table_name, field.rel_field.column_name,
                     field.on_delete or 'NO ACTION', field.on_update or 'NO ACTION'))
    return found


def check_schema_equals_models(migrated_url, created_url):
    """Per table, the migrated schema and the one create_tables makes from the models are the same."""
    migrated = schema_of(migrated_url, db.migrate)
    created = schema_of(created_url, lambda: db.database.create_tables(MODELS))
    assert set(migrated) - NOT_MODELS == set(created) == {m._meta.table_name for m in MODELS}
    for table, keys in deferred_foreign_keys().items():
        created[table]['foreign keys'] = sorted(created[table]['foreign keys'] + keys)
    for table in sorted(created):
        for part in ('columns', 'indexes', 'foreign keys'):
            assert migrated[table][part] == created[table][part], f'{table}: the {part} differ'


def test_the_migrated_schema_is_the_models_schema_on_sqlite(tmp_path):
    """Columns with their types, nullability and defaults, indexes and unique constraints, foreign keys."""
    check_schema_equals_models('sqlite:///' + str(tmp_path / 'migrated.sqlite3'),
                               'sqlite:///' + str(tmp_path / 'created.sqlite3'))


@pytest.mark.skipif(not PG_URL, reason='HOUQIN_TEST_DATABASE_URL is not set: no PostgreSQL server to test against')
def test_the_migrated_schema_is_the_models_schema_on_postgresql():
    migrated_url, drop_migrated = new_pg_schema(PG_URL)
    created_url, drop_created = new_pg_schema(PG_URL)
    try:
        check_schema_equals_models(migrated_url, created_url)
    finally:
        if not db.database.is_closed():
            db.database.close()
        drop_migrated()
        drop_created()


def test_refuses_to_serve_a_database_behind_its_migrations(empty_database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "x"})
    response = app.test_client().get('/login')
    assert response.status_code == 503
    assert 'flask houqin init' in response.get_data(as_text=True)
    app.test_cli_runner().invoke(args=['houqin', 'init'])
    assert app.test_client().get('/login').status_code == 200


def test_production_start_without_secret_key_refuses(tmp_path, monkeypatch):
    monkeypatch.setenv('HOUQIN_ENV', 'production')
    monkeypatch.delenv('HOUQIN_SECRET_KEY', raising=False)
    monkeypatch.setenv('HOUQIN_INSTANCE_PATH', str(tmp_path))
    with pytest.raises(ConfigError, match='HOUQIN_SECRET_KEY'):
        create_app()


@pytest.mark.slow
def test_gunicorn_without_secret_key_refuses_with_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith('HOUQIN_')}
    env.update(HOUQIN_INSTANCE_PATH=str(tmp_path), HOUQIN_DATABASE_URL='sqlite:///' + str(tmp_path / 'x.sqlite3'))
    done = subprocess.run([sys.executable, '-m', 'gunicorn', '-b', '127.0.0.1:0', 'app:app'], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert 'HOUQIN_SECRET_KEY is not set' in done.stderr


def test_development_start_keeps_a_generated_secret(tmp_path, monkeypatch):
    monkeypatch.delenv('HOUQIN_SECRET_KEY', raising=False)
    monkeypatch.setenv('HOUQIN_INSTANCE_PATH', str(tmp_path))
    monkeypatch.setenv('HOUQIN_ENV', 'development')
    first = create_app({'DATABASE_URL': 'sqlite:///' + str(tmp_path / 'a.sqlite3')}).config['SECRET_KEY']
    second = create_app({'DATABASE_URL': 'sqlite:///' + str(tmp_path / 'a.sqlite3')}).config['SECRET_KEY']
    assert first == second and len(first) >= 32
    assert oct(os.stat(tmp_path / 'secret_key').st_mode)[-3:] == '600'


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv('HOUQIN_BASE_URL', 'https://hq.example.edu.cn/')
    monkeypatch.setenv('HOUQIN_LOGIN_FREE_FAILURES', '9')
    app = create_app({'DATABASE_URL': 'sqlite:///' + str(tmp_path / 'a.sqlite3'), 'SECRET_KEY': 'x'})
    assert app.config['BASE_URL'] == 'https://hq.example.edu.cn'
    assert app.config['LOGIN_FREE_FAILURES'] == 9
    assert app.config['SESSION_COOKIE_SECURE'] is True


def test_security_headers_on_every_page(client, school):
    login(client, 'admin')
    for path in ('/login', '/admin/', '/admin/places', '/account', '/no-such-page'):
        response = client.get(path)
        csp = response.headers['Content-Security-Policy']
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers['X-Content-Type-Options'] == 'nosniff'
        assert 'no-store' in response.headers['Cache-Control']


def test_templates_have_no_inline_scripts_or_styles():
    """The CSP forbids them, so a browser would silently drop them."""
    offenders = []
    for path in glob.glob(os.path.join(ROOT, 'templates', '**', '*.html'), recursive=True):
        text = open(path, encoding='utf-8').read()
        if re.search(r'<script(?![^>]*\bsrc=)[^>]*>', text) or re.search(r'\sstyle="', text) \
                or re.search(r'\son[a-z]+="', text):
            offenders.append(os.path.relpath(path, ROOT))
    assert not offenders


def test_chinese_by_default_english_by_browser_or_choice(client, school):
    assert '登录' in client.get('/login').get_data(as_text=True)
    english = client.get('/login', headers={'Accept-Language': 'en-US,en;q=0.9'}).get_data(as_text=True)
    assert 'Log in' in english and '登录</h1>' not in english
    chinese = client.get('/login', headers={'Accept-Language': 'zh-CN,zh;q=0.9'}).get_data(as_text=True)
    assert '<h1>登录</h1>' in chinese
    token = re.search(r'name="csrf_token" value="([^"]+)"', chinese).group(1)
    client.post('/language', data={'csrf_token': token, 'language': 'en', 'next': '/login'})
    assert '<h1>Log in</h1>' in client.get('/login', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)


def test_signed_in_users_language_setting_wins(client, school):
    login(client, 'guard')
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get('/account').get_data(as_text=True)).group(1)
    client.post('/account', data={'csrf_token': token, 'prefs-language': 'en', 'prefs-campus': school['campus'].id})
    assert 'My account' in client.get('/account', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)


def code_msgids():
    """Every msgid the code and templates pass through the catalogue."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    keywords = dict(DEFAULT_KEYWORDS, _l=None)
    found = set()
    for folder, method in (('houqin', 'python'), ('templates', 'jinja2')):
        pattern = '**.py' if method == 'python' else '**.html'
        for _file, _line, message, _comments, _context in extract_from_dir(
                os.path.join(ROOT, folder), [(pattern, method)], keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_translation_catalogue_is_complete_and_compiled():
    """Every msgid in the code has a Chinese translation, and the .mo matches the .po."""
    po_path = os.path.join(ROOT, 'houqin', 'translations', 'zh_Hans_CN', 'LC_MESSAGES', 'messages.po')
    with open(po_path, 'rb') as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    missing = sorted(code_msgids() - translated)
    assert not missing, f'untranslated (run tools/translations.py): {missing[:20]}'
    with open(po_path.replace('.po', '.mo'), 'rb') as fh:
        compiled = read_mo(fh)
    assert {m.id: m.string for m in catalog if m.id} == {m.id: m.string for m in compiled if m.id}


def test_error_pages_are_friendly_and_chinese(client, school):
    response = client.get('/no-such-page')
    assert response.status_code == 404 and '页面不存在' in response.get_data(as_text=True)
    login(client, 'teacher')
    response = client.get('/admin/users/')
    assert response.status_code == 403 and '没有权限' in response.get_data(as_text=True)


def test_health_probe(client, school):
    assert client.get('/healthz').get_json() == {'status': 'ok'}


def test_readme_lists_every_setting_and_starts_with_the_two_commands():
    from houqin.config import SETTINGS
    readme = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    missing = [name for name in SETTINGS if f'`HOUQIN_{name}`' not in readme]
    assert not missing
    first_block = readme.split('```sh', 1)[1].split('```', 1)[0]
    assert 'flask houqin demo' in first_block and 'pytest' in first_block


def test_create_user_command(app, runner):
    result = runner.invoke(args=['houqin', 'create-user', 'Zhang', '--role', 'manager', '--name', '张主任',
                                 '--password', 'zhang-pass-1'])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=['houqin', 'create-user', 'zhang', '--password', 'zhang-pass-1'])
    assert again.exit_code != 0 and 'already exists' in again.output
    assert login(app.test_client(), 'zhang', 'zhang-pass-1').headers['Location'] == '/'


def test_a_crash_shows_a_friendly_page_not_a_traceback(app, client, school):
    @app.route('/boom')
    def boom():
        raise RuntimeError('boom')
    boom.permission = 'public'
    app.config['PROPAGATE_EXCEPTIONS'] = False
    response = client.get('/boom')
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert '服务器出错了' in html and 'RuntimeError' not in html


def test_a_district_office_adds_a_school_and_grants_roles(app, runner, school):
    result = runner.invoke(args=['houqin', 'create-campus', 'xq', '西桥小学'])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=['houqin', 'create-campus', 'xq', '重复']).exit_code != 0
    assert runner.invoke(args=['houqin', 'create-campus', 'yy', '某校', '--timezone', 'Mars/Base']).exit_code != 0
    result = runner.invoke(args=['houqin', 'grant', 'teacher', 'manager', '--campus', 'xq'])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=['houqin', 'grant', 'nobody', 'manager', '--campus', 'xq']).exit_code != 0
    from houqin.models import Membership, User
    with db.database.connection_context():
        roles = {(m.campus.code, m.role) for m in Membership.select().join(User).where(User.username == 'teacher')}
    assert roles == {('test', 'teacher'), ('xq', 'manager')}
