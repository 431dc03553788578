"""Reaching couriers (P5): announcements, the in-app inbox, and deliveries through channels."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.crypto import EncryptedTextField
from nuanxin.core.models import BaseModel


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")


class WeComRobot(models.Model):
    """A WeCom group robot of an area's courier group (the seeds' 微信群). The webhook URL is a secret."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    webhook_url = EncryptedTextField(_("webhook URL"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("WeCom group robot")
        verbose_name_plural = _("WeCom group robots")

    def __str__(self):
        return self.name


class Announcement(BaseModel):
    """A message to the couriers of an area, optionally only one company or worker group."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(
        "couriers.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    worker_group = models.CharField(_("worker group"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    channels = models.JSONField(_("channels"), default=list)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0, editable=False)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class InboxMessage(BaseModel):
    """One message in one courier's in-app inbox."""

    recipient = models.ForeignKey(
        "couriers.CourierProfile", on_delete=models.CASCADE, related_name="inbox_messages"
    )
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "announcement"],
                condition=models.Q(announcement__isnull=False),
                name="one_inbox_message_per_announcement",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]


class Delivery(models.Model):
    """One send through an external channel (an SMS to one courier, a post to one robot), retried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(
        "couriers.CourierProfile", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    robot = models.ForeignKey(WeComRobot, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=100, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "channel", "recipient"],
                condition=models.Q(recipient__isnull=False),
                name="one_delivery_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["announcement", "channel", "robot"],
                condition=models.Q(robot__isnull=False),
                name="one_delivery_per_robot",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.get_status_display()}"


class StaffNotice(BaseModel):
    """One notice to one staff account of work that reached them (a report dispatched to their
    department, an overdue report escalated to their district, …), written by `staff_notify` in the
    same transaction as the change it tells of. `dedupe_key` names the change: the same key is
    never written twice for one recipient, so a retried job or a replayed request tells nobody twice.
    """

    class Kind(models.TextChoices):
        REPORT_TRIAGE = "report_triage", _("New report to triage")
        REPORT_DISPATCHED = "report_dispatched", _("Report dispatched to your department")
        REPORT_RETURNED = "report_returned", _("Report returned by the department")
        REPORT_REOPENED = "report_reopened", _("Report reopened by its reporter")
        REPORT_ESCALATED = "report_escalated", _("Overdue report escalated")
        HALL_ROUTED = "hall_routed", _("Hall item routed to your department")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="staff_notices",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("source"), max_length=200)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff notice")
        verbose_name_plural = _("staff notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="one_staff_notice_per_source"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="staff_notice_unread")]

    def __str__(self):
        return self.title
