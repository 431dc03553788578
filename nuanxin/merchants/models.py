"""Partner merchants and their offers to couriers (爱心套餐), and the single-use meal codes.

A courier asks for a code for one offer; the phone shows it as a QR. The code is a row here
(`MealCode`) carrying a random nonce and an expiry; the QR carries the row's id, the nonce and an
HMAC signature of both (see `codes.py`). The merchant's scan confirms it once: `redeemed_at` is set
under a row lock, so a replayed code is refused.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class Merchant(BaseModel):
    class Kind(models.TextChoices):
        RESTAURANT = "restaurant", _("Restaurant")
        BARBER = "barber", _("Barber")
        BATH = "bath", _("Bathhouse")
        SHOP = "shop", _("Shop")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESTAURANT)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="merchants"
    )
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(
        _("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude (WGS-84)"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merchant accounts"),
        blank=True,
        related_name="merchants",
        limit_choices_to={"role": "merchant"},
        help_text=_("The accounts (role: partner merchant) that confirm couriers' meal codes."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner merchant")
        verbose_name_plural = _("partner merchants")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class MealOffer(BaseModel):
    """An offer to couriers (爱心套餐): what, for how much (fen), and when."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="offers"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    original_price_fen = models.PositiveIntegerField(_("original price (fen)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meal offer")
        verbose_name_plural = _("meal offers")
        ordering = ["merchant_id", "price_fen", "id"]

    def __str__(self):
        return f"{self.merchant} · {self.title}"

    @property
    def price_yuan(self):
        """The price for display, e.g. "12.50" (stored in fen)."""
        return f"{self.price_fen // 100}.{self.price_fen % 100:02d}"


class OfferWindow(models.Model):
    """A time window an offer is served in: every day, or one weekday (0 = Monday)."""

    offer = models.ForeignKey(
        MealOffer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="windows"
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(6)],
        help_text=_("Empty: every day."),
    )
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="window_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__isnull=True) | models.Q(weekday__lte=6),
                name="window_weekday_valid",
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def weekday_label(self):
        """The weekday's short name (周一 … 周日 in Chinese), or "" for every day."""
        from nuanxin.stations.hours import WEEKDAY_LABELS

        return "" if self.weekday is None else WEEKDAY_LABELS[self.weekday]


class MealCode(BaseModel):
    """A single-use code a courier shows for one offer. Short-lived; used once."""

    offer = models.ForeignKey(
        MealOffer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="codes"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="meal_codes",
    )
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    redeemed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("meal code")
        verbose_name_plural = _("meal codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["courier", "offer", "created_at"])]

    def __str__(self):
        return f"{self.offer} · {self.created_at:%Y-%m-%d %H:%M}"
