"""Writes on street reports. The API, the mobile pages, the admin and Open311 all call these.

Every service is atomic and audited. Errors: ValidationFailed (422, field messages), Conflict
(409: a move the workflow does not have, a reopen after the window, a bad merge), NotFound (404:
outside the actor's reach), PermissionDenied (403), RateLimited (429).
Side effects: each public change puts a message in the reporter's in-app inbox
(`nuanxin.messaging.services.inbox_message_send`) unless the reporter made the change; work that
reaches staff writes staff notices (`nuanxin.messaging.services.staff_notify`, same transaction,
never to the actor): a new report left in the street's triage queue → the street's staff; a
dispatch → the department's handlers; a return by the department → the street's staff; a reopen by
the reporter → the department's handlers (the street's staff when it has none); an escalation → the
staff of the district it is raised to.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.core.audit import audit_record, snapshot
from nuanxin.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.images import process_image
from nuanxin.core.models import AuditEntry
from nuanxin.messaging.models import StaffNotice
from nuanxin.messaging.services import in_site_language, inbox_message_send, staff_notify
from nuanxin.stations.geo import to_wgs84

from . import permissions, routing, transitions
from .locate import locate_street
from .models import Report, ReportCategory, ReportEvent, ReportPhoto
from .selectors import report_number

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CATEGORY_UNKNOWN = _("Choose one of the report categories.")
CRS_UNKNOWN = _("Choose wgs84 or gcj02.")
LOCATION_REQUIRED = _("Give the location: allow the phone's location or drop a pin.")
LOCATION_INVALID = _("The location is not a valid latitude and longitude.")
LOCATION_OUTSIDE = _("This place is outside the streets this service covers.")
TOO_MANY_PHOTOS = _("At most %(limit)s photos.")
NOT_A_COURIER = _("Only couriers can send reports from the app.")
RATE_LIMITED = _("You have sent too many reports in the last hour. Please try again later.")
STATUS_UNKNOWN = _("Not a report status.")
TRANSITION_NOT_ALLOWED = _("A report cannot move from “%(from_status)s” to “%(to_status)s”.")
NOTE_REQUIRED = _("Give a reason or say what was done.")
DEPARTMENT_REQUIRED = _("Choose the department to send it to.")
DEPARTMENT_UNKNOWN = _("No active department serving this report's street has this ID.")
REOPEN_WINDOW_PASSED = _("A report can be reopened only within %(days)s days of its resolution.")
DUPLICATE_NEEDS_ORIGINAL = _("Choose the original report to merge this one into.")
MERGE_INTO_ITSELF = _("A report cannot be a duplicate of itself.")
MERGE_INTO_FINAL = _("Merge into an open or resolved report, not a rejected or duplicate one.")
MERGE_OTHER_CATEGORY = _("Merge only reports of the same category.")
IDEMPOTENCY_KEY_TOO_LONG = _("The Idempotency-Key header is at most 100 characters.")
NOTIFY_TITLE = _("Your report: %(status)s")
NOTIFY_ESCALATED = _("Your report is overdue and was raised to the district.")
NOTIFY_ESCALATED_TITLE = _("Your report was escalated")
STAFF_TRIAGE_TITLE = _("New report %(number)s awaits triage: %(category)s")
STAFF_DISPATCHED_TITLE = _("Report %(number)s was dispatched to %(department)s")
STAFF_RETURNED_TITLE = _("Report %(number)s was returned by %(department)s")
STAFF_REOPENED_TITLE = _("Report %(number)s was reopened by its reporter")
STAFF_ESCALATED_TITLE = _("Overdue report %(number)s was escalated to %(area)s")
STAFF_ESCALATED_DUE = _("It was due at %(due)s.")

DESCRIPTION_MAX = 2000
ADDRESS_MAX = Report._meta.get_field("address").max_length
NOTE_MAX = 2000
IDEMPOTENCY_KEY_MAX = 100
MAX_PHOTOS = 3
CRS_CHOICES = ("wgs84", "gcj02")
DEFAULT_REOPEN_DAYS = 14
DEFAULT_REPORTS_PER_HOUR = 10
SHANGHAI = ZoneInfo("Asia/Shanghai")


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


def _local_time(value):
    """A time as staff read it: Asia/Shanghai, to the minute."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def reopen_days():
    return getattr(settings, "NUANXIN_REPORTS_REOPEN_DAYS", DEFAULT_REOPEN_DAYS)


def reports_per_hour():
    return getattr(settings, "NUANXIN_REPORTS_PER_HOUR", DEFAULT_REPORTS_PER_HOUR)


def status_label(value):
    return str(dict(Report.Status.choices).get(value, value))


def _text(errors, field, value, *, limit, required):
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _coordinate(value, low, high):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or not low <= number <= high:  # NaN or out of range
        return None
    return number


def clean_location(errors, data):
    """(lat, lng) in WGS-84 from data's lat/lng/crs, recording field errors."""
    crs = data.get("crs") or "wgs84"
    if crs not in CRS_CHOICES:
        errors["crs"] = [CRS_UNKNOWN]
        return None
    raw_lat, raw_lng = data.get("lat"), data.get("lng")
    if raw_lat in (None, "") or raw_lng in (None, ""):
        errors["location"] = [LOCATION_REQUIRED]
        return None
    lat, lng = _coordinate(raw_lat, -90, 90), _coordinate(raw_lng, -180, 180)
    if lat is None or lng is None:
        errors["location"] = [LOCATION_INVALID]
        return None
    return to_wgs84(lat, lng, crs)


def _notify(report, *, actor, title, body):
    """Tell the reporter, unless there is none or they did it themselves."""
    if report.reporter_id is None or (actor is not None and report.reporter.user_id == actor.pk):
        return
    inbox_message_send(
        recipient=report.reporter, title=title, body=body, link=f"/m/reports/{report.public_id}/"
    )


# --- staff notices -----------------------------------------------------------------------------


def _street_staff(report):
    return User.objects.filter(role=Role.STREET_STAFF, area_id=report.area_id, is_active=True)


def _department_handlers(department):
    """The handler accounts of a department that can act on its reports (see permissions)."""
    if department is None:
        return User.objects.none()
    return department.handlers.filter(role=Role.DEPARTMENT_HANDLER, is_active=True)


def _tell_staff(report, *, recipients, actor, kind, title, params, event=None, lines=()):
    """One staff notice per recipient (not the actor) about `report`, linking to its staff page.
    The key is the report and the kind, and the event for a move that can happen more than once."""
    if actor is not None:
        recipients = recipients.exclude(pk=actor.pk)
    params = {"number": report_number(report), **params}
    summary = f"{report.category.name} · {report.area.name}\n{report.description[:200]}"
    body = "\n".join([summary, *(line for line in lines if line)])
    key = f"report:{report.public_id}:{kind}" + (f":{event.pk}" if event is not None else "")
    return staff_notify(
        recipients=recipients,
        kind=kind,
        title=in_site_language(title, params),
        body=body,
        url=reverse("staff_reports:detail", args=[report.public_id]),
        dedupe_key=key,
    )


def _tell_staff_of_move(report, *, actor, from_status, to_status, note, event):
    """The staff whose work a move creates: see the module docstring."""
    if to_status == transitions.DISPATCHED:
        _tell_staff(
            report,
            recipients=_department_handlers(report.department),
            actor=actor,
            kind=StaffNotice.Kind.REPORT_DISPATCHED,
            title=STAFF_DISPATCHED_TITLE,
            params={"department": report.department.name},
            event=event,
            lines=[note],
        )
    elif from_status == transitions.DISPATCHED and to_status == transitions.ACCEPTED:
        _tell_staff(
            report,
            recipients=_street_staff(report),
            actor=actor,
            kind=StaffNotice.Kind.REPORT_RETURNED,
            title=STAFF_RETURNED_TITLE,
            params={"department": report.department.name if report.department_id else ""},
            event=event,
            lines=[note],
        )
    elif to_status == transitions.REOPENED:
        recipients = _department_handlers(report.department)
        if actor is not None:
            recipients = recipients.exclude(pk=actor.pk)
        if not recipients.exists():
            recipients = _street_staff(report)
        _tell_staff(
            report,
            recipients=recipients,
            actor=actor,
            kind=StaffNotice.Kind.REPORT_REOPENED,
            title=STAFF_REOPENED_TITLE,
            params={},
            event=event,
            lines=[note],
        )


def _event(report, *, actor, kind, from_status="", to_status="", note="", is_public=True, at=None):
    return ReportEvent.objects.create(
        report=report,
        occurred_at=at or timezone.now(),
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=is_public,
    )


# --- submission --------------------------------------------------------------------------------


def report_create(
    *,
    actor,
    data,
    photos=(),
    idempotency_key="",
    source=Report.Source.APP,
    source_detail="",
    idempotency_scope="",
    location_approximate=False,
    now=None,
):
    """File a report. `data`: category (code), description, lat, lng, crs ("wgs84"|"gcj02"), address.

    `actor` is the courier's user for the app; Open311 passes actor=None with source=OPEN311, its
    client's name as `source_detail` and its own `idempotency_scope`. With an `idempotency_key`, a
    second call with the same key (and scope) returns the first report unchanged (`.replayed` is
    True) — nothing new is stored, no photo is processed twice, the rate limit does not count it.
    Photos (at most 3) are re-encoded by `nuanxin.core.images.process_image` (EXIF/GPS gone).
    The street comes from `locate.locate_street`, the department from `routing.route`; no rule
    leaves it in the street's triage queue. `due_at` = now + the category's time limit.
    `location_approximate`: the point was geocoded from the address (Open311 `address_string`).
    Raises ValidationFailed, PermissionDenied (a staff account on the app path), RateLimited.
    """
    now = now or timezone.now()
    reporter = None
    if source == Report.Source.APP:
        reporter = getattr(actor, "courier_profile", None) if getattr(actor, "is_courier", False) else None
        if reporter is None:
            raise PermissionDenied(NOT_A_COURIER)
        idempotency_scope = idempotency_scope or f"courier:{reporter.pk}"
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed({"idempotency_key": [IDEMPOTENCY_KEY_TOO_LONG]})
    if idempotency_key:
        existing = Report.objects.filter(
            idempotency_scope=idempotency_scope, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            existing.replayed = True
            return existing

    errors = {}
    category = ReportCategory.objects.filter(code=str(data.get("category") or ""), is_active=True).first()
    if category is None:
        errors["category"] = [CATEGORY_UNKNOWN]
    description = _text(errors, "description", data.get("description"), limit=DESCRIPTION_MAX, required=True)
    address = _text(errors, "address", data.get("address"), limit=ADDRESS_MAX, required=False)
    point = clean_location(errors, data)
    street = None
    if point is not None:
        street = locate_street(*point)
        if street is None:
            errors["location"] = [LOCATION_OUTSIDE]
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [TOO_MANY_PHOTOS % {"limit": MAX_PHOTOS}]
    if errors:
        raise ValidationFailed(errors)
    # Decode and clean every photo before anything is written: a bad third photo saves nothing.
    cleaned = [process_image(photo, field="photos") for photo in photos]

    if reporter is not None:
        recent = Report.objects.filter(reporter=reporter, created_at__gte=now - datetime.timedelta(hours=1))
        if recent.count() >= reports_per_hour():
            raise RateLimited(RATE_LIMITED)

    try:
        with transaction.atomic():
            report = _store(
                actor=actor,
                reporter=reporter,
                category=category,
                description=description,
                address=address,
                point=point,
                street=street,
                photos=cleaned,
                source=source,
                source_detail=source_detail,
                idempotency_scope=idempotency_scope if idempotency_key else "",
                idempotency_key=idempotency_key,
                location_approximate=location_approximate,
                now=now,
            )
    except IntegrityError:
        # Two retries raced past the lookup above; the unique constraint let one win.
        existing = Report.objects.filter(
            idempotency_scope=idempotency_scope, idempotency_key=idempotency_key
        ).first()
        if not idempotency_key or existing is None:
            raise
        existing.replayed = True
        return existing
    report.replayed = False
    return report


def _store(
    *,
    actor,
    reporter,
    category,
    description,
    address,
    point,
    street,
    photos,
    source,
    source_detail,
    idempotency_scope,
    idempotency_key,
    location_approximate=False,
    now,
):
    department = routing.route(street, category)
    report = Report.objects.create(
        reporter=reporter,
        source=source,
        source_detail=source_detail,
        category=category,
        description=description,
        address=address,
        latitude=point[0],
        longitude=point[1],
        location_approximate=location_approximate,
        area=street,
        department=department,
        due_at=now + datetime.timedelta(hours=category.time_limit_hours),
        idempotency_scope=idempotency_scope,
        idempotency_key=idempotency_key,
    )
    for position, content in enumerate(photos):
        ReportPhoto.objects.create(report=report, image=content, position=position)
    _event(report, actor=actor, kind=ReportEvent.Kind.STATUS, to_status=report.status, at=now)
    if department is not None:
        _event(
            report, actor=None, kind=ReportEvent.Kind.ROUTED, note=department.name, is_public=False, at=now
        )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=report, changes=snapshot(report))
    if department is None:
        # No routing rule: it waits in the street's triage queue, so the street's staff are told.
        _tell_staff(
            report,
            recipients=_street_staff(report),
            actor=actor,
            kind=StaffNotice.Kind.REPORT_TRIAGE,
            title=STAFF_TRIAGE_TITLE,
            params={"category": category.name},
        )
    return report


# --- the workflow ------------------------------------------------------------------------------


def _lock(report):
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("area", "department", "reporter", "category")
        .filter(pk=report.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _clean_department(actor, report, department):
    if department is None:
        department = report.department
    if department is None:
        raise ValidationFailed({"department": [DEPARTMENT_REQUIRED]})
    serves_street = department.is_active and report.area.path.startswith(department.area.path)
    if not serves_street:
        raise ValidationFailed({"department": [DEPARTMENT_UNKNOWN]})
    if (
        not permissions.is_superuser_or_manager(actor, report)
        and not department.handlers.filter(pk=actor.pk).exists()
    ):
        # A handler may accept and dispatch only to a department of their own.
        raise ValidationFailed({"department": [DEPARTMENT_UNKNOWN]})
    return department


@transaction.atomic
def report_transition(*, actor, report, to_status, note="", department=None, duplicate_of=None, now=None):
    """Move `report` one step of `transitions.TRANSITIONS`, append a ReportEvent, notify the reporter.

    `department` is needed to dispatch (defaults to the routed one); `duplicate_of` to mark a
    duplicate (see `report_merge`). Reopening is the reporter's, within NUANXIN_REPORTS_REOPEN_DAYS
    of `resolved_at`; it restarts the clock (`due_at`) and clears the escalation.
    Raises ValidationFailed (unknown status, note missing or too long, bad department),
    NotFound (the actor may not see it), Conflict (no such move; reopen window passed; bad merge),
    PermissionDenied (may see it but not make this move).
    """
    now = now or timezone.now()
    errors = {}
    if to_status not in Report.Status.values:
        errors["to_status"] = [STATUS_UNKNOWN]
    note = _text(errors, "note", note, limit=NOTE_MAX, required=False)
    if errors:
        raise ValidationFailed(errors)
    locked = _lock(report)
    if not permissions.can(actor, permissions.VIEW, locked):
        raise NotFound()
    move = transitions.move_for(locked.status, to_status)
    if move is None:
        raise Conflict(
            TRANSITION_NOT_ALLOWED,
            field="to_status",
            code="transition_not_allowed",
            params={"from_status": status_label(locked.status), "to_status": status_label(to_status)},
        )
    if not permissions.can(actor, move.permission, locked):
        raise PermissionDenied()
    if move.note_required and not note:
        raise ValidationFailed({"note": [NOTE_REQUIRED]})
    before = snapshot(locked)
    from_status = locked.status
    if to_status == transitions.REOPENED:
        days = reopen_days()
        if locked.resolved_at is None or now > locked.resolved_at + datetime.timedelta(days=days):
            raise Conflict(
                REOPEN_WINDOW_PASSED, field="to_status", code="reopen_window_passed", params={"days": days}
            )
        locked.due_at = now + datetime.timedelta(hours=locked.category.time_limit_hours)
        locked.escalated_at = None
        locked.escalated_to = None
        locked.resolved_at = None
    if to_status == transitions.DISPATCHED:
        locked.department = _clean_department(actor, locked, department)
    if to_status == transitions.DUPLICATE:
        locked.duplicate_of = _clean_original(actor, locked, duplicate_of)
    if to_status == transitions.RESOLVED:
        locked.resolved_at = now
    if to_status == transitions.CLOSED:
        locked.closed_at = now
    locked.status = to_status
    locked.save()
    event = _event(
        locked,
        actor=actor,
        kind=ReportEvent.Kind.STATUS,
        from_status=from_status,
        to_status=to_status,
        note=note,
        at=now,
    )
    if to_status == transitions.DUPLICATE:
        _event(
            locked.duplicate_of,
            actor=actor,
            kind=ReportEvent.Kind.MERGED,
            note=str(locked.public_id),
            is_public=False,
            at=now,
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [from_status, to_status], **_changes(before, locked)},
        message=note,
    )
    _notify(locked, actor=actor, title=NOTIFY_TITLE % {"status": status_label(to_status)}, body=note or "")
    _tell_staff_of_move(
        locked, actor=actor, from_status=from_status, to_status=to_status, note=note, event=event
    )
    return locked


def _changes(before, report):
    after = snapshot(report)
    return {
        key: [before.get(key), value]
        for key, value in after.items()
        if before.get(key) != value and key != "status"
    }


def _clean_original(actor, report, original):
    if original is None:
        raise ValidationFailed({"duplicate_of": [DUPLICATE_NEEDS_ORIGINAL]})
    if original.pk == report.pk:
        raise Conflict(MERGE_INTO_ITSELF, field="duplicate_of", code="merge_invalid")
    if not permissions.can(actor, permissions.VIEW, original):
        raise NotFound()
    if original.status in transitions.FINAL_STATUSES and original.status != transitions.CLOSED:
        raise Conflict(MERGE_INTO_FINAL, field="duplicate_of", code="merge_invalid")
    if original.category_id != report.category_id:
        raise Conflict(MERGE_OTHER_CATEGORY, field="duplicate_of", code="merge_invalid")
    return original


def report_merge(*, actor, report, original, note="", now=None):
    """Staff mark `report` a duplicate of `original` (same category, visible to them, not itself a
    rejected or duplicate report). The duplicate's reporter is told which report carries on.
    Raises what `report_transition` raises."""
    return report_transition(
        actor=actor, report=report, to_status=transitions.DUPLICATE, note=note, duplicate_of=original, now=now
    )


def reports_bulk_transition(*, actor, reports, to_status, note="", department=None):
    """Apply one move to many reports, each on its own (one refusal does not undo the others).

    Returns [(report, None | DomainError)] in the given order.
    """
    results = []
    for report in reports:
        try:
            results.append(
                (
                    report_transition(
                        actor=actor, report=report, to_status=to_status, note=note, department=department
                    ),
                    None,
                )
            )
        except DomainError as error:
            results.append((report, error))
    return results


# --- escalation --------------------------------------------------------------------------------


def reports_escalate_overdue(*, at=None):
    """Raise every open report past its `due_at` to its street's district, once.

    `at` is the clock (tests and the management command's --at set it). Each escalation sets
    `escalated_at`/`escalated_to`, appends a public ESCALATED event, writes an audit row and tells
    the reporter. Idempotent: an escalated report is not escalated again until reopened.
    Returns the number escalated.
    """
    at = at or timezone.now()
    candidate_ids = list(
        Report.objects.filter(
            status__in=transitions.OPEN_STATUSES, due_at__lt=at, escalated_at__isnull=True
        ).values_list("pk", flat=True)
    )
    escalated = 0
    for pk in candidate_ids:
        with transaction.atomic():
            report = (
                Report.objects.select_for_update(of=("self",))
                .select_related("area__parent", "reporter")
                .filter(pk=pk, status__in=transitions.OPEN_STATUSES, due_at__lt=at, escalated_at__isnull=True)
                .first()
            )
            if report is None or report.area.parent is None:
                continue
            report.escalated_at = at
            report.escalated_to = report.area.parent
            report.save(update_fields=["escalated_at", "escalated_to", "updated_at"])
            event = _event(
                report, actor=None, kind=ReportEvent.Kind.ESCALATED, note=report.area.parent.name, at=at
            )
            audit_record(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                obj=report,
                changes={"escalated_to": [None, report.area.parent.code]},
                message="escalated overdue report",
            )
            _notify(report, actor=None, title=NOTIFY_ESCALATED_TITLE, body=NOTIFY_ESCALATED)
            _tell_staff(
                report,
                recipients=User.objects.filter(
                    role=Role.DISTRICT_STAFF, area_id=report.escalated_to_id, is_active=True
                ),
                actor=None,
                kind=StaffNotice.Kind.REPORT_ESCALATED,
                title=STAFF_ESCALATED_TITLE,
                params={"area": report.escalated_to.name},
                event=event,
                lines=[in_site_language(STAFF_ESCALATED_DUE, {"due": _local_time(report.due_at)})],
            )
            escalated += 1
    return escalated


# --- reads that are audited --------------------------------------------------------------------


def report_staff_view_record(*, actor, report, ip_address=None, purpose="staff detail page"):
    """Record that `actor` opened the full record of `report` (exact location, description,
    photos, the reporter's masked name and phone, the whole history): one AuditEntry with action
    "view", as every full read of personal data has (docs/privacy.md).

    Raises NotFound when `actor` may not see the report (nothing is recorded then)."""
    if not permissions.can(actor, permissions.VIEW, report):
        raise NotFound()
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=AuditEntry.Action.VIEW,
            obj=report,
            message=f"report ({purpose})",
            ip_address=ip_address,
        )
