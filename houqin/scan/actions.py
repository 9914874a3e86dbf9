"""What a scan can lead to, by role: the offered actions and what each one stores (no Flask views here)."""
import datetime
from dataclasses import dataclass, field

from flask_babel import gettext as _

from houqin.audit import log_change, snapshot
from houqin.checklists.answers import Answers, check_answers, failure_summary
from houqin.checklists.versions import KIND_FALLBACK, active_template, campus_templates, questions
from houqin.clock import utcnow
from houqin.db import Compiled, Slot, write_transaction
from houqin.models import Place, Record
from houqin.permissions import can
from houqin.photos import PhotoError, prepare_photo
from houqin.repairs.workflow import join_order, report_problem as open_work_order
from houqin.routines.service import routines_at
from houqin.scan.records import client_key, submit_record
from houqin.vocab import CATEGORY_LABELS, RECORD_ACTIVITY_LABELS

# The built-in activities a label page offers by permission alone. Every other activity is data: a checklist for
# the label's kind of place or asset (offered to those who run checks) or a routine covering the label (offered to
# the role or people it names, and to managers).
CHECKLIST_ACTIONS = (
    ('cleaning', 'scan.clean'),
    ('inspection', 'scan.inspect'),
    ('canteen', 'scan.canteen'),
    ('use', 'scan.use'),
)
BUILT_IN = frozenset(a for a, _p in CHECKLIST_ACTIONS)
PREFERRED = {'janitor': 'cleaning', 'canteen': 'canteen', 'teacher': 'report', 'manager': 'inspection',
             'admin': 'inspection', 'inspector': 'inspection'}


# Other areas' links on a label's page (the canteen's 留样 at the sample fridge …): functions
# (campus, target, role, tag) -> [(text, url, main)], registered by create_app, so scan imports no area for them.
LABEL_LINKS = []
# Activities an area records through its own pages (the canteen's 留样, 晨检, 验收): never offered as a checklist or a
# one-tap record here, so a routine for them (a meal's samples) is filled only by the area's own record.
LINKED_ACTIVITIES = set()


def label_links(campus, target, role, tag):
    """Every registered area's links for this label and role."""
    return [link for hook in LABEL_LINKS for link in hook(campus, target, role, tag)]


@dataclass
class Offer:
    """The actions a viewer gets at one label, largest first."""
    checklists: list = field(default_factory=list)   # [(activity, template or None)] the viewer may record
    main: str = ''                                     # an activity key of checklists, or 'report'
    report: bool = False
    history: bool = False


def names_viewer(routine, role, user):
    """True when the routine's role is the viewer's or it names the viewer."""
    return bool((role and routine.role == role)
                or (user is not None and getattr(user, 'id', None) in [int(u) for u in routine.people or ()]))


def offer_for(campus, target, role, user=None):
    """Which actions a role (and person) may take at this label, and which one comes first."""
    offer = Offer(report=can('scan.report', role), history=can('scan.history', role))
    if role is None:
        return offer
    for activity, permission in CHECKLIST_ACTIONS:
        if can(permission, role) and activity not in LINKED_ACTIVITIES:
            template = active_template(campus, target.kind, activity)
            # Cleaning needs no checklist: one tap records it for any place a janitor is sent to.
            if template is not None or (activity == 'cleaning' and isinstance(target, Place)):
                offer.checklists.append((activity, template))
    offered = {a for a, _t in offer.checklists} | LINKED_ACTIVITIES
    covering = [r for r in routines_at(campus, target) if r.activity not in LINKED_ACTIVITIES]
    mine = [r for r in covering if names_viewer(r, role, user)]
    manages = can('routines.manage', role)
    # Routines that name the viewer (or, for managers, any covering routine): their activity, with their checklist.
    for routine in mine + ([r for r in covering if r not in mine] if manages else []):
        if routine.activity not in offered:
            template = routine.template or active_template(campus, target.kind, routine.activity)
            offer.checklists.append((routine.activity, template))
            offered.add(routine.activity)
    # Those who run checks get every other checklist for this kind of place or asset (绿化养护, 宿舍检查, 锅炉检查 …).
    if can('routines.inspect', role):
        for template in kind_templates(campus, target.kind):
            if template.activity not in offered:
                offer.checklists.append((template.activity, template))
                offered.add(template.activity)
    named = [r.activity for r in mine]
    preferred = PREFERRED.get(role)
    if preferred in named:
        offer.main = preferred
    elif named:
        offer.main = named[0]
    elif preferred in offered or (preferred == 'report' and offer.report):
        offer.main = preferred
    elif offer.checklists:
        offer.main = offer.checklists[0][0]
    elif offer.report:
        offer.main = 'report'
    return offer


def kind_templates(campus, kind):
    """The campus's checklists in force for this kind of place or asset (or the kind it falls back to)."""
    kinds = {kind, KIND_FALLBACK.get(kind)}
    return [t for t in campus_templates(campus) if t.target_kind in kinds]


@dataclass
class Outcome:
    """What a submission did: the record, whether it is new, the work order it opened or joined."""
    record: object = None
    created: bool = False
    order: object = None
    errors: dict = field(default_factory=dict)
    repeat_of: object = None   # an earlier sign-off this one repeats: nothing new was stored


REPEAT_MINUTES = 5     # the same person signing off the same place again within this is a repeat, not news
UNDO_SECONDS = 30      # how long a one-tap record can be taken back by the person who made it


def marked_checklist(items, form, files):
    """True when the optional checklist carries something: a failed item, a hazard, a value, a photo."""
    if form.get('checklist') == '1':
        return True
    for item in items:
        raw = (form.get(f'q{item.id}') or '').strip()
        if form.get(f'hazard{item.id}') or (item.item_type == 'pass_fail' and raw == 'fail'):
            return True
        if item.item_type == 'photo':
            upload = files.get(f'q{item.id}')
            if upload is not None and upload.filename:
                return True
        elif item.item_type != 'pass_fail' and raw:
            return True
    return False


def repeated_sign_off(user, target, now=None):
    """The same person's cleaning of this place in the last few minutes, if any."""
    now = now or utcnow()
    return (Record.select().where((Record.user == user) & (Record.place == target) & Record.item.is_null()
                                  & (Record.activity == 'cleaning')
                                  & (Record.created_at > now - datetime.timedelta(minutes=REPEAT_MINUTES)))
            .order_by(Record.created_at.desc()).first())


def record_checklist(submission_id, tag, target, activity, form, files, *, user, client_time=None,
                     address='', note='', template=False):
    """Store a record of any activity (with its checklist, or one tap); failed items open a work order with them.

    template: the checklist the page offered (None for one tap); by default the one in force for the kind."""
    if template is False:
        template = active_template(tag.campus_id, target.kind, activity)
    items = questions(template) if template else []
    # The cleaning checklist is optional: whatever was marked goes with the sign-off, an untouched one is not
    # stored as "all fine".
    filled = form.get('checklist') == '1' if activity != 'cleaning' else marked_checklist(items, form, files)
    if (activity == 'cleaning' and not filled
            and Record.get_or_none(Record.uuid == client_key(submission_id, tag, user, address)) is None):
        earlier = repeated_sign_off(user, target)
        if earlier is not None:
            return Outcome(record=earlier, repeat_of=earlier)
    if filled and activity == 'cleaning' and form.get('checklist') != '1':
        # An item left unmarked is as the form shows it: OK (a phone without the radios' defaults sends nothing).
        form = dict(form.items(), **{f'q{q.id}': 'pass' for q in items
                                     if q.item_type == 'pass_fail' and not form.get(f'q{q.id}')})
    answers = check_answers(items, form, files) if filled else Answers()
    prepared = []
    for item, upload in answers.photo_items:
        try:
            prepared.append(prepare_photo(upload))
        except PhotoError as exc:
            answers.errors[str(item.id)] = str(exc)
    if not answers.ok:
        return Outcome(errors=answers.errors)
    opened = {}

    def open_order(record):
        if answers.failed:
            opened['order'] = report_problem(
                tag.campus, target=target, record=record, hazard=bool(answers.hazards),
                title=_('%(check)s: %(n)d items failed', check=template.name, n=len(answers.failed)),
                description=failure_summary(answers.failed, answers.values), reporter=user,
                photos=list(record.photos))
    record, created = submit_record(
        submission_id, tag, target, activity=activity, user=user, template=template if filled else None,
        answers=answers.stored() if filled else {},
        outcome='problem' if answers.failed else 'ok', note=note[:1000], client_time=client_time,
        client_address=address, photos=prepared, after=open_order)
    return Outcome(record=record, created=created, order=opened.get('order') or first_order(record))


def record_report(submission_id, tag, target, *, title, category, hazard, upload, user=None, name='', phone='',
                  client_time=None, address=''):
    """Store a damage report and open its work order (one per submission, however often it arrives)."""
    errors = {}
    title = (title or '').strip()
    if not title:
        errors['title'] = _('Please say in a few words what is wrong.')
    elif len(title) > 200:
        errors['title'] = _('Please keep it under 200 characters; add details in the note.')
    if category not in CATEGORY_LABELS:
        category = None
    prepared = []
    if upload is not None and upload.filename:
        try:
            prepared.append(prepare_photo(upload))
        except PhotoError as exc:
            errors['photo'] = str(exc)
    if errors:
        return Outcome(errors=errors)
    opened = {}

    def open_order(record):
        opened['order'] = report_problem(tag.campus, target=target, record=record, title=title,
                                         category=category, hazard=hazard, reporter=user, reporter_name=name,
                                         reporter_phone=phone, photos=list(record.photos))
    record, created = submit_record(
        submission_id, tag, target, activity='report', user=user, reporter_name=name[:50], reporter_phone=phone[:30],
        answers={'category': category or '', 'hazard': hazard}, outcome='problem', note=title,
        client_time=client_time, client_address=address, photos=prepared, after=open_order)
    return Outcome(record=record, created=created, order=opened.get('order') or first_order(record))


def join_report(submission_id, tag, target, order, *, upload, user=None, name='', note='', client_time=None,
                address=''):
    """'Same problem': add this reporter (and a photo) to an open work order instead of a new one."""
    prepared = []
    if upload is not None and upload.filename:
        try:
            prepared.append(prepare_photo(upload))
        except PhotoError as exc:
            return Outcome(errors={'photo': str(exc)})

    def join(record):
        join_order(order, reporter=user, reporter_name=name, note=note or record.note, photos=list(record.photos))
    record, created = submit_record(
        submission_id, tag, target, activity='report', user=user, reporter_name=name[:50],
        answers={'joined': order.id}, outcome='problem', note=(note or order.title)[:1000],
        client_time=client_time, client_address=address, photos=prepared, after=join)
    return Outcome(record=record, created=created, order=order)


def report_problem(campus, *, target, **fields):
    """Open a work order for a place or an asset (the repairs module numbers it and notifies)."""
    if isinstance(target, Place):
        return open_work_order(campus, place=target, **fields)
    return open_work_order(campus, item=target, **fields)


def first_order(record):
    """The work order a stored record opened, if any (for answering a resubmission)."""
    return record.work_orders.first() if record is not None else None


def undoable(record, user, now=None):
    """True when this person may still take the record back: theirs, recent, one tap, nothing opened by it."""
    now = now or utcnow()
    return (record is not None and user is not None and record.user_id == user.id
            and record.created_at > now - datetime.timedelta(seconds=UNDO_SECONDS)
            and record.activity in ('cleaning', 'patrol') and not record.work_orders.exists()
            and (record.activity == 'cleaning' or 'anomaly' in (record.answers or {})))


# On every scan page of a cleaner's place: its SQL is built once per process.
MY_LATEST_CLEANING = Compiled(lambda: Record.select().where(
    (Record.user == Slot('user')) & (Record.created_at > Slot('since')) & (Record.activity == 'cleaning')
    & (Record.place == Slot('place')) & Record.item.is_null()).order_by(Record.id.desc()).limit(1))


def latest_undoable(user, *, place=None, scan_id=None, now=None):
    """The person's newest record here that can still be undone: a sign-off at a place or an anomaly at a scan."""
    now = now or utcnow()
    if user is None or not getattr(user, 'is_authenticated', False):
        return None
    since = now - datetime.timedelta(seconds=UNDO_SECONDS)
    if scan_id is not None:
        query = Record.select().where((Record.user == user.id) & (Record.created_at > since)
                                      & (Record.activity == 'patrol'))
        rows = [r for r in query.order_by(Record.id.desc()) if (r.answers or {}).get('scan') == scan_id]
    else:
        rows = MY_LATEST_CLEANING(user=user.id, since=since, place=place)
    record = rows[0] if rows else None
    return record if undoable(record, user, now) else None


def undo_record(record, user, now=None, on_delete=None):
    """Take back a one-tap record (theirs, within UNDO_SECONDS); the audit log keeps what it was. True if done."""
    if not undoable(record, user, now):
        return False
    with write_transaction():
        before = snapshot(record)
        if on_delete is not None:
            on_delete(record)
        gone = Record.delete().where(Record.id == record.id).execute()
        if gone:
            log_change('delete', record, before=before, summary=_('Undone within %(n)d seconds: %(what)s',
                                                                  n=UNDO_SECONDS,
                                                                  what=RECORD_ACTIVITY_LABELS.get(record.activity, '')))
    return bool(gone)
