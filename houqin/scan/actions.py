"""What a scan can lead to, by role: the offered actions and what each one stores (no Flask views here)."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

from houqin.checklists.answers import Answers, check_answers, failure_summary
from houqin.checklists.versions import active_template, questions
from houqin.models import Place
from houqin.permissions import can
from houqin.photos import PhotoError, prepare_photo
from houqin.repairs.workflow import join_order, report_problem as open_work_order
from houqin.scan.records import submit_record
from houqin.vocab import CATEGORY_LABELS

# Checklist activities a label page offers, the permission each needs, and its button.
CHECKLIST_ACTIONS = (
    ('cleaning', 'scan.clean'),
    ('inspection', 'scan.inspect'),
    ('canteen', 'scan.canteen'),
    ('use', 'scan.use'),
)


@dataclass
class Offer:
    """The actions a viewer gets at one label, largest first."""
    checklists: list = field(default_factory=list)   # [(activity, template)] the viewer may fill in
    main: str = ''                                     # 'cleaning' | 'inspection' | 'canteen' | 'use' | 'report'
    report: bool = False
    history: bool = False


def offer_for(campus, target, role):
    """Which actions a role allows at this label, and which one comes first."""
    offer = Offer(report=can('scan.report', role), history=can('scan.history', role))
    for activity, permission in CHECKLIST_ACTIONS:
        if can(permission, role):
            template = active_template(campus, target.kind, activity)
            # Cleaning needs no checklist: one tap records it for any place a janitor is sent to.
            if template is not None or (activity == 'cleaning' and isinstance(target, Place)):
                offer.checklists.append((activity, template))
    preferred = {'janitor': 'cleaning', 'canteen': 'canteen', 'teacher': 'report', 'manager': 'inspection',
                 'admin': 'inspection'}.get(role)
    offered = [a for a, _t in offer.checklists]
    if preferred in offered or (preferred == 'report' and offer.report):
        offer.main = preferred
    elif offered:
        offer.main = offered[0]
    elif offer.report:
        offer.main = 'report'
    return offer


@dataclass
class Outcome:
    """What a submission did: the record, whether it is new, the work order it opened or joined."""
    record: object = None
    created: bool = False
    order: object = None
    errors: dict = field(default_factory=dict)


def record_checklist(submission_id, tag, target, activity, form, files, *, user, client_time=None,
                     address='', note=''):
    """Store a cleaning, inspection, canteen or use record; failed items open a work order with them."""
    template = active_template(tag.campus_id, target.kind, activity)
    items = questions(template) if template else []
    filled = form.get('checklist') == '1'
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
