"""Who may see and change stations, and the station app's managed lists.

Each policy answers both questions with one rule: `scope(actor, queryset)` (which rows may this
actor see) and `can(actor, action, obj)` (may this actor do `action` to `obj`; `obj=None` asks
"to some object at all", which the admin uses for its module permissions). The staff API, the
staff pages and the admin all ask these policies.

Stations:
- superuser: everything;
- city, district and street staff: the stations whose area lies in their subtree — view, add,
  change, delete, set the rollout status and inspect the 六有 standard;
- a station steward: view and change the stations they steward (not add or delete, not the rollout
  status, the area or the steward, not the 六有 inspection);
- everyone else (couriers, department handlers, merchants, counselors, anonymous): nothing.

The managed lists: amenities are read by area managers and stewards, demonstration batches and
public holidays by area managers; city staff (and superusers) maintain all three. A street's
service contact table and resource list belong to the area managers of its subtree.
"""

from nuanxin.accounts.models import Role
from nuanxin.core.permissions import area_scope, is_area_manager, is_superuser, object_in_actor_area

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
# Station-only actions beyond the admin's four.
SET_STATUS = "set_status"
INSPECT = "inspect"

STATION_ACTIONS = {VIEW, ADD, CHANGE, DELETE, SET_STATUS, INSPECT}
STEWARD_ACTIONS = {VIEW, CHANGE}
# Fields of a station that only area managers may change: a steward edits everything else.
MANAGER_ONLY_FIELDS = ("area", "steward", "status", "demonstration_batch")


def _is_active_user(actor):
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def is_steward(actor):
    return _is_active_user(actor) and actor.role == Role.STEWARD


def station_scope(actor, queryset):
    """The stations `actor` may see: their subtree for area managers, their own for stewards."""
    if is_superuser(actor):
        return queryset
    if is_area_manager(actor):
        return area_scope(actor, queryset)
    if is_steward(actor):
        return queryset.filter(steward=actor)
    return queryset.none()


def can_view_station(actor, station):
    return station_policy.can(actor, VIEW, station)


def can_change_station(actor, station):
    return station_policy.can(actor, CHANGE, station)


def can_delete_station(actor, station):
    return station_policy.can(actor, DELETE, station)


def can_set_station_status(actor, station):
    return station_policy.can(actor, SET_STATUS, station)


def can_inspect_station(actor, station):
    return station_policy.can(actor, INSPECT, station)


def can_create_station_in(actor, area):
    """True when `actor` may create a station in `area` (which must lie in their subtree)."""
    if area is None:
        return False
    if is_superuser(actor):
        return True
    return is_area_manager(actor) and object_in_actor_area(actor, area)


class StationPolicy:
    """The station rule table, for `scope` and `can`."""

    def scope(self, actor, queryset):
        return station_scope(actor, queryset)

    def can(self, actor, action, obj):
        if action not in STATION_ACTIONS:
            return False
        if is_superuser(actor):
            return True
        if is_area_manager(actor):
            return obj is None or object_in_actor_area(actor, obj.area)
        if is_steward(actor) and action in STEWARD_ACTIONS:
            return obj is None or (obj.steward_id is not None and obj.steward_id == actor.pk)
        return False


class StationPartPolicy:
    """Rows that belong to a station (photos, contacts, 六有 checks): they follow their station."""

    def __init__(self, station_action_for=None):
        # How the part's own action maps to a station action (e.g. a 六有 check's change = inspect).
        self.station_action_for = station_action_for or {}

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset, area_field="station__area")
        if is_steward(actor):
            return queryset.filter(station__steward=actor)
        return queryset.none()

    def can(self, actor, action, obj):
        station_action = self.station_action_for.get(action, action if action == VIEW else CHANGE)
        return station_policy.can(actor, station_action, getattr(obj, "station", None))


class AreaRowPolicy:
    """A street's service contact table and resource list: area managers of the subtree."""

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
        if not is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


class CityListPolicy:
    """Lists shared by the whole deployment (amenities, demonstration batches, public holidays):
    every area manager may read them, city staff maintain them. `deletable=False` keeps rows that
    other data points at by number (an amenity's bit) from ever being deleted: deactivate instead."""

    def __init__(self, *, deletable=True, stewards_read=False):
        self.deletable = deletable
        # Stewards edit their station's amenities, so they read the amenity list.
        self.stewards_read = stewards_read

    def _may_read(self, actor):
        return is_superuser(actor) or is_area_manager(actor) or (self.stewards_read and is_steward(actor))

    def scope(self, actor, queryset):
        return queryset if self._may_read(actor) else queryset.none()

    def can(self, actor, action, obj):
        if action == DELETE and not self.deletable:
            return False
        if action not in {VIEW, ADD, CHANGE, DELETE}:
            return False
        if is_superuser(actor):
            return True
        if action == VIEW:
            return self._may_read(actor)
        return is_area_manager(actor) and actor.role == Role.CITY_STAFF


station_policy = StationPolicy()
station_part_policy = StationPartPolicy()
standard_check_policy = StationPartPolicy({VIEW: VIEW, ADD: INSPECT, CHANGE: INSPECT, DELETE: INSPECT})
area_row_policy = AreaRowPolicy()
amenity_policy = CityListPolicy(deletable=False, stewards_read=True)
city_list_policy = CityListPolicy()
