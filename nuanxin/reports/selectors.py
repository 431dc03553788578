"""Reads on street reports: queues, the courier's own list, duplicates nearby, the public map, figures.

Figures for the coming dashboard (`report_counts_by_*`, `report_handling_times`) take the actor and
count only what the actor may see (`permissions.report_scope`), optionally within `area` and a
[since, until) window on `created_at`.
"""

import datetime
import math
import statistics

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import timezone

from nuanxin.stations.geo import haversine_m

from . import permissions, transitions
from .locate import degree_box
from .models import Report, ReportEvent

DEFAULT_DUPLICATE_RADIUS_M = 50
DEFAULT_DUPLICATE_DAYS = 7
# The public map snaps points to a grid of this many degrees (about 220 m north-south in Tianjin):
# close enough to see where problems cluster, too coarse to point at a doorway or a reporter.
PUBLIC_GRID_DEGREES = 0.002


def duplicate_radius_m():
    return getattr(settings, "NUANXIN_REPORTS_DUPLICATE_RADIUS_M", DEFAULT_DUPLICATE_RADIUS_M)


def duplicate_days():
    return getattr(settings, "NUANXIN_REPORTS_DUPLICATE_DAYS", DEFAULT_DUPLICATE_DAYS)


def _detail_queryset():
    return Report.objects.select_related("category", "area", "department", "duplicate_of", "escalated_to")


def report_get_for_staff(*, actor, public_id):
    from nuanxin.core.permissions import get_visible_or_404

    return get_visible_or_404(permissions.report_scope(actor, _detail_queryset()), public_id=public_id)


def report_get_for_courier(*, courier, public_id):
    from nuanxin.core.permissions import get_visible_or_404

    queryset = permissions.courier_report_scope(courier, _detail_queryset()).prefetch_related(
        "photos", Prefetch("events", queryset=ReportEvent.objects.filter(is_public=True))
    )
    return get_visible_or_404(queryset, public_id=public_id)


def courier_report_list(*, courier):
    return (
        permissions.courier_report_scope(courier, _detail_queryset())
        .prefetch_related(Prefetch("events", queryset=ReportEvent.objects.filter(is_public=True)))
        .order_by("-created_at", "-id")
    )


def report_queue(
    *,
    actor,
    status=None,
    category=None,
    department=None,
    area=None,
    overdue=None,
    escalated=None,
    mine=False,
    now=None,
):
    """The staff queue: what the actor may see, filtered. `department="triage"`: no department yet."""
    now = now or timezone.now()
    queryset = permissions.report_scope(actor, _detail_queryset())
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category__code=category)
    if department == "triage":
        queryset = queryset.filter(department__isnull=True)
    elif department:
        queryset = queryset.filter(department__public_id=department)
    if area is not None:
        queryset = queryset.filter(area__path__startswith=area.path)
    if overdue is not None:
        late = {"status__in": transitions.OPEN_STATUSES, "due_at__lt": now}
        queryset = queryset.filter(**late) if overdue else queryset.exclude(**late)
    if escalated is not None:
        queryset = queryset.filter(escalated_at__isnull=not escalated)
    if mine:
        queryset = queryset.filter(permissions.department_queue_filter(actor))
    return queryset.order_by("due_at", "id")


def possible_duplicates(*, category, lat, lng, now=None, exclude=None):
    """Open reports of `category` within the configured radius and days of a WGS-84 point, nearest first.

    Returns [(report, distance_m)].
    """
    now = now or timezone.now()
    radius = duplicate_radius_m()
    south, north, west, east = degree_box(lat, lng, radius)
    queryset = Report.objects.filter(
        category=category,
        status__in=transitions.OPEN_STATUSES,
        created_at__gte=now - datetime.timedelta(days=duplicate_days()),
        latitude__gte=south,
        latitude__lte=north,
        longitude__gte=west,
        longitude__lte=east,
    ).select_related("category", "area")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    found = []
    for report in queryset:
        distance = haversine_m(lat, lng, report.latitude, report.longitude)
        if distance <= radius:
            found.append((report, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0].pk))


def coarsen(value):
    """Snap a coordinate to the public grid's cell centre."""
    return round((math.floor(value / PUBLIC_GRID_DEGREES) + 0.5) * PUBLIC_GRID_DEGREES, 6)


def public_map_reports(*, category=None, area=None, since=None, limit=500):
    """Reports for the public map: no rejected or duplicate ones; callers show only the safe fields."""
    queryset = Report.objects.exclude(status__in=transitions.HIDDEN_FROM_PUBLIC).select_related(
        "category", "area"
    )
    if category:
        queryset = queryset.filter(category__code=category)
    if area is not None:
        queryset = queryset.filter(area__path__startswith=area.path)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    return queryset.order_by("-created_at", "-id")[:limit]


# --- figures -----------------------------------------------------------------------------------


def _figures_scope(actor, area, since, until):
    queryset = permissions.report_scope(actor, Report.objects.all())
    if area is not None:
        queryset = queryset.filter(area__path__startswith=area.path)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def report_counts_by_status(*, actor, area=None, since=None, until=None):
    """{status: count} for every status (zeros included)."""
    counts = dict.fromkeys(Report.Status.values, 0)
    rows = _figures_scope(actor, area, since, until).values("status").annotate(n=Count("id")).order_by()
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def report_counts_by_category(*, actor, area=None, since=None, until=None):
    """{category code: count} for categories with reports."""
    rows = (
        _figures_scope(actor, area, since, until).values("category__code").annotate(n=Count("id")).order_by()
    )
    return {row["category__code"]: row["n"] for row in rows}


def report_counts_by_area(*, actor, area=None, since=None, until=None):
    """{street code: count} for streets with reports."""
    rows = _figures_scope(actor, area, since, until).values("area__code").annotate(n=Count("id")).order_by()
    return {row["area__code"]: row["n"] for row in rows}


def report_handling_times(*, actor, area=None, since=None, until=None):
    """Hours from submission to resolution of reports resolved (or closed after resolution).

    Returns {"count", "mean_hours", "median_hours", "overdue_open"}; hours are None with no data.
    """
    queryset = _figures_scope(actor, area, since, until)
    pairs = queryset.filter(resolved_at__isnull=False).values_list("created_at", "resolved_at")
    hours = [(resolved - created).total_seconds() / 3600 for created, resolved in pairs]
    overdue_open = queryset.filter(status__in=transitions.OPEN_STATUSES, due_at__lt=timezone.now()).count()
    return {
        "count": len(hours),
        "mean_hours": round(statistics.fmean(hours), 2) if hours else None,
        "median_hours": round(statistics.median(hours), 2) if hours else None,
        "overdue_open": overdue_open,
    }
