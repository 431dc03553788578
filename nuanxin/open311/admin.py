"""Back office for Open311 api_keys. City staff (and superusers) issue and revoke them; the raw key
is shown once, in the message after saving, and only its hash is kept."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role
from nuanxin.core.permissions import is_superuser

from . import services
from .models import ApiKey

KEY_ISSUED = _("The api_key for “%(name)s” is %(key)s — copy it now: it will not be shown again.")
KEYS_REVOKED = _("%(count)s api_key(s) revoked.")


def may_manage_keys(user):
    return is_superuser(user) or bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.role == Role.CITY_STAFF
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key_prefix",
        "department",
        "is_active",
        "requests_per_hour",
        "last_used_at",
        "created_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    fields = ("name", "department", "requests_per_hour", "key_prefix", "is_active", "last_used_at")
    readonly_fields = ("key_prefix", "is_active", "last_used_at")
    actions = ["revoke"]

    def has_module_permission(self, request):
        return may_manage_keys(request.user)

    def has_view_permission(self, request, obj=None):
        return may_manage_keys(request.user)

    def has_add_permission(self, request):
        return may_manage_keys(request.user)

    def has_change_permission(self, request, obj=None):
        return may_manage_keys(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: submissions keep pointing at the key that sent them

    def save_model(self, request, obj, form, change):
        if change:
            ApiKey.objects.filter(pk=obj.pk).update(
                name=obj.name, department=obj.department, requests_per_hour=obj.requests_per_hour
            )
            return
        raw_key, api_key = services.api_key_issue(
            actor=request.user,
            name=obj.name,
            department=obj.department,
            requests_per_hour=obj.requests_per_hour,
        )
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(api_key, field.attname))
        obj._state.adding = False
        self.message_user(request, KEY_ISSUED % {"name": api_key.name, "key": raw_key}, messages.WARNING)

    @admin.action(description=_("Revoke the selected api_keys"))
    def revoke(self, request, queryset):
        count = 0
        for api_key in queryset.filter(is_active=True):
            services.api_key_revoke(actor=request.user, api_key=api_key)
            count += 1
        self.message_user(request, KEYS_REVOKED % {"count": count}, messages.SUCCESS)
