"""Who may see and change the catalog, the posters, the visits and the service records.

- superuser: everything;
- city, district and street staff (area managers): the rows whose area lies in their subtree —
  the catalog (view, add, change, delete), posters (issue, revoke), visits (record) and records
  (view);
- a station steward: the posters, visits and records of the stations they steward (view, add —
  i.e. record a visit, issue a poster — and change — revoke a poster); not the catalog;
- everyone else (couriers, merchants, anonymous): nothing here. Couriers see the published
  catalog through the public selectors and their own visits through `courier=`.
A row outside the actor's reach answers 404 alike for missing and forbidden.
"""

from nuanxin.accounts.models import Role
from nuanxin.core.permissions import area_scope, is_area_manager, is_superuser, object_in_actor_area

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"


def _active(actor):
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def is_steward(actor):
    return _active(actor) and actor.role == Role.STEWARD


class CatalogPolicy:
    """Service items: area managers of the item's area subtree."""

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset)
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in (VIEW, ADD, CHANGE, DELETE):
            return False
        if is_superuser(actor):
            return True
        if not is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


class StationRowPolicy:
    """Rows tied to a station (posters, visits, records): area managers by area, stewards by station.

    `area_field` is the lookup to the row's area; `station_attribute` the attribute holding its
    station (None for a record kept without a station: then only area managers see it).
    """

    def __init__(self, *, area_field, actions, steward_actions):
        self.area_field = area_field
        self.actions = frozenset(actions)
        self.steward_actions = frozenset(steward_actions)

    def _area_of(self, obj):
        for part in self.area_field.split("__"):
            obj = getattr(obj, part, None)
        return obj

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset, area_field=self.area_field)
        if is_steward(actor):
            return queryset.filter(station__steward=actor)
        return queryset.none()

    def can(self, actor, action, obj):
        if is_superuser(actor):
            return action in self.actions
        if is_area_manager(actor):
            return action in self.actions and (obj is None or object_in_actor_area(actor, self._area_of(obj)))
        if is_steward(actor):
            station = getattr(obj, "station", None) if obj is not None else None
            return action in self.steward_actions and (
                obj is None or getattr(station, "steward_id", None) == actor.pk
            )
        return False


def can_serve_station(actor, station):
    """May `actor` record visits and issue posters at `station`?"""
    if is_superuser(actor):
        return True
    if is_area_manager(actor):
        return object_in_actor_area(actor, station.area)
    return is_steward(actor) and station.steward_id == actor.pk


catalog_policy = CatalogPolicy()
poster_policy = StationRowPolicy(
    area_field="station__area", actions={VIEW, ADD, CHANGE}, steward_actions={VIEW, ADD, CHANGE}
)
visit_policy = StationRowPolicy(area_field="station__area", actions={VIEW, ADD}, steward_actions={VIEW, ADD})
record_policy = StationRowPolicy(area_field="area", actions={VIEW}, steward_actions={VIEW})
