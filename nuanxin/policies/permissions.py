"""Who may see and change policies.

Staff side: superusers everything; city, district and street staff (area managers) the policies
whose area lies in their subtree — write, publish, push and read the receipts. Everyone else:
nothing (404 alike for missing and forbidden).

Courier side: a courier reads the published policies that concern them — those of their work
area or of an area above it (a city policy reaches every street); a courier without a work area
sees every published policy.
"""

from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
PUBLISH = "publish"
PUSH = "push"
ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE, PUBLISH, PUSH})


def is_area_manager(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_area_manager
        and actor.area_id is not None
    )


class PolicyPolicy:
    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset)
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in ACTIONS:
            return False
        if is_superuser(actor):
            return True
        if not is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


policy_policy = PolicyPolicy()


def courier_policy_scope(courier, queryset):
    """The published policies that concern `courier` (see the module docstring)."""
    from .models import Policy

    queryset = queryset.filter(status=Policy.Status.PUBLISHED)
    area = courier.work_area
    if area is None:
        return queryset
    parts = [part for part in area.path.split("/") if part]
    paths = ["/" + "/".join(parts[: index + 1]) + "/" for index in range(len(parts))]
    return queryset.filter(area__path__in=paths)
