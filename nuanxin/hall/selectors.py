"""Reads of the deliberation hall, always through a scope.

- `board_list` / `item_get_public`: the public board — every item, no author, no drafts;
- `item_list_for_courier` / `item_get_for_courier`: a courier's own items;
- `item_list_for_staff` / `item_get_for_staff`: items of the actor's area subtree (department
  handlers: of their departments), drafts included.
`*_get` answer NotFound alike for a missing item and one the actor may not see.
"""

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, Value, When

from nuanxin.areas.models import Area
from nuanxin.core.permissions import get_visible_or_404

from . import transitions
from .models import HallAnswer, HallItem, HallMilestone, HallSupport
from .permissions import courier_item_scope, hall_policy

_STATUS_ORDER = Case(
    *[When(status=status, then=Value(rank)) for status, rank in transitions.STATUS_RANK.items()],
    output_field=IntegerField(),
)
OPEN = "open"
CLOSED = "closed"


def _published_answers():
    return Prefetch(
        "answers",
        queryset=HallAnswer.objects.filter(published_at__isnull=False).order_by("published_at", "id"),
        to_attr="published_answers",
    )


def _filter(queryset, *, area_code=None, status=None, category=None):
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    if status == OPEN:
        queryset = queryset.exclude(status__in=transitions.CLOSED_STATUSES)
    elif status == CLOSED:
        queryset = queryset.filter(status__in=transitions.CLOSED_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category=category)
    return queryset


def board_list(*, area_code=None, status=None, category=None):
    """The public board: open items before closed ones, then most supported first, then newest.
    `status` is a status value, "open" or "closed"."""
    queryset = _filter(
        HallItem.objects.select_related("area", "menu_item", "department"),
        area_code=area_code,
        status=status,
        category=category,
    )
    closed_last = Case(
        When(status__in=transitions.CLOSED_STATUSES, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.order_by(closed_last, "-support_count", _STATUS_ORDER, "-created_at", "-id")


def item_get_public(*, public_id):
    queryset = HallItem.objects.select_related("area", "menu_item", "department").prefetch_related(
        _published_answers(), "milestones"
    )
    return get_visible_or_404(queryset, public_id=public_id)


def item_list_for_courier(*, courier):
    return courier_item_scope(
        courier, HallItem.objects.select_related("area", "menu_item", "department")
    ).order_by("-created_at", "-id")


def item_get_for_courier(*, courier, public_id):
    queryset = courier_item_scope(
        courier, HallItem.objects.select_related("area", "menu_item", "department")
    ).prefetch_related(_published_answers(), "milestones")
    return get_visible_or_404(queryset, public_id=public_id)


def supported_item_ids(*, courier, items):
    """The ids among `items` that `courier` supports (one query)."""
    if courier is None:
        return set()
    return set(
        HallSupport.objects.filter(courier=courier, item__in=[item.pk for item in items]).values_list(
            "item_id", flat=True
        )
    )


_STAFF_RELATED = ("area", "author", "department__area", "menu_item")


def item_list_for_staff(*, actor, area_code=None, status=None, category=None, department=None, search=None):
    """Items the actor handles (area subtree; handlers: their departments' items). `department` is a
    Department's public id (a UUID, or its text); one that is not a UUID matches nothing."""
    queryset = _filter(
        hall_policy.scope(actor, HallItem.objects.select_related(*_STAFF_RELATED)),
        area_code=area_code,
        status=status,
        category=category,
    )
    if department:
        try:
            queryset = queryset.filter(department__public_id=department)
        except (ValidationError, ValueError):
            return queryset.none()
    if search:
        queryset = queryset.filter(title__icontains=search)
    return queryset.order_by(_STATUS_ORDER, "-support_count", "-created_at", "-id")


def item_get_for_staff(*, actor, public_id):
    queryset = hall_policy.scope(actor, HallItem.objects.select_related(*_STAFF_RELATED)).prefetch_related(
        Prefetch("answers", queryset=HallAnswer.objects.order_by("created_at", "id")),
        Prefetch("milestones", queryset=HallMilestone.objects.order_by("created_at", "id")),
    )
    return get_visible_or_404(queryset, public_id=public_id)


def counts_by_status(*, actor):
    """{status: count} of the items the actor may see (for the coming dashboard)."""
    from django.db.models import Count

    rows = hall_policy.scope(actor, HallItem.objects.all()).values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}
