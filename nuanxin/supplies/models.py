"""Supplies (N3): items, stock per station as a ledger of movements, care packages (暖心包裹).

Stock is kept twice on purpose: `StockMovement` is the append-only ledger (every stock-in,
hand-out and care package, with who, when and from where), and `StockBalance` is one row per
(station, item) holding the running quantity. Services lock the balance row (`select_for_update`)
before checking and changing it, and a database CheckConstraint (quantity >= 0) is the last line
against a negative stock whatever code path writes it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class SupplyItem(BaseModel):
    """A kind of thing a station hands out (water, masks, raincoats …), shared by the whole city."""

    class Category(models.TextChoices):
        FOOD_AND_DRINK = "food_and_drink", _("Food and drink")
        HEALTH = "health", _("Health and first aid")
        CLOTHING = "clothing", _("Clothing and rain gear")
        HYGIENE = "hygiene", _("Hygiene")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    unit = models.CharField(_("unit"), max_length=10, default="个", help_text=_("e.g. bottle, box, piece"))
    default_low_stock_threshold = models.PositiveIntegerField(
        _("default low-stock threshold"),
        default=10,
        help_text=_("A station's new stock of this item alerts when it falls to this quantity or below."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class StockBalance(models.Model):
    """The running quantity of one item at one station. Changed only by the services, under a lock."""

    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.CASCADE, related_name="stock"
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="stock"
    )
    quantity = models.IntegerField(_("quantity"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["station_id", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "item"], name="one_stock_balance_per_station_item"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self):
        return f"{self.station} · {self.item}: {self.quantity}"

    @property
    def is_low(self):
        return self.quantity <= self.low_stock_threshold


class CarePackageCampaign(BaseModel):
    """A care package drive (暖心包裹): a kit of items, given at most once to each courier."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="care_package_campaigns",
        help_text=_("Stations in this area (and below) give the packages."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("care package campaign")
        verbose_name_plural = _("care package campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self):
        return self.name


class CarePackageKitItem(models.Model):
    campaign = models.ForeignKey(
        CarePackageCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="kit_items"
    )
    item = models.ForeignKey(SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("kit item")
        verbose_name_plural = _("kit items")
        ordering = ["item__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "item"], name="one_kit_line_per_item"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="kit_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class CarePackageGrant(BaseModel):
    """One care package given to one courier. At most one per courier per campaign (DB-unique)."""

    campaign = models.ForeignKey(
        CarePackageCampaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="grants"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="care_packages",
    )
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("care package given")
        verbose_name_plural = _("care packages given")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "courier"], name="one_care_package_per_courier"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.courier_id}"


class StockMovement(BaseModel):
    """One line of the stock ledger. `quantity` is signed: positive in, negative out."""

    class Kind(models.TextChoices):
        STOCK_IN = "stock_in", _("Stock in")
        HAND_OUT = "hand_out", _("Hand-out")
        CARE_PACKAGE = "care_package", _("Care package")

    class SourceKind(models.TextChoices):
        DONATION = "donation", _("Donation")
        PURCHASE = "purchase", _("Purchase")

    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    item = models.ForeignKey(SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    balance_after = models.IntegerField(_("balance after"))
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices, blank=True)
    source_name = models.CharField(_("donor or supplier"), max_length=100, blank=True)
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grant = models.ForeignKey(
        CarePackageGrant,
        verbose_name=_("care package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "item", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="movement_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} {self.quantity:+d}"
