"""Who may see and do what in the points economy.

- Area managers (city, district, street staff) manage the earn rules and stories of their subtree,
  the rewards of merchants in their subtree, award and correct points of couriers who work in
  their subtree, and see leaderboards of their subtree. Anything outside answers 404.
- A merchant account confirms redeem codes only for rewards of its own merchants.
- A courier sees only their own balance, history and codes, and the active rewards.
"""

from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area
from nuanxin.merchants.permissions import is_merchant_account
from nuanxin.stations.permissions import is_area_manager

__all__ = [
    "can_confirm_for",
    "can_manage_area",
    "courier_scope",
    "is_manager",
    "is_merchant_account",
    "reward_scope",
    "rule_scope",
    "story_scope",
]


def is_manager(actor):
    return is_superuser(actor) or is_area_manager(actor)


def can_manage_area(actor, area):
    return is_manager(actor) and object_in_actor_area(actor, area)


def rule_scope(actor, queryset):
    return area_scope(actor, queryset) if is_manager(actor) else queryset.none()


def story_scope(actor, queryset):
    return area_scope(actor, queryset) if is_manager(actor) else queryset.none()


def reward_scope(actor, queryset):
    return area_scope(actor, queryset, area_field="merchant__area") if is_manager(actor) else queryset.none()


def courier_scope(actor, queryset):
    """Couriers whose work street lies in the actor's subtree (a courier without one: superusers only)."""
    return area_scope(actor, queryset, area_field="work_area") if is_manager(actor) else queryset.none()


def can_confirm_for(actor, reward):
    return is_merchant_account(actor) and reward.merchant.accounts.filter(pk=actor.pk).exists()
