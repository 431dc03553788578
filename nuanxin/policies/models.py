"""The policy library (S2): policies that concern couriers, pushed to them, with read receipts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    POSTAL = "postal", _("Postal administration")
    EMERGENCY = "emergency", _("Emergency management")
    POLICE = "police", _("Public security")
    TRANSPORT = "transport", _("Transport")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    UNION = "union", _("Trade union")
    YOUTH_LEAGUE = "youth_league", _("Communist Youth League")
    WOMENS_FEDERATION = "womens_federation", _("Women's federation")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    LABOUR_RIGHTS = "labour_rights", _("Labour rights")
    TRAFFIC_SAFETY = "traffic_safety", _("Traffic safety")
    HOUSING = "housing", _("Housing")
    CHILDREN = "children", _("Children and education")
    HEALTH = "health", _("Health")
    SKILLS = "skills", _("Skills and training")
    CARE = "care", _("Care and assistance")
    OTHER = "other", _("Other")


class Policy(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=100)
    department = models.CharField(_("issuing department"), max_length=32, choices=Department.choices)
    issuer = models.CharField(
        _("issued by"), max_length=100, blank=True, help_text=_("e.g. 天津市人力资源和社会保障局")
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("text"))
    source_url = models.URLField(_("source link"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    # The couriers it concerns: those working inside this area (a city policy reaches every street).
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "department", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_from__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="policy_effective_dates_in_order",
            )
        ]

    def __str__(self):
        return self.title


class PolicyPush(BaseModel):
    """One push of a policy to couriers, through a published messaging announcement."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="pushes"
    )
    announcement = models.OneToOneField(
        "messaging.Announcement", verbose_name=_("announcement"), on_delete=models.PROTECT, related_name="+"
    )
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("policy push")
        verbose_name_plural = _("policy pushes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.policy} · {self.created_at:%Y-%m-%d %H:%M}"


class PolicyRead(models.Model):
    """A read receipt: the first time a courier opened a policy."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="reads"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.CASCADE,
        related_name="policy_reads",
    )
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        ordering = ["-read_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "courier"], name="one_read_receipt_per_courier")
        ]

    def __str__(self):
        return f"{self.policy} · {self.read_at:%Y-%m-%d %H:%M}"
