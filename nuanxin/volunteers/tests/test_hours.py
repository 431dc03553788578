"""Sign-up, check-in/out, hour computation, approval, corrections and star levels."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.core.models import AuditEntry
from nuanxin.volunteers import selectors
from nuanxin.volunteers.models import CorrectionRequest, RecordEntry, SignUp

from .factories import PLACE, make_shift, make_sign_up, make_volunteer, served_sign_up

API = "/api/v1/volunteer"
MANAGE = "/api/v1/manage/volunteer"
HERE = {"method": "position", "latitude": PLACE[0], "longitude": PLACE[1]}


def running_shift(team, **kwargs):
    return make_shift(team, starts_at=timezone.now() - datetime.timedelta(minutes=30), **kwargs)


def test_a_member_signs_up_and_sees_the_shift_in_their_list(client, team, volunteer, courier_auth):
    shift = make_shift(team, capacity=2)

    response = client.post(f"{API}/shifts/{shift.public_id}/sign-up", **courier_auth)

    assert response.status_code == 201
    assert response.json()["status"] == "active"
    mine = client.get(f"{API}/sign-ups", **courier_auth).json()
    assert [item["shift_id"] for item in mine] == [str(shift.public_id)]


def test_a_full_shift_refuses_the_next_volunteer(client, team, courier_auth):
    shift = make_shift(team, capacity=1)
    make_sign_up(shift, make_volunteer(team=team, name="李四", id_number=""))

    response = client.post(f"{API}/shifts/{shift.public_id}/sign-up", **courier_auth)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "shift"
    assert SignUp.objects.filter(shift=shift).count() == 1


def test_overlapping_shifts_are_refused(client, team, volunteer, courier_auth):
    starts = timezone.now() + datetime.timedelta(days=2)
    first = make_shift(team, starts_at=starts, hours=2)
    overlapping = make_shift(team, starts_at=starts + datetime.timedelta(hours=1), hours=2, title="跑腿")
    assert client.post(f"{API}/shifts/{first.public_id}/sign-up", **courier_auth).status_code == 201

    response = client.post(f"{API}/shifts/{overlapping.public_id}/sign-up", **courier_auth)

    assert response.status_code == 409
    assert not SignUp.objects.filter(shift=overlapping).exists()


def test_a_volunteer_who_is_not_a_member_cannot_sign_up(client, team):
    from nuanxin.accounts.tests.factories import bearer

    outsider = make_volunteer(team=None, name="王五", id_number="")
    shift = make_shift(team)

    response = client.post(f"{API}/shifts/{shift.public_id}/sign-up", **bearer(outsider.courier.user))

    assert response.status_code == 409
    assert not SignUp.objects.exists()


def test_check_in_far_from_the_place_is_refused(client, team, volunteer, courier_auth):
    sign_up = make_sign_up(running_shift(team), volunteer)

    response = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/check-in",
        {"method": "position", "latitude": PLACE[0] + 0.05, "longitude": PLACE[1]},
        content_type="application/json",
        **courier_auth,
    )

    assert response.status_code == 422
    assert (
        "m from the place" in response.json()["message"]
        or response.json()["errors"][0]["field"] == "latitude"
    )
    sign_up.refresh_from_db()
    assert sign_up.checked_in_at is None


def test_a_gcj02_position_is_converted_to_wgs84_before_measuring(client, team, volunteer, courier_auth):
    from nuanxin.stations.geo import wgs84_to_gcj02

    sign_up = make_sign_up(running_shift(team), volunteer)
    gcj = dict(zip(("latitude", "longitude"), wgs84_to_gcj02(*PLACE), strict=True))
    url = f"{API}/sign-ups/{sign_up.public_id}/check-in"

    as_wgs84 = client.post(
        url, {"method": "position", **gcj}, content_type="application/json", **courier_auth
    )
    bad_crs = client.post(
        url, {"method": "position", "crs": "bd09", **gcj}, content_type="application/json", **courier_auth
    )
    sign_up.refresh_from_db()
    assert (as_wgs84.status_code, bad_crs.status_code, sign_up.checked_in_at) == (422, 422, None)

    as_gcj02 = client.post(
        url, {"method": "position", "crs": "gcj02", **gcj}, content_type="application/json", **courier_auth
    )

    assert as_gcj02.status_code == 200
    assert as_gcj02.json()["checked_in_at"] is not None


def test_check_out_before_check_in_is_refused(client, team, volunteer, courier_auth):
    sign_up = make_sign_up(running_shift(team), volunteer)

    response = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/check-out", HERE, content_type="application/json", **courier_auth
    )

    assert response.status_code == 409
    sign_up.refresh_from_db()
    assert sign_up.checked_out_at is None


def test_check_in_by_the_places_qr_code_and_out_by_position(client, team, volunteer, courier_auth, auth):
    shift = running_shift(team)
    sign_up = make_sign_up(shift, volunteer)
    token = client.get(f"{MANAGE}/shifts/{shift.public_id}/check-in-code", **auth("street_staff")).json()[
        "token"
    ]

    checked_in = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/check-in",
        {"method": "qr", "token": token},
        content_type="application/json",
        **courier_auth,
    )
    checked_out = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/check-out", HERE, content_type="application/json", **courier_auth
    )

    assert checked_in.status_code == 200
    assert checked_out.status_code == 200
    # checked in 30 minutes after the start, out right away: a few minutes at most were served
    assert checked_out.json()["served_minutes"] <= 1


def test_a_forged_or_other_shifts_qr_code_is_refused(client, team, volunteer, courier_auth):
    from nuanxin.volunteers.checkin import shift_check_in_token

    shift = running_shift(team)
    other = running_shift(team, title="另一个活动")
    sign_up = make_sign_up(shift, volunteer)

    for token in [shift_check_in_token(other), shift_check_in_token(shift)[:-3] + "abc"]:
        response = client.post(
            f"{API}/sign-ups/{sign_up.public_id}/check-in",
            {"method": "qr", "token": token},
            content_type="application/json",
            **courier_auth,
        )
        assert response.status_code == 400
        assert response.json()["code"] == "check_in_code_invalid"
    sign_up.refresh_from_db()
    assert sign_up.checked_in_at is None


def test_hours_are_the_time_at_the_place_clipped_to_the_shift(team, volunteer):
    # given a 2-hour shift; the volunteer checks in 20 minutes early (travel, waiting) and out 30 late
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)

    sign_up = served_sign_up(shift, volunteer, minutes_in=-20, minutes_out=150)

    # then only the shift's 120 minutes count
    assert sign_up.served_minutes == 120


def test_hours_count_from_a_late_arrival_to_an_early_departure(team, volunteer):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=3)

    sign_up = served_sign_up(shift, volunteer, minutes_in=25, minutes_out=100)

    assert sign_up.served_minutes == 75


def test_the_organizer_approves_hours_and_the_volunteer_sees_them(
    client, team, volunteer, courier_auth, auth
):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    sign_up = served_sign_up(shift, volunteer, minutes_in=0, minutes_out=90)
    pending = client.get(f"{MANAGE}/approvals", **auth("street_staff")).json()
    assert [item["id"] for item in pending] == [str(sign_up.public_id)]

    response = client.post(
        f"{MANAGE}/sign-ups/{sign_up.public_id}/approve",
        {},
        content_type="application/json",
        **auth("street_staff"),
    )

    assert response.status_code == 201
    assert response.json()["minutes"] == 90
    me = client.get(f"{API}/me", **courier_auth).json()
    assert me["approved_minutes"] == 90
    assert me["approved_hours"] == 1.5
    assert client.get(f"{MANAGE}/approvals", **auth("street_staff")).json() == []


def test_approving_more_than_the_shift_or_twice_is_refused(client, team, volunteer, auth):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    sign_up = served_sign_up(shift, volunteer, minutes_out=60)
    url = f"{MANAGE}/sign-ups/{sign_up.public_id}/approve"

    over = client.post(url, {"minutes": 121}, content_type="application/json", **auth("street_staff"))
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "minutes"
    assert not RecordEntry.objects.exists()

    assert client.post(url, {}, content_type="application/json", **auth("street_staff")).status_code == 201
    again = client.post(url, {}, content_type="application/json", **auth("street_staff"))
    assert again.status_code == 409
    assert RecordEntry.objects.count() == 1


def test_a_correction_accepted_supersedes_the_entry_and_keeps_the_trace(
    client, team, volunteer, courier_auth, auth
):
    # given approved hours of 30 minutes where the volunteer forgot to check out on time
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    sign_up = served_sign_up(shift, volunteer, minutes_out=30, approve_by=None)
    client.post(
        f"{MANAGE}/sign-ups/{sign_up.public_id}/approve",
        {},
        content_type="application/json",
        **auth("street_staff"),
    )

    # when they ask for 120 minutes and the organizer accepts
    asked = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/corrections",
        {"requested_minutes": 120, "reason": "忘记签退"},
        content_type="application/json",
        **courier_auth,
    )
    assert asked.status_code == 201
    open_list = client.get(f"{MANAGE}/corrections", **auth("street_staff")).json()
    assert [item["id"] for item in open_list] == [asked.json()["id"]]
    resolved = client.post(
        f"{MANAGE}/corrections/{asked.json()['id']}/resolve",
        {"accept": True, "note": "核实无误"},
        content_type="application/json",
        **auth("street_staff"),
    )

    # then the hours are 120, and the record shows both entries, the old one marked superseded
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "accepted"
    assert client.get(f"{API}/me", **courier_auth).json()["approved_minutes"] == 120
    record = client.get(f"{API}/me/record", **courier_auth).json()
    assert sorted((entry["minutes"], entry["is_superseded"]) for entry in record) == [
        (30, True),
        (120, False),
    ]
    assert AuditEntry.objects.filter(message="hours corrected", changes={"minutes": [30, 120]}).exists()
    assert [item.minutes for item in selectors.approved_service_hours(courier=volunteer.courier)] == [120]


def test_a_rejected_correction_changes_nothing_and_cannot_be_resolved_twice(client, team, volunteer, auth):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    sign_up = served_sign_up(shift, volunteer, minutes_out=60, approve_by=None)
    correction = CorrectionRequest.objects.create(sign_up=sign_up, requested_minutes=100, reason="x")
    url = f"{MANAGE}/corrections/{correction.public_id}/resolve"

    first = client.post(url, {"accept": False}, content_type="application/json", **auth("street_staff"))
    second = client.post(url, {"accept": True}, content_type="application/json", **auth("street_staff"))

    assert first.json()["status"] == "rejected"
    assert second.status_code == 409
    assert not RecordEntry.objects.exists()


def test_a_correction_over_the_shift_is_refused(client, team, volunteer, courier_auth):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=1)
    sign_up = served_sign_up(shift, volunteer)

    response = client.post(
        f"{API}/sign-ups/{sign_up.public_id}/corrections",
        {"requested_minutes": 61, "reason": "多算一点"},
        content_type="application/json",
        **courier_auth,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "requested_minutes"
    assert not CorrectionRequest.objects.exists()


def test_the_record_cannot_be_edited_in_place(team, volunteer, users):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=1)
    served_sign_up(shift, volunteer, approve_by=users["street_staff"])
    entry = RecordEntry.objects.get()

    entry.minutes = 600
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert RecordEntry.objects.get().minutes == 60


@pytest.mark.parametrize(
    ("hours", "stars", "next_star"),
    [
        (0, 0, 100),
        (99.9, 0, 100),
        (100, 1, 300),
        (299, 1, 300),
        (300, 2, 600),
        (600, 3, 1000),
        (1000, 4, 1500),
        (1500, 5, None),
        (4000, 5, None),
    ],
)
def test_star_levels_at_100_300_600_1000_1500_hours(hours, stars, next_star):
    minutes = round(hours * 60)
    assert selectors.star_level(minutes) == stars
    assert selectors.next_star_hours(minutes) == next_star


def test_the_star_level_follows_approved_hours_only(client, team, volunteer, courier_auth, users):
    from nuanxin.volunteers.models import Activity, Shift

    # given 100 hours of approved service as 5 long shifts, and one more shift not approved
    start = timezone.now() - datetime.timedelta(days=30)
    for day in range(5):
        shift = make_shift(team, starts_at=start + datetime.timedelta(days=day), hours=20)
        served_sign_up(shift, volunteer, approve_by=users["street_staff"])
    served_sign_up(make_shift(team, starts_at=start + datetime.timedelta(days=6), hours=5), volunteer)
    assert Activity.objects.count() == Shift.objects.count() == 6

    me = client.get(f"{API}/me", **courier_auth).json()

    assert me["approved_hours"] == 100
    assert me["star_level"] == 1
    assert me["next_star_hours"] == 300
