"""The courier's points pages and the public stories page."""

from nuanxin.points import services
from nuanxin.points.models import RedeemCode

from .factories import make_rule


def sign_in(client, courier):
    client.force_login(courier.user)


def test_the_points_page_shows_balance_history_and_rewards(client, areas, users, me, shops):
    make_rule(areas["city"], code="help", name="帮助邻里", points_per_unit=30)
    services.points_award(actor=users["street_staff"], courier=me, rule_code="help", quantity=4)
    sign_in(client, me)

    page = client.get("/m/points/").content.decode()

    assert 'data-balance="120"' in page
    assert "帮助邻里" in page and "+120" in page
    assert "爱心理发" in page and "免费洗澡" in page


def test_my_redeem_code_page_shows_a_qr_the_merchant_can_confirm(client, areas, users, me, shops):
    make_rule(areas["city"], code="help", points_per_unit=100)
    services.points_award(actor=users["street_staff"], courier=me, rule_code="help")
    sign_in(client, me)
    reward = shops["haircut"]

    assert client.get(f"/m/points/rewards/{reward.public_id}/").status_code == 200
    fragment = client.post(f"/m/points/rewards/{reward.public_id}/code/")

    assert fragment.status_code == 200 and "<svg" in fragment.content.decode()
    code = RedeemCode.objects.get()
    assert code.courier == me and code.redeemed_at is None
    assert "data-live-code" in client.get("/m/points/").content.decode()


def test_a_code_beyond_the_balance_is_refused_on_the_page(client, me, shops):
    sign_in(client, me)
    response = client.post(f"/m/points/rewards/{shops['haircut'].public_id}/code/")
    assert response.status_code == 400 and "积分不足" in response.content.decode()
    assert not RedeemCode.objects.exists()


def test_points_pages_are_for_signed_in_couriers(client, users, shops):
    assert client.get("/m/points/").status_code == 302
    client.force_login(users["street_staff"])
    assert client.get("/m/points/").status_code == 403
    assert client.post(f"/m/points/rewards/{shops['haircut'].public_id}/code/").status_code == 403


def test_stories_page_is_public_and_empty_at_first(client, db):
    response = client.get("/m/stories/")
    assert response.status_code == 200 and "data-stories" not in response.content.decode()


def test_the_back_office_shows_the_ledger_of_the_staff_members_area_only(client, areas, users, me):
    make_rule(areas["city"], code="help", name="帮助邻里", points_per_unit=30)
    services.points_award(actor=users["street_staff"], courier=me, rule_code="help")

    client.force_login(users["street_staff"])
    mine = client.get("/admin/points/ledgerentry/")
    client.force_login(users["other_street_staff"])
    theirs = client.get("/admin/points/ledgerentry/")

    assert mine.status_code == 200 and "张三" in mine.content.decode()
    assert theirs.status_code == 200 and "张三" not in theirs.content.decode()


def test_the_demo_loads_once(areas, shops):
    from nuanxin.couriers.tests.factories import make_courier
    from nuanxin.points.demo import load_demo_points
    from nuanxin.points.models import LedgerEntry

    make_courier(area=areas["street"], name="王师傅")

    first = load_demo_points()
    again = load_demo_points()

    assert first == again and first["rules"] == 4 and first["stories"] == 1
    assert first["entries"] == 3 and LedgerEntry.objects.count() == 3
