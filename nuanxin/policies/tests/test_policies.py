"""The policy library: staff write, publish and push; couriers search and read; read receipts;
the authorization matrix."""

import pytest

from nuanxin.messaging.models import Announcement, InboxMessage
from nuanxin.policies.models import Policy, PolicyRead

pytestmark = pytest.mark.django_db


def _policy(area, **fields):
    return {
        "title": "新就业形态劳动者职业伤害保障",
        "department": "human_resources",
        "category": "social_insurance",
        "issuer": "天津市人社局",
        "summary": "平台企业为骑手缴纳职业伤害保障费用",
        "body": "一、适用对象……二、保障待遇……",
        "source_url": "https://hrss.tj.gov.cn/policy/1",
        "effective_from": "2025-01-01",
        "area_code": area.code,
        "publish": True,
        **fields,
    }


def _create(api, auth, who, area, **fields):
    status, body = api("post", "/api/v1/manage/policies", _policy(area, **fields), auth(who))
    assert status == 201, body
    return body


def test_couriers_see_the_policies_of_their_area_and_above(api, auth, areas, couriers, as_courier):
    _create(api, auth, "city_staff", areas["city"], title="全市政策")
    _create(api, auth, "street_staff", areas["street"], title="劝业场街道政策")
    _create(api, auth, "other_district_staff", areas["other_district"], title="河东区政策")
    _create(api, auth, "street_staff", areas["street"], title="草稿", publish=False)

    mine = api("get", "/api/v1/policies", headers=as_courier(couriers["me"]))[1]
    hedong = api("get", "/api/v1/policies", headers=as_courier(couriers["hedong"]))[1]

    assert sorted(item["title"] for item in mine["items"]) == ["全市政策", "劝业场街道政策"]
    assert sorted(item["title"] for item in hedong["items"]) == ["全市政策", "河东区政策"]


def test_search_by_words_department_category_and_effect(api, auth, areas, couriers, as_courier):
    _create(api, auth, "city_staff", areas["city"])
    _create(
        api,
        auth,
        "city_staff",
        areas["city"],
        title="电动自行车通行规定",
        department="police",
        category="traffic_safety",
        summary="头盔与限速",
        body="……",
        effective_until="2025-01-31",
        effective_from="2024-01-01",
    )
    headers = as_courier(couriers["me"])

    def titles(query):
        return [
            item["title"] for item in api("get", f"/api/v1/policies?{query}", headers=headers)[1]["items"]
        ]

    assert titles("q=头盔") == ["电动自行车通行规定"]
    assert titles("q=职业伤害 骑手") == ["新就业形态劳动者职业伤害保障"]
    assert titles("department=police") == ["电动自行车通行规定"]
    assert titles("category=social_insurance") == ["新就业形态劳动者职业伤害保障"]
    assert titles("in_effect=true") == ["新就业形态劳动者职业伤害保障"]
    assert api("get", "/api/v1/policies?department=nonsense", headers=headers)[0] == 422


def test_reading_writes_one_receipt_and_staff_see_it(api, auth, areas, couriers, as_courier):
    policy = _create(api, auth, "street_staff", areas["street"])
    url = f"/api/v1/policies/{policy['id']}"

    before = api("get", "/api/v1/policies", headers=as_courier(couriers["me"]))[1]["items"][0]["is_read"]
    api("get", url, headers=as_courier(couriers["me"]))
    status, read = api("get", url, headers=as_courier(couriers["me"]))
    after = api("get", "/api/v1/policies", headers=as_courier(couriers["me"]))[1]["items"][0]["is_read"]

    assert (before, status, read["body"], after) == (False, 200, "一、适用对象……二、保障待遇……", True)
    assert PolicyRead.objects.count() == 1
    receipts = api("get", f"/api/v1/manage/policies/{policy['id']}/reads", headers=auth("district_staff"))[1]
    assert receipts["read_count"] == 1 and receipts["reads"][0]["courier_phone"] == "138****0001"


def test_a_courier_cannot_open_a_draft_or_another_area_policy(api, auth, areas, couriers, as_courier):
    draft = _create(api, auth, "street_staff", areas["street"], publish=False)
    elsewhere = _create(api, auth, "other_street_staff", areas["other_street"])
    for policy in (draft, elsewhere):
        assert api("get", f"/api/v1/policies/{policy['id']}", headers=as_courier(couriers["me"]))[0] == 404
    assert not PolicyRead.objects.exists()
    assert api("get", "/api/v1/policies", headers=auth("street_staff"))[0] == 403
    assert api("get", "/api/v1/policies")[0] == 401


def test_push_reaches_the_area_couriers_inbox_with_a_link(api, auth, areas, couriers):
    policy = _create(api, auth, "street_staff", areas["street"])

    status, push = api("post", f"/api/v1/manage/policies/{policy['id']}/push", {}, auth("street_staff"))

    assert status == 201 and push["recipient_count"] == 2
    messages = InboxMessage.objects.filter(announcement__public_id=push["announcement_id"])
    assert {message.recipient for message in messages} == {couriers["me"], couriers["neighbour"]}
    assert all(message.link == f"/m/policies/{policy['id']}/" for message in messages)


def test_a_draft_cannot_be_pushed_and_a_push_stays_inside_the_policy_area(api, auth, areas):
    draft = _create(api, auth, "district_staff", areas["street"], publish=False)
    assert api("post", f"/api/v1/manage/policies/{draft['id']}/push", {}, auth("district_staff"))[0] == 409
    street_policy = _create(api, auth, "district_staff", areas["street"])
    status, body = api(
        "post",
        f"/api/v1/manage/policies/{street_policy['id']}/push",
        {"area_code": areas["other_street"].code},
        auth("district_staff"),
    )
    assert status == 422 and body["errors"][0]["field"] == "area_code"
    bad_channel = api(
        "post",
        f"/api/v1/manage/policies/{street_policy['id']}/push",
        {"channels": ["fax"]},
        auth("district_staff"),
    )
    assert bad_channel[0] == 422
    assert not Announcement.objects.exists() and not InboxMessage.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": ""}, "title"),
        ({"department": "nasa"}, "department"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"effective_from": "2025-02-01", "effective_until": "2025-01-01"}, "effective_until"),
        ({"effective_from": "2025-02-30"}, "effective_from"),
        ({"area_code": "120102000000"}, "area_code"),  # 河东区: outside the street's area
    ],
)
def test_bad_policy_input(api, auth, areas, fields, field):
    status, body = api(
        "post",
        "/api/v1/manage/policies",
        _policy(areas["street"], **fields),
        {**auth("street_staff"), "HTTP_ACCEPT_LANGUAGE": "en"},
    )
    assert status == 422 and field in [error["field"] for error in body["errors"]]
    assert not Policy.objects.exists()


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("courier", 403),
        ("steward", 403),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_policy_management_follows_the_area(api, auth, areas, who, expected):
    policy = _create(api, auth, "street_staff", areas["street"], publish=False)
    url = f"/api/v1/manage/policies/{policy['id']}"
    headers = {} if who == "anonymous" else auth(who)

    statuses = [
        api("get", url, headers=headers)[0],
        api("put", url, _policy(areas["street"], title="改了"), headers)[0],
        api("post", f"{url}/publish", headers=headers)[0],
        api("get", f"{url}/reads", headers=headers)[0],
        api("post", f"{url}/push", {}, headers)[0],
    ]

    stored = Policy.objects.get(public_id=policy["id"])
    if expected == 200:
        assert statuses == [200, 200, 200, 200, 201]
        assert (stored.title, stored.status) == ("改了", "published")
    else:
        assert statuses == [expected] * 5
        assert (stored.title, stored.status) == ("新就业形态劳动者职业伤害保障", "draft")
        assert not Announcement.objects.exists()


def test_only_drafts_can_be_deleted(api, auth, areas):
    draft = _create(api, auth, "street_staff", areas["street"], publish=False)
    published = _create(api, auth, "street_staff", areas["street"])
    assert (
        api("delete", f"/api/v1/manage/policies/{draft['id']}", headers=auth("other_street_staff"))[0] == 404
    )
    assert api("delete", f"/api/v1/manage/policies/{draft['id']}", headers=auth("street_staff"))[0] == 204
    assert api("delete", f"/api/v1/manage/policies/{published['id']}", headers=auth("street_staff"))[0] == 409
    assert [str(public_id) for public_id in Policy.objects.values_list("public_id", flat=True)] == [
        published["id"]
    ]


def test_mobile_pages_search_read_and_receipt(client, api, auth, areas, couriers):
    policy = _create(api, auth, "street_staff", areas["street"])
    _create(api, auth, "other_street_staff", areas["other_street"], title="小白楼专属")
    client.force_login(couriers["me"].user)

    listing = client.get("/m/policies/?q=职业伤害").content.decode()
    detail = client.get(f"/m/policies/{policy['id']}/")

    assert "新就业形态劳动者职业伤害保障" in listing and "小白楼专属" not in listing
    assert detail.status_code == 200 and "平台企业为骑手缴纳职业伤害保障费用" in detail.content.decode()
    assert PolicyRead.objects.filter(courier=couriers["me"]).count() == 1
    other = Policy.objects.get(title="小白楼专属")
    assert client.get(f"/m/policies/{other.public_id}/").status_code == 404
    client.logout()
    assert client.get("/m/policies/").status_code == 302
