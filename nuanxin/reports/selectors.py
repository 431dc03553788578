"""Reads on street reports: queues, the courier's own list, duplicates nearby, the public map, figures.

Figures for the coming dashboard (`report_counts_by_*`, `report_handling_times`) take the actor and
count only what the actor may see (`permissions.report_scope`), optionally within `area` and a
[since, until) window on `created_at`.
"""

import datetime
import math
import re
import statistics

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from nuanxin.core.permissions import actor_area_path, is_area_manager, is_superuser
from nuanxin.stations.geo import haversine_m

from . import permissions, transitions
from .locate import degree_box
from .models import Department, Report, ReportEvent, ReportPhoto

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


# --- the staff queue pages (/staff/reports/) ----------------------------------------------------

# A report's number on the staff pages: the first 8 hex digits of its public id, upper case. Short
# enough to read out on the phone, and it is the public id, so nothing new is stored.
NUMBER_LENGTH = 8
QUEUE_SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "submitted": ("created_at", "id"),
    "-submitted": ("-created_at", "-id"),
}
_HEX = re.compile(r"[0-9a-f]+")
# Where the canonical text of a UUID has its hyphens (after 8, 12, 16 and 20 hex digits).
_UUID_GROUPS = (8, 4, 4, 4, 12)


def report_number(report):
    return report.public_id.hex[:NUMBER_LENGTH].upper()


def public_id_prefix(text):
    """The canonical UUID text (hyphens placed) that a typed number starts, or None when `text`
    cannot be the start of one (fewer than 4 hex digits, other characters)."""
    digits = (text or "").strip().lstrip("#").replace("-", "").lower()
    if len(digits) < 4 or len(digits) > 32 or not _HEX.fullmatch(digits):
        return None
    groups, start = [], 0
    for size in _UUID_GROUPS:
        if start >= len(digits):
            break
        groups.append(digits[start : start + size])
        start += size
    return "-".join(groups)


def report_staff_queue(
    *,
    actor,
    statuses=(),
    category=None,
    department=None,
    area=None,
    overdue=False,
    submitted_from=None,
    submitted_until=None,
    search="",
    sort="due",
    now=None,
):
    """The staff queue page's list: `report_queue` (the actor's scope and its filters) plus several
    statuses at once, a [submitted_from, submitted_until) window on `created_at`, a text search in
    the description or the number (a prefix of the public id), a sort (QUEUE_SORTS) and each row's
    `photo_count`. The reporter is selected along, so a page of rows costs one query."""
    queryset = report_queue(
        actor=actor,
        category=category,
        department=department,
        area=area,
        overdue=True if overdue else None,
        now=now,
    )
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    if submitted_from is not None:
        queryset = queryset.filter(created_at__gte=submitted_from)
    if submitted_until is not None:
        queryset = queryset.filter(created_at__lt=submitted_until)
    search = (search or "").strip()
    if search:
        matches = Q(description__icontains=search)
        prefix = public_id_prefix(search)
        if prefix is not None:
            matches |= Q(public_id__istartswith=prefix)
        queryset = queryset.filter(matches)
    # A subquery, not Count("photos"): the handler's scope is DISTINCT, which a GROUP BY would fight.
    photo_count = (
        ReportPhoto.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        queryset.select_related("reporter")
        .annotate(photo_count=Coalesce(Subquery(photo_count), 0))
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["due"]))
    )


def report_find_by_number(*, actor, number):
    """The one report visible to `actor` whose number (public id) starts with `number`.

    Raises NotFound when none or more than one matches (type more digits)."""
    from nuanxin.core.errors import NotFound

    prefix = public_id_prefix(number)
    if prefix is None:
        raise NotFound()
    found = list(
        permissions.report_scope(actor, _detail_queryset()).filter(public_id__istartswith=prefix)[:2]
    )
    if len(found) != 1:
        raise NotFound()
    return found[0]


def report_staff_detail(*, actor, public_id):
    """One report for the staff detail page with the reporter, photos and the full history
    (internal events included). Missing and forbidden answer alike (NotFound)."""
    from nuanxin.core.permissions import get_visible_or_404

    queryset = permissions.report_scope(
        actor, _detail_queryset().select_related("reporter", "duplicate_of__category")
    ).prefetch_related(
        "photos",
        Prefetch("events", queryset=ReportEvent.objects.select_related("actor")),
        Prefetch("duplicates", queryset=Report.objects.select_related("category").order_by("created_at")),
    )
    return get_visible_or_404(queryset, public_id=public_id)


def _path_prefixes(path):
    """ "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]: the paths of a node and its ancestors."""
    codes = [code for code in path.strip("/").split("/") if code]
    return ["/" + "/".join(codes[: index + 1]) + "/" for index in range(len(codes))]


def report_dispatch_departments(*, actor, report=None):
    """The active departments `actor` may dispatch to: for one `report`, those serving its street
    (the department's area is the street or above it); with no report, those serving some street
    of the actor's area. Handlers (not area managers) only ever their own departments — the same
    rule as `services._clean_department`."""
    queryset = Department.objects.filter(is_active=True).select_related("area").order_by("area__path", "name")
    if report is not None:
        queryset = queryset.filter(area__path__in=_path_prefixes(report.area.path))
    if is_superuser(actor):
        return queryset
    if report is not None and permissions.is_superuser_or_manager(actor, report):
        return queryset
    if report is None and is_area_manager(actor):
        path = actor_area_path(actor)
        return queryset.filter(Q(area__path__startswith=path) | Q(area__path__in=_path_prefixes(path)))
    if permissions.is_department_handler(actor):
        return queryset.filter(handlers=actor)
    return queryset.none()


def report_visible_departments(*, actor):
    """Departments for the queue's department filter: those with a report the actor may see,
    plus (handlers) their own."""
    visible = permissions.report_scope(actor, Report.objects.all()).values("department")
    queryset = Department.objects.filter(pk__in=visible)
    if permissions.is_department_handler(actor):
        queryset = queryset | Department.objects.filter(handlers=actor)
    return queryset.distinct().select_related("area").order_by("area__path", "name")


def report_visible_streets(*, actor):
    """The streets for the queue's area filter: the streets of an area manager's subtree (all
    streets for a superuser), and any street with a report the actor may see (handlers)."""
    from nuanxin.areas.models import Area

    with_reports = Q(pk__in=permissions.report_scope(actor, Report.objects.all()).values("area"))
    if is_superuser(actor):
        return Area.objects.filter(level=Area.Level.STREET).order_by("path")
    if is_area_manager(actor):
        in_area = Q(level=Area.Level.STREET, path__startswith=actor_area_path(actor))
        return Area.objects.filter(in_area | with_reports).order_by("path")
    return Area.objects.filter(with_reports).order_by("path")


def possible_duplicates_for_staff(*, actor, report):
    """`possible_duplicates` of `report` that `actor` may see (candidates for its original)."""
    return [
        (candidate, distance)
        for candidate, distance in possible_duplicates(
            category=report.category, lat=report.latitude, lng=report.longitude, exclude=report
        )
        if permissions.can(actor, permissions.VIEW, candidate)
    ]


# --- shared with other apps ----------------------------------------------------------------------


def departments_for_area(area):
    """The active departments that serve `area`: those whose area is `area` or one above it — the
    rule `services._clean_department` applies to a report's street. The deliberation hall routes
    its items by it. Ordered from the nearest area up, then by name."""
    codes = [code for code in area.path.strip("/").split("/") if code]
    paths = ["/" + "/".join(codes[: index + 1]) + "/" for index in range(len(codes))]
    return (
        Department.objects.filter(is_active=True, area__path__in=paths)
        .select_related("area")
        .order_by("-area__level", "name", "pk")
    )
