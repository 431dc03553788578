"""Who may see and change merchants and offers, and who may confirm a meal code.

- Area managers (city, district, street staff) manage the merchants whose area lies in their
  subtree, and their offers.
- A merchant account (role: partner merchant) sees its own merchants' offers and confirms codes
  only for them; a code for another merchant's offer is refused.
- Couriers see the active offers of active merchants (public), and only their own codes.
"""

from nuanxin.accounts.models import Role
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area
from nuanxin.stations.permissions import is_area_manager

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"


def is_merchant_account(actor):
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.role == Role.MERCHANT)


class MerchantPolicy:
    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset)
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in {VIEW, ADD, CHANGE, DELETE}:
            return False
        if is_superuser(actor):
            return True
        return is_area_manager(actor) and (obj is None or object_in_actor_area(actor, obj.area))


class OfferPolicy:
    """Offers follow their merchant."""

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset, area_field="merchant__area")
        return queryset.none()

    def can(self, actor, action, obj):
        if obj is None:
            return merchant_policy.can(actor, action, None)
        # Adding, changing or deleting an offer changes its merchant.
        return merchant_policy.can(actor, VIEW if action == VIEW else CHANGE, obj.merchant)


merchant_policy = MerchantPolicy()
offer_policy = OfferPolicy()


def merchant_account_offer_scope(actor, queryset):
    """The offers of the merchants this merchant account belongs to."""
    if not is_merchant_account(actor):
        return queryset.none()
    return queryset.filter(merchant__accounts=actor)


def can_confirm_for(actor, offer):
    return is_merchant_account(actor) and offer.merchant.accounts.filter(pk=actor.pk).exists()
