"""Who is signed in: server-side log-in sessions, flask-login's user loader, and the campus and role of this request.

Every log-in is a UserSession row; flask-login's id (in the session cookie and the remember-me cookie alike) is
"<account session token>.<that row's key>". Log-out deletes the row, so a copied cookie of that log-in stops
working at once; "sign out everywhere" (and a password reset or deactivation) rotates the account's token,
which ends every log-in of that person.
"""
import datetime
import secrets

from flask import g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from peewee import JOIN

from houqin.clock import utcnow
from houqin.db import Compiled, Slot
from houqin.models import Campus, Membership, User, UserSession
from houqin.web import client_address

login_manager = LoginManager()
login_manager.login_view = 'accounts.login'
login_manager.login_message = _l('Please log in to see this page.')
login_manager.login_message_category = 'info'

SESSION_DAYS = 30  # remember-me and the server-side session last as long (phones are shared across shifts)


def load_campus_context():
    """Set g.campus and g.role from the signed-in user's memberships."""
    g.campus, g.role = None, None
    if not current_user.is_authenticated:
        return
    memberships = getattr(current_user._get_current_object(), 'loaded_memberships', None)
    if memberships is None:
        memberships = list(Membership.select(Membership, Campus).join(Campus)
                           .where(Membership.user == current_user.id).order_by(Campus.id))
    chosen = next((m for m in memberships if m.campus_id == session.get('campus_id')), None)
    chosen = chosen or (memberships[0] if memberships else None)
    if chosen:
        g.campus, g.role = chosen.campus, chosen.role
    g.memberships = memberships


# The user and every membership with its campus in one query (load_campus_context needs them next), on every
# signed-in request: its SQL is built once per process.
USER_AND_MEMBERSHIPS = Compiled(lambda: (
    User.select(User, Membership, Campus).join(UserSession, on=(UserSession.user == User.id))
    .switch(User).join(Membership, JOIN.LEFT_OUTER, on=(Membership.user == User.id), attr='membership')
    .join(Campus, JOIN.LEFT_OUTER)
    .where((UserSession.key == Slot('key')) & (UserSession.expires_at > Slot('now'))
           & (User.session_token == Slot('token')) & (User.active == True))  # noqa: E712
    .order_by(Campus.id)))


@login_manager.user_loader
def load_user(login_id):
    """The active user of this log-in: its session row exists and has not expired, and the account's token
    (rotated on reset, deactivation and "sign out everywhere") is the one it was made with."""
    token, _dot, key = (login_id or '').partition('.')
    if not token or not key:
        return None
    rows = USER_AND_MEMBERSHIPS(key=key, now=utcnow(), token=token)
    if not rows:
        return None
    user = rows[0]
    user.login_session_key = key
    user.loaded_memberships = [r.membership for r in rows
                              if getattr(r, 'membership', None) is not None and r.membership.id is not None]
    return user


def start_session(user, remember):
    """Sign this browser in as `user` with a new server-side session; expired ones of the user are dropped."""
    now = utcnow()
    UserSession.delete().where((UserSession.user == user.id) & (UserSession.expires_at <= now)).execute()
    key = secrets.token_hex(16)
    UserSession.create(user=user.id, key=key, address=client_address()[:64],
                       agent=(request.user_agent.string or '')[:200], created_at=now,
                       expires_at=now + datetime.timedelta(days=SESSION_DAYS))
    user.login_session_key = key
    login_user(user, remember=remember, duration=datetime.timedelta(days=SESSION_DAYS))
    session.permanent = True


def end_session():
    """Sign this browser out and end its log-in on the server (its copied cookies stop working too)."""
    key = getattr(current_user, 'login_session_key', None)
    if key:
        UserSession.delete().where(UserSession.key == key).execute()
    logout_user()


def end_all_sessions(user):
    """End every log-in of this person, on every phone: a new account token, and no session rows left."""
    user.session_token = secrets.token_hex(16)
    User.update(session_token=user.session_token).where(User.id == user.id).execute()
    UserSession.delete().where(UserSession.user == user.id).execute()


def open_sessions(user):
    """The person's log-ins that have not ended, newest first."""
    return list(UserSession.select().where((UserSession.user == user.id) & (UserSession.expires_at > utcnow()))
                .order_by(UserSession.created_at.desc()))
