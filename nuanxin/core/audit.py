"""The one way to write the audit log. Call it inside the transaction of the change it records."""

from django.forms.models import model_to_dict

from .models import AuditEntry

# Fields never copied into an audit row, whatever model they sit on.
_SECRET_FIELDS = {"password", "phone_encrypted", "id_number_encrypted", "phone_hash", "token_hash"}


def _label(actor):
    # actor=None is the system itself (a management command, a background task); a request by
    # someone who has not signed in passes AnonymousUser.
    if actor is None:
        return "system"
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return actor.get_username()


def snapshot(instance, fields=None):
    """A JSON-safe dict of an instance's editable fields, secrets left out."""
    data = model_to_dict(instance, fields=fields)
    return {
        key: (str(value) if not isinstance(value, (int, float, bool, type(None), list)) else value)
        for key, value in data.items()
        if key not in _SECRET_FIELDS
    }


def diff(before, after):
    """Changed keys of two snapshots as {field: [old, new]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(*, actor, action, obj, changes=None, message="", area_path="", ip_address=None):
    """Append one audit row for `obj`. Returns the row."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", obj.pk)),
        object_label=str(obj)[:200],
        area_path=area_path or getattr(getattr(obj, "area", None), "path", "") or "",
        changes=changes or {},
        message=str(message)[:255],
        ip_address=ip_address,
    )
