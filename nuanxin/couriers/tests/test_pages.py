"""The courier's pages of the mobile site: sign-in with a session cookie, consent, registration,
profile, export, deletion, and the home page."""

import json
import re

import pytest
from django.utils import timezone

from nuanxin.couriers.models import Consent, CourierProfile
from nuanxin.couriers.tests.factories import make_courier, make_privacy_notice, valid_id_number
from nuanxin.messaging import sms

PHONE = "13912345678"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def outbox(settings, db):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    return sms.outbox


def register_form(**overrides):
    data = {
        "name": "陈七",
        "worker_group": "express_courier",
        "company": "jd",
        "company_other": "",
        "site_name": "京东和平营业部",
        "work_area": "120101001000",
        "id_number": "",
        "child-0-nickname": "果果",
        "child-0-birth_year": str(timezone.localdate().year - 6),
        "child-0-gender": "female",
        "is_union_member": "on",
    }
    data.update(overrides)
    return data


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_whole_journey_from_sign_in_to_profile(client, areas, outbox):
    notice = make_privacy_notice(version="1", title="隐私说明", body="我们加密保存你的手机号。")

    # the login page asks for the number
    response = client.get("/m/login/")
    assert response.status_code == 200
    assert 'name="phone"' in text(response)

    # a code is texted
    response = client.post("/m/login/", {"phone": PHONE, "action": "send"}, **EN)
    assert response.status_code == 200
    assert "139****5678" in text(response)
    assert 'name="code"' in text(response)
    code = outbox[-1]["params"]["code"]

    # the code signs in with a session cookie; consent comes first
    response = client.post("/m/login/", {"phone": PHONE, "code": code, "action": "verify"})
    assert response.status_code == 302
    assert response["Location"].startswith("/m/privacy/")
    assert "sessionid" in response.cookies

    response = client.get(response["Location"])
    assert "我们加密保存你的手机号。" in text(response)
    response = client.post("/m/privacy/", {"version": "1"}, HTTP_USER_AGENT="Test phone")
    assert response.status_code == 302 and response["Location"] == "/m/register/?next=%2Fm%2F"
    assert Consent.objects.get(notice=notice).user_agent == "Test phone"

    # then the registration form, which leads home once saved
    response = client.get("/m/register/?next=%2Fm%2F")
    assert response.status_code == 200
    assert "劝业场街道" in text(response) and "京东" in text(response)
    response = client.post("/m/register/", {**register_form(), "next": "/m/"})
    assert response.status_code == 302 and response["Location"] == "/m/"

    # and the profile page shows it, the number masked
    response = client.get("/m/me/")
    page = text(response)
    assert "陈七" in page and "139****5678" in page and PHONE not in page
    assert "果果" in page
    profile = CourierProfile.objects.get()
    assert profile.is_registered and profile.company.code == "jd" and profile.is_union_member

    # the home page greets and links to the other courier pages
    page = text(client.get("/m/", **EN))
    assert "陈七" in page
    for link in ("/m/stations/", "/m/needs/", "/m/suggestions/", "/m/inbox/"):
        assert f'href="{link}"' in page


def test_wrong_input_on_the_login_page_is_shown_not_raised(client, areas, outbox):
    response = client.post("/m/login/", {"phone": "12345", "action": "send"}, **EN)
    assert response.status_code == 400
    assert "valid mainland mobile number" in text(response)

    client.post("/m/login/", {"phone": PHONE, "action": "send"})
    response = client.post(
        "/m/login/",
        {
            "phone": PHONE,
            "code": "000000" if outbox[-1]["params"]["code"] != "000000" else "111111",
            "action": "verify",
        },
        **EN,
    )
    assert response.status_code == 400
    assert "tries left" in text(response)
    assert "_auth_user_id" not in client.session


def test_the_login_page_says_when_to_retry(client, areas, outbox):
    client.post("/m/login/", {"phone": PHONE, "action": "send"})
    response = client.post("/m/login/", {"phone": PHONE, "action": "send"}, **EN)
    assert response.status_code == 429
    assert "You can request another in" in text(response)
    assert len(outbox) == 1


def test_demo_login_on_the_page(client, areas, settings, outbox):
    settings.NUANXIN_DEMO = True
    response = client.post("/m/login/", {"phone": "13800138000", "action": "send"}, **EN)
    assert "123456" in text(response)
    response = client.post("/m/login/", {"phone": "13800138000", "code": "123456", "action": "verify"})
    assert response.status_code == 302
    assert outbox == []


def test_next_is_followed_only_within_the_site(client, areas, outbox):
    courier = make_courier(phone=PHONE, area=areas["street"])
    client.post("/m/login/", {"phone": PHONE, "action": "send"})
    response = client.post(
        "/m/login/",
        {
            "phone": PHONE,
            "code": outbox[-1]["params"]["code"],
            "action": "verify",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/m/"
    assert client.session["_auth_user_id"] == str(courier.user.pk)


def test_a_first_time_courier_ends_on_the_page_they_asked_for(client, areas, outbox):
    # given a stranger who opened "new need" and is sent to sign in
    make_privacy_notice(version="1")
    assert client.get("/m/needs/new/")["Location"].startswith("/m/login/")
    client.post("/m/login/", {"phone": PHONE, "action": "send", "next": "/m/needs/new/"})
    # when they sign in, consent and register
    response = client.post(
        "/m/login/",
        {"phone": PHONE, "code": outbox[-1]["params"]["code"], "action": "verify", "next": "/m/needs/new/"},
    )
    response = client.post(response["Location"], {"version": "1", "next": "/m/needs/new/"})
    assert response["Location"] == "/m/register/?next=%2Fm%2Fneeds%2Fnew%2F"
    response = client.post("/m/register/", {**register_form(), "next": "/m/needs/new/"})
    # then they land where they started, not on their profile
    assert response.status_code == 302 and response["Location"] == "/m/needs/new/"
    assert client.get("/m/needs/new/").status_code == 200


def test_courier_pages_send_strangers_to_the_login_page(client, db):
    for url in ("/m/me/", "/m/register/", "/m/privacy/", "/m/me/export/", "/m/me/delete/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/m/login/?next={url.replace('/', '%2F')}"


def test_courier_pages_ask_for_consent_first(client, areas):
    courier = make_courier(consent=False, area=areas["street"])
    make_privacy_notice(version="9")
    client.force_login(courier.user)
    response = client.get("/m/me/")
    assert response.status_code == 302 and response["Location"].startswith("/m/privacy/?next=")


def test_staff_are_not_couriers_on_these_pages(client, users):
    client.force_login(users["street_staff"])
    assert client.get("/m/me/").status_code == 403
    # the home page shows the public invitation instead
    assert client.get("/m/").status_code == 200


def test_registration_errors_are_shown_on_the_form(client, areas):
    courier = make_courier(area=areas["street"])
    client.force_login(courier.user)
    bad_id = valid_id_number("12010119850101123")[:-1] + "0"
    response = client.post(
        "/m/register/",
        register_form(
            id_number=bad_id if bad_id != valid_id_number("12010119850101123") else "1",
            **{"child-0-birth_year": "1900"},
        ),
        **EN,
    )
    assert response.status_code == 400
    page = text(response)
    assert "resident ID number" in page or "check digit" in page
    assert "birth year between" in page
    courier.refresh_from_db()
    assert courier.name != "陈七"


def test_sign_out(client, areas):
    courier = make_courier(area=areas["street"])
    client.force_login(courier.user)
    assert client.get("/m/logout/").status_code == 200  # asks first
    response = client.post("/m/logout/")
    assert response.status_code == 302
    assert client.get("/m/me/").status_code == 302


def test_download_my_data_from_the_page(client, areas):
    courier = make_courier(area=areas["street"], name="周八")
    client.force_login(courier.user)
    response = client.get("/m/me/export/")
    assert response.status_code == 200
    assert json.loads(response.content)["profile"]["name"] == "周八"


def test_delete_my_account_from_the_page(client, areas):
    courier = make_courier(area=areas["street"], name="吴九")
    client.force_login(courier.user)

    response = client.post("/m/me/delete/", {"confirmation": "nope"}, **EN)
    assert response.status_code == 400
    assert CourierProfile.objects.get(pk=courier.pk).deleted_at is None

    response = client.post("/m/me/delete/", {"confirmation": "DELETE"})
    assert response.status_code == 302 and response["Location"] == "/m/login/"
    assert CourierProfile.objects.get(pk=courier.pk).name == ""
    # the session no longer signs anyone in
    assert client.get("/m/me/").status_code == 302


def test_a_deleted_couriers_old_session_stops_working(client, areas):
    from django.test import Client

    from nuanxin.couriers.services import courier_account_delete

    courier = make_courier(area=areas["street"])
    other_phone = Client()
    other_phone.force_login(courier.user)
    courier_account_delete(profile=courier, confirmation="DELETE")
    assert other_phone.get("/m/me/").status_code == 302
    assert other_phone.get("/api/v1/me").status_code == 401


def test_home_for_strangers_invites_to_sign_in(client, db):
    page = text(client.get("/m/"))
    assert 'href="/m/login/"' in page and 'href="/m/stations/"' in page


def test_the_site_root_opens_the_courier_home(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/m/"


def test_home_shows_profile_completeness(client, areas):
    courier = make_courier(registered=False, company=None, name="", worker_group="")
    client.force_login(courier.user)
    page = text(client.get("/m/", **EN))
    assert "0% complete" in page
    assert 'href="/m/register/"' in page


def test_the_demo_courier_journey(client, areas, settings):
    from nuanxin.couriers.demo import load_demo_couriers

    # given the demo data, loaded twice (idempotent), on a demo site
    load_demo_couriers()
    profile = load_demo_couriers()
    settings.NUANXIN_DEMO = True
    assert CourierProfile.objects.count() == 1
    assert profile.is_registered and profile.work_area == areas["street"] and profile.company.code == "sf"

    # when the demo courier signs in on the login page
    response = client.post("/m/login/", {"phone": "13800138000", "code": "123456", "action": "verify"})

    # then they land on the home page, registered and consenting
    assert response["Location"] == "/m/"
    page = text(client.get("/m/"))
    assert "张师傅" in page
    assert client.get("/api/v1/privacy-notice").json()["version"] == "1"
