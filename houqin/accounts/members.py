"""Who works on a campus: its active accounts with their role, for the forms that choose a person."""
from houqin.models import Membership, User


def campus_staff(campus):
    """(user, role) of every active account with a role on this campus, by name."""
    rows = (User.select(User, Membership.role).join(Membership, on=(Membership.user == User.id))
            .where((Membership.campus == campus) & (User.active == True))  # noqa: E712
            .order_by(User.display_name, User.username).objects())
    return [(u, u.role) for u in rows]
