"""Back office for street reports: area-scoped, reports read-only with workflow actions via services.

Area managers see the reports, departments, routing rules and street rectangles of their subtree;
report categories (one list for the deployment) are the superuser's. Workflow actions call
`services.reports_bulk_transition`, so the table, the roles, the history and the inbox apply.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.audit import audit_record, snapshot
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

from . import permissions, services, transitions
from .models import Department, Report, ReportCategory, ReportEvent, ReportPhoto, RoutingRule, StreetBounds


class ReportAdminPolicy:
    def scope(self, actor, queryset):
        return permissions.report_scope(actor, queryset)

    def can(self, actor, action, obj):
        if action != "view":
            return False
        if obj is None:
            return permissions.is_staff_member(actor)
        return permissions.can(actor, permissions.VIEW, obj)


class AreaConfigPolicy:
    """Departments, rules and rectangles: area managers manage those in their subtree."""

    def scope(self, actor, queryset):
        return (
            area_scope(actor, queryset)
            if (is_superuser(actor) or permissions.is_area_manager(actor))
            else (queryset.none())
        )

    def can(self, actor, action, obj):
        if is_superuser(actor):
            return True
        if not permissions.is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


class AuditedSaveMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
            obj=obj,
            changes=snapshot(obj),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only areas inside the actor's own can be chosen.
        if db_field.name == "area" and not is_superuser(request.user):
            from nuanxin.areas.models import Area

            kwargs["queryset"] = area_scope(
                request.user, Area.objects.all(), area_field="parent"
            ) | Area.objects.filter(pk=request.user.area_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReportCategory)
class ReportCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_limit_hours", "is_active", "sort_order")
    list_editable = ("time_limit_hours", "is_active", "sort_order")


@admin.register(Department)
class DepartmentAdmin(AuditedSaveMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = AreaConfigPolicy()
    list_display = ("name", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    filter_horizontal = ("handlers",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedSaveMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = AreaConfigPolicy()
    list_display = ("area", "category", "department")
    list_select_related = ("area", "category", "department")


@admin.register(StreetBounds)
class StreetBoundsAdmin(AuditedSaveMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = AreaConfigPolicy()
    list_display = ("area", "south", "west", "north", "east")
    list_select_related = ("area",)


class ReportPhotoInline(admin.TabularInline):
    model = ReportPhoto
    extra = 0
    can_delete = False
    readonly_fields = ("image", "position")

    def has_add_permission(self, request, obj=None):
        return False


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ("occurred_at", "kind", "from_status", "to_status", "note", "is_public", "actor")

    def has_add_permission(self, request, obj=None):
        return False


def _bulk(to_status, label):
    def action(modeladmin, request, queryset):
        results = services.reports_bulk_transition(
            actor=request.user, reports=list(queryset), to_status=to_status
        )
        done = sum(1 for _report, error in results if error is None)
        modeladmin.message_user(
            request,
            ngettext("%(count)d report moved.", "%(count)d reports moved.", done) % {"count": done},
            messages.SUCCESS,
        )
        for report, error in results:
            if error is not None:
                modeladmin.message_user(request, f"{report}: {error.text()}", messages.WARNING)

    action.__name__ = f"move_to_{to_status}"
    action.short_description = label
    return action


@admin.register(Report)
class ReportAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = ReportAdminPolicy()
    list_display = ("created_at", "category", "area", "department", "status", "due_at", "escalated_at")
    list_filter = ("status", "category", "source")
    list_select_related = ("category", "area", "department")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Report._meta.fields if field.name not in ("id",)]
    exclude = ("idempotency_scope", "idempotency_key", "reporter")
    inlines = [ReportPhotoInline, ReportEventInline]
    actions = [
        _bulk(transitions.ACCEPTED, _("Accept")),
        _bulk(transitions.CLOSED, _("Close (resolved reports)")),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.readonly_fields if name not in self.exclude]

    def has_change_permission(self, request, obj=None):
        return False
