"""Volunteer teams, activities with shifts, check-in/out, the append-only volunteer record, certificates.

The volunteer record (`RecordEntry`) follows the 志愿服务记录与证明出具办法: service, training, awards
and evaluations are appended and never edited; a correction appends a new entry that `supersedes`
the old one, so the history stays complete. Hours are kept in whole minutes.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel

RECORD_IS_APPEND_ONLY = _("Volunteer record entries cannot be changed or deleted; append a correction.")


class VolunteerRole(models.TextChoices):
    POLICY_PROMOTER = "policy_promoter", _("Policy promoter")
    MOBILE_GRID_WORKER = "mobile_grid_worker", _("Mobile grid worker")
    COMMUNITY_VOLUNTEER = "community_volunteer", _("Community volunteer")


class Team(BaseModel):
    """A volunteer team of one area (e.g. 行走的哨兵); the organization that records and certifies."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    description = models.TextField(_("description"), blank=True)
    handler_name = models.CharField(_("handler"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Volunteer(BaseModel):
    """A courier registered as a volunteer, with a unified volunteer number (never the ID number)."""

    courier = models.OneToOneField(
        "couriers.CourierProfile", on_delete=models.PROTECT, related_name="volunteer"
    )
    volunteer_number = models.CharField(_("volunteer number"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["volunteer_number"]

    def __str__(self):
        return f"{self.courier} ({self.volunteer_number})"


class Membership(BaseModel):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=VolunteerRole.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.APPLIED)
    motivation = models.CharField(_("motivation"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="one_membership_per_team")]

    def __str__(self):
        return f"{self.volunteer} · {self.team}"


class Activity(BaseModel):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Volunteer activity")
        ERRAND = "errand", _("Errand (跑腿) for a resident in need")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ACTIVITY)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def area(self):
        return self.team.area


class Shift(BaseModel):
    """A time and a place of an activity, with a capacity; check-in happens within `radius_meters`."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place_name = models.CharField(_("place"), max_length=200)
    latitude = models.DecimalField(_("latitude (WGS-84)"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude (WGS-84)"), max_digits=9, decimal_places=6)
    radius_meters = models.PositiveIntegerField(_("check-in radius (m)"), default=300)
    capacity = models.PositiveIntegerField(_("capacity"), default=1)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.activity} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUp(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        QR = "qr", _("QR code at the place")
        POSITION = "position", _("Position")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="sign_ups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="sign_ups")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    served_minutes = models.PositiveIntegerField(
        _("served minutes (clipped to the shift)"), null=True, blank=True
    )
    approved_at = models.DateTimeField(_("hours approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status="active"),
                name="one_active_sign_up_per_shift",
            )
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.shift}"


class RecordEntry(BaseModel):
    """One line of a volunteer's record. Append-only: a correction is a new entry that supersedes."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        TRAINING = "training", _("Training")
        AWARD = "award", _("Award")
        EVALUATION = "evaluation", _("Evaluation")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="record_entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("recorded by team"), on_delete=models.PROTECT, related_name="record_entries"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    occurred_on = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    sign_up = models.ForeignKey(
        SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="record_entries"
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer record entry")
        verbose_name_plural = _("volunteer record entries")
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["volunteer", "kind", "occurred_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.title}"

    def save(self, *args, **kwargs):
        # The record is evidence; a second save of a stored entry is a bug, not an edit.
        if self.pk is not None:
            raise ValueError(str(RECORD_IS_APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(str(RECORD_IS_APPEND_ONLY))


class CorrectionRequest(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    sign_up = models.ForeignKey(SignUp, on_delete=models.PROTECT, related_name="corrections")
    requested_minutes = models.PositiveIntegerField(_("requested minutes"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)
    resulting_entry = models.ForeignKey(
        RecordEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hours correction request")
        verbose_name_plural = _("hours correction requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sign_up"], condition=Q(status="open"), name="one_open_correction_per_sign_up"
            )
        ]

    def __str__(self):
        return f"{self.sign_up} → {self.requested_minutes} min"


class Certificate(BaseModel):
    """A certificate of volunteer hours for a period, issued by one team for its own activities.

    At issue the printed facts are frozen in `facts` and an HMAC of them in `content_hash`; the public
    verification page recomputes it, so a record altered afterwards no longer verifies.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        REFUSED = "refused", _("Refused")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    team = models.ForeignKey(
        Team, verbose_name=_("issuing team"), on_delete=models.PROTECT, related_name="certificates"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    number = models.CharField(_("certificate number"), max_length=32, unique=True, null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    facts = models.JSONField(_("certified facts"), default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    refusal_reason = models.CharField(_("refusal reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("volunteer certificate")
        verbose_name_plural = _("volunteer certificates")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="certificate_period_ordered"
            )
        ]

    def __str__(self):
        return self.number or f"{self.volunteer} {self.period_start}–{self.period_end}"
