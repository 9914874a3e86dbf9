"""Configuration in layers: defaults, HOUQIN_* environment variables, instance/config.py, test config."""
import os
import secrets
import sys

_CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_FROM_CHECKOUT = os.path.isdir(os.path.join(_CHECKOUT, 'templates'))
# templates/ and static/: the checkout's, or those a wheel installs under <prefix>/share/houqin.
ASSETS_ROOT = _CHECKOUT if _FROM_CHECKOUT else os.path.join(sys.prefix, 'share', 'houqin')
# The working folder for instance/ and labels/: the checkout, or where an installed app is started.
PROJECT_ROOT = _CHECKOUT if _FROM_CHECKOUT else os.getcwd()


def flag(text):
    """A yes/no setting from text: 1, true, yes or on mean yes."""
    return str(text).strip().lower() in ('1', 'true', 'yes', 'on')

# name: (default, kind, description) — the README's settings table is checked against this.
SETTINGS = {
    'ENV': ('development', str, 'development or production; unset, a start under gunicorn counts as production'),
    'SECRET_KEY': (None, str, 'signs sessions and CSRF tokens; required in production'),
    'DATABASE_URL': (None, str, 'sqlite:///path or postgresql://user:pw@host/db; default SQLite in instance/houqin.sqlite3'),
    'BASE_URL': ('http://127.0.0.1:8000', str, 'the address printed on QR labels, as phones will reach it'),
    'PROXY_COUNT': (0, int, 'how many reverse proxies set X-Forwarded-* headers in front of the app'),
    'DEFAULT_LOCALE': ('zh_CN', str, 'the language for visitors without a preference: zh_CN or en'),
    'DEFAULT_TIMEZONE': ('Asia/Shanghai', str, 'time zone of a new campus'),
    'LOGIN_FREE_FAILURES': (5, int, 'failed log-ins one client address may make for one username before each further try waits (1 s, 2 s, 4 s …)'),
    'LOGIN_FIRST_DELAY_SECONDS': (1, int, 'the first wait after the free failures; each further failure doubles it'),
    'LOGIN_MAX_DELAY_MINUTES': (15, int, 'the longest wait between two log-in tries of one username from one address'),
    'LOGIN_WINDOW_MINUTES': (15, int, 'failed log-ins are forgotten this long after their wait has ended'),
    'ANONYMOUS_REPORTS_PER_HOUR': (5, int, 'problem reports one client address may send without logging in, per hour'),
    'UPLOAD_MAX_MB': (10, int, 'largest accepted upload (photos, import files)'),
    'PHOTO_DIR': (None, str, 'where photos are stored (outside the web root); default instance/photos'),
    'LABEL_FONT': (None, str, 'font file for Chinese text on PDF/PNG labels ("path" or "path.ttc#N"); default: a system CJK font'),
    'NOTIFY_AFTER_REQUESTS': (True, flag, 'deliver notifications from a background thread after requests; off when `flask houqin notify` runs'),
    'NOTIFY_TIMEOUT': (10, int, 'seconds one webhook or SMTP send may take in all before it is stopped and counted as failed'),
    'SMTP_HOST': (None, str, 'SMTP server for e-mail notifications; unset, e-mail channels fail with a message saying so'),
    'SMTP_PORT': (None, int, 'SMTP port; default 465 with SMTP_SECURITY=ssl, else 25'),
    'SMTP_SECURITY': ('none', str, 'none, starttls or ssl'),
    'SMTP_USER': (None, str, 'SMTP log-in name, if the server needs one'),
    'SMTP_PASSWORD': (None, str, 'SMTP password'),
    'SMTP_FROM': (None, str, 'sender address of notification e-mails; default houqin@SMTP_HOST'),
}


def env_settings(environ=os.environ):
    """Read HOUQIN_* variables into config keys, converted to their kinds."""
    values = {}
    for name, (_default, kind, _doc) in SETTINGS.items():
        raw = environ.get('HOUQIN_' + name)
        if raw is not None and raw != '':
            values[name] = kind(raw)
    return values


def is_production(config, environ=os.environ):
    """True when HOUQIN_ENV says so, or when unset and gunicorn is serving."""
    if environ.get('HOUQIN_ENV'):
        return config['ENV'] == 'production'
    return environ.get('SERVER_SOFTWARE', '').startswith('gunicorn')


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


def ensure_secret_key(config, instance_path, production):
    """Use the configured key; in development, generate and keep one in instance/."""
    if config.get('SECRET_KEY'):
        return config['SECRET_KEY']
    if production:
        raise ConfigError(
            'HOUQIN_SECRET_KEY is not set. A production start needs a long random secret, e.g.\n'
            '  export HOUQIN_SECRET_KEY="$(python3 -c \'import secrets; print(secrets.token_hex(32))\')"')
    path = os.path.join(instance_path, 'secret_key')
    os.makedirs(instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, 'w') as fh:
            fh.write(secrets.token_hex(32))
    with open(path) as fh:
        return fh.read().strip()
