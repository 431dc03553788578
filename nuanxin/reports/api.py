"""The JSON API of street reports, mounted at /api/v1/ (paths under /reports).

- public: /reports/categories, /reports/map (coarsened points, no personal data);
- courier: POST /reports (multipart or JSON; `Idempotency-Key` header), /reports/duplicates,
  /reports/mine, /reports/mine/{id}, /reports/mine/{id}/reopen;
- staff: /reports/queue (filters), /reports/queue/{id}, …/transition, …/merge,
  /reports/queue/bulk-transition, /reports/figures.
Handlers only parse, call selectors/services and shape the answer.
"""

import json
import uuid
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.core.permissions import get_visible_or_404
from nuanxin.couriers.permissions import require_courier

from . import permissions, selectors, services, transitions
from .models import Department, Report, ReportCategory
from .schemas import (
    BulkResultOut,
    BulkTransitionIn,
    CategoryOut,
    DuplicateOut,
    FiguresOut,
    MapPointOut,
    MergeIn,
    ReopenIn,
    ReportListOut,
    ReportOut,
    StaffReportListOut,
    StaffReportOut,
    SubmitOut,
    TransitionIn,
    map_point_out,
    report_out,
    staff_report_out,
)

MAX_PAGE = 100
CRS = Literal["wgs84", "gcj02"]
AREA_UNKNOWN = _("No area you can see has this code.")
DEPARTMENT_UNKNOWN = services.DEPARTMENT_UNKNOWN
BODY_NOT_JSON = _("The request body is not valid JSON.")

router = Router(tags=["street reports"])


class Page(Schema):
    limit: int = 20
    offset: int = 0


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


def _duplicates_out(pairs):
    return [
        {
            "id": report.public_id,
            "category": report.category.code,
            "status": report.status,
            "description": report.description[:100],
            "distance_m": round(distance),
            "created_at": report.created_at,
        }
        for report, distance in pairs
    ]


# --- public ------------------------------------------------------------------------------------


@router.get("/reports/categories", response=list[CategoryOut])
def category_list(request):
    """The managed list of report categories, with each one's time limit."""
    return list(ReportCategory.objects.filter(is_active=True).values("code", "name", "time_limit_hours"))


class MapFilter(Schema):
    category: str | None = None
    area: str | None = None
    crs: CRS = "wgs84"


@router.get("/reports/map", response=list[MapPointOut])
def public_map(request, filters: Query[MapFilter]):
    """Reports for the public map: category, status, street and a point snapped to a ~200 m grid.

    No description, photo, address or reporter: those may identify people.
    """
    area = Area.objects.filter(code=filters.area).first() if filters.area else None
    if filters.area and area is None:
        raise ValidationFailed({"area": [AREA_UNKNOWN]})
    reports = selectors.public_map_reports(category=filters.category, area=area)
    return [map_point_out(report, crs=filters.crs) for report in reports]


# --- courier -----------------------------------------------------------------------------------


def _submission(request):
    """(data, photos) from a multipart form or a JSON body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed({"__all__": [BODY_NOT_JSON]}) from None
        if not isinstance(data, dict):
            raise ValidationFailed({"__all__": [BODY_NOT_JSON]})
        return data, []
    return request.POST.dict(), request.FILES.getlist("photos")


@router.post("/reports", response={200: SubmitOut, 201: SubmitOut}, auth=AUTH)
def report_submit(request):
    """File a report (multipart: category, description, lat, lng, crs, address, photos×≤3).

    Send an `Idempotency-Key` header (e.g. a UUID made when the draft was started): a retry with the
    same key answers 200 with the first report instead of filing a second one. The answer lists
    open reports of the same category nearby (`possible_duplicates`).
    """
    require_courier(request)
    data, photos = _submission(request)
    report = services.report_create(
        actor=request.auth,
        data=data,
        photos=photos,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    replayed = report.replayed
    report = Report.objects.select_related("category", "area", "department", "duplicate_of").get(pk=report.pk)
    duplicates = selectors.possible_duplicates(
        category=report.category, lat=report.latitude, lng=report.longitude, exclude=report
    )
    crs = data.get("crs") if data.get("crs") in services.CRS_CHOICES else "wgs84"
    body = report_out(
        report,
        crs=crs,
        photos=list(report.photos.all()),
        events=list(report.events.filter(is_public=True)),
        extra={"replayed": replayed, "possible_duplicates": _duplicates_out(duplicates)},
    )
    return Status(200 if replayed else 201, body)


class DuplicateQuery(Schema):
    category: str
    lat: float
    lng: float
    crs: CRS = "wgs84"


@router.get("/reports/duplicates", response=list[DuplicateOut], auth=AUTH)
def duplicate_offer(request, query: Query[DuplicateQuery]):
    """Open reports of this category near this point (50 m, 7 days by default): 'is it one of these?'."""
    require_courier(request)
    category = ReportCategory.objects.filter(code=query.category, is_active=True).first()
    if category is None:
        raise ValidationFailed({"category": [services.CATEGORY_UNKNOWN]})
    errors = {}
    point = services.clean_location(errors, {"lat": query.lat, "lng": query.lng, "crs": query.crs})
    if errors:
        raise ValidationFailed(errors)
    return _duplicates_out(selectors.possible_duplicates(category=category, lat=point[0], lng=point[1]))


class MineFilter(Page):
    crs: CRS = "wgs84"


@router.get("/reports/mine", response=ReportListOut, auth=AUTH)
def report_list_mine(request, filters: Query[MineFilter]):
    """The courier's own reports, newest first, each with its public history."""
    courier = require_courier(request)
    count, items = _page(selectors.courier_report_list(courier=courier), filters)
    return {
        "count": count,
        "items": [report_out(report, crs=filters.crs, events=list(report.events.all())) for report in items],
    }


@router.get("/reports/mine/{uuid:report_id}", response=ReportOut, auth=AUTH)
def report_get_mine(request, report_id: uuid.UUID, crs: CRS = "wgs84"):
    courier = require_courier(request)
    report = selectors.report_get_for_courier(courier=courier, public_id=report_id)
    return report_out(report, crs=crs, events=list(report.events.all()), photos=list(report.photos.all()))


@router.post("/reports/mine/{uuid:report_id}/reopen", response=ReportOut, auth=AUTH)
def report_reopen(request, report_id: uuid.UUID, payload: ReopenIn):
    """Say a resolved report is not fixed (reason required), within the reopen window."""
    courier = require_courier(request)
    report = selectors.report_get_for_courier(courier=courier, public_id=report_id)
    services.report_transition(
        actor=request.auth, report=report, to_status=transitions.REOPENED, note=payload.note
    )
    report = selectors.report_get_for_courier(courier=courier, public_id=report_id)
    return report_out(report, events=list(report.events.all()), photos=list(report.photos.all()))


# --- staff -------------------------------------------------------------------------------------


class QueueFilter(Page):
    status: Literal[tuple(Report.Status.values)] | None = None  # type: ignore[valid-type]
    category: str | None = None
    department: str | None = None
    area: str | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    mine: bool = False
    crs: CRS = "wgs84"


def _staff_area(actor, code):
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None or not (
        permissions.is_superuser(actor) or (actor.area_id and area.path.startswith(actor.area.path))
    ):
        raise ValidationFailed({"area": [AREA_UNKNOWN]})
    return area


@router.get("/reports/queue", response=StaffReportListOut, auth=AUTH)
def report_queue(request, filters: Query[QueueFilter]):
    """The caller's queue, soonest due first. `department=triage`: the street's triage queue;
    a department's public id: that department; `mine=true`: the caller's departments. Each item has
    its WGS-84 (or GCJ-02) point for the staff map."""
    actor = permissions.require_staff(request.auth)
    if filters.department not in (None, "", "triage"):
        try:
            uuid.UUID(filters.department)
        except ValueError:
            raise ValidationFailed({"department": [DEPARTMENT_UNKNOWN]}) from None
    queryset = selectors.report_queue(
        actor=actor,
        status=filters.status,
        category=filters.category,
        department=filters.department,
        area=_staff_area(actor, filters.area),
        overdue=filters.overdue,
        escalated=filters.escalated,
        mine=filters.mine,
    ).select_related("reporter")
    count, items = _page(queryset, filters)
    now = timezone.now()
    return {"count": count, "items": [staff_report_out(report, now=now, crs=filters.crs) for report in items]}


def _staff_report(actor, report_id):
    queryset = permissions.report_scope(
        actor,
        Report.objects.select_related(
            "category", "area", "department", "duplicate_of", "escalated_to", "reporter"
        ),
    )
    return get_visible_or_404(queryset, public_id=report_id)


def _staff_detail(actor, report_id):
    report = _staff_report(actor, report_id)
    return staff_report_out(
        report, now=timezone.now(), events=list(report.events.all()), photos=list(report.photos.all())
    )


@router.get("/reports/queue/{uuid:report_id}", response=StaffReportOut, auth=AUTH)
def report_get_staff(request, report_id: uuid.UUID):
    """One report with its full history (internal events included) and photos."""
    actor = permissions.require_staff(request.auth)
    report = _staff_report(actor, report_id)
    services.report_staff_view_record(
        actor=actor, report=report, ip_address=request.META.get("REMOTE_ADDR") or None, purpose="staff API"
    )
    return staff_report_out(
        report, now=timezone.now(), events=list(report.events.all()), photos=list(report.photos.all())
    )


def _department(report_id):
    if report_id is None:
        return None
    department = Department.objects.filter(public_id=report_id).select_related("area").first()
    if department is None:
        raise ValidationFailed({"department": [DEPARTMENT_UNKNOWN]})
    return department


@router.post("/reports/queue/{uuid:report_id}/transition", response=StaffReportOut, auth=AUTH)
def report_transition(request, report_id: uuid.UUID, payload: TransitionIn):
    """Move a report one step of the workflow (see docs/reports.md for the table)."""
    actor = permissions.require_staff(request.auth)
    report = _staff_report(actor, report_id)
    services.report_transition(
        actor=actor,
        report=report,
        to_status=payload.to_status,
        note=payload.note,
        department=_department(payload.department),
    )
    return _staff_detail(actor, report_id)


@router.post("/reports/queue/{uuid:report_id}/merge", response=StaffReportOut, auth=AUTH)
def report_merge(request, report_id: uuid.UUID, payload: MergeIn):
    """Mark this report a duplicate of `original`."""
    actor = permissions.require_staff(request.auth)
    report = _staff_report(actor, report_id)
    original = _staff_report(actor, payload.original)
    services.report_merge(actor=actor, report=report, original=original, note=payload.note)
    return _staff_detail(actor, report_id)


@router.post("/reports/queue/bulk-transition", response=list[BulkResultOut], auth=AUTH)
def report_bulk_transition(request, payload: BulkTransitionIn):
    """Apply one move to up to 100 reports; each succeeds or fails on its own (see `ok`)."""
    actor = permissions.require_staff(request.auth)
    if len(payload.ids) > MAX_PAGE:
        raise ValidationFailed({"ids": [services.TEXT_TOO_LONG % {"limit": MAX_PAGE}]})
    department = _department(payload.department)
    visible = {
        report.public_id: report
        for report in permissions.report_scope(actor, Report.objects.filter(public_id__in=payload.ids))
    }
    results = []
    for report_id in payload.ids:
        report = visible.get(report_id)
        if report is None:
            error = NotFound()
            results.append({"id": report_id, "ok": False, "code": error.code, "message": error.text()})
            continue
        ((moved, error),) = services.reports_bulk_transition(
            actor=actor,
            reports=[report],
            to_status=payload.to_status,
            note=payload.note,
            department=department,
        )
        if error is None:
            results.append({"id": report_id, "ok": True, "status": moved.status})
        else:
            message = error.text()
            results.append({"id": report_id, "ok": False, "code": error.code, "message": message})
    return results


class FiguresFilter(Schema):
    area: str | None = None


@router.get("/reports/figures", response=FiguresOut, auth=AUTH)
def report_figures(request, filters: Query[FiguresFilter]):
    """Counts by status, category and street, and handling times, of what the caller may see."""
    actor = permissions.require_staff(request.auth)
    area = _staff_area(actor, filters.area)
    return {
        "by_status": selectors.report_counts_by_status(actor=actor, area=area),
        "by_category": selectors.report_counts_by_category(actor=actor, area=area),
        "by_area": selectors.report_counts_by_area(actor=actor, area=area),
        "handling_times": selectors.report_handling_times(actor=actor, area=area),
    }
