"""GET /api/v1/accounts/me."""


def test_the_signed_in_staff_account_sees_its_role_and_area(client, users, auth):
    response = client.get("/api/v1/accounts/me", **auth("street_staff"))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "street"
    assert body["role"] == "street_staff"
    assert body["is_superuser"] is False
    assert body["area"] == {
        "code": "120101001000",
        "name": "劝业场街道",
        "level": 4,
        "full_name": "天津市 和平区 劝业场街道",
    }
    assert "steward" in body["manageable_roles"]
    assert "district_staff" not in body["manageable_roles"]


def test_the_role_label_follows_the_language(client, users, auth):
    english = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="en", **auth("steward")).json()
    assert english["role_label"] == "Station steward"
    assert english["manageable_roles"] == []


def test_a_session_works_too(client, users):
    client.force_login(users["district_staff"])
    assert client.get("/api/v1/accounts/me").json()["area"]["name"] == "和平区"


def test_anonymous_requests_are_refused(client, db):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_courier_has_no_area(client, users, auth):
    body = client.get("/api/v1/accounts/me", **auth("courier")).json()
    assert (body["role"], body["area"]) == ("courier", None)
