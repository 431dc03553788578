"""Back office of the policy library: write and publish policies, push them, see read counts."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError, ValidationFailed

from . import services
from .models import Policy
from .permissions import policy_policy

PUBLISHED = _("%(count)s policy(ies) published.")
PUSHED = _("“%(title)s” pushed to %(count)s courier(s).")

_FIELDS = (
    "title",
    "department",
    "issuer",
    "category",
    "summary",
    "body",
    "source_url",
    "effective_from",
    "effective_until",
    "area",
)


def _data(cleaned):
    area = cleaned.get("area")
    data = {field: cleaned.get(field) for field in _FIELDS if field != "area"}
    data["area_code"] = area.code if area else ""
    return data


class PolicyForm(forms.ModelForm):
    source_url = forms.URLField(label=_("source link"), required=False, max_length=300, assume_scheme="https")

    class Meta:
        model = Policy
        fields = _FIELDS

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.policy_validate(actor=self.actor, data=_data(cleaned))
            except ValidationFailed as error:
                for field, field_messages in error.errors.items():
                    name = "area" if field == "area_code" else field
                    for message in field_messages:
                        self.add_error(name if name in self.fields else None, str(message))
        return cleaned


@admin.register(Policy)
class PolicyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = policy_policy
    form = PolicyForm
    list_display = ("title", "department", "category", "area", "status", "published_at", "read_count")
    list_filter = ("status", "department", "category")
    search_fields = ("title", "summary", "issuer")
    raw_id_fields = ("area",)
    actions = ("publish_policies", "push_policies")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reads_total=Count("reads"))

    @admin.display(description=_("read by"), ordering="reads_total")
    def read_count(self, obj):
        return getattr(obj, "reads_total", 0)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        data = _data(form.cleaned_data)
        if change:
            saved = services.policy_update(actor=request.user, policy=obj, data=data)
        else:
            saved = services.policy_create(actor=request.user, data=data)
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def delete_model(self, request, obj):
        services.policy_delete(actor=request.user, policy=obj)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            try:
                self.delete_model(request, policy)
            except DomainError as error:
                self.message_user(request, f"{policy}: {error.text()}", messages.ERROR)

    @admin.action(description=_("Publish the selected policies"))
    def publish_policies(self, request, queryset):
        count = 0
        for policy in queryset.filter(status=Policy.Status.DRAFT):
            services.policy_publish(actor=request.user, policy=policy)
            count += 1
        self.message_user(request, PUBLISHED % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Push the selected policies to their couriers (in-app inbox)"))
    def push_policies(self, request, queryset):
        for policy in queryset:
            try:
                push = services.policy_push(actor=request.user, policy=policy)
            except DomainError as error:
                self.message_user(request, f"{policy}: {error.text()}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    PUSHED % {"title": policy.title, "count": push.announcement.recipient_count},
                    messages.SUCCESS,
                )
