"""A courier looks at the leaderboards on a phone: switches to points, to their district, and
finds their own row highlighted below the top 20 with its rank; names are masked.

Sign-in is a session cookie of a force-logged-in test client (as in test_volunteer_check_in.py).
"""

import pytest
from django.test import Client

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.points import services
from nuanxin.points.tests.factories import make_rule

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser


@pytest.fixture
def me(transactional_db):
    tree = make_tree()
    make_rule(tree["city"], code="manual", points_per_unit=1)
    awarder = staff(Role.CITY_STAFF, tree["city"], username="city")
    for number in range(20):
        courier = make_courier(area=tree["street"], name=f"钱{number:02d}")
        services.points_award(actor=awarder, courier=courier, rule_code="manual", quantity=100 + number)
    services.points_award(
        actor=awarder,
        courier=make_courier(area=tree["other_street"], name="王五"),
        rule_code="manual",
        quantity=500,
    )
    me = make_courier(area=tree["street"], name="张三")
    services.points_award(actor=awarder, courier=me, rule_code="manual", quantity=7)
    return me


def test_a_courier_finds_their_own_row_on_the_points_board_of_their_district(
    live_server, me, browser_context
):
    client = Client()
    client.force_login(me.user)
    context = browser_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()

    page.goto(live_server.url + "/m/points/")
    page.locator("[data-leaderboard-link]").click()
    expect(page.locator('[data-metric="points"]')).to_have_attribute("aria-current", "page")

    page.locator('[data-scope="district"]').click()
    expect(page.locator('[data-scope="district"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-board] [data-row]").first).to_contain_text("王*")
    mine = page.locator("[data-me-below]")
    expect(mine).to_be_visible()
    expect(mine).to_have_attribute("data-rank", "22")
    expect(mine).to_contain_text("张*")
    highlighted = mine.evaluate("element => getComputedStyle(element).backgroundColor")
    plain = page.locator("[data-board] [data-row]").first.evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )
    assert highlighted != plain
    assert "张三" not in page.content() and me.phone_masked not in page.content()
