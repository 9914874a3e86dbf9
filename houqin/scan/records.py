"""Records: one thing someone did at a label, stored once however often the phone sends it."""
import datetime
import uuid as uuid_module

from flask import current_app
from peewee import IntegrityError, JOIN

from houqin.clock import utcnow
from houqin.db import Compiled, Slot, retry_when_busy, serialize_on, write_transaction
from houqin.models import Place, Record, User
from houqin.photos import save_photo

# Stored record keys live in two namespaces that cannot meet: a client's submission id is stored scoped by
# who sent it and where (so nobody can take or spoil another person's id), and the server's own idempotency
# keys (a guard's checkpoint scan) are derived in a namespace no form can reach.
CLIENT_NAMESPACE = uuid_module.UUID('0b7f3c1e-5a2d-4e8f-9c61-3d4a5b6c7d8e')
SERVER_NAMESPACE = uuid_module.UUID('a93e6d20-1f4b-4c7a-8e35-6b2d9f0c1a47')
EARLIEST_CLIENT_TIME = datetime.datetime(2000, 1, 1)
LATEST_CLIENT_TIME = datetime.datetime(2100, 1, 1)


class TooManyReports(Exception):
    """An anonymous address has sent its hourly number of reports; nothing was stored."""


def new_submission_id():
    """A fresh id for a form: a double tap or a retry sends it again and is stored once."""
    return str(uuid_module.uuid4())


def parse_submission_id(text):
    """The canonical form of a submitted id, or None when it is not a UUID."""
    try:
        return str(uuid_module.UUID((text or '').strip()[:64]))
    except ValueError:
        return None


def parse_client_time(text):
    """The phone's clock as naive UTC from an ISO string (JavaScript's toISOString), or None when absent,
    unreadable or outside 2000–2100."""
    try:
        moment = datetime.datetime.fromisoformat((text or '').strip()[:40].replace('Z', '+00:00'))
        if moment.tzinfo is None:
            return None
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST_CLIENT_TIME <= moment < LATEST_CLIENT_TIME else None


def client_key(submission_id, tag, user, address):
    """The stored key of a client's submission: its id scoped by campus, label and submitter (the user, or the
    address of an anonymous visitor)."""
    who = f'user:{getattr(user, "id", user)}' if user is not None else f'anonymous:{address or ""}'
    return str(uuid_module.uuid5(CLIENT_NAMESPACE, f'{tag.campus_id}|{tag.id}|{who}|{submission_id}'))


def server_key(text):
    """The stored key of a submission the server makes itself (e.g. 'patrol:run:stop:guard')."""
    return str(uuid_module.uuid5(SERVER_NAMESPACE, text))


def submit_record(submission_id, tag, target, *, activity, user=None, server=None, photos=(), after=None,
                  **fields):
    """Store a record once per submission; returns (record, created).

    `submission_id` is the client's id (stored scoped by who sent it, see client_key); a submission the server
    makes passes `server=` its own idempotency key instead. `photos` are PreparedPhoto objects; `after(record)`
    runs in the same transaction (e.g. to open a work order), so a record and its consequences are stored
    together or not at all (and stored again when the database was busy). An anonymous report over
    ANONYMOUS_REPORTS_PER_HOUR raises TooManyReports: counted inside the transaction, one address at a time, so
    simultaneous reports cannot all pass the count.
    """
    if server is not None:
        key = server_key(server)
    else:
        key = client_key(submission_id, tag, user, fields.get('client_address'))
    existing = Record.get_or_none(Record.uuid == key)
    if existing is not None:
        return existing, False
    place, item = (target, None) if isinstance(target, Place) else (None, target)

    def store():
        """The record and what it causes, in one write transaction."""
        with write_transaction():
            if user is None and activity == 'report':
                within_anonymous_limit(fields.get('client_address', ''))
            record = Record.create(uuid=key, campus=tag.campus_id, tag=tag, activity=activity,
                                   place=place if place else item.place_id, item=item, user=user, **fields)
            for prepared in photos:
                save_photo(prepared, tag.campus_id, user, record=record)
            if after is not None:
                after(record)
        return record
    try:
        return retry_when_busy(store), True
    except IntegrityError:
        # The same submission arrived twice at once and the other copy won: answer as it did.
        existing = Record.get_or_none(Record.uuid == key)
        if existing is None:
            raise
        return existing, False


def within_anonymous_limit(address):
    """Inside the storing transaction: refuse (TooManyReports) when this address has used its hourly reports."""
    serialize_on(f'anonymous-reports:{address}')
    if anonymous_reports_since(address) >= current_app.config['ANONYMOUS_REPORTS_PER_HOUR']:
        raise TooManyReports(address)


# The scan page's hot reads: their SQL is built once per process (db.Compiled).
LAST_CLEANED = Compiled(lambda: Record.select(Record.created_at)
                        .where((Record.place == Slot('place')) & (Record.activity == 'cleaning')
                               & (Record.item.is_null()))
                        .order_by(Record.created_at.desc()).limit(1))


def last_cleaned(place):
    """When the place was last cleaned (UTC), or None."""
    rows = LAST_CLEANED(place=place)
    return rows[0].created_at if rows else None


def _recent(where):
    return Compiled(lambda: Record.select(Record.id, Record.created_at, Record.activity, Record.outcome, Record.note,
                                          Record.reporter_name, Record.user, User.username, User.display_name)
                    .join(User, JOIN.LEFT_OUTER, on=(Record.user == User.id))
                    .where(where()).order_by(Record.created_at.desc(), Record.id.desc()).limit(Slot('limit')))


RECENT_ON_ITEM = _recent(lambda: Record.item == Slot('item'))
RECENT_AT_PLACE = _recent(lambda: (Record.place == Slot('place')) & Record.item.is_null())


def recent_records(place=None, item=None, limit=10):
    """The latest records at a place (not its assets) or an asset, newest first, with who made them."""
    if item is not None:
        return RECENT_ON_ITEM(item=item, limit=limit)
    return RECENT_AT_PLACE(place=place, limit=limit)


def anonymous_reports_since(address, minutes=60):
    """How many anonymous reports came from this client address recently."""
    since = utcnow() - datetime.timedelta(minutes=minutes)
    return (Record.select().where((Record.client_address == address) & Record.user.is_null()
                                  & (Record.activity == 'report') & (Record.created_at > since)).count())
