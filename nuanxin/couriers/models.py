"""Couriers (P1–P3): sign-in codes, profiles with encrypted personal data, consent, outreach visits.

Personal data rules (docs/privacy.md): phone and ID numbers are encrypted at rest
(`EncryptedTextField`), found through keyed hashes (`*_hash`), shown masked in lists (`*_masked`),
and shown whole only on a staff detail page, each such view audited.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.crypto import EncryptedTextField
from nuanxin.core.models import BaseModel


class WorkerGroup(models.TextChoices):
    EXPRESS_COURIER = "express_courier", _("Express courier")
    FOOD_DELIVERY_RIDER = "food_delivery_rider", _("Food-delivery rider")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("Ride-hailing driver")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    OTHER = "other", _("Other")


class Company(models.Model):
    """A managed list of companies and brands (顺丰, 美团, 滴滴 …); "other" is free text on the profile."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    worker_group = models.CharField(
        _("main worker group"),
        max_length=32,
        choices=WorkerGroup.choices,
        default=WorkerGroup.EXPRESS_COURIER,
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class CourierProfile(BaseModel):
    """One courier. Created at the first sign-in; `registered_at` is set when the form is complete."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courier_profile"
    )
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("mobile phone"), max_length=16, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=50, blank=True)
    worker_group = models.CharField(_("worker group"), max_length=32, choices=WorkerGroup.choices, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="couriers",
    )
    company_other = models.CharField(_("other company"), max_length=50, blank=True)
    site_name = models.CharField(_("site (网点)"), max_length=100, blank=True)
    work_area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("work street"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="couriers",
    )
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("resident ID number"), max_length=24, blank=True, editable=False)
    is_union_member = models.BooleanField(_("union member"), default=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    wechat_openid = models.CharField(max_length=64, blank=True, editable=False)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=[("self", _("Self-registered")), ("import", _("Company list import")), ("staff", _("Staff"))],
        default="self",
    )
    deleted_at = models.DateTimeField(_("account deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("courier")
        verbose_name_plural = _("couriers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="one_courier_per_phone"
            ),
            models.UniqueConstraint(
                fields=["wechat_openid"], condition=~models.Q(wechat_openid=""), name="one_courier_per_openid"
            ),
        ]
        indexes = [
            models.Index(fields=["work_area", "worker_group"]),
            models.Index(fields=["id_number_hash"]),
        ]

    def __str__(self):
        return self.name or self.phone_masked or str(self.public_id)

    @property
    def is_registered(self):
        return self.registered_at is not None and self.deleted_at is None


class Child(models.Model):
    """A courier's child, for 子女课堂 (children's classes). Only what the classes need."""

    courier = models.ForeignKey(CourierProfile, on_delete=models.CASCADE, related_name="children")
    nickname = models.CharField(_("nickname"), max_length=20)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    gender = models.CharField(
        _("gender"), max_length=10, choices=[("male", _("Boy")), ("female", _("Girl"))], blank=True
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["birth_year", "id"]

    def __str__(self):
        return self.nickname


class PrivacyNotice(models.Model):
    """A version of the privacy notice. The newest published one must be consented to before anything else."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-published_at"]

    def __str__(self):
        return f"{self.title} v{self.version}"


class Consent(models.Model):
    """A courier's consent to one notice version, with when and from where."""

    courier = models.ForeignKey(CourierProfile, on_delete=models.CASCADE, related_name="consents")
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["courier", "notice"], name="one_consent_per_notice")]

    def __str__(self):
        return f"{self.courier} · {self.notice}"


class SmsLoginCode(models.Model):
    """A one-time sign-in code. Only hashes are stored; 6 digits, 5 minutes, one use, 5 tries."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["phone_hash", "created_at"])]

    def __str__(self):
        return f"{self.phone_hash[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class OutreachVisit(BaseModel):
    """A visit by staff to a courier company or site (走访): who was met and what was learned."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visited on"))
    company = models.ForeignKey(
        Company, verbose_name=_("company"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site_name = models.CharField(_("site"), max_length=100)
    site_address = models.CharField(_("site address"), max_length=200, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), related_name="+")
    couriers_met = models.ManyToManyField(
        CourierProfile, verbose_name=_("couriers met"), blank=True, related_name="outreach_visits"
    )
    couriers_met_count = models.PositiveIntegerField(_("number of couriers met"), default=0)
    findings = models.TextField(_("what was learned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("outreach visit")
        verbose_name_plural = _("outreach visits")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on} {self.site_name}"


class CourierImportBatch(BaseModel):
    """One uploaded company list (P2 import), previewed and then committed all-or-nothing.

    The uploaded workbook holds personal data, so it is kept encrypted (`stored_name` in the default
    storage, Fernet with the field keys) only between preview and commit, and deleted afterwards.
    `public_id` is the preview token; `file_sha256` pins the exact file that was previewed.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        COMMITTED = "committed", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, editable=False)
    stored_name = models.CharField(max_length=255, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    new_count = models.PositiveIntegerField(_("new couriers"), default=0)
    update_count = models.PositiveIntegerField(_("updated couriers"), default=0)
    blank_row_count = models.PositiveIntegerField(_("blank rows skipped"), default=0)
    # The first rows that match existing couriers: [{"row", "phone_masked", "name"}] (capped).
    updates_preview = models.JSONField(default=list, blank=True, editable=False)
    expires_at = models.DateTimeField(_("preview expires at"))
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("courier import")
        verbose_name_plural = _("courier imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
