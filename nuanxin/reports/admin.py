"""Back office for street reports: area-scoped, reports read-only with workflow actions via services.

Area managers see the reports, departments, routing rules, street rectangles and street boundaries
(imported from GeoJSON) of their subtree;
report categories (one list for the deployment) are the superuser's. Workflow actions call
`services.reports_bulk_transition`, so the table, the roles, the history and the inbox apply.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.audit import audit_record, snapshot
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

from . import boundaries, permissions, services, transitions
from .models import (
    Department,
    Report,
    ReportCategory,
    ReportEvent,
    ReportPhoto,
    RoutingRule,
    StreetBoundary,
    StreetBounds,
)


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


class BoundaryImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_(
            "A FeatureCollection: one Polygon or MultiPolygon per street, the street's division code "
            "in properties.code. Streets named in the file get their boundary replaced; all or nothing."
        ),
    )
    crs = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=[("wgs84", _("WGS-84 (GPS, GeoJSON's own)")), ("gcj02", _("GCJ-02 (drawn on AMap)"))],
        initial="wgs84",
    )


BOUNDARY_IMPORT_TITLE = _("Import street boundaries")
BOUNDARY_IMPORTED = _("Boundaries imported: %(created)s new, %(updated)s replaced, %(unchanged)s unchanged.")
BOUNDARY_IMPORT_TOO_LARGE = _("The file is larger than %(limit)s MB.")
BOUNDARY_IMPORT_MAX_BYTES = 20 * 1024 * 1024


@admin.register(StreetBoundary)
class StreetBoundaryAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """Read-only rows; boundaries come in through the GeoJSON import (one code path with the
    management command: `boundaries.street_boundaries_import`), and are removed through
    `boundaries.street_boundary_delete`. Area managers see and import their subtree's streets."""

    policy = AreaConfigPolicy()
    change_list_template = "reports/admin/streetboundary_change_list.html"
    list_display = ("area", "source", "updated_at", "south", "west", "north", "east")
    list_select_related = ("area",)
    search_fields = ("area__name", "area__code")
    readonly_fields = ("area", "source", "updated_at", "south", "west", "north", "east", "geometry")
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:reports_streetboundary_import"))

    def delete_model(self, request, obj):
        boundaries.street_boundary_delete(actor=request.user, boundary=obj)

    def delete_queryset(self, request, queryset):
        for boundary in queryset.select_related("area"):
            boundaries.street_boundary_delete(actor=request.user, boundary=boundary)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="reports_streetboundary_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        problems = []
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > BOUNDARY_IMPORT_MAX_BYTES:
                form.add_error(
                    "file", BOUNDARY_IMPORT_TOO_LARGE % {"limit": BOUNDARY_IMPORT_MAX_BYTES // (1024 * 1024)}
                )
            else:
                try:
                    result = boundaries.street_boundaries_import(
                        actor=request.user,
                        collection=upload.read(),
                        source=upload.name,
                        crs=form.cleaned_data["crs"],
                    )
                except boundaries.BoundaryImportError as error:
                    problems = [str(problem) for problem in error.problems]
                else:
                    self.message_user(
                        request,
                        BOUNDARY_IMPORTED
                        % {
                            "created": result.created,
                            "updated": result.updated,
                            "unchanged": result.unchanged,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:reports_streetboundary_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": BOUNDARY_IMPORT_TITLE,
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "changelist_url": reverse("admin:reports_streetboundary_changelist"),
        }
        return TemplateResponse(request, "reports/admin/boundary_import.html", context)


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
