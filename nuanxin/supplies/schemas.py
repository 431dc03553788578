"""Input and output shapes of the supplies API. Outputs are built by the *_out functions."""

import datetime
import uuid

from ninja import Field, Schema


class ItemIn(Schema):
    name: str = Field(max_length=100)
    category: str
    unit: str = Field(max_length=10)
    default_low_stock_threshold: int = Field(10, ge=0, le=100_000)


class ItemOut(Schema):
    id: uuid.UUID
    name: str
    category: str
    category_label: str
    unit: str
    default_low_stock_threshold: int
    is_active: bool


class StockInIn(Schema):
    station_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    source_kind: str
    source_name: str = ""
    note: str = ""


class HandOutIn(Schema):
    station_id: uuid.UUID
    item_id: uuid.UUID
    courier_id: uuid.UUID
    quantity: int
    note: str = ""


class ThresholdIn(Schema):
    station_id: uuid.UUID
    item_id: uuid.UUID
    low_stock_threshold: int = Field(ge=0, le=100_000)


class MovementOut(Schema):
    id: uuid.UUID
    station_id: uuid.UUID
    station_name: str
    item_id: uuid.UUID
    item_name: str
    kind: str
    quantity: int
    balance_after: int
    source_kind: str
    source_name: str
    courier_id: uuid.UUID | None
    note: str
    created_at: datetime.datetime


class MovementListOut(Schema):
    count: int
    items: list[MovementOut]


class BalanceOut(Schema):
    station_id: uuid.UUID
    station_name: str
    item_id: uuid.UUID
    item_name: str
    unit: str
    quantity: int
    low_stock_threshold: int
    is_low: bool


class KitLineIn(Schema):
    item_id: uuid.UUID
    quantity: int


class CampaignIn(Schema):
    name: str = Field(max_length=100)
    description: str = ""
    area_code: str
    starts_on: datetime.date
    ends_on: datetime.date
    kit: list[KitLineIn] = Field(max_length=30)


class KitLineOut(Schema):
    item_id: uuid.UUID
    item_name: str
    unit: str
    quantity: int


class CampaignOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    area_code: str
    area_name: str
    starts_on: datetime.date
    ends_on: datetime.date
    is_active: bool
    kit: list[KitLineOut]
    granted_count: int | None = None


class GrantIn(Schema):
    station_id: uuid.UUID
    courier_id: uuid.UUID


class GrantOut(Schema):
    id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    station_id: uuid.UUID
    station_name: str
    courier_id: uuid.UUID
    created_at: datetime.datetime


class MyCarePackageOut(Schema):
    id: uuid.UUID
    campaign_name: str
    station_name: str
    kit: list[KitLineOut]
    received_at: datetime.datetime


def item_out(item):
    return {
        "id": item.public_id,
        "name": item.name,
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "unit": item.unit,
        "default_low_stock_threshold": item.default_low_stock_threshold,
        "is_active": item.is_active,
    }


def movement_out(movement):
    return {
        "id": movement.public_id,
        "station_id": movement.station.public_id,
        "station_name": movement.station.name,
        "item_id": movement.item.public_id,
        "item_name": movement.item.name,
        "kind": movement.kind,
        "quantity": movement.quantity,
        "balance_after": movement.balance_after,
        "source_kind": movement.source_kind,
        "source_name": movement.source_name,
        "courier_id": movement.courier.public_id if movement.courier_id else None,
        "note": movement.note,
        "created_at": movement.created_at,
    }


def balance_out(balance):
    return {
        "station_id": balance.station.public_id,
        "station_name": balance.station.name,
        "item_id": balance.item.public_id,
        "item_name": balance.item.name,
        "unit": balance.item.unit,
        "quantity": balance.quantity,
        "low_stock_threshold": balance.low_stock_threshold,
        "is_low": balance.is_low,
    }


def kit_out(campaign):
    return [
        {
            "item_id": line.item.public_id,
            "item_name": line.item.name,
            "unit": line.item.unit,
            "quantity": line.quantity,
        }
        for line in campaign.kit_items.all()
    ]


def campaign_out(campaign, *, granted_count=None):
    return {
        "id": campaign.public_id,
        "name": campaign.name,
        "description": campaign.description,
        "area_code": campaign.area.code,
        "area_name": campaign.area.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "is_active": campaign.is_active,
        "kit": kit_out(campaign),
        "granted_count": granted_count,
    }


def grant_out(grant):
    return {
        "id": grant.public_id,
        "campaign_id": grant.campaign.public_id,
        "campaign_name": grant.campaign.name,
        "station_id": grant.station.public_id,
        "station_name": grant.station.name,
        "courier_id": grant.courier.public_id,
        "created_at": grant.created_at,
    }


def my_care_package_out(grant):
    return {
        "id": grant.public_id,
        "campaign_name": grant.campaign.name,
        "station_name": grant.station.name,
        "kit": kit_out(grant.campaign),
        "received_at": grant.created_at,
    }
