"""Who may see and act on the deliberation hall.

- Everyone, signed in or not: the public board and an item's public page (title, text, category,
  street, place rounded to ~100 m, support count, status, department, published answers,
  milestones). Never the author, never a draft answer.
- A courier: raises items and orders from the menu (their work street must be set), supports other
  couriers' open items once each, and sees their own items (`courier_item_scope`).
- City, district and street staff (area managers): the items whose street lies in their subtree —
  view (with drafts and the author's masked phone), route, draft and publish answers, record
  milestones. An item of another area answers 404 on read and write alike.
- Department handlers (`reports.permissions.is_department_handler`): the items routed to a
  department they belong to (`Department.handlers`) — view, draft and publish answers, record
  milestones; not route. Another department's item answers 404.
- Everyone else (stewards, merchants, counselors): nothing on the staff side.
"""

from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import AreaManagerPolicy, is_area_manager, is_superuser
from nuanxin.reports.permissions import is_department_handler

VIEW = "view"
ROUTE = "route"
ANSWER = "answer"
PUBLISH = "publish"
MILESTONE = "milestone"
CHANGE = "change"

STAFF_ACTIONS = frozenset({VIEW, ROUTE, ANSWER, PUBLISH, MILESTONE, CHANGE})
# What a handler may do to an item of their department. CHANGE opens the admin's change form, whose
# routing field is shown to them read-only.
HANDLER_ACTIONS = frozenset({VIEW, ANSWER, PUBLISH, MILESTONE, CHANGE})


def _handled_departments(actor):
    from nuanxin.reports.models import Department

    return Department.objects.filter(handlers=actor)


class HallPolicy(AreaManagerPolicy):
    """Area managers of the item's street (and above), plus the handlers of its department."""

    def scope(self, actor, queryset):
        if is_department_handler(actor) and not is_superuser(actor):
            # A subquery, not a join on handlers: no duplicate rows, so the scope can be locked
            # (select_for_update) and counted as it is.
            return queryset.filter(department__in=_handled_departments(actor))
        return super().scope(actor, queryset)

    def can(self, actor, action, obj):
        if is_department_handler(actor) and not is_superuser(actor):
            if action not in HANDLER_ACTIONS:
                return False
            return obj is None or (
                obj.department_id is not None and obj.department.handlers.filter(pk=actor.pk).exists()
            )
        return super().can(actor, action, obj)


hall_policy = HallPolicy(STAFF_ACTIONS)


def is_hall_staff(actor):
    return is_superuser(actor) or is_area_manager(actor) or is_department_handler(actor)


def require_hall_staff(actor):
    """Refuse (403) anyone with no staff side in the hall: the staff API's first check."""
    if not is_hall_staff(actor):
        raise PermissionDenied()
    return actor


def courier_item_scope(courier, queryset):
    """A courier's own items."""
    return queryset.filter(author=courier)
