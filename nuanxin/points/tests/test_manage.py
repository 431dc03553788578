"""Staff API: rules, awards, corrections, rewards, leaderboards, stories — scoped by area."""

import io

import pytest
from PIL import Image

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.points import services
from nuanxin.points.models import EarnRule, LedgerEntry, Reward, Story

from .factories import balance_points, make_rule

RULES = "/api/v1/manage/points/rules"
AWARDS = "/api/v1/manage/points/awards"


def rule_body(areas, **changes):
    return {
        "code": "patrol",
        "name": "移动网格巡查",
        "kind": "street_report",
        "points_per_unit": 5,
        "daily_cap": 20,
        "area_code": areas["street"].code,
        **changes,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("courier", 403), ("steward", 403), ("other_street_staff", 422), ("street_staff", 201)],
)
def test_who_may_create_an_earn_rule_for_a_street(api, areas, auth, who, expected):
    status, body = api("post", RULES, rule_body(areas), auth(who) if who else None)

    assert status == expected
    assert EarnRule.objects.count() == (1 if expected == 201 else 0)
    if expected == 422:
        assert body["errors"][0]["field"] == "area_code"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"points_per_unit": 0}, "points_per_unit"),
        ({"daily_cap": -1}, "daily_cap"),
        ({"kind": "x"}, "kind"),
        ({"code": "Bad Code"}, "code"),
    ],
)
def test_bad_rules_are_refused_with_field_messages(api, areas, auth, changes, field):
    status, body = api("post", RULES, rule_body(areas, **changes), auth("street_staff"))
    assert status == 422 and field in {error["field"] for error in body["errors"]}
    assert not EarnRule.objects.exists()


def test_rules_of_another_street_answer_404_on_read_and_write(api, areas, auth):
    rule = make_rule(areas["street"], code="patrol", daily_cap=10)

    _status, visible = api("get", RULES, headers=auth("other_street_staff"))
    assert visible == []
    status, _body = api("patch", f"{RULES}/{rule.public_id}", {"daily_cap": 999}, auth("other_street_staff"))
    assert status == 404
    assert EarnRule.objects.get().daily_cap == 10
    status, body = api("patch", f"{RULES}/{rule.public_id}", {"daily_cap": 30}, auth("district_staff"))
    assert status == 200 and body["daily_cap"] == 30


def test_staff_award_points_and_see_the_clipping_message(api, areas, auth, me):
    make_rule(areas["street"], code="help", points_per_unit=10, daily_cap=25)

    status, body = api(
        "post", AWARDS, {"courier_id": me.public_id, "rule_code": "help", "quantity": 3}, auth("street_staff")
    )

    assert status == 201 and body["entry"]["points"] == 25 and body["is_clipped"]
    assert body["message"] == "已按每日上限发放：申请 30 积分，实际发放 25 积分。"
    status, body = api(
        "post", AWARDS, {"courier_id": me.public_id, "rule_code": "help"}, auth("street_staff")
    )
    assert status == 409 and body["code"] == "daily_cap_reached"
    assert balance_points(me) == 25


@pytest.mark.parametrize(
    ("who", "expected"),
    [("other_street_staff", 404), ("other_district_staff", 404), ("courier", 403), ("steward", 403)],
)
def test_awards_and_reversals_outside_the_area_change_nothing(api, areas, auth, users, me, who, expected):
    make_rule(areas["city"], code="help", points_per_unit=10)
    entry = services.points_award(actor=users["street_staff"], courier=me, rule_code="help").entry

    status, _ = api("post", AWARDS, {"courier_id": me.public_id, "rule_code": "help"}, auth(who))
    assert status == expected
    status, _ = api(
        "post", f"/api/v1/manage/points/entries/{entry.public_id}/reverse", {"note": "x"}, auth(who)
    )
    assert status == expected
    status, _ = api("get", f"/api/v1/manage/points/couriers/{me.public_id}/entries", headers=auth(who))
    assert status == expected
    assert LedgerEntry.objects.count() == 1 and balance_points(me) == 10


def test_staff_reverse_an_award_and_the_history_shows_both(api, areas, auth, users, me):
    make_rule(areas["city"], code="help", points_per_unit=10)
    entry = services.points_award(actor=users["street_staff"], courier=me, rule_code="help").entry

    status, body = api(
        "post",
        f"/api/v1/manage/points/entries/{entry.public_id}/reverse",
        {"note": "发错了"},
        auth("district_staff"),
    )

    assert status == 201 and body["points"] == -10 and body["kind"] == "reversal"
    _status, history = api(
        "get", f"/api/v1/manage/points/couriers/{me.public_id}/entries", headers=auth("street_staff")
    )
    assert [(row["kind"], row["points"]) for row in history] == [("reversal", -10), ("earn", 10)]
    assert AuditEntry.objects.filter(object_type="points.ledgerentry").count() == 2


def test_rewards_are_managed_for_merchants_of_the_area(api, auth, shops):
    body = {"merchant_id": shops["barber"].public_id, "title": "洗剪吹", "points_price": 80, "stock": 10}

    assert api("post", "/api/v1/manage/points/rewards", body, auth("other_street_staff"))[0] == 404
    status, created = api("post", "/api/v1/manage/points/rewards", body, auth("street_staff"))
    assert status == 201 and created["stock"] == 10

    path = f"/api/v1/manage/points/rewards/{created['id']}"
    assert api("patch", path, {"stock": 0}, auth("other_street_staff"))[0] == 404
    status, body = api("patch", path, {"stock": -1}, auth("street_staff"))
    assert status == 422 and body["errors"][0]["field"] == "stock"
    status, body = api("patch", path, {"stock": 3}, auth("street_staff"))
    assert status == 200 and body["stock"] == 3
    assert Reward.objects.get(public_id=created["id"]).stock == 3


def test_the_leaderboard_ranks_couriers_of_the_area_by_points_earned(api, areas, auth, users, me):
    make_rule(areas["city"], code="help", points_per_unit=10)
    neighbour = make_courier(area=areas["street"], name="李四")
    far = make_courier(area=areas["other_street"], name="王五")
    services.points_award(actor=users["street_staff"], courier=me, rule_code="help", quantity=2)
    services.points_award(actor=users["street_staff"], courier=neighbour, rule_code="help", quantity=5)
    services.points_award(actor=users["city_staff"], courier=far, rule_code="help", quantity=9)

    status, body = api("get", "/api/v1/manage/points/leaderboard?period=month", headers=auth("street_staff"))

    assert status == 200
    assert [(row["rank"], row["name"], row["value"]) for row in body["rows"]] == [
        (1, "李四", 50),
        (2, "张三", 20),
    ]
    _status, district = api(
        "get", "/api/v1/manage/points/leaderboard?period=all", headers=auth("district_staff")
    )
    assert [row["name"] for row in district["rows"]] == ["王五", "李四", "张三"]
    status, body = api(
        "get",
        f"/api/v1/manage/points/leaderboard?area_code={areas['district'].code}",
        headers=auth("street_staff"),
    )
    assert status == 422
    assert (
        api("get", "/api/v1/manage/points/leaderboard?period=decade", headers=auth("street_staff"))[0] == 422
    )
    status, hours = api(
        "get", "/api/v1/manage/points/leaderboard?metric=hours&period=all", headers=auth("street_staff")
    )
    assert status == 200 and hours["rows"] == []


def _jpeg_with_gps():
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {2: (39, 7, 0)}
    data = io.BytesIO()
    image.save(data, format="JPEG", exif=exif)
    data.seek(0)
    data.name = "hero.jpg"
    return data


def test_a_story_with_photos_is_published_on_the_mobile_site(client, areas, users, me, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    headers = bearer(users["street_staff"])
    status = client.post(
        "/api/v1/manage/points/stories",
        {
            "title": "最美快递小哥张三",
            "body": "雨夜送药。",
            "area_code": areas["street"].code,
            "courier_id": str(me.public_id),
            "photos": [_jpeg_with_gps()],
        },
        **headers,
    )
    assert status.status_code == 201, status.content
    story = status.json()
    assert story["status"] == "draft" and len(story["photos"]) == 1
    saved = Story.objects.get().photos.get().image
    with Image.open(saved.path) as stored:
        assert not stored.getexif()

    assert "最美快递小哥张三" not in client.get("/m/stories/").content.decode()
    assert (
        client.post(
            f"/api/v1/manage/points/stories/{story['id']}/publish", **bearer(users["other_street_staff"])
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/manage/points/stories/{story['id']}/publish", **headers).status_code == 200

    page = client.get("/m/stories/").content.decode()
    assert "最美快递小哥张三" in page
    detail = client.get(f"/m/stories/{story['id']}/")
    assert detail.status_code == 200 and "雨夜送药" in detail.content.decode()
    assert client.get("/api/v1/points/stories").json()[0]["title"] == "最美快递小哥张三"


def test_a_story_photo_that_is_not_an_image_is_refused(client, areas, users):
    upload = io.BytesIO(b"not an image")
    upload.name = "x.jpg"
    response = client.post(
        "/api/v1/manage/points/stories",
        {"title": "t", "body": "b", "area_code": areas["street"].code, "photos": [upload]},
        **bearer(users["street_staff"]),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "photos"
    assert not Story.objects.exists()
