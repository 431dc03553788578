"""Street reports (随手拍, DESIGN G2): what couriers photograph, where it goes, and what happened.

Coordinates are stored in WGS-84 (`latitude`, `longitude`), as stations are; GCJ-02 is converted
on the way in and out (`nuanxin.stations.geo`). `location_approximate` marks a point geocoded from
an address (Open311 `address_string` without lat/long), not sent by the reporter. A report's `area`
is always a street (level 4): the street the point lies in (see `locate.py`), not the reporter's
work street.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class ReportCategory(models.Model):
    """A managed category with its time limit (hours from submission to resolution)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    time_limit_hours = models.PositiveIntegerField(
        _("time limit (hours)"), default=72, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Department(BaseModel):
    """A body that fixes things (城管, 环卫所, a street office's safety team) within an area."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area served"), on_delete=models.PROTECT, related_name="+"
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handlers"),
        blank=True,
        related_name="report_departments",
        help_text=_("Department handler accounts that work this department's queue."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["area__path", "name"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """(area, category) → department. Empty category: any category. See `routing.py` for precedence."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        ReportCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for every category."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="rules"
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["area", "category"], name="one_rule_per_area_and_category"),
            models.UniqueConstraint(
                fields=["area"], condition=models.Q(category__isnull=True), name="one_catch_all_rule_per_area"
            ),
        ]

    def __str__(self):
        return f"{self.area} · {self.category or '*'} → {self.department}"


class StreetBounds(models.Model):
    """A rectangle (WGS-84) standing for a street's territory when placing a report's point."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.CASCADE, related_name="+"
    )
    south = models.FloatField(_("south latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    north = models.FloatField(_("north latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    west = models.FloatField(
        _("west longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    east = models.FloatField(
        _("east longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        verbose_name = _("street bounds")
        verbose_name_plural = _("street bounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(south__lt=models.F("north")) & models.Q(west__lt=models.F("east")),
                name="street_bounds_not_empty",
                violation_error_message=_("South must be below north and west left of east."),
            )
        ]

    def __str__(self):
        return f"{self.area}: {self.south},{self.west} – {self.north},{self.east}"


class StreetBoundary(models.Model):
    """A street's real territory: a GeoJSON Polygon or MultiPolygon in WGS-84 (longitude first).

    One per street. `south`/`north`/`west`/`east` are the geometry's bounding box, kept by the
    import service (`boundaries.py`) for a database-side prefilter and the back-office list.
    Written only through `boundaries.street_boundaries_import` (the command, the back office and the
    demo); `locate.py` reads them through a per-process cache keyed on (count, latest
    `updated_at`, highest id), so a change made by any process is seen by the next lookup.
    """

    area = models.OneToOneField(
        "areas.Area", verbose_name=_("street"), on_delete=models.CASCADE, related_name="+"
    )
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    south = models.FloatField(_("south latitude"))
    north = models.FloatField(_("north latitude"))
    west = models.FloatField(_("west longitude"))
    east = models.FloatField(_("east longitude"))
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where it came from, e.g. the imported file.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("street boundary")
        verbose_name_plural = _("street boundaries")
        ordering = ["area__code"]
        indexes = [models.Index(fields=["south", "north", "west", "east"], name="street_boundary_bbox")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(south__lte=models.F("north")) & models.Q(west__lte=models.F("east")),
                name="street_boundary_bbox_ordered",
            )
        ]

    def __str__(self):
        return str(self.area)


class Report(BaseModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")
        REOPENED = "reopened", _("Reopened")

    class Source(models.TextChoices):
        APP = "app", _("Courier app")
        OPEN311 = "open311", _("Open311 client")
        STAFF = "staff", _("Staff")

    reporter = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.APP)
    source_detail = models.CharField(
        _("source detail"), max_length=100, blank=True, help_text=_("E.g. the Open311 client's name.")
    )
    category = models.ForeignKey(
        ReportCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    location_approximate = models.BooleanField(
        _("approximate location"),
        default=False,
        help_text=_("The point was placed from the address text (geocoded), not sent by the reporter."),
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        help_text=_("Empty: in the street's triage queue."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    due_at = models.DateTimeField(_("due at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "areas.Area",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    idempotency_scope = models.CharField(max_length=64, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("street report")
        verbose_name_plural = _("street reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["area", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["category", "created_at"]),
            models.Index(fields=["latitude", "longitude"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_report_per_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="duplicate") | models.Q(duplicate_of__isnull=False),
                name="duplicate_report_links_original",
                violation_error_message=_("A duplicate must link to the original report."),
            ),
        ]

    def __str__(self):
        return f"{self.category} · {self.created_at:%Y-%m-%d}" if self.created_at else str(self.category)


def report_photo_path(instance, filename):
    return f"reports/{instance.report.public_id}/{filename}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=report_photo_path)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


class ReportEvent(models.Model):
    """One step of a report's history. `is_public` events are shown and notified to the reporter."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        ROUTED = "routed", _("Routed")
        ESCALATED = "escalated", _("Escalated")
        MERGED = "merged", _("Duplicate merged in")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATUS)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    @property
    def to_status_label(self):
        return dict(Report.Status.choices).get(self.to_status, self.to_status)
