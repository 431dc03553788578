"""Partner merchants in the back office: read-only views scoped to the staff member's area (writes
go through the API's services, which validate the accounts and time windows and audit)."""

from django.contrib import admin

from nuanxin.core.admin import AreaScopedAdminMixin

from .models import MealCode, MealOffer, Merchant, OfferWindow
from .permissions import merchant_policy, offer_policy


class _ReadOnlyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WindowInline(admin.TabularInline):
    model = OfferWindow
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(_ReadOnlyAdmin):
    policy = merchant_policy
    list_display = ("name", "kind", "area", "address", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address")
    list_select_related = ("area",)


@admin.register(MealOffer)
class MealOfferAdmin(_ReadOnlyAdmin):
    policy = offer_policy
    list_display = ("title", "merchant", "price_fen", "is_active")
    list_select_related = ("merchant",)
    inlines = [WindowInline]


class _CodePolicy:
    def scope(self, actor, queryset):
        return queryset.filter(offer__in=offer_policy.scope(actor, MealOffer.objects.all()))

    def can(self, actor, action, obj):
        return action == "view" and offer_policy.can(actor, "view", getattr(obj, "offer", None))


@admin.register(MealCode)
class MealCodeAdmin(_ReadOnlyAdmin):
    policy = _CodePolicy()
    list_display = ("created_at", "offer", "expires_at", "redeemed_at")
    list_select_related = ("offer",)
    exclude = ("nonce",)
