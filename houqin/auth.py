"""Log-in and log-out, roles per campus, the permission table every view consults."""
import datetime
import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .models import Campus, LoginFailure, Membership, User, utcnow
from .vocab import LANGUAGE_LABELS, select_choices

bp = Blueprint('auth', __name__)
login_manager = LoginManager()
login_manager.login_view = 'auth.login'
login_manager.login_message = _l('Please log in to see this page.')
login_manager.login_message_category = 'info'

ALL_ROLES = frozenset(('admin', 'manager', 'guard', 'janitor', 'teacher', 'repair', 'canteen', 'viewer'))
PUBLIC = 'public'        # anyone, signed in or not
SIGNED_IN = 'signed_in'  # anyone signed in, with or without a role

# The permission table: which roles may do what. Every view names one of these (or PUBLIC / SIGNED_IN);
# tests/test_permissions.py walks the route map and fails for a view that names none.
PERMISSIONS = {
    'admin.view': {'admin', 'manager', 'viewer'},        # browse places, items, the audit log
    'admin.places': {'admin', 'manager'},                # create, edit, delete places and items
    'admin.import': {'admin', 'manager'},                # bulk import of places and items
    'admin.users': {'admin'},                            # accounts and roles
    'admin.campus': {'admin'},                           # campus settings
    'photos.view': set(ALL_ROLES),                       # photos of records on one's own campus
    'checklists.edit': {'admin', 'manager'},             # edit checklists (each save is a new version)
    'scan.clean': {'admin', 'manager', 'janitor'},       # sign off a cleaning at a label
    'scan.inspect': {'admin', 'manager'},                # run an inspection checklist at a label
    'scan.canteen': {'admin', 'manager', 'canteen'},     # canteen records (disinfection) at a label
    'scan.use': {'admin', 'manager', 'teacher'},         # function-room use form at a label
    'scan.report': set(ALL_ROLES),                       # report damage at a label (signed in)
    'scan.history': set(ALL_ROLES),                      # the last records at a label
    'labels.print': {'admin', 'manager'},                # print, reprint, pre-print and attach QR labels
    'labels.layouts': {'admin'},                         # add and edit label layouts
    'repairs.report': set(ALL_ROLES),                    # report a problem (报修), 我的报修, verify one's own repairs
    'repairs.work': {'repair'},                          # 我的工单: accept, start and finish repair jobs
    'repairs.view': {'admin', 'manager', 'viewer'},      # the repair board, every order, the ledger and counts
    'repairs.manage': {'admin', 'manager'},              # assign (also in bulk), reject, merge, close, compensation
    'repairs.configure': {'admin'},                      # categories' default assignees, due hours by priority
    'notify.configure': {'admin'},                       # notification channels (webhooks, e-mail), test messages
    'patrol.scan': {'guard'},                            # a checkpoint scan records itself; anomalies
    'patrol.duty': {'admin', 'manager', 'guard'},        # tonight's rounds and the duty log (值班记录)
    'patrol.manage': {'admin', 'manager'},               # patrol routes, rounds, holidays, checkpoint labels
    'patrol.reports': {'admin', 'manager', 'viewer'},    # patrol reports per night and guard, duty sheets
}


def requires(permission):
    """Mark a view as needing a permission from the table (or PUBLIC / SIGNED_IN)."""
    if permission not in PERMISSIONS and permission not in (PUBLIC, SIGNED_IN):
        raise ValueError(f'unknown permission {permission!r}')

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if permission != PUBLIC:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if permission != SIGNED_IN and not can(permission):
                    abort(403)
            return view(*args, **kwargs)
        wrapped.permission = permission
        return wrapped
    return decorate


def can(permission, role=None):
    """True when the role (default: the current user's on this campus) holds the permission."""
    role = role if role is not None else g.get('role')
    return permission in (PUBLIC, SIGNED_IN) or role in PERMISSIONS.get(permission, ())


def load_campus_context():
    """Set g.campus and g.role from the signed-in user's memberships."""
    g.campus, g.role = None, None
    if not current_user.is_authenticated:
        return
    memberships = list(Membership.select(Membership, Campus).join(Campus)
                       .where(Membership.user == current_user.id).order_by(Campus.id))
    chosen = next((m for m in memberships if m.campus_id == session.get('campus_id')), None)
    chosen = chosen or (memberships[0] if memberships else None)
    if chosen:
        g.campus, g.role = chosen.campus, chosen.role
    g.memberships = memberships


@login_manager.user_loader
def load_user(session_token):
    """The active user whose current session token this is (rotated on reset and deactivation)."""
    return User.get_or_none((User.session_token == session_token) & (User.active == True))  # noqa: E712


def safe_next(target):
    """The target if it is a path on this site, else None."""
    if not target or not target.startswith('/') or target.startswith('//') or '\\' in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def client_address():
    """The client's address (ProxyFix has applied X-Forwarded-For when configured)."""
    return (request.remote_addr or 'unknown')[:64]


def login_pause_minutes(username, address):
    """Minutes until a throttled username or address may try again; 0 when not throttled."""
    cfg = current_app.config
    window = datetime.timedelta(minutes=cfg['LOGIN_WINDOW_MINUTES'])
    since = utcnow() - window
    pauses = []
    for field, value, limit in ((LoginFailure.username, username, cfg['LOGIN_MAX_FAILURES_PER_USER']),
                                (LoginFailure.address, address, cfg['LOGIN_MAX_FAILURES_PER_ADDRESS'])):
        recent = (LoginFailure.select(LoginFailure.created_at)
                  .where((field == value) & (LoginFailure.created_at > since))
                  .order_by(LoginFailure.created_at.desc()).limit(limit))
        times = [row.created_at for row in recent]
        if len(times) >= limit:
            # Paused until the oldest of the last `limit` failures leaves the window.
            pauses.append(times[-1] + window - utcnow())
    if not pauses:
        return 0
    return max(1, int(max(pauses).total_seconds() // 60) + 1)


class LoginForm(FlaskForm):
    username = StringField(_l('Username'), validators=[DataRequired(_l('Please enter your username.')),
                                                        Length(max=50)])
    password = PasswordField(_l('Password'), validators=[DataRequired(_l('Please enter your password.'))])
    remember = BooleanField(_l('Keep me signed in on this phone for 30 days'), default=True)


@bp.route('/login', methods=['GET', 'POST'])
@requires(PUBLIC)
def login():
    """Sign in; throttled per username and per client address across all workers."""
    form = LoginForm()
    next_url = safe_next(request.values.get('next'))
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        address = client_address()
        pause = login_pause_minutes(username, address)
        if pause:
            form.password.errors.append(
                _('Too many failed log-ins. Please wait %(minutes)d minutes and try again.', minutes=pause))
        else:
            user = User.get_or_none(User.username == username)
            if user is None or not user.check_password(form.password.data):
                LoginFailure.create(username=username, address=address)
                form.password.errors.append(_('Wrong username or password.'))
            elif not user.active:
                form.password.errors.append(_('This account has been deactivated. Ask the administrator.'))
            else:
                LoginFailure.delete().where(LoginFailure.username == username).execute()
                login_user(user, remember=form.remember.data,
                           duration=datetime.timedelta(days=30))
                session.permanent = True
                return redirect(next_url or url_for('home.index'))
    return render_template('auth/login.html', form=form, next_url=next_url)


@bp.route('/logout', methods=['POST'])
@requires(PUBLIC)
def logout():
    """Sign out of this browser."""
    logout_user()
    session.pop('campus_id', None)
    flash(_('You have logged out.'), 'info')
    return redirect(url_for('auth.login'))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l('Current password'), validators=[DataRequired(_l('Please enter your current password.'))])
    new = PasswordField(_l('New password'), validators=[
        DataRequired(_l('Please enter a new password.')),
        Length(min=8, max=128, message=_l('The password must have 8 to 128 characters.'))])
    confirm = PasswordField(_l('New password again'), validators=[
        EqualTo('new', message=_l('The two passwords differ.'))])


class PreferencesForm(FlaskForm):
    language = SelectField(_l('Language'), choices=select_choices([('', _l('As the browser says'))] + list(LANGUAGE_LABELS.items())))
    campus = SelectField(_l('Campus'), coerce=int, choices=[])


@bp.route('/account', methods=['GET', 'POST'])
@requires(SIGNED_IN)
def account():
    """The signed-in user's own settings: language, campus, password."""
    prefs = PreferencesForm(prefix='prefs')
    prefs.campus.choices = select_choices([(m.campus_id, m.campus.name) for m in g.memberships] or [(0, '—')])
    password = PasswordChangeForm(prefix='pw')
    if request.method == 'GET':
        prefs.language.data = current_user.language
        prefs.campus.data = g.campus.id if g.campus else 0
    elif 'prefs-language' in request.form and prefs.validate_on_submit():
        current_user.language = prefs.language.data
        current_user.save()
        if any(m.campus_id == prefs.campus.data for m in g.memberships):
            session['campus_id'] = prefs.campus.data
        flash(_('Saved.'), 'success')
        return redirect(url_for('auth.account'))
    elif 'pw-current' in request.form and password.validate_on_submit():
        if not current_user.check_password(password.current.data):
            password.current.errors.append(_('The current password is wrong.'))
        else:
            current_user.set_password(password.new.data)
            current_user.save()
            login_user(current_user._get_current_object(), remember=True, duration=datetime.timedelta(days=30))
            flash(_('Your password was changed. Other phones signed in as you have been signed out.'), 'success')
            return redirect(url_for('auth.account'))
    return render_template('auth/account.html', prefs=prefs, password=password)


@bp.route('/language', methods=['POST'])
@requires(PUBLIC)
def set_language():
    """Switch the interface language for this browser (and the signed-in user)."""
    code = request.form.get('language', '')
    if code not in LANGUAGE_LABELS:
        abort(400)
    if current_user.is_authenticated:
        current_user.language = code
        current_user.save()
    response = redirect(safe_next(request.form.get('next')) or url_for('home.index'))
    response.set_cookie('lang', code, max_age=365 * 24 * 3600, httponly=True, samesite='Lax',
                        secure=current_app.config['SESSION_COOKIE_SECURE'])
    return response
