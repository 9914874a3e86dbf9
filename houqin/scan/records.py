"""Records: one thing someone did at a label, stored once however often the phone sends it."""
import datetime
import uuid as uuid_module

from peewee import IntegrityError, JOIN

from houqin.clock import utcnow
from houqin.db import database
from houqin.models import Place, Record, User
from houqin.photos import save_photo

class DuplicateSubmission(Exception):
    """The submission id belongs to another label or campus: a client bug or a forgery."""


def new_submission_id():
    """A fresh id for a form: a double tap or a retry sends it again and is stored once."""
    return str(uuid_module.uuid4())


def parse_submission_id(text):
    """The canonical form of a submitted id, or None when it is not a UUID."""
    try:
        return str(uuid_module.UUID((text or '').strip()))
    except ValueError:
        return None


def parse_client_time(text):
    """The phone's clock as naive UTC from an ISO string (JavaScript's toISOString), or None."""
    try:
        moment = datetime.datetime.fromisoformat((text or '').strip().replace('Z', '+00:00'))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def submit_record(submission_id, tag, target, *, activity, user=None, photos=(), after=None, **fields):
    """Store a record once per submission id; returns (record, created).

    `photos` are PreparedPhoto objects; `after(record)` runs in the same transaction (e.g. to open a work
    order), so a record and its consequences are stored together or not at all.
    """
    existing = Record.get_or_none(Record.uuid == submission_id)
    if existing is not None:
        return same_submission(existing, tag), False
    place, item = (target, None) if isinstance(target, Place) else (None, target)
    try:
        with database.atomic():
            record = Record.create(uuid=submission_id, campus=tag.campus_id, tag=tag, activity=activity,
                                   place=place if place else item.place_id, item=item, user=user, **fields)
            for prepared in photos:
                save_photo(prepared, tag.campus_id, user, record=record)
            if after is not None:
                after(record)
    except IntegrityError:
        # The same submission arrived twice at once and the other copy won: answer as it did.
        existing = Record.get_or_none(Record.uuid == submission_id)
        if existing is None:
            raise
        return same_submission(existing, tag), False
    return record, True


def same_submission(record, tag):
    """The stored record of a resubmission, if it was made at the same label."""
    if record.tag_id != tag.id:
        raise DuplicateSubmission(record.uuid)
    return record


def last_cleaned(place):
    """When the place was last cleaned (UTC), or None."""
    row = (Record.select(Record.created_at)
           .where((Record.place == place) & (Record.activity == 'cleaning') & (Record.item.is_null()))
           .order_by(Record.created_at.desc()).first())
    return row.created_at if row else None


def recent_records(place=None, item=None, limit=10):
    """The latest records at a place (not its assets) or an asset, newest first, with who made them."""
    where = (Record.item == item) if item is not None else ((Record.place == place) & Record.item.is_null())
    return list(Record.select(Record.id, Record.created_at, Record.activity, Record.outcome, Record.note,
                              Record.reporter_name, Record.user, User.username, User.display_name)
                .join(User, JOIN.LEFT_OUTER, on=(Record.user == User.id))
                .where(where).order_by(Record.created_at.desc(), Record.id.desc()).limit(limit))


def anonymous_reports_since(address, minutes=60):
    """How many anonymous reports came from this client address recently."""
    since = utcnow() - datetime.timedelta(minutes=minutes)
    return (Record.select().where((Record.client_address == address) & Record.user.is_null()
                                  & (Record.activity == 'report') & (Record.created_at > since)).count())
