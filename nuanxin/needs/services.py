"""Writes on needs, suggestions and forums. The API, the mobile pages and the admin all call these.

Every service is atomic and writes one audit row. Courier-side services take the courier's
`CourierProfile` (the caller got it from `couriers.permissions.require_courier`); staff-side
services take the acting user and check `permissions.*_policy` — a row outside the actor's area
answers `NotFound`, so other streets' ids cannot be probed. Errors raised: `ValidationFailed`
(422, field messages), `Conflict` (409, a move the workflow does not allow), `NotFound` (404).
Side effect: replies put a message in the courier's in-app inbox (`messaging.services`).
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import STAFF_ROLES, User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import area_scope
from nuanxin.couriers.models import CourierProfile
from nuanxin.messaging.services import inbox_message_send
from nuanxin.stations.models import ResourceItem, ServiceContact, Station

from . import transitions
from .models import Forum, Need, NeedCategory, NeedEvent, Suggestion
from .permissions import ADD, CHANGE, DELETE, REPLY, VIEW, forum_policy, need_policy, suggestion_policy

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CATEGORY_UNKNOWN = _("Choose one of the need categories.")
STATUS_UNKNOWN = _("Choose one of: new, in_progress, answered, closed.")
WORK_STREET_REQUIRED = _("Set your work street in your profile first, so the right street staff see this.")
TRANSITION_NOT_ALLOWED = _("A need cannot move from “%(from_status)s” to “%(to_status)s”.")
NEED_CLOSED = _("This need is closed. Reopen it before replying.")
STATION_UNKNOWN = _("No station has this ID.")
SERVICE_CONTACT_UNKNOWN = _("No service contact has this ID.")
RESOURCE_ITEM_UNKNOWN = _("No resource item has this ID.")
LINK_OUTSIDE_AREA = _("Choose one that serves the need's street: in it, or in the district or city above.")
AREA_UNKNOWN = _("No area has this code.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
COURIER_UNKNOWN = _("No courier of your area has this ID: %(ids)s.")
STAFF_UNKNOWN = _("No active staff account has this user name: %(names)s.")
COURIER_COUNT_TOO_LOW = _("At least the %(count)s registered couriers listed were present.")
DATE_IN_FUTURE = _("A forum record needs a date that has passed.")
NEED_REPLY_TITLE = _("Reply to your need: %(title)s")
SUGGESTION_REPLY_TITLE = _("Reply to your letter: %(subject)s")

TITLE_MAX = Need._meta.get_field("title").max_length
SUBJECT_MAX = Suggestion._meta.get_field("subject").max_length
FORUM_TITLE_MAX = Forum._meta.get_field("title").max_length
LOCATION_MAX = Forum._meta.get_field("location").max_length
LONG_TEXT_MAX = 5000


def _text(errors, field, value, *, limit, required):
    """The stripped text, recording a field error when it is missing or too long."""
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _courier_street(courier):
    if courier.work_area_id is None:
        raise ValidationFailed({"area": [WORK_STREET_REQUIRED]})
    return courier.work_area


def _status_label(value):
    return str(dict(Need.Status.choices).get(value, value))


# --- needs: courier side -----------------------------------------------------------------------


@transaction.atomic
def need_submit(*, courier, category, title, description=""):
    """A courier raises a need. Its area is the courier's work street.

    Raises ValidationFailed (unknown category, missing/too long text, no work street set).
    """
    errors = {}
    if category not in NeedCategory.values:
        errors["category"] = [CATEGORY_UNKNOWN]
    title = _text(errors, "title", title, limit=TITLE_MAX, required=True)
    description = _text(errors, "description", description, limit=LONG_TEXT_MAX, required=False)
    if errors:
        raise ValidationFailed(errors)
    area = _courier_street(courier)
    need = Need.objects.create(
        courier=courier,
        area=area,
        category=category,
        title=title,
        description=description,
        source=Need.Source.COURIER,
    )
    NeedEvent.objects.create(need=need, actor=courier.user, from_status="", to_status=need.status)
    audit_record(actor=courier.user, action=AuditEntry.Action.CREATE, obj=need, changes=snapshot(need))
    return need


# --- needs: staff side -------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    actor,
    area,
    category,
    title,
    description="",
    source=Need.Source.STAFF,
    outreach_visit=None,
    forum=None,
    courier=None,
):
    """Staff record a need learned elsewhere (an outreach visit, a forum, a phone call).

    Raises ValidationFailed (area outside the actor's, bad category or text).
    """
    errors = {}
    if area is None or not need_policy.can(actor, ADD, _AreaRow(area)):
        errors["area"] = [AREA_OUTSIDE_YOURS]
    if category not in NeedCategory.values:
        errors["category"] = [CATEGORY_UNKNOWN]
    title = _text(errors, "title", title, limit=TITLE_MAX, required=True)
    description = _text(errors, "description", description, limit=LONG_TEXT_MAX, required=False)
    if errors:
        raise ValidationFailed(errors)
    need = Need.objects.create(
        area=area,
        category=category,
        title=title,
        description=description,
        source=source,
        outreach_visit=outreach_visit,
        forum=forum,
        courier=courier,
    )
    NeedEvent.objects.create(need=need, actor=actor, from_status="", to_status=need.status)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=need, changes=snapshot(need))
    return need


class _AreaRow:
    """A stand-in row for asking a policy "may the actor act in this area"."""

    def __init__(self, area):
        self.area = area


def _lock_need(actor, need, action):
    """The need re-read under a row lock, after checking the actor may see it and do `action`."""
    locked = (
        need_policy.scope(actor, Need.objects.select_for_update(of=("self",)))
        .select_related("area", "courier")
        .filter(pk=need.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if not need_policy.can(actor, action, locked):
        raise PermissionDenied()
    return locked


@transaction.atomic
def need_transition(*, actor, need, to_status, note=""):
    """Move a need one step of `transitions.TRANSITIONS`, appending a NeedEvent.

    Locks the row, checks the move against the table and the actor's permission for it.
    Raises ValidationFailed (unknown status, note too long), Conflict (a move the table does not
    have, e.g. from closed), NotFound (outside the actor's area), PermissionDenied.
    """
    errors = {}
    if to_status not in Need.Status.values:
        errors["to_status"] = [STATUS_UNKNOWN]
    note = _text(errors, "note", note, limit=LONG_TEXT_MAX, required=False)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_need(actor, need, VIEW)
    permission = transitions.permission_for(locked.status, to_status)
    if permission is None:
        raise Conflict(
            TRANSITION_NOT_ALLOWED,
            field="to_status",
            code="transition_not_allowed",
            params={"from_status": _status_label(locked.status), "to_status": _status_label(to_status)},
        )
    if not need_policy.can(actor, permission, locked):
        raise PermissionDenied()
    from_status = locked.status
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    NeedEvent.objects.create(
        need=locked, actor=actor, from_status=from_status, to_status=to_status, note=note
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [from_status, to_status]},
        message=note,
    )
    return locked


def related_area(need_area, linked_area):
    """True when the linked row serves the need's street: it lies inside it or above it."""
    return need_area.path.startswith(linked_area.path) or linked_area.path.startswith(need_area.path)


def _resolve_links(need, *, station_id, service_contact_id, resource_item_id):
    """The (station, service contact, resource item) rows for the ids, or ValidationFailed."""
    errors = {}
    found = {}
    lookups = (
        ("station_id", station_id, Station.objects.select_related("area"), "public_id", STATION_UNKNOWN),
        (
            "service_contact_id",
            service_contact_id,
            ServiceContact.objects.select_related("area"),
            "pk",
            SERVICE_CONTACT_UNKNOWN,
        ),
        (
            "resource_item_id",
            resource_item_id,
            ResourceItem.objects.select_related("area"),
            "pk",
            RESOURCE_ITEM_UNKNOWN,
        ),
    )
    for field, value, queryset, key, unknown in lookups:
        if value in (None, ""):
            found[field] = None
            continue
        try:
            row = queryset.filter(**{key: value}).first()
        except (ValueError, TypeError):
            row = None
        if row is None:
            errors[field] = [unknown]
        elif not related_area(need.area, row.area):
            errors[field] = [LINK_OUTSIDE_AREA]
        found[field] = row
    if errors:
        raise ValidationFailed(errors)
    return found["station_id"], found["service_contact_id"], found["resource_item_id"]


def _apply_links(locked, station, service_contact, resource_item):
    locked.linked_station = station
    locked.linked_service_contact = service_contact
    locked.linked_resource = resource_item


_LINK_FIELDS = ["linked_station", "linked_service_contact", "linked_resource"]


@transaction.atomic
def need_set_links(*, actor, need, station_id=None, service_contact_id=None, resource_item_id=None):
    """Link the station, service contact and resource item that answer a need (None clears one).

    Raises ValidationFailed (unknown id, or a row serving another street), NotFound.
    """
    locked = _lock_need(actor, need, CHANGE)
    links = _resolve_links(
        locked,
        station_id=station_id,
        service_contact_id=service_contact_id,
        resource_item_id=resource_item_id,
    )
    before = snapshot(locked, fields=_LINK_FIELDS)
    _apply_links(locked, *links)
    locked.save(update_fields=[*_LINK_FIELDS, "updated_at"])
    changes = diff(before, snapshot(locked, fields=_LINK_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def need_reply(*, actor, need, reply, station_id=None, service_contact_id=None, resource_item_id=None):
    """Answer a need: the reply text the courier sees, and what answers it. Moves it to `answered`.

    A reply may be given from new, in progress or answered (a second reply replaces the first);
    not from closed. Raises ValidationFailed (empty reply, bad links), Conflict (closed), NotFound.
    Side effect: an inbox message to the courier who raised the need.
    """
    errors = {}
    reply = _text(errors, "reply", reply, limit=LONG_TEXT_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_need(actor, need, REPLY)
    if locked.status not in transitions.REPLYABLE:
        raise Conflict(NEED_CLOSED, field="reply", code="need_closed")
    links = _resolve_links(
        locked,
        station_id=station_id,
        service_contact_id=service_contact_id,
        resource_item_id=resource_item_id,
    )
    from_status = locked.status
    _apply_links(locked, *links)
    locked.reply = reply
    locked.replied_by = actor
    locked.replied_at = timezone.now()
    locked.status = transitions.ANSWERED
    locked.save(update_fields=[*_LINK_FIELDS, "reply", "replied_by", "replied_at", "status", "updated_at"])
    NeedEvent.objects.create(
        need=locked, actor=actor, from_status=from_status, to_status=transitions.ANSWERED, note=reply
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [from_status, transitions.ANSWERED], "reply": reply},
    )
    if locked.courier_id is not None and locked.courier.deleted_at is None:
        inbox_message_send(
            recipient=locked.courier,
            title=NEED_REPLY_TITLE % {"title": locked.title},
            body=reply,
            link=reverse("mobile_needs:need_detail", args=[locked.public_id]),
        )
    return locked


# --- suggestions -------------------------------------------------------------------------------


@transaction.atomic
def suggestion_submit(*, courier, subject, body):
    """A courier writes to the suggestion box of their work street. Raises ValidationFailed."""
    errors = {}
    subject = _text(errors, "subject", subject, limit=SUBJECT_MAX, required=True)
    body = _text(errors, "body", body, limit=LONG_TEXT_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    area = _courier_street(courier)
    suggestion = Suggestion.objects.create(courier=courier, area=area, subject=subject, body=body)
    audit_record(
        actor=courier.user, action=AuditEntry.Action.CREATE, obj=suggestion, changes=snapshot(suggestion)
    )
    return suggestion


@transaction.atomic
def suggestion_reply(*, actor, suggestion, reply):
    """Staff of the area answer a letter; a second reply replaces the first.

    Raises ValidationFailed (empty reply), NotFound (outside the actor's area).
    Side effect: an inbox message to the courier.
    """
    errors = {}
    reply = _text(errors, "reply", reply, limit=LONG_TEXT_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    locked = (
        suggestion_policy.scope(actor, Suggestion.objects.select_for_update(of=("self",)))
        .select_related("area", "courier")
        .filter(pk=suggestion.pk)
        .first()
    )
    if locked is None or not suggestion_policy.can(actor, REPLY, locked):
        raise NotFound()
    before = snapshot(locked, fields=["status", "reply"])
    locked.reply = reply
    locked.status = Suggestion.Status.REPLIED
    locked.replied_by = actor
    locked.replied_at = timezone.now()
    locked.save(update_fields=["reply", "status", "replied_by", "replied_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes=diff(before, snapshot(locked, fields=["status", "reply"])),
    )
    if locked.courier_id is not None and locked.courier.deleted_at is None:
        inbox_message_send(
            recipient=locked.courier,
            title=SUGGESTION_REPLY_TITLE % {"subject": locked.subject},
            body=reply,
            link=reverse("mobile_needs:suggestion_detail", args=[locked.public_id]),
        )
    return locked


# --- forums ------------------------------------------------------------------------------------

FORUM_FIELDS = ["area", "held_on", "title", "location", "attendees", "courier_count", "outcomes"]


def _forum_input(
    actor,
    *,
    area_code,
    held_on,
    title,
    location,
    attendees,
    courier_count,
    outcomes,
    courier_ids,
    staff_usernames,
):
    """Validate a forum's input into (fields, couriers, staff) or raise ValidationFailed."""
    errors = {}
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if not area_code:
        errors["area_code"] = [FIELD_REQUIRED]
    elif area is None:
        errors["area_code"] = [AREA_UNKNOWN]
    elif not forum_policy.can(actor, ADD, _AreaRow(area)):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    if not isinstance(held_on, datetime.date):
        errors["held_on"] = [FIELD_REQUIRED]
    elif held_on > timezone.localdate():
        errors["held_on"] = [DATE_IN_FUTURE]
    title = _text(errors, "title", title, limit=FORUM_TITLE_MAX, required=True)
    location = _text(errors, "location", location, limit=LOCATION_MAX, required=False)
    attendees = _text(errors, "attendees", attendees, limit=LONG_TEXT_MAX, required=False)
    outcomes = _text(errors, "outcomes", outcomes, limit=LONG_TEXT_MAX, required=False)

    courier_ids = [str(value) for value in dict.fromkeys(courier_ids or [])]
    visible_couriers = area_scope(
        actor, CourierProfile.objects.filter(deleted_at__isnull=True), area_field="work_area"
    )
    couriers = []
    if courier_ids:
        try:
            couriers = list(visible_couriers.filter(public_id__in=courier_ids))
        except (ValueError, TypeError):
            couriers = []
        missing = sorted(set(courier_ids) - {str(courier.public_id) for courier in couriers})
        if missing:
            errors["courier_ids"] = [COURIER_UNKNOWN % {"ids": ", ".join(missing)}]
    staff_usernames = list(dict.fromkeys(staff_usernames or []))
    staff = list(User.objects.filter(username__in=staff_usernames, role__in=STAFF_ROLES, is_active=True))
    missing_staff = sorted(set(staff_usernames) - {user.username for user in staff})
    if missing_staff:
        errors["staff_usernames"] = [STAFF_UNKNOWN % {"names": ", ".join(missing_staff)}]
    if courier_count is None:
        courier_count = len(couriers)
    if courier_count < len(couriers):
        errors["courier_count"] = [COURIER_COUNT_TOO_LOW % {"count": len(couriers)}]
    if errors:
        raise ValidationFailed(errors)
    fields = {
        "area": area,
        "held_on": held_on,
        "title": title,
        "location": location,
        "attendees": attendees,
        "courier_count": courier_count,
        "outcomes": outcomes,
    }
    return fields, couriers, staff


def forum_validate(actor, **arguments):
    """Check a forum's input as `forum_create` would, without saving. Raises ValidationFailed."""
    _forum_input(actor, **arguments)


def _forum_snapshot(forum):
    data = snapshot(forum, fields=FORUM_FIELDS)
    data["couriers"] = sorted(str(value) for value in forum.couriers.values_list("public_id", flat=True))
    data["staff"] = sorted(forum.staff.values_list("username", flat=True))
    return data


@transaction.atomic
def forum_create(
    *,
    actor,
    area_code,
    held_on,
    title,
    location="",
    attendees="",
    courier_count=None,
    outcomes="",
    courier_ids=(),
    staff_usernames=(),
):
    """Record a forum (座谈会). `courier_count` defaults to the number of registered couriers listed.

    Raises ValidationFailed (area outside the actor's, a date to come, unknown couriers or staff,
    a count below the couriers listed).
    """
    fields, couriers, staff = _forum_input(
        actor,
        area_code=area_code,
        held_on=held_on,
        title=title,
        location=location,
        attendees=attendees,
        courier_count=courier_count,
        outcomes=outcomes,
        courier_ids=courier_ids,
        staff_usernames=staff_usernames,
    )
    forum = Forum.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields
    )
    forum.couriers.set(couriers)
    forum.staff.set(staff)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=forum, changes=_forum_snapshot(forum))
    return forum


@transaction.atomic
def forum_update(
    *,
    actor,
    forum,
    area_code,
    held_on,
    title,
    location="",
    attendees="",
    courier_count=None,
    outcomes="",
    courier_ids=(),
    staff_usernames=(),
):
    """Replace a forum record's fields. Raises NotFound (outside the actor's area), ValidationFailed."""
    locked = (
        forum_policy.scope(actor, Forum.objects.select_for_update(of=("self",))).filter(pk=forum.pk).first()
    )
    if locked is None or not forum_policy.can(actor, CHANGE, locked):
        raise NotFound()
    before = _forum_snapshot(locked)
    fields, couriers, staff = _forum_input(
        actor,
        area_code=area_code,
        held_on=held_on,
        title=title,
        location=location,
        attendees=attendees,
        courier_count=courier_count,
        outcomes=outcomes,
        courier_ids=courier_ids,
        staff_usernames=staff_usernames,
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    locked.couriers.set(couriers)
    locked.staff.set(staff)
    changes = diff(before, _forum_snapshot(locked))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def forum_delete(*, actor, forum):
    """Delete a forum record; needs raised at it stay, unlinked. Raises NotFound."""
    locked = (
        forum_policy.scope(actor, Forum.objects.select_for_update(of=("self",))).filter(pk=forum.pk).first()
    )
    if locked is None or not forum_policy.can(actor, DELETE, locked):
        raise NotFound()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=locked, changes=_forum_snapshot(locked))
    locked.delete()
