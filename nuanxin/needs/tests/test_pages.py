"""The courier's mobile pages: /m/needs/, /m/needs/new/, /m/suggestions/ and their details."""

import pytest

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.needs.models import Need, Suggestion
from nuanxin.needs.services import need_reply, need_submit, suggestion_reply, suggestion_submit

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/m/needs/")
    assert response.status_code == 302
    assert response["Location"] == "/m/login/?next=%2Fm%2Fneeds%2F"


def test_a_courier_raises_a_need_from_the_phone_and_follows_it(client, couriers):
    me = couriers["me"]
    client.force_login(me.user)
    page = client.get("/m/needs/new/")
    assert page.status_code == 200
    assert 'name="category"' in page.content.decode()

    response = client.post(
        "/m/needs/new/", {"category": "rest", "title": "想要充电的地方", "description": "电动车"}
    )

    need = Need.objects.get(courier=me)
    assert response.status_code == 302 and response["Location"] == f"/m/needs/{need.public_id}/"
    detail = client.get(response["Location"]).content.decode()
    assert "想要充电的地方" in detail and 'data-status="new"' in detail
    listing = client.get("/m/needs/").content.decode()
    assert f'data-need="{need.public_id}"' in listing


def test_a_bad_form_is_shown_again_with_its_errors_and_nothing_saved(client, couriers):
    client.force_login(couriers["me"].user)
    response = client.post("/m/needs/new/", {"category": "", "title": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'class="n-error"' in response.content.decode()
    assert Need.objects.count() == 0


def test_a_courier_without_a_work_street_is_told_to_set_it(client, areas):
    courier = make_courier(area=None)
    client.force_login(courier.user)
    response = client.post("/m/needs/new/", {"category": "meals", "title": "午饭"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "/m/register/" in response.content.decode()
    assert Need.objects.count() == 0


def test_the_reply_shows_on_the_need_page(client, couriers, users):
    need = need_submit(courier=couriers["me"], category="legal", title="工资被拖欠")
    need_reply(actor=users["street_staff"], need=need, reply="请到街道法律援助站咨询")
    client.force_login(couriers["me"].user)
    html = client.get(f"/m/needs/{need.public_id}/").content.decode()
    assert "请到街道法律援助站咨询" in html


def test_another_couriers_need_and_letter_are_not_found(client, couriers):
    need = need_submit(courier=couriers["me"], category="legal", title="工资被拖欠")
    letter = suggestion_submit(courier=couriers["me"], subject="建议", body="内容")
    client.force_login(couriers["neighbour"].user)
    assert client.get(f"/m/needs/{need.public_id}/").status_code == 404
    assert client.get(f"/m/suggestions/{letter.public_id}/").status_code == 404
    assert "工资被拖欠" not in client.get("/m/needs/").content.decode()


def test_a_courier_writes_a_letter_and_reads_the_reply(client, couriers, users):
    me = couriers["me"]
    client.force_login(me.user)
    response = client.post("/m/suggestions/new/", {"subject": "驿站开放时间", "body": "晚上能不能开到十点"})
    letter = Suggestion.objects.get(courier=me)
    assert response.status_code == 302 and response["Location"] == f"/m/suggestions/{letter.public_id}/"
    assert "No reply yet" in client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()

    suggestion_reply(actor=users["street_staff"], suggestion=letter, reply="已协调延长到22点")

    assert "已协调延长到22点" in client.get(response["Location"]).content.decode()
    assert "已协调延长到22点" in client.get("/m/suggestions/").content.decode()


def test_staff_accounts_cannot_use_the_courier_pages(client, users):
    client.force_login(users["street_staff"])
    assert client.get("/m/needs/").status_code == 403
