"""The staff queue of street reports in a real browser (desktop-sized, in Chinese): a street's staff
member signs in to the back office, filters the queue, ticks two reports, accepts them in bulk and
reads the result; the map draws a marker per filtered report (no tiles configured)."""

import re

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.reports import selectors
from nuanxin.reports.models import Report
from nuanxin.reports.tests import factories

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser


@pytest.fixture
def tree(transactional_db):
    areas = make_tree()
    factories.draw_streets(areas)
    return areas


def test_street_staff_filter_the_queue_and_accept_two_reports_at_once(live_server, tree, browser_context):
    # given three submitted reports and one resolved one in 劝业场街道, one in the neighbouring street
    first = factories.make_report(tree["street"], description="滨江道垃圾满溢")
    second = factories.make_report(tree["street"], description="山西路垃圾散落", point=(39.1215, 117.1885))
    third = factories.make_report(tree["street"], description="和平路井盖松动", category_code="safety_hazard")
    factories.make_report(tree["street"], status=Report.Status.RESOLVED, point=(39.1190, 117.1920))
    factories.make_report(tree["other_street"], point=factories.IN_XIAOBAILOU, description="小白楼的报告")
    staff(Role.STREET_STAFF, tree["street"], username="qyc-staff")
    context = browser_context(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    page = context.new_page()

    # when the staff member signs in to the back office on the way to the queue
    page.goto(f"{live_server.url}/staff/reports/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
    page.locator("#id_username").fill("qyc-staff")
    page.locator("#id_password").fill("pass-word-123")  # accounts.tests.factories.UserFactory's
    page.locator('input[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/staff/reports/$"))

    # then the queue lists the street's four reports and the map draws four markers
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#queue-map")).to_have_attribute("data-map-state", "ready")
    expect(page.locator("#queue-map [data-map-marker]")).to_have_count(4)
    expect(page.get_by_text("小白楼的报告")).to_have_count(0)

    # when they filter: submitted exposed garbage only
    page.locator('#filter-form input[name="status"][value="submitted"]').check()
    page.locator("#id_category").select_option("exposed_garbage")
    page.locator('#filter-form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"status=submitted"))
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-map [data-map-marker]")).to_have_count(2)
    expect(page.locator('#queue-map [data-map-marker="report-submitted"]')).to_have_count(2)

    # and tick both and accept them in bulk
    for report in (first, second):
        page.locator(f'input[name="reports"][value="{report.public_id}"]').check()
    page.locator("#id_action").select_option("accept")
    page.locator("[data-bulk-submit]").click()

    # then the result names both as done, and the filtered queue (submitted only) is now empty
    results = page.locator("#bulk-results tbody tr")
    expect(results).to_have_count(2)
    expect(page.locator('#bulk-results [data-result="ok"]')).to_have_count(2)
    expect(page.locator(f'#bulk-results [data-number="{selectors.report_number(first)}"]')).to_contain_text(
        "已受理"
    )
    expect(rows).to_have_count(0)
    for report in (first, second):
        report.refresh_from_db()
        assert report.status == Report.Status.ACCEPTED
    third.refresh_from_db()
    assert third.status == Report.Status.SUBMITTED

    # and a marker's popup links to the report's page
    page.goto(f"{live_server.url}/staff/reports/?status=accepted")
    expect(page.locator("#queue-map [data-map-marker]")).to_have_count(2)
    page.locator("#queue-map [data-map-marker]").first.click()
    popup_link = page.locator(".leaflet-popup a.m-pin-label")
    expect(popup_link).to_have_attribute("href", re.compile(r"^/staff/reports/[0-9a-f-]{36}/$"))
