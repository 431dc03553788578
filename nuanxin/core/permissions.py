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
