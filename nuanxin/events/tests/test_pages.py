"""The courier's event pages at /m/events/: list, detail, sign up, cancel, ticket, feedback."""

import pytest
from django.core import signing

from nuanxin.events.models import Event, Feedback, Signup
from nuanxin.events.tickets import SALT

from .factories import make_event, make_signup, move_event_to_past

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, couriers):
    client.force_login(couriers["me"].user)
    return client


def test_the_list_shows_the_events_meant_for_me(signed_in, areas):
    make_event(areas["street"], title="清凉一夏")
    make_event(areas["other_street"], title="小白楼联谊", audience=Event.Audience.AREA_COURIERS)
    make_event(areas["street"], title="草稿", status=Event.Status.DRAFT)

    page = signed_in.get("/m/events/").content.decode()

    assert "清凉一夏" in page and "小白楼联谊" not in page and "草稿" not in page


def test_signing_up_on_the_page_then_showing_the_qr_ticket(signed_in, areas, couriers):
    event = make_event(areas["street"], title="义诊进驿站")

    response = signed_in.post(f"/m/events/{event.public_id}/signup/", follow=True)
    ticket = signed_in.get(f"/m/events/{event.public_id}/ticket/")

    assert response.status_code == 200
    assert 'data-my-signup="confirmed"' in response.content.decode()
    assert ticket.status_code == 200 and "<svg" in ticket.content.decode()
    assert Signup.objects.get(event=event, courier=couriers["me"]).status == "confirmed"


def test_a_full_event_offers_the_waiting_list_and_cancel_frees_the_seat(signed_in, areas, couriers):
    event = make_event(areas["street"], capacity=1)
    make_signup(event, couriers["neighbour"])

    page = signed_in.post(f"/m/events/{event.public_id}/signup/", follow=True).content.decode()
    no_ticket = signed_in.get(f"/m/events/{event.public_id}/ticket/")
    cancelled = signed_in.post(f"/m/events/{event.public_id}/cancel/", follow=True).content.decode()

    assert 'data-my-signup="waitlisted"' in page
    assert no_ticket.status_code == 404
    assert "data-my-signup" not in cancelled
    assert not Signup.objects.filter(courier=couriers["me"]).exclude(status="cancelled").exists()


def test_a_second_sign_up_on_the_page_shows_the_refusal(signed_in, areas, couriers):
    event = make_event(areas["street"])
    make_signup(event, couriers["me"])

    page = signed_in.post(f"/m/events/{event.public_id}/signup/", follow=True).content.decode()

    assert 'data-message="error"' in page
    assert Signup.objects.filter(courier=couriers["me"]).count() == 1


def test_the_ticket_carries_a_signed_token_of_my_sign_up(signed_in, areas, couriers, api, as_courier):
    event = make_event(areas["street"])
    seat = make_signup(event, couriers["me"])

    _, body = api("get", f"/api/v1/events/{event.public_id}/ticket", headers=as_courier(couriers["me"]))

    assert signing.loads(body["token"], salt=SALT)["s"] == seat.public_id.hex


def test_pages_of_events_not_meant_for_me_answer_404(signed_in, areas):
    draft = make_event(areas["street"], status=Event.Status.DRAFT)
    foreign = make_event(areas["other_street"], audience=Event.Audience.AREA_COURIERS)

    for event in (draft, foreign):
        assert signed_in.get(f"/m/events/{event.public_id}/").status_code == 404
        assert signed_in.post(f"/m/events/{event.public_id}/signup/").status_code == 404
    assert not Signup.objects.exists()


def test_an_attendee_rates_a_past_event_on_its_page(signed_in, areas, couriers):
    event = make_event(areas["street"])
    make_signup(event, couriers["me"], attended=True)
    move_event_to_past(event)
    assert "data-feedback-form" in signed_in.get(f"/m/events/{event.public_id}/").content.decode()

    bad = signed_in.post(f"/m/events/{event.public_id}/feedback/", {"rating": "9"})
    good = signed_in.post(
        f"/m/events/{event.public_id}/feedback/", {"rating": "4", "comment": "不错"}, follow=True
    )

    assert bad.status_code == 400
    assert good.status_code == 200 and "data-feedback-form" not in good.content.decode()
    assert Feedback.objects.get().rating == 4


def test_my_sign_ups_page(signed_in, areas, couriers):
    event = make_event(areas["street"], title="交友联谊")
    make_signup(event, couriers["me"])

    page = signed_in.get("/m/events/mine/").content.decode()

    assert "交友联谊" in page


def test_pages_need_a_signed_in_courier(client, areas):
    response = client.get("/m/events/")

    assert response.status_code == 302 and "/m/login/" in response["Location"]
