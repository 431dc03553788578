"""Schemas of the care API: the catalog, posters, visits, service records and person-times."""

import datetime
import uuid

from ninja import Field, Schema


class ChoiceOut(Schema):
    value: str
    label: str


class StationRefOut(Schema):
    id: uuid.UUID
    name: str


class ServiceItemOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    description: str
    provider_type: str
    provider: str
    station: StationRefOut | None
    area_code: str
    area_name: str
    schedule: str
    eligibility: str
    contact_phone: str


class StaffServiceItemOut(ServiceItemOut):
    is_published: bool
    sort_order: int


class ServiceItemIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    provider_type: str
    station_id: uuid.UUID | None = None
    provider_name: str = Field("", max_length=100)
    area_code: str = ""
    description: str = Field("", max_length=5000)
    schedule: str = Field("", max_length=200)
    eligibility: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=32)
    is_published: bool = True
    sort_order: int = Field(100, ge=0, le=32767)


class CheckInIn(Schema):
    token: str = Field(max_length=200)


class VisitOut(Schema):
    id: uuid.UUID
    station: StationRefOut
    method: str
    occurred_at: datetime.datetime


class CheckInOut(Schema):
    counted: bool
    visit: VisitOut


class VisitRecordIn(Schema):
    station_id: uuid.UUID
    phone: str = Field(max_length=32)
    occurred_at: datetime.datetime | None = None
    note: str = Field("", max_length=200)


class StaffVisitOut(VisitOut):
    courier_name: str
    courier_phone: str


class StaffCheckInOut(Schema):
    counted: bool
    visit: StaffVisitOut


class PosterIn(Schema):
    label: str = Field("", max_length=50)


class PosterOut(Schema):
    id: uuid.UUID
    station: StationRefOut
    label: str
    check_in_url: str
    pdf_url: str
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None


class ServiceRecordOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    station: StationRefOut | None
    area_code: str
    courier_name: str
    courier_phone: str
    occurred_at: datetime.datetime
    note: str


class ServiceRecordListOut(Schema):
    count: int
    items: list[ServiceRecordOut]


class PersonTimesRow(Schema):
    station_id: uuid.UUID
    station_name: str
    day: datetime.date
    person_times: int
    couriers: int


class PersonTimesOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    total_person_times: int
    rows: list[PersonTimesRow]


def station_ref(station):
    return {"id": station.public_id, "name": station.name} if station is not None else None


def service_item_out(item, *, staff=False):
    data = {
        "id": item.public_id,
        "name": item.name,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "description": item.description,
        "provider_type": item.provider_type,
        "provider": item.station.name if item.station_id else item.provider_name,
        "station": station_ref(item.station),
        "area_code": item.area.code,
        "area_name": item.area.name,
        "schedule": item.schedule,
        "eligibility": item.eligibility,
        "contact_phone": item.contact_phone,
    }
    if staff:
        data.update(is_published=item.is_published, sort_order=item.sort_order)
    return data


def visit_out(visit, *, staff=False):
    data = {
        "id": visit.public_id,
        "station": station_ref(visit.station),
        "method": visit.method,
        "occurred_at": visit.occurred_at,
    }
    if staff:
        data.update(courier_name=visit.courier.name, courier_phone=visit.courier.phone_masked)
    return data


def record_out(record):
    return {
        "id": record.public_id,
        "kind": record.kind,
        "kind_label": str(record.get_kind_display()),
        "station": station_ref(record.station),
        "area_code": record.area.code,
        "courier_name": record.courier.name,
        "courier_phone": record.courier.phone_masked,
        "occurred_at": record.occurred_at,
        "note": record.note,
    }
