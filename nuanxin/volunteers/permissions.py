"""Who may run volunteer teams.

- superuser: everything;
- city, district and street staff and stations' stewards (community staff on the ground): the teams
  whose area lies in their own area subtree, with their applications, activities, shifts, sign-ups,
  hours approvals, corrections, record entries and certificates;
- couriers: only their own volunteer profile, sign-ups, record and certificates;
- everyone else: nothing. Another area's rows answer 404 (missing and forbidden alike).
"""

from nuanxin.accounts.models import AREA_MANAGER_ROLES, Role
from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import is_superuser

VOLUNTEER_MANAGER_ROLES = frozenset(AREA_MANAGER_ROLES | {Role.STEWARD})


def is_volunteer_manager(actor):
    if is_superuser(actor):
        return True
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in VOLUNTEER_MANAGER_ROLES
        and actor.area_id is not None
    )


def require_volunteer_manager(actor):
    """Refuse (403) anyone who may not run volunteer teams at all."""
    if not is_volunteer_manager(actor):
        raise PermissionDenied()
    return actor
