"""Needs and suggestions (P4): the dynamic needs list, the suggestion box (暖心信箱), forums (座谈会)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class NeedCategory(models.TextChoices):
    MEALS = "meals", _("Meals")
    HOUSING = "housing", _("Housing")
    JOBS = "jobs", _("Jobs and skills")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    LEGAL = "legal", _("Legal help")
    CHILDREN = "children", _("Children")
    HEALTH = "health", _("Health")
    PARKING_ACCESS = "parking_access", _("Parking and access")
    REST = "rest", _("Rest and charging")
    OTHER = "other", _("Other")


class Need(BaseModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        COURIER = "courier", _("Courier")
        OUTREACH = "outreach", _("Outreach visit")
        FORUM = "forum", _("Forum")
        STAFF = "staff", _("Staff")

    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=32, choices=NeedCategory.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.COURIER)
    outreach_visit = models.ForeignKey(
        "couriers.OutreachVisit", null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    forum = models.ForeignKey(
        "needs.Forum", null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    linked_station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("answering station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_service_contact = models.ForeignKey(
        "stations.ServiceContact",
        verbose_name=_("answering service contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_resource = models.ForeignKey(
        "stations.ResourceItem",
        verbose_name=_("answering resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs list")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["area", "category", "status"])]

    def __str__(self):
        return self.title


class NeedEvent(models.Model):
    """One step of a need's history: a status change or a reply, with who and when."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    @property
    def to_status_label(self):
        return dict(Need.Status.choices).get(self.to_status, self.to_status)


class Suggestion(BaseModel):
    """A letter to the suggestion box (暖心信箱) and the staff reply the courier sees."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting reply")
        REPLIED = "replied", _("Replied")

    courier = models.ForeignKey(
        "couriers.CourierProfile", null=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=100)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestion box")
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class Forum(BaseModel):
    """A forum (座谈会) with couriers, companies and departments: who came and what was agreed."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.TextField(
        _("other attendees"),
        blank=True,
        help_text=_("Organizations and people present who have no account here, one per line."),
    )
    couriers = models.ManyToManyField(
        "couriers.CourierProfile",
        verbose_name=_("registered couriers present"),
        blank=True,
        related_name="forums",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff present"), blank=True, related_name="+"
    )
    courier_count = models.PositiveIntegerField(
        _("couriers present"), default=0, help_text=_("All couriers present, registered here or not.")
    )
    outcomes = models.TextField(_("outcomes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.held_on} {self.title}"
