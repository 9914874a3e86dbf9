"""The demo school's custody lists: this term's list for every class, waiting for the head teacher's signature."""
from houqin.assets.custody import current_term, generate_lists


def build_custody(campus, today, now):
    """Generate the current term's custody lists from the demo register (none when the calendar has no term)."""
    term = current_term(campus, today)
    return generate_lists(campus, term, now) if term is not None else None
