"""The place tree: paths, choices in tree order, subtrees, and the label in use on a place or an item."""
from houqin.models import Place, Tag


def active_tag(place=None, item=None):
    """The label currently in use on a place or an item, if any."""
    where = (Tag.item == item) if item is not None else ((Tag.place == place) & Tag.item.is_null())
    return Tag.select().where(where & (Tag.status == 'active')).order_by(Tag.id.desc()).first()


def place_paths(campus, place_ids):
    """{place id: 'building › floor › room'} for many places with one query."""
    names = {p.id: (p.name, p.parent_id) for p in
             Place.select(Place.id, Place.name, Place.parent).where(Place.campus == campus)}
    paths = {}
    for pid in place_ids:
        chain, node = [], pid
        while node is not None and node in names:
            chain.append(names[node][0])
            node = names[node][1]
        paths[pid] = ' › '.join(reversed(chain))
    return paths


def place_choices(campus):
    """(id, path) for every place of the campus, in tree order, for a select box."""
    rows = list(Place.select(Place.id, Place.name, Place.parent, Place.position)
                .where(Place.campus == campus).order_by(Place.position, Place.name))
    children = {}
    for p in rows:
        children.setdefault(p.parent_id, []).append(p)
    out = []

    def walk(parent_id, prefix):
        for p in children.get(parent_id, []):
            path = f'{prefix} › {p.name}' if prefix else p.name
            out.append((p.id, path))
            walk(p.id, path)
    walk(None, '')
    return out


def descendant_ids(place):
    """The ids of a place and every place below it."""
    found, frontier = {place.id}, [place.id]
    while frontier:
        frontier = [p.id for p in Place.select(Place.id).where(Place.parent.in_(frontier))]
        found.update(frontier)
    return found
