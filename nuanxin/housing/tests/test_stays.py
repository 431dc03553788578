"""Love apartment stays through the API: apply, decide, cancel, the calendar, bad input, and the
authorization matrix of every staff endpoint."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from nuanxin.accounts.tests.factories import bearer
from nuanxin.care.models import ServiceRecord
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.housing.models import StayApplication, StayStatus

from .factories import days_ahead, make_apartment

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"


@pytest.fixture
def apartment(areas):
    return make_apartment(areas["street"], rooms=(("101", 2), ("102", 3)))


@pytest.fixture
def room(apartment):
    return apartment.rooms.get(name="101")


@pytest.fixture
def courier(areas):
    return make_courier(phone="13800138001", area=areas["street"], name="张三")


def apply(client, courier, room, *, check_in=3, check_out=5, guests=2, headers=None):
    payload = {
        "room_id": str(room.public_id),
        "check_in": str(days_ahead(check_in)),
        "check_out": str(days_ahead(check_out)),
        "guests": guests,
        "guest_names": "母亲",
    }
    return client.post(
        "/api/v1/housing/stays", payload, content_type=JSON, **(headers or bearer(courier.user)), **EN
    )


def approve(client, headers, stay_id):
    return client.post(
        f"/api/v1/manage/housing/stays/{stay_id}/approve", {}, content_type=JSON, **headers, **EN
    )


def test_a_courier_applies_and_the_steward_approves(client, users, auth, room, courier):
    # given a courier's application
    response = apply(client, courier, room)
    assert response.status_code == 201, response.content
    stay_id = response.json()["id"]
    assert response.json()["status"] == "applied"

    # when the steward of the apartment's street approves it
    response = approve(client, auth("steward"), stay_id)

    # then the stay is approved, the courier sees it, and one service record counts it
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    mine = client.get("/api/v1/housing/stays/mine", **bearer(courier.user)).json()
    assert [(item["id"], item["status"]) for item in mine] == [(stay_id, "approved")]
    record = ServiceRecord.objects.get(kind=ServiceRecord.Kind.HOUSING_STAY)
    assert record.courier == courier
    assert record.area == room.apartment.area
    assert AuditEntry.objects.filter(object_type="housing.stayapplication", action="transition").count() == 1


def test_the_calendar_shows_requested_and_booked_nights(client, users, auth, apartment, room, courier):
    stay_id = apply(client, courier, room, check_in=3, check_out=5).json()["id"]
    month = str(days_ahead(3))[:7]
    url = f"/api/v1/housing/apartments/{apartment.public_id}/calendar?month={month}"

    def states():
        body = client.get(url, **bearer(courier.user)).json()
        nights = {night["date"]: night["state"] for night in body["rooms"][0]["nights"]}
        return nights.get(str(days_ahead(3))), nights.get(str(days_ahead(4)))

    assert states() == ("requested", "requested") or days_ahead(4).month != days_ahead(3).month
    approve(client, auth("street_staff"), stay_id)
    booked = states()
    assert booked[0] == "booked"
    assert booked[1] in ("booked", None)  # None: the second night falls in the next month


def test_the_calendar_answers_in_a_constant_number_of_queries(
    client, users, apartment, room, courier, django_assert_max_num_queries
):
    apply(client, courier, room)
    headers = bearer(courier.user)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/housing/apartments/{apartment.public_id}/calendar", **headers)
    assert response.status_code == 200
    assert len(response.json()["rooms"]) == 2


def test_the_staff_calendar_lists_the_stays_with_a_masked_phone(
    client, users, auth, apartment, room, courier
):
    apply(client, courier, room)
    month = str(days_ahead(3))[:7]
    body = client.get(
        f"/api/v1/manage/housing/apartments/{apartment.public_id}/calendar?month={month}", **auth("steward")
    ).json()
    stays = [stay for row in body["rooms"] for stay in row["stays"]]
    assert [stay["courier_name"] for stay in stays] == ["张三"]
    assert "13800138001" not in str(body)


def test_an_overlapping_application_is_refused_once_a_stay_is_approved(
    client, users, auth, room, courier, areas
):
    stay_id = apply(client, courier, room, check_in=3, check_out=6).json()["id"]
    approve(client, auth("steward"), stay_id)
    other = make_courier(phone="13800138002", area=areas["street"])

    response = apply(client, other, room, check_in=5, check_out=7)

    assert response.status_code == 409
    assert response.json()["message"] == "The room is already booked for some of these dates."
    assert response.json()["errors"][0]["field"] == "check_in"
    assert StayApplication.objects.filter(courier=other).count() == 0


def test_the_check_out_day_is_free_for_the_next_guest(client, users, auth, room, courier, areas):
    approve(client, auth("steward"), apply(client, courier, room, check_in=3, check_out=5).json()["id"])
    other = make_courier(phone="13800138002", area=areas["street"])

    response = apply(client, other, room, check_in=5, check_out=6)

    assert response.status_code == 201


def test_approving_an_overlapping_application_is_refused_and_changes_nothing(
    client, users, auth, room, courier, areas
):
    # given two waiting applications for overlapping nights, the first approved
    first = apply(client, courier, room, check_in=3, check_out=6).json()["id"]
    other = make_courier(phone="13800138002", area=areas["street"])
    second = apply(client, other, room, check_in=4, check_out=8).json()["id"]
    approve(client, auth("steward"), first)

    # when the steward approves the second
    response = approve(client, auth("steward"), second)

    # then it is refused with a translated message and stays waiting, with no service record
    assert response.status_code == 409
    assert response.json()["message"] == "The room is already booked for some of these dates."
    assert StayApplication.objects.get(public_id=second).status == StayStatus.APPLIED
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("check_in", "check_out", "guests", "field", "message"),
    [
        (-1, 2, 1, "check_in", "The check-in date is in the past."),
        (3, 3, 1, "check_out", "The check-out date must be after the check-in date."),
        (3, 2, 1, "check_out", "The check-out date must be after the check-in date."),
        (3, 12, 1, "check_out", "A stay is at most 7 nights."),
        (3, 5, 3, "guests", "This room takes at most 2 guests."),
        (200, 202, 1, "check_in", "Applications are taken at most 180 days ahead."),
    ],
)
def test_bad_applications_are_refused_with_a_field_message(
    client, users, room, courier, check_in, check_out, guests, field, message
):
    response = apply(client, courier, room, check_in=check_in, check_out=check_out, guests=guests)

    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors[field] == message
    assert not StayApplication.objects.exists()


def test_a_courier_cannot_apply_twice_for_the_same_nights(client, users, apartment, room, courier):
    apply(client, courier, room, check_in=3, check_out=5)

    response = apply(client, courier, apartment.rooms.get(name="102"), check_in=4, check_out=6)

    assert response.status_code == 409
    assert response.json()["message"] == "You already have an application for these dates."
    assert StayApplication.objects.count() == 1


def test_a_refusal_needs_a_reason_and_the_courier_reads_it(client, users, auth, room, courier):
    stay_id = apply(client, courier, room).json()["id"]
    url = f"/api/v1/manage/housing/stays/{stay_id}/refuse"

    assert client.post(url, {"note": " "}, content_type=JSON, **auth("steward"), **EN).status_code == 422
    response = client.post(url, {"note": "那几天房间维修"}, content_type=JSON, **auth("steward"), **EN)

    assert response.json()["status"] == "refused"
    mine = client.get("/api/v1/housing/stays/mine", **bearer(courier.user)).json()
    assert mine[0]["decision_note"] == "那几天房间维修"
    # a decided application cannot be decided again
    assert approve(client, auth("steward"), stay_id).status_code == 409


def test_cancelling_an_approved_stay_frees_the_room_and_withdraws_the_record(
    client, users, auth, room, courier
):
    stay_id = apply(client, courier, room).json()["id"]
    approve(client, auth("steward"), stay_id)

    response = client.post(f"/api/v1/housing/stays/{stay_id}/cancel", **bearer(courier.user))

    assert response.json()["status"] == "cancelled"
    assert not ServiceRecord.objects.exists()
    assert apply(client, courier, room).status_code == 201


def test_a_courier_cannot_cancel_another_couriers_stay(client, users, room, courier, areas):
    stay_id = apply(client, courier, room).json()["id"]
    other = make_courier(phone="13800138002", area=areas["street"])

    response = client.post(f"/api/v1/housing/stays/{stay_id}/cancel", **bearer(other.user))

    assert response.status_code == 404
    assert StayApplication.objects.get(public_id=stay_id).status == StayStatus.APPLIED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("courier", 403),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("steward", 200),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_who_may_approve(client, users, auth, room, courier, who, status):
    stay_id = apply(client, courier, room).json()["id"]
    headers = {} if who == "anonymous" else auth(who)

    response = approve(client, headers, stay_id)

    assert response.status_code == status
    expected = StayStatus.APPROVED if status == 200 else StayStatus.APPLIED
    assert StayApplication.objects.get(public_id=stay_id).status == expected
    assert ServiceRecord.objects.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(("who", "status"), [("courier", 403), ("other_street_staff", 404), ("steward", 200)])
def test_who_may_refuse(client, users, auth, room, courier, who, status):
    stay_id = apply(client, courier, room).json()["id"]

    response = client.post(
        f"/api/v1/manage/housing/stays/{stay_id}/refuse", {"note": "不行"}, content_type=JSON, **auth(who)
    )

    assert response.status_code == status
    expected = StayStatus.REFUSED if status == 200 else StayStatus.APPLIED
    assert StayApplication.objects.get(public_id=stay_id).status == expected


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("steward", 1),
        ("street_staff", 1),
        ("city_staff", 1),
        ("other_street_staff", 0),
        ("other_district_staff", 0),
    ],
)
def test_staff_see_the_applications_of_their_area_only(
    client, users, auth, room, courier, who, visible, django_assert_max_num_queries
):
    apply(client, courier, room)
    apply(client, make_courier(phone="13800138003"), room, check_in=10, check_out=11)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/manage/housing/stays?status=applied", **auth(who))

    assert response.status_code == 200
    assert len(response.json()) == 2 * visible


def test_the_staff_calendar_of_another_area_answers_404(client, users, auth, apartment):
    url = f"/api/v1/manage/housing/apartments/{apartment.public_id}/calendar"
    assert client.get(url, **auth("other_street_staff")).status_code == 404
    assert client.get(url, **auth("courier")).status_code == 403


def test_a_malformed_month_is_a_field_error(client, users, apartment, courier):
    response = client.get(
        f"/api/v1/housing/apartments/{apartment.public_id}/calendar?month=2025-13",
        **bearer(courier.user),
        **EN,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "month"


# --- the database-level guarantee (PostgreSQL) ---------------------------------------------------


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the exclusion constraint and real concurrency")


@pytest.mark.postgres_only
def test_postgresql_itself_refuses_two_overlapping_approved_stays(areas, room, courier):
    _needs_postgresql()
    StayApplication.objects.create(
        room=room,
        courier=courier,
        check_in=days_ahead(3),
        check_out=days_ahead(6),
        guests=1,
        status=StayStatus.APPROVED,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StayApplication.objects.create(
            room=room,
            courier=courier,
            check_in=days_ahead(5),
            check_out=days_ahead(7),
            guests=1,
            status=StayStatus.APPROVED,
        )


@pytest.mark.postgres_only
def test_concurrent_approvals_of_overlapping_stays_approve_exactly_one(transactional_db):
    _needs_postgresql()
    from nuanxin.accounts.models import Role
    from nuanxin.accounts.tests.factories import staff
    from nuanxin.areas.tests.factories import make_tree
    from nuanxin.core.errors import Conflict
    from nuanxin.housing import services

    tree = make_tree()
    steward = staff(Role.STEWARD, tree["street"], username="steward")
    room = make_apartment(tree["street"], rooms=(("101", 4),)).rooms.get()
    stays = [
        StayApplication.objects.create(
            room=room,
            courier=make_courier(area=tree["street"]),
            check_in=days_ahead(3 + index),
            check_out=days_ahead(10),
            guests=1,  # every pair overlaps (nights 6–9)
        )
        for index in range(4)
    ]
    barrier = threading.Barrier(len(stays))
    outcomes = []

    def decide(stay):
        barrier.wait()
        try:
            services.stay_approve(actor=steward, stay=stay)
            outcomes.append("approved")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(stay,)) for stay in stays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["approved", "refused", "refused", "refused"]
    assert StayApplication.objects.filter(status=StayStatus.APPROVED).count() == 1
    assert ServiceRecord.objects.count() == 1
