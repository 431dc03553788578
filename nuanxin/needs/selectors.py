"""Reads of needs, suggestions and forums, always through a permission scope.

`*_get` answers NotFound alike for a missing row and one the actor may not see.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.core.permissions import get_visible_or_404

from . import transitions
from .models import Forum, Need, NeedCategory, Suggestion
from .permissions import (
    can_view_area,
    courier_need_scope,
    courier_suggestion_scope,
    forum_policy,
    need_policy,
    suggestion_policy,
)

PERIOD_UNKNOWN = _("Choose week or month.")
PERIOD_COUNT_RANGE = _("Choose between 1 and 52 periods.")

WEEK = "week"
MONTH = "month"
PERIODS = (WEEK, MONTH)
MAX_PERIODS = 52


# --- needs -------------------------------------------------------------------------------------


def need_list_for_staff(*, actor, area_code=None, status=None, category=None, source=None, search=None):
    """The needs the actor may see, newest first, filtered. An unknown or foreign area gives none."""
    queryset = need_policy.scope(actor, Need.objects.all()).select_related(
        "area", "courier", "linked_station", "linked_service_contact", "linked_resource"
    )
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category=category)
    if source:
        queryset = queryset.filter(source=source)
    if search:
        queryset = queryset.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return queryset.order_by("-created_at", "-id")


def need_get_for_staff(*, actor, public_id):
    queryset = need_policy.scope(actor, Need.objects.all()).select_related(
        "area", "courier", "linked_station", "linked_service_contact", "linked_resource", "replied_by"
    )
    return get_visible_or_404(queryset, public_id=public_id)


def need_events(need):
    return list(need.events.select_related("actor").order_by("occurred_at", "id"))


def need_list_for_courier(*, courier):
    return (
        courier_need_scope(courier, Need.objects.all())
        .select_related("linked_station", "linked_service_contact", "linked_resource")
        .order_by("-created_at", "-id")
    )


def need_get_for_courier(*, courier, public_id):
    queryset = courier_need_scope(courier, Need.objects.all()).select_related(
        "linked_station", "linked_service_contact", "linked_resource"
    )
    return get_visible_or_404(queryset, public_id=public_id)


# --- the ranked, dynamic needs list ------------------------------------------------------------


def _period_starts(period, count, today):
    """The first day of each of the last `count` weeks (Mondays) or months, oldest first."""
    if period == WEEK:
        this_week = today - datetime.timedelta(days=today.weekday())
        return [this_week - datetime.timedelta(weeks=offset) for offset in range(count - 1, -1, -1)]
    starts = []
    year, month = today.year, today.month
    for _offset in range(count):
        starts.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


def _period_label(period, start):
    if period == WEEK:
        iso_year, iso_week, _day = start.isocalendar()
        return f"{iso_year}-W{iso_week:02d}"
    return f"{start.year}-{start.month:02d}"


def need_ranking(*, actor, area_code=None, period=WEEK, periods=None, today=None):
    """Needs of an area by category, ranked by how many were raised in the window, with the trend.

    The window is the last `periods` weeks or months (this one included; default 12). Each
    category gets its count per period, the window total, how many are still open (new or in
    progress, whenever raised) and the change of the last period against the one before.
    Categories with no need at all are listed too (with zeros), after the others.

    Raises ValidationFailed (bad period), NotFound (unknown area or outside the actor's).
    """
    if period not in PERIODS:
        raise ValidationFailed({"period": [PERIOD_UNKNOWN]})
    periods = 12 if periods is None else periods
    if not 1 <= periods <= MAX_PERIODS:
        raise ValidationFailed({"periods": [PERIOD_COUNT_RANGE]})
    area = Area.objects.filter(code=area_code).first() if area_code else getattr(actor, "area", None)
    if area is None or not can_view_area(actor, area):
        raise NotFound()

    today = today or timezone.localdate()
    starts = _period_starts(period, periods, today)
    window_start = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    needs = Need.objects.filter(area__path__startswith=area.path)
    truncate = TruncWeek if period == WEEK else TruncMonth
    rows = (
        needs.filter(created_at__gte=window_start)
        .annotate(bucket=truncate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("category", "bucket")
        .annotate(count=Count("id"))
        .order_by()
    )
    index = {start: position for position, start in enumerate(starts)}
    trend = defaultdict(lambda: [0] * periods)
    for row in rows:
        bucket = row["bucket"]
        bucket_date = timezone.localtime(bucket).date() if isinstance(bucket, datetime.datetime) else bucket
        position = index.get(bucket_date)
        if position is not None:
            trend[row["category"]][position] += row["count"]
    open_counts = dict(
        needs.filter(status__in=transitions.OPEN_STATUSES)
        .values("category")
        .annotate(count=Count("id"))
        .values_list("category", "count")
        .order_by()
    )
    all_time = dict(
        needs.values("category").annotate(count=Count("id")).values_list("category", "count").order_by()
    )
    categories = []
    for value, label in NeedCategory.choices:
        counts = trend[value]
        categories.append(
            {
                "category": value,
                "label": str(label),
                "total": sum(counts),
                "open": open_counts.get(value, 0),
                "all_time": all_time.get(value, 0),
                "trend": counts,
                "change": counts[-1] - (counts[-2] if periods > 1 else 0),
            }
        )
    order = {value: position for position, value in enumerate(NeedCategory.values)}
    categories.sort(
        key=lambda item: (-item["total"], -item["open"], -item["all_time"], order[item["category"]])
    )
    for rank, item in enumerate(categories, start=1):
        item["rank"] = rank
    return {
        "area": area,
        "period": period,
        "periods": [_period_label(period, start) for start in starts],
        "period_starts": starts,
        "categories": categories,
        "total": sum(item["total"] for item in categories),
        "open": sum(item["open"] for item in categories),
    }


# --- suggestions -------------------------------------------------------------------------------


def suggestion_list_for_staff(*, actor, area_code=None, status=None):
    queryset = suggestion_policy.scope(actor, Suggestion.objects.all()).select_related("area", "courier")
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def suggestion_get_for_staff(*, actor, public_id):
    queryset = suggestion_policy.scope(actor, Suggestion.objects.all()).select_related("area", "courier")
    return get_visible_or_404(queryset, public_id=public_id)


def suggestion_list_for_courier(*, courier):
    return courier_suggestion_scope(courier, Suggestion.objects.all()).order_by("-created_at", "-id")


def suggestion_get_for_courier(*, courier, public_id):
    return get_visible_or_404(
        courier_suggestion_scope(courier, Suggestion.objects.all()), public_id=public_id
    )


# --- forums ------------------------------------------------------------------------------------


def _forums(actor):
    return (
        forum_policy.scope(actor, Forum.objects.all())
        .select_related("area")
        .prefetch_related("couriers", "staff")
        .annotate(need_count=Count("needs"))
    )


def forum_list_for_staff(*, actor, area_code=None):
    queryset = _forums(actor)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    return queryset.order_by("-held_on", "-id")


def forum_get_for_staff(*, actor, public_id):
    queryset = _forums(actor)
    return get_visible_or_404(queryset, public_id=public_id)
