"""Writes of the deliberation hall. The API, the mobile pages and the admin all call these.

Courier-side services take the courier's `CourierProfile` (from `couriers.permissions.require_courier`);
staff-side services take the acting user and check `permissions.hall_policy` — an item the actor may
not see (another area's; for a department handler, another department's) answers NotFound, so ids
cannot be probed; one they see but may not act on (a handler routing) answers PermissionDenied.
Every service is atomic and writes one audit row. Errors: ValidationFailed (422, field messages),
Conflict (409: a second support, a move the workflow does not have), RateLimited (429), NotFound
(404), PermissionDenied (403).

Side effect of every published change (routing, a published answer, a milestone): one inbox message
(`messaging.services.inbox_message_send`) to the author and to each supporter, in the same
transaction — nobody is told of a change that was rolled back. Routing (and an order created
already routed) also writes a staff notice (`messaging.services.staff_notify`) to each handler of the
department the item goes to, except the actor, linking to the item's back-office page.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role
from nuanxin.care.models import ServiceItem
from nuanxin.core.audit import audit_record, snapshot
from nuanxin.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.models import CourierProfile
from nuanxin.messaging.models import StaffNotice
from nuanxin.messaging.services import in_site_language, inbox_message_send, staff_notify
from nuanxin.reports.selectors import departments_for_area
from nuanxin.stations.geo import to_wgs84

from . import transitions
from .models import AnswerState, HallAnswer, HallCategory, HallItem, HallMilestone, HallStatus, HallSupport
from .permissions import ANSWER, MILESTONE, PUBLISH, ROUTE, hall_policy

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CATEGORY_UNKNOWN = _("Choose one of the hall categories.")
WORK_STREET_REQUIRED = _("Set your work street in your profile first, so the right street staff see this.")
LOCATION_INCOMPLETE = _("Give both latitude and longitude, or neither.")
LATITUDE_RANGE = _("Latitude must be between -90 and 90.")
LONGITUDE_RANGE = _("Longitude must be between -180 and 180.")
COORDINATE_SYSTEM_UNKNOWN = _("Choose wgs84 or gcj02.")
RAISE_RATE_LIMITED = _("You have raised %(limit)s items in the last 24 hours. Please try again later.")
ALREADY_SUPPORTED = _("You already support this item.")
OWN_ITEM = _("You raised this item yourself; your support is already counted.")
ITEM_CLOSED = _("This item has been closed and can no longer be supported.")
MENU_ITEM_UNKNOWN = _("This service is not on the menu of your street.")
DEPARTMENT_UNKNOWN = _("Choose an active department that serves the item's street.")
ALREADY_WITH_DEPARTMENT = _("The item is already with this department.")
REROUTE_NOTE_REQUIRED = _("Say why the item moves to another department.")
ITEM_NOT_ROUTABLE = _("A closed item cannot be routed again.")
ANSWER_STATE_UNKNOWN = _("Choose one of: accepted, in_progress, answered, not_feasible.")
ANSWER_NOT_ALLOWED = _("An item that is “%(status)s” cannot get an answer “%(state)s”.")
REASON_REQUIRED = _("Say why it is not feasible.")
NO_DRAFT = _("There is no draft answer to publish.")
MILESTONE_NOT_ALLOWED = _("Milestones are recorded on items that are with a department and not yet closed.")

NOTICE_ROUTED = _("Your hall item went to %(department)s: %(title)s")
NOTICE_REROUTED = _("Your hall item moved to %(department)s: %(title)s")
NOTICE_ANSWER = _("Official answer (%(state)s): %(title)s")
NOTICE_MILESTONE = _("Progress on %(title)s: %(milestone)s")
STAFF_ROUTED = _("Hall item routed to %(department)s: %(title)s")
STAFF_REROUTED = _("Hall item moved to %(department)s: %(title)s")

TITLE_MAX = HallItem._meta.get_field("title").max_length
LOCATION_TEXT_MAX = HallItem._meta.get_field("location_text").max_length
DEPARTMENT_NAME_MAX = HallAnswer._meta.get_field("department_name").max_length
ROUTE_NOTE_MAX = 500
MILESTONE_TITLE_MAX = HallMilestone._meta.get_field("title").max_length
DESCRIPTION_MAX = 2000
ANSWER_MAX = 5000
DEFAULT_RAISE_LIMIT = 5
RAISE_WINDOW = datetime.timedelta(hours=24)
COORDINATE_SYSTEMS = ("wgs84", "gcj02")


class RateLimited(DomainError):
    """Too many writes from one account (429)."""

    status_code = 429
    code = "rate_limited"


def raise_limit():
    """Items (raised or ordered) one courier may create in 24 hours (setting NUANXIN_HALL_RAISE_LIMIT)."""
    return getattr(settings, "NUANXIN_HALL_RAISE_LIMIT", DEFAULT_RAISE_LIMIT)


def _text(errors, field, value, *, limit, required):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _location(errors, latitude, longitude, coordinate_system):
    """WGS-84 (latitude, longitude) as 6-place Decimals, or (None, None); errors recorded."""
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        errors.setdefault("latitude" if latitude is None else "longitude", []).append(LOCATION_INCOMPLETE)
        return None, None
    if coordinate_system not in COORDINATE_SYSTEMS:
        errors.setdefault("coordinate_system", []).append(COORDINATE_SYSTEM_UNKNOWN)
        return None, None
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        errors.setdefault("latitude", []).append(LATITUDE_RANGE)
        return None, None
    if not -90 <= latitude <= 90:
        errors.setdefault("latitude", []).append(LATITUDE_RANGE)
    if not -180 <= longitude <= 180:
        errors.setdefault("longitude", []).append(LONGITUDE_RANGE)
    if "latitude" in errors or "longitude" in errors:
        return None, None
    latitude, longitude = to_wgs84(latitude, longitude, coordinate_system)
    places = Decimal("0.000001")
    return (
        Decimal(str(latitude)).quantize(places, rounding=ROUND_HALF_UP),
        Decimal(str(longitude)).quantize(places, rounding=ROUND_HALF_UP),
    )


def _lock_courier_and_check_rate(courier):
    """Serialize a courier's creations (row lock) and refuse beyond the 24-hour limit."""
    CourierProfile.objects.select_for_update().filter(pk=courier.pk).first()
    limit = raise_limit()
    since = timezone.now() - RAISE_WINDOW
    if HallItem.objects.filter(author=courier, created_at__gte=since).count() >= limit:
        raise RateLimited(RAISE_RATE_LIMITED, params={"limit": limit})


def _courier_street(courier):
    if courier.work_area_id is None:
        raise ValidationFailed({"area": [WORK_STREET_REQUIRED]})
    return courier.work_area


def _item_link(item):
    return reverse("mobile_hall:item_detail", args=[item.public_id])


def _notify(item, title, body=""):
    """One inbox message to the author and each supporter of `item`."""
    recipients = set(item.supports.values_list("courier_id", flat=True))
    if item.author_id is not None:
        recipients.add(item.author_id)
    link = _item_link(item)
    for courier in CourierProfile.objects.filter(pk__in=recipients, deleted_at__isnull=True).order_by("pk"):
        inbox_message_send(recipient=courier, title=title, body=body or item.title, link=link)
    return len(recipients)


def _tell_handlers(item, *, actor, rerouted=False, note=""):
    """A staff notice to each active handler of the item's department (not the actor), once per
    routing: the key is the item, the department and the routing time."""
    handlers = item.department.handlers.filter(role=Role.DEPARTMENT_HANDLER, is_active=True)
    if actor is not None:
        handlers = handlers.exclude(pk=actor.pk)
    params = {"department": item.department.name, "title": item.title}
    raised = item.source == HallItem.Source.RAISED
    category = in_site_language(HallCategory(item.category).label) if raised else ""
    summary = " · ".join(text for text in (category, item.area.name) if text)
    body = "\n".join(text for text in (summary, item.description[:200], note) if text)
    return staff_notify(
        recipients=handlers,
        kind=StaffNotice.Kind.HALL_ROUTED,
        title=in_site_language(STAFF_REROUTED if rerouted else STAFF_ROUTED, params),
        body=body,
        url=reverse("admin:hall_hallitem_change", args=[item.pk]),
        dedupe_key=f"hall:{item.public_id}:routed:{item.department_id}:{item.routed_at.isoformat()}",
    )


# --- courier side ------------------------------------------------------------------------------


@transaction.atomic
def hall_item_raise(
    *,
    courier,
    category,
    title,
    description="",
    location_text="",
    latitude=None,
    longitude=None,
    coordinate_system="wgs84",
):
    """A courier raises a 烦心事 in their work street. It appears on the board at once.

    Raises ValidationFailed (bad category, missing or too long text, half or out-of-range
    location, no work street), RateLimited (more than `raise_limit()` items in 24 hours).
    """
    errors = {}
    if category not in HallCategory.values:
        errors["category"] = [CATEGORY_UNKNOWN]
    title = _text(errors, "title", title, limit=TITLE_MAX, required=True)
    description = _text(errors, "description", description, limit=DESCRIPTION_MAX, required=False)
    location_text = _text(errors, "location_text", location_text, limit=LOCATION_TEXT_MAX, required=False)
    latitude, longitude = _location(errors, latitude, longitude, coordinate_system)
    if errors:
        raise ValidationFailed(errors)
    area = _courier_street(courier)
    _lock_courier_and_check_rate(courier)
    item = HallItem.objects.create(
        author=courier,
        area=area,
        category=category,
        title=title,
        description=description,
        location_text=location_text,
        latitude=latitude,
        longitude=longitude,
    )
    audit_record(actor=courier.user, action=AuditEntry.Action.CREATE, obj=item, changes=snapshot(item))
    return item


def menu_queryset(area):
    """The "点单式" menu of a street: published catalog entries offered by a department or an
    organization in the street or in the district or city above it."""
    from nuanxin.care.selectors import service_item_list_public

    return service_item_list_public(area=area).filter(
        provider_type__in=(ServiceItem.ProviderType.DEPARTMENT, ServiceItem.ProviderType.ORGANIZATION)
    )


def menu_department(service, street):
    """The Department a menu service's order goes to: an active department named as the service's
    provider that serves `street` — the one of the service's own area first, else the nearest. None
    when there is none (the catalog names providers in free text)."""
    name = (service.provider_name or "").strip()
    if not name:
        return None
    candidates = list(departments_for_area(street).filter(name=name))
    own_area = [department for department in candidates if department.area_id == service.area_id]
    return (own_area or candidates or [None])[0]


@transaction.atomic
def hall_item_order(*, courier, service_item_id, note="", location_text=""):
    """A courier orders a service from the menu. The item is created already routed to the
    service's provider when a department of that name serves the street (`menu_department`);
    otherwise it awaits routing like a raised item.

    Raises ValidationFailed (not on the menu of the courier's street, text too long, no work
    street), RateLimited.
    """
    area = _courier_street(courier)
    errors = {}
    note = _text(errors, "note", note, limit=DESCRIPTION_MAX, required=False)
    location_text = _text(errors, "location_text", location_text, limit=LOCATION_TEXT_MAX, required=False)
    try:
        service = menu_queryset(area).filter(pk=int(service_item_id)).first()
    except (TypeError, ValueError):
        service = None
    if service is None:
        errors["service_item_id"] = [MENU_ITEM_UNKNOWN]
    if errors:
        raise ValidationFailed(errors)
    _lock_courier_and_check_rate(courier)
    department = menu_department(service, area)
    item = HallItem.objects.create(
        author=courier,
        area=area,
        source=HallItem.Source.MENU,
        menu_item=service,
        category=HallCategory.OTHER,
        title=service.name[:TITLE_MAX],
        description=note,
        location_text=location_text,
        status=HallStatus.SUBMITTED if department is None else HallStatus.ROUTED,
        department=department,
        routed_at=None if department is None else timezone.now(),
    )
    audit_record(actor=courier.user, action=AuditEntry.Action.CREATE, obj=item, changes=snapshot(item))
    if department is not None:
        _tell_handlers(item, actor=courier.user)
    return item


def hall_item_support(*, courier, item):
    """A courier supports another courier's open item, once. Returns the new support count.

    Raises Conflict: a second support (the database's unique constraint decides, so two taps at once
    count once), the author's own item, a closed item. Nothing changes when it raises.
    """
    if item.author_id == courier.pk:
        raise Conflict(OWN_ITEM, code="own_item")
    try:
        with transaction.atomic():
            locked = HallItem.objects.select_for_update().get(pk=item.pk)
            if locked.is_closed:
                raise Conflict(ITEM_CLOSED, code="item_closed")
            HallSupport.objects.create(item=locked, courier=courier)
            HallItem.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
            audit_record(
                actor=courier.user,
                action=AuditEntry.Action.UPDATE,
                obj=locked,
                changes={"support_count": [locked.support_count, locked.support_count + 1]},
                message="support",
            )
    except IntegrityError:
        raise Conflict(ALREADY_SUPPORTED, code="already_supported") from None
    return HallItem.objects.values_list("support_count", flat=True).get(pk=item.pk)


# --- staff side --------------------------------------------------------------------------------


def _lock_item(actor, item, action):
    locked = (
        hall_policy.scope(actor, HallItem.objects.select_for_update(of=("self",)))
        .select_related("area", "department")
        .filter(pk=item.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if not hall_policy.can(actor, action, locked):
        raise PermissionDenied()
    return locked


def _department_name(item):
    return item.department.name[:DEPARTMENT_NAME_MAX] if item.department_id else ""


def routable_departments(item):
    """The departments `item` may be routed to: active, serving its street (see
    `reports.selectors.departments_for_area`)."""
    return departments_for_area(item.area)


@transaction.atomic
def hall_item_route(*, actor, item, department, note=""):
    """Route an item to the department responsible: an active `reports.Department` serving the item's
    street (its area is the street or above it). A submitted item becomes `routed`; an item already
    with a department keeps its status (re-routing, which needs a `note` saying why). Tells the author
    and the supporters; the note is part of that message and of the audit row.

    `department` is a Department or None (an id that matched nothing).
    Raises NotFound (the actor may not see the item), PermissionDenied (a handler: routing is the
    area managers'), ValidationFailed (`department`: unknown, inactive, serving another area, or
    the one the item is already with; `note`: missing on re-routing, too long), Conflict (a closed
    item). Nothing changes when it raises.
    """
    locked = _lock_item(actor, item, ROUTE)
    errors = {}
    note = _text(errors, "note", note, limit=ROUTE_NOTE_MAX, required=False)
    if department is None or not routable_departments(locked).filter(pk=department.pk).exists():
        errors["department"] = [DEPARTMENT_UNKNOWN]
    elif department.pk == locked.department_id:
        errors["department"] = [ALREADY_WITH_DEPARTMENT]
    elif locked.department_id is not None and not note and "note" not in errors:
        errors["note"] = [REROUTE_NOTE_REQUIRED]
    if errors:
        raise ValidationFailed(errors)
    if locked.status not in transitions.ROUTABLE_STATUSES:
        raise Conflict(ITEM_NOT_ROUTABLE, code="transition_not_allowed")
    before = {"status": locked.status, "department": _department_name(locked)}
    rerouted = locked.department_id is not None
    if locked.status == HallStatus.SUBMITTED:
        locked.status = HallStatus.ROUTED
    locked.department = department
    locked.routed_at = timezone.now()
    locked.save(update_fields=["status", "department", "routed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={
            "status": [before["status"], locked.status],
            "department": [before["department"], department.name],
            **({"note": note} if note else {}),
        },
        message="re-route" if rerouted else "route",
    )
    _tell_handlers(locked, actor=actor, rerouted=rerouted, note=note)
    notice = NOTICE_REROUTED if rerouted else NOTICE_ROUTED
    _notify(
        locked,
        notice % {"department": department.name, "title": locked.title},
        body=f"{locked.title}\n{note}" if note else "",
    )
    return locked


def _answer_input(item, state, body, reason):
    errors = {}
    if state not in AnswerState.values:
        errors["state"] = [ANSWER_STATE_UNKNOWN]
    body = _text(errors, "body", body, limit=ANSWER_MAX, required=True)
    reason = _text(errors, "reason", reason, limit=ANSWER_MAX, required=False)
    if state == AnswerState.NOT_FEASIBLE and not reason and "reason" not in errors:
        errors["reason"] = [REASON_REQUIRED]
    if errors:
        raise ValidationFailed(errors)
    if not transitions.can_answer(item.status, state):
        raise Conflict(
            ANSWER_NOT_ALLOWED,
            field="state",
            code="transition_not_allowed",
            params={"status": str(HallStatus(item.status).label), "state": str(AnswerState(state).label)},
        )
    return body, reason if state == AnswerState.NOT_FEASIBLE else ""


@transaction.atomic
def hall_answer_save_draft(*, actor, item, state, body, reason=""):
    """Create or replace the item's one draft answer. Nobody but staff sees it; nobody is told.

    Raises NotFound, ValidationFailed (unknown state, missing body, not feasible without a reason),
    Conflict (a state the item cannot move to from its status).
    """
    locked = _lock_item(actor, item, ANSWER)
    body, reason = _answer_input(locked, state, body, reason)
    draft = HallAnswer.objects.filter(item=locked, published_at__isnull=True).first()
    if draft is None:
        draft = HallAnswer(item=locked, drafted_by=actor)
    draft.state = state
    draft.body = body
    draft.reason = reason
    draft.department_name = _department_name(locked)
    draft.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=draft,
        changes=snapshot(draft),
        area_path=locked.area.path,
    )
    return draft


@transaction.atomic
def hall_answer_publish(*, actor, item):
    """Publish the item's draft answer: the item takes the answer's state (closed when answered or
    not feasible), the answer becomes public, the author and supporters are told.

    Raises NotFound, Conflict (no draft; the item moved meanwhile so the state no longer applies).
    """
    locked = _lock_item(actor, item, PUBLISH)
    draft = HallAnswer.objects.select_for_update().filter(item=locked, published_at__isnull=True).first()
    if draft is None:
        raise Conflict(NO_DRAFT, code="no_draft")
    _answer_input(locked, draft.state, draft.body, draft.reason)
    now = timezone.now()
    draft.published_at = now
    draft.published_by = actor
    # The name as it is now: the item may have been re-routed since the draft was saved.
    draft.department_name = _department_name(locked)
    draft.save(update_fields=["published_at", "published_by", "department_name", "updated_at"])
    from_status = locked.status
    locked.status = draft.state
    locked.closed_at = now if locked.status in transitions.CLOSED_STATUSES else None
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=locked,
        changes={"status": [from_status, locked.status]},
        message="answer published",
    )
    _notify(
        locked,
        NOTICE_ANSWER % {"state": AnswerState(draft.state).label, "title": locked.title},
        body=draft.body + (f"\n{draft.reason}" if draft.reason else ""),
    )
    return draft


@transaction.atomic
def hall_milestone_add(*, actor, item, title, note=""):
    """Record a public progress milestone on an item with a department and not closed, and tell the
    author and the supporters. Raises NotFound, ValidationFailed, Conflict (wrong status)."""
    locked = _lock_item(actor, item, MILESTONE)
    errors = {}
    title = _text(errors, "title", title, limit=MILESTONE_TITLE_MAX, required=True)
    note = _text(errors, "note", note, limit=ANSWER_MAX, required=False)
    if errors:
        raise ValidationFailed(errors)
    if locked.status not in transitions.MILESTONE_STATUSES:
        raise Conflict(MILESTONE_NOT_ALLOWED, code="transition_not_allowed")
    milestone = HallMilestone.objects.create(item=locked, title=title, note=note, recorded_by=actor)
    HallItem.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=milestone,
        changes=snapshot(milestone),
        area_path=locked.area.path,
    )
    _notify(locked, NOTICE_MILESTONE % {"title": locked.title, "milestone": title}, body=note or title)
    return milestone
