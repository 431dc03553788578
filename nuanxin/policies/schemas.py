"""Schemas of the policy library API."""

import datetime
import uuid

from ninja import Field, Schema


class PolicyListItemOut(Schema):
    id: uuid.UUID
    title: str
    department: str
    department_label: str
    category: str
    category_label: str
    issuer: str
    summary: str
    effective_from: datetime.date | None
    effective_until: datetime.date | None
    published_at: datetime.datetime | None
    is_read: bool = False


class PolicyOut(PolicyListItemOut):
    body: str
    source_url: str


class StaffPolicyOut(PolicyOut):
    area_code: str
    status: str
    read_count: int = 0


class PolicyIn(Schema):
    title: str = Field(max_length=100)
    department: str
    category: str
    issuer: str = Field("", max_length=100)
    summary: str = Field(max_length=300)
    body: str = Field(max_length=20000)
    source_url: str = Field("", max_length=300)
    effective_from: datetime.date | None = None
    effective_until: datetime.date | None = None
    area_code: str
    publish: bool = False


class PushIn(Schema):
    area_code: str | None = None
    company_code: str | None = None
    worker_group: str = ""
    channels: list[str] = Field(default_factory=list, max_length=2)


class PushOut(Schema):
    id: uuid.UUID
    announcement_id: uuid.UUID
    recipient_count: int


class ReadOut(Schema):
    courier_name: str
    courier_phone: str
    read_at: datetime.datetime


class ReceiptsOut(Schema):
    read_count: int
    pushed_to: int
    reads: list[ReadOut]


def policy_out(policy, *, full=False, staff=False):
    data = {
        "id": policy.public_id,
        "title": policy.title,
        "department": policy.department,
        "department_label": str(policy.get_department_display()),
        "category": policy.category,
        "category_label": str(policy.get_category_display()),
        "issuer": policy.issuer,
        "summary": policy.summary,
        "effective_from": policy.effective_from,
        "effective_until": policy.effective_until,
        "published_at": policy.published_at,
        "is_read": bool(getattr(policy, "is_read", False)),
    }
    if full or staff:
        data.update(body=policy.body, source_url=policy.source_url)
    if staff:
        data.update(
            area_code=policy.area.code, status=policy.status, read_count=getattr(policy, "read_count", 0) or 0
        )
    return data
