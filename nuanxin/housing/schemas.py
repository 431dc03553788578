"""Schemas of the housing API. Out-schemas are built by hand (`*_out`): no personal data leaks
through a ModelSchema; staff see the courier's name and masked phone, never the full number."""

import uuid
from datetime import date, datetime

from ninja import Field, Schema


class RoomOut(Schema):
    id: uuid.UUID
    name: str
    capacity: int


class ApartmentOut(Schema):
    id: uuid.UUID
    name: str
    area_code: str
    area_name: str
    address: str
    description: str
    contact_phone: str
    max_nights: int
    station_id: uuid.UUID | None
    rooms: list[RoomOut]


class NightOut(Schema):
    date: date
    state: str  # free | requested | booked


class CalendarStayOut(Schema):
    id: uuid.UUID
    check_in: date
    check_out: date
    status: str
    guests: int
    courier_name: str
    courier_phone: str


class CalendarRoomOut(Schema):
    id: uuid.UUID
    name: str
    capacity: int
    nights: list[NightOut]
    stays: list[CalendarStayOut] = []


class CalendarOut(Schema):
    apartment_id: uuid.UUID
    month: str
    rooms: list[CalendarRoomOut]


class StayIn(Schema):
    room_id: uuid.UUID
    check_in: date
    check_out: date
    guests: int = Field(ge=1, le=20)
    guest_names: str = Field("", max_length=200)
    note: str = Field("", max_length=500)


class StayOut(Schema):
    id: uuid.UUID
    apartment_id: uuid.UUID
    apartment_name: str
    room_id: uuid.UUID
    room_name: str
    check_in: date
    check_out: date
    nights: int
    guests: int
    guest_names: str
    note: str
    status: str
    status_label: str
    decision_note: str
    decided_at: datetime | None
    created_at: datetime


class StaffStayOut(StayOut):
    area_code: str
    courier_id: uuid.UUID
    courier_name: str
    courier_phone: str
    decided_by: str


class DecisionIn(Schema):
    note: str = Field("", max_length=500)


class OfferOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    area_code: str
    area_name: str
    address: str
    monthly_rent_fen: int
    units_available: int
    description: str
    contact_phone: str


class IntentIn(Schema):
    move_in_on: date
    occupants: int = Field(1, ge=1, le=20)
    note: str = Field("", max_length=500)


class IntentOut(Schema):
    id: uuid.UUID
    offer_id: uuid.UUID
    offer_title: str
    move_in_on: date
    occupants: int
    note: str
    created_at: datetime


class StaffIntentOut(IntentOut):
    courier_id: uuid.UUID
    courier_name: str
    courier_phone: str


def apartment_out(apartment):
    return {
        "id": apartment.public_id,
        "name": apartment.name,
        "area_code": apartment.area.code,
        "area_name": apartment.area.name,
        "address": apartment.address,
        "description": apartment.description,
        "contact_phone": apartment.contact_phone,
        "max_nights": apartment.max_nights,
        "station_id": apartment.station.public_id if apartment.station_id else None,
        "rooms": [
            {"id": room.public_id, "name": room.name, "capacity": room.capacity}
            for room in apartment.rooms.all()
        ],
    }


def calendar_out(month_calendar):
    rooms = []
    for calendar_room in month_calendar.rooms:
        rooms.append(
            {
                "id": calendar_room.room.public_id,
                "name": calendar_room.room.name,
                "capacity": calendar_room.room.capacity,
                "nights": [{"date": day, "state": state} for day, state in calendar_room.nights],
                "stays": [
                    {
                        "id": stay.public_id,
                        "check_in": stay.check_in,
                        "check_out": stay.check_out,
                        "status": stay.status,
                        "guests": stay.guests,
                        "courier_name": stay.courier.name,
                        "courier_phone": stay.courier.phone_masked,
                    }
                    for stay in calendar_room.stays
                ],
            }
        )
    return {
        "apartment_id": month_calendar.apartment.public_id,
        "month": f"{month_calendar.month:%Y-%m}",
        "rooms": rooms,
    }


def stay_out(stay):
    apartment = stay.room.apartment
    return {
        "id": stay.public_id,
        "apartment_id": apartment.public_id,
        "apartment_name": apartment.name,
        "room_id": stay.room.public_id,
        "room_name": stay.room.name,
        "check_in": stay.check_in,
        "check_out": stay.check_out,
        "nights": stay.nights,
        "guests": stay.guests,
        "guest_names": stay.guest_names,
        "note": stay.note,
        "status": stay.status,
        "status_label": str(stay.get_status_display()),
        "decision_note": stay.decision_note,
        "decided_at": stay.decided_at,
        "created_at": stay.created_at,
    }


def staff_stay_out(stay):
    return {
        **stay_out(stay),
        "area_code": stay.room.apartment.area.code,
        "courier_id": stay.courier.public_id,
        "courier_name": stay.courier.name,
        "courier_phone": stay.courier.phone_masked,
        "decided_by": str(stay.decided_by) if stay.decided_by_id else "",
    }


def offer_out(offer):
    return {
        "id": offer.public_id,
        "kind": offer.kind,
        "kind_label": str(offer.get_kind_display()),
        "title": offer.title,
        "area_code": offer.area.code,
        "area_name": offer.area.name,
        "address": offer.address,
        "monthly_rent_fen": offer.monthly_rent_fen,
        "units_available": offer.units_available,
        "description": offer.description,
        "contact_phone": offer.contact_phone,
    }


def intent_out(intent):
    return {
        "id": intent.public_id,
        "offer_id": intent.offer.public_id,
        "offer_title": intent.offer.title,
        "move_in_on": intent.move_in_on,
        "occupants": intent.occupants,
        "note": intent.note,
        "created_at": intent.created_at,
    }


def staff_intent_out(intent):
    return {
        **intent_out(intent),
        "courier_id": intent.courier.public_id,
        "courier_name": intent.courier.name,
        "courier_phone": intent.courier.phone_masked,
    }
