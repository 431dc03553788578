"""The back office's street boundaries: GeoJSON upload scoped to the actor's area, audited deletes,
and the cross-area matrix (other street's staff: not found, nothing changes)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from nuanxin.core.models import AuditEntry
from nuanxin.reports.locate import locate_street
from nuanxin.reports.models import StreetBoundary

from .boundaries import IN_THE_NOTCH, QYC_HOLE, QYC_L, XBL_BOX, collection, feature, l_and_neighbour, polygon

pytestmark = pytest.mark.django_db
IMPORT_URL = "/admin/reports/streetboundary/import/"
LIST_URL = "/admin/reports/streetboundary/"


def upload(client, data, crs="wgs84"):
    content = json.dumps(data, ensure_ascii=False).encode()
    with translation.override("en"):
        return client.post(
            IMPORT_URL,
            {"file": SimpleUploadedFile("streets.geojson", content, "application/geo+json"), "crs": crs},
            HTTP_ACCEPT_LANGUAGE="en",
        )


def test_district_staff_import_both_streets_and_points_are_placed_by_them(client, users):
    client.force_login(users["district_staff"])
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and 'type="file"' in page.content.decode()
    # when
    response = upload(client, l_and_neighbour())
    # then
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert StreetBoundary.objects.count() == 2
    assert locate_street(*IN_THE_NOTCH).code == "120101002000"
    entry = AuditEntry.objects.filter(object_type="reports.streetboundary").first()
    assert entry.actor == users["district_staff"] and entry.action == AuditEntry.Action.CREATE


def test_street_staff_import_only_their_street_and_a_file_naming_another_imports_nothing(client, users):
    client.force_login(users["street_staff"])
    # when the file also names the neighbouring street
    response = upload(client, l_and_neighbour())
    # then it is refused as an unknown code — the other street is not revealed — and nothing is stored
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-import-problems" in body
    assert "unknown division code “120101002000”" in body
    assert not StreetBoundary.objects.exists()
    # when the file names only their own street
    response = upload(client, collection(feature("120101001000", polygon(QYC_L, QYC_HOLE))))
    assert response.status_code == 302
    assert list(StreetBoundary.objects.values_list("area__code", flat=True)) == ["120101001000"]


def test_an_invalid_file_shows_every_problem_and_keeps_the_form(client, users):
    client.force_login(users["district_staff"])
    bowtie = [[117.18, 39.11], [117.20, 39.13], [117.20, 39.11], [117.18, 39.13], [117.18, 39.11]]
    response = upload(
        client,
        collection(feature("120101001000", polygon(bowtie)), feature("120101000000", polygon(XBL_BOX))),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Self-intersection" in body and "120101000000" in body
    assert not StreetBoundary.objects.exists()


def test_the_add_button_leads_to_the_import(client, users):
    client.force_login(users["district_staff"])
    response = client.get("/admin/reports/streetboundary/add/")
    assert response.status_code == 302 and response["Location"] == IMPORT_URL


@pytest.fixture
def imported(users):
    from nuanxin.reports.boundaries import street_boundaries_import

    result = street_boundaries_import(actor=None, collection=l_and_neighbour(), source="test")
    return {boundary.area.code: boundary for boundary in result.boundaries}


@pytest.mark.parametrize(
    ("name", "sees_quanyechang", "sees_xiaobailou"),
    [
        ("city_staff", True, True),
        ("district_staff", True, True),
        ("street_staff", True, False),
        ("other_street_staff", False, True),
        ("other_district_staff", False, False),
    ],
)
def test_the_list_and_the_pages_are_scoped_to_the_actors_area(
    client, users, imported, name, sees_quanyechang, sees_xiaobailou
):
    client.force_login(users[name])
    body = client.get(LIST_URL).content.decode()
    for code, expected in (("120101001000", sees_quanyechang), ("120101002000", sees_xiaobailou)):
        pk = imported[code].pk
        assert (f"/admin/reports/streetboundary/{pk}/change/" in body) is expected
        status = client.get(f"/admin/reports/streetboundary/{pk}/change/").status_code
        assert (status == 200) is expected, (code, status)


@pytest.mark.parametrize("name", ["other_street_staff", "other_district_staff", "steward", "courier"])
def test_others_cannot_delete_a_streets_boundary(client, users, imported, name):
    client.force_login(users[name])
    boundary = imported["120101001000"]
    response = client.post(f"/admin/reports/streetboundary/{boundary.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403, 404)
    assert StreetBoundary.objects.filter(pk=boundary.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


@pytest.mark.parametrize("name", ["steward", "courier"])
def test_people_without_an_area_to_manage_cannot_import(client, users, name):
    client.force_login(users[name])
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("s.geojson", json.dumps(l_and_neighbour()).encode())}
    )
    assert response.status_code in (302, 403)
    assert not StreetBoundary.objects.exists()


def test_street_staff_delete_their_boundary_audited_and_placement_falls_back(client, users, imported):
    client.force_login(users["street_staff"])
    boundary = imported["120101001000"]
    response = client.post(f"/admin/reports/streetboundary/{boundary.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not StreetBoundary.objects.filter(pk=boundary.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_type="reports.streetboundary")
    assert entry.actor == users["street_staff"]
    assert locate_street(39.125, 117.195) is None  # no polygon, rectangle or station for 劝业场 now


def test_the_changelist_offers_the_import_and_no_edit_form(client, users, imported):
    client.force_login(users["district_staff"])
    body = client.get(LIST_URL).content.decode()
    assert IMPORT_URL in body
    page = client.get(f"/admin/reports/streetboundary/{imported['120101002000'].pk}/change/")
    assert page.status_code == 200
    assert 'name="geometry"' not in page.content.decode()  # read-only


def test_the_stored_geojson_is_the_files_geometry(imported):
    assert imported["120101002000"].geometry == polygon(XBL_BOX)
