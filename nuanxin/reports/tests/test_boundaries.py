"""Street boundary polygons: placing points (concave streets, holes, shared edges), the import
command and its refusals, the cache, and a report filed near a boundary through the API."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from nuanxin.areas.models import Area
from nuanxin.core.models import AuditEntry
from nuanxin.reports.boundaries import street_boundaries_import
from nuanxin.reports.locate import locate_street
from nuanxin.reports.models import Report, StreetBoundary, StreetBounds
from nuanxin.stations.geo import wgs84_to_gcj02
from nuanxin.stations.tests.factories import make_station

from . import factories
from .boundaries import (
    IN_THE_HOLE,
    IN_THE_L,
    IN_THE_NOTCH,
    IN_XIAOBAILOU,
    ON_THE_SHARED_EDGE,
    QYC_HOLE,
    QYC_L,
    QYC_RECTANGLE,
    XBL_BOX,
    collection,
    feature,
    import_l_and_neighbour,
    l_and_neighbour,
    polygon,
)

pytestmark = pytest.mark.django_db

SHANGHAI = [[121.46, 31.22], [121.48, 31.22], [121.48, 31.24], [121.46, 31.24], [121.46, 31.22]]
BOWTIE = [[117.18, 39.11], [117.20, 39.13], [117.20, 39.11], [117.18, 39.13], [117.18, 39.11]]


def code_at(point):
    street = locate_street(*point)
    return street.code if street else None


# --- placing a point ---------------------------------------------------------------------------


def test_a_point_in_the_notch_of_an_l_shaped_street_goes_to_the_neighbour(areas):
    # given staff drew 劝业场 as its bounding rectangle: the notch point falls in it
    StreetBounds.objects.create(area=areas["street"], **QYC_RECTANGLE)
    assert code_at(IN_THE_NOTCH) == "120101001000"
    # when the real polygons are imported
    import_l_and_neighbour()
    # then the notch is 小白楼's, though it lies inside the L's bounding rectangle
    assert code_at(IN_THE_NOTCH) == "120101002000"
    assert code_at(IN_THE_L) == "120101001000"
    assert code_at(IN_XIAOBAILOU) == "120101002000"


def test_a_point_in_a_hole_is_not_in_the_street_around_it(areas):
    # given 劝业场's rectangle and a station of 劝业场 right by the hole
    StreetBounds.objects.create(area=areas["street"], **QYC_RECTANGLE)
    make_station(areas["street"], latitude=IN_THE_HOLE[0] + 0.0002, longitude=IN_THE_HOLE[1])
    import_l_and_neighbour()
    # then the hole belongs to no street: neither the rectangle nor the station pulls it back in
    assert code_at(IN_THE_HOLE) is None
    # when the hole is an enclave of 大王庄街道 (another district)
    street_boundaries_import(
        actor=None, collection=collection(feature("120102001000", polygon(QYC_HOLE))), source="enclave"
    )
    # then the point is 大王庄's
    assert code_at(IN_THE_HOLE) == "120102001000"


def test_a_point_on_a_shared_edge_goes_to_the_lower_area_code(areas):
    import_l_and_neighbour()
    assert code_at(ON_THE_SHARED_EDGE) == "120101001000"
    assert code_at((39.120, 117.195)) == "120101001000"  # on the L's inner edge, 小白楼's north edge
    # a hair inside 小白楼 is 小白楼's
    assert code_at((ON_THE_SHARED_EDGE[0], ON_THE_SHARED_EDGE[1] + 1e-7)) == "120101002000"


def test_streets_without_a_polygon_still_use_rectangles_then_stations(areas):
    import_l_and_neighbour()
    StreetBounds.objects.create(area=areas["other_district_street"], **factories.DAWANGZHUANG_BOX)
    make_station(areas["other_district_street"], latitude=39.150, longitude=117.240)
    assert code_at(factories.IN_DAWANGZHUANG) == "120102001000"  # its rectangle
    assert code_at((39.1505, 117.2405)) == "120102001000"  # near its station
    assert code_at(factories.OUTSIDE) is None


def test_a_changed_or_deleted_boundary_is_seen_at_the_next_lookup(areas):
    import_l_and_neighbour()
    assert code_at(IN_XIAOBAILOU) == "120101002000"
    # when another process moves 小白楼's polygon (a row update, no signal in this process)
    moved = polygon([[117.30, 39.10], [117.31, 39.10], [117.31, 39.11], [117.30, 39.10]])
    StreetBoundary.objects.filter(area=areas["other_street"]).update(
        geometry=moved, west=117.30, east=117.31, updated_at=timezone.now()
    )
    # then the old place is no longer 小白楼's
    assert code_at(IN_XIAOBAILOU) is None
    assert code_at((39.101, 117.309)) == "120101002000"
    # when its boundary is deleted and a rectangle stands for it again
    StreetBoundary.objects.filter(area=areas["other_street"]).delete()
    StreetBounds.objects.create(area=areas["other_street"], **factories.XIAOBAILOU_BOX)
    assert code_at(IN_XIAOBAILOU) == "120101002000"
    assert code_at((39.101, 117.309)) is None


# --- the submission API ------------------------------------------------------------------------


def test_a_report_near_the_boundary_is_filed_in_and_routed_by_the_points_street(
    api, couriers, as_courier, mapped
):
    # given rectangles that give the notch to 劝业场 (the `mapped` fixture), the polygons, a rule each
    factories.rule(mapped["street"], factories.department(mapped["street"], name="劝业场城管"))
    factories.rule(mapped["other_street"], factories.department(mapped["other_street"], name="小白楼城管"))
    import_l_and_neighbour()

    def submit(point):
        status, body = api(
            "post",
            "/api/v1/reports",
            form={"category": "exposed_garbage", "description": "垃圾", "lat": point[0], "lng": point[1]},
            headers=as_courier(couriers["me"]),
        )
        assert status == 201, body
        return body

    # when a courier of 劝业场 reports from the notch, and from just across the edge inside the L
    in_notch = submit(IN_THE_NOTCH)
    across = submit((39.1201, 117.195))
    # then each goes to its point's street and that street's department
    assert (in_notch["street"], in_notch["department"]) == ("120101002000", "小白楼城管")
    assert (across["street"], across["department"]) == ("120101001000", "劝业场城管")
    assert in_notch["location_approximate"] is False
    assert Report.objects.get(public_id=in_notch["id"]).area == mapped["other_street"]


def test_a_report_from_a_hole_with_nothing_around_is_refused(api, couriers, as_courier, mapped):
    import_l_and_neighbour()
    status, body = api(
        "post",
        "/api/v1/reports",
        form={
            "category": "exposed_garbage",
            "description": "垃圾",
            "lat": IN_THE_HOLE[0],
            "lng": IN_THE_HOLE[1],
        },
        headers=as_courier(couriers["me"]),
    )
    assert status == 422
    assert [error["field"] for error in body["errors"]] == ["location"]
    assert not Report.objects.exists()


# --- the import command ------------------------------------------------------------------------


def write(tmp_path, data, name="streets.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import_street_boundaries", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_import_command_creates_then_replaces_and_is_idempotent(areas, tmp_path):
    path = write(tmp_path, l_and_neighbour())
    out, _err = run(path)
    assert "created 2, updated 0, unchanged 0" in out
    boundary = StreetBoundary.objects.get(area=areas["street"])
    assert (boundary.south, boundary.north, boundary.west, boundary.east) == (
        39.110,
        39.130,
        117.180,
        117.200,
    )
    assert boundary.source == "streets.geojson"
    assert len(boundary.geometry["coordinates"]) == 2  # the outer ring and the hole
    # a second run changes nothing and writes no audit row
    audits = AuditEntry.objects.filter(object_type="reports.streetboundary").count()
    assert "created 0, updated 0, unchanged 2" in run(path)[0]
    assert AuditEntry.objects.filter(object_type="reports.streetboundary").count() == audits == 2
    # a file with 小白楼 moved replaces only that one
    moved = collection(
        feature(
            "120101002000",
            polygon([[117.19, 39.09], [117.21, 39.09], [117.21, 39.12], [117.19, 39.12], [117.19, 39.09]]),
        )
    )
    assert "created 0, updated 1, unchanged 0" in run(write(tmp_path, moved, "moved.geojson"))[0]
    assert StreetBoundary.objects.get(area=areas["other_street"]).south == 39.09
    assert code_at((39.095, 117.20)) == "120101002000"


def test_the_import_refuses_the_whole_file_naming_each_feature_and_reason(areas, tmp_path):
    # given the city is known (a rectangle in Tianjin) and a file with one good feature among bad ones
    StreetBounds.objects.create(area=areas["street"], **QYC_RECTANGLE)
    path = write(
        tmp_path,
        collection(
            feature("120101001000", polygon(QYC_L)),
            feature("999999999999", polygon(XBL_BOX)),
            feature("120101000000", polygon(XBL_BOX)),
            feature("120101002000", polygon(BOWTIE)),
            feature("120102001000", polygon(SHANGHAI)),
            feature("120101001000", polygon(QYC_L)),
            {"type": "Feature", "properties": {}, "geometry": polygon(XBL_BOX)},
            feature("120101002000", {"type": "Point", "coordinates": [117.2, 39.1]}),
            feature(
                "120101002000", polygon([[39.10, 117.19], [39.12, 117.19], [39.12, 117.21], [39.10, 117.19]])
            ),
        ),
    )
    # when imported
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import_street_boundaries", path, stderr=err)
    # then nothing was imported and every problem is listed by feature
    assert not StreetBoundary.objects.exists()
    assert not AuditEntry.objects.filter(object_type="reports.streetboundary").exists()
    lines = err.getvalue().splitlines()
    assert "8 problem(s); nothing was imported." in str(raised.value)
    assert lines == [
        "feature 2 [999999999999]: unknown division code “999999999999”",
        "feature 3 [120101000000 和平区]: “和平区” (120101000000) is not a street or town but a District",
        "feature 4 [120101002000 小白楼街道]: invalid geometry: Self-intersection[117.19 39.12]",
        lines[3],
        "feature 6 [120101001000 劝业场街道]: code “120101001000” appears more than once in the file",
        "feature 7: properties.code (the street's division code) is missing",
        "feature 8 [120101002000 小白楼街道]: code “120101002000” appears more than once in the file",
        "feature 9 [120101002000 小白楼街道]: code “120101002000” appears more than once in the file",
    ]
    assert lines[3].startswith("feature 5 [120102001000 大王庄街道]: the boundary lies outside the city")


def test_geometry_problems_other_than_repeats(areas, tmp_path):
    StreetBounds.objects.create(area=areas["street"], **QYC_RECTANGLE)
    swapped = polygon([[39.10, 117.19], [39.12, 117.19], [39.12, 117.21], [39.10, 117.19]])
    cases = [
        ({"type": "Point", "coordinates": [117.2, 39.1]}, "must be a Polygon or MultiPolygon, not Point"),
        (swapped, "longitude first"),
        (polygon([[117.19, 39.10], [117.20, 39.10]]), "cannot be read"),
        (polygon(SHANGHAI), "outside the city"),
    ]
    for geometry, expected in cases:
        err = io.StringIO()
        with translation.override("en"), pytest.raises(CommandError):
            call_command(
                "import_street_boundaries",
                write(tmp_path, collection(feature("120101002000", geometry))),
                stderr=err,
            )
        assert expected in err.getvalue(), (expected, err.getvalue())
    assert not StreetBoundary.objects.exists()


def test_a_boundary_outside_china_is_refused_even_when_nothing_else_is_known(areas, tmp_path):
    paris = [[2.34, 48.85], [2.36, 48.85], [2.36, 48.86], [2.34, 48.85]]
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command(
            "import_street_boundaries",
            write(tmp_path, collection(feature("120101001000", polygon(paris)))),
            stderr=err,
        )
    assert "outside the city" in err.getvalue()


def test_not_a_feature_collection_and_not_json_are_refused(areas, tmp_path):
    for content in ("{not json", json.dumps({"type": "Feature"}), json.dumps(collection())):
        path = tmp_path / "bad.geojson"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(CommandError):
            run(str(path))
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.geojson"))


def test_a_gcj02_file_is_stored_in_wgs84(areas, tmp_path):
    # given 小白楼's box as it would be drawn on AMap (GCJ-02)
    drawn = [list(reversed(wgs84_to_gcj02(lat, lng))) for lng, lat in XBL_BOX]
    path = write(tmp_path, collection(feature("120101002000", polygon(drawn))))
    # when imported with --crs gcj02
    run(path, "--crs", "gcj02")
    # then the stored ring is the WGS-84 box
    stored = StreetBoundary.objects.get(area=areas["other_street"]).geometry["coordinates"][0]
    for (lng, lat), (expected_lng, expected_lat) in zip(stored, XBL_BOX, strict=True):
        assert lng == pytest.approx(expected_lng, abs=1e-6) and lat == pytest.approx(expected_lat, abs=1e-6)
    assert code_at(IN_XIAOBAILOU) == "120101002000"


def test_a_short_code_is_padded_like_the_division_import(areas, tmp_path):
    run(write(tmp_path, collection(feature("120101002", polygon(XBL_BOX)))))
    assert StreetBoundary.objects.filter(area__code="120101002000").exists()
    assert Area.objects.get(code="120101002000") == locate_street(*IN_XIAOBAILOU)
