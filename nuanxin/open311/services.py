"""Writes of the Open311 server: issuing and revoking api_keys, and filing a service request.

Errors: `Open311Error(status, description)` — the views render it in the spec's error format
([{"code": status, "description": ...}] / <errors><error>…). Domain refusals of
`nuanxin.reports.services.report_create` (ValidationFailed and friends) become 400s, one error per
field, named by their Open311 parameter.
"""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.reports.geocode import geocode
from nuanxin.reports.models import Report, ReportCategory
from nuanxin.reports.services import report_create

from .models import ApiKey, Open311Submission, hash_api_key

API_KEY_INVALID = _("api_key was not provided or is not valid.")
SERVICE_CODE_REQUIRED = _("service_code is required.")
SERVICE_CODE_UNKNOWN = _("service_code “%(code)s” is not a service of this jurisdiction.")
LOCATION_REQUIRED = _("Give the location as lat and long, or as address_string.")
ADDRESS_NOT_PLACED = _(
    "address_string “%(address)s” could not be placed in a street this service covers: "
    "send lat and long, or an address that names the street (街道) or town."
)
ADDRESS_ID_ONLY = _(
    "This server has no address registry, so address_id alone cannot be placed: "
    "send lat and long, or address_string."
)
EMAIL_INVALID = _("email is not a valid e-mail address.")
MEDIA_URL_INVALID = _("media_url must be an http or https URL of at most 500 characters.")
CONTACT_TOO_LONG = _("%(field)s is at most %(limit)s characters.")
ATTRIBUTE_VALUE_UNKNOWN = _("attribute[%(code)s] must be one of: %(choices)s.")
RATE_LIMITED = _("This api_key has sent too many requests in the last hour. Try again later.")

CONTACT_LIMITS = {"first_name": 50, "last_name": 50, "phone": 30}
MEDIA_URL_MAX = 500

# The one service attribute every service has (see selectors.service_attributes): the datum of
# lat/long. Chinese map SDKs (AMap, Tencent) give GCJ-02; GPS and most foreign clients give WGS-84.
CRS_ATTRIBUTE = "crs"
CRS_VALUES = ("wgs84", "gcj02")

# Our field names (report_create's ValidationFailed) → the Open311 parameter a client sent.
PARAMETER_OF_FIELD = {
    "category": "service_code",
    "location": "lat/long",
    "lat": "lat",
    "lng": "long",
    "crs": "attribute[crs]",
    "address": "address_string",
    "photos": "media",
    "description": "description",
    "idempotency_key": "Idempotency-Key",
}


class Open311Error(Exception):
    """One or more errors to answer with `status` in the spec's error format."""

    def __init__(self, status, *descriptions):
        self.status = status
        self.descriptions = [str(description) for description in descriptions]
        super().__init__("; ".join(self.descriptions))


# --- api keys ----------------------------------------------------------------------------------


@transaction.atomic
def api_key_issue(*, actor, name, department=None, raw_key=None, requests_per_hour=120):
    """Issue an api_key. Returns (raw_key, ApiKey); the raw key is shown once and never stored.

    `raw_key` is for fixed, public keys only (the demo city's `demo-open311-key`).
    Side effect: an audit row (without the key).
    """
    raw_key = raw_key or secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        department=department,
        key_hash=hash_api_key(raw_key),
        key_prefix=raw_key[:8],
        requests_per_hour=requests_per_hour,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=api_key,
        changes={"name": name, "department": str(department.public_id) if department else None},
        area_path=department.area.path if department else "",
    )
    return raw_key, api_key


@transaction.atomic
def api_key_revoke(*, actor, api_key):
    """Deactivate a key; posts with it answer 403 from then on. Side effect: an audit row."""
    api_key.is_active = False
    api_key.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=api_key, changes={"is_active": [True, False]}
    )
    return api_key


def api_key_authenticate(raw_key):
    """The active ApiKey for a raw key. Raises Open311Error(403) when missing or unknown."""
    raw_key = (raw_key or "").strip()
    api_key = (
        ApiKey.objects.filter(key_hash=hash_api_key(raw_key), is_active=True).first() if raw_key else None
    )
    if api_key is None:
        raise Open311Error(403, API_KEY_INVALID)
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > datetime.timedelta(minutes=5):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


# --- POST requests -----------------------------------------------------------------------------


def _contact(params, errors):
    contact = {}
    email = (params.get("email") or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append(EMAIL_INVALID)
    contact["email"] = email
    for field, limit in CONTACT_LIMITS.items():
        value = (params.get(field) or "").strip()
        if len(value) > limit:
            errors.append(CONTACT_TOO_LONG % {"field": field, "limit": limit})
        contact[field] = value
    return contact


def _media_url(params, errors):
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            if len(media_url) > MEDIA_URL_MAX:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(MEDIA_URL_INVALID)
    return media_url


def _domain_descriptions(error):
    if isinstance(error, ValidationFailed):
        return [
            f"{PARAMETER_OF_FIELD.get(field, field)}: {message}"
            for field, messages in error.errors.items()
            for message in messages
        ]
    return [error.text()]


def _city_of(api_key):
    """Where an address from this key is looked for: the city of the key's department, or the
    whole deployment (None) for a partner key."""
    if api_key.department_id is None:
        return None
    codes = [code for code in api_key.department.area.path.strip("/").split("/") if code]
    return (
        Area.objects.filter(code__in=codes, level__lte=Area.Level.CITY).order_by("-level").first()
        or api_key.department.area
    )


def open311_request_create(*, api_key, params, files=(), idempotency_key="", now=None):
    """File a service request posted by an Open311 client. Returns (Open311Submission, replayed).

    `params` is the POST body (urlencoded or multipart: both arrive as request.POST); `files` are
    photos sent as `media` parts of a multipart body (at most 3, cleaned like the app's).
    Without lat/long, `address_string` is geocoded (`nuanxin.reports.geocode`, within the city of
    the key's department); the report then records `location_approximate`. An address that cannot
    be placed, or `address_id` alone (there is no address registry), is a 400.
    The report is created by `report_create` (source=open311, source_detail=the key's name),
    routed and timed like any other. With an Idempotency-Key header a retried POST returns the
    first submission. Raises Open311Error(400) for bad input, Open311Error(429) past the key's
    hourly limit. Side effects: those of report_create; an audit row for the report.
    """
    now = now or timezone.now()
    errors = []
    code = (params.get("service_code") or "").strip()
    if not code:
        errors.append(SERVICE_CODE_REQUIRED)
    elif not ReportCategory.objects.filter(code=code, is_active=True).exists():
        errors.append(SERVICE_CODE_UNKNOWN % {"code": code})
    lat, lng = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    needs_geocoding = not lat or not lng
    if needs_geocoding and not address:
        errors.append(ADDRESS_ID_ONLY if (params.get("address_id") or "").strip() else LOCATION_REQUIRED)
    crs = (params.get(f"attribute[{CRS_ATTRIBUTE}]") or "wgs84").strip().lower()
    if crs not in CRS_VALUES:
        errors.append(ATTRIBUTE_VALUE_UNKNOWN % {"code": CRS_ATTRIBUTE, "choices": ", ".join(CRS_VALUES)})
    contact = _contact(params, errors)
    media_url = _media_url(params, errors)
    if errors:
        raise Open311Error(400, *errors)

    scope = f"open311:{api_key.pk}"
    if idempotency_key:
        existing = Open311Submission.objects.filter(
            report__idempotency_scope=scope, report__idempotency_key=idempotency_key.strip()
        ).first()
        if existing is not None:
            return existing, True
    if (
        Open311Submission.objects.filter(
            api_key=api_key, created_at__gte=now - datetime.timedelta(hours=1)
        ).count()
        >= api_key.requests_per_hour
    ):
        raise Open311Error(429, RATE_LIMITED)

    if needs_geocoding:
        # Geocoded only now, after the cheap refusals: an outside geocoder may be a paid call.
        placed = geocode(address, city_area=_city_of(api_key))
        if placed is None or placed.area is None:
            raise Open311Error(400, ADDRESS_NOT_PLACED % {"address": address[:100]})
        lat, lng, crs = placed.lat, placed.lng, "wgs84"
    data = {
        "category": code,
        "description": params.get("description"),
        "address": params.get("address_string") or "",
        "lat": lat,
        "lng": lng,
        "crs": crs,
    }
    try:
        with transaction.atomic():
            report = report_create(
                actor=None,
                data=data,
                photos=list(files),
                idempotency_key=idempotency_key,
                source=Report.Source.OPEN311,
                source_detail=api_key.name[:100],
                idempotency_scope=scope,
                location_approximate=needs_geocoding,
                now=now,
            )
            if getattr(report, "replayed", False):
                return report.open311_submission, True
            submission = Open311Submission.objects.create(
                report=report, api_key=api_key, token=secrets.token_hex(12), media_url=media_url, **contact
            )
    except DomainError as error:
        raise Open311Error(400, *_domain_descriptions(error)) from error
    return submission, False
