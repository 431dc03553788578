"""Demo street reports (idempotent): `load_demo_reports()` → {"reports": n, ...} created this time.

Runs after the demo city (stations, `qyc_street` of 劝业场街道, the admin) and the demo couriers
(`needs.demo` adds 13800138011–14; the demo courier is 13800138000). It:
- draws a rectangle per street around that street's stations (padded ~300 m), and a boundary
  polygon for the same streets (imported through `boundaries.street_boundaries_import`, so the demo
  city places reports by polygons): the padded box, minus what earlier streets took, so the
  polygons do not overlap; 劝业场街道 is an L — its south-east corner (~220 × 170 m) is cut out and
  given to its neighbour 小白楼街道, the concave pair of docs/reports.md. Streets that already have a
  boundary (a real import) are left alone;
- adds departments (和平区城市管理委员会, 劝业场街道综合执法队 with the handler account `qyc_handler`)
  and routing rules (sanitation-like categories → the district's committee; anything else in
  劝业场街道 → its enforcement team);
- files reports through the services, one per workflow state (submitted, accepted, dispatched,
  in progress, resolved, closed, rejected, duplicate, reopened) plus an overdue escalated one,
  so history, inbox messages and audit rows are real. Reports carry Idempotency-Keys `demo-report-N`:
  running it again creates nothing twice.
"""

import datetime

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from shapely.geometry import box as rectangle
from shapely.geometry import shape
from shapely.ops import unary_union

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.stations.models import Station

from . import services
from .boundaries import geometry_to_geojson, street_boundaries_import
from .locate import street_of
from .models import Department, Report, RoutingRule, StreetBoundary, StreetBounds

STREET_CODE = "120101001000"  # 劝业场街道
NEIGHBOUR_CODE = "120101002000"  # 小白楼街道: gets 劝业场's south-east corner
STAFF_USERNAME = "qyc_street"
HANDLER_USERNAME = "qyc_handler"
PHONES = ["13800138000", "13800138011", "13800138012", "13800138013", "13800138014"]
PAD_DEGREES = 0.003
NOTCH_DEGREES = 0.002

# (category, description, path of moves after submission; "merge" and "reopen" are special)
REPORTS = [
    ("exposed_garbage", "滨江道与山西路交口垃圾桶满溢，垃圾散落路边", []),
    ("safety_hazard", "和平路一处井盖松动，电动车经过会翘起", ["accepted"]),
    ("stacked_materials", "小区门口建材堆放占用非机动车道", ["accepted", "dispatched"]),
    ("damaged_facility", "路口非机动车信号灯不亮", ["accepted", "dispatched", "in_progress"]),
    ("sanitation_blind_spot", "背街小巷长期积水发臭", ["accepted", "dispatched", "in_progress", "resolved"]),
    (
        "exposed_garbage",
        "商场后门垃圾无人清运",
        ["accepted", "dispatched", "in_progress", "resolved", "closed"],
    ),
    ("other", "希望增设骑手临时停车区", ["rejected"]),
    ("exposed_garbage", "滨江道与山西路交口垃圾散落（同一处）", ["merge"]),
    ("damaged_facility", "人行道护栏倒伏", ["accepted", "dispatched", "in_progress", "resolved", "reopen"]),
    ("safety_hazard", "施工围挡倒向机动车道", ["accepted", "escalate"]),
]
NOTES = {
    "rejected": "属于交通规划事项，已转交通部门研究",
    "resolved": "已处理完毕，现场已清理",
    "reopen": "护栏又倒了，没修好",
}


def _draw_streets():
    for station_area in Area.objects.filter(stations__isnull=False).distinct():
        street = street_of(station_area)
        if street is None or StreetBounds.objects.filter(area=street).exists():
            continue
        box = Station.objects.filter(area__path__startswith=street.path).aggregate(
            south=Min("latitude"), north=Max("latitude"), west=Min("longitude"), east=Max("longitude")
        )
        if box["south"] is None:
            continue
        StreetBounds.objects.create(
            area=street,
            south=box["south"] - PAD_DEGREES,
            north=box["north"] + PAD_DEGREES,
            west=box["west"] - PAD_DEGREES,
            east=box["east"] + PAD_DEGREES,
        )


def _station_box(street):
    box = Station.objects.filter(area__path__startswith=street.path).aggregate(
        south=Min("latitude"), north=Max("latitude"), west=Min("longitude"), east=Max("longitude")
    )
    if box["south"] is None:
        return None
    return rectangle(
        box["west"] - PAD_DEGREES,
        box["south"] - PAD_DEGREES,
        box["east"] + PAD_DEGREES,
        box["north"] + PAD_DEGREES,
    )


def _draw_boundaries():
    """Boundary polygons for the streets with stations (see the module docstring). Returns how many
    were created."""
    streets = {}
    for station_area in Area.objects.filter(stations__isnull=False).distinct():
        street = street_of(station_area)
        if street is not None:
            streets[street.code] = street
    neighbour = Area.objects.filter(code=NEIGHBOUR_CODE, level=Area.Level.STREET).first()
    if STREET_CODE in streets and neighbour is not None:
        streets.setdefault(NEIGHBOUR_CODE, neighbour)
    existing = {boundary.area.code: boundary for boundary in StreetBoundary.objects.select_related("area")}
    taken = unary_union([shape(boundary.geometry) for boundary in existing.values()])
    shapes = {code: _station_box(street) for code, street in streets.items()}
    notch = None
    main = shapes.get(STREET_CODE)
    if main is not None and NEIGHBOUR_CODE in streets:
        _west, south, east, _north = main.bounds
        notch = rectangle(east - NOTCH_DEGREES, south, east, south + NOTCH_DEGREES)
        inside = Station.objects.filter(
            area__path__startswith=streets[STREET_CODE].path,
            latitude__gte=south,
            latitude__lte=south + NOTCH_DEGREES,
            longitude__gte=east - NOTCH_DEGREES,
        ).exists()
        if inside:
            notch = None
    if notch is not None:
        shapes[STREET_CODE] = main.difference(notch)
        own = shapes.get(NEIGHBOUR_CODE)
        shapes[NEIGHBOUR_CODE] = notch if own is None else own.union(notch)
    order = [
        STREET_CODE,
        NEIGHBOUR_CODE,
        *sorted(code for code in shapes if code not in (STREET_CODE, NEIGHBOUR_CODE)),
    ]
    features = []
    for code in order:
        geometry = shapes.get(code)
        if geometry is None or code in existing:
            continue
        geometry = geometry.difference(taken)
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        taken = taken.union(geometry)
        features.append(
            {"type": "Feature", "properties": {"code": code}, "geometry": geometry_to_geojson(geometry)}
        )
    if not features:
        return 0
    result = street_boundaries_import(
        actor=None, collection={"type": "FeatureCollection", "features": features}, source="demo"
    )
    return result.created


def _departments(street):
    district = street.parent
    committee, _ = Department.objects.get_or_create(name="和平区城市管理委员会", area=district)
    team, _ = Department.objects.get_or_create(name="劝业场街道综合执法队", area=street)
    handler = User.objects.filter(username=HANDLER_USERNAME).first()
    if handler is None:
        handler = User(
            username=HANDLER_USERNAME,
            role=Role.DEPARTMENT_HANDLER,
            area=street,
            display_name="综合执法队 张队长",
        )
        handler.set_unusable_password()
        handler.save()
    team.handlers.add(handler)
    from .models import ReportCategory

    for code in ("exposed_garbage", "sanitation_blind_spot"):
        RoutingRule.objects.get_or_create(
            area=district, category=ReportCategory.objects.get(code=code), defaults={"department": committee}
        )
    RoutingRule.objects.get_or_create(area=street, category=None, defaults={"department": team})
    return handler, team


@transaction.atomic
def load_demo_reports():
    """See the module docstring. Does nothing without the demo street, its staff or demo couriers."""
    created = {"reports": 0, "boundaries": 0}
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    couriers = [profile for profile in (courier_find_by_phone(phone) for phone in PHONES) if profile]
    if street is None or staff is None or not couriers:
        return created
    _draw_streets()
    created["boundaries"] = _draw_boundaries()
    if not StreetBounds.objects.filter(area=street).exists():
        return created
    handler, team = _departments(street)
    box = StreetBounds.objects.filter(area=street).order_by("id").first()
    centre = ((box.south + box.north) / 2, (box.west + box.east) / 2)
    first = None
    for number, (category, description, path) in enumerate(REPORTS):
        courier = couriers[number % len(couriers)]
        point = (centre[0] + 0.0004 * (number % 5), centre[1] + 0.0005 * (number // 5))
        if path == ["merge"]:
            point = (centre[0] + 0.0001, centre[1])
        report = services.report_create(
            actor=courier.user,
            data={"category": category, "description": description, "lat": point[0], "lng": point[1]},
            idempotency_key=f"demo-report-{number}",
        )
        if number == 0:
            first = report
        if report.replayed:
            continue
        created["reports"] += 1
        for step in path:
            if step == "merge":
                services.report_merge(actor=staff, report=report, original=first, note="同一处垃圾")
            elif step == "reopen":
                services.report_transition(
                    actor=courier.user, report=report, to_status="reopened", note=NOTES["reopen"]
                )
            elif step == "escalate":
                # Backdated: submitted one time limit before its due date, which passed an hour ago.
                late = timezone.now() - datetime.timedelta(hours=1)
                submitted = late - (report.due_at - report.created_at)
                Report.objects.filter(pk=report.pk).update(created_at=submitted, due_at=late)
                report.events.update(occurred_at=submitted)
                services.reports_escalate_overdue()
            else:
                actor = handler if step in ("in_progress", "resolved") else staff
                services.report_transition(
                    actor=actor,
                    report=report,
                    to_status=step,
                    note=NOTES.get(step, ""),
                    department=team if step == "dispatched" else None,
                )
    return created
