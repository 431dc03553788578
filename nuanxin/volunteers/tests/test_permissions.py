"""Authorization matrix: staff only within their area (others get 404, nothing changes); couriers
only their own data; everyone else refused."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.volunteers.models import Certificate, Membership, RecordEntry, Team

from .factories import make_shift, make_sign_up, make_volunteer, served_sign_up

MANAGE = "/api/v1/manage/volunteer"
API = "/api/v1/volunteer"
ALLOWED = ["street_staff", "district_staff", "city_staff", "steward"]
OUT_OF_AREA = ["other_street_staff", "other_district_staff"]


@pytest.fixture
def served(team, volunteer, users):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    return served_sign_up(shift, volunteer)


@pytest.mark.parametrize("name", ALLOWED)
def test_staff_of_the_area_approve_hours(client, auth, served, name):
    response = client.post(
        f"{MANAGE}/sign-ups/{served.public_id}/approve", {}, content_type="application/json", **auth(name)
    )
    assert response.status_code == 201
    assert RecordEntry.objects.count() == 1


@pytest.mark.parametrize("name", OUT_OF_AREA)
def test_staff_of_another_area_get_404_on_read_and_write_and_nothing_changes(
    client, auth, served, team, name
):
    application = Membership.objects.create(
        team=team, volunteer=make_volunteer(name="赵六", id_number=""), role="policy_promoter"
    )
    certificate = Certificate.objects.create(
        volunteer=served.volunteer,
        team=team,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
    )
    headers = auth(name)

    reads = [
        f"{MANAGE}/teams/{team.public_id}/memberships",
        f"{MANAGE}/shifts/{served.shift.public_id}/sign-ups",
        f"{MANAGE}/shifts/{served.shift.public_id}/check-in-code",
        f"{MANAGE}/activities/{served.shift.activity.public_id}",
    ]
    writes = [
        (f"{MANAGE}/sign-ups/{served.public_id}/approve", {}),
        (f"{MANAGE}/memberships/{application.public_id}/decide", {"approve": True}),
        (f"{MANAGE}/certificates/{certificate.public_id}/issue", {}),
        (f"{MANAGE}/activities/{served.shift.activity.public_id}/cancel", {}),
    ]
    for url in reads:
        assert client.get(url, **headers).status_code == 404, url
    for url, body in writes:
        assert client.post(url, body, content_type="application/json", **headers).status_code == 404, url
    assert client.get(f"{MANAGE}/teams", **headers).json() == []
    assert client.get(f"{MANAGE}/approvals", **headers).json() == []

    assert not RecordEntry.objects.exists()
    application.refresh_from_db()
    certificate.refresh_from_db()
    assert application.status == "applied"
    assert certificate.status == "requested"
    assert served.shift.activity.status == "open"


def test_couriers_and_anonymous_users_cannot_use_the_staff_api(client, served, courier_auth):
    url = f"{MANAGE}/sign-ups/{served.public_id}/approve"
    assert client.post(url, {}, content_type="application/json", **courier_auth).status_code == 403
    assert client.post(url, {}, content_type="application/json").status_code == 401
    assert client.get(f"{MANAGE}/teams").status_code == 401
    assert not RecordEntry.objects.exists()


def test_a_courier_cannot_touch_another_volunteers_sign_up(client, team, served):
    other = make_volunteer(team=team, name="钱七", id_number="")
    headers = bearer(other.courier.user)

    for path, body in [
        ("check-out", {"method": "position", "latitude": 39.117, "longitude": 117.203}),
        ("cancel", {}),
        ("corrections", {"requested_minutes": 10, "reason": "x"}),
    ]:
        response = client.post(
            f"{API}/sign-ups/{served.public_id}/{path}", body, content_type="application/json", **headers
        )
        assert response.status_code == 404, path
    assert not served.corrections.exists()


def test_a_courier_sees_only_their_own_certificates(client, team, volunteer, courier_auth):
    other = make_volunteer(team=team, name="孙八", id_number="")
    theirs = Certificate.objects.create(
        volunteer=other, team=team, period_start=timezone.localdate(), period_end=timezone.localdate()
    )

    assert client.get(f"{API}/certificates", **courier_auth).json() == []
    assert client.get(f"{API}/certificates/{theirs.public_id}/pdf", **courier_auth).status_code == 404


def test_staff_create_a_team_only_in_their_area(client, auth, areas):
    body = {"area_code": areas["other_street"].code, "name": "越界队"}
    refused = client.post(f"{MANAGE}/teams", body, content_type="application/json", **auth("street_staff"))
    created = client.post(
        f"{MANAGE}/teams",
        {**body, "area_code": areas["street"].code},
        content_type="application/json",
        **auth("street_staff"),
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "area_code"
    assert created.status_code == 201
    assert Team.objects.count() == 1


def test_applying_approving_and_a_second_application(client, team, auth):
    volunteer = make_volunteer(name="周九", id_number="")
    headers = bearer(volunteer.courier.user)
    url = f"{API}/teams/{team.public_id}/apply"

    bad_role = client.post(url, {"role": "boss"}, content_type="application/json", **headers)
    applied = client.post(url, {"role": "mobile_grid_worker"}, content_type="application/json", **headers)
    again = client.post(url, {"role": "mobile_grid_worker"}, content_type="application/json", **headers)

    assert bad_role.status_code == 422
    assert applied.status_code == 201
    assert again.status_code == 409
    listed = client.get(
        f"{MANAGE}/teams/{team.public_id}/memberships?status=applied", **auth("street_staff")
    ).json()
    assert [item["volunteer_name"] for item in listed] == ["周九"]
    decided = client.post(
        f"{MANAGE}/memberships/{applied.json()['id']}/decide",
        {"approve": True},
        content_type="application/json",
        **auth("street_staff"),
    )
    assert decided.json()["status"] == "approved"
    mine = client.get(f"{API}/memberships", **headers).json()
    assert [(item["team_name"], item["status"]) for item in mine] == [("行走的哨兵", "approved")]


def test_an_errand_has_one_shift_and_bad_shift_input_is_refused(client, team, auth):
    start = timezone.now() + datetime.timedelta(days=1)
    shift = {
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
        "place_name": "花园路社区",
        "latitude": 39.11,
        "longitude": 117.2,
        "capacity": 5,
    }
    url = f"{MANAGE}/activities"
    base = {"team_id": str(team.public_id), "title": "为独居老人取药"}

    errand = client.post(
        url,
        {**base, "kind": "errand", "shifts": [shift]},
        content_type="application/json",
        **auth("street_staff"),
    )
    two = client.post(
        url,
        {**base, "kind": "errand", "shifts": [shift, shift]},
        content_type="application/json",
        **auth("street_staff"),
    )
    backwards = client.post(
        url,
        {**base, "shifts": [{**shift, "ends_at": start.isoformat()}]},
        content_type="application/json",
        **auth("street_staff"),
    )
    far = client.post(
        url,
        {**base, "shifts": [{**shift, "latitude": 91}]},
        content_type="application/json",
        **auth("street_staff"),
    )

    assert errand.status_code == 201
    assert errand.json()["shifts"][0]["capacity"] == 1
    assert two.status_code == 422
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "shifts[0].ends_at"
    assert far.status_code == 422
    assert far.json()["errors"][0]["field"] == "shifts[0].latitude"


def test_a_courier_who_is_not_a_volunteer_is_told_to_register(client, users, auth):
    from nuanxin.couriers.tests.factories import make_courier

    courier = make_courier()
    headers = bearer(courier.user)

    assert client.get(f"{API}/me", **headers).status_code == 409
    registered = client.post(f"{API}/register", **headers)
    assert registered.status_code == 200
    number = registered.json()["volunteer_number"]
    assert client.post(f"{API}/register", **headers).json()["volunteer_number"] == number
    assert len(number) == 18


def test_the_staff_list_of_approvals_takes_a_constant_number_of_queries(
    client, auth, team, users, django_assert_max_num_queries
):
    for index in range(5):
        volunteer = make_volunteer(team=team, name=f"队员{index}", id_number="")
        served_sign_up(make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1)), volunteer)
    make_sign_up(make_shift(team), make_volunteer(team=team, name="未到", id_number=""))
    headers = auth("street_staff")

    with django_assert_max_num_queries(6):
        response = client.get(f"{MANAGE}/approvals", **headers)

    assert len(response.json()) == 5
