"""The back office: reports scoped to the actor's area; the accept action goes through the workflow."""

import pytest

from nuanxin.reports.models import Report

from . import factories

pytestmark = pytest.mark.django_db


def test_street_staff_see_only_their_streets_reports_and_accept_through_the_workflow(client, mapped, users):
    mine = factories.make_report(mapped["street"], description="劝业场的报告")
    theirs = factories.make_report(
        mapped["other_street"], point=factories.IN_XIAOBAILOU, description="小白楼的报告"
    )
    client.force_login(users["street_staff"])
    page = client.get("/admin/reports/report/")
    assert page.status_code == 200
    assert f"/admin/reports/report/{mine.pk}/change/" in page.content.decode()
    assert f"/admin/reports/report/{theirs.pk}/change/" not in page.content.decode()
    assert client.get(f"/admin/reports/report/{theirs.pk}/change/").status_code in (302, 404)
    response = client.post(
        "/admin/reports/report/",
        {"action": "move_to_accepted", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Report.Status.ACCEPTED and theirs.status == Report.Status.SUBMITTED
    assert mine.events.filter(to_status="accepted").exists()


def test_a_steward_has_no_reports_module(client, mapped, users):
    factories.make_report(mapped["street"])
    client.force_login(users["steward"])
    assert client.get("/admin/reports/report/").status_code in (302, 403)
