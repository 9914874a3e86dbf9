"""The whole schema in one place. Times are naive UTC; pages show them in the campus time zone."""
import json
import secrets

from flask import current_app, has_app_context
from peewee import (AutoField, BooleanField, CharField, DateField, DateTimeField, DecimalField,
                    DeferredForeignKey, FloatField, ForeignKeyField, IntegerField, Model, TextField, fn)
from werkzeug.security import check_password_hash, generate_password_hash

from houqin import clock
from houqin.clock import utcnow
from houqin.db import database


class JSONField(TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it alike."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


# Kinds and statuses are stored as English keys; labels for people live in houqin/vocab.py.


class Campus(BaseModel):
    """A school; a district office runs several."""
    id = AutoField()
    name = CharField(max_length=100)
    code = CharField(max_length=20, unique=True)
    timezone = CharField(max_length=64, default='Asia/Shanghai')
    allow_anonymous_reports = BooleanField(default=True)
    is_demo = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    board_enabled = BooleanField(default=False)  # the public board (公示) at /board/<code>, without log-in

    def today(self):
        """Today's date in the campus's time zone."""
        return clock.today(clock.zone_name(self))

    @classmethod
    def zone_of(cls, campus_id):
        """The time zone name of a campus, by id."""
        return cls.select(cls.timezone).where(cls.id == campus_id).scalar() or clock.DEFAULT_ZONE


class Place(BaseModel):
    """A node of the place tree: building › floor › room."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='places', on_delete='CASCADE')
    parent = ForeignKeyField('self', null=True, backref='children', on_delete='RESTRICT')
    name = CharField(max_length=100)
    kind = CharField(max_length=20, default='other')
    code = CharField(max_length=30, null=True)
    position = IntegerField(default=0)
    note = TextField(default='')
    created_at = DateTimeField(default=utcnow)
    # Where a patrol checkpoint is (browser location, WGS-84) and how accurate that fix was, in metres.
    latitude = FloatField(null=True)
    longitude = FloatField(null=True)
    location_accuracy = FloatField(null=True)
    # The class whose classroom (or cleaning area) this is: its hygiene scores count for that class.
    school_class = DeferredForeignKey('SchoolClass', null=True, backref='places', on_delete='SET NULL')
    # The office's keeper (部门负责人): a place naming one gets a custody list each term, signed by them.
    keeper = DeferredForeignKey('User', null=True, backref='kept_places', on_delete='SET NULL')

    class Meta:
        indexes = ((('campus', 'code'), True), (('campus', 'parent', 'position'), False))

    def ancestors(self):
        """The places above this one, outermost first (one query, however deep)."""
        return [p for p in self.chain() if p.id != self.id]

    def chain(self):
        """This place and every place above it, outermost first, in one recursive query."""
        return list(Place.raw(
            'WITH RECURSIVE up(id, depth) AS (SELECT id, 0 FROM place WHERE id = %s'
            ' UNION ALL SELECT p.parent_id, up.depth + 1 FROM place p JOIN up ON p.id = up.id'
            ' WHERE p.parent_id IS NOT NULL AND up.depth < 50)'
            ' SELECT place.* FROM place JOIN up ON place.id = up.id ORDER BY up.depth DESC'
            .replace('%s', database.param), self.id))

    def path(self, separator=' › '):
        """The place's location as building › floor › room."""
        return separator.join(p.name for p in self.chain())


class Item(BaseModel):
    """An asset in a place: a desk, a projector, a fire extinguisher."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='items', on_delete='CASCADE')
    place = ForeignKeyField(Place, backref='items', on_delete='RESTRICT')
    kind = CharField(max_length=20, default='other')
    name = CharField(max_length=100)
    asset_number = CharField(max_length=50, null=True)
    custodian = CharField(max_length=50, default='')
    status = CharField(max_length=20, default='in_use')
    purchased_on = DateField(null=True)
    expires_on = DateField(null=True)
    attributes = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'asset_number'), True), (('campus', 'kind'), False))


class Tag(BaseModel):
    """A printed label: an unguessable token pointing at one place or one item."""
    id = AutoField()
    token = CharField(max_length=16, unique=True)
    campus = ForeignKeyField(Campus, backref='tags', on_delete='CASCADE')
    place = ForeignKeyField(Place, null=True, backref='tags', on_delete='CASCADE')
    item = ForeignKeyField(Item, null=True, backref='tags', on_delete='CASCADE')
    status = CharField(max_length=12, default='active')  # active, revoked, unclaimed
    replaced_by = ForeignKeyField('self', null=True, on_delete='SET NULL')
    printed_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    def target(self):
        """('item', Item) or ('place', Place) the label points at, or (None, None)."""
        if self.item_id:
            return 'item', Item.get_or_none(Item.id == self.item_id)
        if self.place_id:
            return 'place', Place.get_or_none(Place.id == self.place_id)
        return None, None


class User(BaseModel):
    """A person who signs in; roles are per campus (Membership)."""
    id = AutoField()
    username = CharField(max_length=50, unique=True)
    display_name = CharField(max_length=50, default='')
    phone = CharField(max_length=30, default='')
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    language = CharField(max_length=10, default='')  # '' = follow the browser
    # Part of the session id: rotating it ends every session and remember-me cookie.
    session_token = CharField(max_length=32, default=lambda: secrets.token_hex(16), index=True)
    created_at = DateTimeField(default=utcnow)

    # flask-login protocol
    is_anonymous = False

    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    # The server-side session (UserSession.key) this object was loaded or signed in with, if any.
    login_session_key = None

    def get_id(self):
        """flask-login's id: the account's session token and this log-in's key (see accounts/sessions.py)."""
        return f'{self.session_token}.{self.login_session_key or ""}'

    def set_password(self, password):
        """Hash and keep a new password; ends the user's other sessions."""
        method = current_app.config.get('PASSWORD_HASH_METHOD', 'scrypt') if has_app_context() else 'scrypt'
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password):
        """True when the password matches."""
        return check_password_hash(self.password_hash, password)

    @property
    def name(self):
        return self.display_name or self.username


class Membership(BaseModel):
    """A user's role on one campus."""
    id = AutoField()
    user = ForeignKeyField(User, backref='memberships', on_delete='CASCADE')
    campus = ForeignKeyField(Campus, backref='memberships', on_delete='CASCADE')
    role = CharField(max_length=12)

    class Meta:
        indexes = ((('user', 'campus'), True),)


class ChecklistTemplate(BaseModel):
    """A versioned form for one activity on one kind of place or item."""
    id = AutoField()
    campus = ForeignKeyField(Campus, null=True, backref='templates', on_delete='CASCADE')  # null: built in
    target_kind = CharField(max_length=20)
    activity = CharField(max_length=20)  # a checklist activity (vocab.ACTIVITY_LABELS)
    name = CharField(max_length=100)
    version = IntegerField(default=1)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    # Scored checklists (卫生检查): a record scores the points of its passed items (answers['score']);
    # pass_mark is the score a record needs; scoring says how a week's records add up: 'sum' or 'mean'.
    pass_mark = FloatField(null=True)
    scoring = CharField(max_length=4, default='sum')


class ChecklistItem(BaseModel):
    """One question of a checklist template."""
    id = AutoField()
    template = ForeignKeyField(ChecklistTemplate, backref='items', on_delete='CASCADE')
    position = IntegerField(default=0)
    label = CharField(max_length=200)
    item_type = CharField(max_length=10, default='pass_fail')  # pass_fail, number, choice, text, photo
    required = BooleanField(default=True)
    min_value = FloatField(null=True)
    max_value = FloatField(null=True)
    unit = CharField(max_length=20, default='')
    choices = JSONField(default=list)
    points = FloatField(default=0)  # what a passed (or answered) item scores; 0: not scored


class Record(BaseModel):
    """One thing someone did at a label."""
    id = AutoField()
    uuid = CharField(max_length=36, unique=True)  # client-generated: a resubmission is a no-op
    campus = ForeignKeyField(Campus, backref='records', on_delete='CASCADE')
    tag = ForeignKeyField(Tag, null=True, backref='records', on_delete='SET NULL')
    place = ForeignKeyField(Place, null=True, backref='records', on_delete='SET NULL')
    item = ForeignKeyField(Item, null=True, backref='records', on_delete='SET NULL')
    activity = CharField(max_length=20)  # a record activity (vocab.RECORD_ACTIVITY_LABELS)
    user = ForeignKeyField(User, null=True, backref='records', on_delete='SET NULL')
    reporter_name = CharField(max_length=50, default='')
    reporter_phone = CharField(max_length=30, default='')
    template = ForeignKeyField(ChecklistTemplate, null=True, on_delete='SET NULL')
    answers = JSONField(default=dict)
    outcome = CharField(max_length=12, default='ok')  # ok, problem
    note = TextField(default='')
    created_at = DateTimeField(default=utcnow, index=True)
    client_time = DateTimeField(null=True)
    latitude = FloatField(null=True)
    longitude = FloatField(null=True)
    accuracy = FloatField(null=True)
    client_address = CharField(max_length=64, default='')  # anonymous reports are rate-limited by it

    class Meta:
        indexes = ((('client_address', 'created_at'), False),
                   (('item', 'created_at', 'id'), False),  # an asset's history (migration 0008)
                   # One activity's records on a campus in a time window: the compliance engine (migration 0009).
                   (('campus', 'activity', 'created_at'), False))


class WorkOrder(BaseModel):
    """A repair from report to verified close."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='work_orders', on_delete='CASCADE')
    year = IntegerField()
    sequence = IntegerField()
    place = ForeignKeyField(Place, null=True, backref='work_orders', on_delete='SET NULL')
    item = ForeignKeyField(Item, null=True, backref='work_orders', on_delete='SET NULL')
    record = ForeignKeyField(Record, null=True, backref='work_orders', on_delete='SET NULL')
    category = CharField(max_length=20, default='other')
    priority = CharField(max_length=10, default='normal')  # urgent, high, normal, low
    hazard = BooleanField(default=False)
    status = CharField(max_length=12, default='reported')
    title = CharField(max_length=200)
    description = TextField(default='')
    reporter = ForeignKeyField(User, null=True, backref='reported_orders', on_delete='SET NULL')
    reporter_name = CharField(max_length=50, default='')
    reporter_phone = CharField(max_length=30, default='')
    assignee = ForeignKeyField(User, null=True, backref='assigned_orders', on_delete='SET NULL')
    follow_secret = CharField(max_length=32, default=lambda: secrets.token_urlsafe(16), unique=True)
    merged_into = ForeignKeyField('self', null=True, on_delete='SET NULL')
    liable_party = CharField(max_length=100, default='')
    compensation = DecimalField(max_digits=10, decimal_places=2, null=True)
    cost = DecimalField(max_digits=10, decimal_places=2, null=True)
    due_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True)
    overdue_notified_at = DateTimeField(null=True)  # the overdue notice goes out once per due time

    class Meta:
        indexes = ((('campus', 'year', 'sequence'), True), (('campus', 'status'), False),
                   # Open orders on an asset, 我的报修, 我的工单 (migration 0008, tests/test_query_plans.py).
                   (('item', 'created_at', 'id'), False), (('reporter', 'created_at'), False),
                   (('assignee', 'status'), False), (('assignee', 'updated_at'), False))  # 0025: finished lately

    @property
    def number(self):
        return f'{self.year}-{self.sequence:04d}'


# A place's own rows (item_id IS NULL), newest first, for the label's page (migration 0008). Partial, because
# PostgreSQL does not take `item_id IS NULL` as an equality that would let a (place, item, time) index give
# the rows in time order.
Record.add_index(Record.index(Record.place, Record.activity, Record.created_at, where=Record.item.is_null()))
Record.add_index(Record.index(Record.place, Record.created_at, Record.id, where=Record.item.is_null()))
WorkOrder.add_index(WorkOrder.index(WorkOrder.place, WorkOrder.created_at, WorkOrder.id,
                                    where=WorkOrder.item.is_null()))
# 我的报修's open orders newest first, and the overdue check's waiting orders by due time (migration 0013).
WorkOrder.add_index(WorkOrder.index(WorkOrder.reporter, WorkOrder.created_at, WorkOrder.id,
                                    where=WorkOrder.closed_at.is_null()))
WorkOrder.add_index(WorkOrder.index(WorkOrder.status, WorkOrder.due_at))


class WorkOrderEvent(BaseModel):
    """One step of a work order: who, when, what, with a note and photos."""
    id = AutoField()
    order = ForeignKeyField(WorkOrder, backref='events', on_delete='CASCADE')
    actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
    actor_name = CharField(max_length=50, default='')
    action = CharField(max_length=20)
    from_status = CharField(max_length=12, default='')
    to_status = CharField(max_length=12, default='')
    note = TextField(default='')
    data = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('actor', 'action'), False),)  # 我的报修's join events (migration 0026)


class Photo(BaseModel):
    """An uploaded photo, stored by content hash outside the web root."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='photos', on_delete='CASCADE')
    sha256 = CharField(max_length=64, index=True)
    content_type = CharField(max_length=20, default='image/jpeg')
    width = IntegerField()
    height = IntegerField()
    size = IntegerField()
    record = ForeignKeyField(Record, null=True, backref='photos', on_delete='CASCADE')
    event = ForeignKeyField(WorkOrderEvent, null=True, backref='photos', on_delete='CASCADE')
    uploaded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('record', 'id'), False),)  # a record's photos in order (migration 0008)


class Route(BaseModel):
    """A patrol route: ordered checkpoints and a shift window."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='routes', on_delete='CASCADE')
    name = CharField(max_length=100)
    shift_start = CharField(max_length=5, default='22:00')
    shift_end = CharField(max_length=5, default='06:00')
    rounds = JSONField(default=list)  # fixed start times ["22:00", "01:00"]; empty: every every_minutes
    grace_minutes = IntegerField(default=15)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    every_minutes = IntegerField(default=120)
    # Rounds on holidays and school breaks (节假日值班护校): {"shift_start", "shift_end", "rounds",
    # "every_minutes", "grace_minutes", "weekdays": [5, 6]}; null: holidays keep the normal rounds.
    holiday_plan = JSONField(null=True)


class RouteStop(BaseModel):
    """One checkpoint of a route, in order."""
    id = AutoField()
    route = ForeignKeyField(Route, backref='stops', on_delete='CASCADE')
    place = ForeignKeyField(Place, on_delete='CASCADE')
    position = IntegerField(default=0)
    walk_minutes = IntegerField(default=0)


class PatrolRun(BaseModel):
    """A guard's run through a route in one round."""
    id = AutoField()
    route = ForeignKeyField(Route, backref='runs', on_delete='CASCADE')
    guard = ForeignKeyField(User, null=True, on_delete='SET NULL')
    round_start = DateTimeField()
    round_end = DateTimeField()
    status = CharField(max_length=12, default='open')  # open, complete, incomplete, missed
    result = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)
    night = DateField(null=True, index=True)  # the campus-local date the shift started
    round_index = IntegerField(default=0)
    holiday = BooleanField(default=False)
    evaluated_at = DateTimeField(null=True)  # missed checkpoints computed and notified, once

    class Meta:
        indexes = ((('route', 'round_start'), True),)


class Outbox(BaseModel):
    """A notification waiting to be delivered."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='outbox', on_delete='CASCADE')
    channel = CharField(max_length=20)
    recipient = CharField(max_length=255, default='')
    subject = CharField(max_length=200, default='')
    body = TextField(default='')
    attempts = IntegerField(default=0)
    last_error = TextField(default='')
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    locked_until = DateTimeField(null=True)
    sent_at = DateTimeField(null=True, index=True)
    created_at = DateTimeField(default=utcnow)
    target = DeferredForeignKey('NotificationChannel', null=True, backref='outbox', on_delete='CASCADE')
    topic = CharField(max_length=20, default='')  # hazard, reported, overdue, done, test
    order = ForeignKeyField(WorkOrder, null=True, backref='notifications', on_delete='SET NULL')
    claimed_by = CharField(max_length=32, null=True)  # the delivery worker holding locked_until
    attempt_log = JSONField(default=list)  # [{"at": ISO time, "error": "..." or ""}], one per attempt


class AuditLog(BaseModel):
    """Who changed what: every admin create, edit and delete."""
    id = AutoField()
    campus = ForeignKeyField(Campus, null=True, on_delete='SET NULL')
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    action = CharField(max_length=20)  # create, update, delete, import, ...
    entity = CharField(max_length=40)  # the table changed
    row_id = IntegerField(null=True)
    summary = CharField(max_length=200, default='')
    before = JSONField(null=True)
    after = JSONField(null=True)
    address = CharField(max_length=64, default='')
    created_at = DateTimeField(default=utcnow, index=True)


class LabelLayout(BaseModel):
    """An admin-added label layout in millimetres (the built-in ones live in houqin/labels/layouts.py)."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='label_layouts', on_delete='CASCADE')
    name = CharField(max_length=60)
    page_width = FloatField()
    page_height = FloatField()
    label_width = FloatField()
    label_height = FloatField()
    columns = IntegerField(default=1)
    rows = IntegerField(default=1)
    margin_left = FloatField(default=0)
    margin_top = FloatField(default=0)
    gap_x = FloatField(default=0)
    gap_y = FloatField(default=0)
    padding = FloatField(default=2)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class RepairCategory(BaseModel):
    """A repair category on one campus and who receives its new orders (keys: houqin.repairs.workflow)."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='repair_categories', on_delete='CASCADE')
    key = CharField(max_length=20)
    assignee = ForeignKeyField(User, null=True, on_delete='SET NULL')
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'key'), True),)


class RepairSettings(BaseModel):
    """Hours from report to due, by priority, for one campus (a hazard is urgent)."""
    id = AutoField()
    campus = ForeignKeyField(Campus, unique=True, on_delete='CASCADE')
    urgent_hours = IntegerField(default=4)
    high_hours = IntegerField(default=24)
    normal_hours = IntegerField(default=72)
    low_hours = IntegerField(default=168)
    updated_at = DateTimeField(default=utcnow)


class WorkOrderCounter(BaseModel):
    """The last work-order number given out on a campus in a year."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    year = IntegerField()
    last = IntegerField(default=0)

    class Meta:
        indexes = ((('campus', 'year'), True),)


class NotificationChannel(BaseModel):
    """Where a campus's notifications go: a group robot webhook, a JSON webhook or e-mail addresses."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='channels', on_delete='CASCADE')
    name = CharField(max_length=60)
    kind = CharField(max_length=10)  # wecom, dingtalk, feishu, webhook, email
    url = CharField(max_length=500, default='')
    secret = CharField(max_length=200, default='')  # DingTalk / Feishu signing secret
    addresses = CharField(max_length=500, default='')  # e-mail: comma-separated
    audience = CharField(max_length=10, default='managers')  # managers, repair, staff, person
    user = ForeignKeyField(User, null=True, on_delete='CASCADE')  # audience 'person'
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


MODELS = [Campus, Place, Item, Tag, User, Membership, ChecklistTemplate, ChecklistItem,
          Record, WorkOrder, WorkOrderEvent, Photo, Route, RouteStop, PatrolRun, Outbox,
          AuditLog, LabelLayout, RepairCategory, RepairSettings, WorkOrderCounter, NotificationChannel]

__all__ = [m.__name__ for m in MODELS] + ['MODELS', 'fn']


# Night patrol (houqin/patrol/): holidays, checkpoint scans, the duty log.

class Holiday(BaseModel):
    """A holiday or school break: patrol routes run their holiday rounds (节假日值班护校) on these nights."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='holidays', on_delete='CASCADE')
    name = CharField(max_length=60)
    starts_on = DateField()
    ends_on = DateField()
    created_at = DateTimeField(default=utcnow)
    # The campus calendar (houqin/routines/): 'holiday', or 'makeup' — a make-up working day (调休上班) that
    # counts as the weekday `counts_as` (Mon=0). Patrol's holiday rounds read the 'holiday' rows only.
    kind = CharField(max_length=10, default='holiday')
    counts_as = IntegerField(null=True)


class PatrolScan(BaseModel):
    """A guard's scan of a checkpoint label: in a round (run and stop set) or outside any round."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    route = ForeignKeyField(Route, null=True, backref='scans', on_delete='SET NULL')
    stop = ForeignKeyField(RouteStop, null=True, backref='scans', on_delete='SET NULL')
    run = ForeignKeyField(PatrolRun, null=True, backref='scans', on_delete='SET NULL')
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')  # the plain patrol record; its location
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)
    client_time = DateTimeField(null=True)
    out_of_order = BooleanField(default=False)
    late = BooleanField(default=False)
    flags = JSONField(default=list)  # [{"code": "burst", ...}]: shown with the scan, never dropped
    anomalies = JSONField(default=list)  # [{"kind": "door_unlocked", "record": id, "order": id or null}]

    class Meta:
        indexes = ((('user', 'created_at'), False), (('campus', 'created_at'), False))


class DutyLog(BaseModel):
    """One entry of the duty log (值班记录): taking over, handing over, an incident, a note."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='duty_log', on_delete='CASCADE')
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    kind = CharField(max_length=12)  # start, handover, incident, note
    body = TextField(default='')
    for_next_shift = BooleanField(default=False)
    night = DateField(index=True)
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)


MODELS.extend([Holiday, PatrolScan, DutyLog])
__all__ += ['Holiday', 'PatrolScan', 'DutyLog']


# Log-in (houqin/accounts/): throttling per username and client address, server-side sessions.

class LoginThrottle(BaseModel):
    """Failed log-ins of one username from one client address, and when its next try may come."""
    id = AutoField()
    username = CharField(max_length=50)
    address = CharField(max_length=64)
    failures = IntegerField(default=0)  # tries counted as failed (a try counts before its password is checked)
    next_try_at = DateTimeField(default=utcnow)
    last_try_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((('username', 'address'), True),)


class UserSession(BaseModel):
    """One log-in of one browser; log-out deletes it, which ends its session and remember-me cookies."""
    id = AutoField()
    user = ForeignKeyField(User, backref='login_sessions', on_delete='CASCADE')
    key = CharField(max_length=64, unique=True)
    address = CharField(max_length=64, default='')
    agent = CharField(max_length=200, default='')
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)


MODELS.extend([LoginThrottle, UserSession])
__all__ += ['LoginThrottle', 'UserSession']


# Routines and the campus calendar (houqin/routines/): what is due where, by whom and when.

class Term(BaseModel):
    """A school term: routines on school days run from its first day to its last."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='terms', on_delete='CASCADE')
    name = CharField(max_length=60)
    starts_on = DateField()
    ends_on = DateField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'starts_on'), False),)


class Routine(BaseModel):
    """What is due (an activity, a checklist), where (a kind of target, a subtree, picked targets), by whom and when."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='routines', on_delete='CASCADE')
    name = CharField(max_length=100)
    activity = CharField(max_length=20)  # any activity: cleaning, inspection, hygiene, greening, ...
    template = ForeignKeyField(ChecklistTemplate, null=True, on_delete='SET NULL')  # null: one tap
    target_type = CharField(max_length=5, default='place')  # place, item
    target_kind = CharField(max_length=20, default='')  # '' with picked targets only
    subtree = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    targets = JSONField(default=list)  # picked place or item ids; empty: every target of the kind (in the subtree)
    role = CharField(max_length=12, default='')  # who does it: a role ('' for none) and/or named people
    people = JSONField(default=list)  # user ids
    schedule = JSONField(default=dict)  # houqin/routines/schedule.py
    calendar = CharField(max_length=12, default='school_days')  # school_days, every_day, holidays
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    retired_at = DateTimeField(null=True)

    class Meta:
        indexes = ((('campus', 'active'), False),)


class RoutineNotice(BaseModel):
    """A missed slot that was notified: one row per (routine, target, window start), so it is told once."""
    id = AutoField()
    routine = ForeignKeyField(Routine, backref='notices', on_delete='CASCADE')
    target_type = CharField(max_length=5)
    target_id = IntegerField()
    window_start = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('routine', 'target_type', 'target_id', 'window_start'), True),
                   # The missed-slot check: which slots of the last days were told (migration 0018).
                   (('routine', 'window_start'), False))


MODELS.extend([Term, Routine, RoutineNotice])
__all__ += ['Term', 'Routine', 'RoutineNotice']


# Stocktake (houqin/assets/): the term-end count of assets by scanning (学期结束时财产清点).

class Stocktake(BaseModel):
    """A count of the assets of a scope (the campus, a subtree, a kind) by named counters, open until signed off."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='stocktakes', on_delete='CASCADE')
    name = CharField(max_length=100)
    scope_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')  # null: the whole campus
    scope_kind = CharField(max_length=20, default='')  # '': every kind of asset
    counters = JSONField(default=list)  # user ids
    status = CharField(max_length=10, default='open')  # open, closed
    opened_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    opened_at = DateTimeField(default=utcnow)
    closed_by = ForeignKeyField(User, null=True, backref='closed_stocktakes', on_delete='SET NULL')
    closed_at = DateTimeField(null=True)
    signed_name = CharField(max_length=50, default='')
    result = JSONField(default=dict)  # the counts at close

    class Meta:
        indexes = ((('campus', 'status'), False),)


class StocktakeLine(BaseModel):
    """One asset in a stocktake: where the register expected it (the snapshot) and where a counter found it."""
    id = AutoField()
    stocktake = ForeignKeyField(Stocktake, backref='lines', on_delete='CASCADE')
    item = ForeignKeyField(Item, on_delete='CASCADE')
    expected_place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    in_scope = BooleanField(default=True)  # False: not in the snapshot, scanned inside the scope all the same
    found_place = ForeignKeyField(Place, null=True, backref='found_lines', on_delete='SET NULL')
    found_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    found_at = DateTimeField(null=True)
    scans = IntegerField(default=0)
    condition = CharField(max_length=10, default='')  # '', good, damaged
    resolution = CharField(max_length=10, default='')  # '', move, borrowed
    order = ForeignKeyField(WorkOrder, null=True, on_delete='SET NULL')  # the repair of a damaged asset

    class Meta:
        indexes = ((('stocktake', 'item'), True), (('stocktake', 'expected_place'), False))


class StocktakeCounter(BaseModel):
    """The room a counter is counting in now (set by scanning the room's label, or chosen once)."""
    id = AutoField()
    stocktake = ForeignKeyField(Stocktake, backref='rooms', on_delete='CASCADE')
    user = ForeignKeyField(User, on_delete='CASCADE')
    room = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('stocktake', 'user'), True),)


class StocktakeOddity(BaseModel):
    """A label scanned in a stocktake that confirms nothing: another campus's, a revoked or a blank label."""
    id = AutoField()
    stocktake = ForeignKeyField(Stocktake, backref='oddities', on_delete='CASCADE')
    token = CharField(max_length=16)
    reason = CharField(max_length=12)  # other_campus, revoked, blank
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)
    settled = CharField(max_length=10, default='')  # '', registered

    class Meta:
        indexes = ((('stocktake', 'token'), True),)


MODELS.extend([Stocktake, StocktakeLine, StocktakeCounter, StocktakeOddity])
__all__ += ['Stocktake', 'StocktakeLine', 'StocktakeCounter', 'StocktakeOddity']
# The canteen's food-safety records (houqin/canteen/): staff and health certificates, food samples kept 48 hours,
# morning health checks, deliveries and suppliers.

class CanteenStaff(BaseModel):
    """A canteen worker (not necessarily an app user): the morning check's roster and a certificate's holder."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='canteen_staff', on_delete='CASCADE')
    name = CharField(max_length=50)
    post = CharField(max_length=50, default='')  # 厨师, 帮厨, 面点, 保洁 …
    phone = CharField(max_length=30, default='')
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    on_roster = BooleanField(default=True)  # expected at the morning check on school days
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'active', 'name'), False),)


class HealthCertificate(BaseModel):
    """A worker's health certificate (健康证); the newest by expiry date is the one that counts."""
    id = AutoField()
    staff = ForeignKeyField(CanteenStaff, backref='certificates', on_delete='CASCADE')
    number = CharField(max_length=50)
    issued_on = DateField()
    expires_on = DateField()
    photo = ForeignKeyField(Photo, null=True, on_delete='SET NULL')
    notified = CharField(max_length=10, default='')  # '', 'expiring', 'expired': the last state told, once each
    created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('staff', 'expires_on'), False),)


class FoodSample(BaseModel):
    """One dish of one meal kept in the sample fridge (留样), due for disposal 48 hours later."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    record = ForeignKeyField(Record, backref='samples', on_delete='CASCADE')
    item = ForeignKeyField(Item, null=True, on_delete='SET NULL')  # the fridge, when its label is an asset's
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    day = DateField()  # the campus-local date of the meal
    meal = CharField(max_length=10)  # breakfast, lunch, dinner, extra
    dish = CharField(max_length=60)
    weight = IntegerField()  # grams
    photo = ForeignKeyField(Photo, null=True, on_delete='SET NULL')
    kept_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    kept_at = DateTimeField()
    dispose_due = DateTimeField()
    disposed_at = DateTimeField(null=True)
    disposed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')

    class Meta:
        indexes = ((('campus', 'day', 'meal'), False), (('campus', 'disposed_at', 'dispose_due'), False))


class MorningCheck(BaseModel):
    """One worker's morning health check (晨检): temperature, symptoms, fit to work or sent home."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')
    staff = ForeignKeyField(CanteenStaff, backref='checks', on_delete='CASCADE')
    day = DateField()
    temperature = FloatField()
    symptoms = JSONField(default=list)  # fever, diarrhoea, cough, hand_wound
    fit = BooleanField()
    note = TextField(default='')
    checked_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    checked_at = DateTimeField()

    class Meta:
        indexes = ((('campus', 'day'), False), (('staff', 'day'), False))


class Supplier(BaseModel):
    """A food supplier and its licence (索证): number and expiry."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    name = CharField(max_length=100)
    licence_number = CharField(max_length=60, default='')
    licence_expires = DateField(null=True)
    contact = CharField(max_length=60, default='')
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'name'), True),)


class Delivery(BaseModel):
    """A delivery checked at the storeroom (验收): who, when, from whom; its lines say what was accepted."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    record = ForeignKeyField(Record, unique=True, on_delete='CASCADE')
    supplier = ForeignKeyField(Supplier, null=True, on_delete='SET NULL')
    supplier_name = CharField(max_length=100)
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    received_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    received_at = DateTimeField()
    refused = IntegerField(default=0)  # how many lines were refused
    note = TextField(default='')

    class Meta:
        indexes = ((('campus', 'received_at'), False),)


class DeliveryLine(BaseModel):
    """One item of a delivery: weight or count, accepted or refused with a reason, temperature when chilled."""
    id = AutoField()
    delivery = ForeignKeyField(Delivery, backref='lines', on_delete='CASCADE')
    position = IntegerField(default=0)
    name = CharField(max_length=60)
    quantity = FloatField()
    unit = CharField(max_length=10, default='kg')
    accepted = BooleanField(default=True)
    reason = CharField(max_length=200, default='')
    temperature = FloatField(null=True)


MODELS.extend([CanteenStaff, HealthCertificate, FoodSample, MorningCheck, Supplier, Delivery, DeliveryLine])
__all__ += ['CanteenStaff', 'HealthCertificate', 'FoodSample', 'MorningCheck', 'Supplier', 'Delivery', 'DeliveryLine']


# Classes (houqin/scores/): which classroom belongs to which class, whose head teacher is whom.

class SchoolClass(BaseModel):
    """A class (班级) of one grade on a campus: 初一(3)班, with its head teacher (班主任) if they have an account."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='classes', on_delete='CASCADE')
    grade = CharField(max_length=20)  # 初一, 三年级: classes are ranked within their grade
    name = CharField(max_length=30)
    head_teacher = ForeignKeyField(User, null=True, backref='head_of', on_delete='SET NULL')
    active = BooleanField(default=True)

    class Meta:
        table_name = 'school_class'
        indexes = ((('campus', 'name'), True),)


MODELS.append(SchoolClass)
__all__ += ['SchoolClass']


# Scrapping (houqin/assets/scrapping.py): a request to scrap an asset (报废单) and its three sign-offs in order —
# the logistics office (总务处), the storekeeper (保管室), the leader (主管领导).

class ScrapRequest(BaseModel):
    """A request to scrap one asset: the reason and photos, who asked and when, and each sign-off (who, when, note)."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='scrap_requests', on_delete='CASCADE')
    item = ForeignKeyField(Item, backref='scrap_requests', on_delete='CASCADE')
    submission_id = CharField(max_length=36, unique=True)  # the form's: a resubmission finds its request
    status = CharField(max_length=10, default='office')  # office, store, leader (waiting for), approved, refused
    reason = TextField()
    photos = JSONField(default=list)  # Photo ids, in the order they were sent
    requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    requested_at = DateTimeField(default=utcnow)
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')  # where the asset was when it was asked for
    office_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    office_at = DateTimeField(null=True)
    office_note = CharField(max_length=500, default='')
    store_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    store_at = DateTimeField(null=True)
    store_note = CharField(max_length=500, default='')
    leader_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    leader_at = DateTimeField(null=True)
    leader_note = CharField(max_length=500, default='')
    refused_step = CharField(max_length=10, default='')  # the step that refused: office, store, leader
    refused_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    refused_at = DateTimeField(null=True)
    refusal = CharField(max_length=500, default='')
    scrapped_on = DateField(null=True)  # the campus-local date the leader approved it

    class Meta:
        indexes = ((('campus', 'status'), False), (('item', 'status'), False), (('campus', 'requested_at'), False))


class Storekeeper(BaseModel):
    """An account named the campus's storekeeper (保管员): confirms scrapping requests after the office."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='storekeepers', on_delete='CASCADE')
    user = ForeignKeyField(User, on_delete='CASCADE')
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'user'), True),)


MODELS.extend([ScrapRequest, Storekeeper])
__all__ += ['ScrapRequest', 'Storekeeper']


# Custody (houqin/assets/custody.py): a class's assets signed over to its head teacher for a term (班级财产责任书).

class CustodyList(BaseModel):
    """What was in a class's (or an office's) rooms at term start, a snapshot signed by its head teacher (or the
    office's keeper): who, when, which device. Exactly one of school_class and office is set."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='custody_lists', on_delete='CASCADE')
    term = ForeignKeyField(Term, null=True, backref='custody_lists', on_delete='SET NULL')
    school_class = ForeignKeyField(SchoolClass, null=True, backref='custody_lists', on_delete='CASCADE')
    office = ForeignKeyField(Place, null=True, backref='custody_lists', on_delete='CASCADE')
    term_name = CharField(max_length=60)  # the term and class as they were: the signed paper keeps its words
    starts_on = DateField()
    ends_on = DateField()
    class_name = CharField(max_length=30)
    revision = IntegerField(default=1)  # bumped when an unsigned list is refreshed: a signature is for what was shown
    generated_at = DateTimeField(default=utcnow)
    signed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    signed_name = CharField(max_length=50, default='')  # the typed name; with the tick it is the signature
    signed_at = DateTimeField(null=True)
    signed_agent = CharField(max_length=200, default='')
    signed_address = CharField(max_length=64, default='')
    office_name = CharField(max_length=100, default='')  # the office as it was named, as class_name for a class

    class Meta:
        indexes = ((('term', 'school_class'), True), (('term', 'office'), True), (('campus', 'term'), False))

    @property
    def holder_name(self):
        """The class or office the list is for, as named when it was made."""
        return self.office_name if self.office_id else self.class_name


class CustodyLine(BaseModel):
    """One asset on a custody list, copied from the register when the list was made (frozen once signed)."""
    id = AutoField()
    custody = ForeignKeyField(CustodyList, backref='lines', on_delete='CASCADE')
    item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
    name = CharField(max_length=100)
    kind = CharField(max_length=20, default='other')
    asset_number = CharField(max_length=50, default='')
    place = ForeignKeyField(Place, null=True, on_delete='SET NULL')
    place_path = CharField(max_length=200, default='')
    order = ForeignKeyField(WorkOrder, null=True, on_delete='SET NULL')  # damage found at term end, charged to the class

    class Meta:
        indexes = ((('custody', 'item'), False),)


MODELS.extend([CustodyList, CustodyLine])
__all__ += ['CustodyList', 'CustodyLine']


# Loans, transfers and off-campus permits (houqin/assets/): 借用, 部门转移, 出门条 and the gate's checks.

class Loan(BaseModel):
    """An asset lent out (借用): to an account or a typed name of a department or class, from a day, due back on
    a day; returned once."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='loans', on_delete='CASCADE')
    item = ForeignKeyField(Item, backref='loans', on_delete='CASCADE')
    borrower = ForeignKeyField(User, null=True, backref='borrowed', on_delete='SET NULL')  # a campus account
    borrower_name = CharField(max_length=50)  # as typed, or the account's name when lent
    borrower_unit = CharField(max_length=50, default='')  # department or class
    lent_on = DateField()  # campus-local dates
    due_on = DateField()
    note = TextField(default='')
    lent_by = ForeignKeyField(User, null=True, backref='lent', on_delete='SET NULL')
    created_at = DateTimeField(default=utcnow)
    returned_at = DateTimeField(null=True)
    returned_by = ForeignKeyField(User, null=True, backref='took_back', on_delete='SET NULL')
    overdue_notified_at = DateTimeField(null=True)  # the overdue notice goes out once per loan
    submission = CharField(max_length=36, unique=True)  # the lend form's id: a double tap lends once

    class Meta:
        indexes = ((('campus', 'returned_at', 'due_on'), False), (('campus', 'lent_on'), False))


# At most one open loan per asset (migration 0020).
Loan.add_index(Loan.index(Loan.item, unique=True, where=Loan.returned_at.is_null(), name='loan_open_item'))


class Transfer(BaseModel):
    """A request to move an asset to another place, department or custodian (部门转移): who asked, who decided."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='transfers', on_delete='CASCADE')
    item = ForeignKeyField(Item, backref='transfers', on_delete='CASCADE')
    from_place = ForeignKeyField(Place, null=True, backref='transfers_out', on_delete='SET NULL')
    to_place = ForeignKeyField(Place, null=True, backref='transfers_in', on_delete='SET NULL')
    from_department = CharField(max_length=50, default='')
    to_department = CharField(max_length=50, default='')
    from_custodian = CharField(max_length=50, default='')
    to_custodian = CharField(max_length=50, default='')
    reason = CharField(max_length=200, default='')
    status = CharField(max_length=10, default='requested')  # requested, approved, refused
    requested_by = ForeignKeyField(User, null=True, backref='transfer_requests', on_delete='SET NULL')
    requested_at = DateTimeField(default=utcnow)
    decided_by = ForeignKeyField(User, null=True, backref='transfer_decisions', on_delete='SET NULL')
    decided_at = DateTimeField(null=True)
    decision_note = CharField(max_length=200, default='')
    submission = CharField(max_length=36, unique=True)  # the request form's id: a double tap asks once

    class Meta:
        indexes = ((('campus', 'status', 'requested_at'), False),)


class GatePermit(BaseModel):
    """An off-campus permit (出门条) for an asset: who takes it out, why, valid from until, issued by; cancellable."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='gate_permits', on_delete='CASCADE')
    item = ForeignKeyField(Item, backref='gate_permits', on_delete='CASCADE')
    carrier_name = CharField(max_length=50)
    carrier_unit = CharField(max_length=50, default='')
    reason = CharField(max_length=200)
    valid_from = DateTimeField()  # naive UTC
    valid_until = DateTimeField()
    issued_by = ForeignKeyField(User, null=True, backref='permits_issued', on_delete='SET NULL')
    issued_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    cancelled_by = ForeignKeyField(User, null=True, backref='permits_cancelled', on_delete='SET NULL')
    submission = CharField(max_length=36, unique=True)

    class Meta:
        indexes = ((('item', 'valid_until'), False), (('campus', 'issued_at'), False))


class GateCheck(BaseModel):
    """A guard's scan of an asset's label at the gate: who, when, allowed out or not, and by which permit."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='gate_checks', on_delete='CASCADE')
    item = ForeignKeyField(Item, backref='gate_checks', on_delete='CASCADE')
    permit = ForeignKeyField(GatePermit, null=True, backref='checks', on_delete='SET NULL')
    user = ForeignKeyField(User, null=True, on_delete='SET NULL')
    checked_at = DateTimeField(default=utcnow)
    allowed = BooleanField()
    key = CharField(max_length=40, unique=True)  # guard, asset and two-minute slot: a reload is one check

    class Meta:
        indexes = ((('campus', 'checked_at'), False),)


MODELS.extend([Loan, Transfer, GatePermit, GateCheck])
__all__ += ['Loan', 'Transfer', 'GatePermit', 'GateCheck']


# Supplies (houqin/assets/supplies.py): the storeroom's stock ledger of consumables (办公用品、作业本): received
# (入库) and issued (领用, signed for), every movement one row, the balance kept on the supply by guarded updates.

class Supply(BaseModel):
    """A consumable the storeroom keeps (A4 纸, 作业本, 粉笔): its unit and the balance on hand."""
    id = AutoField()
    campus = ForeignKeyField(Campus, backref='supplies', on_delete='CASCADE')
    name = CharField(max_length=60)
    category = CharField(max_length=20, default='office')  # office, exercise_book, cleaning, other
    unit = CharField(max_length=10, default='')  # 本, 包, 盒, 支
    balance = IntegerField(default=0)  # on hand: every movement changes it by one guarded update
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((('campus', 'name'), True),)


class SupplyMovement(BaseModel):
    """One receipt (in) or issue (out) of a supply: quantity, from whom or to whom, who handled it, the signature,
    and the balance after it; stored once per submission id."""
    id = AutoField()
    campus = ForeignKeyField(Campus, on_delete='CASCADE')
    supply = ForeignKeyField(Supply, backref='movements', on_delete='CASCADE')
    direction = CharField(max_length=3)  # in, out
    quantity = IntegerField()
    balance_after = IntegerField()
    party = CharField(max_length=60, default='')  # in: the supplier or who brought it; out: the person or class
    recipient = ForeignKeyField(User, null=True, backref='supplies_received', on_delete='SET NULL')  # out: an account
    signed_name = CharField(max_length=50, default='')  # out: the recipient's typed name as signature (领用签字)
    handled_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
    note = CharField(max_length=200, default='')
    submission = CharField(max_length=36, unique=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = 'supply_movement'
        indexes = ((('supply', 'id'), False), (('campus', 'created_at'), False))


MODELS.extend([Supply, SupplyMovement])
__all__ += ['Supply', 'SupplyMovement']
