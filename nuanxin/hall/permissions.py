"""Who may see and act on the deliberation hall.

- Everyone, signed in or not: the public board and an item's public page (title, text, category,
  street, place rounded to ~100 m, support count, status, department, published answers,
  milestones). Never the author, never a draft answer.
- A courier: raises items and orders from the menu (their work street must be set), supports other
  couriers' open items once each, and sees their own items (`courier_item_scope`).
- City, district and street staff (area managers): the items whose street lies in their subtree —
  view (with drafts and the author's masked phone), route, draft and publish answers, record
  milestones. An item of another area answers 404 on read and write alike.
- Everyone else (stewards, department handlers, merchants, counselors): nothing on the staff side.
"""

from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import (
    AreaManagerPolicy,
    is_area_manager,
    is_superuser,
)

VIEW = "view"
ROUTE = "route"
ANSWER = "answer"
PUBLISH = "publish"
MILESTONE = "milestone"
CHANGE = "change"

STAFF_ACTIONS = frozenset({VIEW, ROUTE, ANSWER, PUBLISH, MILESTONE, CHANGE})


hall_policy = AreaManagerPolicy(STAFF_ACTIONS)


def courier_item_scope(courier, queryset):
    """A courier's own items."""
    return queryset.filter(author=courier)


def require_area_manager(actor):
    """Refuse (403) anyone but a superuser or an area manager: the staff API's first check."""
    if not (is_superuser(actor) or is_area_manager(actor)):
        raise PermissionDenied()
    return actor
