"""The staff API of the station network, mounted at /api/v1/manage/ (docs/stations.md).

Handlers only check who is asking, read through `selectors` (which answer 404 alike for missing and
out-of-area rows) and write through `services` (which check the permission policy again, validate,
write and audit in one transaction). Presenters below turn rows into the `*Out` schemas.
"""

from uuid import UUID

from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from nuanxin.core.api import AUTH
from nuanxin.core.errors import NotFound, PermissionDenied, ValidationFailed

from . import geo, selectors, services
from .models import Amenity, DemonstrationBatch, PublicHoliday, ResourceItem, ServiceContact, StandardItem
from .permissions import VIEW, amenity_policy, is_area_manager, is_steward
from .schemas_manage import (
    AmenityIn,
    AmenityOut,
    AmenityPatch,
    BatchIn,
    BatchOut,
    HolidayIn,
    HolidayOut,
    PhotoIn,
    PhotoOut,
    PhotoPatch,
    ResourceItemIn,
    ResourceItemOut,
    ResourceItemPatch,
    ServiceContactIn,
    ServiceContactOut,
    ServiceContactPatch,
    StandardCheckIn,
    StandardCheckOut,
    StationFilters,
    StationIn,
    StationListOut,
    StationOut,
    StationPatch,
    StatusIn,
)

STAFF_ONLY = _("Only staff and station stewards may manage stations.")
AREA_MANAGERS_ONLY = _("Only city, district and street staff may do this.")

manage_router = Router(tags=["station management"], auth=AUTH)


# --- who is asking ------------------------------------------------------------------------------


def _staff(request):
    """The signed-in staff member or steward; anyone else (couriers, merchants…) gets 403."""
    user = request.auth
    if getattr(user, "is_superuser", False) and user.is_active:
        return user
    if is_area_manager(user) or is_steward(user):
        return user
    raise PermissionDenied(STAFF_ONLY)


def _area_manager(request):
    user = _staff(request)
    if is_steward(user) and not user.is_superuser:
        raise PermissionDenied(AREA_MANAGERS_ONLY)
    return user


def _renamed(error, names):
    """A ValidationFailed whose field keys follow the API's names (the admin says "area")."""
    return ValidationFailed({names.get(key, key): messages for key, messages in error.errors.items()})


# --- presenters ---------------------------------------------------------------------------------


def _time(value):
    return value.strftime("%H:%M") if value is not None else None


def _area(area):
    return {"code": area.code, "name": area.name, "full_name": area.full_name or area.name}


def _steward(user):
    if user is None:
        return None
    return {"username": user.username, "display_name": str(user)}


def _photo(photo):
    return {
        "id": photo.public_id,
        "url": photo.image.url,
        "width": photo.width,
        "height": photo.height,
        "caption": photo.caption,
        "sort_order": photo.sort_order,
    }


def _check(item, check):
    return {
        "item": item.value,
        "label": str(item.label),
        "is_met": bool(check and check.is_met),
        "evidence": check.evidence if check else "",
        "evidence_file_url": check.evidence_file.url if check and check.evidence_file else None,
        "inspected_on": check.inspected_on if check else None,
        "inspected_by": check.inspected_by.username if check and check.inspected_by_id else None,
        "next_inspection_on": check.next_inspection_on if check else None,
    }


def _station_detail(station):
    gcj_lat, gcj_lng = geo.from_wgs84(station.latitude, station.longitude, "gcj02")
    checks = {check.item: check for check in station.standard_checks.all()}
    batch = station.demonstration_batch
    return {
        "id": station.public_id,
        "name": station.name,
        "host_type": station.host_type,
        "host_type_label": str(station.get_host_type_display()),
        "host_organization": station.host_organization,
        "area": _area(station.area),
        "address": station.address,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "gcj02": {"lat": gcj_lat, "lng": gcj_lng},
        "description": station.description,
        "is_24_hours": station.is_24_hours,
        "closes_on_public_holidays": station.closes_on_public_holidays,
        "steward": _steward(station.steward),
        "phone": station.phone,
        "status": station.status,
        "status_label": str(station.get_status_display()),
        "demonstration_batch": (
            {"id": batch.pk, "name": batch.name, "announced_on": batch.announced_on} if batch else None
        ),
        "has_unified_sign": station.has_unified_sign,
        "sign_installed_on": station.sign_installed_on,
        "is_public": station.is_public,
        "amenities": [amenity.code for amenity in station.amenities.all()],
        "opening_periods": [
            {
                "weekday": period.weekday,
                "opens_at": _time(period.opens_at),
                "closes_at": _time(period.closes_at),
            }
            for period in station.opening_periods.all()
        ],
        "special_days": [
            {
                "date": day.date,
                "is_closed": day.is_closed,
                "opens_at": _time(day.opens_at),
                "closes_at": _time(day.closes_at),
                "note": day.note,
            }
            for day in station.special_days.all()
        ],
        "contacts": [
            {"title": contact.title, "name": contact.name, "phone": contact.phone}
            for contact in station.contacts.all()
        ],
        "photos": [_photo(photo) for photo in station.photos.all()],
        "standard": [_check(item, checks.get(item.value)) for item in StandardItem],
        "created_at": station.created_at,
        "updated_at": station.updated_at,
    }


def _station_item(station):
    return {
        "id": station.public_id,
        "name": station.name,
        "host_type": station.host_type,
        "host_organization": station.host_organization,
        "area": _area(station.area),
        "address": station.address,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "status": station.status,
        "is_public": station.is_public,
        "steward": _steward(station.steward),
        "amenities": [amenity.code for amenity in station.amenities.all()],
        "standard_met_count": station.standard_met_count,
    }


def _detail_of(actor, station):
    return _station_detail(selectors.station_get(actor=actor, public_id=station.public_id))


def _service_contact(row):
    return {
        "id": row.pk,
        "area": _area(row.area),
        "kind": row.kind,
        "kind_label": str(row.get_kind_display()),
        "name": row.name,
        "phone": row.phone,
        "address": row.address,
        "sort_order": row.sort_order,
    }


def _resource_item(row):
    return {
        "id": row.pk,
        "area": _area(row.area),
        "name": row.name,
        "category": row.category,
        "provider": row.provider,
        "contact": row.contact,
        "description": row.description,
        "sort_order": row.sort_order,
    }


# --- stations -----------------------------------------------------------------------------------


@manage_router.get("/stations", response=StationListOut, summary="List the stations of your area")
def list_stations(request, filters: Query[StationFilters]):
    actor = _staff(request)
    data = filters.dict(exclude={"page", "page_size"})
    queryset = selectors.station_list(actor=actor, filters=data)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    page = list(queryset[start : start + filters.page_size])
    return {
        "items": [_station_item(station) for station in page],
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "status_counts": selectors.station_status_counts(actor=actor, filters=data),
    }


@manage_router.post("/stations", response={201: StationOut}, summary="Create a station")
def create_station(request, payload: StationIn):
    actor = _area_manager(request)
    station = services.station_create(actor=actor, data=payload.dict())
    return Status(201, _detail_of(actor, station))


@manage_router.get("/stations/{station_id}", response=StationOut, summary="A station with everything")
def get_station(request, station_id: UUID):
    actor = _staff(request)
    return _station_detail(selectors.station_get(actor=actor, public_id=station_id))


@manage_router.patch("/stations/{station_id}", response=StationOut, summary="Change a station")
def update_station(request, station_id: UUID, payload: StationPatch):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    station = services.station_update(actor=actor, station=station, data=payload.dict(exclude_unset=True))
    return _detail_of(actor, station)


@manage_router.delete("/stations/{station_id}", response={204: None}, summary="Delete a station")
def delete_station(request, station_id: UUID):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    services.station_delete(actor=actor, station=station)
    return Status(204, None)


@manage_router.post("/stations/{station_id}/status", response=StationOut, summary="Set the rollout status")
def set_station_status(request, station_id: UUID, payload: StatusIn):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    station = services.station_set_status(
        actor=actor, station=station, status=payload.status, demonstration_batch=payload.demonstration_batch
    )
    return _detail_of(actor, station)


# --- photos -------------------------------------------------------------------------------------


@manage_router.post(
    "/stations/{station_id}/photos", response={201: PhotoOut}, summary="Upload a photo (multipart)"
)
def add_photo(request, station_id: UUID, form: Form[PhotoIn], image: UploadedFile = File(...)):  # noqa: B008
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    photo = services.station_add_photo(
        actor=actor, station=station, upload=image, caption=form.caption, sort_order=form.sort_order
    )
    return Status(201, _photo(photo))


@manage_router.patch(
    "/stations/{station_id}/photos/{photo_id}", response=PhotoOut, summary="Change a photo's caption or place"
)
def update_photo(request, station_id: UUID, photo_id: UUID, payload: PhotoPatch):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    photo = selectors.station_photo_get(station=station, public_id=photo_id)
    photo = services.station_update_photo(
        actor=actor, photo=photo, caption=payload.caption, sort_order=payload.sort_order
    )
    return _photo(photo)


@manage_router.delete(
    "/stations/{station_id}/photos/{photo_id}", response={204: None}, summary="Remove a photo"
)
def remove_photo(request, station_id: UUID, photo_id: UUID):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    photo = selectors.station_photo_get(station=station, public_id=photo_id)
    services.station_remove_photo(actor=actor, station=station, photo=photo)
    return Status(204, None)


# --- the 六有 standard ---------------------------------------------------------------------------


@manage_router.post(
    "/stations/{station_id}/standard/{item}",
    response=StandardCheckOut,
    summary="Record a 六有 inspection (form or multipart with evidence_file)",
)
def set_standard_check(
    request,
    station_id: UUID,
    item: str,
    form: Form[StandardCheckIn],
    evidence_file: UploadedFile = File(None),  # noqa: B008
):
    actor = _staff(request)
    station = selectors.station_get(actor=actor, public_id=station_id)
    check = services.standard_check_set(
        actor=actor,
        station=station,
        item=item,
        is_met=form.is_met,
        evidence=form.evidence,
        evidence_file=evidence_file,
        inspected_on=form.inspected_on,
        next_inspection_on=form.next_inspection_on,
    )
    return _check(StandardItem(check.item), check)


# --- amenities ----------------------------------------------------------------------------------


def _amenity(amenity):
    return {
        "code": amenity.code,
        "name": amenity.name,
        "name_en": amenity.name_en,
        "icon": amenity.icon,
        "sort_order": amenity.sort_order,
        "is_active": amenity.is_active,
    }


@manage_router.get("/amenities", response=list[AmenityOut], summary="The managed amenity list")
def list_amenities(request, active_only: bool = False):
    actor = _staff(request)
    if not amenity_policy.can(actor, VIEW, None):
        raise PermissionDenied()
    return [_amenity(amenity) for amenity in selectors.amenity_list(active_only=active_only)]


@manage_router.post("/amenities", response={201: AmenityOut}, summary="Add an amenity (city staff)")
def create_amenity(request, payload: AmenityIn):
    actor = _staff(request)
    return Status(201, _amenity(services.amenity_create(actor=actor, **payload.dict())))


@manage_router.patch("/amenities/{code}", response=AmenityOut, summary="Change an amenity (city staff)")
def update_amenity(request, code: str, payload: AmenityPatch):
    actor = _staff(request)
    amenity = Amenity.objects.filter(code=code).first()
    if amenity is None or not amenity_policy.can(actor, VIEW, amenity):
        raise NotFound()
    data = payload.dict(exclude_unset=True)
    return _amenity(services.amenity_update(actor=actor, amenity=amenity, data=data))


# --- a street's service contact table and resource list ----------------------------------------


def _area_table_routes(*, path, model, row_in, row_patch, row_out, present, read, write, noun, summaries):
    """The list/create/change/delete routes of one per-area table (service contacts, resource items).

    `read` is (list selector, get selector) and `write` (save service, delete service, the keyword
    the services take the row by). The views are named as they were when written out one by one, so
    URL names and OpenAPI operation ids stay the same.
    """
    list_rows, get_row = read
    save_row, delete_row, keyword = write

    def save(actor, row):
        try:
            return save_row(actor=actor, **{keyword: row})
        except ValidationFailed as error:
            raise _renamed(error, {"area": "area_code"}) from None

    def list_view(request, code: str):
        actor = _area_manager(request)
        area = selectors.area_visible_get(actor=actor, code=code)
        return [present(row) for row in list_rows(actor=actor, area=area)]

    def create_view(request, payload: row_in):
        actor = _area_manager(request)
        data = payload.dict()
        area = selectors.area_get_by_code(code=data.pop("area_code"))
        return Status(201, present(save(actor, model(area=area, **data))))

    def update_view(request, row_id: int, payload: row_patch):
        actor = _area_manager(request)
        row = get_row(actor=actor, pk=row_id)
        data = payload.dict(exclude_unset=True)
        if "area_code" in data:
            row.area = selectors.area_get_by_code(code=data.pop("area_code"))
        for field, value in data.items():
            setattr(row, field, value)
        return present(save(actor, row))

    def delete_view(request, row_id: int):
        actor = _area_manager(request)
        delete_row(actor=actor, **{keyword: get_row(actor=actor, pk=row_id)})
        return Status(204, None)

    routes = (
        (manage_router.get, f"/areas/{{code}}/{path}", list[row_out], list_view, f"list_{noun}s"),
        (manage_router.post, f"/{path}", {201: row_out}, create_view, f"create_{noun}"),
        (manage_router.patch, f"/{path}/{{row_id}}", row_out, update_view, f"update_{noun}"),
        (manage_router.delete, f"/{path}/{{row_id}}", {204: None}, delete_view, f"delete_{noun}"),
    )
    for (register, url, response, view, name), summary in zip(routes, summaries, strict=True):
        view.__name__ = view.__qualname__ = name
        register(url, response=response, summary=summary)(view)


_area_table_routes(
    path="service-contacts",
    model=ServiceContact,
    row_in=ServiceContactIn,
    row_patch=ServiceContactPatch,
    row_out=ServiceContactOut,
    present=_service_contact,
    read=(selectors.service_contact_list, selectors.service_contact_get),
    write=(services.service_contact_save, services.service_contact_delete, "contact"),
    noun="service_contact",
    summaries=(
        "The service contact table of an area (its subtree)",
        "Add a contact-table row",
        "Change a contact-table row",
        "Delete a contact-table row",
    ),
)
_area_table_routes(
    path="resource-items",
    model=ResourceItem,
    row_in=ResourceItemIn,
    row_patch=ResourceItemPatch,
    row_out=ResourceItemOut,
    present=_resource_item,
    read=(selectors.resource_item_list, selectors.resource_item_get),
    write=(services.resource_item_save, services.resource_item_delete, "item"),
    noun="resource_item",
    summaries=(
        "The resource list of an area (its subtree)",
        "Add a resource-list row",
        "Change a resource-list row",
        "Delete a resource-list row",
    ),
)


# --- demonstration batches and public holidays (read: area managers; write: city staff) --------


def _batch(batch):
    return {"id": batch.pk, "name": batch.name, "announced_on": batch.announced_on}


@manage_router.get("/demonstration-batches", response=list[BatchOut], summary="Demonstration batches")
def list_batches(request):
    actor = _area_manager(request)
    return [_batch(batch) for batch in selectors.demonstration_batch_list(actor=actor)]


@manage_router.post("/demonstration-batches", response={201: BatchOut}, summary="Add a batch (city staff)")
def create_batch(request, payload: BatchIn):
    actor = _area_manager(request)
    batch = services.demonstration_batch_save(actor=actor, batch=DemonstrationBatch(**payload.dict()))
    return Status(201, _batch(batch))


@manage_router.put(
    "/demonstration-batches/{batch_id}", response=BatchOut, summary="Change a batch (city staff)"
)
def update_batch(request, batch_id: int, payload: BatchIn):
    actor = _area_manager(request)
    batch = selectors.demonstration_batch_get(actor=actor, pk=batch_id)
    batch.name, batch.announced_on = payload.name, payload.announced_on
    return _batch(services.demonstration_batch_save(actor=actor, batch=batch))


@manage_router.delete(
    "/demonstration-batches/{batch_id}", response={204: None}, summary="Delete an unused batch (city staff)"
)
def delete_batch(request, batch_id: int):
    actor = _area_manager(request)
    batch = selectors.demonstration_batch_get(actor=actor, pk=batch_id)
    services.demonstration_batch_delete(actor=actor, batch=batch)
    return Status(204, None)


def _holiday(holiday):
    return {"id": holiday.pk, "date": holiday.date, "name": holiday.name}


@manage_router.get("/public-holidays", response=list[HolidayOut], summary="Public holidays")
def list_holidays(request, year: int | None = None):
    actor = _area_manager(request)
    return [_holiday(holiday) for holiday in selectors.public_holiday_list(actor=actor, year=year)]


@manage_router.post(
    "/public-holidays", response={201: HolidayOut}, summary="Add a public holiday (city staff)"
)
def create_holiday(request, payload: HolidayIn):
    actor = _area_manager(request)
    holiday = services.public_holiday_save(actor=actor, holiday=PublicHoliday(**payload.dict()))
    return Status(201, _holiday(holiday))


@manage_router.put(
    "/public-holidays/{holiday_id}", response=HolidayOut, summary="Change a public holiday (city staff)"
)
def update_holiday(request, holiday_id: int, payload: HolidayIn):
    actor = _area_manager(request)
    holiday = selectors.public_holiday_get(actor=actor, pk=holiday_id)
    holiday.date, holiday.name = payload.date, payload.name
    return _holiday(services.public_holiday_save(actor=actor, holiday=holiday))


@manage_router.delete(
    "/public-holidays/{holiday_id}", response={204: None}, summary="Delete a public holiday (city staff)"
)
def delete_holiday(request, holiday_id: int):
    actor = _area_manager(request)
    holiday = selectors.public_holiday_get(actor=actor, pk=holiday_id)
    services.public_holiday_delete(actor=actor, holiday=holiday)
    return Status(204, None)
