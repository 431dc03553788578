"""Couriers in the back office: the registry (masked, area-scoped, audited detail), the company
list and outreach visits. Every admin answers the policies of `registry.py` through
`core.admin.AreaScopedAdminMixin`, and saves through the services there.

- The courier list shows masked numbers only; the search box finds a whole mobile number through
  the keyed hash (a part of a number finds nothing), names and sites by substring.
- The courier change page shows the phone and ID number in full (read-only) and writes an
  AuditEntry (action "view") each time it is opened; the encrypted columns and hashes are never
  form fields. Couriers are not added or deleted here (sign-in, import and the courier's own
  account deletion do that).
"""

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.crypto import lookup_hash
from nuanxin.core.errors import ValidationFailed
from nuanxin.core.permissions import area_scope, is_superuser
from nuanxin.core.validators import normalize_phone

from . import registry
from .models import Company, CourierImportBatch, CourierProfile, OutreachVisit

PERSONAL_DATA_NOTE = _("Shown in full to staff of this area only; this view is recorded in the audit log.")


def _areas_of(user, *, levels=None):
    queryset = Area.objects.all()
    if levels:
        queryset = queryset.filter(level__in=levels)
    if is_superuser(user):
        return queryset
    if getattr(user, "area", None) is None:
        return queryset.none()
    return queryset.filter(path__startswith=user.area.path)


@admin.register(CourierProfile)
class CourierProfileAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = registry.courier_registry_policy
    list_display = (
        "name",
        "phone_masked",
        "company_label",
        "worker_group",
        "site_name",
        "work_area",
        "is_union_member",
        "is_party_member",
        "source",
        "registered_at",
    )
    list_filter = ("company", "worker_group", "is_union_member", "is_party_member", "source")
    list_select_related = ("company", "work_area")
    search_fields = ("name", "site_name")
    search_help_text = _("A name or site, or a whole mobile number.")
    fields = (
        "personal_data",
        "name",
        "worker_group",
        "company",
        "company_other",
        "site_name",
        "work_area",
        "is_union_member",
        "is_party_member",
        "source",
        "registered_at",
        "created_at",
    )
    readonly_fields = ("personal_data", "source", "registered_at", "created_at")
    ordering = ("-created_at",)

    @admin.display(description=_("company"), ordering="company__sort_order")
    def company_label(self, obj):
        if obj.company_other:
            return f"{obj.company.name if obj.company_id else ''}：{obj.company_other}".lstrip("：")
        return obj.company.name if obj.company_id else ""

    @admin.display(description=_("Mobile phone and ID number"))
    def personal_data(self, obj):
        numbers = getattr(obj, "_personal_numbers", None)
        if numbers is None:
            return format_html("{} · {}", obj.phone_masked, obj.id_number_masked or "—")
        return format_html(
            "{} · {}<br><small>{}</small>", numbers["phone"], numbers["id_number"] or "—", PERSONAL_DATA_NOTE
        )

    def get_search_results(self, request, queryset, search_term):
        phone = normalize_phone(search_term.strip()) if search_term else None
        if phone:
            return queryset.filter(phone_hash=lookup_hash(phone)), False
        return super().get_search_results(request, queryset, search_term)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        match = getattr(request, "resolver_match", None)
        is_change_page = match is not None and (match.url_name or "").endswith("_change")
        if obj is not None and is_change_page and request.method == "GET":
            obj._personal_numbers = registry.courier_personal_data_read(
                actor=request.user, courier=obj, ip_address=registry.client_ip(request), purpose="admin"
            )
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "work_area":
            kwargs["queryset"] = _areas_of(request.user, levels=[Area.Level.STREET])
        if db_field.name == "company":
            kwargs["queryset"] = Company.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fresh = CourierProfile.objects.get(pk=obj.pk)
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in registry.REGISTRY_EDITABLE_FIELDS
        }
        registry.courier_registry_update(
            actor=request.user, courier=fresh, ip_address=registry.client_ip(request), **changed
        )


@admin.register(Company)
class CompanyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """The managed company list: city staff add and change companies; they are deactivated, not deleted."""

    policy = registry.company_policy
    list_display = ("name", "code", "worker_group", "sort_order", "is_active", "courier_count")
    list_filter = ("worker_group", "is_active")
    search_fields = ("name", "code")
    ordering = ("sort_order", "code")

    @admin.display(description=_("couriers"))
    def courier_count(self, obj):
        return obj.couriers.filter(deleted_at__isnull=True).count()

    def save_model(self, request, obj, form, change):
        registry.company_save(actor=request.user, company=obj)


class OutreachVisitForm(forms.ModelForm):
    actor = None  # set by OutreachVisitAdmin.get_form

    class Meta:
        model = OutreachVisit
        fields = (
            "area",
            "visited_on",
            "company",
            "site_name",
            "site_address",
            "staff",
            "couriers_met",
            "couriers_met_count",
            "findings",
        )

    def visit_data(self):
        data = self.cleaned_data
        couriers = list(data.get("couriers_met") or [])
        count = data.get("couriers_met_count")
        return registry.OutreachVisitData(
            area_code=data["area"].code if data.get("area") else "",
            visited_on=data.get("visited_on"),
            site_name=data.get("site_name") or "",
            company_code=data["company"].code if data.get("company") else "",
            site_address=data.get("site_address") or "",
            staff_ids=[user.pk for user in data.get("staff") or []] or None,
            courier_ids=[courier.public_id for courier in couriers],
            couriers_met_count=max(count or 0, len(couriers)) if count is not None else None,
            findings=data.get("findings") or "",
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            registry.outreach_visit_validate(actor=self.actor, data=self.visit_data())
        except ValidationFailed as error:
            names = {"staff_ids": "staff", "courier_ids": "couriers_met"}
            for field, messages in error.errors.items():
                field = names.get(field, field)
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(OutreachVisit)
class OutreachVisitAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = registry.outreach_visit_policy
    form = OutreachVisitForm
    list_display = ("visited_on", "site_name", "company", "area", "couriers_met_count", "need_count")
    list_filter = ("company", "visited_on")
    list_select_related = ("company", "area")
    search_fields = ("site_name", "site_address", "findings")
    date_hierarchy = "visited_on"
    raw_id_fields = ("couriers_met",)
    readonly_fields = ("needs_learned",)

    @admin.display(description=_("needs learned"))
    def need_count(self, obj):
        return obj.needs.count()

    @admin.display(description=_("needs learned"))
    def needs_learned(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        needs = list(obj.needs.all())
        if not needs:
            return "—"

        def link(need):
            try:
                return reverse("admin:needs_need_change", args=[need.pk])
            except NoReverseMatch:
                return "#"

        return format_html_join(
            format_html("<br>"),
            '<a href="{}">{}</a> ({})',
            ((link(need), need.title, need.get_status_display()) for need in needs),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("ScopedOutreachVisitForm", (form,), {"actor": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = _areas_of(request.user, levels=[Area.Level.STREET, Area.Level.COMMUNITY])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            from nuanxin.accounts.models import User

            kwargs["queryset"] = area_scope(request.user, User.objects.filter(is_staff=True, is_active=True))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("staff", [request.user.pk])
        if getattr(request.user, "area", None) is not None:
            initial.setdefault("area", request.user.area.pk)
        return initial

    def save_model(self, request, obj, form, change):
        data = form.visit_data()
        if change:
            saved = registry.outreach_visit_update(
                actor=request.user,
                visit=OutreachVisit.objects.get(pk=obj.pk),
                data=data,
                ip_address=registry.client_ip(request),
            )
        else:
            saved = registry.outreach_visit_create(
                actor=request.user, data=data, ip_address=registry.client_ip(request)
            )
        obj.pk = saved.pk
        obj.public_id = saved.public_id

    def save_related(self, request, form, formsets, change):
        pass  # the service has set staff and couriers met, with the audit row

    def delete_model(self, request, obj):
        registry.outreach_visit_delete(actor=request.user, visit=obj, ip_address=registry.client_ip(request))

    def delete_queryset(self, request, queryset):
        for visit in queryset:
            self.delete_model(request, visit)


@admin.register(CourierImportBatch)
class CourierImportBatchAdmin(admin.ModelAdmin):
    """Read-only history of imports: the uploader's own (superusers: all)."""

    list_display = (
        "created_at",
        "file_name",
        "status",
        "row_count",
        "new_count",
        "update_count",
        "created_by",
    )
    list_filter = ("status",)
    readonly_fields = (
        "file_name",
        "status",
        "row_count",
        "new_count",
        "update_count",
        "blank_row_count",
        "expires_at",
        "committed_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_superuser(request.user) else queryset.filter(created_by=request.user)

    def has_module_permission(self, request):
        return registry.courier_registry_policy.can(request.user, registry.IMPORT, None)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
