"""Back office of S1 and S6: the catalog, station posters (issue, print, revoke), visits and
service records (read only). Every list is scoped by the app's policies; writes call services."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.stations.models import Station
from nuanxin.stations.permissions import station_scope

from . import services
from .models import CheckInPoster, ServiceItem, ServiceRecord, StationVisit
from .permissions import catalog_policy, poster_policy, record_policy, visit_policy

POSTERS_REVOKED = _("%(count)s poster(s) revoked.")


def _item_data(cleaned):
    station = cleaned.get("station")
    area = cleaned.get("area")
    return {
        **{field: cleaned.get(field) for field in services._TEXT_LIMITS},
        "kind": cleaned.get("kind"),
        "provider_type": cleaned.get("provider_type"),
        "station_id": station.public_id if station else None,
        "area_code": area.code if area else "",
        "is_published": cleaned.get("is_published"),
        "sort_order": cleaned.get("sort_order"),
    }


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = (
            "name",
            "kind",
            "description",
            "provider_type",
            "station",
            "provider_name",
            "area",
            "schedule",
            "eligibility",
            "contact_phone",
            "is_published",
            "sort_order",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.service_item_validate(actor=self.actor, data=_item_data(cleaned))
            except ValidationFailed as error:
                keys = {"station_id": "station", "area_code": "area"}
                for field, field_messages in error.errors.items():
                    name = keys.get(field, field)
                    for message in field_messages:
                        self.add_error(name if name in self.fields else None, str(message))
        return cleaned


@admin.register(ServiceItem)
class ServiceItemAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = catalog_policy
    form = ServiceItemForm
    list_display = ("name", "kind", "provider_type", "station", "provider_name", "area", "is_published")
    list_filter = ("kind", "provider_type", "is_published")
    search_fields = ("name", "provider_name", "description")
    autocomplete_fields = ("station",)
    raw_id_fields = ("area",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "station":
            kwargs["queryset"] = station_scope(request.user, Station.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = _item_data(form.cleaned_data)
        if change:
            saved = services.service_item_update(actor=request.user, item=obj, data=data)
        else:
            saved = services.service_item_create(actor=request.user, data=data)
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def delete_model(self, request, obj):
        services.service_item_delete(actor=request.user, item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            self.delete_model(request, item)


@admin.register(CheckInPoster)
class CheckInPosterAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """Add = issue a poster for a station; print it from the PDF link; revoke a lost one."""

    policy = poster_policy
    list_display = ("station", "label", "expires_at", "revoked_at", "pdf_link")
    list_filter = ("revoked_at",)
    search_fields = ("station__name", "label")
    fields = ("station", "label", "expires_at", "revoked_at", "pdf_link")
    readonly_fields = ("expires_at", "revoked_at", "pdf_link")
    autocomplete_fields = ("station",)
    actions = ("revoke_posters",)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "station", "label") if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "station":
            kwargs["queryset"] = station_scope(request.user, Station.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("printable poster"))
    def pdf_link(self, obj):
        if obj is None or obj.pk is None or obj.revoked_at is not None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">{}</a>',
            reverse("api:care_poster_pdf", args=[obj.public_id]),
            _("Print (PDF)"),
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.poster_issue(actor=request.user, station=obj.station, label=obj.label)
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected posters"))
    def revoke_posters(self, request, queryset):
        count = 0
        for poster in queryset.filter(revoked_at__isnull=True):
            try:
                services.poster_revoke(actor=request.user, poster=poster)
                count += 1
            except DomainError as error:
                self.message_user(request, error.text(), messages.ERROR)
        self.message_user(request, POSTERS_REVOKED % {"count": count}, messages.SUCCESS)


class _ReadOnlyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StationVisit)
class StationVisitAdmin(_ReadOnlyAdmin):
    """Visits; stewards record new ones on the staff API (or the courier scans the poster)."""

    policy = visit_policy
    list_display = ("occurred_at", "station", "courier", "method", "recorded_by")
    list_filter = ("method",)
    date_hierarchy = "occurred_at"
    search_fields = ("station__name",)
    list_select_related = ("station", "courier", "recorded_by")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(_ReadOnlyAdmin):
    """Service records (服务人次): written by the services that delivered them, never edited."""

    policy = record_policy
    list_display = ("occurred_at", "kind", "station", "area", "courier", "source_type")
    list_filter = ("kind",)
    date_hierarchy = "occurred_at"
    search_fields = ("station__name", "note")
    list_select_related = ("station", "area", "courier")
