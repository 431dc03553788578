"""The station network (暖心益站服务网): stations, amenities, hours, photos and the 六有 standard.

Coordinates are stored in WGS-84 (`latitude`, `longitude`); GCJ-02 is derived on the way in and
out by `nuanxin.stations.geo`. `grid_cell`, `amenity_mask` and `schedule` are denormalized by
`services.station_refresh_derived` so the finder answers from one indexed query.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class Amenity(models.Model):
    """A managed amenity (rest, drinking water, charging…). `bit` is its place in `amenity_mask`."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    icon = models.CharField(
        _("icon"), max_length=8, blank=True, help_text=_("An emoji shown beside the name.")
    )
    bit = models.PositiveSmallIntegerField(
        _("bit"), unique=True, validators=[MaxValueValidator(62)], editable=False
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("amenity")
        verbose_name_plural = _("amenities")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    @property
    def mask(self):
        return 1 << self.bit


class DemonstrationBatch(models.Model):
    """A batch of demonstration stations (示范点), e.g. 全市首批街道（乡镇）社工站示范点."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    announced_on = models.DateField(_("announced on"), null=True, blank=True)

    class Meta:
        verbose_name = _("demonstration batch")
        verbose_name_plural = _("demonstration batches")
        ordering = ["-announced_on", "name"]

    def __str__(self):
        return self.name


class PublicHoliday(models.Model):
    """A statutory holiday. Stations that close on public holidays are closed on these dates."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class Station(BaseModel):
    class HostType(models.TextChoices):
        SOCIAL_WORK_STATION = "social_work_station", _("Street social-work station")
        PARTY_MASS_CENTER = "party_mass_center", _("Party-mass service center")
        ELDERLY_SERVICE_CENTER = "elderly_service_center", _("Elderly service center")
        DAY_CARE_CENTER = "day_care_center", _("Elderly day-care center")
        ENTERPRISE = "enterprise", _("Enterprise or institution")
        SUPERMARKET = "supermarket", _("Supermarket or mall")
        STREET_SHOP = "street_shop", _("Street shop")
        UNION_STATION = "union_station", _("Union 24-hour station")
        YOUTH_LEAGUE = "youth_league", _("Youth-league courier station")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PILOT = "pilot", _("Pilot")
        DEMONSTRATION = "demonstration", _("Demonstration")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    # Statuses couriers can find: a planned or suspended station is not shown to the public.
    PUBLIC_STATUSES = (Status.PILOT, Status.DEMONSTRATION, Status.ACTIVE)

    name = models.CharField(_("name"), max_length=100)
    host_type = models.CharField(_("host type"), max_length=32, choices=HostType.choices)
    host_organization = models.CharField(_("host organization"), max_length=100)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="stations",
        help_text=_("The street/town or community the station belongs to."),
    )
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(
        _("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude (WGS-84)"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    description = models.TextField(_("description"), blank=True)

    is_24_hours = models.BooleanField(_("open 24 hours"), default=False)
    closes_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=False)

    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("steward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded_stations",
    )
    phone = models.CharField(_("station phone"), max_length=32, blank=True)

    amenities = models.ManyToManyField(
        Amenity, verbose_name=_("amenities"), blank=True, related_name="stations"
    )

    status = models.CharField(
        _("rollout status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    demonstration_batch = models.ForeignKey(
        DemonstrationBatch,
        verbose_name=_("demonstration batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    has_unified_sign = models.BooleanField(_("unified sign installed"), default=False)
    sign_installed_on = models.DateField(_("sign installed on"), null=True, blank=True)

    # Derived; written only by services.station_refresh_derived.
    grid_cell = models.BigIntegerField(_("grid cell"), default=0, editable=False)
    amenity_mask = models.BigIntegerField(_("amenity mask"), default=0, editable=False)
    schedule = models.JSONField(_("weekly schedule"), default=dict, blank=True, editable=False)
    is_public = models.BooleanField(_("shown to couriers"), default=False, editable=False)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["area__code", "name"]
        indexes = [
            # The finder's index. On PostgreSQL it also carries every column the finder's
            # candidate query reads, so that query is an index-only scan over neighbouring cells
            # (no visit to scattered table rows); SQLite ignores INCLUDE.
            models.Index(
                fields=["is_public", "grid_cell"],
                include=[
                    "amenity_mask",
                    "latitude",
                    "longitude",
                    "closes_on_public_holidays",
                    "schedule",
                    "id",
                ],
                name="station_finder_idx",
            ),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="station_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="demonstration") | models.Q(demonstration_batch__isnull=False),
                name="demonstration_station_has_batch",
                violation_error_message=_("A demonstration station needs its batch."),
            ),
        ]

    def __str__(self):
        return self.name


class OpeningPeriod(models.Model):
    """One opening interval on a weekday. `closes_at` at or before `opens_at` runs past midnight;
    00:00–00:00 is the whole day. A weekday without periods is a closed day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class SpecialDay(models.Model):
    """A date on which a station keeps other hours than its weekday schedule, or is closed."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="special_days")
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="one_special_day_per_station_date"),
            models.CheckConstraint(
                condition=models.Q(is_closed=True)
                | models.Q(opens_at__isnull=False, closes_at__isnull=False),
                name="special_day_open_needs_hours",
                violation_error_message=_("An open special day needs its opening and closing time."),
            ),
        ]

    def __str__(self):
        return f"{self.station} {self.date}"


def station_photo_path(instance, filename):
    return f"stations/{instance.station.public_id}/{filename}"


class StationPhoto(BaseModel):
    """A photo, stored re-encoded as JPEG without EXIF and no larger than 1600 px."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("image"), upload_to=station_photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.caption or self.image.name


class StationContact(models.Model):
    """A contact of a station: steward, social worker, duty phone."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="contacts")
    title = models.CharField(_("title"), max_length=50, help_text=_("e.g. 服务管家, 社工, 值班电话"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return f"{self.title} {self.name}"


class StandardItem(models.TextChoices):
    """The "六有" standard: 有场地、有设备、有人员、有服务项目、有工作流程、有服务制度."""

    SITE = "site", _("Has a site")
    EQUIPMENT = "equipment", _("Has equipment")
    PERSONNEL = "personnel", _("Has personnel")
    SERVICE_ITEMS = "service_items", _("Has service items")
    WORKFLOW = "workflow", _("Has a workflow")
    RULES = "rules", _("Has service rules")


def standard_evidence_path(instance, filename):
    return f"stations/{instance.station.public_id}/standard/{instance.item}/{filename}"


class StandardCheck(models.Model):
    """The current state of one 六有 item of one station, with its evidence and inspection."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="standard_checks")
    item = models.CharField(_("standard item"), max_length=20, choices=StandardItem.choices)
    is_met = models.BooleanField(_("met"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=standard_evidence_path, blank=True)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    next_inspection_on = models.DateField(_("next inspection due"), null=True, blank=True)

    class Meta:
        verbose_name = _("六有 standard check")
        verbose_name_plural = _("六有 standard checklist")
        ordering = ["station", "item"]
        constraints = [
            models.UniqueConstraint(fields=["station", "item"], name="one_check_per_station_item"),
        ]

    def __str__(self):
        return f"{self.station} · {self.get_item_display()}"


class ServiceContact(models.Model):
    """A row of a street's service contact table (服务联络表): hotline, police station, community."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("Service hotline")
        STEWARD = "steward", _("Service steward")
        POLICE = "police", _("Police station")
        COMMUNITY = "community", _("Community")
        PARTY_MASS_CENTER = "party_mass_center", _("Party-mass service center")
        OTHER = "other", _("Other")

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="service_contacts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    address = models.CharField(_("address"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("service contact")
        verbose_name_plural = _("service contact table")
        ordering = ["area", "sort_order", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class ResourceItem(models.Model):
    """A row of a street's resource list (资源服务清单): what departments and partners offer."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="resource_items"
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=50)
    provider = models.CharField(_("provider"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("resource item")
        verbose_name_plural = _("resource list")
        ordering = ["area", "sort_order", "id"]

    def __str__(self):
        return self.name
