"""Who is signed in: flask-login's user loader, and the campus and role of this request."""
from flask import g, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from houqin.models import Campus, Membership, User

login_manager = LoginManager()
login_manager.login_view = 'accounts.login'
login_manager.login_message = _l('Please log in to see this page.')
login_manager.login_message_category = 'info'


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
