"""What a ledger is, for the areas that define one: a Ledger of Sheets of Columns, and the LedgerQuery its rows
functions get. An area lists its ledgers in `houqin/<area>/ledgers.py` (importing only foundations and this
module); `houqin/ledgers/catalogue.py` collects them. Rows hold stored values — naive-UTC datetimes, dates,
numbers, text — and the writers (houqin/ledgers/writing.py) turn them into the campus's wall clock, real Excel
dates and formula-safe text, so a rows function never formats a cell itself."""
import dataclasses
import datetime
import typing

from houqin import clock
from houqin.models import Membership, Place, User

COLUMN_TYPES = ('text', 'int', 'decimal', 'date', 'datetime')
FILTERS = ('place', 'routine', 'person')  # what a ledger may honour besides the period


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its header (a lazy translated string), its type (COLUMN_TYPES) and width in characters
    (0: fit the header)."""
    header: typing.Any
    type: str = 'text'
    width: int = 0

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f'unknown column type {self.type!r}')


@dataclasses.dataclass(frozen=True)
class Sheet:
    """One sheet of a ledger: a title, columns, rows(query) -> iterable of tuples (one value per column), and
    count(query) -> how many rows that is, by a plain database count (the export test compares the two)."""
    title: typing.Any
    columns: tuple
    rows: typing.Callable
    count: typing.Callable


@dataclasses.dataclass(frozen=True)
class Ledger:
    """A ledger: its kind (the CLI's and URL's key), Chinese-first title, its sheets — a tuple of Sheet, or a
    function of the query giving them (one sheet per checklist) — and the filters (FILTERS) it honours."""
    kind: str
    title: typing.Any
    sheets: typing.Any
    filters: tuple = ()
    description: typing.Any = ''

    def sheets_for(self, query):
        """The ledger's sheets for a query."""
        return list(self.sheets(query) if callable(self.sheets) else self.sheets)


@dataclasses.dataclass(frozen=True)
class LedgerQuery:
    """What a ledger is asked for: a campus, a period of campus-local dates (first..last, inclusive) and the
    optional filters — a place subtree (place and the ids under it), a routine, a person."""
    campus: typing.Any
    first: datetime.date
    last: datetime.date
    place: typing.Any = None
    place_ids: frozenset = None
    routine: typing.Any = None
    person: typing.Any = None

    @property
    def zone(self):
        return clock.zone_name(self.campus)

    @property
    def bounds(self):
        """(start, end) of the period in naive UTC: local midnight of `first` to local midnight after `last`."""
        return clock.days_bounds(self.first, self.last, self.zone)

    def in_period(self, query, field):
        """The peewee query limited to rows whose `field` (a naive-UTC datetime) lies in the period."""
        start, end = self.bounds
        return query.where((field >= start) & (field < end))

    def at_places(self, query, field):
        """The query limited to rows whose place `field` is in the place filter's subtree (unchanged without)."""
        return query if self.place_ids is None else query.where(field.in_(sorted(self.place_ids)))

    def by_person(self, query, field):
        """The query limited to rows whose user `field` is the person filter (unchanged without)."""
        return query if self.person is None else query.where(field == self.person.id)


BATCH = 2000


def keyset(query, time_field, id_field, size=BATCH):
    """The query's rows in (time, id) order, read `size` at a time by keyset paging: a year's ledger streams in
    flat memory on PostgreSQL too (whose driver would otherwise hold the whole result)."""
    last = None
    while True:
        page = query
        if last is not None:
            page = page.where((time_field > last[0]) | ((time_field == last[0]) & (id_field > last[1])))
        rows = list(page.order_by(time_field, id_field).limit(size))
        yield from rows
        if len(rows) < size:
            return
        tail = rows[-1]
        last = (getattr(tail, time_field.name), getattr(tail, id_field.name))


def chunks(rows, size=500):
    """The rows in lists of at most `size`, for rows whose details are looked up a batch at a time."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Names(dict):
    """{user id: display name}, read once for the campus's members and on demand for anyone else."""

    def __init__(self, campus):
        super().__init__((u.id, u.name) for u in User.select(User.id, User.display_name, User.username)
                         .join(Membership).where(Membership.campus == campus))

    def __missing__(self, user_id):
        if user_id is None:
            return ''
        user = User.get_or_none(User.id == user_id)
        self[user_id] = user.name if user else ''
        return self[user_id]


def place_paths(campus):
    """{place id: 'building › floor › room'} for every place of the campus, with one query."""
    rows = {p.id: (p.name, p.parent_id) for p in Place.select(Place.id, Place.name, Place.parent)
            .where(Place.campus == campus)}
    paths = {}

    def path(pid):
        if pid not in paths:
            name, parent = rows[pid]
            paths[pid] = f'{path(parent)} › {name}' if parent in rows else name
        return paths[pid]
    for pid in rows:
        path(pid)
    return paths
