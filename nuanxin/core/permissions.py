"""Area scoping: the base of every model's permission policy.

A policy answers two questions with one rule: "which rows may this actor see" (`scope`) and
"may this actor do X to this object" (`can`). The API, the mobile pages and the admin all ask the
same policy, so a rule changes in one place.
"""

from django.core.exceptions import ValidationError

from .errors import NotFound


def is_superuser(actor):
    return bool(getattr(actor, "is_superuser", False) and actor.is_active)


def actor_area_path(actor):
    """The actor's area path, or None for anonymous users and accounts without an area."""
    if not getattr(actor, "is_authenticated", False):
        return None
    area = getattr(actor, "area", None)
    return area.path if area is not None else None


def area_scope(actor, queryset, *, area_field="area"):
    """Rows whose area lies in the actor's subtree; all rows for a superuser; none otherwise."""
    if is_superuser(actor):
        return queryset
    path = actor_area_path(actor)
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{area_field}__path__startswith": path})


def object_in_actor_area(actor, area):
    """True when `area` lies in the actor's subtree (superusers: always)."""
    if is_superuser(actor):
        return True
    path = actor_area_path(actor)
    return path is not None and area is not None and area.path.startswith(path)


def get_visible_or_404(queryset, **lookup):
    """Fetch one row from an already scoped queryset. Missing and forbidden answer alike."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError):
        # A malformed id (not a UUID, not a number) is "not found" too, never a 500.
        raise NotFound() from None
    except queryset.model.MultipleObjectsReturned:  # pragma: no cover - lookups are unique
        raise NotFound() from None


def is_area_manager(actor):
    """An active city, district or street staff account bound to an area."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_area_manager
        and actor.area_id is not None
    )


class AreaManagerPolicy:
    """The policy of rows that reach their area through `area_field` (a queryset path) and
    `area_attribute` (an attribute path on an object): superusers may do everything, the area
    managers of the subtree may do `actions`, nobody else anything."""

    def __init__(self, actions, *, area_attribute="area", area_field="area"):
        self.actions = frozenset(actions)
        self.area_attribute = area_attribute
        self.area_field = area_field

    def _area_of(self, obj):
        for part in self.area_attribute.split("."):
            obj = getattr(obj, part, None)
        return obj

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset, area_field=self.area_field)
        return queryset.none()

    def can(self, actor, action, obj):
        """May `actor` do `action` to `obj` (`obj=None`: to some row at all)?"""
        if action not in self.actions:
            return False
        if is_superuser(actor):
            return True
        if not is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, self._area_of(obj))
