"""Check-in at a station: the poster's QR token (API and the landing page), forged, revoked and
expired posters, and a second scan within the window counted once."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.care.models import ServiceRecord, StationVisit
from nuanxin.care.tokens import poster_token
from nuanxin.stations.models import Station

pytestmark = pytest.mark.django_db


def test_scanning_the_poster_checks_in_once_and_counts_one_service_record(api, poster, couriers, as_courier):
    # given a courier and the station's poster
    token = poster_token(poster)
    # when they check in, then scan again a minute later
    status, first = api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["me"]))
    status_again, again = api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["me"]))
    # then the first counts, the second is the same visit, and one service record exists
    assert (status, first["counted"], first["visit"]["station"]["name"]) == (201, True, "劝业场暖心驿站")
    assert (status_again, again["counted"], again["visit"]["id"]) == (200, False, first["visit"]["id"])
    record = ServiceRecord.objects.get()
    assert (record.kind, record.station, record.courier) == ("visit", poster.station, couriers["me"])
    assert record.area == poster.station.area


def test_a_scan_after_the_window_is_a_new_visit(api, poster, couriers, as_courier):
    token = poster_token(poster)
    api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["me"]))
    StationVisit.objects.update(occurred_at=timezone.now() - datetime.timedelta(hours=2))

    status, body = api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["me"]))

    assert (status, body["counted"]) == (201, True)
    assert ServiceRecord.objects.count() == 2


def test_two_couriers_each_count(api, poster, couriers, as_courier):
    token = poster_token(poster)
    api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["me"]))
    api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["other"]))
    assert ServiceRecord.objects.filter(station=poster.station).count() == 2


@pytest.mark.parametrize(
    "spoil, code",
    [
        (lambda poster, token: token[:-3] + "abc", "token_invalid"),  # forged signature
        (lambda poster, token: "0" * 32 + token[32:], "token_invalid"),  # another id, same signature
        (lambda poster, token: "not-a-token", "token_invalid"),
        (lambda poster, token: _expire(poster) or token, "poster_expired"),
        (lambda poster, token: _revoke(poster) or token, "poster_revoked"),
        (lambda poster, token: _suspend(poster) or token, "station_closed"),
    ],
    ids=["forged", "swapped-id", "garbage", "expired", "revoked", "station-suspended"],
)
def test_bad_posters_are_refused_and_nothing_is_counted(api, poster, couriers, as_courier, spoil, code):
    token = spoil(poster, poster_token(poster))

    status, body = api(
        "post",
        "/api/v1/care/check-in",
        {"token": token},
        {**as_courier(couriers["me"]), "HTTP_ACCEPT_LANGUAGE": "en"},
    )

    assert status == 400
    assert body["code"] == code and body["errors"][0]["field"] == "token"
    assert not StationVisit.objects.exists() and not ServiceRecord.objects.exists()


def _expire(poster):
    type(poster).objects.filter(pk=poster.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _revoke(poster):
    type(poster).objects.filter(pk=poster.pk).update(revoked_at=timezone.now())


def _suspend(poster):
    Station.objects.filter(pk=poster.station_id).update(status=Station.Status.SUSPENDED)


def test_check_in_needs_a_courier(api, poster, auth):
    token = poster_token(poster)
    assert api("post", "/api/v1/care/check-in", {"token": token})[0] == 401
    assert api("post", "/api/v1/care/check-in", {"token": token}, auth("street_staff"))[0] == 403
    assert not StationVisit.objects.exists()


def test_my_visits_lists_only_my_own(api, poster, couriers, as_courier):
    token = poster_token(poster)
    api("post", "/api/v1/care/check-in", {"token": token}, as_courier(couriers["other"]))

    status, mine = api("get", "/api/v1/care/visits/mine", headers=as_courier(couriers["me"]))

    assert (status, mine) == (200, [])


# --- the landing page the poster's QR code opens -----------------------------------------------


def test_the_landing_page_asks_to_sign_in_and_comes_back(client, poster):
    url = f"/m/check-in/{poster_token(poster)}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/?next=") and "check-in" in response["Location"]


def test_the_landing_page_shows_the_station_and_checks_in_on_the_button(client, poster, couriers):
    client.force_login(couriers["me"].user)
    url = f"/m/check-in/{poster_token(poster)}/"

    page = client.get(url)
    assert page.status_code == 200 and "劝业场暖心驿站" in page.content.decode()
    assert "data-check-in-button" in page.content.decode()
    assert not StationVisit.objects.exists()  # opening the page alone counts nothing

    done = client.post(url)
    again = client.post(url)

    assert done.status_code == 200 and "data-check-in-done" in done.content.decode()
    assert again.status_code == 200 and "data-check-in-done" in again.content.decode()
    assert ServiceRecord.objects.filter(kind="visit", courier=couriers["me"]).count() == 1


def test_the_landing_page_explains_a_forged_poster(client, poster, couriers):
    client.force_login(couriers["me"].user)
    response = client.post(f"/m/check-in/{poster_token(poster)}x/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not a valid station poster" in response.content.decode()
    assert not StationVisit.objects.exists()
