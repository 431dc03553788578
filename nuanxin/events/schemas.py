"""API shapes of events and the functions that fill them.

Couriers appear in staff answers only as sign-up id, name and masked phone.
"""

import datetime
import uuid
from typing import Literal

from ninja import Field, Schema

from .models import Event, EventKind, Signup
from .services import CAPACITY_MAX, COMMENT_MAX, LONG_TEXT_MAX, REASON_MAX

KindValue = Literal[tuple(EventKind.values)]  # type: ignore[valid-type]
AudienceValue = Literal[tuple(Event.Audience.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(Event.Status.values)]  # type: ignore[valid-type]
SignupStatusValue = Literal[tuple(Signup.Status.values)]  # type: ignore[valid-type]


class ChoiceOut(Schema):
    value: str
    label: str


class AreaOut(Schema):
    code: str
    name: str
    full_name: str


class StationRefOut(Schema):
    id: uuid.UUID
    name: str
    address: str


class EventOut(Schema):
    id: uuid.UUID
    title: str
    kind: str
    kind_label: str
    description: str
    area: AreaOut
    station: StationRefOut | None
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    seats_left: int
    waitlisted_count: int
    audience: str
    audience_note: str
    status: str
    status_label: str


class CourierEventOut(EventOut):
    my_status: str | None = None


class CourierEventListOut(Schema):
    count: int
    items: list[CourierEventOut]


class StaffEventOut(EventOut):
    confirmed_count: int
    attended_count: int
    published_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    cancel_reason: str
    closed_at: datetime.datetime | None


class StaffEventListOut(Schema):
    count: int
    items: list[StaffEventOut]


class SignupOut(Schema):
    id: uuid.UUID
    event_id: uuid.UUID
    event_title: str
    starts_at: datetime.datetime
    status: str
    status_label: str
    waitlist_position: int | None = None
    signed_up_at: datetime.datetime
    attended_at: datetime.datetime | None
    has_feedback: bool = False
    wants_reminders: bool = Field(
        True, description='Reminders before the event ("remind me"); on by default.'
    )


class SignupPatch(Schema):
    wants_reminders: bool = Field(..., description="Turn the reminders before this event on or off.")


class SignupListOut(Schema):
    count: int
    items: list[SignupOut]


class TicketOut(Schema):
    signup_id: uuid.UUID
    token: str


class CourierRefOut(Schema):
    name: str
    phone_masked: str


class StaffSignupOut(Schema):
    id: uuid.UUID
    courier: CourierRefOut
    status: str
    signed_up_at: datetime.datetime
    promoted_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    attended_at: datetime.datetime | None
    rating: int | None = None


class StaffSignupListOut(Schema):
    count: int
    items: list[StaffSignupOut]


class FeedbackIn(Schema):
    rating: int
    comment: str = Field("", max_length=COMMENT_MAX)


class FeedbackOut(Schema):
    id: uuid.UUID
    rating: int
    comment: str
    created_at: datetime.datetime


class EventIn(Schema):
    title: str
    kind: KindValue
    description: str = ""
    area_code: str
    station_id: uuid.UUID | None = None
    address: str = ""
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int = Field(..., ge=1, le=CAPACITY_MAX)
    audience: AudienceValue = Event.Audience.ALL_COURIERS
    audience_note: str = ""


class EventPatch(Schema):
    title: str | None = None
    kind: KindValue | None = None
    description: str | None = None
    station_id: uuid.UUID | None = None
    address: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=CAPACITY_MAX)
    audience: AudienceValue | None = None
    audience_note: str | None = None


class CancelIn(Schema):
    reason: str = Field("", max_length=REASON_MAX)


class CheckInIn(Schema):
    token: str = Field(..., min_length=1, max_length=500)


class AttendanceIn(Schema):
    signup_ids: list[uuid.UUID] = Field(..., min_length=1, max_length=500)


class AttendanceOut(Schema):
    marked: int
    attended_count: int


class CloseIn(Schema):
    summary: str = Field(..., max_length=LONG_TEXT_MAX)


class PhotoOut(Schema):
    id: uuid.UUID
    url: str
    width: int
    height: int
    caption: str


class ReportOut(Schema):
    event_id: uuid.UUID
    status: str
    attendee_count: int
    summary: str
    closed_at: datetime.datetime | None
    photos: list[PhotoOut]
    feedback_count: int
    average_rating: float | None


def _area(area):
    return {"code": area.code, "name": area.name, "full_name": area.full_name}


def _station(station):
    if station is None:
        return None
    return {"id": station.public_id, "name": station.name, "address": station.address}


def event_out(event):
    """Needs `selectors.with_counts` annotations."""
    return {
        "id": event.public_id,
        "title": event.title,
        "kind": event.kind,
        "kind_label": str(event.get_kind_display()),
        "description": event.description,
        "area": _area(event.area),
        "station": _station(event.station),
        "place": event.place,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "seats_left": max(event.capacity - event.confirmed_count, 0),
        "waitlisted_count": event.waitlisted_count,
        "audience": event.audience,
        "audience_note": event.audience_note,
        "status": event.status,
        "status_label": str(event.get_status_display()),
    }


def courier_event_out(event):
    return {**event_out(event), "my_status": getattr(event, "my_status", None)}


def staff_event_out(event):
    return {
        **event_out(event),
        "confirmed_count": event.confirmed_count,
        "attended_count": event.attended_count,
        "published_at": event.published_at,
        "cancelled_at": event.cancelled_at,
        "cancel_reason": event.cancel_reason,
        "closed_at": event.closed_at,
    }


def signup_out(signup, *, position=None):
    return {
        "id": signup.public_id,
        "event_id": signup.event.public_id,
        "event_title": signup.event.title,
        "starts_at": signup.event.starts_at,
        "status": signup.status,
        "status_label": str(signup.get_status_display()),
        "waitlist_position": position,
        "signed_up_at": signup.signed_up_at,
        "attended_at": signup.attended_at,
        "has_feedback": hasattr(signup, "feedback"),
        "wants_reminders": signup.wants_reminders,
    }


def staff_signup_out(signup):
    feedback = getattr(signup, "feedback", None) if hasattr(signup, "feedback") else None
    return {
        "id": signup.public_id,
        "courier": {"name": signup.courier.name, "phone_masked": signup.courier.phone_masked},
        "status": signup.status,
        "signed_up_at": signup.signed_up_at,
        "promoted_at": signup.promoted_at,
        "cancelled_at": signup.cancelled_at,
        "attended_at": signup.attended_at,
        "rating": feedback.rating if feedback else None,
    }


def photo_out(photo):
    return {
        "id": photo.public_id,
        "url": photo.image.url,
        "width": photo.width,
        "height": photo.height,
        "caption": photo.caption,
    }


def report_out(event, report):
    return {
        "event_id": event.public_id,
        "status": event.status,
        "attendee_count": report["attendee_count"],
        "summary": report["summary"],
        "closed_at": report["closed_at"],
        "photos": [photo_out(photo) for photo in report["photos"]],
        "feedback_count": report["feedback_count"],
        "average_rating": report["average_rating"],
    }
