"""Sign-in with a mobile number and an SMS code, through the API (Bearer tokens)."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from nuanxin.accounts.models import AccessToken, Role, User
from nuanxin.core.crypto import lookup_hash
from nuanxin.couriers.models import CourierProfile, SmsLoginCode
from nuanxin.couriers.tests.factories import make_courier, make_privacy_notice
from nuanxin.messaging import sms

PHONE = "13912340001"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def outbox(settings, db):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    return sms.outbox


def request_code(client, phone=PHONE, ip="10.0.0.1", **headers):
    return client.post(
        "/api/v1/auth/sms-code", {"phone": phone}, content_type="application/json", REMOTE_ADDR=ip, **headers
    )


def sign_in(client, phone=PHONE, code=None, **headers):
    return client.post(
        "/api/v1/auth/sms-login", {"phone": phone, "code": code}, content_type="application/json", **headers
    )


def last_code(outbox):
    return outbox[-1]["params"]["code"]


def codes_of(phone):
    return SmsLoginCode.objects.filter(phone_hash=lookup_hash(phone))


def backdate(phone, **delta):
    """Time travel: make the number's codes older."""
    codes_of(phone).update(created_at=F("created_at") - timedelta(**delta))


def test_a_code_is_texted_and_signs_a_new_courier_in(client, outbox):
    # when a new number asks for a code
    response = request_code(client, "+86 139-1234-0001")

    # then a 6-digit code is texted to the normalized number
    assert response.status_code == 200
    assert response.json() == {
        "phone_masked": "139****0001",
        "expires_in": 300,
        "resend_after": 60,
        "demo": False,
    }
    assert outbox[-1]["phone"] == PHONE
    code = last_code(outbox)
    assert len(code) == 6 and code.isdigit()
    # and only hashes are stored
    row = codes_of(PHONE).get()
    assert PHONE not in row.phone_hash and code not in row.code_hash
    assert timedelta(minutes=4, seconds=59) < row.expires_at - row.created_at <= timedelta(minutes=5)

    # when the courier signs in with it
    response = sign_in(client, code=code)

    # then a token comes back and the account exists, as a courier, not yet registered
    assert response.status_code == 200
    body = response.json()
    assert body["is_registered"] is False
    assert body["needs_consent"] is False  # no privacy notice published yet
    profile = CourierProfile.objects.get(phone_hash=lookup_hash(PHONE))
    assert profile.user.role == Role.COURIER
    assert profile.phone == PHONE and profile.phone_masked == "139****0001"
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["phone_masked"] == "139****0001"


def test_a_second_sign_in_with_the_same_number_is_the_same_account(client, outbox):
    request_code(client)
    first = sign_in(client, code=last_code(outbox)).json()
    backdate(PHONE, minutes=2)
    request_code(client, "139 1234 0001")
    second = sign_in(client, code=last_code(outbox)).json()

    assert first["token"] != second["token"]
    assert CourierProfile.objects.filter(phone_hash=lookup_hash(PHONE)).count() == 1
    assert User.objects.filter(role=Role.COURIER).count() == 1


def test_sign_in_answers_needs_consent_when_a_notice_is_published(client, outbox):
    make_privacy_notice(version="1")
    request_code(client)
    body = sign_in(client, code=last_code(outbox)).json()
    assert body["needs_consent"] is True
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 403
    assert me.json()["code"] == "consent_required"


def test_a_code_works_only_once(client, outbox):
    request_code(client)
    code = last_code(outbox)
    assert sign_in(client, code=code).status_code == 200

    response = sign_in(client, code=code, **EN)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"


def test_an_expired_code_is_refused(client, outbox):
    request_code(client)
    code = last_code(outbox)
    # time travel: the 5 minutes are over
    codes_of(PHONE).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = sign_in(client, code=code, **EN)

    assert response.status_code == 400
    assert response.json()["code"] == "code_expired"
    assert "expired" in response.json()["message"]
    assert not CourierProfile.objects.exists()


def test_a_code_is_locked_after_five_wrong_tries(client, outbox):
    request_code(client)
    code = last_code(outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [sign_in(client, code=wrong, **EN).json() for _ in range(5)]

    assert [answer["code"] for answer in answers] == ["code_invalid"] * 4 + ["code_locked"]
    assert "4 tries left" in answers[0]["message"]
    assert "1 tries left" in answers[3]["message"] or "1 try" in answers[3]["message"]
    assert codes_of(PHONE).get().failed_attempts == 5
    # the right code no longer works either
    response = sign_in(client, code=code, **EN)
    assert response.status_code == 400
    assert response.json()["code"] == "code_locked"
    assert not CourierProfile.objects.exists()


def test_a_new_code_replaces_the_earlier_one(client, outbox):
    request_code(client)
    first = last_code(outbox)
    backdate(PHONE, minutes=2)
    request_code(client)
    second = last_code(outbox)

    if first != second:  # a one-in-a-million coincidence would make both the same
        assert sign_in(client, code=first).status_code == 400
    assert sign_in(client, code=second).status_code == 200


def test_one_code_a_minute_per_number(client, outbox):
    assert request_code(client).status_code == 200

    response = request_code(client, **EN)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["errors"][0]["field"] == "phone"
    assert "seconds" in body["message"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert len(outbox) == 1
    # a minute later it works again
    backdate(PHONE, seconds=61)
    assert request_code(client).status_code == 200


def test_ten_codes_a_day_per_number(client, outbox):
    for _ in range(10):
        assert request_code(client).status_code == 200
        backdate(PHONE, minutes=2)

    response = request_code(client, **EN)

    assert response.status_code == 429
    assert "today" in response.json()["message"]
    assert int(response["Retry-After"]) > 20 * 3600
    assert len(outbox) == 10
    # a day after the first one, one more is allowed
    backdate(PHONE, hours=23, minutes=45)
    assert request_code(client).status_code == 200


def test_twenty_codes_an_hour_per_client_address(client, outbox):
    for index in range(20):
        assert request_code(client, f"1391234{index:04d}", ip="10.9.9.9").status_code == 200

    response = request_code(client, "13912349999", ip="10.9.9.9", **EN)

    assert response.status_code == 429
    assert "network" in response.json()["message"]
    assert len(outbox) == 20
    # another address is not affected
    assert request_code(client, "13912349999", ip="10.9.9.10").status_code == 200


@pytest.mark.parametrize("phone", ["12345", "23800138000", "1380013800a", "138001380001", "", "  "])
def test_malformed_numbers_are_refused_field_by_field(client, outbox, phone):
    response = request_code(client, phone, **EN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"
    assert "mobile number" in response.json()["errors"][0]["message"]
    assert not SmsLoginCode.objects.exists()
    assert outbox == []


def test_a_missing_number_is_refused(client):
    response = client.post("/api/v1/auth/sms-code", {}, content_type="application/json", **EN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", ""])
def test_malformed_codes_are_refused(client, outbox, code):
    request_code(client)
    response = sign_in(client, code=code, **EN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert codes_of(PHONE).get().failed_attempts == 0


def test_signing_in_without_requesting_a_code_is_refused(client):
    response = sign_in(client, code="123456")
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"


def test_demo_number_signs_in_with_123456_on_a_demo_site(client, outbox, settings):
    settings.NUANXIN_DEMO = True
    response = request_code(client, "13800138000")
    assert response.status_code == 200
    assert response.json()["demo"] is True
    assert outbox == []  # no SMS

    response = sign_in(client, "13800138000", "123456")

    assert response.status_code == 200
    assert CourierProfile.objects.filter(phone_hash=lookup_hash("13800138000")).exists()


def test_demo_code_is_refused_when_the_site_is_not_a_demo(client, outbox, settings):
    settings.NUANXIN_DEMO = False
    response = sign_in(client, "13800138000", "123456")
    assert response.status_code == 400
    assert not CourierProfile.objects.exists()
    # and the demo number gets a real, texted code like any other
    assert request_code(client, "13800138000").json()["demo"] is False
    assert outbox[-1]["phone"] == "13800138000"


def test_a_deactivated_courier_cannot_sign_in(client, outbox):
    profile = make_courier(phone=PHONE)
    User.objects.filter(pk=profile.user_id).update(is_active=False)
    request_code(client)
    response = sign_in(client, code=last_code(outbox))
    assert response.status_code == 403
    assert not AccessToken.objects.exists()


def test_logout_revokes_the_token(client, outbox):
    request_code(client)
    token = sign_in(client, code=last_code(outbox)).json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    assert client.post("/api/v1/auth/logout", **headers).status_code == 204

    assert client.get("/api/v1/me", **headers).status_code == 401


@pytest.mark.postgres_only
def test_two_simultaneous_requests_for_one_number_send_one_code(transactional_db, settings):
    import threading

    from django.db import connection, connections

    from nuanxin.couriers import signin

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    barrier = threading.Barrier(4)
    outcomes = []

    def ask():
        barrier.wait()
        try:
            signin.sms_code_request(phone=PHONE, client_ip="10.0.0.1")
            outcomes.append("sent")
        except signin.RateLimited:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "refused", "refused", "sent"]
    assert codes_of(PHONE).count() == 1
