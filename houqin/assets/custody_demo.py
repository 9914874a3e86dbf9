"""The demo school's custody lists: this term's list for every class and for 总务处 (its keeper named),
waiting for the head teachers' and the keeper's signatures."""
from houqin.assets.custody import current_term, generate_lists
from houqin.models import Membership, Place, User

OFFICE_KEEPERS = (('总务处', 'manager'),)  # office: the role of the demo account that keeps it (后勤主任)


def build_custody(campus, today, now):
    """Name the offices' keepers and generate the current term's custody lists from the demo register (none when
    the calendar has no term)."""
    for office, role in OFFICE_KEEPERS:
        keeper = (User.select(User.id).join(Membership).where((Membership.campus == campus) & (Membership.role == role))
                  .first())
        if keeper is not None:
            Place.update(keeper=keeper.id).where((Place.campus == campus) & (Place.name == office)
                                                 & (Place.kind == 'office') & Place.school_class.is_null()).execute()
    term = current_term(campus, today)
    return generate_lists(campus, term, now) if term is not None else None
