"""Admin plumbing: every back-office model admin is scoped to the signed-in user's area subtree.

Subclasses name a `policy` (an object with `scope(actor, queryset)` and `can(actor, action, obj)`)
and save through services; this mixin makes the changelist, the change form, deletes and foreign-key
choices all answer the same policy as the API.
"""

from django.contrib import admin

from .models import AuditEntry
from .permissions import area_scope, is_superuser


class AreaScopedAdminMixin:
    """Scope querysets by `policy.scope` and object permissions by `policy.can`."""

    policy = None  # set by subclasses

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return self.policy.scope(request.user, queryset)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request) or self.policy.can(request.user, "view", None)
        return self.policy.can(request.user, "view", obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request) or self.policy.can(request.user, "change", None)
        return self.policy.can(request.user, "change", obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or self.policy.can(request.user, "add", None)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request) or self.policy.can(request.user, "delete", None)
        return self.policy.can(request.user, "delete", obj)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.policy.can(request.user, "view", None)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only. Staff see the entries of their area subtree."""

    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_label", "message")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request.user):
            return queryset
        path = request.user.area.path if getattr(request.user, "area", None) else None
        if path is None or not request.user.is_staff:
            return queryset.none()
        return queryset.filter(area_path__startswith=path)

    def has_module_permission(self, request):
        return (
            request.user.is_active
            and request.user.is_staff
            and (is_superuser(request.user) or getattr(request.user, "is_area_manager", False))
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


__all__ = ["AreaScopedAdminMixin", "area_scope"]
