"""The public map of street reports (/m/reports/map/): no sign-in, no personal data.

Points are snapped to the public grid (`selectors.coarsen`, about 200 m), rejected and duplicate
reports are left out, and a point carries only its category, status, street and day — the same
fields as `GET /api/v1/reports/map`, never a description, photo, address or reporter.
"""

from collections import Counter

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.stations.views import map_config, to_map

from . import selectors, transitions
from .models import Report, ReportCategory

PERIODS = {"7": 7, "30": 30, "90": 90}
DEFAULT_PERIOD = "30"
SUBMITTED_ON = _("Reported on %(day)s")


def _point(report):
    lat, lng = to_map(selectors.coarsen(report.latitude), selectors.coarsen(report.longitude))
    return {
        "name": report.category.name,
        "lat": lat,
        "lng": lng,
        "active": report.status in transitions.OPEN_STATUSES,
        "tone": f"report-{report.status}",
        "lines": [
            str(report.get_status_display()),
            report.area.name,
            str(SUBMITTED_ON % {"day": timezone.localtime(report.created_at).date().isoformat()}),
        ],
    }


def public_map(request):
    categories = list(ReportCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    codes = {category.code for category in categories}
    category = request.GET.get("category") or ""
    if category not in codes:
        category = ""
    period = request.GET.get("days") or DEFAULT_PERIOD
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    districts = list(
        Area.objects.filter(level=Area.Level.DISTRICT)
        .filter(Q(pk__in=Report.objects.values("area__parent")))
        .order_by("code")
    )
    district = next((area for area in districts if area.code == request.GET.get("area")), None)
    since = timezone.now() - timezone.timedelta(days=PERIODS[period])
    reports = list(selectors.public_map_reports(category=category or None, area=district, since=since))
    counts = Counter(report.status for report in reports)
    statuses = [
        (value, label, counts[value])
        for value, label in Report.Status.choices
        if value not in transitions.HIDDEN_FROM_PUBLIC
    ]
    return render(
        request,
        "reports/public/map.html",
        {
            "categories": categories,
            "category": category,
            "districts": districts,
            "district": district,
            "period": period,
            "periods": [(key, PERIODS[key]) for key in PERIODS],
            "statuses": statuses,
            "total": len(reports),
            "map_data": {"points": [_point(report) for report in reports], "here": None},
            "map_config": map_config(),
        },
    )
