"""Schemas of the courier's own API (sign-in, /me, consent) and the profile summary pages share.

Explicit In/Out schemas, never a ModelSchema over personal data: the phone and ID number go out
masked only.
"""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from .models import CourierProfile

# What a complete registration has; `site_name` is asked for but optional.
REQUIRED_PROFILE_FIELDS = ("name", "worker_group", "company", "work_area")
COMPLETENESS_FIELDS = (*REQUIRED_PROFILE_FIELDS, "site_name")


def profile_completeness(profile: CourierProfile):
    """Percentage (0–100) of the registration fields filled in."""
    values = {
        "name": profile.name,
        "worker_group": profile.worker_group,
        "company": profile.company_id,
        "work_area": profile.work_area_id,
        "site_name": profile.site_name,
    }
    filled = sum(1 for field in COMPLETENESS_FIELDS if values[field])
    return round(100 * filled / len(COMPLETENESS_FIELDS))


class SmsCodeIn(Schema):
    phone: str = Field(max_length=32)


class SmsCodeOut(Schema):
    phone_masked: str
    expires_in: int = Field(description="Seconds the code stays valid.")
    resend_after: int = Field(description="Seconds before another code may be requested.")
    demo: bool = Field(
        description="True for the demo number on a demo site: no SMS is sent, the code is 123456."
    )


class SmsLoginIn(Schema):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)


class WeChatCodeIn(Schema):
    code: str = Field(min_length=1, max_length=128, description="The code from wx.login().")


class TokenOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime
    is_registered: bool
    needs_consent: bool


class AreaOut(Schema):
    code: str
    name: str
    full_name: str


class ChildIn(Schema):
    nickname: str = Field(max_length=40)
    birth_year: int
    gender: str = Field("", description='"male", "female" or "".')


class ChildOut(Schema):
    nickname: str
    birth_year: int
    gender: str


class MeIn(Schema):
    name: str = Field(max_length=100)
    worker_group: str = Field(max_length=40)
    company: str = Field(max_length=40, description='A code from GET /api/v1/companies, or "other".')
    company_other: str = Field("", max_length=100, description='The company name when company is "other".')
    site_name: str = Field("", max_length=200)
    work_area: str = Field(max_length=12, description="The 12-digit code of the street or town.")
    id_number: str | None = Field(None, max_length=32, description='Omit to keep, "" to erase.')
    children: list[ChildIn] | None = Field(None, description="Omit to keep; a list replaces them.")
    is_union_member: bool = False
    is_party_member: bool = False


class MeOut(Schema):
    public_id: str
    phone_masked: str
    name: str
    worker_group: str
    worker_group_label: str
    company: str | None
    company_name: str
    company_other: str
    site_name: str
    work_area: AreaOut | None
    id_number_masked: str
    children: list[ChildOut]
    is_union_member: bool
    is_party_member: bool
    is_registered: bool
    registered_at: datetime | None
    wechat_linked: bool
    completeness: int = Field(description="Percentage of the registration filled in.")


class CompanyOut(Schema):
    code: str
    name: str
    worker_group: str


class ChoiceOut(Schema):
    code: str
    label: str


class PrivacyNoticeOut(Schema):
    version: str
    title: str
    body: str
    published_at: datetime


class ConsentIn(Schema):
    version: str = Field(max_length=20)


class ConsentOut(Schema):
    version: str
    given_at: datetime


class DeleteIn(Schema):
    confirmation: str = Field(max_length=20, description="The word DELETE.")


def me_out(profile: CourierProfile):
    """The MeOut payload of a profile (two queries for company/area when not select_related)."""
    area = profile.work_area
    company = profile.company
    return {
        "public_id": str(profile.public_id),
        "phone_masked": profile.phone_masked,
        "name": profile.name,
        "worker_group": profile.worker_group,
        "worker_group_label": str(profile.get_worker_group_display()) if profile.worker_group else "",
        "company": company.code if company else None,
        "company_name": company.name if company else "",
        "company_other": profile.company_other,
        "site_name": profile.site_name,
        "work_area": {"code": area.code, "name": area.name, "full_name": area.full_name} if area else None,
        "id_number_masked": profile.id_number_masked,
        "children": [
            {"nickname": child.nickname, "birth_year": child.birth_year, "gender": child.gender}
            for child in profile.children.all()
        ],
        "is_union_member": profile.is_union_member,
        "is_party_member": profile.is_party_member,
        "is_registered": profile.is_registered,
        "registered_at": profile.registered_at,
        "wechat_linked": bool(profile.wechat_openid),
        "completeness": profile_completeness(profile),
    }
