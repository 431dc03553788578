"""Writes on events. The API, the mobile pages, the admin and the demo all call these.

Every service is atomic and writes an audit row. Staff-side services take the acting user and ask
`permissions.event_policy`; an event outside the actor's area answers NotFound. Courier-side
services take the courier's CourierProfile (from `couriers.permissions.require_courier`).

Seats: `signup_create`, `signup_cancel`, `event_update` (capacity) and `event_cancel` lock the event
row (`select_for_update`) before counting confirmed sign-ups, so concurrent sign-ups queue on the
lock and the count they see is exact: an event is never overbooked. A courier's second live sign-up
is also refused by a partial unique constraint.

Errors raised: ValidationFailed (422, field messages), Conflict (409: full of rules, e.g. a second
sign-up, an event that has started), PermissionDenied (403), NotFound (404), TicketInvalid /
TicketExpired (400). Side effects: inbox messages to couriers (moved up from the waiting list,
event cancelled, time or place changed — written in the site's language, whoever acted); a service
record (kind "event_attendance") per attendee via nuanxin.care. Reminders before an event are sent
by `reminders.py`.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nuanxin.care.models import ServiceRecord
from nuanxin.care.records import service_record_create
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.images import process_image
from nuanxin.core.models import AuditEntry
from nuanxin.messaging.services import inbox_message_send

from .models import Event, EventKind, EventPhoto, Feedback, Signup
from .permissions import ADD, CHANGE, courier_may_join, event_policy
from .reminders import SHANGHAI, local_time
from .tickets import ticket_read

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
KIND_UNKNOWN = _("Choose one of the event kinds.")
AUDIENCE_UNKNOWN = _("Choose “all” or “area”.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
STATION_OUTSIDE_AREA = _("Choose a station inside the event's area.")
PLACE_REQUIRED = _("Choose a station or enter an address.")
ENDS_BEFORE_START = _("The end must be after the start.")
STARTS_IN_PAST = _("The start must be in the future.")
CAPACITY_RANGE = _("Enter a capacity between 1 and %(limit)s.")
CAPACITY_BELOW_CONFIRMED = _("%(count)s couriers are already confirmed; the capacity cannot be lower.")
EVENT_NOT_EDITABLE = _("A cancelled or closed event cannot be changed.")
EVENT_NOT_DRAFT = _("Only a draft can be published.")
EVENT_ALREADY_CANCELLED = _("This event is already cancelled or closed.")
SIGNUP_NOT_OPEN = _("This event is not open for sign-up.")
SIGNUP_CLOSED = _("Sign-up has closed: the event has started.")
NOT_IN_AUDIENCE = _("This event is for couriers working in %(area)s.")
ALREADY_SIGNED_UP = _("You have already signed up for this event.")
NO_SIGNUP = _("You have not signed up for this event.")
CANCEL_TOO_LATE = _("The event has started; a sign-up can no longer be cancelled.")
TICKET_OTHER_EVENT = _("This ticket is for another event.")
TICKET_NOT_CONFIRMED = _("This sign-up is not confirmed (cancelled or still on the waiting list).")
ALREADY_CHECKED_IN = _("This courier has already checked in.")
CHECK_IN_NOT_OPEN = _("Check-in opens %(hours)s hours before the start.")
EVENT_NOT_RUNNING = _("Check-in and attendance are only possible for a published event.")
SIGNUP_UNKNOWN = _("No confirmed sign-up of this event has this ID: %(ids)s.")
RATING_RANGE = _("Give a rating from 1 to 5.")
FEEDBACK_NOT_ATTENDED = _("Only couriers who attended can give feedback.")
FEEDBACK_TOO_EARLY = _("Feedback opens when the event has ended.")
FEEDBACK_TWICE = _("You have already given feedback on this event.")
CLOSE_TOO_EARLY = _("An event can be closed once it has ended.")
CLOSE_NOT_PUBLISHED = _("Only a published event can be closed.")
PHOTO_LIMIT = _("An event has at most %(limit)s photos.")
PHOTO_EVENT_STATE = _("Photos can be added to a published or closed event.")
PROMOTED_TITLE = _("You have a seat: %(title)s")
PROMOTED_BODY = _("A seat became free and you moved up from the waiting list. It starts at %(starts_at)s.")
CANCELLED_TITLE = _("Cancelled: %(title)s")
CANCELLED_BODY = _("The organizers cancelled this event. %(reason)s")
CHANGED_TITLE = _("Changed: %(title)s")
CHANGED_TIME = _("New time: %(when)s.")
CHANGED_PLACE = _("New place: %(place)s.")
CHANGED_SEAT_KEPT = _(
    "Your seat is kept. If you can no longer come, please cancel your sign-up so that someone on the "
    "waiting list gets it."
)

TITLE_MAX = Event._meta.get_field("title").max_length
ADDRESS_MAX = Event._meta.get_field("address").max_length
AUDIENCE_NOTE_MAX = Event._meta.get_field("audience_note").max_length
REASON_MAX = Event._meta.get_field("cancel_reason").max_length
CAPTION_MAX = EventPhoto._meta.get_field("caption").max_length
LONG_TEXT_MAX = 5000
COMMENT_MAX = 2000
CAPACITY_MAX = 10_000
PHOTOS_MAX = 20
CHECK_IN_OPENS_BEFORE = datetime.timedelta(hours=2)
EDITABLE_FIELDS = (
    "title",
    "kind",
    "description",
    "station",
    "address",
    "starts_at",
    "ends_at",
    "capacity",
    "audience",
    "audience_note",
)


class _AreaRow:
    """A stand-in row for asking the policy "may the actor act in this area"."""

    def __init__(self, area):
        self.area = area


def _text(errors, field, value, *, limit, required=False):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _clean_event(actor, data, *, area, creating):
    """Validate the editable fields of an event; returns the cleaned dict or raises ValidationFailed."""
    errors = {}
    cleaned = {}
    cleaned["title"] = _text(errors, "title", data.get("title"), limit=TITLE_MAX, required=True)
    cleaned["description"] = _text(errors, "description", data.get("description"), limit=LONG_TEXT_MAX)
    cleaned["address"] = _text(errors, "address", data.get("address"), limit=ADDRESS_MAX)
    cleaned["audience_note"] = _text(
        errors, "audience_note", data.get("audience_note"), limit=AUDIENCE_NOTE_MAX
    )
    if data.get("kind") not in EventKind.values:
        errors["kind"] = [KIND_UNKNOWN]
    cleaned["kind"] = data.get("kind")
    audience = data.get("audience") or Event.Audience.ALL_COURIERS
    if audience not in Event.Audience.values:
        errors["audience"] = [AUDIENCE_UNKNOWN]
    cleaned["audience"] = audience
    if area is None or not event_policy.can(actor, ADD, _AreaRow(area)):
        errors["area"] = [AREA_OUTSIDE_YOURS]
    station = data.get("station")
    if station is not None and area is not None and not station.area.path.startswith(area.path):
        errors["station"] = [STATION_OUTSIDE_AREA]
    cleaned["station"] = station
    if station is None and not cleaned["address"]:
        errors.setdefault("address", []).append(PLACE_REQUIRED)
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at is None:
        errors["starts_at"] = [FIELD_REQUIRED]
    elif creating and starts_at <= timezone.now():
        errors["starts_at"] = [STARTS_IN_PAST]
    if ends_at is None:
        errors["ends_at"] = [FIELD_REQUIRED]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [ENDS_BEFORE_START]
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= CAPACITY_MAX:
        errors["capacity"] = [CAPACITY_RANGE % {"limit": CAPACITY_MAX}]
    cleaned["capacity"] = capacity
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _lock_event(event, *, actor=None, action=None):
    """The event re-read under a row lock; for staff, only if the policy lets them `action` it."""
    queryset = Event.objects.select_for_update(of=("self",))
    if actor is not None:
        queryset = event_policy.scope(actor, queryset)
    locked = queryset.select_related("area", "station").filter(pk=event.pk).first()
    if locked is None:
        raise NotFound()
    if actor is not None and not event_policy.can(actor, action, locked):
        raise PermissionDenied()
    return locked


def _mobile_link(event):
    return reverse("mobile_events:detail", args=[event.public_id])


def _tell(courier, *, title, body, params, link):
    """One inbox message to a courier, written in the site's language (Simplified Chinese first)
    whatever language the acting user's request had: the inbox stores the text as it is sent."""
    with translation.override(settings.LANGUAGE_CODE):
        inbox_message_send(recipient=courier, title=str(title % params), body=str(body % params), link=link)


def _when(event):
    """Start and end as couriers read them (Asia/Shanghai): "2026-03-05 14:00–16:00"."""
    starts, ends = timezone.localtime(event.starts_at, SHANGHAI), timezone.localtime(event.ends_at, SHANGHAI)
    end_format = "%H:%M" if starts.date() == ends.date() else "%Y-%m-%d %H:%M"
    return f"{local_time(starts)}–{ends.strftime(end_format)}"


def _notify_change(event, *, time_changed, place_changed):
    """The change notice: one inbox message to every confirmed courier of `event` (caller holds the lock)."""
    parts = []
    if time_changed:
        parts.append((CHANGED_TIME, {"when": _when(event)}))
    if place_changed:
        parts.append((CHANGED_PLACE, {"place": event.place}))
    confirmed = (
        Signup.objects.filter(event=event, status=Signup.Status.CONFIRMED, courier__deleted_at__isnull=True)
        .select_related("courier")
        .order_by("pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = str(CHANGED_TITLE % {"title": event.title})
        body = " ".join([*(str(text % params) for text, params in parts), str(CHANGED_SEAT_KEPT)])
    for signup in confirmed:
        inbox_message_send(recipient=signup.courier, title=title, body=body, link=_mobile_link(event))


def _confirmed_count(event):
    return Signup.objects.filter(event=event, status=Signup.Status.CONFIRMED).count()


def _promote_waitlisted(event, *, free_seats, now):
    """Confirm up to `free_seats` waiting sign-ups in sign-up order and tell each courier.

    The caller holds the event lock.
    """
    if free_seats <= 0:
        return []
    waiting = list(
        Signup.objects.filter(event=event, status=Signup.Status.WAITLISTED)
        .select_related("courier__user")
        .order_by("signed_up_at", "id")[:free_seats]
    )
    for signup in waiting:
        signup.status = Signup.Status.CONFIRMED
        signup.promoted_at = now
        signup.save(update_fields=["status", "promoted_at", "updated_at"])
        _tell(
            signup.courier,
            title=PROMOTED_TITLE,
            body=PROMOTED_BODY,
            params={"title": event.title, "starts_at": local_time(event.starts_at)},
            link=_mobile_link(event),
        )
        audit_record(
            actor=None,
            action=AuditEntry.Action.TRANSITION,
            obj=signup,
            changes={"status": [Signup.Status.WAITLISTED, Signup.Status.CONFIRMED]},
            message="moved up from the waiting list",
            area_path=event.area.path,
        )
    return waiting


# --- staff: events -----------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor,
    area,
    title,
    kind,
    starts_at,
    ends_at,
    capacity,
    station=None,
    address="",
    description="",
    audience=Event.Audience.ALL_COURIERS,
    audience_note="",
):
    """Create a draft event in `area`. Raises ValidationFailed (area outside the actor's, bad fields)."""
    if not event_policy.can(actor, ADD, None):
        raise PermissionDenied()
    cleaned = _clean_event(
        actor,
        {
            "title": title,
            "kind": kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "capacity": capacity,
            "station": station,
            "address": address,
            "description": description,
            "audience": audience,
            "audience_note": audience_note,
        },
        area=area,
        creating=True,
    )
    event = Event.objects.create(area=area, created_by=actor, **cleaned)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=event, changes=snapshot(event))
    return event


@transaction.atomic
def event_update(*, actor, event, **changes):
    """Change an event's editable fields (see EDITABLE_FIELDS; the others are kept).

    A larger capacity moves waiting couriers up; a capacity below the confirmed count is refused.
    A published event whose time (start or end) or place (station or address) changes sends every
    confirmed courier one change notice per change (inbox), whether or not reminders went out.
    Raises NotFound, PermissionDenied, Conflict (cancelled or closed; capacity too low), ValidationFailed.
    """
    locked = _lock_event(event, actor=actor, action=CHANGE)
    if locked.status in (Event.Status.CANCELLED, Event.Status.CLOSED):
        raise Conflict(EVENT_NOT_EDITABLE, code="event_not_editable")
    data = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    data.update({name: value for name, value in changes.items() if name in EDITABLE_FIELDS})
    starts_changed = data["starts_at"] != locked.starts_at
    cleaned = _clean_event(actor, data, area=locked.area, creating=starts_changed)
    confirmed = _confirmed_count(locked)
    if cleaned["capacity"] < confirmed:
        raise Conflict(
            CAPACITY_BELOW_CONFIRMED,
            field="capacity",
            code="capacity_below_confirmed",
            params={"count": confirmed},
        )
    before = snapshot(locked)
    time_changed = (cleaned["starts_at"], cleaned["ends_at"]) != (locked.starts_at, locked.ends_at)
    place_changed = (cleaned["station"], cleaned["address"]) != (locked.station, locked.address)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.save()
    if locked.status == Event.Status.PUBLISHED:
        if time_changed or place_changed:
            # before the promotions: a courier moved up now is told the new time by that message
            _notify_change(locked, time_changed=time_changed, place_changed=place_changed)
        _promote_waitlisted(locked, free_seats=locked.capacity - confirmed, now=timezone.now())
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=locked, changes=diff(before, snapshot(locked))
    )
    return locked


@transaction.atomic
def event_publish(*, actor, event):
    """Open a draft for sign-up. Raises NotFound, PermissionDenied, Conflict (not a draft; started)."""
    locked = _lock_event(event, actor=actor, action=CHANGE)
    if locked.status != Event.Status.DRAFT:
        raise Conflict(EVENT_NOT_DRAFT, code="event_not_draft")
    if locked.starts_at <= timezone.now():
        raise Conflict(SIGNUP_CLOSED, field="starts_at", code="event_started")
    locked.status = Event.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [Event.Status.DRAFT, Event.Status.PUBLISHED]},
    )
    return locked


@transaction.atomic
def event_cancel(*, actor, event, reason=""):
    """Cancel a draft or published event; every live sign-up is cancelled and its courier told.

    Raises NotFound, PermissionDenied, Conflict (already cancelled or closed), ValidationFailed (reason).
    """
    errors = {}
    reason = _text(errors, "reason", reason, limit=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_event(event, actor=actor, action=CHANGE)
    if locked.status in (Event.Status.CANCELLED, Event.Status.CLOSED):
        raise Conflict(EVENT_ALREADY_CANCELLED, code="event_not_editable")
    now = timezone.now()
    live = list(locked.signups.exclude(status=Signup.Status.CANCELLED).select_related("courier"))
    for signup in live:
        _tell(
            signup.courier,
            title=CANCELLED_TITLE,
            body=CANCELLED_BODY,
            params={"title": locked.title, "reason": reason},
            link=_mobile_link(locked),
        )
    locked.signups.exclude(status=Signup.Status.CANCELLED).update(
        status=Signup.Status.CANCELLED, cancelled_at=now, updated_at=now
    )
    previous = locked.status
    locked.status = Event.Status.CANCELLED
    locked.cancelled_at = now
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [previous, Event.Status.CANCELLED]},
        message=reason,
    )
    return locked


# --- couriers: sign-up -------------------------------------------------------------------------


@transaction.atomic
def signup_create(*, courier, event):
    """Sign a courier up: a confirmed seat while seats are free, otherwise a place on the waiting list.

    Locks the event row, so concurrent sign-ups are counted one after the other.
    Raises NotFound (an event the courier cannot see), Conflict (not published, started, a second
    sign-up), PermissionDenied (not in the audience).
    """
    locked = _lock_event(event)
    if locked.status == Event.Status.DRAFT:
        raise NotFound()
    if locked.status != Event.Status.PUBLISHED:
        raise Conflict(SIGNUP_NOT_OPEN, code="signup_not_open")
    if locked.starts_at <= timezone.now():
        raise Conflict(SIGNUP_CLOSED, code="signup_closed")
    if not courier_may_join(courier, locked):
        raise PermissionDenied(NOT_IN_AUDIENCE % {"area": locked.area.full_name})
    if Signup.objects.filter(event=locked, courier=courier).exclude(status=Signup.Status.CANCELLED).exists():
        raise Conflict(ALREADY_SIGNED_UP, code="already_signed_up")
    status = (
        Signup.Status.CONFIRMED if _confirmed_count(locked) < locked.capacity else Signup.Status.WAITLISTED
    )
    try:
        with transaction.atomic():
            signup = Signup.objects.create(event=locked, courier=courier, status=status)
    except IntegrityError:
        raise Conflict(ALREADY_SIGNED_UP, code="already_signed_up") from None
    audit_record(
        actor=courier.user,
        action=AuditEntry.Action.CREATE,
        obj=signup,
        changes={"status": status},
        area_path=locked.area.path,
    )
    return signup


@transaction.atomic
def signup_cancel(*, courier, event):
    """Cancel the courier's live sign-up; a freed seat goes to the first courier on the waiting list.

    Raises Conflict (no live sign-up; the event has started).
    """
    locked = _lock_event(event)
    signup = (
        Signup.objects.select_for_update()
        .filter(event=locked, courier=courier)
        .exclude(status=Signup.Status.CANCELLED)
        .first()
    )
    if signup is None:
        raise Conflict(NO_SIGNUP, code="no_signup")
    now = timezone.now()
    if locked.starts_at <= now:
        raise Conflict(CANCEL_TOO_LATE, code="cancel_too_late")
    previous = signup.status
    signup.status = Signup.Status.CANCELLED
    signup.cancelled_at = now
    signup.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit_record(
        actor=courier.user,
        action=AuditEntry.Action.TRANSITION,
        obj=signup,
        changes={"status": [previous, Signup.Status.CANCELLED]},
        area_path=locked.area.path,
    )
    if previous == Signup.Status.CONFIRMED and locked.status == Event.Status.PUBLISHED:
        _promote_waitlisted(locked, free_seats=locked.capacity - _confirmed_count(locked), now=now)
    return signup


@transaction.atomic
def signup_reminders_set(*, courier, event, wants_reminders):
    """Turn the reminders before `event` on or off for the courier's live sign-up ("remind me").

    Change notices and cancellations are sent whatever this says. Raises Conflict (no live sign-up).
    """
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("event__area")
        .filter(event=event, courier=courier)
        .exclude(status=Signup.Status.CANCELLED)
        .first()
    )
    if signup is None:
        raise Conflict(NO_SIGNUP, code="no_signup")
    wants_reminders = bool(wants_reminders)
    if signup.wants_reminders != wants_reminders:
        signup.wants_reminders = wants_reminders
        signup.save(update_fields=["wants_reminders", "updated_at"])
        audit_record(
            actor=courier.user,
            action=AuditEntry.Action.UPDATE,
            obj=signup,
            changes={"wants_reminders": [not wants_reminders, wants_reminders]},
            area_path=signup.event.area.path,
        )
    return signup


# --- staff: check-in and attendance ------------------------------------------------------------


def _record_attendance(*, actor, event, signup, now):
    signup.attended_at = now
    signup.attendance_recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    signup.save(update_fields=["attended_at", "attendance_recorded_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=signup,
        changes={"attended_at": str(now)},
        message="attendance",
        area_path=event.area.path,
    )
    _service_record(actor=actor, event=event, signup=signup, occurred_at=now)


def _service_record(*, actor, event, signup, occurred_at):
    """One service record (服务人次) of kind "event_attendance" per attendee; idempotent per sign-up."""
    service_record_create(
        actor=actor,
        kind=ServiceRecord.Kind.EVENT_ATTENDANCE,
        courier=signup.courier,
        station=event.station,
        area=event.area,
        occurred_at=occurred_at,
        source=signup,
        note=event.title,
    )


def _check_running(event, now):
    if event.status != Event.Status.PUBLISHED:
        raise Conflict(EVENT_NOT_RUNNING, code="event_not_running")
    if now < event.starts_at - CHECK_IN_OPENS_BEFORE:
        raise Conflict(
            CHECK_IN_NOT_OPEN,
            code="check_in_not_open",
            params={"hours": int(CHECK_IN_OPENS_BEFORE.total_seconds() // 3600)},
        )


@transaction.atomic
def event_check_in(*, actor, event, token):
    """Check a courier in by the signed token of their QR ticket; records attendance.

    Raises NotFound, PermissionDenied, TicketInvalid / TicketExpired (forged or expired token),
    Conflict (another event's ticket, not confirmed, already checked in, event not running).
    """
    locked = _lock_event(event, actor=actor, action=CHANGE)
    signup_id = ticket_read(token)
    now = timezone.now()
    _check_running(locked, now)
    signup = Signup.objects.select_for_update().select_related("courier").filter(public_id=signup_id).first()
    if signup is None or signup.event_id != locked.pk:
        raise Conflict(TICKET_OTHER_EVENT, field="token", code="ticket_other_event")
    if signup.status != Signup.Status.CONFIRMED:
        raise Conflict(TICKET_NOT_CONFIRMED, field="token", code="ticket_not_confirmed")
    if signup.attended_at is not None:
        raise Conflict(ALREADY_CHECKED_IN, field="token", code="already_checked_in")
    _record_attendance(actor=actor, event=locked, signup=signup, now=now)
    return signup


@transaction.atomic
def attendance_record(*, actor, event, signup_ids):
    """Mark confirmed sign-ups (by public id) present, for couriers checked in without their phone.

    Already-present ones are left as they are. Returns the sign-ups newly marked.
    Raises NotFound, PermissionDenied, Conflict (event not running), ValidationFailed (unknown ids).
    """
    locked = _lock_event(event, actor=actor, action=CHANGE)
    now = timezone.now()
    _check_running(locked, now)
    wanted = {str(value) for value in signup_ids}
    signups = list(
        Signup.objects.select_for_update()
        .select_related("courier")
        .filter(event=locked, status=Signup.Status.CONFIRMED, public_id__in=wanted)
    )
    unknown = wanted - {str(signup.public_id) for signup in signups}
    if unknown or not wanted:
        raise ValidationFailed(
            {
                "signup_ids": [
                    SIGNUP_UNKNOWN % {"ids": ", ".join(sorted(unknown))} if unknown else FIELD_REQUIRED
                ]
            }
        )
    marked = []
    for signup in signups:
        if signup.attended_at is None:
            _record_attendance(actor=actor, event=locked, signup=signup, now=now)
            marked.append(signup)
    return marked


# --- couriers: feedback ------------------------------------------------------------------------


@transaction.atomic
def feedback_submit(*, courier, event, rating, comment=""):
    """An attendee rates a past event (1–5) once. Raises ValidationFailed, PermissionDenied, Conflict."""
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [RATING_RANGE]
    comment = _text(errors, "comment", comment, limit=COMMENT_MAX)
    if errors:
        raise ValidationFailed(errors)
    signup = (
        Signup.objects.select_for_update()
        .select_related("event__area")
        .filter(event=event, courier=courier, attended_at__isnull=False)
        .first()
    )
    if signup is None:
        raise PermissionDenied(FEEDBACK_NOT_ATTENDED)
    if timezone.now() < signup.event.ends_at:
        raise Conflict(FEEDBACK_TOO_EARLY, code="feedback_too_early")
    if Feedback.objects.filter(signup=signup).exists():
        raise Conflict(FEEDBACK_TWICE, code="feedback_twice")
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(signup=signup, rating=rating, comment=comment)
    except IntegrityError:
        raise Conflict(FEEDBACK_TWICE, code="feedback_twice") from None
    audit_record(
        actor=courier.user,
        action=AuditEntry.Action.CREATE,
        obj=feedback,
        changes={"rating": rating},
        area_path=signup.event.area.path,
    )
    return feedback


# --- staff: closing report ---------------------------------------------------------------------


@transaction.atomic
def event_close(*, actor, event, summary):
    """Write the closing report: the summary and the attendee count (from attendance); closes the event.

    Raises NotFound, PermissionDenied, Conflict (not published, not ended yet), ValidationFailed.
    """
    errors = {}
    summary = _text(errors, "summary", summary, limit=LONG_TEXT_MAX, required=True)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_event(event, actor=actor, action=CHANGE)
    if locked.status != Event.Status.PUBLISHED:
        raise Conflict(CLOSE_NOT_PUBLISHED, code="close_not_published")
    now = timezone.now()
    if now < locked.ends_at:
        raise Conflict(CLOSE_TOO_EARLY, code="close_too_early")
    locked.status = Event.Status.CLOSED
    locked.closed_at = now
    locked.report_summary = summary
    locked.report_attendee_count = locked.signups.filter(attended_at__isnull=False).count()
    locked.save(
        update_fields=["status", "closed_at", "report_summary", "report_attendee_count", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={
            "status": [Event.Status.PUBLISHED, Event.Status.CLOSED],
            "attendees": locked.report_attendee_count,
        },
    )
    return locked


@transaction.atomic
def event_photo_add(*, actor, event, upload, caption=""):
    """Add a report photo (validated, EXIF stripped, resized by core.images).

    Raises NotFound, PermissionDenied, Conflict (draft or cancelled event; too many photos), ValidationFailed.
    """
    errors = {}
    caption = _text(errors, "caption", caption, limit=CAPTION_MAX)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock_event(event, actor=actor, action=CHANGE)
    if locked.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
        raise Conflict(PHOTO_EVENT_STATE, code="photo_event_state")
    if locked.photos.count() >= PHOTOS_MAX:
        raise Conflict(PHOTO_LIMIT, field="image", code="photo_limit", params={"limit": PHOTOS_MAX})
    content = process_image(upload, field="image")
    photo = EventPhoto(event=locked, caption=caption)
    photo.image.save(content.name, content, save=False)
    photo.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=photo,
        changes={"image": photo.image.name},
        area_path=locked.area.path,
    )
    return photo
