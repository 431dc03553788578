"""Writes on stations and the station app's lists. The staff API, the admin and the management
commands all call these; nothing else writes a station.

Every service is atomic, checks the actor's permission (`actor=None` is the system itself, e.g. a
management command, and skips the check), validates its input into field errors
(`ValidationFailed({field: [message]})`), writes one audit row with a diff of what changed, and —
for the station's own fields, hours and amenities — ends with `derived.refresh_derived`.
"""

import datetime
import math
import re
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.images import check_upload_size, process_image
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area

from . import derived, geo, hours
from .models import (
    Amenity,
    DemonstrationBatch,
    OpeningPeriod,
    SpecialDay,
    StandardCheck,
    StandardItem,
    Station,
    StationContact,
    StationPhoto,
)
from .permissions import (
    ADD,
    CHANGE,
    DELETE,
    INSPECT,
    MANAGER_ONLY_FIELDS,
    SET_STATUS,
    VIEW,
    amenity_policy,
    area_row_policy,
    city_list_policy,
    station_policy,
)

FIELD_REQUIRED = _("This field is required.")
FIELD_NOT_ALLOWED = _("This field is not allowed.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
TEXT_EXPECTED = _("Enter text.")
BOOLEAN_EXPECTED = _("Enter true or false.")
NUMBER_EXPECTED = _("Enter a number.")
DATE_EXPECTED = _("Enter a valid date (YYYY-MM-DD).")
TIME_EXPECTED = _("Enter a time as HH:MM.")
LIST_EXPECTED = _("Enter a list.")
OBJECT_EXPECTED = _("Enter an object.")
CHOICE_INVALID = _("Choose one of: %(choices)s.")

AREA_UNKNOWN = _("No area has this code.")
AREA_WRONG_LEVEL = _("Choose a street/town or a community/village.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
CRS_UNKNOWN = _("Choose a coordinate system: wgs84 or gcj02.")
LATITUDE_OUT_OF_RANGE = _("Latitude must be between -90 and 90.")
LONGITUDE_OUT_OF_RANGE = _("Longitude must be between -180 and 180.")
COORDINATES_TOGETHER = _("Give latitude and longitude together.")
BATCH_UNKNOWN = _("No demonstration batch has this ID.")
BATCH_REQUIRED = _("A demonstration station needs its batch.")
BATCH_ONLY_FOR_DEMONSTRATION = _("Only a demonstration station has a batch.")
STEWARD_UNKNOWN = _("No account has this user name.")
STEWARD_NOT_A_STEWARD = _("This account is not an active station steward.")
STEWARD_OUTSIDE_STREET = _("The steward must work in the station's street.")
AMENITY_UNKNOWN = _("Unknown amenity: %(codes)s.")
AMENITY_INACTIVE = _("No longer offered: %(codes)s.")
SIGN_DATE_WITHOUT_SIGN = _("Only a station with the unified sign has an installation date.")
STEWARD_MAY_NOT_CHANGE = _("A station steward may not change this field; ask the street staff.")
SPECIAL_DAY_TWICE = _("This date is given twice.")
SPECIAL_DAY_NEEDS_HOURS = _("An open special day needs its opening and closing time.")
SPECIAL_DAY_EMPTY = _("Opening and closing time are the same. For a whole day enter 00:00–00:00.")
PHOTO_NOT_OF_STATION = _("This photo does not belong to this station.")
STANDARD_ITEM_UNKNOWN = _("Unknown standard item: choose one of %(choices)s.")
STANDARD_MET_NEEDS_EVIDENCE = _("A met item needs its evidence: a text or a file.")
NEXT_INSPECTION_BEFORE = _("The next inspection must come after this inspection.")
EVIDENCE_FILE_TYPE = _("Upload a PDF or an image.")
AMENITY_CODE_INVALID = _("Use lowercase letters, digits and underscores, starting with a letter.")
AMENITY_CODE_TAKEN = _("An amenity with this code exists already.")
AMENITY_BITS_EXHAUSTED = _("No more amenities can be added (63 at most); deactivate one instead.")
BATCH_IN_USE = _("Stations still belong to this batch.")
SORT_ORDER_INVALID = _("Enter a whole number from 0 to 32767.")

# Model fields a station write may set; the rest are derived or bookkeeping.
STATION_FIELDS = (
    "name",
    "host_type",
    "host_organization",
    "area",
    "address",
    "latitude",
    "longitude",
    "description",
    "is_24_hours",
    "closes_on_public_holidays",
    "steward",
    "phone",
    "status",
    "demonstration_batch",
    "has_unified_sign",
    "sign_installed_on",
)
STATION_DATA_KEYS = frozenset(
    (*STATION_FIELDS, "area_code", "crs", "amenity_codes", "opening_periods", "contacts", "special_days")
)
_REQUIRED_TEXT = ("name", "host_organization", "address")
_OPTIONAL_TEXT = ("description", "phone")
_BOOLEANS = ("is_24_hours", "closes_on_public_holidays", "has_unified_sign")
_DESCRIPTION_LIMIT = 5000
_EVIDENCE_LIMIT = 5000
AMENITY_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_AMENITY_BIT = 62
_MAX_SORT_ORDER = 32767


# --- small helpers ------------------------------------------------------------------------------


def _max_length(model, field):
    return model._meta.get_field(field).max_length


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _clean_text(errors, key, value, *, limit, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, key, TEXT_EXPECTED)
        return None
    value = value.strip()
    if required and not value:
        _add(errors, key, FIELD_REQUIRED)
        return None
    if limit and len(value) > limit:
        _add(errors, key, str(TEXT_TOO_LONG) % {"limit": limit})
        return None
    return value


def _clean_bool(errors, key, value):
    if isinstance(value, bool):
        return value
    _add(errors, key, BOOLEAN_EXPECTED)
    return None


def _clean_date(errors, key, value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        _add(errors, key, DATE_EXPECTED)
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        _add(errors, key, DATE_EXPECTED)
        return None


def _clean_time(errors, key, value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    try:
        return datetime.time(int(match.group(1)), int(match.group(2)))
    except (AttributeError, ValueError):
        _add(errors, key, TIME_EXPECTED)
        return None


def _clean_number(errors, key, value):
    if isinstance(value, bool) or value is None:
        _add(errors, key, NUMBER_EXPECTED if value is not None else FIELD_REQUIRED)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        _add(errors, key, NUMBER_EXPECTED)
        return None
    if not math.isfinite(number):
        _add(errors, key, NUMBER_EXPECTED)
        return None
    return number


def _is_sort_order(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_SORT_ORDER


def _choices_text(choices):
    return ", ".join(choices)


def _street_of(area):
    """The street/town node at or above `area` (the area itself when it is one)."""
    node = area
    while node is not None and node.level > Area.Level.STREET:
        node = node.parent
    return node if node is not None and node.level == Area.Level.STREET else area


def _is_system(actor):
    return actor is None


def _require(actor, policy, action, obj):
    """Missing and forbidden answer alike (NotFound) when the actor may not even see `obj`;
    PermissionDenied when they may see it but not do `action`."""
    if _is_system(actor) or policy.can(actor, action, obj):
        return
    if obj is not None and not policy.can(actor, VIEW, obj):
        raise NotFound()
    raise PermissionDenied()


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _forget_prefetch(instance):
    # Rows were replaced behind the related managers' backs: drop any prefetched copies.
    getattr(instance, "_prefetched_objects_cache", {}).clear()


def _delete_files_on_commit(names_by_storage):
    def _delete():
        for storage, name in names_by_storage:
            if name:
                storage.delete(name)

    transaction.on_commit(_delete)


# --- station validation -------------------------------------------------------------------------


class _Cleaned:
    """A station write's validated input: model field values and the replaced child lists
    (None = not given, leave as is)."""

    def __init__(self):
        self.values = {}
        self.amenities = None
        self.periods = None
        self.contacts = None
        self.special_days = None


def _resolve_area(errors, data, actor):
    key = "area_code" if "area_code" in data and "area" not in data else "area"
    value = data.get(key)
    if value is None or value == "":
        _add(errors, key, FIELD_REQUIRED)
        return None
    if isinstance(value, Area):
        area = value
    elif isinstance(value, str):
        area = Area.objects.filter(code=value.strip()).first()
        if area is None:
            _add(errors, key, AREA_UNKNOWN)
            return None
    else:
        _add(errors, key, AREA_UNKNOWN)
        return None
    if area.level not in (Area.Level.STREET, Area.Level.COMMUNITY):
        _add(errors, key, AREA_WRONG_LEVEL)
        return None
    if not _is_system(actor) and not object_in_actor_area(actor, area):
        _add(errors, key, AREA_OUTSIDE_YOURS)
        return None
    return area


def _resolve_batch(errors, value):
    if value is None or value == "":
        return None
    if isinstance(value, DemonstrationBatch):
        return value
    if isinstance(value, bool):
        _add(errors, "demonstration_batch", BATCH_UNKNOWN)
        return None
    lookup = {"name": value} if isinstance(value, str) and not value.isdigit() else {"pk": value}
    try:
        batch = DemonstrationBatch.objects.filter(**lookup).first()
    except (TypeError, ValueError):
        batch = None
    if batch is None:
        _add(errors, "demonstration_batch", BATCH_UNKNOWN)
    return batch


def _resolve_steward(errors, value):
    if value is None or value == "":
        return None
    if isinstance(value, User):
        steward = value
    elif isinstance(value, str):
        steward = User.objects.select_related("area").filter(username=value.strip()).first()
        if steward is None:
            _add(errors, "steward", STEWARD_UNKNOWN)
            return None
    else:
        _add(errors, "steward", STEWARD_UNKNOWN)
        return None
    if steward.role != Role.STEWARD or not steward.is_active or steward.area_id is None:
        _add(errors, "steward", STEWARD_NOT_A_STEWARD)
        return None
    return steward


def _clean_amenities(errors, value):
    if not isinstance(value, list | tuple):
        _add(errors, "amenity_codes", LIST_EXPECTED)
        return None
    codes = []
    for code in value:
        if not isinstance(code, str):
            _add(errors, "amenity_codes", TEXT_EXPECTED)
            return None
        if code.strip() not in codes:
            codes.append(code.strip())
    found = {amenity.code: amenity for amenity in Amenity.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    inactive = [code for code in codes if code in found and not found[code].is_active]
    if unknown:
        _add(errors, "amenity_codes", str(AMENITY_UNKNOWN) % {"codes": ", ".join(unknown)})
    if inactive:
        _add(errors, "amenity_codes", str(AMENITY_INACTIVE) % {"codes": ", ".join(inactive)})
    return None if unknown or inactive else [found[code] for code in codes]


def _clean_periods(errors, value):
    try:
        return hours.parse_periods(value)
    except ValidationFailed as error:
        for key, messages in error.errors.items():
            errors.setdefault(key, []).extend(messages)
    return None


def _clean_contacts(errors, value):
    if not isinstance(value, list | tuple):
        _add(errors, "contacts", LIST_EXPECTED)
        return None
    contacts = []
    for index, row in enumerate(value):
        prefix = f"contacts.{index}"
        if not isinstance(row, dict):
            _add(errors, prefix, OBJECT_EXPECTED)
            continue
        title = _clean_text(
            errors,
            f"{prefix}.title",
            row.get("title"),
            limit=_max_length(StationContact, "title"),
            required=True,
        )
        name = _clean_text(
            errors, f"{prefix}.name", row.get("name"), limit=_max_length(StationContact, "name")
        )
        phone = _clean_text(
            errors,
            f"{prefix}.phone",
            row.get("phone"),
            limit=_max_length(StationContact, "phone"),
            required=True,
        )
        contacts.append({"title": title, "name": name, "phone": phone, "sort_order": index})
    return contacts


def _clean_special_days(errors, value):
    if not isinstance(value, list | tuple):
        _add(errors, "special_days", LIST_EXPECTED)
        return None
    days, seen = [], set()
    for index, row in enumerate(value):
        prefix = f"special_days.{index}"
        if not isinstance(row, dict):
            _add(errors, prefix, OBJECT_EXPECTED)
            continue
        day = _clean_date(errors, f"{prefix}.date", row.get("date"))
        if day is None and f"{prefix}.date" not in errors:
            _add(errors, f"{prefix}.date", FIELD_REQUIRED)
        if day is not None and day in seen:
            _add(errors, f"{prefix}.date", SPECIAL_DAY_TWICE)
        seen.add(day)
        is_closed = row.get("is_closed", True)
        if not isinstance(is_closed, bool):
            _add(errors, f"{prefix}.is_closed", BOOLEAN_EXPECTED)
            continue
        opens_at = _clean_time(errors, f"{prefix}.opens_at", row.get("opens_at"))
        closes_at = _clean_time(errors, f"{prefix}.closes_at", row.get("closes_at"))
        if not is_closed:
            for key, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
                if moment is None and f"{prefix}.{key}" not in errors:
                    _add(errors, f"{prefix}.{key}", SPECIAL_DAY_NEEDS_HOURS)
            if opens_at is not None and opens_at == closes_at and opens_at != datetime.time(0, 0):
                _add(errors, f"{prefix}.closes_at", SPECIAL_DAY_EMPTY)
        note = _clean_text(errors, f"{prefix}.note", row.get("note"), limit=_max_length(SpecialDay, "note"))
        days.append(
            {
                "date": day,
                "is_closed": is_closed,
                "opens_at": None if is_closed else opens_at,
                "closes_at": None if is_closed else closes_at,
                "note": note or "",
            }
        )
    return days


def _clean_coordinates(errors, data, station, values):
    crs = data.get("crs") or "wgs84"
    if crs not in geo.CRS_CHOICES:
        _add(errors, "crs", CRS_UNKNOWN)
        return
    given = [key for key in ("latitude", "longitude") if key in data]
    if station is None or given:
        missing = [key for key in ("latitude", "longitude") if key not in data]
        for key in missing:
            _add(errors, key, FIELD_REQUIRED if station is None else COORDINATES_TOGETHER)
        if missing:
            return
        latitude = _clean_number(errors, "latitude", data["latitude"])
        longitude = _clean_number(errors, "longitude", data["longitude"])
        if latitude is not None and not -90 <= latitude <= 90:
            _add(errors, "latitude", LATITUDE_OUT_OF_RANGE)
            latitude = None
        if longitude is not None and not -180 <= longitude <= 180:
            _add(errors, "longitude", LONGITUDE_OUT_OF_RANGE)
            longitude = None
        if latitude is not None and longitude is not None:
            values["latitude"], values["longitude"] = geo.to_wgs84(latitude, longitude, crs)


def _current(station, field, default=None):
    return getattr(station, field) if station is not None else default


def _clean_station(*, actor, station, data):
    """Validate a station write. `station` is None on create. Raises ValidationFailed with every
    field error at once, or PermissionDenied when a steward touches a manager-only field."""
    if not isinstance(data, dict):
        raise ValidationFailed({"__all__": [OBJECT_EXPECTED]})
    errors = {}
    cleaned = _Cleaned()
    values = cleaned.values
    creating = station is None

    for key in data:
        if key not in STATION_DATA_KEYS:
            _add(errors, key, FIELD_NOT_ALLOWED)

    for key in _REQUIRED_TEXT:
        if creating or key in data:
            text = _clean_text(errors, key, data.get(key), limit=_max_length(Station, key), required=True)
            if text is not None:
                values[key] = text
    for key in _OPTIONAL_TEXT:
        if key in data:
            limit = _DESCRIPTION_LIMIT if key == "description" else _max_length(Station, key)
            text = _clean_text(errors, key, data[key], limit=limit)
            if text is not None:
                values[key] = text
    for key in _BOOLEANS:
        if key in data:
            flag = _clean_bool(errors, key, data[key])
            if flag is not None:
                values[key] = flag

    if creating or "host_type" in data:
        host_type = data.get("host_type")
        if host_type in Station.HostType.values:
            values["host_type"] = host_type
        else:
            message = FIELD_REQUIRED if not host_type else CHOICE_INVALID
            _add(errors, "host_type", str(message) % {"choices": _choices_text(Station.HostType.values)})

    if creating or "area" in data or "area_code" in data:
        area = _resolve_area(errors, data, actor)
        if area is not None:
            values["area"] = area

    _clean_coordinates(errors, data, station, values)

    if "status" in data:
        if data["status"] in Station.Status.values:
            values["status"] = data["status"]
        else:
            _add(errors, "status", str(CHOICE_INVALID) % {"choices": _choices_text(Station.Status.values)})
    if "demonstration_batch" in data:
        values["demonstration_batch"] = _resolve_batch(errors, data["demonstration_batch"])
    if "steward" in data:
        values["steward"] = _resolve_steward(errors, data["steward"])
    if "sign_installed_on" in data:
        values["sign_installed_on"] = _clean_date(errors, "sign_installed_on", data["sign_installed_on"])

    # Rules across fields, on the values the station will have after this write.
    status = values.get("status", _current(station, "status", Station.Status.PLANNED))
    if status == Station.Status.DEMONSTRATION:
        batch = values.get("demonstration_batch", _current(station, "demonstration_batch"))
        if batch is None and "demonstration_batch" not in errors:
            _add(errors, "demonstration_batch", BATCH_REQUIRED)
    elif values.get("demonstration_batch") is not None:
        _add(errors, "demonstration_batch", BATCH_ONLY_FOR_DEMONSTRATION)
    elif _current(station, "demonstration_batch_id") is not None or "demonstration_batch" in values:
        # Leaving demonstration status ends the batch membership (the audit diff keeps it).
        values["demonstration_batch"] = None

    area = values.get("area", _current(station, "area"))
    steward = values.get("steward", _current(station, "steward"))
    steward_error_key = "steward" if "steward" in data else ("area_code" if "area_code" in data else "area")
    steward_in_street = area is None or steward is None or steward.area.path.startswith(_street_of(area).path)
    if not steward_in_street and "steward" not in errors:
        _add(errors, steward_error_key, STEWARD_OUTSIDE_STREET)

    has_sign = values.get("has_unified_sign", _current(station, "has_unified_sign", False))
    if not has_sign:
        if values.get("sign_installed_on") is not None:
            _add(errors, "sign_installed_on", SIGN_DATE_WITHOUT_SIGN)
        elif _current(station, "sign_installed_on") is not None:
            values["sign_installed_on"] = None

    if "amenity_codes" in data:
        cleaned.amenities = _clean_amenities(errors, data["amenity_codes"])
    if "opening_periods" in data:
        cleaned.periods = _clean_periods(errors, data["opening_periods"])
    if "contacts" in data:
        cleaned.contacts = _clean_contacts(errors, data["contacts"])
    if "special_days" in data:
        cleaned.special_days = _clean_special_days(errors, data["special_days"])

    if errors:
        raise ValidationFailed(errors)
    _refuse_steward_only_changes(actor, station, data, values)
    return cleaned


def _refuse_steward_only_changes(actor, station, data, values):
    """A steward may edit their station but not its area, steward, status or batch."""
    if _is_system(actor) or station is None or station_policy.can(actor, SET_STATUS, station):
        return
    for field in MANAGER_ONLY_FIELDS:
        if field in values and values[field] != getattr(station, field):
            key = "area_code" if field == "area" and "area_code" in data else field
            error = PermissionDenied(STEWARD_MAY_NOT_CHANGE)
            error.field = key
            raise error


def station_validate(*, actor, data, station=None):
    """Validate a station write without saving (the admin's forms use it for their messages).

    Raises ValidationFailed / PermissionDenied exactly as station_create / station_update would.
    """
    _clean_station(actor=actor, station=station, data=data)


def station_children_validate(*, opening_periods=None, contacts=None, special_days=None):
    """Validate the child lists of a station write on their own (the admin's inline formsets
    validate each list before anything is saved). Lists left None are not checked.

    Raises ValidationFailed with keys like "opening_periods.2.opens_at" / "special_days.0.date".
    """
    errors = {}
    if opening_periods is not None:
        _clean_periods(errors, opening_periods)
    if contacts is not None:
        _clean_contacts(errors, contacts)
    if special_days is not None:
        _clean_special_days(errors, special_days)
    if errors:
        raise ValidationFailed(errors)


# --- audit snapshots ----------------------------------------------------------------------------

_SNAPSHOT_FIELDS = [
    field for field in STATION_FIELDS if field not in ("area", "steward", "demonstration_batch")
]


def _station_snapshot(station):
    data = snapshot(station, fields=_SNAPSHOT_FIELDS)
    data["area"] = station.area.code if station.area_id else None
    data["steward"] = station.steward.username if station.steward_id else None
    data["demonstration_batch"] = station.demonstration_batch.name if station.demonstration_batch_id else None
    data["amenities"] = sorted(station.amenities.values_list("code", flat=True))
    data["opening_periods"] = [
        f"{period.weekday} {period.opens_at:%H:%M}-{period.closes_at:%H:%M}"
        for period in station.opening_periods.order_by("weekday", "opens_at")
    ]
    data["special_days"] = [
        f"{day.date} closed"
        if day.is_closed
        else f"{day.date} {day.opens_at:%H:%M}-{day.closes_at:%H:%M}" + (f" {day.note}" if day.note else "")
        for day in station.special_days.order_by("date")
    ]
    data["contacts"] = [
        f"{contact.title} {contact.name} {contact.phone}".replace("  ", " ")
        for contact in station.contacts.order_by("sort_order", "id")
    ]
    return data


def _photo_names(station):
    return [photo.image.name for photo in station.photos.order_by("sort_order", "id")]


# --- station writes -----------------------------------------------------------------------------


def _write_children(station, cleaned):
    if cleaned.amenities is not None:
        station.amenities.set(cleaned.amenities)
    if cleaned.periods is not None:
        station.opening_periods.all().delete()
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(station=station, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
            for weekday, opens_at, closes_at in cleaned.periods
        )
    if cleaned.contacts is not None:
        station.contacts.all().delete()
        StationContact.objects.bulk_create(StationContact(station=station, **row) for row in cleaned.contacts)
    if cleaned.special_days is not None:
        station.special_days.all().delete()
        SpecialDay.objects.bulk_create(SpecialDay(station=station, **row) for row in cleaned.special_days)
    _forget_prefetch(station)


def _lock(station):
    try:
        return (
            # of=("self",): PostgreSQL refuses to lock the nullable side of the outer joins
            # (steward, batch); only the station row needs the lock.
            Station.objects.select_for_update(of=("self",))
            .select_related("area", "steward", "steward__area", "demonstration_batch")
            .get(pk=station.pk)
        )
    except Station.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def station_create(*, actor, data):
    """Create a station from `data` (see the module docs for its keys).

    Raises PermissionDenied when the actor may not add stations at all; ValidationFailed with
    field errors (area outside the actor's subtree, unknown amenity, malformed hours…).
    Side effects: the station with its amenities, hours, contacts and special days; one audit
    row ("create") with every value; derived fields refreshed.
    """
    _require(actor, station_policy, ADD, None)
    cleaned = _clean_station(actor=actor, station=None, data=data)
    station = Station(**cleaned.values)
    station.save()
    _write_children(station, cleaned)
    derived.refresh_derived(station)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=station,
        changes=diff({}, _station_snapshot(station)),
    )
    return station


@transaction.atomic
def station_update(*, actor, station, data):
    """Change the fields given in `data` (others stay); child lists given are replaced whole.

    Raises NotFound when the actor may not see the station; PermissionDenied when they may see
    but not change it, or when a steward changes area, steward, status or batch;
    ValidationFailed with field errors.
    Side effects: the row (locked while changed) and its child rows; one audit row ("update")
    with the diff, none when nothing changed; derived fields refreshed. Returns the fresh row.
    """
    locked = _lock(station)
    _require(actor, station_policy, CHANGE, locked)
    cleaned = _clean_station(actor=actor, station=locked, data=data)
    return _apply(actor, locked, cleaned, action=AuditEntry.Action.UPDATE)


def _apply(actor, station, cleaned, *, action, message=""):
    before = _station_snapshot(station)
    changed = [field for field, value in cleaned.values.items() if getattr(station, field) != value]
    for field in changed:
        setattr(station, field, cleaned.values[field])
    if changed:
        station.save(update_fields=[*changed, "updated_at"])
    _write_children(station, cleaned)
    derived.refresh_derived(station)
    changes = diff(before, _station_snapshot(station))
    if changes and not changed:
        # Only hours, amenities, contacts or special days changed: the station still changed.
        station.save(update_fields=["updated_at"])
    if changes:
        audit_record(actor=actor, action=action, obj=station, changes=changes, message=message)
    return station


@transaction.atomic
def station_set_status(*, actor, station, status, demonstration_batch=None):
    """Move a station to rollout `status`; a demonstration station needs `demonstration_batch`
    (or keeps the one it has); any other status drops the batch.

    Raises NotFound / PermissionDenied (stewards may not change the status); ValidationFailed
    for an unknown status or batch, or a demonstration without batch.
    Side effects: the row; one audit row ("transition") with the diff; derived fields refreshed
    (the status decides whether couriers can find the station).
    """
    locked = _lock(station)
    _require(actor, station_policy, SET_STATUS, locked)
    data = {"status": status}
    if demonstration_batch is not None:
        data["demonstration_batch"] = demonstration_batch
    cleaned = _clean_station(actor=actor, station=locked, data=data)
    return _apply(actor, locked, cleaned, action=AuditEntry.Action.TRANSITION)


@transaction.atomic
def station_delete(*, actor, station):
    """Delete a station with its hours, contacts, photos and 六有 checks.

    Raises NotFound / PermissionDenied. Side effects: one audit row ("delete") with the last
    values; the photo and evidence files are removed from storage once the transaction commits.
    """
    locked = _lock(station)
    _require(actor, station_policy, DELETE, locked)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=locked,
        changes=diff(_station_snapshot(locked), {}),
    )
    files = [(photo.image.storage, photo.image.name) for photo in locked.photos.all()]
    files += [
        (check.evidence_file.storage, check.evidence_file.name)
        for check in locked.standard_checks.exclude(evidence_file="")
    ]
    locked.delete()
    _delete_files_on_commit(files)


# --- photos -------------------------------------------------------------------------------------


@transaction.atomic
def station_add_photo(*, actor, station, upload, caption="", sort_order=None):
    """Add a photo: validated and cleaned by `core.images.process_image` (a JPEG of at most
    1600 px without any EXIF), stored under the station.

    Raises NotFound / PermissionDenied; ValidationFailed on "image" (not an image, too large,
    too many pixels) or "caption". Side effects: the file in storage, the row, one audit row on
    the station with the list of photos before and after.
    """
    locked = _lock(station)
    _require(actor, station_policy, CHANGE, locked)
    errors = {}
    caption = _clean_text(errors, "caption", caption, limit=_max_length(StationPhoto, "caption"))
    if sort_order is not None and not _is_sort_order(sort_order):
        _add(errors, "sort_order", SORT_ORDER_INVALID)
    if upload is None:
        _add(errors, "image", FIELD_REQUIRED)
    if errors:
        raise ValidationFailed(errors)
    content = process_image(upload, field="image")
    before = _photo_names(locked)
    if sort_order is None:
        last = locked.photos.order_by("-sort_order").values_list("sort_order", flat=True).first()
        sort_order = 0 if last is None else last + 1
    photo = StationPhoto(station=locked, caption=caption, sort_order=sort_order)
    photo.image.save(content.name, content, save=False)
    photo.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes={"photos": [before, _photo_names(locked)]},
        message="photo added",
    )
    return photo


@transaction.atomic
def station_update_photo(*, actor, photo, caption=None, sort_order=None):
    """Change a photo's caption or place. Raises NotFound / PermissionDenied / ValidationFailed.
    Side effects: the row; one audit row on the photo when something changed."""
    locked = _lock(photo.station)
    _require(actor, station_policy, CHANGE, locked)
    errors = {}
    values = {}
    if caption is not None:
        values["caption"] = _clean_text(
            errors, "caption", caption, limit=_max_length(StationPhoto, "caption")
        )
    if sort_order is not None:
        if _is_sort_order(sort_order):
            values["sort_order"] = sort_order
        else:
            _add(errors, "sort_order", SORT_ORDER_INVALID)
    if errors:
        raise ValidationFailed(errors)
    current = StationPhoto.objects.get(pk=photo.pk)
    before = snapshot(current, fields=["caption", "sort_order"])
    for field, value in values.items():
        setattr(current, field, value)
    changes = diff(before, snapshot(current, fields=["caption", "sort_order"]))
    if changes:
        current.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=current,
            changes=changes,
            area_path=locked.area.path,
        )
    return current


@transaction.atomic
def station_remove_photo(*, actor, station, photo):
    """Remove one photo of `station`.

    Raises NotFound when the actor may not see the station or the photo is not the station's;
    PermissionDenied when they may see but not change it. Side effects: the row; the file once
    the transaction commits; one audit row on the station with the photo lists.
    """
    locked = _lock(station)
    _require(actor, station_policy, CHANGE, locked)
    if photo.station_id != locked.pk:
        raise NotFound(PHOTO_NOT_OF_STATION)
    before = _photo_names(locked)
    files = [(photo.image.storage, photo.image.name)]
    photo.delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes={"photos": [before, _photo_names(locked)]},
        message="photo removed",
    )
    _delete_files_on_commit(files)


# --- the 六有 standard ---------------------------------------------------------------------------


def standard_evidence_clean(upload, *, field="evidence_file"):
    """An evidence file as it will be stored: a PDF as is, an image cleaned like a photo.

    Raises ValidationFailed({field: [...]}) for an empty or too large file or any other type.
    """
    check_upload_size(upload, field=field)
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return ContentFile(upload.read(), name=f"{uuid.uuid4().hex}.pdf")
    try:
        return process_image(upload, field=field)
    except ValidationFailed:
        raise ValidationFailed({field: [EVIDENCE_FILE_TYPE]}) from None


def _check_snapshot(check):
    data = snapshot(check, fields=["is_met", "evidence", "inspected_on", "next_inspection_on"])
    data["evidence_file"] = check.evidence_file.name or None
    data["inspected_by"] = check.inspected_by.username if check.inspected_by_id else None
    return data


@transaction.atomic
def standard_check_set(
    *,
    actor,
    station,
    item,
    is_met,
    evidence="",
    evidence_file=None,
    inspected_on=None,
    next_inspection_on=None,
):
    """Record an inspection of one 六有 item: met or not, the evidence (text and/or a file), the
    inspection date (default today) and the next one due. The inspector is `actor`.

    A new `evidence_file` replaces the old one; without one the old file stays. A met item needs
    evidence. Raises NotFound / PermissionDenied (only area managers inspect); ValidationFailed on
    "item", "is_met", "evidence", "evidence_file", "inspected_on", "next_inspection_on".
    Side effects: the check row (created on first inspection); one audit row with the diff.
    """
    locked = _lock(station)
    _require(actor, station_policy, INSPECT, locked)
    errors = {}
    if item not in StandardItem.values:
        _add(errors, "item", str(STANDARD_ITEM_UNKNOWN) % {"choices": _choices_text(StandardItem.values)})
    if not isinstance(is_met, bool):
        _add(errors, "is_met", BOOLEAN_EXPECTED)
    evidence = _clean_text(errors, "evidence", evidence, limit=_EVIDENCE_LIMIT)
    inspected_on = _clean_date(errors, "inspected_on", inspected_on) or timezone.localdate()
    next_inspection_on = _clean_date(errors, "next_inspection_on", next_inspection_on)
    if next_inspection_on is not None and next_inspection_on <= inspected_on:
        _add(errors, "next_inspection_on", NEXT_INSPECTION_BEFORE)
    stored_file = None
    if evidence_file is not None:
        try:
            stored_file = standard_evidence_clean(evidence_file)
        except ValidationFailed as error:
            for key, messages in error.errors.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)

    check = StandardCheck.objects.select_for_update().filter(station=locked, item=item).first()
    if check is None:
        check = StandardCheck(station=locked, item=item)
    before = _check_snapshot(check) if check.pk else {}
    if is_met and not evidence and stored_file is None and not check.evidence_file:
        raise ValidationFailed({"evidence": [STANDARD_MET_NEEDS_EVIDENCE]})

    old_file = check.evidence_file.name if stored_file is not None and check.evidence_file else None
    check.is_met = is_met
    check.evidence = evidence
    check.inspected_on = inspected_on
    check.next_inspection_on = next_inspection_on
    check.inspected_by = _user_or_none(actor)
    if stored_file is not None:
        check.evidence_file.save(stored_file.name, stored_file, save=False)
    check.save()
    if old_file:
        _delete_files_on_commit([(check.evidence_file.storage, old_file)])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        obj=check,
        changes=diff(before, _check_snapshot(check)),
        area_path=locked.area.path,
    )
    return check


# --- the managed amenity list -------------------------------------------------------------------


def _amenity_values(errors, data, *, creating):
    values = {}
    for key, required in (("name", True), ("name_en", False), ("icon", False)):
        if creating or key in data:
            text = _clean_text(errors, key, data.get(key), limit=_max_length(Amenity, key), required=required)
            if text is not None:
                values[key] = text
    if "sort_order" in data:
        order = data["sort_order"]
        if _is_sort_order(order):
            values["sort_order"] = order
        else:
            _add(errors, "sort_order", SORT_ORDER_INVALID)
    if "is_active" in data:
        flag = _clean_bool(errors, "is_active", data["is_active"])
        if flag is not None:
            values["is_active"] = flag
    return values


@transaction.atomic
def amenity_create(*, actor, code, name, name_en="", icon="", sort_order=100, is_active=True):
    """Add an amenity to the managed list, on the lowest free bit (0..62) of `amenity_mask`.

    Raises PermissionDenied (city staff maintain the list); ValidationFailed on "code" (format,
    taken, or no free bit) and the other fields. Side effects: the row; one audit row.
    """
    _require(actor, amenity_policy, ADD, None)
    errors = {}
    if not isinstance(code, str) or not AMENITY_CODE_PATTERN.match(code.strip()):
        _add(errors, "code", AMENITY_CODE_INVALID)
    elif Amenity.objects.filter(code=code.strip()).exists():
        _add(errors, "code", AMENITY_CODE_TAKEN)
    data = {"name": name, "name_en": name_en, "icon": icon, "sort_order": sort_order, "is_active": is_active}
    values = _amenity_values(errors, data, creating=True)
    # Read the used bits under a lock so two concurrent adds cannot pick the same one.
    used = set(Amenity.objects.select_for_update().values_list("bit", flat=True))
    free = [bit for bit in range(_MAX_AMENITY_BIT + 1) if bit not in used]
    if not free:
        _add(errors, "code", AMENITY_BITS_EXHAUSTED)
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            amenity = Amenity.objects.create(code=code.strip(), bit=free[0], **values)
    except IntegrityError:
        raise Conflict(AMENITY_CODE_TAKEN, field="code") from None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=amenity,
        changes=diff(
            {}, snapshot(amenity, fields=["code", "name", "name_en", "icon", "sort_order", "is_active"])
        ),
    )
    return amenity


@transaction.atomic
def amenity_update(*, actor, amenity, data):
    """Rename, re-icon, reorder or (de)activate an amenity. Its code and bit never change: clients
    and the stations' masks refer to them. A deactivated amenity can no longer be given to a station.

    Raises PermissionDenied / ValidationFailed. Side effects: the row; one audit row with the diff.
    """
    _require(actor, amenity_policy, CHANGE, amenity)
    errors = {}
    unknown = [key for key in data if key not in {"name", "name_en", "icon", "sort_order", "is_active"}]
    for key in unknown:
        _add(errors, key, FIELD_NOT_ALLOWED)
    values = _amenity_values(errors, data, creating=False)
    if errors:
        raise ValidationFailed(errors)
    current = Amenity.objects.select_for_update().get(pk=amenity.pk)
    fields = ["name", "name_en", "icon", "sort_order", "is_active"]
    before = snapshot(current, fields=fields)
    for field, value in values.items():
        setattr(current, field, value)
    changes = diff(before, snapshot(current, fields=fields))
    if changes:
        current.save(update_fields=list(values))
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=current, changes=changes)
    return current


# --- rows of simple lists: demonstration batches, public holidays, a street's contact table and
# resource list. The admin edits them through forms; these save what the form built. -----------


def _django_errors(error):
    if hasattr(error, "message_dict"):
        return {key: list(messages) for key, messages in error.message_dict.items()}
    return {"__all__": list(error.messages)}


def _row_save(*, actor, row, policy, fields):
    """Validate (model validation) and save `row`, checking `policy` on its old and new state.

    Area-bound rows must name a street/town or community inside the actor's subtree.
    """
    is_new = row.pk is None
    stored = None if is_new else type(row).objects.select_for_update().filter(pk=row.pk).first()
    if not is_new and stored is None:
        raise NotFound()
    if is_new:
        _require(actor, policy, ADD, None)
    else:
        _require(actor, policy, CHANGE, stored)
    errors = {}
    if "area" in fields:
        area = row.area if row.area_id else None
        if area is None:
            _add(errors, "area", FIELD_REQUIRED)
        elif area.level not in (Area.Level.STREET, Area.Level.COMMUNITY):
            _add(errors, "area", AREA_WRONG_LEVEL)
        elif not _is_system(actor) and not policy.can(actor, CHANGE, row):
            _add(errors, "area", AREA_OUTSIDE_YOURS)
    try:
        row.full_clean()
    except DjangoValidationError as error:
        for key, messages in _django_errors(error).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    before = {} if is_new else snapshot(stored, fields=fields)
    row.save()
    changes = diff(before, snapshot(row, fields=fields))
    if changes or is_new:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if is_new else AuditEntry.Action.UPDATE,
            obj=row,
            changes=changes,
        )
    return row


def _row_delete(*, actor, row, policy, fields):
    stored = type(row).objects.select_for_update().filter(pk=row.pk).first()
    if stored is None:
        raise NotFound()
    _require(actor, policy, DELETE, stored)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=stored,
        changes=diff(snapshot(stored, fields=fields), {}),
    )
    stored.delete()


_SERVICE_CONTACT_FIELDS = ["area", "kind", "name", "phone", "address", "sort_order"]
_RESOURCE_ITEM_FIELDS = ["area", "name", "category", "provider", "contact", "description", "sort_order"]
_BATCH_FIELDS = ["name", "announced_on"]
_HOLIDAY_FIELDS = ["date", "name"]


@transaction.atomic
def service_contact_save(*, actor, contact):
    """Create or change a row of a street's service contact table. Raises NotFound /
    PermissionDenied / ValidationFailed. Side effects: the row; one audit row."""
    return _row_save(actor=actor, row=contact, policy=area_row_policy, fields=_SERVICE_CONTACT_FIELDS)


@transaction.atomic
def service_contact_delete(*, actor, contact):
    """Delete a contact-table row. Raises NotFound / PermissionDenied. Side effects: one audit row."""
    _row_delete(actor=actor, row=contact, policy=area_row_policy, fields=_SERVICE_CONTACT_FIELDS)


@transaction.atomic
def resource_item_save(*, actor, item):
    """Create or change a row of a street's resource list. Raises NotFound / PermissionDenied /
    ValidationFailed. Side effects: the row; one audit row."""
    return _row_save(actor=actor, row=item, policy=area_row_policy, fields=_RESOURCE_ITEM_FIELDS)


@transaction.atomic
def resource_item_delete(*, actor, item):
    """Delete a resource-list row. Raises NotFound / PermissionDenied. Side effects: one audit row."""
    _row_delete(actor=actor, row=item, policy=area_row_policy, fields=_RESOURCE_ITEM_FIELDS)


@transaction.atomic
def demonstration_batch_save(*, actor, batch):
    """Create or rename a demonstration batch (city staff). Side effects: the row; one audit row."""
    return _row_save(actor=actor, row=batch, policy=city_list_policy, fields=_BATCH_FIELDS)


@transaction.atomic
def demonstration_batch_delete(*, actor, batch):
    """Delete a batch no station belongs to. Raises Conflict while stations still do."""
    stored = DemonstrationBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if stored is None:
        raise NotFound()
    _require(actor, city_list_policy, DELETE, stored)
    if Station.objects.filter(demonstration_batch_id=batch.pk).exists():
        raise Conflict(BATCH_IN_USE)
    _row_delete(actor=actor, row=stored, policy=city_list_policy, fields=_BATCH_FIELDS)


@transaction.atomic
def public_holiday_save(*, actor, holiday):
    """Create or change a public holiday (city staff). Side effects: the row; one audit row."""
    return _row_save(actor=actor, row=holiday, policy=city_list_policy, fields=_HOLIDAY_FIELDS)


@transaction.atomic
def public_holiday_delete(*, actor, holiday):
    """Delete a public holiday (city staff). Side effects: one audit row."""
    _row_delete(actor=actor, row=holiday, policy=city_list_policy, fields=_HOLIDAY_FIELDS)
