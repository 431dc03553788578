"""Reads on supplies, each scoped by the policies (a row outside the actor's scope is not there)."""

from django.db.models import F

from nuanxin.core.permissions import get_visible_or_404

from .models import CarePackageCampaign, CarePackageGrant, StockBalance, StockMovement, SupplyItem
from .permissions import campaign_policy, stock_policy, stock_station_scope, supply_item_policy


def supply_item_list(*, actor, include_inactive=False):
    items = supply_item_policy.scope(actor, SupplyItem.objects.all())
    return items if include_inactive else items.filter(is_active=True)


def supply_item_get(*, actor, public_id):
    return get_visible_or_404(supply_item_list(actor=actor, include_inactive=True), public_id=public_id)


def stock_station_get(*, actor, public_id):
    """A station whose stock the actor manages, or NotFound."""
    return get_visible_or_404(stock_station_scope(actor).select_related("area"), public_id=public_id)


def stock_balance_list(*, actor, station=None):
    balances = stock_policy.scope(actor, StockBalance.objects.all()).select_related("station", "item")
    if station is not None:
        balances = balances.filter(station=station)
    return balances.order_by("station__name", "item__name")


def stock_low_list(*, actor):
    """Balances at or below their low-stock threshold, emptiest first."""
    return (
        stock_balance_list(actor=actor)
        .filter(quantity__lte=F("low_stock_threshold"))
        .order_by("quantity", "station__name", "item__name")
    )


def stock_movement_list(*, actor, station=None, item=None):
    movements = stock_policy.scope(actor, StockMovement.objects.all()).select_related(
        "station", "item", "courier", "actor"
    )
    if station is not None:
        movements = movements.filter(station=station)
    if item is not None:
        movements = movements.filter(item=item)
    return movements


def campaign_list(*, actor):
    return campaign_policy.scope(actor, CarePackageCampaign.objects.all()).select_related("area")


def campaign_get(*, actor, public_id):
    return get_visible_or_404(campaign_list(actor=actor), public_id=public_id)


def care_package_list_for_courier(*, courier):
    return (
        CarePackageGrant.objects.filter(courier=courier)
        .select_related("campaign", "station")
        .prefetch_related("campaign__kit_items__item")
    )


def campaign_grant_list(*, actor, campaign):
    """The packages of `campaign` given at stations whose stock the actor manages."""
    return (
        campaign.grants.filter(station__in=stock_station_scope(actor))
        .select_related("station", "courier")
        .order_by("-created_at")
    )
