"""Schemas of the public station API (`api.py`): what couriers' apps and maps read, no sign-in.

Plain schemas chosen field by field (never ModelSchemas): only what a station shows the public
goes out — no evidence files, no steward phone or account, no internal notes.

The query schemas check types only (a number, a whole number, true/false); the ranges and the
known values (coordinate system, amenity codes) are checked by `finder`, whose messages name the
parameter in the request's language.
"""

import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from .finder import DEFAULT_LIMIT, DEFAULT_MAP_LIMIT, DEFAULT_RADIUS_M, MAX_LIMIT, MAX_MAP_LIMIT, MAX_RADIUS_M

# --- in -----------------------------------------------------------------------------------------


class NearbyQuery(Schema):
    lat: float = Field(description="Latitude of the courier, -90 to 90", examples=[39.1253])
    lng: float = Field(description="Longitude of the courier, -180 to 180", examples=[117.195])
    crs: str = Field(
        default="wgs84",
        description="Coordinate system of lat/lng and of the answer: wgs84 (GPS) or gcj02 (Chinese maps)",
    )
    amenity: list[str] = Field(
        default_factory=list,
        description="Amenity codes, repeated or comma-separated; a station must offer every one",
    )
    open_now: bool = Field(default=False, description="Only stations open now (Asia/Shanghai time)")
    radius_m: float = Field(
        default=DEFAULT_RADIUS_M, description=f"Search radius in metres, 1 to {MAX_RADIUS_M}"
    )
    limit: int = Field(default=DEFAULT_LIMIT, description=f"At most this many stations, 1 to {MAX_LIMIT}")
    at: datetime.datetime | None = Field(
        default=None,
        description="Judge “open” at this moment instead of now (ISO 8601; without an offset it is "
        "Beijing time), e.g. to plan a night shift",
        examples=["2025-10-04T02:00"],
    )


class DetailQuery(Schema):
    crs: str = Field(default="wgs84", description="Coordinate system of the answer: wgs84 or gcj02")
    at: datetime.datetime | None = Field(
        default=None,
        description="Judge “open” at this moment instead of now (ISO 8601; without an offset it is "
        "Beijing time), e.g. to plan a night shift",
        examples=["2025-10-04T02:00"],
    )


class MapQuery(Schema):
    crs: str = Field(default="wgs84", description="Coordinate system of bbox and of the answer")
    bbox: str | None = Field(
        default=None,
        description="min_lng,min_lat,max_lng,max_lat in `crs` (GeoJSON order); all stations when absent",
        examples=["117.15,39.10,117.25,39.15"],
    )
    amenity: list[str] = Field(default_factory=list, description="Amenity codes; all must be offered")
    limit: int = Field(
        default=DEFAULT_MAP_LIMIT, description=f"At most this many stations, 1 to {MAX_MAP_LIMIT}"
    )
    at: datetime.datetime | None = Field(
        default=None,
        description="Judge “open” at this moment instead of now (ISO 8601; without an offset it is "
        "Beijing time), e.g. to plan a night shift",
        examples=["2025-10-04T02:00"],
    )


# --- out ----------------------------------------------------------------------------------------


class NearbyStationOut(Schema):
    id: UUID = Field(description="The station's public id")
    name: str
    address: str
    lat: float = Field(description="In the requested coordinate system")
    lng: float = Field(description="In the requested coordinate system")
    distance_m: int = Field(description="Great-circle distance from the given point, metres")
    is_open_now: bool
    amenities: list[str] = Field(description="Amenity codes, in display order")
    phone: str
    host_type: str
    host_type_label: str
    status: str
    is_24_hours: bool
    today_hours: str = Field(description="Today's opening hours as text, e.g. 08:00–20:00, or Closed")
    area: str = Field(description="Name of the street/town or community")


class NearbyOut(Schema):
    items: list[NearbyStationOut]


class AreaOut(Schema):
    code: str
    name: str
    full_name: str


class PeriodOut(Schema):
    opens_at: str = Field(description="HH:MM")
    closes_at: str = Field(description="HH:MM; at or before opens_at runs past midnight")


class WeekdayHoursOut(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    label: str
    text: str
    is_today: bool
    periods: list[PeriodOut]


class SpecialDayOut(Schema):
    date: datetime.date
    is_closed: bool
    opens_at: str | None
    closes_at: str | None
    text: str
    note: str


class HolidayOut(Schema):
    date: datetime.date
    name: str


class AmenityOut(Schema):
    code: str
    name: str = Field(description="In the request's language")
    icon: str


class PhotoOut(Schema):
    url: str
    width: int
    height: int
    caption: str


class ContactOut(Schema):
    title: str
    name: str
    phone: str


class StandardItemOut(Schema):
    item: str
    label: str
    is_met: bool
    inspected_on: datetime.date | None


class StandardOut(Schema):
    met: int
    total: int
    items: list[StandardItemOut]


class DirectionsOut(Schema):
    amap: str = Field(description="AutoNavi (Gaode) navigation link")
    baidu: str = Field(description="Baidu Maps marker link")
    geo: str = Field(description="geo: URI (RFC 5870, WGS-84) for any map app")


class StationDetailOut(Schema):
    id: UUID
    name: str
    address: str
    lat: float = Field(description="In the requested coordinate system")
    lng: float = Field(description="In the requested coordinate system")
    crs: str
    description: str
    host_type: str
    host_type_label: str
    host_organization: str
    status: str
    status_label: str
    demonstration_batch: str | None
    has_unified_sign: bool
    area: AreaOut
    phone: str
    is_24_hours: bool
    closes_on_public_holidays: bool
    is_open_now: bool
    today_hours: str
    hours: list[WeekdayHoursOut]
    special_days: list[SpecialDayOut] = Field(description="Days with other hours, from today, 60 days ahead")
    holiday_closures: list[HolidayOut] = Field(
        description="Public holidays ahead on which the station is closed (only when it closes on them)"
    )
    amenities: list[AmenityOut]
    photos: list[PhotoOut]
    contacts: list[ContactOut]
    steward_name: str | None
    standard: StandardOut = Field(description="The 六有 standard: items met")
    directions: DirectionsOut
