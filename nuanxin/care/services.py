"""Writes of S1 (the catalog) and S6 (posters, visits). Service records: see `records.py`.

Staff services check `permissions` (rows outside the actor's reach: NotFound). Visits:
- `visit_check_in`: the courier scanned a station's poster; the token must be genuine, the poster
  neither revoked nor expired, the station open to couriers;
- `visit_record`: a steward (or area staff) records a courier's visit by phone number;
both go through `_visit_create`, which counts a courier's visits to one station within
CHECK_IN_WINDOW_MINUTES once (the second scan returns the first visit), under a lock on the courier
row so that two quick scans cannot both count. Each new visit becomes one service record.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.crypto import lookup_hash
from nuanxin.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area
from nuanxin.core.validators import normalize_phone
from nuanxin.couriers.models import CourierProfile
from nuanxin.stations.models import Station

from .models import CheckInPoster, ServiceItem, ServiceRecord, StationVisit
from .permissions import ADD, CHANGE, DELETE, can_serve_station, catalog_policy, poster_policy
from .records import service_record_create
from .tokens import poster_public_id

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CHOICE_UNKNOWN = _("Choose one of: %(choices)s.")
AREA_UNKNOWN = _("No area has this code.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
STATION_UNKNOWN = _("No station you manage has this ID.")
STATION_CLOSED = _("This station is not open to couriers at the moment.")
TOKEN_INVALID = _("This QR code is not a valid station poster. Please scan the poster on the station's wall.")
POSTER_EXPIRED = _("This poster has expired. Please ask the station for the new one.")
POSTER_REVOKED = _("This poster is no longer in use. Please ask the station for the new one.")
POSTER_ALREADY_REVOKED = _("This poster has already been revoked.")
PHONE_INVALID = _("Enter a mainland mobile number of 11 digits.")
COURIER_UNKNOWN = _("No registered courier has this phone number.")
TIME_IN_FUTURE = _("The time of the visit cannot be in the future.")
TIME_TOO_OLD = _("A visit can be recorded at most %(days)s days afterwards.")
NO_WORK_AREA = _("Set your work area first.")

DEFAULT_CHECK_IN_WINDOW_MINUTES = 30
DEFAULT_POSTER_VALID_DAYS = 366
BACKDATE_DAYS = 7


class CheckInRefused(DomainError):
    status_code = 400
    code = "check_in_refused"


def check_in_window():
    minutes = getattr(settings, "NUANXIN_CHECK_IN_WINDOW_MINUTES", DEFAULT_CHECK_IN_WINDOW_MINUTES)
    return datetime.timedelta(minutes=minutes)


# --- the catalog -------------------------------------------------------------------------------

_ITEM_FIELDS = [
    "name",
    "kind",
    "description",
    "provider_type",
    "station",
    "provider_name",
    "area",
    "schedule",
    "eligibility",
    "contact_phone",
    "is_published",
    "sort_order",
]
_TEXT_LIMITS = {
    "name": 100,
    "description": 5000,
    "provider_name": 100,
    "schedule": 200,
    "eligibility": 200,
    "contact_phone": 32,
}


def _managed_station(actor, station_id):
    station = Station.objects.select_related("area").filter(public_id=station_id).first()
    if station is None or not object_in_actor_area(actor, station.area):
        return None
    return station


def _item_input(actor, data):
    errors = {}
    cleaned = {}
    for field, limit in _TEXT_LIMITS.items():
        value = (data.get(field) or "").strip()
        if len(value) > limit:
            errors[field] = [TEXT_TOO_LONG % {"limit": limit}]
        cleaned[field] = value
    if not cleaned["name"]:
        errors["name"] = [FIELD_REQUIRED]
    kind = data.get("kind") or ""
    if kind not in ServiceItem.Kind.values:
        errors["kind"] = [CHOICE_UNKNOWN % {"choices": ", ".join(ServiceItem.Kind.values)}]
    provider_type = data.get("provider_type") or ""
    if provider_type not in ServiceItem.ProviderType.values:
        errors["provider_type"] = [CHOICE_UNKNOWN % {"choices": ", ".join(ServiceItem.ProviderType.values)}]
    station = area = None
    if provider_type == ServiceItem.ProviderType.STATION:
        if not data.get("station_id"):
            errors["station_id"] = [FIELD_REQUIRED]
        else:
            station = _managed_station(actor, data["station_id"])
            if station is None:
                errors["station_id"] = [STATION_UNKNOWN]
            else:
                area = station.area
    elif provider_type:
        if not cleaned["provider_name"]:
            errors["provider_name"] = [FIELD_REQUIRED]
        area_code = data.get("area_code") or ""
        area = Area.objects.filter(code=area_code).first() if area_code else None
        if not area_code:
            errors["area_code"] = [FIELD_REQUIRED]
        elif area is None:
            errors["area_code"] = [AREA_UNKNOWN]
        elif not object_in_actor_area(actor, area):
            errors["area_code"] = [AREA_OUTSIDE_YOURS]
    if errors:
        raise ValidationFailed(errors)
    return {
        **cleaned,
        "kind": kind,
        "provider_type": provider_type,
        "station": station,
        "area": area,
        "is_published": bool(data.get("is_published", True)),
        "sort_order": int(data.get("sort_order") or 100),
    }


def service_item_validate(*, actor, data):
    """Check a catalog entry's input as `service_item_create` would, without saving (the admin's
    form). Raises ValidationFailed."""
    _item_input(actor, data)


@transaction.atomic
def service_item_create(*, actor, data):
    """A catalog entry. `data`: name, kind, provider_type, station_id (a station's service) or
    provider_name + area_code (an organization's or department's), description, schedule,
    eligibility, contact_phone, is_published, sort_order. Raises ValidationFailed, NotFound."""
    if not catalog_policy.can(actor, ADD, None):
        raise NotFound()
    item = ServiceItem.objects.create(**_item_input(actor, data))
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=item, changes=snapshot(item, _ITEM_FIELDS))
    return item


@transaction.atomic
def service_item_update(*, actor, item, data):
    """Replace a catalog entry's fields. Raises NotFound (outside the actor's area), ValidationFailed."""
    locked = catalog_policy.scope(actor, ServiceItem.objects.select_for_update()).filter(pk=item.pk).first()
    if locked is None or not catalog_policy.can(actor, CHANGE, locked):
        raise NotFound()
    before = snapshot(locked, _ITEM_FIELDS)
    for field, value in _item_input(actor, data).items():
        setattr(locked, field, value)
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes=diff(before, snapshot(locked, _ITEM_FIELDS)),
    )
    return locked


@transaction.atomic
def service_item_delete(*, actor, item):
    """Remove a catalog entry. Raises NotFound."""
    locked = catalog_policy.scope(actor, ServiceItem.objects.select_for_update()).filter(pk=item.pk).first()
    if locked is None or not catalog_policy.can(actor, DELETE, locked):
        raise NotFound()
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=locked, changes=snapshot(locked, _ITEM_FIELDS)
    )
    locked.delete()


# --- posters -----------------------------------------------------------------------------------


@transaction.atomic
def poster_issue(*, actor, station, label=""):
    """A new QR poster for `station`, valid for NUANXIN_POSTER_VALID_DAYS. Raises NotFound
    (a station the actor does not serve), ValidationFailed (label too long)."""
    if station is None or not can_serve_station(actor, station):
        raise NotFound()
    label = (label or "").strip()
    if len(label) > 50:
        raise ValidationFailed({"label": [TEXT_TOO_LONG % {"limit": 50}]})
    days = getattr(settings, "NUANXIN_POSTER_VALID_DAYS", DEFAULT_POSTER_VALID_DAYS)
    poster = CheckInPoster.objects.create(
        station=station,
        label=label,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=poster,
        changes={"station": str(station.public_id), "label": label},
        area_path=station.area.path,
    )
    return poster


@transaction.atomic
def poster_revoke(*, actor, poster):
    """Stop a poster from working (lost, defaced). Raises NotFound, Conflict (revoked already)."""
    locked = (
        poster_policy.scope(actor, CheckInPoster.objects.select_for_update(of=("self",)))
        .select_related("station__area")
        .filter(pk=poster.pk)
        .first()
    )
    if locked is None or not poster_policy.can(actor, CHANGE, locked):
        raise NotFound()
    if locked.revoked_at is not None:
        raise Conflict(POSTER_ALREADY_REVOKED, code="poster_revoked")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes={"revoked_at": [None, str(locked.revoked_at)]},
        area_path=locked.station.area.path,
    )
    return locked


def poster_for_token(token):
    """The poster a scanned token names, if it may be used now. Raises CheckInRefused."""
    public_id = poster_public_id(token)
    poster = (
        CheckInPoster.objects.select_related("station__area").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if poster is None:
        raise CheckInRefused(TOKEN_INVALID, field="token", code="token_invalid")
    if poster.revoked_at is not None:
        raise CheckInRefused(POSTER_REVOKED, field="token", code="poster_revoked")
    if poster.expires_at <= timezone.now():
        raise CheckInRefused(POSTER_EXPIRED, field="token", code="poster_expired")
    if poster.station.status not in Station.PUBLIC_STATUSES:
        raise CheckInRefused(STATION_CLOSED, field="token", code="station_closed")
    return poster


# --- visits ------------------------------------------------------------------------------------


def _visit_create(*, actor, station, courier, method, occurred_at, poster=None, note=""):
    # Lock the courier row: two scans of the same courier run one after the other, so the second
    # sees the first visit and is counted with it.
    CourierProfile.objects.select_for_update().filter(pk=courier.pk).first()
    window = check_in_window()
    recent = (
        StationVisit.objects.filter(
            station=station,
            courier=courier,
            occurred_at__gt=occurred_at - window,
            occurred_at__lt=occurred_at + window,
        )
        .order_by("occurred_at")
        .first()
    )
    if recent is not None:
        return recent, False
    visit = StationVisit.objects.create(
        station=station,
        courier=courier,
        method=method,
        poster=poster,
        occurred_at=occurred_at,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=visit,
        changes={"station": str(station.public_id), "method": method},
        area_path=station.area.path,
    )
    service_record_create(
        actor=actor,
        kind=ServiceRecord.Kind.VISIT,
        courier=courier,
        station=station,
        occurred_at=occurred_at,
        source=visit,
    )
    return visit, True


@transaction.atomic
def visit_check_in(*, courier, token, actor=None):
    """The courier scanned a station's poster. Returns (visit, created); created is False when a
    visit of the courier to this station within the window already counts. Raises CheckInRefused
    (forged, revoked or expired poster; closed station)."""
    poster = poster_for_token(token)
    return _visit_create(
        actor=actor if actor is not None else courier.user,
        station=poster.station,
        courier=courier,
        method=StationVisit.Method.QR,
        occurred_at=timezone.now(),
        poster=poster,
    )


@transaction.atomic
def visit_record(*, actor, station_id, phone, occurred_at=None, note=""):
    """A steward (or area staff) records a courier's visit. Returns (visit, created).
    Raises NotFound (a station the actor does not serve), ValidationFailed (phone, time, note)."""
    station = Station.objects.select_related("area", "steward").filter(public_id=station_id).first()
    if station is None or not can_serve_station(actor, station):
        raise NotFound()
    errors = {}
    normalized = normalize_phone(phone)
    courier = None
    if not normalized:
        errors["phone"] = [PHONE_INVALID]
    else:
        courier = CourierProfile.objects.filter(
            phone_hash=lookup_hash(normalized), deleted_at__isnull=True
        ).first()
        if courier is None:
            errors["phone"] = [COURIER_UNKNOWN]
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + datetime.timedelta(minutes=1):
        errors["occurred_at"] = [TIME_IN_FUTURE]
    elif occurred_at < now - datetime.timedelta(days=BACKDATE_DAYS):
        errors["occurred_at"] = [TIME_TOO_OLD % {"days": BACKDATE_DAYS}]
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = [TEXT_TOO_LONG % {"limit": 200}]
    if errors:
        raise ValidationFailed(errors)
    return _visit_create(
        actor=actor,
        station=station,
        courier=courier,
        method=StationVisit.Method.STEWARD,
        occurred_at=occurred_at,
        note=note,
    )
