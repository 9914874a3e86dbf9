"""Log-in, log-out, the account page and the interface language."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from houqin.accounts.sessions import end_all_sessions, end_session, open_sessions, start_session
from houqin.accounts.throttle import claim_try, clear_tries
from houqin.models import User
from houqin.permissions import PUBLIC, SIGNED_IN, requires
from houqin.vocab import LANGUAGE_LABELS, select_choices
from houqin.web import client_address, safe_next

bp = Blueprint('accounts', __name__)


def wait_message(seconds):
    """The log-in page's message for a try that must wait, in seconds or whole minutes."""
    if seconds < 120:
        return _('Too many failed log-ins. Please wait %(seconds)d seconds and try again.', seconds=seconds)
    return _('Too many failed log-ins. Please wait %(minutes)d minutes and try again.', minutes=(seconds + 59) // 60)


class LoginForm(FlaskForm):
    username = StringField(_l('Username'), validators=[DataRequired(_l('Please enter your username.')),
                                                        Length(max=50)])
    password = PasswordField(_l('Password'), validators=[DataRequired(_l('Please enter your password.'))])
    remember = BooleanField(_l('Keep me signed in on this phone for 30 days'), default=True)


@bp.route('/login', methods=['GET', 'POST'])
@requires(PUBLIC)
def login():
    """Sign in; repeated failures of one username from one address wait longer and longer (every worker alike)."""
    form = LoginForm()
    next_url = safe_next(request.values.get('next'))
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        address = client_address()
        wait = claim_try(username, address)
        if wait:
            form.password.errors.append(wait_message(wait))
        else:
            user = User.get_or_none(User.username == username)
            if user is None or not user.check_password(form.password.data):
                form.password.errors.append(_('Wrong username or password.'))
            elif not user.active:
                form.password.errors.append(_('This account has been deactivated. Ask the administrator.'))
            else:
                clear_tries(username, address)
                start_session(user, remember=form.remember.data)
                return redirect(next_url or url_for('home.index'))
    return render_template('accounts/login.html', form=form, next_url=next_url)


@bp.route('/logout', methods=['POST'])
@requires(PUBLIC)
def logout():
    """Sign out of this browser and end this log-in on the server."""
    end_session()
    session.pop('campus_id', None)
    flash(_('You have logged out.'), 'info')
    return redirect(url_for('accounts.login'))


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
        return redirect(url_for('accounts.account'))
    elif 'pw-current' in request.form and password.validate_on_submit():
        if not current_user.check_password(password.current.data):
            password.current.errors.append(_('The current password is wrong.'))
        else:
            user = current_user._get_current_object()
            end_session()
            user.set_password(password.new.data)
            user.save()
            end_all_sessions(user)
            start_session(user, remember=True)
            flash(_('Your password was changed. Other phones signed in as you have been signed out.'), 'success')
            return redirect(url_for('accounts.account'))
    return render_template('accounts/account.html', prefs=prefs, password=password,
                           sessions=open_sessions(current_user))


@bp.route('/account/sign-out-everywhere', methods=['POST'])
@requires(SIGNED_IN)
def sign_out_everywhere():
    """End every log-in of this person, this browser's included."""
    user = current_user._get_current_object()
    end_all_sessions(user)
    end_session()
    session.pop('campus_id', None)
    flash(_('You have been signed out on every phone and computer.'), 'info')
    return redirect(url_for('accounts.login'))


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
