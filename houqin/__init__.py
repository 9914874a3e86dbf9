"""houqin: school logistics on a phone. create_app() builds the Flask application from the areas."""
import os

from flask import Flask, current_app, g, render_template, request
from flask_babel import Babel, gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from houqin import config as cfg, db, templating, web
from houqin.accounts import user_views, views as accounts_views
from houqin.accounts.sessions import load_campus_context, login_manager
from houqin.admin import views as admin_views
from houqin.assets import (custody_views, loan_views, permit_views, scrap_views, supply_views,
                           transfer_views, views as stocktake_views)
from houqin.assets.loans import SCHEDULED_EVERY_SECONDS as LOAN_CHECK_SECONDS, notify_all_overdue
from houqin.board import views as board_views
from houqin.canteen import views as canteen_views
from houqin.canteen.cli import canteen_routines_command
from houqin.canteen.links import label_links as canteen_label_links
from houqin.canteen.routines import OWN_ACTIVITIES as CANTEEN_ACTIVITIES
from houqin.canteen.staff import SCHEDULED_EVERY_SECONDS as CERTIFICATE_CHECK_SECONDS, notify_all_certificates
from houqin.checklists import views as checklist_views
from houqin.cli import houqin_cli
from houqin.demo import demo_command
from houqin.history import views as history_views
from houqin.home import photo_views, views as home_views
from houqin.importing import views as importing_views
from houqin.labels import layout_views as label_layout_views, views as label_views
from houqin.labels.cli import labels_command
from houqin.ledgers import views as ledger_views
from houqin.ledgers.cli import ledger_command
from houqin.notify import delivery as notify_delivery, views as notify_views
from houqin.notify.delivery import notify_command
from houqin.patrol import (report_views as patrol_report_views, route_views as patrol_route_views,
                           views as patrol_views)
from houqin.patrol.cli import patrol_check_command
from houqin.places import views as place_views
from houqin.repairs import board as repair_board, views as repair_views
from houqin.reports import views as report_views
from houqin.repairs.workflow import enqueue_overdue
from houqin.routines import views as routine_views
from houqin.routines.cli import check_routines_command, compliance_command
from houqin.routines.service import SCHEDULED_EVERY_SECONDS as ROUTINE_CHECK_SECONDS, check_all_campuses
from houqin.scan import actions as scan_actions, views as scan_views
from houqin.scores import class_views, views as score_views
from houqin.vocab import LANGUAGE_LABELS
from houqin.web import compress_response, security_headers

csrf = CSRFProtect()
babel = Babel()
BLUEPRINTS = (accounts_views, home_views, admin_views, place_views, user_views, importing_views, photo_views,
              label_views, label_layout_views, scan_views, checklist_views, patrol_views, patrol_route_views,
              patrol_report_views, repair_views, repair_board, notify_views, history_views,
              routine_views, stocktake_views, supply_views, canteen_views, ledger_views, class_views, score_views,
              board_views, report_views, scrap_views, custody_views, loan_views, transfer_views, permit_views)
COMMANDS = (canteen_routines_command, labels_command, notify_command, patrol_check_command, demo_command, compliance_command,
            check_routines_command, ledger_command)


def create_app(test_config=None):
    """Build the app: config, database, log-in, CSRF, translations, blueprints, CLI."""
    instance_path = os.environ.get('HOUQIN_INSTANCE_PATH') or os.path.join(cfg.PROJECT_ROOT, 'instance')
    app = Flask(__name__, instance_path=instance_path, template_folder=os.path.join(cfg.ASSETS_ROOT, 'templates'),
                static_folder=os.path.join(cfg.ASSETS_ROOT, 'static'))
    load_config(app, test_config)
    app.url_map.converters['int'] = web.BoundedIntConverter  # before any route is added
    db.init_database(app.config['DATABASE_URL'])

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
    for command in COMMANDS:
        houqin_cli.add_command(command)
    app.cli.add_command(houqin_cli)
    templating.init_app(app)
    notify_delivery.schedule(enqueue_overdue)
    notify_delivery.schedule(check_all_campuses, every=ROUTINE_CHECK_SECONDS)
    if canteen_label_links not in scan_actions.LABEL_LINKS:
        scan_actions.LABEL_LINKS.append(canteen_label_links)
    if scrap_views.label_links not in scan_actions.LABEL_LINKS:
        scan_actions.LABEL_LINKS.append(scrap_views.label_links)
    scan_actions.LINKED_ACTIVITIES.update(CANTEEN_ACTIVITIES)
    notify_delivery.schedule(notify_all_certificates, every=CERTIFICATE_CHECK_SECONDS)
    notify_delivery.schedule(notify_all_overdue, every=LOAN_CHECK_SECONDS)
    notify_delivery.init_app(app)
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
    app.before_request(web.refuse_control_characters)  # first: no view or query sees a NUL

    @app.before_request
    def before_request():
        """Connect, refuse a schema behind its migrations, load the campus and role."""
        if request.endpoint == 'static':
            return None
        db.connect_for_request()
        if request.endpoint == 'scan.tag' and request.method == 'GET':
            g.data_version = db.data_version()  # before anything is read, the viewer too: scan/page_cache.py
        if not app.extensions.get('houqin.schema_ok'):
            pending = db.pending_migrations()
            if pending:
                return render_template('errors/schema.html', pending=pending), 503
            app.extensions['houqin.schema_ok'] = True
        load_campus_context()
        return None

    app.teardown_request(db.close_after_request)

    app.after_request(compress_response)  # registered first, so it runs last, on the final body
    app.after_request(security_headers)


def register_blueprints(app):
    """One blueprint per user task."""
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)


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
