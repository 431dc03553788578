"""Announcements, deliveries and WeCom robots in the back office, area-scoped like the API.

- Announcements: drafts are written and changed here; "Publish" (an action) fans them out.
  A published announcement is read-only.
- Deliveries: read-only, filterable by status and channel, so failed sends are easy to find;
  the "Retry" action gives failed ones a fresh set of tries.
- WeCom robots: the webhook URL is a secret (encrypted at rest, never shown in lists).
All writes call `messaging.services`.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import AreaScopedAdminMixin, ServiceSavedAdmin, add_service_errors
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.couriers.models import WorkerGroup

from . import services
from .models import Announcement, Channel, Delivery, WeComRobot
from .permissions import PUBLISH, RETRY, announcement_policy, delivery_policy, robot_policy
from .wecom import WEBHOOK_URL_INVALID, is_valid_webhook_url

PUBLISHED = _("%(count)s announcements published.")
RETRIED = _("%(count)s deliveries queued again.")
ACTION_REFUSED = _("%(label)s: %(message)s")

_ANNOUNCEMENT_KEYS = {"area_code": "area", "company_code": "company"}


# --- announcements -----------------------------------------------------------------------------


class AnnouncementForm(forms.ModelForm):
    worker_group = forms.ChoiceField(
        label=_("worker group"), required=False, choices=[("", _("All worker groups")), *WorkerGroup.choices]
    )
    channels = forms.MultipleChoiceField(
        label=_("also send by"),
        required=False,
        choices=[(Channel.SMS.value, Channel.SMS.label), (Channel.WECOM.value, Channel.WECOM.label)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every announcement goes to the couriers' in-app inbox."),
    )

    class Meta:
        model = Announcement
        fields = ("area", "company", "worker_group", "title", "body", "channels")

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.announcement_validate(self.actor, **self.service_arguments())
            except ValidationFailed as error:
                add_service_errors(self, error, _ANNOUNCEMENT_KEYS)
        return cleaned

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "area_code": data["area"].code if data.get("area") else "",
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "company_code": data["company"].code if data.get("company") else None,
            "worker_group": data.get("worker_group") or "",
            "channels": data.get("channels") or [],
        }


@admin.register(Announcement)
class AnnouncementAdmin(ServiceSavedAdmin):
    policy = announcement_policy
    form = AnnouncementForm
    list_display = (
        "title",
        "area",
        "company",
        "worker_group",
        "status",
        "published_at",
        "recipient_count",
        "failed_deliveries",
    )
    list_filter = ("status",)
    search_fields = ("title", "body")
    list_select_related = ("area", "company")
    actions = ("publish",)

    @admin.display(description=_("failed deliveries"))
    def failed_deliveries(self, announcement):
        return announcement.deliveries.filter(status=Delivery.Status.FAILED).count()

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Announcement.Status.DRAFT:
            return False  # published: its messages are out
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Announcement.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return self.policy.can(request.user, PUBLISH, None)

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.announcement_update(
                actor=request.user, announcement=obj, **form.service_arguments()
            )
        else:
            saved = services.announcement_create(actor=request.user, **form.service_arguments())
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def delete_model(self, request, obj):
        services.announcement_delete(actor=request.user, announcement=obj)

    def delete_queryset(self, request, queryset):
        for announcement in queryset:
            self.delete_model(request, announcement)

    @admin.action(description=_("Publish to the couriers"), permissions=["publish"])
    def publish(self, request, queryset):
        published = 0
        for announcement in queryset:
            try:
                services.announcement_publish(actor=request.user, announcement=announcement)
                published += 1
            except DomainError as error:
                self.message_user(
                    request,
                    ACTION_REFUSED % {"label": announcement.title, "message": error.text()},
                    messages.WARNING,
                )
        self.message_user(request, PUBLISHED % {"count": published})


# --- deliveries --------------------------------------------------------------------------------


@admin.register(Delivery)
class DeliveryAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = delivery_policy
    list_display = (
        "announcement",
        "channel",
        "recipient_label",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel")
    list_select_related = ("announcement", "recipient", "robot")
    search_fields = ("announcement__title", "last_error")
    readonly_fields = (
        "announcement",
        "channel",
        "recipient_label",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "provider_message_id",
    )
    fields = readonly_fields
    actions = ("retry",)

    @admin.display(description=_("recipient"))
    def recipient_label(self, delivery):
        if delivery.robot_id:
            return delivery.robot.name
        if delivery.recipient_id:
            return f"{delivery.recipient.name} {delivery.recipient.phone_masked}".strip()
        return "—"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return self.policy.can(request.user, RETRY, None)

    @admin.action(description=_("Retry the failed deliveries"), permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            try:
                services.delivery_retry(actor=request.user, delivery=delivery)
                retried += 1
            except DomainError as error:
                self.message_user(
                    request, ACTION_REFUSED % {"label": delivery, "message": error.text()}, messages.WARNING
                )
        self.message_user(request, RETRIED % {"count": retried})


# --- WeCom robots ------------------------------------------------------------------------------


class WeComRobotForm(forms.ModelForm):
    webhook_url = forms.CharField(
        label=_("webhook URL"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off", "size": 80}),
        help_text=_(
            "From the group's robot settings in WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
        ),
    )

    class Meta:
        model = WeComRobot
        fields = ("area", "name", "webhook_url", "is_active")

    def clean_webhook_url(self):
        url = (self.cleaned_data.get("webhook_url") or "").strip()
        if not is_valid_webhook_url(url):
            raise forms.ValidationError(str(WEBHOOK_URL_INVALID))
        return url


@admin.register(WeComRobot)
class WeComRobotAdmin(ServiceSavedAdmin):
    policy = robot_policy
    form = WeComRobotForm
    list_display = ("name", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    list_select_related = ("area",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        stored = WeComRobot.objects.get(pk=obj.pk) if change else None
        saved = services.robot_save(
            actor=request.user,
            robot=stored,
            area=data.get("area"),
            name=data.get("name"),
            webhook_url=data.get("webhook_url"),
            is_active=bool(data.get("is_active")),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.robot_delete(actor=request.user, robot=obj)

    def delete_queryset(self, request, queryset):
        for robot in queryset:
            self.delete_model(request, robot)
