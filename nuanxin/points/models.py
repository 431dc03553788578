"""The points economy (积分换服务, G4) and recognition (G5).

- `EarnRule`: what earns points (per approved volunteer hour, per verified street report, per event
  attended, manual), how many per unit, and a daily cap per courier.
- `LedgerEntry`: the append-only ledger. Entries are only ever inserted; a correction is a new
  entry reversing an old one. `save()` of an existing row, `delete()` and queryset
  `update()`/`delete()` raise `LedgerIsAppendOnly`.
- `Lot`: the points of one earn (or refund) entry, with what is left of them and when they expire.
  Spending takes the oldest lots first and records what it took from each (`LotDraw`); the expiry
  job writes an expiry entry for what is left of a lot.
- `Balance`: one row per courier holding the sum of its ledger entries, changed in the same
  transaction as each entry, never negative (a database CheckConstraint).
- `Reward` (a merchant's service or goods, with a points price and a stock that cannot go below
  zero) and `RedeemCode` (the single-use signed code a courier shows; confirmed once by an account
  of the reward's merchant, refunded at most once).
- `Story` and `StoryPhoto`: 最美快递小哥 stories with photos, published on the mobile site.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class LedgerIsAppendOnly(Exception):
    """Raised by any attempt to change or remove a ledger entry."""


class EarnRule(BaseModel):
    class Kind(models.TextChoices):
        VOLUNTEER_HOUR = "volunteer_hour", _("Per approved volunteer hour")
        STREET_REPORT = "street_report", _("Per verified street report")
        EVENT_ATTENDED = "event_attended", _("Per event attended")
        MANUAL = "manual", _("Manual award")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    points_per_unit = models.PositiveIntegerField(_("points per unit"))
    daily_cap = models.PositiveIntegerField(
        _("daily cap per courier"),
        null=True,
        blank=True,
        help_text=_("At most this many points per courier and day from this rule. Empty: no cap."),
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="earn_rules",
        help_text=_("The staff of this area manage the rule."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("earn rule")
        verbose_name_plural = _("earn rules")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points_per_unit__gt=0), name="rule_points_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly("ledger entries are never updated")

    def delete(self):
        raise LedgerIsAppendOnly("ledger entries are never deleted")

    # bulk_update goes through update(); bulk_create (inserts) stays allowed.


class LedgerEntry(models.Model):
    """One movement of a courier's points. Insert-only (see the module docstring)."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        SPEND = "spend", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        REVERSAL = "reversal", _("Correction")
        REFUND = "refund", _("Refund")

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    rule = models.ForeignKey(
        EarnRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, null=True, blank=True)
    source_type = models.CharField(_("source type"), max_length=100, blank=True)
    source_id = models.CharField(_("source ID"), max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text=_("The earn entry a correction reverses, or the spend entry a refund gives back."),
    )
    lot = models.ForeignKey(
        "Lot",
        verbose_name=_("lot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For an expiry entry: the lot that expired."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # A correction may be of 0 points: it records that nothing was left of the award to
            # take back (the points had been spent or had expired), so it is never tried again.
            models.CheckConstraint(
                condition=~models.Q(points=0) | models.Q(kind="reversal"), name="ledger_points_nonzero"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="ledger_balance_after_nonnegative"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="earn", points__gt=0)
                    | models.Q(kind__in=["spend", "expire"], points__lt=0)
                    | models.Q(kind="reversal", points__lte=0, reverses__isnull=False)
                    | models.Q(kind="refund", points__gt=0, reverses__isnull=False)
                ),
                name="ledger_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id"],
                condition=models.Q(kind="earn") & ~models.Q(source_type=""),
                name="one_award_per_rule_and_source",
            ),
        ]
        indexes = [
            models.Index(fields=["courier", "occurred_at"]),
            models.Index(fields=["rule", "courier", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.courier} {self.points:+d} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise LedgerIsAppendOnly("ledger entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("ledger entries are never deleted")


class Lot(models.Model):
    """The points one earn (or refund) entry brought, what is left of them, and when they expire."""

    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="points_lots",
    )
    entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("entry"),
        on_delete=models.PROTECT,
        related_name="created_lot",
        help_text=_("The earn or refund entry that brought the points."),
    )
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0) & models.Q(remaining__lte=models.F("points")),
                name="lot_remaining_within_points",
            ),
        ]
        indexes = [models.Index(fields=["courier", "expires_at"])]

    def __str__(self):
        return f"{self.courier} {self.remaining}/{self.points}"


class LotDraw(models.Model):
    """What one spend entry took from one lot. A refund restores the points with the expiry of the
    earliest-expiring lot the spend drew from."""

    entry = models.ForeignKey(
        LedgerEntry, verbose_name=_("spend entry"), on_delete=models.PROTECT, related_name="draws"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="draws")
    points = models.PositiveIntegerField(_("points"))

    class Meta:
        verbose_name = _("points drawn from a lot")
        verbose_name_plural = _("points drawn from lots")
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="lot_draw_points_positive"),
            models.UniqueConstraint(fields=["entry", "lot"], name="one_draw_per_entry_and_lot"),
        ]

    def __str__(self):
        return f"{self.entry_id} ← {self.lot_id}: {self.points}"


class Balance(models.Model):
    """The sum of a courier's ledger entries, kept in the same transaction as each entry."""

    courier = models.OneToOneField(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="points_balance",
    )
    points = models.IntegerField(_("points"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=0), name="points_balance_nonnegative"),
        ]

    def __str__(self):
        return f"{self.courier}: {self.points}"


class Reward(BaseModel):
    """A merchant's service or goods that couriers buy with points."""

    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="rewards"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    points_price = models.PositiveIntegerField(_("points price"))
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points_price", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="reward_stock_nonnegative"),
            models.CheckConstraint(condition=models.Q(points_price__gt=0), name="reward_price_positive"),
        ]

    def __str__(self):
        return f"{self.merchant} · {self.title}"


class RedeemCode(BaseModel):
    """A short-lived single-use code a courier shows to redeem one reward."""

    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="codes"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="redeem_codes",
    )
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redeem_code",
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The refund entry is `entry.reversed_by` (a refund reverses the spend, once).
    refund_reason = models.CharField(_("reason for the refund"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("redeem code")
        verbose_name_plural = _("redeem codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["courier", "reward", "created_at"])]

    def __str__(self):
        return f"{self.reward} · {self.created_at:%Y-%m-%d %H:%M}"


class Story(BaseModel):
    """A 最美快递小哥 story, published on the mobile site."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="stories"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("story"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-published_at", "-created_at"]

    def __str__(self):
        return self.title


class StoryPhoto(models.Model):
    story = models.ForeignKey(Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="stories/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("story photo")
        verbose_name_plural = _("story photos")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.caption or self.image.name
