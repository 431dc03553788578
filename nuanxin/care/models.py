"""The service catalog (S1), station visits and the service records (S6) every service becomes.

A service record (服务人次) is one service delivered to one courier: a visit to a station, a
hand-out, a care package, an event attended, a discounted meal, a stay in the love apartment, a
consultation. It is the base of every statistic the bureau reports. Other apps create records only
through `nuanxin.care.records.service_record_create`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class ServiceRecord(BaseModel):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Station visit")
        HAND_OUT = "hand_out", _("Supplies handed out")
        CARE_PACKAGE = "care_package", _("Care package")
        EVENT_ATTENDANCE = "event_attendance", _("Event attendance")
        MEAL = "meal", _("Discounted meal")
        HOUSING_STAY = "housing_stay", _("Love apartment stay")
        CONSULTATION = "consultation", _("Consultation")
        OTHER = "other", _("Other service")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    # The area the service counts for: the station's area, else the place of the service, else
    # the courier's work area. Statistics and staff scoping go by this field.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="service_records"
    )
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    # What the record was made from ("events.registration" + its primary key, …); empty for a
    # record entered by hand. One record per (kind, source).
    source_type = models.CharField(_("source type"), max_length=100, blank=True)
    source_id = models.CharField(_("source ID"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_type", "source_id"],
                condition=~models.Q(source_type=""),
                name="one_service_record_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["station", "occurred_at"]),
            models.Index(fields=["area", "occurred_at"]),
            models.Index(fields=["courier", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"


class CheckInPoster(BaseModel):
    """A printed QR poster of a station. Its signed token is what the courier's phone scans.

    Several posters of a station may be valid at once (one per door); a lost or defaced poster is
    revoked, and it expires at `expires_at` so that old prints stop working.
    """

    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="check_in_posters",
    )
    label = models.CharField(_("label"), max_length=50, blank=True, help_text=_("e.g. front door"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("check-in poster")
        verbose_name_plural = _("check-in posters")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.station} {self.label}".strip()


class StationVisit(BaseModel):
    """A courier's visit to a station, by scanning the poster or recorded by the steward."""

    class Method(models.TextChoices):
        QR = "qr", _("Scanned the station's QR poster")
        STEWARD = "steward", _("Recorded by staff")

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="visits"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile", verbose_name=_("courier"), on_delete=models.PROTECT, related_name="visits"
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    poster = models.ForeignKey(
        CheckInPoster,
        verbose_name=_("poster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("station visit")
        verbose_name_plural = _("station visits")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["courier", "station", "occurred_at"])]

    def __str__(self):
        return f"{self.station} · {self.occurred_at:%Y-%m-%d %H:%M}"


class ServiceItem(BaseModel):
    """One entry of the service catalog (S1): what is offered, by whom, when, and to whom."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy services")
        LIFE = "life", _("Life services")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        DELIBERATION = "deliberation", _("Deliberation and participation")

    class ProviderType(models.TextChoices):
        STATION = "station", _("Station")
        ORGANIZATION = "organization", _("Organization")
        DEPARTMENT = "department", _("Government department")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    provider_type = models.CharField(_("offered by"), max_length=20, choices=ProviderType.choices)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_items",
    )
    provider_name = models.CharField(
        _("provider"), max_length=100, blank=True, help_text=_("The organization or department offering it.")
    )
    # Where the offer applies: the station's area for a station's service; for an organization or
    # a department the area it serves (a district-wide offer appears in all its streets).
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="service_items"
    )
    schedule = models.CharField(
        _("schedule"), max_length=200, blank=True, help_text=_("e.g. Wednesdays 14:00–17:00")
    )
    eligibility = models.CharField(
        _("who may use it"), max_length=200, blank=True, help_text=_("Empty means every courier.")
    )
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_published = models.BooleanField(_("shown to couriers"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service catalog")
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["area", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(provider_type="station") | models.Q(station__isnull=False),
                name="station_service_has_station",
            )
        ]

    def __str__(self):
        return self.name
