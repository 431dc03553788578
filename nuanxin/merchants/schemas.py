"""Input and output shapes of the merchants API."""

import datetime
import uuid

from ninja import Field, Schema


class WindowIn(Schema):
    weekday: int | None = Field(None, ge=0, le=6)
    starts_at: datetime.time
    ends_at: datetime.time


class WindowOut(Schema):
    weekday: int | None
    starts_at: datetime.time
    ends_at: datetime.time


class MerchantIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    area_code: str
    address: str = Field(max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    phone: str = ""
    description: str = ""
    account_usernames: list[str] = Field(default_factory=list, max_length=20)


class MerchantOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    area_code: str
    address: str
    latitude: float
    longitude: float
    phone: str
    is_active: bool
    account_usernames: list[str]


class OfferIn(Schema):
    title: str = Field(max_length=100)
    description: str = ""
    price_fen: int = Field(ge=0, le=1_000_000)
    original_price_fen: int | None = Field(None, ge=0, le=1_000_000)
    windows: list[WindowIn] = Field(max_length=20)


class OfferOut(Schema):
    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant_name: str
    merchant_kind: str
    address: str
    latitude: float
    longitude: float
    title: str
    description: str
    price_fen: int
    original_price_fen: int | None
    is_active: bool
    windows: list[WindowOut]
    distance_m: int | None = None
    is_served_now: bool | None = None


class NearbyQuery(Schema):
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"
    radius_m: int = Field(5000, ge=100, le=50_000)


class MealCodeIn(Schema):
    offer_id: uuid.UUID


class MealCodeOut(Schema):
    id: uuid.UUID
    token: str
    expires_at: datetime.datetime
    offer: OfferOut
    qr_svg: str


class ConfirmIn(Schema):
    token: str = Field(max_length=300)


class ConfirmOut(Schema):
    id: uuid.UUID
    offer_id: uuid.UUID
    offer_title: str
    price_fen: int
    courier_name: str
    confirmed_at: datetime.datetime


def offer_out(offer, *, distance_m=None, is_served_now=None):
    merchant = offer.merchant
    return {
        "id": offer.public_id,
        "merchant_id": merchant.public_id,
        "merchant_name": merchant.name,
        "merchant_kind": merchant.kind,
        "address": merchant.address,
        "latitude": merchant.latitude,
        "longitude": merchant.longitude,
        "title": offer.title,
        "description": offer.description,
        "price_fen": offer.price_fen,
        "original_price_fen": offer.original_price_fen,
        "is_active": offer.is_active,
        "windows": [
            {"weekday": window.weekday, "starts_at": window.starts_at, "ends_at": window.ends_at}
            for window in offer.windows.all()
        ],
        "distance_m": distance_m,
        "is_served_now": is_served_now,
    }


def merchant_out(merchant):
    return {
        "id": merchant.public_id,
        "name": merchant.name,
        "kind": merchant.kind,
        "kind_label": str(merchant.get_kind_display()),
        "area_code": merchant.area.code,
        "address": merchant.address,
        "latitude": merchant.latitude,
        "longitude": merchant.longitude,
        "phone": merchant.phone,
        "is_active": merchant.is_active,
        "account_usernames": sorted(account.username for account in merchant.accounts.all()),
    }


def confirm_out(code):
    return {
        "id": code.public_id,
        "offer_id": code.offer.public_id,
        "offer_title": code.offer.title,
        "price_fen": code.offer.price_fen,
        # The merchant sees the courier's name only (for the receipt), never phone or ID.
        "courier_name": code.courier.name,
        "confirmed_at": code.redeemed_at,
    }
