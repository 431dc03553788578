"""Reads of the love apartment and rental housing."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import ValidationFailed
from nuanxin.core.permissions import get_visible_or_404

from . import permissions
from .models import Apartment, LeaseIntent, RentalOffer, Room, StayApplication, StayStatus

INVALID_MONTH = _("Enter a month as YYYY-MM.")

FREE = "free"
BOOKED = "booked"
REQUESTED = "requested"


def apartment_list_open():
    """Apartments open for applications, with their rooms in use (two queries)."""
    return (
        Apartment.objects.filter(is_active=True)
        .select_related("area", "station")
        .prefetch_related(Prefetch("rooms", queryset=Room.objects.filter(is_active=True)))
        .order_by("area__path", "name")
    )


def apartment_get_open(*, public_id):
    return get_visible_or_404(apartment_list_open(), public_id=public_id)


def room_get_open(*, public_id):
    return get_visible_or_404(
        Room.objects.filter(is_active=True, apartment__is_active=True).select_related("apartment__area"),
        public_id=public_id,
    )


def parse_month(value, *, default):
    """'2025-07' → date(2025, 7, 1); None/'' → `default` month. ValidationFailed otherwise."""
    if not value:
        return default.replace(day=1)
    try:
        year, month = (int(part) for part in str(value).split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed({"month": [INVALID_MONTH]}) from None


@dataclass
class CalendarRoom:
    room: Room
    nights: list = field(default_factory=list)  # [(date, state)] for every day of the month
    stays: list = field(default_factory=list)  # the stays touching the month (staff only)


@dataclass
class MonthCalendar:
    apartment: Apartment
    month: date
    days: list
    rooms: list

    @property
    def previous_month(self):
        return (self.month - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self):
        return (self.month + timedelta(days=32)).replace(day=1)


def apartment_calendar(*, apartment, month, with_stays=False):
    """The month's nights of every room of `apartment`: booked (an approved stay), requested (an
    application waiting), free. `with_stays` (staff) also lists the stays themselves. Two queries."""
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    days = [month + timedelta(days=offset) for offset in range(days_in_month)]
    month_end = days[-1] + timedelta(days=1)
    rooms = list(apartment.rooms.filter(is_active=True).order_by("name"))
    stays = list(
        StayApplication.objects.filter(
            room__in=rooms,
            status__in=[StayStatus.APPLIED, StayStatus.APPROVED],
            check_in__lt=month_end,
            check_out__gt=month,
        ).select_related("courier")
    )
    result = []
    for room in rooms:
        room_stays = [stay for stay in stays if stay.room_id == room.pk]
        nights = []
        for day in days:
            state = FREE
            for stay in room_stays:
                if stay.check_in <= day < stay.check_out:
                    if stay.status == StayStatus.APPROVED:
                        state = BOOKED
                        break
                    state = REQUESTED
            nights.append((day, state))
        result.append(CalendarRoom(room=room, nights=nights, stays=room_stays if with_stays else []))
    return MonthCalendar(apartment=apartment, month=month, days=days, rooms=result)


def stay_list_for_courier(*, courier):
    return StayApplication.objects.filter(courier=courier).select_related("room__apartment")


def stay_get_for_courier(*, courier, public_id):
    return get_visible_or_404(stay_list_for_courier(courier=courier), public_id=public_id)


def stay_list_for_staff(*, actor, status=None):
    queryset = permissions.stay_policy.scope(
        actor, StayApplication.objects.select_related("room__apartment__area", "courier", "decided_by")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("check_in", "created_at")


def stay_get_for_staff(*, actor, public_id):
    return get_visible_or_404(stay_list_for_staff(actor=actor), public_id=public_id)


def apartment_get_for_staff(*, actor, public_id):
    queryset = permissions.apartment_policy.scope(actor, Apartment.objects.select_related("area", "station"))
    return get_visible_or_404(queryset, public_id=public_id)


def offer_list_open():
    return RentalOffer.objects.filter(is_active=True).select_related("area").order_by("area__path", "title")


def offer_get_open(*, public_id):
    return get_visible_or_404(offer_list_open(), public_id=public_id)


def intent_list_for_courier(*, courier):
    return LeaseIntent.objects.filter(courier=courier).select_related("offer__area")


def intent_get_for_courier(*, courier, public_id):
    return get_visible_or_404(intent_list_for_courier(courier=courier), public_id=public_id)


def intent_list_for_staff(*, actor, offer_public_id):
    offer = get_visible_or_404(
        permissions.offer_policy.scope(actor, RentalOffer.objects.select_related("area")),
        public_id=offer_public_id,
    )
    return offer, offer.intents.select_related("courier").order_by("created_at")
