"""Checklists: versioned forms per kind of place or item and activity — lookup, questions, revisions."""
import functools

from flask_babel import lazy_gettext as _l

from houqin.db import write_transaction
from houqin.models import ChecklistItem, ChecklistTemplate

ITEM_TYPES = {
    'pass_fail': _l('Pass / fail'), 'number': _l('Number'), 'choice': _l('Choice'),
    'text': _l('Text'), 'photo': _l('Photo'),
}
# Kinds that share another kind's checklist when they have none of their own.
KIND_FALLBACK = {'lab': 'function_room', 'hydrant': 'fire_extinguisher'}


def active_template(campus, kind, activity):
    """The checklist in force for a kind and activity: the campus's own version, else the built-in one."""
    for target in (kind, KIND_FALLBACK.get(kind)):
        if target is None:
            continue
        found = (ChecklistTemplate.select()
                 .where((ChecklistTemplate.target_kind == target) & (ChecklistTemplate.activity == activity)
                        & ChecklistTemplate.active
                        & ((ChecklistTemplate.campus == campus) | ChecklistTemplate.campus.is_null()))
                 .order_by(ChecklistTemplate.campus.is_null(), ChecklistTemplate.version.desc()).first())
        if found:
            return found
    return None


def questions(template):
    """The template's items in order (a saved version never changes, so each process reads it once)."""
    key = (template.id, template.version, template.campus_id, template.target_kind, template.activity,
           template.created_at)
    return list(_questions(key))


@functools.lru_cache(maxsize=512)
def _questions(key):
    return tuple(ChecklistItem.select().where(ChecklistItem.template == key[0])
                 .order_by(ChecklistItem.position, ChecklistItem.id))


def revise_template(campus, base, rows, name=None):
    """Save an edited checklist as a new version of the campus's own copy; old records keep theirs.

    rows: [{'label', 'item_type', 'required', 'min_value', 'max_value', 'unit', 'choices'}] in order.
    """
    with write_transaction():
        previous = (ChecklistTemplate.select()
                    .where((ChecklistTemplate.target_kind == base.target_kind)
                           & (ChecklistTemplate.activity == base.activity) & ChecklistTemplate.active
                           & ((ChecklistTemplate.campus == campus) | ChecklistTemplate.campus.is_null())))
        version = max([t.version for t in previous] + [base.version]) + 1
        (ChecklistTemplate.update(active=False)
         .where((ChecklistTemplate.campus == campus) & (ChecklistTemplate.target_kind == base.target_kind)
                & (ChecklistTemplate.activity == base.activity)).execute())
        template = ChecklistTemplate.create(campus=campus, target_kind=base.target_kind, activity=base.activity,
                                            name=name or base.name, version=version)
        for position, row in enumerate(rows):
            ChecklistItem.create(template=template, position=position, **row)
    return template


def campus_templates(campus):
    """The checklists in force on a campus, one per (kind, activity), built-in or the campus's own."""
    rows = (ChecklistTemplate.select()
            .where(ChecklistTemplate.active & ((ChecklistTemplate.campus == campus)
                                               | ChecklistTemplate.campus.is_null())))
    chosen = {}
    for template in rows:
        key = (template.target_kind, template.activity)
        mine = template.campus_id is not None
        if key not in chosen or (mine and chosen[key].campus_id is None) or \
                (mine == (chosen[key].campus_id is not None) and template.version > chosen[key].version):
            chosen[key] = template
    return sorted(chosen.values(), key=lambda t: (t.target_kind, t.activity))
