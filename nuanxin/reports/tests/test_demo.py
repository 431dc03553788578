"""The demo reports: every workflow state in the demo street, and a second load creates nothing."""

import pytest
from shapely.geometry import Point, shape

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.messaging.models import InboxMessage
from nuanxin.reports.demo import load_demo_reports
from nuanxin.reports.locate import locate_street
from nuanxin.reports.models import Report, StreetBoundary
from nuanxin.stations.models import Station
from nuanxin.stations.tests.factories import make_station

pytestmark = pytest.mark.django_db


def test_demo_reports_cover_every_state_and_load_once():
    # given the demo street (劝业场街道 is 120101001000 in the test tree too), a station, staff, a courier
    areas = make_tree()
    make_station(areas["street"])
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    load_demo_couriers()
    # when the demo reports load twice
    first = load_demo_reports()
    count = Report.objects.count()
    second = load_demo_reports()
    # then every state is there once, with an escalated one and real inbox messages
    assert first["reports"] == 10 and second == {"reports": 0, "boundaries": 0}
    assert Report.objects.count() == count
    assert set(Report.objects.values_list("status", flat=True)) == set(Report.Status.values)
    assert Report.objects.filter(escalated_at__isnull=False).exists()
    assert InboxMessage.objects.exists()


def test_demo_streets_get_polygons_with_a_concave_pair_and_load_once():
    # given the demo street with two stations, and its neighbour 小白楼街道 with one
    areas = make_tree()
    make_station(areas["street"], latitude=39.1200, longitude=117.1970)
    make_station(areas["street"], latitude=39.1240, longitude=117.2038)
    make_station(areas["other_street"], latitude=39.1100, longitude=117.2110)
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    load_demo_couriers()
    # when the demo loads twice
    first = load_demo_reports()
    second = load_demo_reports()
    # then both streets have a polygon, once
    assert first["boundaries"] == 2 and second["boundaries"] == 0
    quanyechang = StreetBoundary.objects.get(area=areas["street"])
    xiaobailou = StreetBoundary.objects.get(area=areas["other_street"])
    l_shape = shape(quanyechang.geometry)
    neighbour = shape(xiaobailou.geometry)
    # 劝业场 is concave: its south-east corner is cut out and belongs to 小白楼
    assert l_shape.area < l_shape.envelope.area
    notch = Point(quanyechang.east - 0.001, quanyechang.south + 0.001)
    assert l_shape.envelope.contains(notch) and not l_shape.contains(notch) and neighbour.contains(notch)
    assert locate_street(notch.y, notch.x) == areas["other_street"]
    # the polygons do not overlap, and every station and demo report lies in its own street
    assert l_shape.intersection(neighbour).area == pytest.approx(0, abs=1e-12)
    for station in Station.objects.select_related("area"):
        assert locate_street(station.latitude, station.longitude) == station.area
    assert set(Report.objects.values_list("area__code", flat=True)) == {"120101001000"}
