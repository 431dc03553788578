"""Request and response shapes of the reports API. Never a ModelSchema: personal data stays out."""

import datetime
import uuid

from ninja import Schema

from nuanxin.stations.geo import from_wgs84

from .selectors import coarsen


class CategoryOut(Schema):
    code: str
    name: str
    time_limit_hours: int


class PhotoOut(Schema):
    url: str


class EventOut(Schema):
    occurred_at: datetime.datetime
    kind: str
    from_status: str
    to_status: str
    to_status_label: str
    note: str


class DuplicateOut(Schema):
    id: uuid.UUID
    category: str
    status: str
    description: str
    distance_m: int
    created_at: datetime.datetime


class ReportOut(Schema):
    id: uuid.UUID
    category: str
    category_name: str
    description: str
    address: str
    lat: float
    lng: float
    crs: str
    # True when the point was placed from the address text (Open311 address_string), not sent.
    location_approximate: bool = False
    street: str
    street_name: str
    department: str | None
    status: str
    status_label: str
    due_at: datetime.datetime
    created_at: datetime.datetime
    resolved_at: datetime.datetime | None
    escalated: bool
    duplicate_of: uuid.UUID | None
    can_reopen_until: datetime.datetime | None = None
    photos: list[PhotoOut] = []
    history: list[EventOut] = []


class SubmitOut(ReportOut):
    replayed: bool
    possible_duplicates: list[DuplicateOut]


class ReportListOut(Schema):
    count: int
    items: list[ReportOut]


class StaffReportOut(ReportOut):
    source: str
    is_overdue: bool
    escalated_to: str | None
    reporter_name: str | None


class StaffReportListOut(Schema):
    count: int
    items: list[StaffReportOut]


class TransitionIn(Schema):
    to_status: str
    note: str = ""
    department: uuid.UUID | None = None


class ReopenIn(Schema):
    note: str = ""


class MergeIn(Schema):
    original: uuid.UUID
    note: str = ""


class BulkTransitionIn(TransitionIn):
    ids: list[uuid.UUID]


class BulkResultOut(Schema):
    id: uuid.UUID
    ok: bool
    status: str | None = None
    code: str | None = None
    message: str | None = None


class MapPointOut(Schema):
    category: str
    category_name: str
    status: str
    status_label: str
    lat: float
    lng: float
    street_name: str
    created_on: datetime.date


class FiguresOut(Schema):
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_area: dict[str, int]
    handling_times: dict


def report_out(report, *, crs="wgs84", events=None, photos=None, request=None, extra=None):
    from . import services, transitions

    lat, lng = from_wgs84(report.latitude, report.longitude, crs)
    can_reopen_until = None
    if report.status == transitions.RESOLVED and report.resolved_at:
        can_reopen_until = report.resolved_at + datetime.timedelta(days=services.reopen_days())
    data = {
        "id": report.public_id,
        "category": report.category.code,
        "category_name": report.category.name,
        "description": report.description,
        "address": report.address,
        "lat": round(lat, 7),
        "lng": round(lng, 7),
        "crs": crs,
        "location_approximate": report.location_approximate,
        "street": report.area.code,
        "street_name": report.area.name,
        "department": report.department.name if report.department_id else None,
        "status": report.status,
        "status_label": services.status_label(report.status),
        "due_at": report.due_at,
        "created_at": report.created_at,
        "resolved_at": report.resolved_at,
        "escalated": report.escalated_at is not None,
        "duplicate_of": report.duplicate_of.public_id if report.duplicate_of_id else None,
        "can_reopen_until": can_reopen_until,
        "photos": [{"url": photo.image.url} for photo in (photos or [])],
        "history": [
            {
                "occurred_at": event.occurred_at,
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "to_status_label": str(event.to_status_label),
                "note": event.note,
            }
            for event in (events or [])
        ],
    }
    data.update(extra or {})
    return data


def staff_report_out(report, *, now, crs="wgs84", events=None, photos=None):
    from . import transitions

    return report_out(
        report,
        crs=crs,
        events=events,
        photos=photos,
        extra={
            "source": report.source,
            "is_overdue": report.status in transitions.OPEN_STATUSES and report.due_at < now,
            "escalated_to": report.escalated_to.code if report.escalated_to_id else None,
            # The reporter's chosen name only: no phone, no ID number.
            "reporter_name": (report.reporter.name or None) if report.reporter_id else None,
        },
    )


def map_point_out(report, *, crs="wgs84"):
    from . import services

    lat, lng = from_wgs84(coarsen(report.latitude), coarsen(report.longitude), crs)
    return {
        "category": report.category.code,
        "category_name": report.category.name,
        "status": report.status,
        "status_label": services.status_label(report.status),
        "lat": round(lat, 4),
        "lng": round(lng, 4),
        "street_name": report.area.name,
        "created_on": report.created_at.date(),
    }
