"""The JSON API of S1 and S6, mounted at "/":

- public: GET /services/items (the published catalog by station, area and kind), /services/kinds;
- courier: POST /care/check-in (the scanned poster's token), GET /care/visits/mine;
- staff (/manage/care/…): the catalog (CRUD), posters (issue, PDF, revoke), visits recorded by the
  steward, service records and person-times per station per day.
Handlers validate, call services and selectors, and shape the answer. Rows outside the actor's
area answer 404; couriers and anonymous users get 403/401 on the staff endpoints.
"""

import datetime
import uuid

from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import NotFound, PermissionDenied
from nuanxin.core.permissions import get_visible_or_404, is_superuser
from nuanxin.couriers.permissions import require_courier
from nuanxin.stations.models import Station
from nuanxin.stations.permissions import station_scope

from . import selectors, services
from .models import CheckInPoster, ServiceItem, ServiceRecord
from .permissions import catalog_policy, is_area_manager, is_steward, poster_policy
from .posters import poster_pdf
from .schemas import (
    CheckInIn,
    CheckInOut,
    ChoiceOut,
    PersonTimesOut,
    PosterIn,
    PosterOut,
    ServiceItemIn,
    ServiceItemOut,
    ServiceRecordListOut,
    StaffCheckInOut,
    StaffServiceItemOut,
    VisitOut,
    VisitRecordIn,
    record_out,
    service_item_out,
    visit_out,
)
from .tokens import poster_token

MAX_PAGE = 100

router = Router(tags=["services and visits"])


class Page(Schema):
    limit: int = 20
    offset: int = 0


class CatalogFilter(Schema):
    station_id: uuid.UUID | None = None
    area_code: str | None = None
    kind: ServiceItem.Kind | None = None


class RecordFilter(Page):
    kind: ServiceRecord.Kind | None = None
    station_id: uuid.UUID | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class PersonTimesFilter(Schema):
    date_from: datetime.date
    date_to: datetime.date
    station_id: uuid.UUID | None = None
    kind: ServiceRecord.Kind | None = None


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


def _require_staff(request):
    actor = request.user
    if not (is_superuser(actor) or is_area_manager(actor) or is_steward(actor)):
        raise PermissionDenied()
    return actor


def _require_catalog_staff(request):
    actor = request.user
    if not catalog_policy.can(actor, "view", None):
        raise PermissionDenied()
    return actor


def _visible_station(actor, station_id):
    return get_visible_or_404(
        station_scope(actor, Station.objects.select_related("area", "steward")), public_id=station_id
    )


def poster_out(request, poster):
    check_in_url = request.build_absolute_uri(reverse("mobile_care:check_in", args=[poster_token(poster)]))
    return {
        "id": poster.public_id,
        "station": {"id": poster.station.public_id, "name": poster.station.name},
        "label": poster.label,
        "check_in_url": check_in_url,
        "pdf_url": reverse("api:care_poster_pdf", args=[poster.public_id]),
        "expires_at": poster.expires_at,
        "revoked_at": poster.revoked_at,
    }


# --- public ------------------------------------------------------------------------------------


@router.get("/services/kinds", response=list[ChoiceOut])
def service_kinds(request):
    """The kinds of services in the catalog."""
    return [{"value": value, "label": str(label)} for value, label in ServiceItem.Kind.choices]


@router.get("/services/items", response=list[ServiceItemOut])
def service_item_list(request, filters: Query[CatalogFilter]):
    """The published catalog: a station's services (`station_id`), an area's (`area_code`: offers
    inside it and the district- and city-wide offers above it), optionally one `kind`."""
    station = area = None
    if filters.station_id:
        station = get_visible_or_404(Station.objects.filter(is_public=True), public_id=filters.station_id)
    elif filters.area_code:
        area = get_visible_or_404(Area.objects.all(), code=filters.area_code)
    items = selectors.service_item_list_public(station=station, area=area, kind=filters.kind)
    return [service_item_out(item) for item in items]


# --- courier -----------------------------------------------------------------------------------


@router.post("/care/check-in", response={200: CheckInOut, 201: CheckInOut}, auth=AUTH)
def check_in(request, payload: CheckInIn):
    """Check in at a station with the token of its QR poster. 201: a new visit, counted as one
    service record; 200: the courier already checked in there within the last window (counted once)."""
    courier = require_courier(request)
    visit, created = services.visit_check_in(courier=courier, token=payload.token)
    return Status(201 if created else 200, {"counted": created, "visit": visit_out(visit)})


@router.get("/care/visits/mine", response=list[VisitOut], auth=AUTH)
def visit_list_mine(request, page: Query[Page]):
    """The courier's own visits, newest first."""
    courier = require_courier(request)
    _, visits = _page(selectors.visit_list_for_courier(courier=courier), page)
    return [visit_out(visit) for visit in visits]


# --- staff: catalog ----------------------------------------------------------------------------


def _item_data(payload):
    data = payload.dict()
    data["station_id"] = payload.station_id
    return data


def _staff_item(actor, item_id):
    return get_visible_or_404(
        catalog_policy.scope(actor, ServiceItem.objects.select_related("station", "area")), public_id=item_id
    )


@router.get("/manage/care/items", response=list[StaffServiceItemOut], auth=AUTH)
def staff_item_list(request, page: Query[Page]):
    actor = _require_catalog_staff(request)
    queryset = catalog_policy.scope(actor, ServiceItem.objects.select_related("station", "area")).order_by(
        "kind", "sort_order", "id"
    )
    _, items = _page(queryset, page)
    return [service_item_out(item, staff=True) for item in items]


@router.post("/manage/care/items", response={201: StaffServiceItemOut}, auth=AUTH)
def staff_item_create(request, payload: ServiceItemIn):
    actor = _require_catalog_staff(request)
    item = services.service_item_create(actor=actor, data=_item_data(payload))
    return Status(201, service_item_out(_staff_item(actor, item.public_id), staff=True))


@router.get("/manage/care/items/{uuid:item_id}", response=StaffServiceItemOut, auth=AUTH)
def staff_item_get(request, item_id: uuid.UUID):
    actor = _require_catalog_staff(request)
    return service_item_out(_staff_item(actor, item_id), staff=True)


@router.put("/manage/care/items/{uuid:item_id}", response=StaffServiceItemOut, auth=AUTH)
def staff_item_update(request, item_id: uuid.UUID, payload: ServiceItemIn):
    actor = _require_catalog_staff(request)
    item = services.service_item_update(
        actor=actor, item=_staff_item(actor, item_id), data=_item_data(payload)
    )
    return service_item_out(_staff_item(actor, item.public_id), staff=True)


@router.delete("/manage/care/items/{uuid:item_id}", response={204: None}, auth=AUTH)
def staff_item_delete(request, item_id: uuid.UUID):
    actor = _require_catalog_staff(request)
    services.service_item_delete(actor=actor, item=_staff_item(actor, item_id))
    return Status(204, None)


# --- staff: posters, visits, records -----------------------------------------------------------


def _staff_poster(actor, poster_id):
    return get_visible_or_404(
        poster_policy.scope(actor, CheckInPoster.objects.select_related("station__area")), public_id=poster_id
    )


@router.post("/manage/care/stations/{uuid:station_id}/posters", response={201: PosterOut}, auth=AUTH)
def staff_poster_issue(request, station_id: uuid.UUID, payload: PosterIn):
    """Issue a new QR poster for a station (print it from `pdf_url`)."""
    actor = _require_staff(request)
    poster = services.poster_issue(
        actor=actor, station=_visible_station(actor, station_id), label=payload.label
    )
    return Status(201, poster_out(request, poster))


@router.get("/manage/care/stations/{uuid:station_id}/posters", response=list[PosterOut], auth=AUTH)
def staff_poster_list(request, station_id: uuid.UUID):
    actor = _require_staff(request)
    station = _visible_station(actor, station_id)
    posters = poster_policy.scope(actor, station.check_in_posters.select_related("station"))
    return [poster_out(request, poster) for poster in posters]


@router.get("/manage/care/posters/{uuid:poster_id}/pdf", auth=AUTH, url_name="care_poster_pdf")
def staff_poster_pdf(request, poster_id: uuid.UUID):
    """The printable A4 poster (PDF) with the station's check-in QR code."""
    actor = _require_staff(request)
    poster = _staff_poster(actor, poster_id)
    if poster.revoked_at is not None:
        raise NotFound()
    url = request.build_absolute_uri(reverse("mobile_care:check_in", args=[poster_token(poster)]))
    response = HttpResponse(poster_pdf(poster=poster, url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{poster.public_id.hex[:8]}.pdf"'
    return response


@router.post("/manage/care/posters/{uuid:poster_id}/revoke", response=PosterOut, auth=AUTH)
def staff_poster_revoke(request, poster_id: uuid.UUID):
    actor = _require_staff(request)
    poster = services.poster_revoke(actor=actor, poster=_staff_poster(actor, poster_id))
    return poster_out(request, poster)


@router.post("/manage/care/visits", response={200: StaffCheckInOut, 201: StaffCheckInOut}, auth=AUTH)
def staff_visit_record(request, payload: VisitRecordIn):
    """Record a courier's visit (by phone number) at a station the actor serves. 201: counted;
    200: the courier's visit there within the window already counts."""
    actor = _require_staff(request)
    visit, created = services.visit_record(
        actor=actor,
        station_id=payload.station_id,
        phone=payload.phone,
        occurred_at=payload.occurred_at,
        note=payload.note,
    )
    return Status(201 if created else 200, {"counted": created, "visit": visit_out(visit, staff=True)})


@router.get("/manage/care/records", response=ServiceRecordListOut, auth=AUTH)
def staff_record_list(request, filters: Query[RecordFilter]):
    """Service records of the actor's area (stewards: their stations), newest first."""
    actor = _require_staff(request)
    station = _visible_station(actor, filters.station_id) if filters.station_id else None
    queryset = selectors.service_record_list(
        actor=actor, kind=filters.kind, station=station, date_from=filters.date_from, date_to=filters.date_to
    )
    count, records = _page(queryset, filters)
    return {"count": count, "items": [record_out(record) for record in records]}


@router.get("/manage/care/person-times", response=PersonTimesOut, auth=AUTH)
def staff_person_times(request, filters: Query[PersonTimesFilter]):
    """Person-times (服务人次) and distinct couriers per station per day (Asia/Shanghai days)."""
    actor = _require_staff(request)
    station = _visible_station(actor, filters.station_id) if filters.station_id else None
    rows = selectors.person_times_per_station_day(
        actor=actor, date_from=filters.date_from, date_to=filters.date_to, station=station, kind=filters.kind
    )
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "total_person_times": sum(row["person_times"] for row in rows),
        "rows": rows,
    }
