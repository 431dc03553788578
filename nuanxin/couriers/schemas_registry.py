"""Schemas of the staff registry API (/api/v1/registry/). Personal numbers only in `CourierDetailOut`."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from .models import WorkerGroup

WorkerGroupCode = Literal[tuple(WorkerGroup.values)]  # type: ignore[valid-type]
Source = Literal["self", "import", "staff"]


class RegistryFilterIn(Schema):
    q: str | None = Field(
        default=None,
        max_length=100,
        description="A name or site (contains), or a whole mobile number (exact, through the keyed hash)",
    )
    company: str | None = Field(default=None, max_length=40, description="A company code (sf, meituan, …)")
    worker_group: WorkerGroupCode | None = None
    street: str | None = Field(
        default=None,
        pattern=r"^\d{12}$",
        description="A division code: couriers whose work street lies in it",
    )
    is_union_member: bool | None = None
    is_party_member: bool | None = None
    source: Source | None = Field(default=None, description="self (registered themselves), import, staff")
    is_registered: bool | None = Field(default=None, description="Completed the registration form themselves")


class RegistryListIn(RegistryFilterIn):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)


class ExportIn(RegistryFilterIn):
    full_numbers: bool = Field(
        default=False, description="Whole phone and ID numbers instead of masked ones (audited)"
    )


class CompanyOut(Schema):
    code: str
    name: str


class AreaOut(Schema):
    code: str
    name: str


class CourierListItemOut(Schema):
    id: UUID
    name: str
    phone_masked: str = Field(description="Always masked: 138****8000")
    company: CompanyOut | None
    company_other: str
    worker_group: str
    worker_group_label: str
    site_name: str
    work_street: AreaOut | None
    is_union_member: bool
    is_party_member: bool
    source: str
    is_registered: bool
    registered_at: datetime | None


class CourierListOut(Schema):
    items: list[CourierListItemOut]
    count: int = Field(description="Couriers matching the filters, over all pages")
    page: int
    page_size: int


class ChildOut(Schema):
    nickname: str
    birth_year: int
    gender: str


class CourierDetailOut(CourierListItemOut):
    phone: str = Field(description="In full: this read is written to the audit log")
    id_number: str = Field(
        description="In full (empty when not given): this read is written to the audit log"
    )
    id_number_masked: str
    children: list[ChildOut]
    created_at: datetime


class CountOut(Schema):
    key: str
    label: str
    count: int


class CountsOut(Schema):
    total: int
    registered: int
    imported: int
    union_members: int
    party_members: int
    by_company: list[CountOut]
    by_worker_group: list[CountOut]
    by_street: list[CountOut]


class RowErrorOut(Schema):
    row: int = Field(description="The row number in Excel (the header is row 1)")
    column: str
    message: str


class UpdateRowOut(Schema):
    row: int
    phone_masked: str
    name: str = Field(description="The existing courier's name")


class ImportPreviewOut(Schema):
    token: UUID | None = Field(description="Commit with this token; null when the file has errors")
    can_commit: bool
    file_name: str
    row_count: int
    new_count: int
    update_count: int
    error_count: int
    errors: list[RowErrorOut] = Field(description="The first 1,000 row errors")
    updates: list[UpdateRowOut] = Field(description="Rows that update existing couriers (the first 500)")
    blank_rows: list[int]
    blank_row_count: int
    status: str
    expires_at: datetime | None


class ImportBatchOut(Schema):
    token: UUID
    status: str
    file_name: str
    row_count: int
    new_count: int
    update_count: int
    committed_at: datetime | None


class NewNeedIn(Schema):
    category: str = Field(max_length=32)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)


class OutreachVisitIn(Schema):
    area: str = Field(pattern=r"^\d{12}$", description="The division code of the street visited")
    visited_on: date
    company: str | None = Field(default=None, max_length=40, description="A company code")
    site_name: str = Field(max_length=100)
    site_address: str = Field(default="", max_length=200)
    staff_ids: list[int] | None = Field(default=None, description="Staff user ids; default: you")
    courier_ids: list[UUID] = Field(default_factory=list, description="Registry couriers met")
    couriers_met_count: int | None = Field(
        default=None, ge=0, le=100000, description="All couriers met; default: the number listed"
    )
    findings: str = Field(default="", max_length=5000)
    need_ids: list[UUID] | None = Field(default=None, description="Existing needs of the area learned here")
    new_needs: list[NewNeedIn] = Field(default_factory=list, description="Needs to add to the needs list")


class StaffOut(Schema):
    id: int
    name: str


class CourierBriefOut(Schema):
    id: UUID
    name: str
    phone_masked: str


class NeedBriefOut(Schema):
    id: UUID
    title: str
    category: str
    status: str


class OutreachVisitOut(Schema):
    id: UUID
    area: AreaOut
    visited_on: date
    company: CompanyOut | None
    site_name: str
    site_address: str
    staff: list[StaffOut]
    couriers_met: list[CourierBriefOut]
    couriers_met_count: int
    findings: str
    needs: list[NeedBriefOut]
    created_at: datetime


class OutreachVisitListOut(Schema):
    items: list[OutreachVisitOut]
    count: int
    page: int
    page_size: int


class OutreachFilterIn(Schema):
    area: str | None = Field(default=None, pattern=r"^\d{12}$")
    company: str | None = Field(default=None, max_length=40)
    visited_from: date | None = None
    visited_to: date | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)
