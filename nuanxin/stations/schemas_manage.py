"""In/Out schemas of the staff station API (`api_manage.py`). Plain schemas, never ModelSchemas:
what goes out is chosen field by field.

The In schemas check shape and types; the rules (area in your subtree, steward in the station's
street, amenities that exist, hours that do not overlap…) live in `services.py`, so the admin and
the API refuse the same things with the same messages.
"""

import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, field_validator

from .geo import CRS_CHOICES
from .models import ServiceContact, Station

HostType = Literal[tuple(Station.HostType.values)]
Status = Literal[tuple(Station.Status.values)]
Crs = Literal[CRS_CHOICES]


# --- in -----------------------------------------------------------------------------------------


class OpeningPeriodIn(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    opens_at: str = Field(description="HH:MM", examples=["08:00"])
    closes_at: str = Field(
        description="HH:MM; at or before opens_at runs past midnight; 00:00–00:00 is the whole day",
        examples=["20:00"],
    )


class ContactIn(Schema):
    title: str = Field(max_length=50, examples=["服务管家"])
    name: str = Field(default="", max_length=50)
    phone: str = Field(max_length=32)


class SpecialDayIn(Schema):
    date: datetime.date
    is_closed: bool = True
    opens_at: str | None = Field(default=None, description="HH:MM, for an open special day")
    closes_at: str | None = Field(default=None, description="HH:MM, for an open special day")
    note: str = Field(default="", max_length=100)


class StationIn(Schema):
    """A new station. Coordinates are read in `crs` and stored in WGS-84."""

    name: str = Field(max_length=100)
    host_type: HostType
    host_organization: str = Field(max_length=100)
    area_code: str = Field(pattern=r"^\d{12}$", description="A street/town or community/village code")
    address: str = Field(max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    crs: Crs = "wgs84"
    description: str = ""
    is_24_hours: bool = False
    closes_on_public_holidays: bool = False
    steward: str | None = Field(default=None, description="The steward's user name")
    phone: str = Field(default="", max_length=32)
    status: Status = "planned"
    demonstration_batch: int | None = Field(default=None, description="A demonstration batch ID")
    has_unified_sign: bool = False
    sign_installed_on: datetime.date | None = None
    amenity_codes: list[str] = Field(default_factory=list)
    opening_periods: list[OpeningPeriodIn] = Field(default_factory=list)
    contacts: list[ContactIn] = Field(default_factory=list)
    special_days: list[SpecialDayIn] = Field(default_factory=list)


class StationPatch(Schema):
    """Only the fields sent change; a list sent (amenities, hours, contacts, special days) replaces
    the stored one. Send latitude and longitude together."""

    name: str | None = Field(default=None, max_length=100)
    host_type: HostType | None = None
    host_organization: str | None = Field(default=None, max_length=100)
    area_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    crs: Crs = "wgs84"
    description: str | None = None
    is_24_hours: bool | None = None
    closes_on_public_holidays: bool | None = None
    steward: str | None = Field(default=None, description="The steward's user name; null removes")
    phone: str | None = Field(default=None, max_length=32)
    status: Status | None = None
    demonstration_batch: int | None = None
    has_unified_sign: bool | None = None
    sign_installed_on: datetime.date | None = None
    amenity_codes: list[str] | None = None
    opening_periods: list[OpeningPeriodIn] | None = None
    contacts: list[ContactIn] | None = None
    special_days: list[SpecialDayIn] | None = None


class StandardCheckIn(Schema):
    """One 六有 inspection, sent as a form (multipart when it carries an evidence file)."""

    is_met: bool
    evidence: str = ""
    inspected_on: datetime.date | None = Field(default=None, description="Default: today")
    next_inspection_on: datetime.date | None = None

    @field_validator("inspected_on", "next_inspection_on", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value == "" else value


class StationFilters(Schema):
    area: str | None = Field(default=None, pattern=r"^\d{12}$", description="A division code: its subtree")
    status: Status | None = None
    host_type: HostType | None = None
    amenity: list[str] = Field(default_factory=list, description="Amenity codes; all must be offered")
    q: str | None = Field(default=None, max_length=100, description="Name, address or host organization")
    steward: str | None = Field(default=None, max_length=150, description="A steward's user name")
    has_unified_sign: bool | None = None
    is_public: bool | None = Field(default=None, description="Shown to couriers in the finder")
    demonstration_batch: int | None = Field(default=None, description="A demonstration batch ID")
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)


class StatusIn(Schema):
    status: Status
    demonstration_batch: int | None = Field(
        default=None, description="Required for a demonstration station (unless it has one already)"
    )


class PhotoIn(Schema):
    """The form fields sent beside the `image` file."""

    caption: str = Field(default="", max_length=100)
    sort_order: int | None = Field(default=None, ge=0, le=32767, description="Default: after the last")


class PhotoPatch(Schema):
    caption: str | None = Field(default=None, max_length=100)
    sort_order: int | None = Field(default=None, ge=0, le=32767)


class AmenityIn(Schema):
    code: str = Field(
        max_length=40, examples=["shower"], description="Lowercase letters, digits, underscores"
    )
    name: str = Field(max_length=50, examples=["淋浴"])
    name_en: str = Field(default="", max_length=80, examples=["Shower"])
    icon: str = Field(default="", max_length=8)
    sort_order: int = Field(default=100, ge=0, le=32767)
    is_active: bool = True


class AmenityPatch(Schema):
    name: str | None = Field(default=None, max_length=50)
    name_en: str | None = Field(default=None, max_length=80)
    icon: str | None = Field(default=None, max_length=8)
    sort_order: int | None = Field(default=None, ge=0, le=32767)
    is_active: bool | None = None


ContactKind = Literal[tuple(ServiceContact.Kind.values)]


class ServiceContactIn(Schema):
    area_code: str = Field(pattern=r"^\d{12}$", description="A street/town or community/village code")
    kind: ContactKind
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    address: str = Field(default="", max_length=200)
    sort_order: int = Field(default=0, ge=0, le=32767)


class ServiceContactPatch(Schema):
    area_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    kind: ContactKind | None = None
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    sort_order: int | None = Field(default=None, ge=0, le=32767)


class ResourceItemIn(Schema):
    area_code: str = Field(pattern=r"^\d{12}$", description="A street/town or community/village code")
    name: str = Field(max_length=100)
    category: str = Field(max_length=50)
    provider: str = Field(max_length=100)
    contact: str = Field(default="", max_length=100)
    description: str = ""
    sort_order: int = Field(default=0, ge=0, le=32767)


class ResourceItemPatch(Schema):
    area_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    name: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=50)
    provider: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=100)
    description: str | None = None
    sort_order: int | None = Field(default=None, ge=0, le=32767)


class BatchIn(Schema):
    name: str = Field(max_length=100, examples=["全市首批街道（乡镇）社工站示范点"])
    announced_on: datetime.date | None = None


class HolidayIn(Schema):
    date: datetime.date
    name: str = Field(max_length=50, examples=["国庆节"])


# --- out ----------------------------------------------------------------------------------------


class AreaOut(Schema):
    code: str
    name: str
    full_name: str


class StewardOut(Schema):
    username: str
    display_name: str


class BatchOut(Schema):
    id: int
    name: str
    announced_on: datetime.date | None


class PointOut(Schema):
    lat: float
    lng: float


class OpeningPeriodOut(Schema):
    weekday: int
    opens_at: str
    closes_at: str


class SpecialDayOut(Schema):
    date: datetime.date
    is_closed: bool
    opens_at: str | None
    closes_at: str | None
    note: str


class ContactOut(Schema):
    title: str
    name: str
    phone: str


class PhotoOut(Schema):
    id: UUID
    url: str
    width: int
    height: int
    caption: str
    sort_order: int


class StandardCheckOut(Schema):
    item: str
    label: str
    is_met: bool
    evidence: str
    evidence_file_url: str | None
    inspected_on: datetime.date | None
    inspected_by: str | None
    next_inspection_on: datetime.date | None


class StationListItemOut(Schema):
    id: UUID
    name: str
    host_type: str
    host_organization: str
    area: AreaOut
    address: str
    latitude: float
    longitude: float
    status: str
    is_public: bool
    steward: StewardOut | None
    amenities: list[str]
    standard_met_count: int


class StationListOut(Schema):
    items: list[StationListItemOut]
    count: int = Field(description="Stations matching the filters, over all pages")
    page: int
    page_size: int
    status_counts: dict[str, int] = Field(
        description="Stations per rollout status under every filter but `status`"
    )


class StationOut(Schema):
    id: UUID
    name: str
    host_type: str
    host_type_label: str
    host_organization: str
    area: AreaOut
    address: str
    latitude: float = Field(description="WGS-84")
    longitude: float = Field(description="WGS-84")
    gcj02: PointOut = Field(description="The same point in GCJ-02, for Chinese map tiles")
    description: str
    is_24_hours: bool
    closes_on_public_holidays: bool
    steward: StewardOut | None
    phone: str
    status: str
    status_label: str
    demonstration_batch: BatchOut | None
    has_unified_sign: bool
    sign_installed_on: datetime.date | None
    is_public: bool
    amenities: list[str]
    opening_periods: list[OpeningPeriodOut]
    special_days: list[SpecialDayOut]
    contacts: list[ContactOut]
    photos: list[PhotoOut]
    standard: list[StandardCheckOut] = Field(description="All six 六有 items, inspected or not")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AmenityOut(Schema):
    code: str
    name: str
    name_en: str
    icon: str
    sort_order: int
    is_active: bool


class ServiceContactOut(Schema):
    id: int
    area: AreaOut
    kind: str
    kind_label: str
    name: str
    phone: str
    address: str
    sort_order: int


class ResourceItemOut(Schema):
    id: int
    area: AreaOut
    name: str
    category: str
    provider: str
    contact: str
    description: str
    sort_order: int


class HolidayOut(Schema):
    id: int
    date: datetime.date
    name: str
