"""Who may see and act on needs, suggestions and forums.

Staff side (one rule for the API, the admin and the staff pages):
- superuser: everything;
- city, district and street staff (area managers): the rows whose area lies in their subtree —
  view, triage, reply, link, close, reopen; record forums;
- everyone else (stewards, department handlers, merchants, counselors, couriers, anonymous): nothing.

Courier side: a courier sees and writes only their own needs and suggestions
(`courier_need_scope` / `courier_suggestion_scope`); another courier's id answers 404.
"""

from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import (
    AreaManagerPolicy,
    is_area_manager,
    is_superuser,
    object_in_actor_area,
)

from . import transitions

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
REPLY = "reply"

NEED_ACTIONS = {VIEW, ADD, CHANGE, REPLY, transitions.TRIAGE, transitions.CLOSE, transitions.REOPEN}
SUGGESTION_ACTIONS = {VIEW, REPLY}
FORUM_ACTIONS = {VIEW, ADD, CHANGE, DELETE}


AreaManagedPolicy = AreaManagerPolicy


need_policy = AreaManagedPolicy(NEED_ACTIONS)
suggestion_policy = AreaManagedPolicy(SUGGESTION_ACTIONS)
forum_policy = AreaManagedPolicy(FORUM_ACTIONS)


def courier_need_scope(courier, queryset):
    """A courier's own needs."""
    return queryset.filter(courier=courier)


def courier_suggestion_scope(courier, queryset):
    """A courier's own suggestions."""
    return queryset.filter(courier=courier)


def can_view_area(actor, area):
    """May a staff `actor` read statistics (the needs ranking) of `area`?"""
    if area is None:
        return False
    if is_superuser(actor):
        return True
    return is_area_manager(actor) and object_in_actor_area(actor, area)


def require_area_manager(actor):
    """Refuse (403) anyone but a superuser or an area manager: the staff API's first check."""
    if not (is_superuser(actor) or is_area_manager(actor)):
        raise PermissionDenied()
    return actor
