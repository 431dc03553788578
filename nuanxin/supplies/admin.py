"""Supplies in the back office, scoped like the API (area managers of the subtree; stewards their
own stations).

Writes go through the services only (see `admin_forms.ServiceModelForm`): the stock movement add
form records a stock-in (`services.stock_in`) or a hand-out to a courier found by mobile number
(`services.stock_hand_out`); the care-package pages create a campaign (`campaign_create`) and give
a package (`care_package_grant`); city staff add supply items (`supply_item_create`). A refusal —
more than the stock, an unknown courier, a station outside the user's area (not even offered) — is
shown beside the field and nothing is saved. Balances and ledger lines are never edited or deleted.
"""

from django import forms
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import ValidationFailed
from nuanxin.core.permissions import is_superuser
from nuanxin.core.validators import normalize_phone
from nuanxin.couriers.services import courier_find_by_phone

from . import services
from .admin_forms import ServiceAdminMixin, ServiceModelForm
from .models import (
    CarePackageCampaign,
    CarePackageGrant,
    CarePackageKitItem,
    StockBalance,
    StockMovement,
    SupplyItem,
)
from .permissions import campaign_policy, stock_policy, stock_station_scope, supply_item_policy

COURIER_PHONE_INVALID = _("Enter the courier's 11-digit mainland mobile number.")
COURIER_UNKNOWN = _("No registered courier has this mobile number.")
COURIER_PHONE_REQUIRED = _("A hand-out needs the courier's mobile number.")
KIT_ROWS = 6
MOVEMENT_KINDS = [
    (StockMovement.Kind.STOCK_IN, StockMovement.Kind.STOCK_IN.label),
    (StockMovement.Kind.HAND_OUT, StockMovement.Kind.HAND_OUT.label),
]


def _courier_by_phone(phone):
    """The courier with this mobile number, or ValidationFailed on `courier_phone`."""
    if not phone:
        raise ValidationFailed({"courier_phone": [COURIER_PHONE_REQUIRED]})
    normalized = normalize_phone(phone)
    if normalized is None:
        raise ValidationFailed({"courier_phone": [COURIER_PHONE_INVALID]})
    courier = courier_find_by_phone(normalized)
    if courier is None:
        raise ValidationFailed({"courier_phone": [COURIER_UNKNOWN]})
    return courier


def _area_choices(user):
    areas = Area.objects.order_by("path")
    if is_superuser(user):
        return areas
    return areas.filter(path__startswith=user.area.path) if user.area_id else areas.none()


class _NoEditMixin:
    """Rows written only by services: viewable, never changed or deleted in the admin."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- items ---------------------------------------------------------------------------------------


class SupplyItemForm(ServiceModelForm):
    class Meta:
        model = SupplyItem
        fields = ("name", "category", "unit", "default_low_stock_threshold")

    def perform(self, actor, data):
        return services.supply_item_create(
            actor=actor,
            name=data.get("name"),
            category=data.get("category"),
            unit=data.get("unit"),
            default_low_stock_threshold=data.get("default_low_stock_threshold"),
        )


@admin.register(SupplyItem)
class SupplyItemAdmin(ServiceAdminMixin, _NoEditMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    """City staff add items (`supply_item_policy`: the city-wide list); everyone else reads it."""

    policy = supply_item_policy
    form = SupplyItemForm
    list_display = ("name", "category", "unit", "default_low_stock_threshold", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name",)

    def has_add_permission(self, request, *args):
        return supply_item_policy.can(request.user, "add", None)

    def get_fields(self, request, obj=None):
        return SupplyItemForm.Meta.fields if obj is None else (*SupplyItemForm.Meta.fields, "is_active")


# --- stock ---------------------------------------------------------------------------------------


@admin.register(StockBalance)
class StockBalanceAdmin(_NoEditMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = stock_policy
    list_display = ("station", "item", "quantity", "low_stock_threshold", "is_low")
    list_select_related = ("station", "item")
    search_fields = ("station__name", "item__name")

    def has_add_permission(self, request, *args):
        return False  # stock changes by movements

    @admin.display(boolean=True, description=_("low"))
    def is_low(self, obj):
        return obj.is_low


class StockMovementForm(ServiceModelForm):
    """Stock in (donation or purchase, with its source) or hand out to a courier by mobile number."""

    kind = forms.ChoiceField(label=_("kind"), choices=MOVEMENT_KINDS)
    quantity = forms.IntegerField(label=_("quantity"))
    courier_phone = forms.CharField(
        label=_("courier's mobile number"),
        required=False,
        max_length=20,
        help_text=_("Hand-out only: the courier is found by this number."),
    )
    service_fields = {"item_id": "item", "courier_id": "courier_phone", "station_id": "station"}

    class Meta:
        model = StockMovement
        fields = (
            "station",
            "item",
            "kind",
            "quantity",
            "source_kind",
            "source_name",
            "courier_phone",
            "note",
        )

    def perform(self, actor, data):
        common = {
            "actor": actor,
            "station": data["station"],
            "item": data["item"],
            "quantity": data["quantity"],
            "note": data.get("note") or "",
        }
        if data["kind"] == StockMovement.Kind.HAND_OUT:
            return services.stock_hand_out(courier=_courier_by_phone(data.get("courier_phone")), **common)
        return services.stock_in(
            source_kind=data.get("source_kind") or "", source_name=data.get("source_name") or "", **common
        )


@admin.register(StockMovement)
class StockMovementAdmin(ServiceAdminMixin, _NoEditMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = stock_policy
    form = StockMovementForm
    list_display = (
        "created_at",
        "station",
        "item",
        "kind",
        "quantity",
        "balance_after",
        "source_kind",
        "source_name",
    )
    list_filter = ("kind", "source_kind")
    list_select_related = ("station", "item")
    search_fields = ("station__name", "item__name", "source_name")
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return StockMovementForm.Meta.fields
        return ("station", "item", "kind", "quantity", "balance_after", "source_kind", "source_name", "note")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "station":
            kwargs["queryset"] = stock_station_scope(request.user).order_by("name")
        if db_field.name == "item":
            kwargs["queryset"] = SupplyItem.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- care packages -------------------------------------------------------------------------------


class KitItemInline(admin.TabularInline):
    model = CarePackageKitItem
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return campaign_policy.can(request.user, "view", obj)


class _CampaignFormBase(ServiceModelForm):
    """A campaign with its kit: up to KIT_ROWS (item, quantity) lines (declared below)."""

    service_fields = {"area_code": "area", "kit": "kit_item_1"}

    class Meta:
        model = CarePackageCampaign
        fields = ("name", "description", "area", "starts_on", "ends_on")

    def kit(self, data):
        return [
            (data[f"kit_item_{row}"], data.get(f"kit_quantity_{row}"))
            for row in range(1, KIT_ROWS + 1)
            if data.get(f"kit_item_{row}") is not None
        ]

    def perform(self, actor, data):
        return services.campaign_create(
            actor=actor,
            area=data.get("area"),
            name=data.get("name"),
            description=data.get("description") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            kit=self.kit(data),
        )


KIT_FIELDS = {}
for _row in range(1, KIT_ROWS + 1):
    KIT_FIELDS[f"kit_item_{_row}"] = forms.ModelChoiceField(
        label=format_lazy("{} {}", _("kit item"), _row),
        queryset=SupplyItem.objects.filter(is_active=True),
        required=False,
    )
    KIT_FIELDS[f"kit_quantity_{_row}"] = forms.IntegerField(
        label=format_lazy("{} {}", _("quantity"), _row), required=False
    )
CampaignForm = type("CampaignForm", (_CampaignFormBase,), {"__module__": __name__, **KIT_FIELDS})


@admin.register(CarePackageCampaign)
class CarePackageCampaignAdmin(ServiceAdminMixin, _NoEditMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = campaign_policy
    form = CampaignForm
    list_display = ("name", "area", "starts_on", "ends_on", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    actions = ("activate", "deactivate")

    def has_add_permission(self, request, *args):
        return campaign_policy.can(request.user, "add", None)

    def get_inlines(self, request, obj):
        return [KitItemInline] if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is not None:
            return (*CampaignForm.Meta.fields, "is_active")
        return (*CampaignForm.Meta.fields, *KIT_FIELDS)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = _area_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _set_active(self, request, queryset, is_active):
        for campaign in queryset:
            services.campaign_set_active(actor=request.user, campaign=campaign, is_active=is_active)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not campaign_policy.can(request.user, "add", None):
            actions.pop("activate", None)
            actions.pop("deactivate", None)
        return actions

    @admin.action(description=_("Start giving packages (activate)"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Stop giving packages (deactivate)"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)


class _GrantPolicy:
    """Grants follow their station, like stock; giving one is a stock change at that station."""

    def scope(self, actor, queryset):
        return stock_policy.scope(actor, queryset)

    def can(self, actor, action, obj):
        return action in {"view", "add"} and stock_policy.can(
            actor, "view" if action == "view" else "add", obj
        )


class GrantForm(ServiceModelForm):
    courier_phone = forms.CharField(label=_("courier's mobile number"), max_length=20)
    service_fields = {"courier_id": "courier_phone", "station_id": "station"}

    class Meta:
        model = CarePackageGrant
        fields = ("campaign", "station", "courier_phone")

    def perform(self, actor, data):
        return services.care_package_grant(
            actor=actor,
            campaign=data["campaign"],
            station=data["station"],
            courier=_courier_by_phone(data.get("courier_phone")),
        )


@admin.register(CarePackageGrant)
class CarePackageGrantAdmin(ServiceAdminMixin, _NoEditMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = _GrantPolicy()
    form = GrantForm
    list_display = ("created_at", "campaign", "station")
    list_select_related = ("campaign", "station")

    def get_fields(self, request, obj=None):
        return GrantForm.Meta.fields if obj is None else ("campaign", "station", "granted_by")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "station":
            kwargs["queryset"] = stock_station_scope(request.user).order_by("name")
        if db_field.name == "campaign":
            kwargs["queryset"] = campaign_policy.scope(
                request.user, CarePackageCampaign.objects.filter(is_active=True)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
