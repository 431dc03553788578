"""Supplies in the back office: read-only views scoped like the API (writes go through the API's
services, which lock the stock; an admin form editing a balance would bypass the ledger)."""

from django.contrib import admin

from nuanxin.core.admin import AreaScopedAdminMixin

from .models import (
    CarePackageCampaign,
    CarePackageGrant,
    CarePackageKitItem,
    StockBalance,
    StockMovement,
    SupplyItem,
)
from .permissions import campaign_policy, stock_policy, supply_item_policy


class _ReadOnlyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupplyItem)
class SupplyItemAdmin(_ReadOnlyAdmin):
    policy = supply_item_policy
    list_display = ("name", "category", "unit", "default_low_stock_threshold", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name",)


@admin.register(StockBalance)
class StockBalanceAdmin(_ReadOnlyAdmin):
    policy = stock_policy
    list_display = ("station", "item", "quantity", "low_stock_threshold", "is_low")
    list_select_related = ("station", "item")
    search_fields = ("station__name", "item__name")

    @admin.display(boolean=True, description="low")
    def is_low(self, obj):
        return obj.is_low


@admin.register(StockMovement)
class StockMovementAdmin(_ReadOnlyAdmin):
    policy = stock_policy
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


class KitItemInline(admin.TabularInline):
    model = CarePackageKitItem
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CarePackageCampaign)
class CarePackageCampaignAdmin(_ReadOnlyAdmin):
    policy = campaign_policy
    list_display = ("name", "area", "starts_on", "ends_on", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [KitItemInline]


class _GrantPolicy:
    """Grants follow their station, like stock."""

    def scope(self, actor, queryset):
        return stock_policy.scope(actor, queryset)

    def can(self, actor, action, obj):
        return action == "view" and stock_policy.can(actor, "view", obj)


@admin.register(CarePackageGrant)
class CarePackageGrantAdmin(_ReadOnlyAdmin):
    policy = _GrantPolicy()
    list_display = ("created_at", "campaign", "station")
    list_select_related = ("campaign", "station")
