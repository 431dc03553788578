"""Input and output shapes of the volunteers API. Outputs are built by hand (no ModelSchema over
personal data): a courier's phone and ID number never leave through this API."""

import datetime
import uuid
from typing import Literal

from ninja import Field, Schema


class VolunteerOut(Schema):
    volunteer_number: str
    name: str
    approved_minutes: int
    approved_hours: float
    star_level: int
    next_star_hours: int | None


class TeamIn(Schema):
    area_code: str
    name: str = Field(max_length=100)
    description: str = ""
    handler_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class TeamOut(Schema):
    id: uuid.UUID
    name: str
    area_code: str
    area_name: str
    description: str
    handler_name: str
    contact_phone: str
    is_active: bool


class ApplyIn(Schema):
    role: str
    motivation: str = Field("", max_length=500)


class MembershipOut(Schema):
    id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    volunteer_number: str
    volunteer_name: str
    role: str
    status: str


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class ShiftIn(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place_name: str = Field(max_length=200)
    latitude: float
    longitude: float
    radius_meters: int = 300
    capacity: int = 1


class ActivityIn(Schema):
    team_id: uuid.UUID
    kind: Literal["activity", "errand"] = "activity"
    title: str = Field(max_length=120)
    description: str = ""
    shifts: list[ShiftIn]


class ShiftOut(Schema):
    id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    kind: str
    team_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place_name: str
    latitude: float
    longitude: float
    radius_meters: int
    capacity: int
    taken: int


class ActivityOut(Schema):
    id: uuid.UUID
    team_id: uuid.UUID
    kind: str
    title: str
    description: str
    status: str
    shifts: list[ShiftOut]


class SignUpOut(Schema):
    id: uuid.UUID
    shift_id: uuid.UUID
    activity_title: str
    volunteer_number: str
    volunteer_name: str
    status: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None
    served_minutes: int | None
    approved: bool


class PresenceIn(Schema):
    method: Literal["qr", "position"]
    token: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # The browser's Geolocation API answers in WGS-84; WeChat's wx.getLocation and Chinese map
    # SDKs in GCJ-02. The server converts to WGS-84 before measuring the distance.
    crs: Literal["wgs84", "gcj02"] = "wgs84"


class ApproveIn(Schema):
    minutes: int | None = None


class CorrectionIn(Schema):
    requested_minutes: int
    reason: str = Field(max_length=500)


class CorrectionOut(Schema):
    id: uuid.UUID
    sign_up_id: uuid.UUID
    activity_title: str
    volunteer_name: str
    requested_minutes: int
    reason: str
    status: str
    resolution_note: str


class ResolveIn(Schema):
    accept: bool
    minutes: int | None = None
    note: str = Field("", max_length=500)


class RecordEntryIn(Schema):
    volunteer_number: str
    kind: Literal["training", "award", "evaluation"]
    title: str = Field(max_length=200)
    content: str = ""
    occurred_on: datetime.date
    minutes: int = 0


class RecordEntryOut(Schema):
    id: uuid.UUID
    kind: str
    team_name: str
    title: str
    content: str
    occurred_on: datetime.date
    minutes: int
    is_superseded: bool
    supersedes_id: uuid.UUID | None
    reason: str


class CertificateIn(Schema):
    team_id: uuid.UUID
    period_start: datetime.date
    period_end: datetime.date


class CertificateOut(Schema):
    id: uuid.UUID
    team_name: str
    volunteer_number: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    number: str | None
    total_minutes: int | None
    issued_at: datetime.datetime | None
    refusal_reason: str


class RefuseIn(Schema):
    reason: str = Field(max_length=500)


class CheckInCodeOut(Schema):
    token: str
    check_in_url: str
    poster_url: str


def team_out(team):
    return {
        "id": team.public_id,
        "name": team.name,
        "area_code": team.area.code,
        "area_name": team.area.name,
        "description": team.description,
        "handler_name": team.handler_name,
        "contact_phone": team.contact_phone,
        "is_active": team.is_active,
    }


def membership_out(membership):
    return {
        "id": membership.public_id,
        "team_id": membership.team.public_id,
        "team_name": membership.team.name,
        "volunteer_number": membership.volunteer.volunteer_number,
        "volunteer_name": membership.volunteer.courier.name,
        "role": membership.role,
        "status": membership.status,
    }


def shift_out(shift, taken):
    activity = shift.activity
    return {
        "id": shift.public_id,
        "activity_id": activity.public_id,
        "activity_title": activity.title,
        "kind": activity.kind,
        "team_name": activity.team.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "place_name": shift.place_name,
        "latitude": float(shift.latitude),
        "longitude": float(shift.longitude),
        "radius_meters": shift.radius_meters,
        "capacity": shift.capacity,
        "taken": taken,
    }


def sign_up_out(sign_up):
    shift = sign_up.shift
    return {
        "id": sign_up.public_id,
        "shift_id": shift.public_id,
        "activity_title": shift.activity.title,
        "volunteer_number": sign_up.volunteer.volunteer_number,
        "volunteer_name": sign_up.volunteer.courier.name,
        "status": sign_up.status,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "checked_in_at": sign_up.checked_in_at,
        "checked_out_at": sign_up.checked_out_at,
        "served_minutes": sign_up.served_minutes,
        "approved": sign_up.approved_at is not None,
    }


def correction_out(correction):
    sign_up = correction.sign_up
    return {
        "id": correction.public_id,
        "sign_up_id": sign_up.public_id,
        "activity_title": sign_up.shift.activity.title,
        "volunteer_name": sign_up.volunteer.courier.name,
        "requested_minutes": correction.requested_minutes,
        "reason": correction.reason,
        "status": correction.status,
        "resolution_note": correction.resolution_note,
    }


def record_entry_out(entry):
    return {
        "id": entry.public_id,
        "kind": entry.kind,
        "team_name": entry.team.name,
        "title": entry.title,
        "content": entry.content,
        "occurred_on": entry.occurred_on,
        "minutes": entry.minutes,
        "is_superseded": hasattr(entry, "superseded_by"),
        "supersedes_id": entry.supersedes.public_id if entry.supersedes_id else None,
        "reason": entry.reason,
    }


def certificate_out(certificate):
    return {
        "id": certificate.public_id,
        "team_name": certificate.team.name,
        "volunteer_number": certificate.volunteer.volunteer_number,
        "period_start": certificate.period_start,
        "period_end": certificate.period_end,
        "status": certificate.status,
        "number": certificate.number,
        "total_minutes": certificate.facts.get("total_minutes"),
        "issued_at": certificate.issued_at,
        "refusal_reason": certificate.refusal_reason,
    }
