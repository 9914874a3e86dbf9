"""A label's life: reprinted under a new token (the old one revoked), pre-printed blank, attached on the spot."""
from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import Tag
from houqin.tags import human_code, new_token

MAX_UNCLAIMED_BATCH = 1000


class LabelChangeRefused(Exception):
    """The label is not in a state that allows this change (someone else changed it first)."""


def current_tag(tag):
    """The tag that now stands for a revoked tag's object (following reprints), or the tag itself."""
    seen = {tag.id}
    while tag.status == 'revoked' and tag.replaced_by_id and tag.replaced_by_id not in seen:
        tag = Tag.get_by_id(tag.replaced_by_id)
        seen.add(tag.id)
    return tag


def earlier_tags(tag):
    """The revoked tags this tag replaced, most recent first."""
    found, frontier = [], [tag.id]
    while frontier:
        rows = list(Tag.select().where(Tag.replaced_by.in_(frontier)).order_by(Tag.revoked_at.desc()))
        rows = [r for r in rows if r.id not in {f.id for f in found}]
        found.extend(rows)
        frontier = [r.id for r in rows]
    return found


def reprint(tag):
    """Issue a new token for the tag's object and revoke the old one; returns the new tag."""
    with write_transaction():
        new = Tag.create(token=new_token(), campus=tag.campus_id, place=tag.place_id, item=tag.item_id,
                         status='active')
        before = snapshot(tag)
        changed = (Tag.update(status='revoked', revoked_at=utcnow(), replaced_by=new)
                   .where((Tag.id == tag.id) & (Tag.status == 'active')).execute())
        if not changed:
            raise LabelChangeRefused(tag.token)
        tag = Tag.get_by_id(tag.id)
        log_change('update', tag, before=before,
                   summary=f'{human_code(tag.token)} → {human_code(new.token)}')
        log_change('create', new, summary=human_code(new.token))
    return new


def create_unclaimed(campus, count):
    """Create `count` blank labels to pre-print; each is attached to a place or asset when first scanned."""
    if not 1 <= count <= MAX_UNCLAIMED_BATCH:
        raise ValueError(count)
    with write_transaction():
        tags = [Tag.create(token=new_token(), campus=campus, status='unclaimed') for _ in range(count)]
        log_change('create', tags[0], campus=campus,
                   summary=f'{count} × unclaimed {human_code(tags[0].token)}…{human_code(tags[-1].token)}')
    return tags


def attach(tag, place=None, item=None, retire_others=False):
    """Point an unclaimed tag at a place or an item; optionally revoke the object's other labels."""
    if (place is None) == (item is None):
        raise ValueError('attach to exactly one place or item')
    with write_transaction():
        before = snapshot(tag)
        changed = (Tag.update(status='active', place=place, item=item)
                   .where((Tag.id == tag.id) & (Tag.status == 'unclaimed')).execute())
        if not changed:
            raise LabelChangeRefused(tag.token)
        tag = Tag.get_by_id(tag.id)
        log_change('update', tag, before=before, summary=human_code(tag.token))
        if retire_others:
            same_object = (Tag.item == item) if item is not None else (Tag.place == place)
            for other in Tag.select().where(same_object & (Tag.status == 'active') & (Tag.id != tag.id)):
                other_before = snapshot(other)
                other.status, other.revoked_at, other.replaced_by = 'revoked', utcnow(), tag
                other.save()
                log_change('update', other, before=other_before,
                           summary=f'{human_code(other.token)} → {human_code(tag.token)}')
    return tag
