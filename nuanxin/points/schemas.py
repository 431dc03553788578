"""Input and output shapes of the points API."""

import datetime
import decimal
import uuid

from ninja import Field, Schema

from .services import refund_window


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)

    def slice(self, queryset):
        return queryset[self.offset : self.offset + self.limit]


class BalanceOut(Schema):
    points: int
    expiring_points: int
    next_expiry_at: datetime.datetime | None


class EntryOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    points: int
    balance_after: int
    occurred_at: datetime.datetime
    rule_code: str | None
    note: str


class RewardOut(Schema):
    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant_name: str
    address: str
    title: str
    description: str
    points_price: int
    stock: int
    is_active: bool


class RedeemCodeIn(Schema):
    reward_id: uuid.UUID


class RedeemCodeOut(Schema):
    id: uuid.UUID
    token: str
    expires_at: datetime.datetime
    reward: RewardOut
    qr_svg: str


class ConfirmIn(Schema):
    token: str = Field(max_length=300)


class RedemptionOut(Schema):
    id: uuid.UUID
    reward_id: uuid.UUID
    reward_title: str
    merchant_name: str
    points: int
    courier_name: str
    confirmed_at: datetime.datetime
    # Until when the merchant may cancel it (area staff may at any time); None once refunded.
    merchant_refund_until: datetime.datetime | None
    refunded_at: datetime.datetime | None
    refund_reason: str


class RefundIn(Schema):
    reason: str = Field(max_length=200)


class RuleIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    kind: str
    points_per_unit: int
    daily_cap: int | None = None
    area_code: str


class RulePatch(Schema):
    name: str | None = Field(None, max_length=100)
    points_per_unit: int | None = None
    daily_cap: int | None = None
    is_active: bool | None = None


class RuleOut(Schema):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    points_per_unit: int
    daily_cap: int | None
    area_code: str
    is_active: bool


class AwardIn(Schema):
    courier_id: uuid.UUID
    rule_code: str = Field(max_length=40)
    quantity: decimal.Decimal = decimal.Decimal(1)
    note: str = Field("", max_length=200)


class AwardOut(Schema):
    entry: EntryOut
    points_requested: int
    is_new: bool
    is_clipped: bool
    message: str


class ReverseIn(Schema):
    note: str = Field(max_length=200)
    # True: take back what is left of the award (possibly nothing) and record the shortfall,
    # instead of refusing when some of its points were spent or have expired.
    partial: bool = False


class RewardIn(Schema):
    merchant_id: uuid.UUID
    title: str = Field(max_length=100)
    description: str = Field("", max_length=2000)
    points_price: int
    stock: int


class RewardPatch(Schema):
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    points_price: int | None = None
    stock: int | None = None
    is_active: bool | None = None


class LeaderboardQuery(Schema):
    area_code: str | None = None
    period: str = "month"
    metric: str = "points"


class LeaderboardRow(Schema):
    rank: int
    courier_id: uuid.UUID
    name: str
    work_area: str
    value: float


class LeaderboardOut(Schema):
    area_code: str
    period: str
    metric: str
    rows: list[LeaderboardRow]


class MyLeaderboardQuery(Schema):
    metric: str = "hours"
    scope: str | None = None
    period: str = "month"


class PublicLeaderboardRow(Schema):
    rank: int
    name: str  # masked: family name and stars
    value: float
    is_me: bool


class MyLeaderboardOut(Schema):
    metric: str
    period: str
    scope: str
    scopes: list[str]
    area_name: str
    since: datetime.datetime | None
    rows: list[PublicLeaderboardRow]
    me: PublicLeaderboardRow | None


class StoryPhotoOut(Schema):
    url: str
    caption: str


class StoryOut(Schema):
    id: uuid.UUID
    title: str
    body: str
    area_code: str
    area_name: str
    courier_name: str | None
    status: str
    published_at: datetime.datetime | None
    photos: list[StoryPhotoOut]


def entry_out(entry):
    return {
        "id": entry.public_id,
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "points": entry.points,
        "balance_after": entry.balance_after,
        "occurred_at": entry.occurred_at,
        "rule_code": entry.rule.code if entry.rule_id else None,
        "note": entry.note,
    }


def reward_out(reward):
    merchant = reward.merchant
    return {
        "id": reward.public_id,
        "merchant_id": merchant.public_id,
        "merchant_name": merchant.name,
        "address": merchant.address,
        "title": reward.title,
        "description": reward.description,
        "points_price": reward.points_price,
        "stock": reward.stock,
        "is_active": reward.is_active,
    }


def redemption_out(code):
    return {
        "id": code.public_id,
        "reward_id": code.reward.public_id,
        "reward_title": code.reward.title,
        "merchant_name": code.reward.merchant.name,
        "points": code.reward.points_price if code.entry_id is None else -code.entry.points,
        # The merchant sees the courier's name only (for the receipt), never phone or ID.
        "courier_name": code.courier.name,
        "confirmed_at": code.redeemed_at,
        "merchant_refund_until": (
            code.redeemed_at + refund_window() if code.refunded_at is None and code.redeemed_at else None
        ),
        "refunded_at": code.refunded_at,
        "refund_reason": code.refund_reason,
    }


def rule_out(rule):
    return {
        "id": rule.public_id,
        "code": rule.code,
        "name": rule.name,
        "kind": rule.kind,
        "points_per_unit": rule.points_per_unit,
        "daily_cap": rule.daily_cap,
        "area_code": rule.area.code,
        "is_active": rule.is_active,
    }


def story_out(story):
    return {
        "id": story.public_id,
        "title": story.title,
        "body": story.body,
        "area_code": story.area.code,
        "area_name": story.area.name,
        "courier_name": story.courier.name if story.courier_id else None,
        "status": story.status,
        "published_at": story.published_at,
        "photos": [{"url": photo.image.url, "caption": photo.caption} for photo in story.photos.all()],
    }
