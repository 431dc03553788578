"""The housing JSON API, added to the one NinjaAPI at "/":

- signed-in users: /housing/apartments, /housing/apartments/{id}, /housing/apartments/{id}/calendar,
  /housing/offers;
- couriers: POST /housing/stays, /housing/stays/mine, POST /housing/stays/{id}/cancel,
  POST /housing/offers/{id}/intents, /housing/intents/mine, DELETE /housing/intents/{id};
- staff of the apartment's area (city/district/street staff, stewards): /manage/housing/stays,
  POST …/{id}/approve and …/{id}/refuse, /manage/housing/apartments/{id}/calendar (with the stays),
  /manage/housing/offers/{id}/intents.
"""

import uuid

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied
from nuanxin.couriers.permissions import require_courier

from . import permissions, selectors, services
from .models import StayStatus
from .schemas import (
    ApartmentOut,
    CalendarOut,
    DecisionIn,
    IntentIn,
    IntentOut,
    OfferOut,
    StaffIntentOut,
    StaffStayOut,
    StayIn,
    StayOut,
    apartment_out,
    calendar_out,
    intent_out,
    offer_out,
    staff_intent_out,
    staff_stay_out,
    stay_out,
)

router = Router(tags=["housing"], auth=AUTH)


class MonthQuery(Schema):
    month: str | None = None


class StayFilter(Schema):
    status: StayStatus | None = None


def _require_housing_staff(request):
    if not (permissions.is_housing_staff(request.user) or permissions.is_superuser(request.user)):
        raise PermissionDenied()


@router.get("/housing/apartments", response=list[ApartmentOut])
def apartment_list(request):
    """Love apartments open for applications, with their rooms."""
    return [apartment_out(apartment) for apartment in selectors.apartment_list_open()]


@router.get("/housing/apartments/{uuid:apartment_id}", response=ApartmentOut)
def apartment_get(request, apartment_id: uuid.UUID):
    return apartment_out(selectors.apartment_get_open(public_id=apartment_id))


@router.get("/housing/apartments/{uuid:apartment_id}/calendar", response=CalendarOut)
def apartment_calendar(request, apartment_id: uuid.UUID, query: Query[MonthQuery]):
    """Every night of the month per room: free, requested (an application waits) or booked."""
    apartment = selectors.apartment_get_open(public_id=apartment_id)
    month = selectors.parse_month(query.month, default=timezone.localdate())
    return calendar_out(selectors.apartment_calendar(apartment=apartment, month=month))


@router.post("/housing/stays", response={201: StayOut})
def stay_apply(request, payload: StayIn):
    """Apply for a free stay for visiting family; the steward of the apartment's street decides."""
    courier = require_courier(request)
    room = selectors.room_get_open(public_id=payload.room_id)
    stay = services.stay_apply(
        actor=request.user,
        courier=courier,
        room=room,
        check_in=payload.check_in,
        check_out=payload.check_out,
        guests=payload.guests,
        guest_names=payload.guest_names,
        note=payload.note,
    )
    return Status(201, stay_out(stay))


@router.get("/housing/stays/mine", response=list[StayOut])
def stay_list_mine(request):
    courier = require_courier(request)
    return [stay_out(stay) for stay in selectors.stay_list_for_courier(courier=courier)]


@router.post("/housing/stays/{uuid:stay_id}/cancel", response=StayOut)
def stay_cancel(request, stay_id: uuid.UUID):
    courier = require_courier(request)
    stay = selectors.stay_get_for_courier(courier=courier, public_id=stay_id)
    stay = services.stay_cancel(actor=request.user, courier=courier, stay=stay)
    return stay_out(stay)


@router.get("/housing/offers", response=list[OfferOut])
def offer_list(request):
    """Rental housing offers (改建公寓, 宿舍) open for sign-ups."""
    return [offer_out(offer) for offer in selectors.offer_list_open()]


@router.post("/housing/offers/{uuid:offer_id}/intents", response={201: IntentOut})
def intent_create(request, offer_id: uuid.UUID, payload: IntentIn):
    """Sign up with the intent to rent; the offer's staff call back."""
    courier = require_courier(request)
    offer = selectors.offer_get_open(public_id=offer_id)
    intent = services.lease_intent_create(
        actor=request.user,
        courier=courier,
        offer=offer,
        move_in_on=payload.move_in_on,
        occupants=payload.occupants,
        note=payload.note,
    )
    return Status(201, intent_out(intent))


@router.get("/housing/intents/mine", response=list[IntentOut])
def intent_list_mine(request):
    courier = require_courier(request)
    return [intent_out(intent) for intent in selectors.intent_list_for_courier(courier=courier)]


@router.delete("/housing/intents/{uuid:intent_id}", response={204: None})
def intent_withdraw(request, intent_id: uuid.UUID):
    courier = require_courier(request)
    intent = selectors.intent_get_for_courier(courier=courier, public_id=intent_id)
    services.lease_intent_withdraw(actor=request.user, courier=courier, intent=intent)
    return Status(204, None)


# --- staff -------------------------------------------------------------------------------------


@router.get("/manage/housing/stays", response=list[StaffStayOut])
def staff_stay_list(request, query: Query[StayFilter]):
    """Stay applications of the actor's area, by check-in date; `status=applied` for the to-do list."""
    _require_housing_staff(request)
    stays = selectors.stay_list_for_staff(actor=request.user, status=query.status)[:500]
    return [staff_stay_out(stay) for stay in stays]


@router.post("/manage/housing/stays/{uuid:stay_id}/approve", response=StaffStayOut)
def staff_stay_approve(request, stay_id: uuid.UUID, payload: DecisionIn):
    _require_housing_staff(request)
    stay = selectors.stay_get_for_staff(actor=request.user, public_id=stay_id)
    services.stay_approve(actor=request.user, stay=stay, note=payload.note)
    return staff_stay_out(selectors.stay_get_for_staff(actor=request.user, public_id=stay_id))


@router.post("/manage/housing/stays/{uuid:stay_id}/refuse", response=StaffStayOut)
def staff_stay_refuse(request, stay_id: uuid.UUID, payload: DecisionIn):
    _require_housing_staff(request)
    stay = selectors.stay_get_for_staff(actor=request.user, public_id=stay_id)
    services.stay_refuse(actor=request.user, stay=stay, note=payload.note)
    return staff_stay_out(selectors.stay_get_for_staff(actor=request.user, public_id=stay_id))


@router.get("/manage/housing/apartments/{uuid:apartment_id}/calendar", response=CalendarOut)
def staff_apartment_calendar(request, apartment_id: uuid.UUID, query: Query[MonthQuery]):
    """The month calendar with the stays themselves (courier name, masked phone)."""
    _require_housing_staff(request)
    apartment = selectors.apartment_get_for_staff(actor=request.user, public_id=apartment_id)
    month = selectors.parse_month(query.month, default=timezone.localdate())
    return calendar_out(selectors.apartment_calendar(apartment=apartment, month=month, with_stays=True))


@router.get("/manage/housing/offers/{uuid:offer_id}/intents", response=list[StaffIntentOut])
def staff_intent_list(request, offer_id: uuid.UUID):
    _require_housing_staff(request)
    _offer, intents = selectors.intent_list_for_staff(actor=request.user, offer_public_id=offer_id)
    return [staff_intent_out(intent) for intent in intents]
