"""Who may see and run events.

Staff side (one rule for the API, the admin and the demo):
- superuser: everything;
- city, district and street staff and stations' stewards (who run events on the ground): the
  events whose area lies in their own area subtree — create, edit, publish, cancel, see the
  sign-ups, scan tickets, record attendance, write the closing report;
- everyone else (department handlers, merchants, counselors, couriers, anonymous): nothing.
An event outside the actor's area answers 404 (missing and forbidden alike).

Courier side: a courier sees published, cancelled and closed events meant for them
(`courier_event_scope`: audience "all", or "area" and their work street lies in the event's area)
and only their own sign-ups.
"""

from django.db.models import Q

from nuanxin.accounts.models import AREA_MANAGER_ROLES, Role
from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

from .models import Event

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
EVENT_ACTIONS = frozenset({VIEW, ADD, CHANGE})

EVENT_MANAGER_ROLES = frozenset(AREA_MANAGER_ROLES | {Role.STEWARD})


def is_event_manager(actor):
    """An active staff account of an event-running role, bound to an area."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in EVENT_MANAGER_ROLES
        and actor.area_id is not None
    )


class EventPolicy:
    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_event_manager(actor):
            return area_scope(actor, queryset)
        return queryset.none()

    def can(self, actor, action, obj):
        """May `actor` do `action` to `obj` (an Event, a row with `.area`, or None: to some event)."""
        if action not in EVENT_ACTIONS:
            return False
        if is_superuser(actor):
            return True
        if not is_event_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


event_policy = EventPolicy()


def require_event_manager(actor):
    """Refuse (403) anyone but a superuser or an event manager: the staff API's first check."""
    if not (is_superuser(actor) or is_event_manager(actor)):
        raise PermissionDenied()
    return actor


COURIER_VISIBLE_STATUSES = (Event.Status.PUBLISHED, Event.Status.CANCELLED, Event.Status.CLOSED)


def courier_event_scope(courier, queryset):
    """The events a courier may see: not drafts; audience "all", or "area" covering their street."""
    queryset = queryset.filter(status__in=COURIER_VISIBLE_STATUSES)
    audience_all = Q(audience=Event.Audience.ALL_COURIERS)
    work_area = courier.work_area if courier.work_area_id else None
    if work_area is None:
        return queryset.filter(audience_all)
    # The event's area is an ancestor-or-self of the courier's street: its path is a prefix.
    ancestor_paths = _ancestor_paths(work_area.path)
    return queryset.filter(
        audience_all | Q(audience=Event.Audience.AREA_COURIERS, area__path__in=ancestor_paths)
    )


def _ancestor_paths(path):
    """ "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: index + 1]) + "/" for index in range(len(codes))]


def courier_may_join(courier, event):
    """Is the courier in the event's audience?"""
    if event.audience == Event.Audience.ALL_COURIERS:
        return True
    return courier.work_area_id is not None and courier.work_area.path.startswith(event.area.path)
