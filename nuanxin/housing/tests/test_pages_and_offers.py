"""The courier's housing pages (/m/housing/…) and rental offers with lease-intent sign-ups."""

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.housing.demo import load_demo_housing
from nuanxin.housing.models import Apartment, LeaseIntent, StayApplication, StayStatus

from .factories import days_ahead, make_apartment, make_offer

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def courier(areas):
    return make_courier(phone="13800138001", area=areas["street"], name="张三")


def test_the_housing_page_lists_apartments_and_offers(client, areas, courier):
    apartment = make_apartment(areas["street"], name="劝业场爱心公寓")
    offer = make_offer(areas["street"], title="滨江道改建公寓")
    make_apartment(areas["street"], name="关闭的公寓", is_active=False)
    client.force_login(courier.user)

    page = client.get("/m/housing/").content.decode()

    assert f'data-apartment="{apartment.public_id}"' in page
    assert f'data-offer="{offer.public_id}"' in page
    assert "关闭的公寓" not in page


def test_the_housing_pages_ask_an_anonymous_visitor_to_sign_in(client, areas):
    response = client.get("/m/housing/")
    assert response.status_code == 302
    assert "/m/login/" in response["Location"]


def test_a_courier_applies_on_the_apartment_page_and_sees_the_application(client, areas, courier):
    apartment = make_apartment(areas["street"])
    room = apartment.rooms.get()
    client.force_login(courier.user)
    url = f"/m/housing/apartments/{apartment.public_id}/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {"room": str(room.public_id), "check_in": days_ahead(2), "check_out": days_ahead(4), "guests": 2},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/m/housing/stays/"
    stay = StayApplication.objects.get(courier=courier)
    assert f'data-stay="{stay.public_id}"' in response.content.decode()


def test_the_apartment_page_shows_an_overlap_as_a_field_error(client, areas, courier, users):
    apartment = make_apartment(areas["street"])
    room = apartment.rooms.get()
    StayApplication.objects.create(
        room=room,
        courier=make_courier(),
        check_in=days_ahead(2),
        check_out=days_ahead(5),
        guests=1,
        status=StayStatus.APPROVED,
    )
    client.force_login(courier.user)

    response = client.post(
        f"/m/housing/apartments/{apartment.public_id}/",
        {"room": str(room.public_id), "check_in": days_ahead(3), "check_out": days_ahead(4), "guests": 1},
        **EN,
    )

    assert response.status_code == 400
    assert "The room is already booked for some of these dates." in response.content.decode()
    assert not StayApplication.objects.filter(courier=courier).exists()


def test_the_apartment_page_marks_booked_nights(client, areas, courier):
    apartment = make_apartment(areas["street"])
    StayApplication.objects.create(
        room=apartment.rooms.get(),
        courier=make_courier(),
        check_in=days_ahead(2),
        check_out=days_ahead(3),
        guests=1,
        status=StayStatus.APPROVED,
    )
    client.force_login(courier.user)

    page = client.get(
        f"/m/housing/apartments/{apartment.public_id}/?month={days_ahead(2):%Y-%m}"
    ).content.decode()

    assert f'data-date="{days_ahead(2):%Y-%m-%d}" data-state="booked"' in page


def test_a_courier_cancels_on_the_page_but_not_another_couriers_stay(client, areas, courier):
    room = make_apartment(areas["street"]).rooms.get()
    mine = StayApplication.objects.create(
        room=room, courier=courier, check_in=days_ahead(2), check_out=days_ahead(3), guests=1
    )
    theirs = StayApplication.objects.create(
        room=room, courier=make_courier(), check_in=days_ahead(5), check_out=days_ahead(6), guests=1
    )
    client.force_login(courier.user)

    assert client.post(f"/m/housing/stays/{theirs.public_id}/cancel/").status_code == 404
    client.post(f"/m/housing/stays/{mine.public_id}/cancel/")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (StayStatus.CANCELLED, StayStatus.APPLIED)


def test_a_courier_signs_up_for_a_rental_offer_once(client, areas, courier):
    offer = make_offer(areas["street"])
    url = f"/api/v1/housing/offers/{offer.public_id}/intents"
    payload = {"move_in_on": str(days_ahead(10)), "occupants": 2}

    first = client.post(url, payload, content_type="application/json", **bearer(courier.user), **EN)
    second = client.post(url, payload, content_type="application/json", **bearer(courier.user), **EN)

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["message"] == "You have already signed up for this offer."
    assert LeaseIntent.objects.count() == 1
    mine = client.get("/api/v1/housing/intents/mine", **bearer(courier.user)).json()
    assert [item["offer_title"] for item in mine] == [offer.title]


def test_a_sign_up_with_a_past_move_in_date_is_refused(client, areas, courier):
    offer = make_offer(areas["street"])
    response = client.post(
        f"/api/v1/housing/offers/{offer.public_id}/intents",
        {"move_in_on": str(days_ahead(-1))},
        content_type="application/json",
        **bearer(courier.user),
        **EN,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "move_in_on"
    assert not LeaseIntent.objects.exists()


def test_signing_up_on_the_offer_page_and_withdrawing(client, areas, courier):
    offer = make_offer(areas["street"])
    client.force_login(courier.user)
    client.post(f"/m/housing/offers/{offer.public_id}/", {"move_in_on": days_ahead(5), "occupants": 1})
    intent = LeaseIntent.objects.get(courier=courier)

    client.post(f"/m/housing/intents/{intent.public_id}/withdraw/")

    assert not LeaseIntent.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "count"),
    [
        ("street_staff", 200, 1),
        ("steward", 200, 1),
        ("other_street_staff", 404, None),
        ("courier", 403, None),
    ],
)
def test_who_sees_the_sign_ups_of_an_offer(client, users, auth, areas, courier, who, status, count):
    offer = make_offer(areas["street"])
    LeaseIntent.objects.create(offer=offer, courier=courier, move_in_on=days_ahead(5))

    response = client.get(f"/api/v1/manage/housing/offers/{offer.public_id}/intents", **auth(who))

    assert response.status_code == status
    if count is not None:
        assert [item["courier_name"] for item in response.json()] == ["张三"]


def test_the_admin_lists_stays_of_the_staff_members_area_only(client, users, areas, courier):
    room = make_apartment(areas["street"]).rooms.get()
    StayApplication.objects.create(
        room=room, courier=courier, check_in=days_ahead(2), check_out=days_ahead(3), guests=1
    )

    client.force_login(users["street_staff"])
    assert "张三" in client.get("/admin/housing/stayapplication/").content.decode()
    client.force_login(users["other_street_staff"])
    response = client.get("/admin/housing/stayapplication/")
    assert response.status_code in (200, 403)
    assert "张三" not in response.content.decode()


def test_the_admin_approve_action_goes_through_the_service(client, users, areas, courier):
    room = make_apartment(areas["street"]).rooms.get()
    stay = StayApplication.objects.create(
        room=room, courier=courier, check_in=days_ahead(2), check_out=days_ahead(3), guests=1
    )
    client.force_login(users["street_staff"])

    client.post(
        "/admin/housing/stayapplication/",
        {"action": "approve_selected", "_selected_action": [stay.pk]},
    )

    stay.refresh_from_db()
    assert stay.status == StayStatus.APPROVED


def test_the_demo_has_an_apartment_to_try_and_runs_twice(areas):
    first = load_demo_housing()
    second = load_demo_housing()

    assert first["apartments"] == 1 and first["rooms"] == 2 and first["offers"] == 2
    assert second == {"apartments": 0, "rooms": 0, "offers": 0, "stays": 0}
    assert Apartment.objects.get().rooms.count() == 2
