"""Which labels to print (a place subtree, a kind, never printed, a hand-picked list), their words, and the printed date."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

from houqin.clock import utcnow
from houqin.labels.compose import LabelContent, compose_label
from houqin.models import Item, Place, Tag
from houqin.places.tree import place_choices
from houqin.tags import normalise_token, payload_plan, qr_matrix
from houqin.vocab import ITEM_KINDS, PLACE_KINDS

# What a selection can ask for besides a kind: every place, every asset, both, or pre-printed blank labels.
SCOPES = ('places', 'items', 'all', 'unclaimed')
PRINTABLE = ('active', 'unclaimed')
CHUNK = 500  # ids per IN (...) query, well under SQLite's parameter limit


@dataclass
class Selection:
    """What to print: a subtree of places, a scope or kind, only never-printed labels, or hand-picked tokens."""
    place_id: int = None
    kind: str = 'places'        # a scope from SCOPES, 'place:<kind>' or 'item:<kind>'
    unprinted: bool = False
    tokens: list = field(default_factory=list)


def parse_kind(value):
    """('places' | 'items' | 'all' | 'unclaimed', kind or None) for a kind value; raises ValueError."""
    value = (value or 'places').strip()
    if value in SCOPES:
        return value, None
    scope, _sep, kind = value.partition(':')
    if scope == 'place' and kind in PLACE_KINDS:
        return 'places', kind
    if scope == 'item' and kind in ITEM_KINDS:
        return 'items', kind
    # A bare kind (the CLI's --kind toilet / fire_extinguisher): places win for the shared 'other'.
    if not kind and value in PLACE_KINDS:
        return 'places', value
    if not kind and value in ITEM_KINDS:
        return 'items', value
    raise ValueError(value)


def subtree_ids(campus, place_id):
    """The ids of a place of the campus and of every place below it (one query for the whole campus)."""
    children = {}
    for pid, parent in Place.select(Place.id, Place.parent).where(Place.campus == campus).tuples():
        children.setdefault(parent, []).append(pid)
    found, frontier = [place_id], [place_id]
    while frontier:
        frontier = [child for pid in frontier for child in children.get(pid, ())]
        found.extend(frontier)
    return found


def chunks(values, size=CHUNK):
    """The values in lists of at most `size`."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def selected_tags(campus, selection):
    """The printable tags a selection names, in place-tree order, with their place or item loaded."""
    base = Tag.select().where((Tag.campus == campus) & Tag.status.in_(PRINTABLE))
    if selection.unprinted:
        base = base.where(Tag.printed_at.is_null())
    if selection.tokens:
        tokens = [t for t in (normalise_token(t) for t in selection.tokens) if t]
        tags = [tag for part in chunks(dict.fromkeys(tokens)) for tag in base.where(Tag.token.in_(part))]
    else:
        scope, kind = parse_kind(selection.kind)
        if scope == 'unclaimed':
            tags = list(base.where(Tag.status == 'unclaimed').order_by(Tag.id))
        else:
            tags = []
            subtree = subtree_ids(campus, selection.place_id) if selection.place_id else None
            if scope in ('places', 'all'):
                query = base.join(Place, on=(Tag.place == Place.id)).where(Tag.status == 'active')
                if kind:
                    query = query.where(Place.kind == kind)
                tags += filter_in(query, Place.id, subtree)
            if scope in ('items', 'all'):
                query = base.join(Item, on=(Tag.item == Item.id)).where(Tag.status == 'active')
                if kind:
                    query = query.where(Item.kind == kind)
                tags += filter_in(query, Item.place, subtree)
    return in_tree_order(campus, tags)


def filter_in(query, column, ids):
    """Rows of a query whose column is in ids (all rows when ids is None), in chunks."""
    if ids is None:
        return list(query)
    return [row for part in chunks(ids) for row in query.where(column.in_(part))]


def in_tree_order(campus, tags):
    """Tags sorted as the place tree reads: building, floor, room; a room's own label before its assets."""
    items = {}
    item_ids = [t.item_id for t in tags if t.item_id]
    for part in chunks(item_ids):
        for item in Item.select().where(Item.id.in_(part)):
            items[item.id] = item
    order = {pid: i for i, (pid, _path) in enumerate(place_choices(campus))}

    def key(tag):
        if tag.item_id:
            item = items[tag.item_id]
            return (0, order.get(item.place_id, 0), 1, item.kind, item.name, tag.id)
        if tag.place_id:
            return (0, order.get(tag.place_id, 0), 0, '', '', tag.id)
        return (1, 0, 0, '', '', tag.id)
    for tag in tags:
        if tag.item_id:
            tag.item = items[tag.item_id]
    return sorted(tags, key=key)


def label_contents(campus, tags):
    """The words on each tag's label: name, location path (building › floor › room), campus."""
    places = {pid: (name, parent) for pid, name, parent in
              Place.select(Place.id, Place.name, Place.parent).where(Place.campus == campus).tuples()}

    def path(pid):
        chain = []
        while pid is not None and pid in places:
            chain.append(places[pid][0])
            pid = places[pid][1]
        return ' › '.join(reversed(chain))
    contents = []
    for tag in tags:
        if tag.item_id:
            item = tag.item
            name = f'{item.name} {item.asset_number}' if item.asset_number else item.name
            location = path(item.place_id)
        elif tag.place_id:
            name, parent = places.get(tag.place_id, ('', None))
            location = path(parent)
        else:
            name, location = _('Unassigned label'), _('Scan to attach it to a place or asset')
        contents.append(LabelContent(tag.token, name, location, campus.name, tag.id))
    return contents


def compose_labels(layout, contents, base_url, metrics):
    """Compose each label lazily (a generator), so a long batch is drawn as it streams."""
    plan = payload_plan(base_url)
    for content in contents:
        yield compose_label(layout, content, qr_matrix(plan.url(content.token), plan.alphanumeric), metrics)


def mark_printed(contents):
    """Remember that these labels were printed now."""
    now = utcnow()
    for part in chunks(c.tag_id for c in contents if c.tag_id):
        Tag.update(printed_at=now).where(Tag.id.in_(part)).execute()
    return now
