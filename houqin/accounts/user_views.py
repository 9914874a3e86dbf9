"""Staff accounts: create, edit roles, reset passwords, deactivate."""
import re
import secrets

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from houqin.audit import log_change, snapshot
from houqin.db import write_transaction
from houqin.models import Membership, User
from houqin.permissions import requires
from houqin.vocab import ROLE_LABELS, select_choices
from houqin.web import Page, page_number

bp = Blueprint('users', __name__, url_prefix='/admin/users')

USERNAME = re.compile(r'^[a-z0-9_.-]{2,50}$')


def suggested_password():
    """A random example password for a new account: ten characters with small and capital letters and a digit."""
    while True:
        word = secrets.token_urlsafe(8)[:10]
        if re.search('[a-z]', word) and re.search('[A-Z]', word) and re.search('[0-9]', word):
            return word


def campus_member(user_id):
    """A user with a role on the current campus, with that membership; else 404."""
    membership = (Membership.select(Membership, User).join(User)
                  .where((Membership.campus == g.campus) & (Membership.user == user_id)).first())
    if membership is None:
        abort(404)
    return membership.user, membership


class UserForm(FlaskForm):
    display_name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter the person\'s name.')),
                                                       Length(max=50)])
    phone = StringField(_l('Phone'), validators=[Optional(), Length(max=30)])
    role = SelectField(_l('Role'), choices=select_choices(ROLE_LABELS))


class NewUserForm(UserForm):
    username = StringField(_l('Username'), validators=[DataRequired(_l('Please enter a username.'))],
                           description=_l('Letters, digits, dot, dash or underscore, e.g. wang.li'))
    password = PasswordField(_l('Password'), validators=[
        DataRequired(_l('Please enter a password.')),
        Length(min=8, max=128, message=_l('The password must have 8 to 128 characters.'))])

    def validate_username(self, field):
        name = field.data.strip().lower()
        if not USERNAME.match(name):
            raise ValidationError(_('Use 2 to 50 letters, digits, dots, dashes or underscores.'))
        if User.select().where(User.username == name).exists():
            raise ValidationError(_('The username %(name)s is taken.', name=name))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l('New password'), validators=[
        DataRequired(_l('Please enter a new password.')),
        Length(min=8, max=128, message=_l('The password must have 8 to 128 characters.'))])


@bp.route('/')
@requires('admin.users')
def index():
    """Staff on this campus: search by name, username or phone."""
    q = request.args.get('q', '').strip()
    query = (Membership.select(Membership, User).join(User).where(Membership.campus == g.campus))
    if q:
        query = query.where(User.username.contains(q) | User.display_name.contains(q) | User.phone.contains(q))
    page = Page(query.order_by(User.active.desc(), Membership.role, User.username), page_number())
    return render_template('accounts/users.html', page=page, q=q)


@bp.route('/new', methods=['GET', 'POST'])
@requires('admin.users')
def new():
    """Create an account with a role on this campus."""
    form = NewUserForm()
    if request.method == 'GET':
        form.password.data = ''
    if form.validate_on_submit():
        user = User(username=form.username.data.strip().lower(), display_name=form.display_name.data.strip(),
                    phone=(form.phone.data or '').strip())
        user.set_password(form.password.data)
        try:
            with write_transaction():
                user.save()
                membership = Membership.create(user=user, campus=g.campus, role=form.role.data)
                log_change('create', user, summary=f'{user.username} ({membership.role})')
        except IntegrityError:  # taken between the check and the insert
            form.username.errors.append(_('The username %(name)s is taken.', name=user.username))
        else:
            flash(_('Created the account %(name)s.', name=user.username), 'success')
            return redirect(url_for('users.index'))
    return render_template('accounts/user_form.html', form=form, user=None,
                           suggestion=suggested_password())


@bp.route('/<int:user_id>', methods=['GET', 'POST'])
@requires('admin.users')
def edit(user_id):
    """Change a person's name, phone and role."""
    user, membership = campus_member(user_id)
    form = UserForm(obj=user)
    if request.method == 'GET':
        form.role.data = membership.role
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != 'admin':
            form.role.errors.append(_('You cannot take away your own administrator role.'))
        else:
            before = {**snapshot(user), 'role': membership.role}
            user.display_name = form.display_name.data.strip()
            user.phone = (form.phone.data or '').strip()
            membership.role = form.role.data
            with write_transaction():
                user.save()
                membership.save()
                log_change('update', user, before=before, summary=f'{user.username} ({membership.role})')
            flash(_('Saved.'), 'success')
            return redirect(url_for('users.edit', user_id=user.id))
    return render_template('accounts/user_form.html', form=form, user=user, reset=ResetPasswordForm(prefix='reset'))


@bp.route('/<int:user_id>/password', methods=['POST'])
@requires('admin.users')
def reset_password(user_id):
    """Set a new password; the person's phones are signed out."""
    user, _membership = campus_member(user_id)
    reset = ResetPasswordForm(prefix='reset')
    if not reset.validate_on_submit():
        form = UserForm(obj=user)
        form.role.data = _membership.role
        return render_template('accounts/user_form.html', form=form, user=user, reset=reset), 400
    user.set_password(reset.password.data)
    with write_transaction():
        user.save()
        log_change('password', user, summary=user.username)
    flash(_('The password of %(name)s was reset; their phones have been signed out.', name=user.username),
          'success')
    return redirect(url_for('users.edit', user_id=user.id))


@bp.route('/<int:user_id>/active', methods=['POST'])
@requires('admin.users')
def set_active(user_id):
    """Deactivate (ending every session at once) or reactivate an account."""
    user, _membership = campus_member(user_id)
    activate = request.form.get('active') == '1'
    if user.id == current_user.id and not activate:
        flash(_('You cannot deactivate your own account.'), 'error')
        return redirect(url_for('users.edit', user_id=user.id))
    before = snapshot(user)
    user.active = activate
    user.session_token = secrets.token_hex(16)  # ends sessions and remember-me cookies
    with write_transaction():
        user.save()
        log_change('activate' if activate else 'deactivate', user, before=before, summary=user.username)
    flash(_('%(name)s can log in again.', name=user.username) if activate
          else _('%(name)s has been deactivated and signed out everywhere.', name=user.username), 'success')
    return redirect(url_for('users.edit', user_id=user.id))
