"""houqin: school logistics on a phone. create_app() builds the Flask application."""
import os

from flask import Flask, g, render_template, request
from flask_babel import Babel, gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as cfg
from . import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
csrf = CSRFProtect()
babel = Babel()

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; object-src 'none'")


def create_app(test_config=None):
    """Build the app: config, database, log-in, CSRF, translations, blueprints, CLI."""
    app = Flask(__name__, instance_path=os.environ.get('HOUQIN_INSTANCE_PATH') or os.path.join(ROOT, 'instance'),
                template_folder=os.path.join(ROOT, 'templates'), static_folder=os.path.join(ROOT, 'static'))
    load_config(app, test_config)
    db.init_database(app.config['DATABASE_URL'])

    from .auth import login_manager
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=os.path.join(os.path.dirname(__file__), 'translations'))
    if app.config['PROXY_COUNT']:
        n = app.config['PROXY_COUNT']
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    register_request_hooks(app)
    register_blueprints(app)
    register_error_pages(app)
    from .cli import houqin_cli
    app.cli.add_command(houqin_cli)
    from . import templating
    templating.init_app(app)
    from . import notify
    notify.init_app(app)
    return app


def load_config(app, test_config):
    """Defaults, then HOUQIN_* variables, then instance/config.py, then the test config."""
    app.config.update({name: default for name, (default, _kind, _doc) in cfg.SETTINGS.items()})
    app.config.update(cfg.env_settings())
    app.config.from_pyfile('config.py', silent=True)
    if test_config:
        app.config.update(test_config)
    production = cfg.is_production(app.config) and not app.config.get('TESTING')
    app.config['ENV'] = 'production' if production else app.config['ENV']
    app.config['SECRET_KEY'] = cfg.ensure_secret_key(app.config, app.instance_path, production)
    if not app.config['DATABASE_URL']:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config['DATABASE_URL'] = 'sqlite:///' + os.path.join(app.instance_path, 'houqin.sqlite3')
    if not app.config['PHOTO_DIR']:
        app.config['PHOTO_DIR'] = os.path.join(app.instance_path, 'photos')
    https = app.config['BASE_URL'].startswith('https://')
    app.config.update(
        BASE_URL=app.config['BASE_URL'].rstrip('/'),
        MAX_CONTENT_LENGTH=app.config['UPLOAD_MAX_MB'] * 1024 * 1024 + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE='Lax', SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE='Lax', REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_DURATION=30 * 24 * 3600, PERMANENT_SESSION_LIFETIME=30 * 24 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # a form left open on a phone over a shift must still submit
        BABEL_DEFAULT_LOCALE=app.config['DEFAULT_LOCALE'],
    )


def select_locale():
    """The user's setting, else this browser's choice, else the browser's languages, else Chinese."""
    from flask import current_app
    from .vocab import LANGUAGE_LABELS
    user = current_user if current_user.is_authenticated else None
    if user and user.language in LANGUAGE_LABELS:
        return user.language
    if request.cookies.get('lang') in LANGUAGE_LABELS:
        return request.cookies['lang']
    best = request.accept_languages.best_match(['zh-CN', 'zh', 'en'])
    if best in ('zh-CN', 'zh'):
        return 'zh_CN'
    return best or current_app.config['DEFAULT_LOCALE']


def select_timezone():
    """The current campus's time zone."""
    campus = g.get('campus')
    return campus.timezone if campus else None


def register_request_hooks(app):
    """Connect per request, refuse to serve behind-schema databases, set security headers."""
    from .auth import load_campus_context

    @app.before_request
    def before_request():
        """Connect, refuse a schema behind its migrations, load the campus and role."""
        if request.endpoint == 'static':
            return None
        db.connect_for_request()
        if not app.extensions.get('houqin.schema_ok'):
            pending = db.pending_migrations()
            if pending:
                return render_template('errors/schema.html', pending=pending), 503
            app.extensions['houqin.schema_ok'] = True
        load_campus_context()
        return None

    app.teardown_request(db.close_after_request)

    @app.after_request
    def security_headers(response):
        """CSP, nosniff, no framing, and no caching of pages in shared caches."""
        response.headers.setdefault('Content-Security-Policy', CONTENT_SECURITY_POLICY)
        response.headers.setdefault('X-Content-Type-Options', 'nosniff')
        response.headers.setdefault('Referrer-Policy', 'same-origin')
        response.headers.setdefault('X-Frame-Options', 'DENY')
        if request.endpoint != 'static' and 'Cache-Control' not in response.headers:
            response.headers['Cache-Control'] = 'private, no-store'
        response.vary.add('Cookie')
        return response


def register_blueprints(app):
    """One blueprint per user task."""
    from . import admin, auth, checklist_editor, home, importer, photos, places, scan, users
    from .labels import views as label_views
    for module in (auth, home, admin, places, users, importer, photos, label_views, scan, checklist_editor):
        app.register_blueprint(module.bp)

    from .patrol import report_views, route_views, views as patrol_views
    for module in (patrol_views, route_views, report_views):
        app.register_blueprint(module.bp)
    from . import repairs
    repairs.register(app)


def register_error_pages(app):
    """Friendly pages for errors, in the user's language."""
    messages = {
        400: lambda: _('The request was not understood.'),
        403: lambda: _('You do not have permission to do this.'),
        404: lambda: _('This page does not exist.'),
        405: lambda: _('This action is not allowed here.'),
        413: lambda: _('The file is too large.'),
        500: lambda: _('Something went wrong on the server. It has been logged; please try again.'),
    }
    for code, message in messages.items():
        app.register_error_handler(code, lambda e, code=code, message=message: (
            render_template('errors/error.html', code=code, message=message()), code))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        """An expired or missing CSRF token: say what to do, in the user's language."""
        message = _('This form had expired. Please go back, reload the page and submit again.')
        return render_template('errors/error.html', code=400, message=message), 400
