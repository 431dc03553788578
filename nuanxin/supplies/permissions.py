"""Who may see and move stock, and run care package campaigns.

- Supply items: a city-wide list — read by area managers and stewards, maintained by city staff
  (the stations app's `CityListPolicy`).
- Stock (balances, movements) follows its station: area managers of the station's subtree and the
  station's own steward may view it, take stock in, hand out and give care packages
  (`can_manage_stock` = the station policy's "change").
- Campaigns: area managers of the subtree create and change them; a steward sees the campaigns
  that cover one of their stations (a campaign of the district covers its streets).
- Couriers see only their own care packages. Everyone else: nothing.
An object outside the actor's scope answers 404, never 403, so ids cannot be probed.
"""

from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area
from nuanxin.stations.models import Station
from nuanxin.stations.permissions import (
    CHANGE,
    CityListPolicy,
    is_area_manager,
    is_steward,
    station_part_policy,
    station_policy,
    station_scope,
)

VIEW = "view"
ADD = "add"
DELETE = "delete"

supply_item_policy = CityListPolicy(deletable=False, stewards_read=True)
# Balances and movements have a `station`: they follow it.
stock_policy = station_part_policy


def can_manage_stock(actor, station):
    return station_policy.can(actor, CHANGE, station)


def stock_station_scope(actor):
    """Stations whose stock `actor` may see and move."""
    return station_scope(actor, Station.objects.all())


def _ancestor_paths(path):
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


class CampaignPolicy:
    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset)
        if is_steward(actor):
            paths = set()
            for area_path in Station.objects.filter(steward=actor).values_list("area__path", flat=True):
                paths.update(_ancestor_paths(area_path))
            return queryset.filter(area__path__in=paths) if paths else queryset.none()
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in {VIEW, ADD, CHANGE, DELETE}:
            return False
        if is_superuser(actor):
            return True
        if is_area_manager(actor):
            return obj is None or object_in_actor_area(actor, obj.area)
        if is_steward(actor) and action == VIEW:
            return obj is None or self.scope(actor, type(obj).objects.filter(pk=obj.pk)).exists()
        return False


campaign_policy = CampaignPolicy()


def station_in_campaign_area(station, campaign):
    return station.area.path.startswith(campaign.area.path)


__all__ = [
    "campaign_policy",
    "can_manage_stock",
    "stock_policy",
    "stock_station_scope",
    "supply_item_policy",
]
