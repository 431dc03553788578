"""Test data for street reports: a small map of the test area tree, departments, rules, reports."""

import datetime

from django.utils import timezone

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.reports.models import Department, Report, ReportCategory, ReportEvent, RoutingRule, StreetBounds

# 劝业场街道 and 小白楼街道 overlap in lat 39.110–39.118, lng 117.195–117.200; 劝业场's box is smaller.
QUANYECHANG_BOX = {"south": 39.110, "north": 39.125, "west": 117.185, "east": 117.200}
XIAOBAILOU_BOX = {"south": 39.105, "north": 39.118, "west": 117.195, "east": 117.215}
DAWANGZHUANG_BOX = {"south": 39.125, "north": 39.140, "west": 117.210, "east": 117.230}

IN_QUANYECHANG = (39.120, 117.190)
IN_XIAOBAILOU = (39.108, 117.210)
IN_OVERLAP = (39.114, 117.197)
IN_DAWANGZHUANG = (39.130, 117.220)
OUTSIDE = (31.2304, 121.4737)  # Shanghai


def draw_streets(areas):
    StreetBounds.objects.create(area=areas["street"], **QUANYECHANG_BOX)
    StreetBounds.objects.create(area=areas["other_street"], **XIAOBAILOU_BOX)
    StreetBounds.objects.create(area=areas["other_district_street"], **DAWANGZHUANG_BOX)


def category(code="exposed_garbage"):
    return ReportCategory.objects.get(code=code)


def department(area, name="城管执法队", handlers=()):
    dept = Department.objects.create(name=name, area=area)
    dept.handlers.set(handlers)
    return dept


def handler(area, username="handler"):
    return staff(Role.DEPARTMENT_HANDLER, area, username=username)


def rule(area, dept, category_code=None):
    return RoutingRule.objects.create(
        area=area, department=dept, category=category(category_code) if category_code else None
    )


def make_report(
    area,
    *,
    reporter=None,
    status=Report.Status.SUBMITTED,
    department=None,
    point=IN_QUANYECHANG,
    category_code="exposed_garbage",
    created_at=None,
    **fields,
):
    """A report stored directly in any status (no service, no audit): for queue and workflow tests."""
    cat = category(category_code)
    now = timezone.now()
    report = Report.objects.create(
        reporter=reporter,
        category=cat,
        description=fields.pop("description", "路边有暴露垃圾"),
        latitude=point[0],
        longitude=point[1],
        area=area,
        department=department,
        status=status,
        due_at=fields.pop("due_at", now + datetime.timedelta(hours=cat.time_limit_hours)),
        **fields,
    )
    if created_at is not None:
        Report.objects.filter(pk=report.pk).update(created_at=created_at)
        report.refresh_from_db()
    ReportEvent.objects.create(report=report, occurred_at=now, to_status=status)
    return report
