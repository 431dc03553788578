"""Who may see and change policies.

Staff side: superusers everything; city, district and street staff (area managers) the policies
whose area lies in their subtree — write, publish, push and read the receipts. Everyone else:
nothing (404 alike for missing and forbidden).

Courier side: a courier reads the published policies that concern them — those of their work
area or of an area above it (a city policy reaches every street); a courier without a work area
sees every published policy.
"""

from nuanxin.core.permissions import (
    AreaManagerPolicy,
)

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
PUBLISH = "publish"
PUSH = "push"
ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE, PUBLISH, PUSH})


policy_policy = AreaManagerPolicy(ACTIONS)


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
