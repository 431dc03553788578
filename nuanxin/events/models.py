"""S3 events (慰问, 清凉一夏, 义诊, 子女课堂, 交友联谊, 赋能培训 …): sign-ups, attendance, feedback, report.

An event belongs to an area (the organizer's street, district or city) and takes place at a station
or at an address. `capacity` seats are confirmed in sign-up order; later sign-ups wait in a queue
(`Signup.Status.WAITLISTED`, ordered by `signed_up_at`) and move up when a confirmed one cancels.
The seat count is never exceeded: every sign-up, cancellation and capacity change runs under a row
lock on the event (`services._lock_event`).

Reminders (`reminders.py`): a confirmed sign-up with `wants_reminders` is reminded at the offsets of
NUANXIN_EVENT_REMINDERS before the start; each sent reminder is an `EventReminder` row, unique per
sign-up and offset, so no reminder is ever sent twice.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class EventKind(models.TextChoices):
    CONDOLENCE_VISIT = "condolence_visit", _("Caring visit (慰问)")
    SUMMER_COOLING = "summer_cooling", _("Cool summer (清凉一夏)")
    FREE_CLINIC = "free_clinic", _("Free clinic (义诊)")
    CHILDREN_CLASS = "children_class", _("Children's class (子女课堂)")
    SOCIAL_MIXER = "social_mixer", _("Friendship meet-up (交友联谊)")
    SKILLS_TRAINING = "skills_training", _("Skills training (赋能培训)")
    OTHER = "other", _("Other")


class Event(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed")

    class Audience(models.TextChoices):
        ALL_COURIERS = "all", _("All couriers")
        AREA_COURIERS = "area", _("Couriers working in the event's area")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_("The area that organizes the event; its staff manage it."),
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL_COURIERS
    )
    audience_note = models.CharField(
        _("audience note"),
        max_length=200,
        blank=True,
        help_text=_("E.g. “couriers with children aged 6–12”."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    # The closing report (written once, when the event is closed).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    report_summary = models.TextField(_("report summary"), blank=True)
    report_attendee_count = models.PositiveIntegerField(_("attendees"), default=0)

    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="event_capacity_positive",
                violation_error_message=_("The capacity must be at least 1."),
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.title

    @property
    def place(self):
        if self.station_id is not None:
            return self.address or self.station.address
        return self.address


class Signup(BaseModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="signups"
    )
    courier = models.ForeignKey(
        "couriers.CourierProfile",
        verbose_name=_("courier"),
        on_delete=models.PROTECT,
        related_name="event_signups",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    signed_up_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("moved up from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("attendance recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    wants_reminders = models.BooleanField(
        _("remind me"),
        default=True,
        help_text=_("Send reminders before the event to this courier's inbox."),
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "id"]
        constraints = [
            # One live sign-up per courier and event; a cancelled one may be followed by a new one.
            models.UniqueConstraint(
                fields=["event", "courier"],
                condition=~models.Q(status="cancelled"),
                name="one_live_signup_per_courier_and_event",
            ),
            models.CheckConstraint(
                condition=models.Q(attended_at__isnull=True) | models.Q(status="confirmed"),
                name="signup_attended_only_when_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "signed_up_at"])]

    def __str__(self):
        return f"{self.event} · {self.courier}"

    @property
    def has_attended(self):
        return self.attended_at is not None


class EventReminder(models.Model):
    """One reminder sent for one sign-up at one offset before the start (`reminders.py`).

    The row is written in the same transaction as the inbox message; the unique pair (sign-up,
    offset) makes a second send impossible, however many reminder runs overlap.
    """

    signup = models.ForeignKey(
        Signup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="reminders"
    )
    offset_minutes = models.PositiveIntegerField(_("minutes before the start"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup", "offset_minutes"], name="one_reminder_per_signup_and_offset"
            ),
        ]

    def __str__(self):
        return f"{self.signup} · {self.offset_minutes} min"


class Feedback(BaseModel):
    """An attendee's rating (1–5) and comment, given once, after the event."""

    signup = models.OneToOneField(
        Signup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="event_feedback_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.signup} · {self.rating}"


def event_photo_path(instance, filename):
    return f"events/{instance.event.public_id}/{filename}"


class EventPhoto(BaseModel):
    """A photo of the closing report, re-encoded by nuanxin.core.images (no EXIF, ≤1600 px)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("image"), upload_to=event_photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.caption or self.image.name
