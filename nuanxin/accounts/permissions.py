"""Who may see and manage which staff accounts.

The rule, one place for the admin, the API and the services:
- a superuser sees and manages every account, and is the only one who may create a superuser or
  make an account one;
- city, district and street staff (area managers) see and manage the staff accounts bound to an
  area inside their own subtree, and only those whose role is at or below their own level: city
  staff manage district and street staff, district staff manage street staff, and every area
  manager manages the roles without management power (steward, department handler, merchant,
  counselor) of their subtree. Peers count as "at their level": a street's staff manage the other
  staff accounts of the same street. Superuser accounts and courier accounts are never in scope;
- everyone else (stewards, handlers, merchants, counselors, couriers, anonymous): no accounts.

The same rule decides what an area manager may assign: a role they may manage and an area inside
their subtree (`can_assign`). So an account can never be lifted above its creator, nor moved out of
the creator's subtree.
"""

from nuanxin.core.permissions import is_superuser, object_in_actor_area

from .models import STAFF_ROLES, Role

VIEW = "view"
ADD = "add"
CHANGE = "change"
DEACTIVATE = "deactivate"
DELETE = "delete"
ACTIONS = {VIEW, ADD, CHANGE, DEACTIVATE, DELETE}

# The level of each management role: a lower number manages more. Roles without management power
# are below every manager.
MANAGER_RANK = {Role.CITY_STAFF: 2, Role.DISTRICT_STAFF: 3, Role.STREET_STAFF: 4}
_BELOW_EVERY_MANAGER = 99


def role_rank(role):
    return MANAGER_RANK.get(role, _BELOW_EVERY_MANAGER)


def is_account_manager(actor):
    """An active city, district or street staff account bound to an area."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in MANAGER_RANK
        and actor.area_id is not None
    )


def manageable_roles(actor):
    """The roles `actor` may see, give and take away (a frozenset of Role values)."""
    if is_superuser(actor):
        return frozenset(STAFF_ROLES)
    if not is_account_manager(actor):
        return frozenset()
    own = role_rank(actor.role)
    return frozenset(role for role in STAFF_ROLES if role_rank(role) >= own)


def user_scope(actor, queryset):
    """The accounts `actor` may see in the back office and the API."""
    if is_superuser(actor):
        return queryset
    if not is_account_manager(actor):
        return queryset.none()
    return queryset.filter(
        area__path__startswith=actor.area.path,
        role__in=manageable_roles(actor),
        is_superuser=False,
    )


def can_assign(actor, role, area):
    """May `actor` give an account `role` bound to `area`? (Level rules are the service's job.)"""
    if is_superuser(actor):
        return True
    return role in manageable_roles(actor) and area is not None and object_in_actor_area(actor, area)


def can_grant_superuser(actor):
    return is_superuser(actor)


class UserPolicy:
    """`scope(actor, queryset)` and `can(actor, action, obj)` for staff accounts.

    `obj=None` asks "any account at all" (the admin's module permission). Deleting is for
    superusers only; everyone else deactivates.
    """

    def scope(self, actor, queryset):
        return user_scope(actor, queryset)

    def can(self, actor, action, obj):
        if action not in ACTIONS:
            return False
        if is_superuser(actor):
            return True
        if action == DELETE or not is_account_manager(actor):
            return False
        if obj is None:
            return True
        return (
            not obj.is_superuser
            and obj.role in manageable_roles(actor)
            and object_in_actor_area(actor, obj.area if obj.area_id else None)
        )


user_policy = UserPolicy()
