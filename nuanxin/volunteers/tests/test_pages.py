"""The courier's mobile page /m/volunteer/."""

import datetime

from django.utils import timezone

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.volunteers.models import SignUp, Volunteer

from .factories import make_shift, served_sign_up


def test_a_courier_becomes_a_volunteer_from_the_page(client, db):
    courier = make_courier(name="吴十")
    client.force_login(courier.user)

    client.post("/m/volunteer/register/")
    page = client.get("/m/volunteer/")

    number = Volunteer.objects.get(courier=courier).volunteer_number
    assert number in page.content.decode()


def test_the_page_shows_hours_stars_and_signs_up_for_an_open_shift(client, team, volunteer, users):
    served_sign_up(
        make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=2), hours=2),
        volunteer,
        approve_by=users["street_staff"],
    )
    upcoming = make_shift(team, title="政策宣传进网点", capacity=3)
    client.force_login(volunteer.courier.user)

    html = client.get("/m/volunteer/").content.decode()
    assert "2.0" in html
    assert "政策宣传进网点" in html

    response = client.post(f"/m/volunteer/shifts/{upcoming.public_id}/sign-up/")
    assert response.status_code == 302
    assert SignUp.objects.filter(shift=upcoming, volunteer=volunteer).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/m/volunteer/")
    assert response.status_code == 302
