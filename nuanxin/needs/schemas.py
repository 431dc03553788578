"""API shapes of needs, suggestions and forums, and the functions that fill them.

Couriers appear in staff answers only as id, name and masked phone (never the whole number).
"""

import datetime
import uuid
from typing import Literal

from ninja import Field, Schema

from .models import Need, NeedCategory

CategoryValue = Literal[tuple(NeedCategory.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(Need.Status.values)]  # type: ignore[valid-type]


class ChoiceOut(Schema):
    value: str
    label: str


class AreaOut(Schema):
    code: str
    name: str
    full_name: str


class CourierRefOut(Schema):
    id: uuid.UUID
    name: str
    phone_masked: str


class LinkOut(Schema):
    id: str
    name: str
    phone: str = ""
    address: str = ""


class NeedIn(Schema):
    category: CategoryValue
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=5000)


class StaffNeedIn(NeedIn):
    area_code: str = Field(..., pattern=r"^\d{12}$")
    source: Literal["staff", "outreach", "forum"] = "staff"
    forum_id: uuid.UUID | None = None


class NeedEventOut(Schema):
    occurred_at: datetime.datetime
    from_status: str
    to_status: str
    note: str
    actor: str


class NeedOut(Schema):
    id: uuid.UUID
    category: str
    category_label: str
    title: str
    description: str
    status: str
    status_label: str
    source: str
    area: AreaOut
    reply: str
    replied_at: datetime.datetime | None
    linked_station: LinkOut | None
    linked_service_contact: LinkOut | None
    linked_resource: LinkOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class StaffNeedOut(NeedOut):
    courier: CourierRefOut | None
    next_statuses: list[str]


class StaffNeedDetailOut(StaffNeedOut):
    events: list[NeedEventOut]


class NeedListOut(Schema):
    count: int
    items: list[NeedOut]


class StaffNeedListOut(Schema):
    count: int
    items: list[StaffNeedOut]


class TransitionIn(Schema):
    to_status: str = Field(..., max_length=20)
    note: str = Field("", max_length=5000)


class LinksIn(Schema):
    station_id: uuid.UUID | None = None
    service_contact_id: int | None = None
    resource_item_id: int | None = None


class ReplyIn(LinksIn):
    reply: str = Field(..., max_length=5000)


class RankingCategoryOut(Schema):
    rank: int
    category: str
    label: str
    total: int
    open: int
    all_time: int
    change: int
    trend: list[int]


class RankingOut(Schema):
    area: AreaOut
    period: str
    periods: list[str]
    total: int
    open: int
    categories: list[RankingCategoryOut]


class SuggestionIn(Schema):
    subject: str = Field(..., max_length=100)
    body: str = Field(..., max_length=5000)


class SuggestionOut(Schema):
    id: uuid.UUID
    subject: str
    body: str
    status: str
    status_label: str
    area: AreaOut
    reply: str
    replied_at: datetime.datetime | None
    created_at: datetime.datetime


class StaffSuggestionOut(SuggestionOut):
    courier: CourierRefOut | None


class SuggestionListOut(Schema):
    count: int
    items: list[SuggestionOut]


class StaffSuggestionListOut(Schema):
    count: int
    items: list[StaffSuggestionOut]


class SuggestionReplyIn(Schema):
    reply: str = Field(..., max_length=5000)


class ForumIn(Schema):
    area_code: str = Field(..., pattern=r"^\d{12}$")
    held_on: datetime.date
    title: str = Field(..., max_length=100)
    location: str = Field("", max_length=200)
    attendees: str = Field("", max_length=5000)
    courier_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    staff_usernames: list[str] = Field(default_factory=list, max_length=200)
    courier_count: int | None = Field(None, ge=0, le=100000)
    outcomes: str = Field("", max_length=5000)


class ForumOut(Schema):
    id: uuid.UUID
    area: AreaOut
    held_on: datetime.date
    title: str
    location: str
    attendees: str
    couriers: list[CourierRefOut]
    staff: list[str]
    courier_count: int
    outcomes: str
    need_count: int
    created_at: datetime.datetime


class ForumListOut(Schema):
    count: int
    items: list[ForumOut]


# --- fillers -----------------------------------------------------------------------------------


def area_out(area):
    return {"code": area.code, "name": area.name, "full_name": area.full_name or area.name}


def courier_ref(courier):
    if courier is None:
        return None
    return {"id": courier.public_id, "name": courier.name, "phone_masked": courier.phone_masked}


def _station_link(station):
    if station is None:
        return None
    return {
        "id": str(station.public_id),
        "name": station.name,
        "phone": station.phone,
        "address": station.address,
    }


def _contact_link(contact):
    if contact is None:
        return None
    return {"id": str(contact.pk), "name": str(contact), "phone": contact.phone, "address": contact.address}


def _resource_link(item):
    if item is None:
        return None
    return {"id": str(item.pk), "name": item.name, "phone": item.contact, "address": item.provider}


def need_out(need):
    return {
        "id": need.public_id,
        "category": need.category,
        "category_label": need.get_category_display(),
        "title": need.title,
        "description": need.description,
        "status": need.status,
        "status_label": need.get_status_display(),
        "source": need.source,
        "area": area_out(need.area),
        "reply": need.reply,
        "replied_at": need.replied_at,
        "linked_station": _station_link(need.linked_station),
        "linked_service_contact": _contact_link(need.linked_service_contact),
        "linked_resource": _resource_link(need.linked_resource),
        "created_at": need.created_at,
        "updated_at": need.updated_at,
    }


def staff_need_out(need, *, events=None):
    from .transitions import next_statuses

    data = need_out(need)
    data["courier"] = courier_ref(need.courier)
    data["next_statuses"] = [str(status) for status in next_statuses(need.status)]
    if events is not None:
        data["events"] = [
            {
                "occurred_at": event.occurred_at,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
                "actor": str(event.actor) if event.actor_id else "",
            }
            for event in events
        ]
    return data


def ranking_out(ranking):
    return {
        "area": area_out(ranking["area"]),
        "period": ranking["period"],
        "periods": ranking["periods"],
        "total": ranking["total"],
        "open": ranking["open"],
        "categories": ranking["categories"],
    }


def suggestion_out(suggestion):
    return {
        "id": suggestion.public_id,
        "subject": suggestion.subject,
        "body": suggestion.body,
        "status": suggestion.status,
        "status_label": suggestion.get_status_display(),
        "area": area_out(suggestion.area),
        "reply": suggestion.reply,
        "replied_at": suggestion.replied_at,
        "created_at": suggestion.created_at,
    }


def staff_suggestion_out(suggestion):
    return {**suggestion_out(suggestion), "courier": courier_ref(suggestion.courier)}


def forum_out(forum, *, need_count=None):
    return {
        "id": forum.public_id,
        "area": area_out(forum.area),
        "held_on": forum.held_on,
        "title": forum.title,
        "location": forum.location,
        "attendees": forum.attendees,
        "couriers": [courier_ref(courier) for courier in forum.couriers.all()],
        "staff": [user.username for user in forum.staff.all()],
        "courier_count": forum.courier_count,
        "outcomes": forum.outcomes,
        "need_count": need_count if need_count is not None else getattr(forum, "need_count", 0),
        "created_at": forum.created_at,
    }
