"""API shapes of the hall and the functions that fill them.

Public shapes never name the author; coordinates are rounded to 3 decimal places (about 100 m).
The department is `{id, name}` (id: the reports Department's public id); staff shapes add the author
as id, name and masked phone, the department's area and draft answers.
"""

import datetime
import uuid
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from . import transitions
from .models import AnswerState, HallCategory, HallStatus

CategoryValue = Literal[tuple(HallCategory.values)]  # type: ignore[valid-type]
AnswerStateValue = Literal[tuple(AnswerState.values)]  # type: ignore[valid-type]
BoardStatusValue = Literal[(*HallStatus.values, "open", "closed")]  # type: ignore[valid-type]


class ChoiceOut(Schema):
    value: str
    label: str


class AreaOut(Schema):
    code: str
    name: str


class ItemIn(Schema):
    category: CategoryValue
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    location_text: str = Field("", max_length=200)
    latitude: float | None = None
    longitude: float | None = None
    coordinate_system: Literal["wgs84", "gcj02"] = "wgs84"


class OrderIn(Schema):
    note: str = Field("", max_length=2000)
    location_text: str = Field("", max_length=200)


class RouteIn(Schema):
    department_id: uuid.UUID
    note: str = Field("", max_length=500)


class AnswerDraftIn(Schema):
    state: AnswerStateValue
    body: str = Field(..., max_length=5000)
    reason: str = Field("", max_length=5000)


class MilestoneIn(Schema):
    title: str = Field(..., max_length=100)
    note: str = Field("", max_length=5000)


class AnswerOut(Schema):
    state: str
    state_label: str
    body: str
    reason: str
    department_name: str
    published_at: datetime.datetime | None


class StaffAnswerOut(AnswerOut):
    id: uuid.UUID
    is_published: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DepartmentOut(Schema):
    id: uuid.UUID
    name: str


class StaffDepartmentOut(DepartmentOut):
    area: AreaOut


class MilestoneOut(Schema):
    title: str
    note: str
    created_at: datetime.datetime


class ItemOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    category: str
    category_label: str
    status: str
    status_label: str
    source: str
    service_name: str
    area: AreaOut
    location_text: str
    latitude: float | None
    longitude: float | None
    support_count: int
    department: DepartmentOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ItemDetailOut(ItemOut):
    answers: list[AnswerOut]
    milestones: list[MilestoneOut]


class ItemListOut(Schema):
    count: int
    items: list[ItemOut]


class CourierRefOut(Schema):
    id: uuid.UUID
    name: str
    phone_masked: str


class StaffItemOut(ItemOut):
    author: CourierRefOut | None
    department_area: AreaOut | None
    routed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    answer_states: list[str]


class StaffItemDetailOut(StaffItemOut):
    answers: list[StaffAnswerOut]
    milestones: list[MilestoneOut]


class StaffItemListOut(Schema):
    count: int
    items: list[StaffItemOut]


class SupportOut(Schema):
    support_count: int
    supported: bool


class MenuItemOut(Schema):
    id: int
    name: str
    description: str
    provider_name: str
    schedule: str
    area: AreaOut


def _round(value):
    return None if value is None else float(round(Decimal(value), 3))


def _area(area):
    return None if area is None else {"code": area.code, "name": area.name}


def department_out(department):
    return None if department is None else {"id": department.public_id, "name": department.name}


def staff_department_out(department):
    return {**department_out(department), "area": _area(department.area)}


def item_out(item):
    return {
        "id": item.public_id,
        "title": item.title,
        "description": item.description,
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "source": item.source,
        "service_name": item.menu_item.name if item.menu_item_id and item.menu_item else "",
        "area": _area(item.area),
        "location_text": item.location_text,
        "latitude": _round(item.latitude),
        "longitude": _round(item.longitude),
        "support_count": item.support_count,
        "department": department_out(item.department) if item.department_id else None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def answer_out(answer):
    return {
        "state": answer.state,
        "state_label": str(answer.get_state_display()),
        "body": answer.body,
        "reason": answer.reason,
        "department_name": answer.department_name,
        "published_at": answer.published_at,
    }


def milestone_out(milestone):
    return {"title": milestone.title, "note": milestone.note, "created_at": milestone.created_at}


def item_detail_out(item):
    """Public detail: `item` comes from a selector that prefetched `published_answers`."""
    return {
        **item_out(item),
        "answers": [answer_out(answer) for answer in item.published_answers],
        "milestones": [milestone_out(milestone) for milestone in item.milestones.all()],
    }


def staff_item_out(item):
    author = item.author
    data = item_out(item)
    # Staff coordinates are exact: they route by them.
    data["latitude"] = None if item.latitude is None else float(item.latitude)
    data["longitude"] = None if item.longitude is None else float(item.longitude)
    return {
        **data,
        "author": None
        if author is None
        else {"id": author.public_id, "name": author.name, "phone_masked": author.phone_masked},
        "department_area": _area(item.department.area) if item.department_id else None,
        "routed_at": item.routed_at,
        "closed_at": item.closed_at,
        "answer_states": transitions.answer_states(item.status),
    }


def staff_item_detail_out(item):
    return {
        **staff_item_out(item),
        "answers": [
            {
                **answer_out(answer),
                "id": answer.public_id,
                "is_published": answer.is_published,
                "created_at": answer.created_at,
                "updated_at": answer.updated_at,
            }
            for answer in item.answers.all()
        ],
        "milestones": [milestone_out(milestone) for milestone in item.milestones.all()],
    }


def menu_item_out(service):
    return {
        "id": service.pk,
        "name": service.name,
        "description": service.description,
        "provider_name": service.provider_name,
        "schedule": service.schedule,
        "area": _area(service.area),
    }
