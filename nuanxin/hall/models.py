"""The deliberation hall (暖心议事厅, S5): couriers' troubles (烦心事), support, official answers.

An item is raised by a courier (or ordered from the "点单式" menu of care.ServiceItem entries),
supported by other couriers (one HallSupport row each, unique in the database), routed by staff to
the responsible department, answered officially (HallAnswer: drafted, then published) and followed
by progress milestones. The item's status is the state of its latest published answer.

The responsible department is a `reports.Department` (the same bodies and handler accounts that
work street reports). An answer keeps the answering department's name as it was when published.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class HallCategory(models.TextChoices):
    OUTLET_SITING = "outlet_siting", _("Outlet siting")
    TRAFFIC_FACILITIES = "traffic_facilities", _("Intersections and traffic facilities")
    RESIDENTIAL_ACCESS = "residential_access", _("Residential access")
    RESTRICTION_HOURS = "restriction_hours", _("Vehicle restriction hours")
    OTHER = "other", _("Other")


class HallStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting routing")
    ROUTED = "routed", _("With the department")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")


class AnswerState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")


class HallItem(BaseModel):
    class Source(models.TextChoices):
        RAISED = "raised", _("Raised by a courier")
        MENU = "menu", _("Ordered from the menu")

    author = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_items",
    )
    # The author's work street when raised: staff of this area (and above) handle it.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.RAISED)
    menu_item = models.ForeignKey(
        "care.ServiceItem",
        verbose_name=_("ordered service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hall_orders",
    )
    category = models.CharField(_("category"), max_length=32, choices=HallCategory.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    location_text = models.CharField(_("place"), max_length=200, blank=True)
    # WGS-84, optional; the public board shows it rounded to about 100 m.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=HallStatus.choices, default=HallStatus.SUBMITTED
    )
    # Set by routing (staff) or by ordering a menu service whose provider is a department. Empty on
    # items awaiting routing, and on items routed before departments were linked whose department
    # name matched no Department (migration 0002): staff route those again.
    department = models.ForeignKey(
        "reports.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_items",
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("supporters"), default=0, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hall item")
        verbose_name_plural = _("deliberation hall")
        ordering = ["-support_count", "-created_at"]
        indexes = [
            models.Index(fields=["area", "status"]),
            models.Index(fields=["status", "support_count"]),
            models.Index(fields=["author", "created_at"]),
            models.Index(fields=["department", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__isnull=False) & models.Q(longitude__isnull=False)),
                name="hall_item_location_complete",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self):
        return self.status in (HallStatus.ANSWERED, HallStatus.NOT_FEASIBLE)


class HallSupport(models.Model):
    """One courier's support of one item. The unique constraint makes a second support impossible."""

    item = models.ForeignKey(HallItem, on_delete=models.CASCADE, related_name="supports")
    courier = models.ForeignKey(
        "couriers.CourierProfile", on_delete=models.CASCADE, related_name="hall_supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["item", "courier"], name="one_support_per_courier")]

    def __str__(self):
        return f"{self.courier_id} → {self.item_id}"


class HallAnswer(BaseModel):
    """An official answer. Saved as a draft (published_at empty, seen by staff only), then published:
    publishing moves the item to `state` and tells the author and the supporters."""

    item = models.ForeignKey(HallItem, on_delete=models.CASCADE, related_name="answers")
    state = models.CharField(_("state"), max_length=20, choices=AnswerState.choices)
    body = models.TextField(_("answer"))
    reason = models.TextField(_("reason it is not feasible"), blank=True)
    # The answering department's name when the answer was published (kept if the item moves on).
    department_name = models.CharField(_("answering department"), max_length=100, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("official answer")
        verbose_name_plural = _("official answers")
        ordering = ["published_at", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(published_at__isnull=True),
                name="one_answer_draft_per_item",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="not_feasible") | ~models.Q(reason=""),
                name="not_feasible_answer_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.get_state_display()}"

    @property
    def is_published(self):
        return self.published_at is not None


class HallMilestone(BaseModel):
    """A step of progress on an accepted item, public from the moment it is recorded."""

    item = models.ForeignKey(HallItem, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("progress milestone")
        verbose_name_plural = _("progress milestones")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.title
