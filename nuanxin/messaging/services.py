"""Writes of P5, reaching couriers: announcements, the in-app inbox and deliveries through channels.

- `announcement_create/update/delete` work on drafts; `announcement_publish` locks the draft,
  writes one InboxMessage per matching courier and one Delivery per courier (SMS) or robot (WeCom)
  in chunks, and queues the deliveries as background tasks (`core.tasks.enqueue`).
- `delivery_attempt` sends one delivery once: it claims the row under a lock, sends outside the
  transaction, then records the outcome. A retryable failure is tried again later with exponential
  backoff (`deliveries_send_due`, run by `manage.py send_due_deliveries` every minute); after
  `MAX_ATTEMPTS` tries, or a failure that cannot get better, the delivery is `failed` and shows in
  the staff lists, where `delivery_retry` queues it again.

- `staff_notify` writes staff notices (`StaffNotice`): work that reached a staff account (a report
  dispatched to their department, an overdue report escalated to their district, a new report in
  their street's triage queue, a hall item routed to their department). The reports and hall
  services call it inside their own transaction, so nobody is told of a change that rolled back.

Staff services check `permissions.*_policy` (rows outside the actor's area: NotFound); courier
services take the courier's profile and touch only their own rows; staff notices are their
recipient's only (`permissions.staff_notice_scope`).
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.tasks import enqueue
from nuanxin.couriers.models import Company, CourierProfile, WorkerGroup

from .channels import ChannelError, channel_backend
from .models import Announcement, Channel, Delivery, InboxMessage, StaffNotice, WeComRobot
from .permissions import (
    ADD,
    CHANGE,
    DELETE,
    PUBLISH,
    RETRY,
    announcement_policy,
    courier_inbox_scope,
    delivery_policy,
    robot_policy,
    staff_notice_scope,
)
from .wecom import WEBHOOK_URL_INVALID, is_valid_webhook_url

logger = logging.getLogger(__name__)

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
AREA_UNKNOWN = _("No area has this code.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
COMPANY_UNKNOWN = _("No company has this code.")
WORKER_GROUP_UNKNOWN = _("Choose one of the worker groups.")
CHANNEL_UNKNOWN = _("Choose channels among: %(choices)s.")
ANNOUNCEMENT_NOT_DRAFT = _("This announcement has been published and can no longer be changed.")
DELIVERY_NOT_FAILED = _("Only a failed delivery can be retried.")

TITLE_MAX = Announcement._meta.get_field("title").max_length
BODY_MAX = 5000
FAN_OUT_CHUNK = 1000
SEND_CHUNK = 200
# A claimed delivery is not picked up again for this long (the send in flight may still finish).
CLAIM_SECONDS = 600
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 5
# Channels an announcement may choose; the inbox is always used.
EXTERNAL_CHANNELS = (Channel.SMS, Channel.WECOM)


def max_attempts():
    return getattr(settings, "NUANXIN_DELIVERY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


def backoff_seconds(attempts):
    """Wait before try number `attempts + 1`: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


# --- the inbox ---------------------------------------------------------------------------------


def inbox_message_send(*, recipient, title, body, link=""):
    """Put one message in a courier's inbox (replies to needs and letters use this). Returns it."""
    title = str(title)
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return InboxMessage.objects.create(recipient=recipient, title=title, body=str(body), link=link)


def inbox_message_mark_read(*, courier, public_id):
    """Mark one of the courier's own messages read (the first reading time is kept). Raises NotFound."""
    try:
        message = courier_inbox_scope(courier, InboxMessage.objects.all()).get(public_id=public_id)
    except (InboxMessage.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if message.read_at is None:
        now = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now, updated_at=now)
        message.refresh_from_db(fields=["read_at", "updated_at"])
    return message


def inbox_mark_all_read(*, courier):
    """Mark all of the courier's unread messages read. Returns how many changed."""
    now = timezone.now()
    return courier_inbox_scope(courier, InboxMessage.objects.filter(read_at__isnull=True)).update(
        read_at=now, updated_at=now
    )


# --- staff notices -----------------------------------------------------------------------------

STAFF_NOTICE_TITLE_MAX = StaffNotice._meta.get_field("title").max_length
STAFF_NOTICE_URL_MAX = StaffNotice._meta.get_field("url").max_length
STAFF_NOTICE_KEY_MAX = StaffNotice._meta.get_field("dedupe_key").max_length


def in_site_language(text, params=None):
    """`text` (a lazy msgid, optionally a %-template with `params`) rendered in the site's language
    (settings.LANGUAGE_CODE, Simplified Chinese): a notice is stored once, as text, whatever
    language the request that caused it was in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params if params is not None else str(text)


def _clip(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def staff_notify(*, recipients, kind, title, body="", url="", dedupe_key):
    """Write one notice to each active account among `recipients` (users or a queryset of them),
    unless that account already has a notice with this `dedupe_key`: calling again with the same
    key — a retried job, a replayed request — tells nobody twice (the unique constraint on
    (recipient, dedupe_key) stands behind the check under concurrency).

    `title` and `body` are rendered in the site's language (lazy msgids are fine; already formatted
    text should be made with `in_site_language`); `url` is a relative link to the staff page of the
    thing. Runs in the caller's transaction: a change that rolls back tells nobody.
    Returns the ids of the accounts told this time. Raises ValueError for an unknown `kind` or an
    empty `dedupe_key` (programming errors, not user input).
    """
    if kind not in StaffNotice.Kind.values:
        raise ValueError(f"unknown staff notice kind {kind!r}")
    dedupe_key = str(dedupe_key or "")
    if not dedupe_key or len(dedupe_key) > STAFF_NOTICE_KEY_MAX:
        raise ValueError("a staff notice needs a dedupe_key of at most 200 characters")
    wanted = {getattr(recipient, "pk", recipient) for recipient in recipients}
    wanted.discard(None)
    if not wanted:
        return []
    active = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    told = set(
        StaffNotice.objects.filter(recipient_id__in=active, dedupe_key=dedupe_key).values_list(
            "recipient_id", flat=True
        )
    )
    new = sorted(active - told)
    if not new:
        return []
    title = _clip(in_site_language(title).strip(), STAFF_NOTICE_TITLE_MAX)
    body = in_site_language(body or "")
    url = str(url or "")[:STAFF_NOTICE_URL_MAX]
    now = timezone.now()
    StaffNotice.objects.bulk_create(
        [
            StaffNotice(
                recipient_id=recipient_id,
                kind=kind,
                title=title,
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                created_at=now,
                updated_at=now,
            )
            for recipient_id in new
        ],
        ignore_conflicts=True,
    )
    return new


def staff_notice_mark_read(*, actor, public_id):
    """Mark one of the actor's own notices read (the first reading time is kept). Returns it.
    Raises NotFound for another account's notice, a missing one or a malformed id."""
    try:
        notice = staff_notice_scope(actor, StaffNotice.objects.all()).get(public_id=public_id)
    except (StaffNotice.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if notice.read_at is None:
        now = timezone.now()
        StaffNotice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now, updated_at=now)
        notice.refresh_from_db(fields=["read_at", "updated_at"])
    return notice


def staff_notices_mark_all_read(*, actor):
    """Mark all of the actor's unread notices read. Returns how many changed."""
    now = timezone.now()
    return staff_notice_scope(actor, StaffNotice.objects.filter(read_at__isnull=True)).update(
        read_at=now, updated_at=now
    )


# --- announcements -----------------------------------------------------------------------------


class _AreaRow:
    def __init__(self, area):
        self.area = area


def _announcement_input(actor, *, area_code, title, body, company_code, worker_group, channels):
    errors = {}
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if not area_code:
        errors["area_code"] = [FIELD_REQUIRED]
    elif area is None:
        errors["area_code"] = [AREA_UNKNOWN]
    elif not announcement_policy.can(actor, ADD, _AreaRow(area)):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    title = (title or "").strip()
    body = (body or "").strip()
    for field, value, limit in (("title", title, TITLE_MAX), ("body", body, BODY_MAX)):
        if not value:
            errors[field] = [FIELD_REQUIRED]
        elif len(value) > limit:
            errors[field] = [TEXT_TOO_LONG % {"limit": limit}]
    company = None
    if company_code:
        company = Company.objects.filter(code=company_code).first()
        if company is None:
            errors["company_code"] = [COMPANY_UNKNOWN]
    worker_group = worker_group or ""
    if worker_group and worker_group not in WorkerGroup.values:
        errors["worker_group"] = [WORKER_GROUP_UNKNOWN]
    channels = list(dict.fromkeys(channels or []))
    if any(channel not in EXTERNAL_CHANNELS for channel in channels):
        errors["channels"] = [CHANNEL_UNKNOWN % {"choices": ", ".join(EXTERNAL_CHANNELS)}]
    if errors:
        raise ValidationFailed(errors)
    return {
        "area": area,
        "title": title,
        "body": body,
        "company": company,
        "worker_group": worker_group,
        "channels": channels,
    }


def announcement_validate(actor, **arguments):
    """Check an announcement's input as `announcement_create` would, without saving."""
    _announcement_input(actor, **arguments)


_ANNOUNCEMENT_FIELDS = ["area", "title", "body", "company", "worker_group", "channels", "status"]


@transaction.atomic
def announcement_create(
    *, actor, area_code, title, body, company_code=None, worker_group="", channels=(), publish=False
):
    """A draft announcement for the couriers of an area subtree, optionally one company and/or
    worker group; `channels` adds SMS and/or WeCom to the in-app inbox. With `publish=True` it is
    published at once. Raises ValidationFailed."""
    fields = _announcement_input(
        actor,
        area_code=area_code,
        title=title,
        body=body,
        company_code=company_code,
        worker_group=worker_group,
        channels=channels,
    )
    announcement = Announcement.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=announcement,
        changes=snapshot(announcement, fields=_ANNOUNCEMENT_FIELDS),
    )
    if publish:
        announcement = announcement_publish(actor=actor, announcement=announcement)
    return announcement


def _lock_announcement(actor, announcement, action):
    locked = (
        announcement_policy.scope(actor, Announcement.objects.select_for_update(of=("self",)))
        .select_related("area", "company")
        .filter(pk=announcement.pk)
        .first()
    )
    if locked is None or not announcement_policy.can(actor, action, locked):
        raise NotFound()
    return locked


@transaction.atomic
def announcement_update(
    *, actor, announcement, area_code, title, body, company_code=None, worker_group="", channels=()
):
    """Replace a draft's fields. Raises NotFound, Conflict (already published), ValidationFailed."""
    locked = _lock_announcement(actor, announcement, CHANGE)
    if locked.status != Announcement.Status.DRAFT:
        raise Conflict(ANNOUNCEMENT_NOT_DRAFT, code="announcement_published")
    fields = _announcement_input(
        actor,
        area_code=area_code,
        title=title,
        body=body,
        company_code=company_code,
        worker_group=worker_group,
        channels=channels,
    )
    before = snapshot(locked, fields=_ANNOUNCEMENT_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    changes = diff(before, snapshot(locked, fields=_ANNOUNCEMENT_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def announcement_delete(*, actor, announcement):
    """Delete a draft. Raises NotFound, Conflict (published: its messages are out already)."""
    locked = _lock_announcement(actor, announcement, DELETE)
    if locked.status != Announcement.Status.DRAFT:
        raise Conflict(ANNOUNCEMENT_NOT_DRAFT, code="announcement_published")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=locked,
        changes=snapshot(locked, fields=_ANNOUNCEMENT_FIELDS),
    )
    locked.delete()


def announcement_recipients(announcement):
    """The live couriers an announcement reaches: working in its area subtree, of its company and
    worker group when it names them."""
    couriers = CourierProfile.objects.filter(
        work_area__path__startswith=announcement.area.path,
        deleted_at__isnull=True,
        user__is_active=True,
    )
    if announcement.company_id:
        couriers = couriers.filter(company_id=announcement.company_id)
    if announcement.worker_group:
        couriers = couriers.filter(worker_group=announcement.worker_group)
    return couriers


def _chunks(iterator, size):
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def announcement_publish(*, actor, announcement):
    """Publish a draft: inbox messages for every matching courier, deliveries for its channels.

    Rows are written with bulk inserts of FAN_OUT_CHUNK; the deliveries are queued as background
    tasks once the transaction commits. Raises NotFound, Conflict (published already).
    """
    locked = _lock_announcement(actor, announcement, PUBLISH)
    if locked.status != Announcement.Status.DRAFT:
        raise Conflict(ANNOUNCEMENT_NOT_DRAFT, code="announcement_published")
    now = timezone.now()
    wants_sms = Channel.SMS in locked.channels
    recipient_ids = announcement_recipients(locked).order_by("pk").values_list("pk", flat=True)
    count = 0
    for chunk in _chunks(recipient_ids.iterator(chunk_size=FAN_OUT_CHUNK), FAN_OUT_CHUNK):
        InboxMessage.objects.bulk_create(
            [
                InboxMessage(
                    recipient_id=courier_id,
                    announcement=locked,
                    title=locked.title,
                    body=locked.body,
                    created_at=now,
                    updated_at=now,
                )
                for courier_id in chunk
            ],
            ignore_conflicts=True,
        )
        if wants_sms:
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        announcement=locked, channel=Channel.SMS, recipient_id=courier_id, next_attempt_at=now
                    )
                    for courier_id in chunk
                ],
                ignore_conflicts=True,
            )
        count += len(chunk)
    if Channel.WECOM in locked.channels:
        robots = WeComRobot.objects.filter(is_active=True, area__path__startswith=locked.area.path)
        Delivery.objects.bulk_create(
            [
                Delivery(announcement=locked, channel=Channel.WECOM, robot=robot, next_attempt_at=now)
                for robot in robots
            ],
            ignore_conflicts=True,
        )
    locked.status = Announcement.Status.PUBLISHED
    locked.published_at = now
    locked.recipient_count = count
    locked.save(update_fields=["status", "published_at", "recipient_count", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [Announcement.Status.DRAFT, Announcement.Status.PUBLISHED], "recipients": count},
    )
    delivery_ids = Delivery.objects.filter(announcement=locked).order_by("pk").values_list("pk", flat=True)
    for chunk in _chunks(delivery_ids.iterator(chunk_size=SEND_CHUNK), SEND_CHUNK):
        enqueue("nuanxin.messaging.tasks.deliveries_send", delivery_ids=chunk)
    return locked


# --- deliveries --------------------------------------------------------------------------------


def _due(now):
    return Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def delivery_attempt(*, delivery_id, now=None):
    """Try one delivery once, if it is pending and due. Returns the delivery, or None when there was
    nothing to do (sent, failed, not due yet, or claimed by another worker). Never raises for a
    channel failure: the failure is recorded on the row."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("announcement__area", "recipient", "robot")
            .filter(_due(now), pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + datetime.timedelta(seconds=CLAIM_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])

    # The send happens outside any transaction: no row lock is held while waiting on the network.
    try:
        provider_message_id = channel_backend(delivery.channel).send(delivery)
    except ChannelError as exc:
        error, retryable = str(exc), exc.retryable
    except Exception as exc:  # a bug or an unexpected library error: record it, try again later
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        error, retryable = f"{exc.__class__.__name__}: {exc}", True
    else:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.provider_message_id = str(provider_message_id or "")[:100]
        delivery.last_error = ""
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=["status", "sent_at", "provider_message_id", "last_error", "next_attempt_at"]
        )
        return delivery

    delivery.last_error = error[:500]
    if retryable and delivery.attempts < max_attempts():
        delivery.next_attempt_at = now + datetime.timedelta(seconds=backoff_seconds(delivery.attempts))
    else:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
    logger.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, delivery.last_error)
    return delivery


def deliveries_send(*, delivery_ids, now=None):
    """Attempt each of the deliveries that is due. Returns how many were attempted."""
    return sum(1 for delivery_id in delivery_ids if delivery_attempt(delivery_id=delivery_id, now=now))


def deliveries_send_due(*, now=None, limit=1000):
    """Attempt the pending deliveries whose time has come (first sends and retries). Returns the count."""
    now = now or timezone.now()
    due_ids = list(
        Delivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliveries_send(delivery_ids=due_ids, now=now)


@transaction.atomic
def delivery_retry(*, actor, delivery):
    """Give a failed delivery a fresh set of tries and queue it. Raises NotFound, Conflict (not failed)."""
    locked = (
        delivery_policy.scope(actor, Delivery.objects.select_for_update(of=("self",)))
        .select_related("announcement__area")
        .filter(pk=delivery.pk)
        .first()
    )
    if locked is None or not delivery_policy.can(actor, RETRY, locked):
        raise NotFound()
    if locked.status != Delivery.Status.FAILED:
        raise Conflict(DELIVERY_NOT_FAILED, code="delivery_not_failed")
    previous_attempts = locked.attempts
    locked.status = Delivery.Status.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked.announcement,
        changes={"delivery": locked.pk, "status": ["failed", "pending"], "attempts": [previous_attempts, 0]},
        message=f"retry {locked.get_channel_display()} delivery {locked.pk}: {locked.last_error}",
    )
    enqueue("nuanxin.messaging.tasks.deliveries_send", delivery_ids=[locked.pk])
    return locked


# --- WeCom robots ------------------------------------------------------------------------------


@transaction.atomic
def robot_save(*, actor, robot, area, name, webhook_url, is_active=True):
    """Create (robot=None) or change a WeCom group robot of an area. Raises ValidationFailed, NotFound."""
    errors = {}
    if area is None or not robot_policy.can(actor, ADD if robot is None else CHANGE, _AreaRow(area)):
        errors["area"] = [AREA_OUTSIDE_YOURS]
    name = (name or "").strip()
    if not name:
        errors["name"] = [FIELD_REQUIRED]
    webhook_url = (webhook_url or "").strip()
    if not is_valid_webhook_url(webhook_url):
        errors["webhook_url"] = [WEBHOOK_URL_INVALID]
    if errors:
        raise ValidationFailed(errors)
    if robot is None or robot.pk is None:
        robot = WeComRobot(area=area, name=name, webhook_url=webhook_url, is_active=is_active)
        robot.save()
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=robot, changes={"name": name})
        return robot
    locked = (
        robot_policy.scope(actor, WeComRobot.objects.select_for_update(of=("self",)))
        .filter(pk=robot.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    before = snapshot(locked, fields=["area", "name", "is_active"])
    url_changed = locked.webhook_url != webhook_url
    locked.area, locked.name, locked.webhook_url, locked.is_active = area, name, webhook_url, is_active
    locked.save()
    changes = diff(before, snapshot(locked, fields=["area", "name", "is_active"]))
    if url_changed:
        changes["webhook_url"] = ["…", "…"]  # a secret: only the fact that it changed is logged
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def robot_delete(*, actor, robot):
    locked = (
        robot_policy.scope(actor, WeComRobot.objects.select_for_update(of=("self",)))
        .filter(pk=robot.pk)
        .first()
    )
    if locked is None or not robot_policy.can(actor, DELETE, locked):
        raise NotFound()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=locked, changes={"name": locked.name})
    locked.delete()
