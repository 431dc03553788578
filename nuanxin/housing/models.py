"""The love apartment (爱心公寓) and rental housing offers (S3).

- Apartment → Room: free short stays for a courier's visiting family. A courier applies for a room
  (StayApplication: dates, guests); the steward or street staff of the apartment's area approves or
  refuses. Stays are half-open date ranges [check_in, check_out): the check-out day is free for
  the next guest.
- No double booking: on PostgreSQL an exclusion constraint (migration 0002, btree_gist) forbids two
  approved stays of one room whose ranges overlap; on SQLite the approval service checks inside an
  IMMEDIATE transaction (the database write lock is taken at BEGIN, so checks are serialized).
- RentalOffer → LeaseIntent: 改建公寓 and 宿舍 offers a courier signs up for (one intent each).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel

# The name of the PostgreSQL exclusion constraint (see migrations/0002): services map its
# violation to a translated "already booked" error.
NO_OVERLAP_CONSTRAINT = "housing_stay_no_overlapping_approved"


class Apartment(BaseModel):
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="apartments"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="apartments",
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    max_nights = models.PositiveSmallIntegerField(_("longest stay (nights)"), default=7)
    is_active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("love apartment")
        verbose_name_plural = _("love apartments")
        ordering = ["area__path", "name"]

    def __str__(self):
        return self.name


class Room(BaseModel):
    apartment = models.ForeignKey(
        Apartment, verbose_name=_("apartment"), on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(_("name"), max_length=50)
    capacity = models.PositiveSmallIntegerField(_("guests at most"), default=2)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["apartment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["apartment", "name"], name="housing_room_name_unique"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="housing_room_capacity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.apartment.name} · {self.name}"


class StayStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class StayApplication(BaseModel):
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="stays")
    courier = models.ForeignKey(
        "couriers.CourierProfile", verbose_name=_("courier"), on_delete=models.PROTECT, related_name="stays"
    )
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"))
    guests = models.PositiveSmallIntegerField(_("guests"))
    guest_names = models.CharField(_("guests' names and relation"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=StayStatus.choices, default=StayStatus.APPLIED
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("stay application")
        verbose_name_plural = _("stay applications")
        ordering = ["-check_in", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_out__gt=models.F("check_in")), name="housing_stay_dates_ordered"
            ),
            models.CheckConstraint(condition=models.Q(guests__gte=1), name="housing_stay_guests_positive"),
        ]
        indexes = [models.Index(fields=["room", "status", "check_in"])]

    def __str__(self):
        return f"{self.room} {self.check_in:%Y-%m-%d}–{self.check_out:%Y-%m-%d}"

    @property
    def nights(self):
        return (self.check_out - self.check_in).days

    @property
    def area(self):
        return self.room.apartment.area


class OfferKind(models.TextChoices):
    RENOVATED_APARTMENT = "renovated_apartment", _("Renovated apartment (改建公寓)")
    DORMITORY = "dormitory", _("Dormitory (宿舍)")


class RentalOffer(BaseModel):
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="rental_offers"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OfferKind.choices)
    title = models.CharField(_("title"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    monthly_rent_fen = models.PositiveIntegerField(_("monthly rent (fen)"))
    units_available = models.PositiveSmallIntegerField(_("units available"), default=1)
    description = models.TextField(_("description"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("open for sign-ups"), default=True)

    class Meta:
        verbose_name = _("rental housing offer")
        verbose_name_plural = _("rental housing offers")
        ordering = ["area__path", "title"]

    def __str__(self):
        return self.title

    @property
    def monthly_rent_yuan(self):
        return f"{self.monthly_rent_fen / 100:.2f}"


class LeaseIntent(BaseModel):
    offer = models.ForeignKey(
        RentalOffer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="intents"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="lease_intents",
    )
    move_in_on = models.DateField(_("wished move-in date"))
    occupants = models.PositiveSmallIntegerField(_("occupants"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lease intent")
        verbose_name_plural = _("lease intents")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "courier"], name="housing_one_intent_per_offer"),
        ]

    def __str__(self):
        return f"{self.offer} · {self.courier}"
