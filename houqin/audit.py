"""The audit log: who changed what, written in the same transaction as the change."""
from flask import g, has_request_context, request
from flask_login import current_user
from playhouse.shortcuts import model_to_dict

from houqin.models import AuditLog


def snapshot(obj):
    """A JSON-safe copy of a row's own columns, for the before/after of an audit entry."""
    data = model_to_dict(obj, recurse=False)
    return {k: (v if isinstance(v, (int, float, str, bool, type(None), dict, list)) else str(v))
            for k, v in data.items() if k not in ('password_hash', 'session_token')}


def log_change(action, obj, before=None, summary='', campus=None):
    """Write one audit entry for a create, update or delete of obj."""
    user = current_user if has_request_context() and current_user.is_authenticated else None
    campus = campus or (g.get('campus') if has_request_context() else None)
    AuditLog.create(
        campus=campus, user=user, action=action, entity=obj._meta.table_name,
        row_id=obj._pk, summary=summary[:200], before=before,
        after=None if action == 'delete' else snapshot(obj),
        address=(request.remote_addr or '')[:64] if has_request_context() else 'cli')
