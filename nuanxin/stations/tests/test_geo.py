"""WGS-84 ⇄ GCJ-02, distances and grid cells, against published reference values."""

import random

import pytest

from nuanxin.stations import geo

# (WGS-84 lat, lng) → (GCJ-02 lat, lng) as published by other implementations of the standard
# transform:
# - googollee/eviltransform, go/transform_test.go and python/test.py (Shanghai, Shenzhen, Beijing);
# - dromara/hutool, hutool-core/src/test/java/cn/hutool/core/util/CoordinateUtilTest.java
#   (wgs84ToGcj02(116.404, 39.915), itself checked against wandergis/coordtransform).
REFERENCE_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # Beijing, Tiananmen
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    # when
    lat, lng = geo.wgs84_to_gcj02(*wgs)
    # then: equal to the published digits (1e-9° ≈ 0.1 mm)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lng == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_gcj02_to_wgs84_recovers_the_published_wgs84_point(wgs, gcj):
    # when
    lat, lng = geo.gcj02_to_wgs84(*gcj)
    # then: better than 1e-7° (eviltransform's own exact inverse promises 0.5 m)
    assert lat == pytest.approx(wgs[0], abs=1e-7)
    assert lng == pytest.approx(wgs[1], abs=1e-7)
    assert geo.haversine_m(lat, lng, *wgs) < 0.01


def test_gcj02_to_wgs84_beats_the_one_step_approximation():
    # given: hutool's CoordinateUtilTest publishes the one-step inverse of GCJ-02 (39.915, 116.404)
    # as WGS-84 (39.91359571849836, 116.39775550083061), good to a few metres only
    one_step = (39.91359571849836, 116.39775550083061)
    # when
    lat, lng = geo.gcj02_to_wgs84(39.915, 116.404)
    # then: ours is within those few metres of it, and maps forward exactly onto the input
    assert geo.haversine_m(lat, lng, *one_step) < 5
    forward = geo.wgs84_to_gcj02(lat, lng)
    assert forward[0] == pytest.approx(39.915, abs=1e-8)
    assert forward[1] == pytest.approx(116.404, abs=1e-8)


def test_round_trips_across_china_stay_below_a_ten_millionth_of_a_degree():
    # given: random points over the GCJ-02 box
    generator = random.Random(2260)
    for _case in range(2000):
        lat = generator.uniform(1.0, 55.5)
        lng = generator.uniform(72.5, 137.5)
        # when
        back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lng))
        # then
        assert abs(back[0] - lat) < 1e-7
        assert abs(back[1] - lng) < 1e-7


def test_the_offset_inside_china_is_hundreds_of_metres():
    # given: the Drum Tower of Tianjin
    lat, lng = 39.1428, 117.1756
    # when
    gcj = geo.wgs84_to_gcj02(lat, lng)
    # then: the well-known 100–700 m shift
    assert 100 < geo.haversine_m(lat, lng, *gcj) < 700


@pytest.mark.parametrize(
    "point",
    [
        (51.5007, -0.1246),  # London
        (35.6586, 139.7454),  # Tokyo, east of 137.8347
        (-33.8568, 151.2153),  # Sydney
        (60.1699, 100.0),  # north of 55.8271
        (0.5, 110.0),  # south of 0.8293
        (40.0, 71.0),  # west of 72.004
    ],
)
def test_no_offset_outside_china(point):
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.gcj02_to_wgs84(*point) == point


def test_to_and_from_wgs84_dispatch_on_the_coordinate_system():
    wgs, gcj = REFERENCE_PAIRS[0]
    assert geo.from_wgs84(*wgs, "wgs84") == wgs
    assert geo.from_wgs84(*wgs, "gcj02") == pytest.approx(gcj, abs=1e-9)
    assert geo.to_wgs84(*gcj, "gcj02") == pytest.approx(wgs, abs=1e-7)
    with pytest.raises(ValueError):
        geo.to_wgs84(*wgs, "bd09")


def test_haversine_matches_the_geometry_of_the_sphere():
    # one degree of latitude, and of longitude on the equator: πR/180 = 111,195 m
    assert geo.haversine_m(39.0, 117.0, 40.0, 117.0) == pytest.approx(111_195, abs=1)
    assert geo.haversine_m(0.0, 10.0, 0.0, 11.0) == pytest.approx(111_195, abs=1)
    # one degree of longitude at 60°N is half of that
    assert geo.haversine_m(60.0, 10.0, 60.0, 11.0) == pytest.approx(55_597, rel=1e-3)
    # pole to equator: a quarter meridian
    assert geo.haversine_m(90.0, 0.0, 0.0, 0.0) == pytest.approx(10_007_557, abs=10)
    assert geo.haversine_m(39.1, 117.2, 39.1, 117.2) == 0


def test_grid_cells_are_0_01_degree_and_numbered_row_major():
    # given: two points 0.005° apart inside one cell, and their neighbours
    cell = geo.grid_cell(39.125, 117.195)
    # then
    assert geo.grid_cell(39.129, 117.199) == cell
    assert geo.grid_cell(39.125, 117.201) == cell + 1
    assert geo.grid_cell(39.131, 117.195) == cell + geo.GRID_COLUMNS
    assert geo.grid_cell(-90, -180) == 0
    assert geo.grid_cell(90, 180) == geo.GRID_ROWS * geo.GRID_COLUMNS - 1
