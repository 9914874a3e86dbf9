"""Admin pages for notification channels: WeCom, DingTalk, Feishu, JSON webhook, e-mail; test messages."""
import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from houqin.audit import log_change, snapshot
from houqin.clock import utcnow
from houqin.db import write_transaction
from houqin.models import AuditLog, Membership, NotificationChannel, Outbox, User
from houqin.notify.outbox import AUDIENCES, CHANNEL_KINDS, TOPIC_LABELS, send_test
from houqin.permissions import requires
from houqin.vocab import select_choices
from houqin.web import campus_or_404

bp = Blueprint('notify', __name__, url_prefix='/admin/notify')

EMAIL = re.compile(r'^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$')
HINTS = {
    'wecom': _l('Group chat › ⋯ › Group robots › Add: copy the webhook address (https://qyapi.weixin.qq.com/…).'),
    'dingtalk': _l('Group settings › Bots › Custom: copy the webhook; with "sign" security, also the secret (SEC…).'),
    'feishu': _l('Group settings › Bots › Custom bot: copy the webhook; with signature verification, also the secret.'),
    'webhook': _l('Any address that accepts a JSON POST; with a secret, X-Houqin-Signature carries its HMAC-SHA256.'),
    'email': _l('Addresses separated by commas; the SMTP server is set by the HOUQIN_SMTP_* settings.'),
}


def secret_tail(secret):
    """Enough of a secret to recognise it, not to use it."""
    return ('…' + secret[-4:]) if secret else ''


class ChannelForm(FlaskForm):
    """A channel: its kind and address, the signing secret, and whom it reaches."""

    name = StringField(_l('Name'), validators=[DataRequired(_l('Please enter a name.')), Length(max=60)],
                       description=_l('E.g. 后勤维修群'))
    kind = SelectField(_l('Kind'), choices=select_choices(CHANNEL_KINDS))
    url = StringField(_l('Webhook address'), validators=[Length(max=500)])
    secret = PasswordField(_l('Signing secret'), validators=[Length(max=200)])
    addresses = StringField(_l('E-mail addresses'), validators=[Length(max=500)])
    audience = SelectField(_l('Who reads it'), choices=select_choices(AUDIENCES))
    user = SelectField(_l('Person'), coerce=int, default=0)
    active = BooleanField(_l('Send through this channel'), default=True)

    def __init__(self, *args, channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = (User.select(User.id, User.display_name, User.username).join(Membership)
                  .where((Membership.campus == g.campus) & User.active).order_by(User.display_name))
        self.user.choices = select_choices([(0, '—')] + [(u.id, u.name) for u in people])
        if not isinstance(self.user.data, int):  # from the channel (a User or None), or absent from the form
            self.user.data = getattr(self.user.data, 'id', None) or 0
        self.channel = channel

    def validate_url(self, field):
        url = (field.data or '').strip()
        if self.kind.data != 'email' and not re.match(r'^https?://[^\s/]+', url):
            raise ValidationError(_('Please paste the webhook address, starting with https://.'))

    def validate_addresses(self, field):
        if self.kind.data != 'email':
            return
        addresses = [a.strip() for a in (field.data or '').replace(';', ',').split(',') if a.strip()]
        if not addresses:
            raise ValidationError(_('Please enter at least one e-mail address.'))
        bad = [a for a in addresses if not EMAIL.match(a)]
        if bad:
            raise ValidationError(_('Not an e-mail address: %(text)s', text=', '.join(bad)))

    def validate_user(self, field):
        if self.audience.data == 'person' and not field.data:
            raise ValidationError(_('Please choose the person.'))


def apply_form(form, channel):
    """Copy the form onto a channel; a blank secret keeps the one saved before."""
    channel.name = form.name.data.strip()
    channel.kind = form.kind.data
    channel.url = (form.url.data or '').strip() if form.kind.data != 'email' else ''
    if form.secret.data:
        channel.secret = form.secret.data.strip()
    channel.addresses = ', '.join(a.strip() for a in (form.addresses.data or '').replace(';', ',').split(',')
                                  if a.strip()) if form.kind.data == 'email' else ''
    channel.audience = form.audience.data
    channel.user = form.user.data if form.audience.data == 'person' else None
    channel.active = form.active.data
    channel.updated_at = utcnow()


def recent_deliveries(channel=None, limit=30):
    """The newest outbox rows of the campus (or one channel), with their attempts."""
    query = Outbox.select().where(Outbox.campus == g.campus)
    if channel is not None:
        query = query.where(Outbox.target == channel)
    return list(query.order_by(Outbox.id.desc()).limit(limit))


def safe_snapshot(channel):
    """An audit snapshot without the signing secret."""
    data = snapshot(channel)
    data['secret'] = secret_tail(channel.secret)
    return data


@bp.route('/')
@requires('notify.configure')
def index():
    """The campus's notification channels and the latest deliveries, with errors."""
    channels = list(NotificationChannel.select().where(NotificationChannel.campus == g.campus)
                    .order_by(NotificationChannel.name))
    return render_template('notify/index.html', channels=channels, rows=recent_deliveries(),
                           names={c.id: c.name for c in channels}, kinds=CHANNEL_KINDS, audiences=AUDIENCES,
                           topics=TOPIC_LABELS)


@bp.route('/new', methods=['GET', 'POST'])
@requires('notify.configure')
def new():
    """Add a channel: a group robot, a webhook or e-mail addresses."""
    form = ChannelForm()
    if form.validate_on_submit():
        channel = NotificationChannel(campus=g.campus, created_at=utcnow())
        apply_form(form, channel)
        with write_transaction():
            channel.save()
            log_change('create', channel, summary=channel.name)
            entry_fix(channel)
        flash(_('Added %(name)s. Send a test message to check it.', name=channel.name), 'success')
        return redirect(url_for('notify.edit', channel_id=channel.id))
    return render_template('notify/channel.html', form=form, channel=None, rows=[], hints=HINTS, topics=TOPIC_LABELS,
                           kinds=CHANNEL_KINDS)


def entry_fix(channel):
    """Replace the secret in the channel's newest audit entry by its tail (secrets stay out of the log)."""
    entry = (AuditLog.select().where((AuditLog.entity == 'notification_channel') & (AuditLog.row_id == channel.id))
             .order_by(AuditLog.id.desc()).first())
    if entry is not None and entry.after:
        entry.after = dict(entry.after, secret=secret_tail(channel.secret))
        entry.save()


@bp.route('/<int:channel_id>', methods=['GET', 'POST'])
@requires('notify.configure')
def edit(channel_id):
    """Change a channel; its deliveries, attempts and errors below."""
    channel = campus_or_404(NotificationChannel, channel_id)
    form = ChannelForm(obj=channel, channel=channel)
    if request.method == 'GET':
        form.secret.data = ''
    if form.validate_on_submit():
        before = safe_snapshot(channel)
        apply_form(form, channel)
        with write_transaction():
            channel.save()
            log_change('update', channel, before=before, summary=channel.name)
            entry_fix(channel)
        flash(_('Saved.'), 'success')
        return redirect(url_for('notify.edit', channel_id=channel.id))
    return render_template('notify/channel.html', form=form, channel=channel, rows=recent_deliveries(channel),
                           hints=HINTS, topics=TOPIC_LABELS, kinds=CHANNEL_KINDS,
                           secret_hint=secret_tail(channel.secret))


@bp.route('/<int:channel_id>/test', methods=['POST'])
@requires('notify.configure')
def test(channel_id):
    """Queue a test message; it is sent in the background and its outcome shows below."""
    channel = campus_or_404(NotificationChannel, channel_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not channel.active:
        flash(_('This channel is switched off; tick “Send through this channel” first.'), 'error')
    else:
        send_test(channel)
        flash(_('A test message is on its way; reload this page in a few seconds to see how it went.'), 'success')
    return redirect(url_for('notify.edit', channel_id=channel.id))


@bp.route('/<int:channel_id>/delete', methods=['POST'])
@requires('notify.configure')
def delete(channel_id):
    """Remove a channel and its undelivered messages."""
    channel = campus_or_404(NotificationChannel, channel_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with write_transaction():
        log_change('delete', channel, before=safe_snapshot(channel), summary=channel.name)
        channel.delete_instance()
    flash(_('Deleted %(name)s.', name=channel.name), 'success')
    return redirect(url_for('notify.index'))
