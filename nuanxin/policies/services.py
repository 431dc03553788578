"""Writes of S2, the policy library.

- `policy_create/update/delete` work on the policy rows (delete: drafts only);
- `policy_publish` makes a draft visible to couriers;
- `policy_push` sends a published policy to its couriers (optionally one company or worker group)
  through a published `nuanxin.messaging` announcement — the inbox, and SMS/WeCom if asked — whose
  inbox messages link to the policy page;
- `policy_mark_read` writes a courier's read receipt the first time they open a policy.
Staff services check `permissions.policy_policy` (rows outside the actor's area: NotFound).
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area
from nuanxin.messaging.models import InboxMessage
from nuanxin.messaging.services import announcement_create

from .models import Category, Department, Policy, PolicyPush, PolicyRead
from .permissions import ADD, CHANGE, DELETE, PUBLISH, PUSH, policy_policy

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CHOICE_UNKNOWN = _("Choose one of: %(choices)s.")
AREA_UNKNOWN = _("No area has this code.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
URL_INVALID = _("Enter a link starting with http:// or https://.")
DATES_REVERSED = _("The end date must not be before the start date.")
NOT_DRAFT = _("This policy has been published; it can no longer be deleted.")
ALREADY_PUBLISHED = _("This policy has been published already.")
NOT_PUBLISHED = _("Publish the policy before pushing it to couriers.")

_FIELDS = [
    "title",
    "department",
    "issuer",
    "category",
    "summary",
    "body",
    "source_url",
    "effective_from",
    "effective_until",
    "area",
]
_LIMITS = {"title": 100, "issuer": 100, "summary": 300, "body": 20000, "source_url": 300}


def _policy_input(actor, data):
    errors = {}
    cleaned = {}
    for field, limit in _LIMITS.items():
        value = (data.get(field) or "").strip()
        if len(value) > limit:
            errors[field] = [TEXT_TOO_LONG % {"limit": limit}]
        cleaned[field] = value
    for field in ("title", "summary", "body"):
        if not cleaned[field] and field not in errors:
            errors[field] = [FIELD_REQUIRED]
    if cleaned["source_url"] and not cleaned["source_url"].startswith(("http://", "https://")):
        errors["source_url"] = [URL_INVALID]
    for field, choices in (("department", Department), ("category", Category)):
        value = data.get(field) or ""
        if value not in choices.values:
            errors[field] = [CHOICE_UNKNOWN % {"choices": ", ".join(choices.values)}]
        cleaned[field] = value
    cleaned["effective_from"] = data.get("effective_from")
    cleaned["effective_until"] = data.get("effective_until")
    starts, ends = cleaned["effective_from"], cleaned["effective_until"]
    if starts and ends and ends < starts:
        errors["effective_until"] = [DATES_REVERSED]
    area_code = data.get("area_code") or ""
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if not area_code:
        errors["area_code"] = [FIELD_REQUIRED]
    elif area is None:
        errors["area_code"] = [AREA_UNKNOWN]
    elif not object_in_actor_area(actor, area):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    cleaned["area"] = area
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def policy_validate(*, actor, data):
    """Check input as `policy_create` would, without saving. Raises ValidationFailed."""
    _policy_input(actor, data)


@transaction.atomic
def policy_create(*, actor, data, publish=False):
    """A policy (a draft unless `publish`). `data`: title, department, issuer, category, summary,
    body, source_url, effective_from, effective_until, area_code. Raises NotFound, ValidationFailed."""
    if not policy_policy.can(actor, ADD, None):
        raise NotFound()
    policy = Policy.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None, **_policy_input(actor, data)
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=policy, changes=snapshot(policy, _FIELDS))
    if publish:
        policy = policy_publish(actor=actor, policy=policy)
    return policy


def _lock(actor, policy, action):
    locked = (
        policy_policy.scope(actor, Policy.objects.select_for_update(of=("self",)))
        .filter(pk=policy.pk)
        .first()
    )
    if locked is None or not policy_policy.can(actor, action, locked):
        raise NotFound()
    return locked


@transaction.atomic
def policy_update(*, actor, policy, data):
    """Replace a policy's fields (published ones too: a correction shows at once).
    Raises NotFound, ValidationFailed."""
    locked = _lock(actor, policy, CHANGE)
    before = snapshot(locked, _FIELDS)
    for field, value in _policy_input(actor, data).items():
        setattr(locked, field, value)
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes=diff(before, snapshot(locked, _FIELDS)),
    )
    return locked


@transaction.atomic
def policy_delete(*, actor, policy):
    """Delete a draft. Raises NotFound, Conflict (published: couriers may have read it)."""
    locked = _lock(actor, policy, DELETE)
    if locked.status != Policy.Status.DRAFT:
        raise Conflict(NOT_DRAFT, code="policy_published")
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=locked, changes=snapshot(locked, _FIELDS))
    locked.delete()


@transaction.atomic
def policy_publish(*, actor, policy):
    """Show a draft to couriers. Raises NotFound, Conflict (published already)."""
    locked = _lock(actor, policy, PUBLISH)
    if locked.status == Policy.Status.PUBLISHED:
        raise Conflict(ALREADY_PUBLISHED, code="policy_published")
    locked.status = Policy.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [Policy.Status.DRAFT, Policy.Status.PUBLISHED]},
    )
    return locked


def policy_link(policy):
    return reverse("mobile_policies:policy_detail", args=[policy.public_id])


@transaction.atomic
def policy_push(*, actor, policy, area_code=None, company_code=None, worker_group="", channels=()):
    """Push a published policy to the couriers working in `area_code` (default: the policy's area),
    optionally one company and/or worker group, through a published announcement; each inbox
    message links to the policy. Returns the PolicyPush. Raises NotFound, Conflict (a draft),
    ValidationFailed (the announcement's input: area, company, worker group, channels)."""
    locked = _lock(actor, policy, PUSH)
    if locked.status != Policy.Status.PUBLISHED:
        raise Conflict(NOT_PUBLISHED, code="policy_not_published")
    area_code = area_code or locked.area.code
    target = Area.objects.filter(code=area_code).first()
    if target is not None and not target.path.startswith(locked.area.path):
        # A push reaches the policy's own couriers: its area or a part of it.
        raise ValidationFailed({"area_code": [AREA_OUTSIDE_YOURS]})
    announcement = announcement_create(
        actor=actor,
        area_code=area_code,
        title=locked.title,
        body=locked.summary,
        company_code=company_code,
        worker_group=worker_group,
        channels=channels,
        publish=True,
    )
    InboxMessage.objects.filter(announcement=announcement).update(link=policy_link(locked))
    push = PolicyPush.objects.create(
        policy=locked,
        announcement=announcement,
        pushed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        message="pushed",
        changes={"announcement": str(announcement.public_id), "recipients": announcement.recipient_count},
    )
    return push


def policy_mark_read(*, courier, policy):
    """Record the courier's first reading of `policy` (later readings change nothing). Returns the
    receipt. The caller has checked that the courier may read the policy."""
    receipt = PolicyRead.objects.filter(policy=policy, courier=courier).first()
    if receipt is not None:
        return receipt
    try:
        with transaction.atomic():
            return PolicyRead.objects.create(policy=policy, courier=courier)
    except IntegrityError:
        return PolicyRead.objects.get(policy=policy, courier=courier)
