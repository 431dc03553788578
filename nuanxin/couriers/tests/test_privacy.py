"""Personal-data protection on the courier's side: export, account deletion, key rotation."""

import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from nuanxin.accounts.models import AccessToken
from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.models import Child, Consent, CourierProfile
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.couriers.tests.factories import make_courier, valid_id_number
from nuanxin.messaging import sms
from nuanxin.messaging.models import InboxMessage, WeComRobot
from nuanxin.needs.models import Need, Suggestion

PHONE = "13912345678"
ID_NUMBER = valid_id_number("12010119850101123")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def courier(areas):
    profile = make_courier(
        phone=PHONE,
        area=areas["street"],
        company="sf",
        name="赵六",
        id_number=ID_NUMBER,
        site_name="顺丰劝业场站",
    )
    profile.wechat_openid = "oZhao0000000000000000000000"
    profile.is_party_member = True
    profile.save()
    Child.objects.create(courier=profile, nickname="乐乐", birth_year=2016, gender="male")
    Need.objects.create(courier=profile, area=areas["street"], category="meals", title="希望驿站有微波炉")
    Suggestion.objects.create(
        courier=profile, area=areas["street"], subject="充电柜", body="驿站能否加充电柜"
    )
    InboxMessage.objects.create(recipient=profile, title="欢迎加入", body="暖心驿站欢迎你")
    return profile


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
        return cursor.fetchone()[0]


# --- export -------------------------------------------------------------------------------------


def test_a_courier_downloads_all_their_data(client, courier):
    other = make_courier(area=courier.work_area)
    Need.objects.create(courier=other, area=courier.work_area, category="jobs", title="别人的需求")

    response = client.get("/api/v1/me/export", **bearer(courier.user))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["name"] == "赵六"
    assert data["profile"]["phone"] == PHONE
    assert data["profile"]["id_number"] == ID_NUMBER
    assert data["profile"]["company"] == "顺丰"
    assert data["profile"]["work_area"] == "劝业场街道"
    assert data["profile"]["wechat_openid"] == "oZhao0000000000000000000000"
    assert "phone_hash" not in data["profile"]
    assert data["children"] == [{"nickname": "乐乐", "birth_year": 2016, "gender": "male"}]
    assert [consent["version"] for consent in data["consents"]] == [
        Consent.objects.get(courier=courier).notice.version
    ]
    assert [need["title"] for need in data["needs"]] == ["希望驿站有微波炉"]
    assert [s["subject"] for s in data["suggestions"]] == ["充电柜"]
    assert [m["title"] for m in data["inbox"]] == ["欢迎加入"]
    # and the download is in the audit log
    entry = AuditEntry.objects.get(action="export", object_id=str(courier.public_id))
    assert entry.actor == courier.user


def test_export_needs_a_signed_in_courier(client, users):
    assert client.get("/api/v1/me/export").status_code == 401
    assert client.get("/api/v1/me/export", **bearer(users["street_staff"])).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


# --- deletion -----------------------------------------------------------------------------------


def test_deleting_needs_the_confirmation_word(client, courier):
    response = client.delete(
        "/api/v1/me", {"confirmation": "yes"}, content_type="application/json", **bearer(courier.user), **EN
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "confirmation"
    courier.refresh_from_db()
    assert courier.deleted_at is None and courier.name == "赵六"


def test_deleting_the_account_erases_personal_data_and_keeps_anonymous_records(client, courier):
    headers = bearer(courier.user)
    second_token = bearer(courier.user)

    response = client.delete(
        "/api/v1/me", {"confirmation": "DELETE"}, content_type="application/json", **headers
    )

    assert response.status_code == 204
    profile = CourierProfile.objects.get(pk=courier.pk)
    # personal fields are gone, in the clear and at rest
    assert (profile.name, profile.phone, profile.phone_hash, profile.phone_masked) == ("", "", "", "")
    assert (profile.id_number, profile.id_number_hash, profile.id_number_masked) == ("", "", "")
    assert profile.wechat_openid == "" and profile.site_name == "" and not profile.is_party_member
    assert raw("couriers_courierprofile", "phone", profile.pk) == ""
    assert not Child.objects.filter(courier=profile).exists()
    assert profile.deleted_at is not None
    assert courier_find_by_phone(PHONE) is None
    # the account is closed and every token stops working
    profile.user.refresh_from_db()
    assert profile.user.is_active is False
    assert profile.user.display_name == "" and "赵六" not in profile.user.username
    assert not AccessToken.objects.filter(user=profile.user).exists()
    assert client.get("/api/v1/me", **headers).status_code == 401
    assert client.get("/api/v1/me", **second_token).status_code == 401
    # service records stay, anonymous, for statistics
    need = Need.objects.get(title="希望驿站有微波炉")
    assert need.courier_id == profile.pk and need.area == courier.work_area
    assert Suggestion.objects.filter(courier=profile).count() == 1
    assert profile.company.code == "sf" and profile.work_area == courier.work_area
    # consent records keep version and time, not where from
    consent = Consent.objects.get(courier=profile)
    assert consent.ip_address is None and consent.user_agent == ""
    assert AuditEntry.objects.filter(action="delete", object_id=str(profile.public_id)).exists()


def test_post_delete_works_for_clients_without_delete_bodies(client, courier):
    response = client.post(
        "/api/v1/me/delete",
        {"confirmation": "delete"},
        content_type="application/json",
        **bearer(courier.user),
    )
    assert response.status_code == 204
    assert CourierProfile.objects.get(pk=courier.pk).deleted_at is not None


def test_a_deleted_courier_signing_in_again_starts_a_new_account(client, courier, settings):
    client.delete(
        "/api/v1/me", {"confirmation": "DELETE"}, content_type="application/json", **bearer(courier.user)
    )
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()

    client.post("/api/v1/auth/sms-code", {"phone": PHONE}, content_type="application/json")
    response = client.post(
        "/api/v1/auth/sms-login",
        {"phone": PHONE, "code": sms.outbox[-1]["params"]["code"]},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["is_registered"] is False
    fresh = courier_find_by_phone(PHONE)
    assert fresh.pk != courier.pk and fresh.name == ""


def test_a_courier_who_refuses_a_new_notice_may_still_export_and_delete(client, courier):
    from nuanxin.couriers.tests.factories import make_privacy_notice

    make_privacy_notice(version="2099")
    headers = bearer(courier.user)
    assert client.get("/api/v1/me", **headers).status_code == 403
    assert client.get("/api/v1/me/export", **headers).status_code == 200
    response = client.delete(
        "/api/v1/me", {"confirmation": "DELETE"}, content_type="application/json", **headers
    )
    assert response.status_code == 204


# --- encryption at rest and key rotation --------------------------------------------------------


def test_phone_and_id_number_are_encrypted_at_rest(courier):
    assert raw("couriers_courierprofile", "phone", courier.pk).startswith("gAAAA")  # a Fernet token
    assert PHONE not in raw("couriers_courierprofile", "phone", courier.pk)
    assert ID_NUMBER not in raw("couriers_courierprofile", "id_number", courier.pk)


def test_rotating_the_keys_keeps_every_value_readable(settings, areas):
    # given data written under the old key, in couriers and in another app
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["old-field-key"]
    profile = make_courier(phone=PHONE, id_number=ID_NUMBER)
    robot = WeComRobot.objects.create(
        area=areas["street"],
        name="劝业场骑手群",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
    )
    old_phone_token = raw("couriers_courierprofile", "phone", profile.pk)

    # when a new key is put first and the command runs
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["new-field-key", "old-field-key"]
    call_command("rotate_encryption_keys", stdout=io.StringIO())

    # then, with the old key removed, everything still reads
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["new-field-key"]
    assert raw("couriers_courierprofile", "phone", profile.pk) != old_phone_token
    profile = CourierProfile.objects.get(pk=profile.pk)
    assert profile.phone == PHONE and profile.id_number == ID_NUMBER
    assert WeComRobot.objects.get(pk=robot.pk).webhook_url.endswith("key=k1")
    # and look-ups by phone still work (the hash key did not change)
    assert courier_find_by_phone(PHONE).pk == profile.pk


def test_without_rotation_removing_the_old_key_makes_data_unreadable(settings, db):
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["old-field-key"]
    profile = make_courier(phone=PHONE)
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["new-field-key"]
    with pytest.raises(ImproperlyConfigured):
        CourierProfile.objects.get(pk=profile.pk)


def test_rotation_stops_on_a_value_no_key_can_read(settings, db):
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["lost-key"]
    profile = make_courier(phone=PHONE)
    settings.NUANXIN_FIELD_ENCRYPTION_KEYS = ["new-field-key"]
    before = raw("couriers_courierprofile", "phone", profile.pk)

    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    assert raw("couriers_courierprofile", "phone", profile.pk) == before
