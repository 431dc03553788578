"""Reads of the Open311 server, shaped as the GeoReport v2 documents (plain dicts; `formats.py`
writes them as JSON or XML).

What the public feed shows (GET requests needs no api_key, as the spec has it):
- lat/long snapped to the public map's grid (`nuanxin.reports.selectors.coarsen`), so the feed
  cannot point at a doorway or a courier the public map hides;
- the address only when an Open311 client sent it (a courier's free-text address stays in the app);
- media_url only when the client sent one: couriers' photos are not published;
- never the reporter or the submitter's contact details;
- lists leave out rejected and duplicate reports (as the public map does); a request looked up by
  its id is always answered, so a client learns what became of what it posted.
"""

import contextlib
import datetime
import uuid

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from nuanxin.reports import transitions
from nuanxin.reports.models import Report, ReportCategory, ReportEvent
from nuanxin.reports.selectors import coarsen

from .services import CRS_ATTRIBUTE, Open311Error

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_JURISDICTION_ID = "nuanxin"
DEFAULT_WINDOW_DAYS = 90
MAX_PAGE_SIZE = 1000
# When this endpoint's document last changed (the spec's sortable `changeset`); bump on changes.
DISCOVERY_CHANGESET = "2026-11-23T00:00:00+08:00"  # POST requests accepts address_string alone

JURISDICTION_UNKNOWN = _("jurisdiction_id “%(value)s” is not served by this endpoint.")
SERVICE_CODE_NOT_FOUND = _("service_code “%(code)s” was not found.")
REQUEST_NOT_FOUND = _("service_request_id “%(id)s” was not found.")
TOKEN_NOT_FOUND = _("token “%(token)s” was not found.")
DATE_INVALID = _("%(field)s must be a W3C date-time such as 2025-05-01T08:00:00+08:00.")
DATES_REVERSED = _("start_date must be before end_date.")
STATUS_INVALID = _("status must be open, closed or both (comma-separated).")
PAGE_INVALID = _("page must be a whole number from 1.")
PAGE_SIZE_INVALID = _("page_size must be a whole number from 1 to %(max)s.")
SERVICE_DESCRIPTION = _("%(name)s. Handled within %(hours)s hours.")
CRS_DESCRIPTION = _("Coordinate system of lat and long")
CRS_DATATYPE_DESCRIPTION = _("wgs84 (GPS) when absent; gcj02 for points from Chinese map apps.")
CRS_WGS84 = _("WGS-84 (GPS)")
CRS_GCJ02 = _("GCJ-02 (AMap, Tencent Maps)")
DUPLICATE_OF = _("Duplicate of %(id)s.")
TRIAGE_AGENCY = _("%(street)s (triage)")

OPEN311_OPEN = "open"
OPEN311_CLOSED = "closed"


def jurisdiction_id():
    return getattr(settings, "NUANXIN_OPEN311_JURISDICTION_ID", DEFAULT_JURISDICTION_ID)


def check_jurisdiction(value):
    """Accept no jurisdiction_id or ours; anything else is the spec's 404."""
    if value not in (None, "") and value != jurisdiction_id():
        raise Open311Error(404, JURISDICTION_UNKNOWN % {"value": value})


def iso(moment):
    """ISO 8601 with the deployment's offset: 2025-05-01T08:00:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def open311_status(status):
    return OPEN311_OPEN if status in transitions.OPEN_STATUSES else OPEN311_CLOSED


# --- discovery and services --------------------------------------------------------------------


def discovery(*, endpoint_url):
    contact = getattr(settings, "NUANXIN_OPEN311_CONTACT", "")
    return {
        "changeset": DISCOVERY_CHANGESET,
        "contact": contact,
        "key_service": getattr(settings, "NUANXIN_OPEN311_KEY_SERVICE", contact),
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": endpoint_url,
                "changeset": DISCOVERY_CHANGESET,
                "type": getattr(settings, "NUANXIN_OPEN311_ENDPOINT_TYPE", "production"),
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_list():
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": str(
                SERVICE_DESCRIPTION % {"name": category.name, "hours": category.time_limit_hours}
            ),
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for category in ReportCategory.objects.filter(is_active=True).order_by("sort_order", "code")
    ]


def service_attributes():
    return [
        {
            "variable": True,
            "code": CRS_ATTRIBUTE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": str(CRS_DATATYPE_DESCRIPTION),
            "order": 1,
            "description": str(CRS_DESCRIPTION),
            "values": [{"key": "wgs84", "name": str(CRS_WGS84)}, {"key": "gcj02", "name": str(CRS_GCJ02)}],
        }
    ]


def service_definition(code):
    """The spec's service definition. Raises Open311Error(404) for an unknown or retired code."""
    if not ReportCategory.objects.filter(code=code, is_active=True).exists():
        raise Open311Error(404, SERVICE_CODE_NOT_FOUND % {"code": code})
    return {"service_code": code, "attributes": service_attributes()}


# --- service requests --------------------------------------------------------------------------


def _requests_queryset():
    return Report.objects.select_related(
        "category", "area", "department", "duplicate_of", "open311_submission"
    ).prefetch_related(
        Prefetch(
            "events",
            queryset=ReportEvent.objects.filter(is_public=True, kind=ReportEvent.Kind.STATUS).order_by(
                "occurred_at", "id"
            ),
            to_attr="public_status_events",
        )
    )


def _status_notes(report):
    label = str(report.get_status_display())
    events = [event for event in report.public_status_events if event.to_status == report.status]
    note = events[-1].note.strip() if events else ""
    notes = f"{label}: {note}" if note else label
    if report.status == transitions.DUPLICATE and report.duplicate_of_id:
        notes = f"{notes} {DUPLICATE_OF % {'id': report.duplicate_of.public_id}}"
    return notes


def serialize_request(report):
    submission = getattr(report, "open311_submission", None)
    is_open = report.status in transitions.OPEN_STATUSES
    agency = (
        report.department.name if report.department_id else str(TRIAGE_AGENCY % {"street": report.area.name})
    )
    return {
        "service_request_id": str(report.public_id),
        "status": open311_status(report.status),
        "status_notes": _status_notes(report),
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(report.created_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.due_at) if is_open else None,
        "address": report.address if submission is not None else "",
        "address_id": "",
        "zipcode": "",
        "lat": coarsen(report.latitude),
        "long": coarsen(report.longitude),
        "media_url": submission.media_url if submission is not None else "",
    }


def _parse_moment(field, raw):
    raw = raw.strip().replace(" ", "+")  # an unescaped "+08:00" arrives as " 08:00"
    moment = None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, DATE_INVALID % {"field": field})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _positive_int(raw, default, maximum, message):
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Open311Error(400, message) from None
    if value < 1 or (maximum is not None and value > maximum):
        raise Open311Error(400, message)
    return value


def _split(raw):
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def request_list(params, *, now=None):
    """GET requests. With service_request_id (comma-separated) the other filters are ignored, as the
    spec says. Otherwise: service_code (comma-separated), status (open, closed), start_date and
    end_date on the requested time — the last 90 days when neither is given, 90 days before
    end_date when only it is — newest first, `page` (from 1) of `page_size` (1..1000, default 1000:
    the spec's cap, so a client that does not page gets what the spec promises).
    Raises Open311Error(400) for a bad date, status, page or page_size.
    """
    now = now or timezone.now()
    ids = _split(params.get("service_request_id"))
    if ids:
        public_ids = []
        for value in ids[:MAX_PAGE_SIZE]:
            try:
                public_ids.append(uuid.UUID(value))
            except ValueError:
                continue
        reports = _requests_queryset().filter(public_id__in=public_ids).order_by("-created_at", "-id")
        return [serialize_request(report) for report in reports]

    queryset = _requests_queryset().exclude(status__in=transitions.HIDDEN_FROM_PUBLIC)
    codes = _split(params.get("service_code"))
    if codes:
        queryset = queryset.filter(category__code__in=codes)
    statuses = [status.lower() for status in _split(params.get("status"))]
    if any(status not in (OPEN311_OPEN, OPEN311_CLOSED) for status in statuses):
        raise Open311Error(400, STATUS_INVALID)
    if set(statuses) == {OPEN311_OPEN}:
        queryset = queryset.filter(status__in=transitions.OPEN_STATUSES)
    elif set(statuses) == {OPEN311_CLOSED}:
        queryset = queryset.exclude(status__in=transitions.OPEN_STATUSES)
    start_raw, end_raw = params.get("start_date") or "", params.get("end_date") or ""
    start = _parse_moment("start_date", start_raw) if start_raw.strip() else None
    end = _parse_moment("end_date", end_raw) if end_raw.strip() else None
    if start is None:
        start = (end or now) - datetime.timedelta(days=DEFAULT_WINDOW_DAYS)
    if end is not None:
        if start >= end:
            raise Open311Error(400, DATES_REVERSED)
        queryset = queryset.filter(created_at__lte=end)
    queryset = queryset.filter(created_at__gte=start)
    page = _positive_int(params.get("page"), 1, None, PAGE_INVALID)
    page_size = _positive_int(
        params.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_SIZE_INVALID % {"max": MAX_PAGE_SIZE}
    )
    offset = (page - 1) * page_size
    reports = queryset.order_by("-created_at", "-id")[offset : offset + page_size]
    return [serialize_request(report) for report in reports]


def request_get(service_request_id):
    """GET requests/{id}: a one-item list. Raises Open311Error(404)."""
    report = None
    with contextlib.suppress(ValueError):
        report = _requests_queryset().filter(public_id=uuid.UUID(service_request_id)).first()
    if report is None:
        raise Open311Error(404, REQUEST_NOT_FOUND % {"id": service_request_id})
    return [serialize_request(report)]


def token_get(token):
    """GET tokens/{token}: [{"service_request_id", "token"}]. Raises Open311Error(404).

    Requests are created at once, so a token always resolves; it exists for clients that poll."""
    from .models import Open311Submission

    submission = Open311Submission.objects.select_related("report").filter(token=token).first()
    if submission is None:
        raise Open311Error(404, TOKEN_NOT_FOUND % {"token": token})
    return [{"service_request_id": str(submission.report.public_id), "token": submission.token}]
