"""The courier's volunteer pages under /m/volunteer/, through the test client: the overview, teams
and applications, shifts and sign-ups, check-in/out by the poster's QR code and by position,
hours and corrections, certificates, and a 404 matrix over another courier's rows."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.stations.geo import wgs84_to_gcj02
from nuanxin.volunteers import services
from nuanxin.volunteers.checkin import CODE_INVALID, shift_check_in_path, shift_check_in_token
from nuanxin.volunteers.models import Certificate, CorrectionRequest, Membership, SignUp, Volunteer
from nuanxin.volunteers.views import CANCELLED, CHECKED_IN, NOT_A_CHECK_IN_CODE, NOT_SIGNED_UP

from .factories import PLACE, make_shift, make_sign_up, make_team, make_volunteer, served_sign_up

HOME = "/m/volunteer/"
FAR = (39.135, 117.203)  # 2 km north of PLACE


def html(response):
    return response.content.decode()


def notices(response):
    """The texts of the message notices of a page."""
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(
            r'<p class="m-notice[^"]*"[^>]*data-message[^>]*>(.*?)</p>', html(response), re.S
        )
    ]


def field_errors(response, field):
    return re.findall(rf'data-error="{field}">(.*?)</p>', html(response), re.S)


def started_shift(team, *, minutes_ago=10, hours=2, **kwargs):
    return make_shift(
        team, starts_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), hours=hours, **kwargs
    )


@pytest.fixture
def me(client, volunteer):
    client.force_login(volunteer.courier.user)
    return volunteer


@pytest.fixture
def other(team):
    """Another courier, a volunteer of the same team."""
    return make_volunteer(team=team, name="李四", id_number="120101199202021234")


def snapshot(sign_up):
    sign_up.refresh_from_db()
    return (sign_up.status, sign_up.checked_in_at, sign_up.checked_out_at, sign_up.served_minutes)


# --- overview and registration ------------------------------------------------------------------


def test_a_courier_becomes_a_volunteer_from_the_page(client, db):
    courier = make_courier(name="吴十")
    client.force_login(courier.user)

    page = client.get(HOME)
    assert "data-register" in html(page)
    client.post("/m/volunteer/register/")
    page = client.get(HOME)

    number = Volunteer.objects.get(courier=courier).volunteer_number
    assert number in html(page)
    assert "data-register" not in html(page)


def test_the_overview_shows_hours_stars_due_shifts_and_open_shifts(client, team, me, users):
    served_sign_up(
        make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=2), hours=2),
        me,
        approve_by=users["street_staff"],
    )
    make_shift(team, title="政策宣传进网点", capacity=3)
    make_sign_up(started_shift(team, title="社区巡查"), me)

    page = html(client.get(HOME))

    assert re.search(r"data-hours>2\.0<", page)
    assert "政策宣传进网点" in page
    due = page.split("data-due", 1)[1].split("data-upcoming", 1)[0]
    assert "社区巡查" in due and "data-position-form" in due


def test_pages_for_volunteers_send_a_courier_who_is_not_one_to_register(client, db):
    courier = make_courier(name="吴十")
    client.force_login(courier.user)

    for path in ("teams/", "shifts/", "sign-ups/", "record/", "certificates/"):
        response = client.get(HOME + path)
        assert response.status_code == 302 and response["Location"] == HOME, path


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/m/volunteer/")
    assert response.status_code == 302


def test_staff_cannot_use_the_courier_pages(client, users):
    client.force_login(users["street_staff"])
    assert client.get(HOME).status_code == 403


def test_the_record_page_shows_the_entries_and_the_corrections_trace(client, team, me, users):
    sign_up = served_sign_up(
        make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=3), hours=2, title="送药上门"),
        me,
        approve_by=users["street_staff"],
    )
    correction = services.correction_request(
        actor=me.courier.user, sign_up=sign_up, requested_minutes=100, reason="晚签到了"
    )
    services.correction_resolve(actor=users["street_staff"], correction=correction, accept=True)

    page = html(client.get(HOME + "record/"))

    assert page.count("送药上门") == 2
    assert "v-superseded" in page and "晚签到了" in page


# --- teams and applications ---------------------------------------------------------------------


def test_the_teams_page_lists_the_teams_of_my_area_and_all_on_demand(client, areas, team, me):
    district_team = make_team(areas["district"], name="和平区志愿者协会")
    community_team = make_team(areas["community"], name="花园路社区志愿队")
    elsewhere = make_team(areas["other_street"], name="小白楼志愿队")

    mine = html(client.get(HOME + "teams/"))
    everything = html(client.get(HOME + "teams/?all=1"))

    for listed in (team, district_team, community_team):
        assert str(listed.public_id) in mine
    assert str(elsewhere.public_id) not in mine
    assert str(elsewhere.public_id) in everything


def test_a_volunteer_applies_to_a_team_with_a_role_and_sees_the_answer(client, areas, me, users):
    team = make_team(areas["street"], name="红色骑手")

    response = client.post(
        f"{HOME}teams/{team.public_id}/", {"role": "policy_promoter", "motivation": "想帮助同行了解政策"}
    )

    membership = Membership.objects.get(team=team, volunteer=me)
    assert response.status_code == 302
    assert (membership.role, membership.status, membership.motivation) == (
        "policy_promoter",
        "applied",
        "想帮助同行了解政策",
    )
    assert AuditEntry.objects.filter(object_type="volunteers.membership", action="create").exists()
    page = html(client.get(HOME + "teams/"))
    assert f'data-membership="{membership.public_id}"' in page and 'data-status="applied"' in page

    services.membership_decide(
        actor=users["street_staff"], membership=membership, approve=False, note="名额已满"
    )
    page = html(client.get(HOME + "teams/"))
    assert 'data-status="rejected"' in page and "名额已满" in page


def test_the_apply_form_offers_the_three_roles(client, areas, me):
    team = make_team(areas["street"], name="红色骑手")

    page = html(client.get(f"{HOME}teams/{team.public_id}/"))

    options = re.findall(r'<option value="([a-z_]+)"', page)
    assert options == ["policy_promoter", "mobile_grid_worker", "community_volunteer"]


def test_an_unknown_role_is_refused_on_the_field_and_nothing_is_saved(client, areas, me):
    team = make_team(areas["street"], name="红色骑手")

    response = client.post(f"{HOME}teams/{team.public_id}/", {"role": "captain"})

    assert response.status_code == 400
    assert field_errors(response, "role")
    assert not Membership.objects.filter(team=team).exists()


def test_applying_twice_is_refused_and_nothing_changes(client, team, me):
    # the fixture volunteer is already an approved member of `team`
    response = client.post(f"{HOME}teams/{team.public_id}/", {"role": "policy_promoter"})
    page = html(client.get(f"{HOME}teams/{team.public_id}/"))

    assert response.status_code == 400
    assert str(services.ALREADY_APPLIED) in html(response)
    assert Membership.objects.get(team=team, volunteer=me).role == "community_volunteer"
    assert "data-apply-form" not in page and 'data-status="approved"' in page


def test_an_inactive_or_unknown_team_answers_404(client, areas, me):
    team = make_team(areas["street"], name="解散的队伍")
    team.is_active = False
    team.save()

    assert client.get(f"{HOME}teams/{team.public_id}/").status_code == 404
    assert client.post(f"{HOME}teams/{team.public_id}/", {"role": "policy_promoter"}).status_code == 404
    assert not Membership.objects.filter(team=team).exists()


# --- shifts, sign-up, cancel --------------------------------------------------------------------


def test_a_member_signs_up_for_an_open_shift_and_sees_it_in_my_sign_ups(client, team, me):
    shift = make_shift(team, title="政策宣传进网点", capacity=3)

    listed = html(client.get(HOME + "shifts/"))
    response = client.post(f"{HOME}shifts/{shift.public_id}/sign-up/")

    assert "data-sign-up-button" in listed
    assert response.status_code == 302 and response["Location"] == HOME + "sign-ups/"
    sign_up = SignUp.objects.get(shift=shift, volunteer=me)
    page = client.get(HOME + "sign-ups/")
    assert f'data-sign-up="{sign_up.public_id}"' in html(page)
    assert "data-mine" in html(client.get(HOME + "shifts/"))


def test_sign_up_refusals_are_shown_and_nothing_is_saved(client, areas, team, me, other):
    full = make_shift(team, capacity=1)
    make_sign_up(full, other)
    foreign = make_shift(make_team(areas["street"], name="别的队"))

    refused_full = client.post(f"{HOME}shifts/{full.public_id}/sign-up/", follow=True)
    refused_member = client.post(f"{HOME}shifts/{foreign.public_id}/sign-up/", follow=True)

    assert str(services.SHIFT_FULL) in notices(refused_full)
    assert str(services.NOT_A_MEMBER) in notices(refused_member)
    assert not SignUp.objects.filter(volunteer=me).exists()


def test_a_started_shift_cannot_be_signed_up_for(client, team, me):
    shift = started_shift(team)

    assert client.post(f"{HOME}shifts/{shift.public_id}/sign-up/").status_code == 404
    assert not SignUp.objects.filter(volunteer=me).exists()


def test_cancel_a_sign_up_before_check_in(client, team, me):
    sign_up = make_sign_up(make_shift(team), me)

    response = client.post(f"{HOME}sign-ups/{sign_up.public_id}/cancel/", follow=True)

    assert snapshot(sign_up)[0] == "cancelled"
    assert str(CANCELLED) in notices(response)
    assert 'data-state="cancelled"' in html(response)


def test_cancel_after_check_in_is_refused_and_nothing_changes(client, team, me):
    sign_up = make_sign_up(started_shift(team), me)
    services.sign_up_check_in(
        actor=me.courier.user, sign_up=sign_up, method="position", latitude=PLACE[0], longitude=PLACE[1]
    )
    before = snapshot(sign_up)

    response = client.post(f"{HOME}sign-ups/{sign_up.public_id}/cancel/", follow=True)

    assert str(services.CANNOT_CANCEL) in notices(response)
    assert snapshot(sign_up) == before


def test_cancel_twice_is_refused(client, team, me):
    sign_up = make_sign_up(make_shift(team), me)
    client.post(f"{HOME}sign-ups/{sign_up.public_id}/cancel/")

    response = client.post(f"{HOME}sign-ups/{sign_up.public_id}/cancel/", follow=True)

    assert str(services.SIGN_UP_CANCELLED) in notices(response)


def test_the_sign_ups_page_runs_a_fixed_number_of_queries(client, team, me, django_assert_max_num_queries):
    for days in range(1, 6):
        served_sign_up(make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=days)), me)
    with django_assert_max_num_queries(10):
        response = client.get(HOME + "sign-ups/")
    assert html(response).count("data-sign-up=") == 5


# --- check-in by the poster's QR code -------------------------------------------------------------


def test_the_qr_link_shows_the_shift_and_checks_in_then_out(client, team, me):
    shift = started_shift(team, title="网点政策宣传")
    sign_up = make_sign_up(shift, me)
    url = shift_check_in_path(shift)

    page = client.get(url)
    assert page.status_code == 200
    assert "网点政策宣传" in html(page) and "data-check-in-button" in html(page)

    token = shift_check_in_token(shift)
    checked_in = client.post(url, {"token": token, "action": "check_in"}, follow=True)
    sign_up.refresh_from_db()
    assert (sign_up.check_in_method, sign_up.checked_out_at) == ("qr", None)
    assert sign_up.checked_in_at is not None
    assert "data-check-out-button" in html(checked_in) and "data-check-in-button" not in html(checked_in)

    checked_out = client.post(url, {"token": token, "action": "check_out"}, follow=True)
    sign_up.refresh_from_db()
    assert sign_up.check_out_method == "qr" and sign_up.served_minutes is not None
    assert "data-check-out-button" not in html(checked_out)
    assert 'data-state="checked_out"' in html(checked_out)


@pytest.mark.parametrize(
    "bad_token",
    [
        pytest.param(lambda shift, other: "forged-" + shift_check_in_token(shift)[7:], id="forged"),
        pytest.param(lambda shift, other: shift_check_in_token(other), id="other-shift"),
        pytest.param(lambda shift, other: "", id="missing"),
    ],
)
def test_a_bad_token_is_refused_translated_and_changes_nothing(client, team, me, bad_token):
    shift = started_shift(team)
    other_shift = started_shift(team, title="别的班次")
    sign_up = make_sign_up(shift, me)
    before = snapshot(sign_up)
    url = f"/m/volunteer/shifts/{shift.public_id}/check-in/"
    token = bad_token(shift, other_shift)

    shown = client.get(url, {"token": token})
    posted = client.post(f"{url}?token={token}", {"token": token, "action": "check_in"})

    with translation.override("zh-hans"):
        chinese = str(CODE_INVALID)
    with translation.override("en"):
        assert chinese != str(CODE_INVALID)
    for response in (shown, posted):
        assert response.status_code == 400
        assert chinese in html(response)
        assert "data-check-in-button" not in html(response)
    assert snapshot(sign_up) == before


def test_an_expired_token_is_refused_in_english_too(client, team, me):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(hours=6), hours=2)
    sign_up = make_sign_up(shift, me)
    token = shift_check_in_token(shift)  # valid until two hours after the end: four hours ago

    response = client.post(
        shift_check_in_path(shift), {"token": token, "action": "check_in"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "forged, altered or expired" in html(response)
    assert snapshot(sign_up)[1] is None


def test_the_qr_link_without_a_sign_up_says_so_and_creates_nothing(client, team, me, other):
    shift = started_shift(team)
    make_sign_up(shift, other)
    url = shift_check_in_path(shift)

    shown = client.get(url)
    posted = client.post(url, {"token": shift_check_in_token(shift), "action": "check_in"})

    for response in (shown, posted):
        assert response.status_code == 400
        assert str(NOT_SIGNED_UP) in html(response)
    assert not SignUp.objects.filter(volunteer=me).exists()
    assert SignUp.objects.get(shift=shift, volunteer=other).checked_in_at is None


def test_check_out_before_check_in_is_refused(client, team, me):
    shift = started_shift(team)
    sign_up = make_sign_up(shift, me)

    response = client.post(
        shift_check_in_path(shift), {"token": shift_check_in_token(shift), "action": "check_out"}
    )

    assert response.status_code == 400
    assert str(services.NOT_CHECKED_IN) in html(response)
    assert snapshot(sign_up) == ("active", None, None, None)


def test_checking_in_twice_or_too_early_is_refused(client, team, me):
    now_shift = started_shift(team)
    now_sign_up = make_sign_up(now_shift, me)
    later = make_shift(team, starts_at=timezone.now() + datetime.timedelta(hours=5), title="晚上的班次")
    later_sign_up = make_sign_up(later, me)
    client.post(
        shift_check_in_path(now_shift), {"token": shift_check_in_token(now_shift), "action": "check_in"}
    )
    first = snapshot(now_sign_up)

    twice = client.post(
        shift_check_in_path(now_shift), {"token": shift_check_in_token(now_shift), "action": "check_in"}
    )
    early = client.post(
        shift_check_in_path(later), {"token": shift_check_in_token(later), "action": "check_in"}
    )

    assert twice.status_code == early.status_code == 400
    assert str(services.ALREADY_CHECKED_IN) in html(twice)
    assert str(services.OUTSIDE_WINDOW) in html(early)
    assert snapshot(now_sign_up) == first
    assert snapshot(later_sign_up)[1] is None


def test_the_qr_link_asks_to_sign_in_and_comes_back(client, team, volunteer):
    shift = started_shift(team)

    response = client.get(shift_check_in_path(shift))

    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/?next=")
    assert "token" in response["Location"]


def test_an_unknown_shift_answers_404(client, me):
    assert client.get("/m/volunteer/shifts/00000000-0000-0000-0000-000000000000/check-in/").status_code == 404


# --- the scanner -----------------------------------------------------------------------------------


def test_the_scanner_opens_the_check_in_page_of_a_scanned_poster(client, team, me):
    shift = started_shift(team)
    path = shift_check_in_path(shift)
    token = shift_check_in_token(shift)

    for scanned in (f"http://testserver{path}", f"https://nuanxin.example.org{path}", token, f"  {path}  "):
        response = client.post("/m/volunteer/scan/", {"token": scanned})
        assert response.status_code == 302, scanned
        assert response["Location"] == path, scanned


@pytest.mark.parametrize(
    "scanned",
    [
        "https://example.com/pay?x=1",
        "/m/volunteer/shifts/",
        "hello",
        "https://evil.example/m/volunteer/scan/",
    ],
)
def test_the_scanner_refuses_what_is_not_a_check_in_code(client, me, scanned):
    response = client.post("/m/volunteer/scan/", {"token": scanned})

    assert response.status_code == 400
    assert str(NOT_A_CHECK_IN_CODE) in html(response)


def test_the_sign_up_row_has_the_camera_scanner_while_due(client, team, me):
    make_sign_up(started_shift(team), me)
    make_sign_up(make_shift(team, title="明天的班次"), me)

    page = html(client.get(HOME + "sign-ups/"))

    assert page.count("data-scan-form") == 1
    assert "data-scan-camera" in page and "js/scan.js" in page
    assert 'action="/m/volunteer/scan/"' in page


# --- check-in by position -------------------------------------------------------------------------


def position(sign_up, client, latitude, longitude, *, action="check_in", crs="wgs84", **headers):
    return client.post(
        f"{HOME}sign-ups/{sign_up.public_id}/position/",
        {"action": action, "latitude": latitude, "longitude": longitude, "crs": crs},
        follow=True,
        **headers,
    )


def test_check_in_and_out_here_by_position(client, team, me):
    sign_up = make_sign_up(started_shift(team), me)

    checked_in = position(sign_up, client, *PLACE)
    sign_up.refresh_from_db()
    assert sign_up.check_in_method == "position" and sign_up.checked_in_at is not None
    expected = str(CHECKED_IN) % {"time": f"{timezone.localtime(sign_up.checked_in_at):%H:%M}"}
    assert expected in notices(checked_in)

    position(sign_up, client, *PLACE, action="check_out")
    sign_up.refresh_from_db()
    assert sign_up.check_out_method == "position" and sign_up.served_minutes is not None


def test_far_away_is_refused_with_the_distance_and_changes_nothing(client, team, me):
    sign_up = make_sign_up(started_shift(team), me)

    response = position(sign_up, client, *FAR, HTTP_ACCEPT_LANGUAGE="en")

    [refusal] = [n for n in notices(response) if "m from the place" in n]
    distance = int(re.search(r"You are (\d+) m from the place; come within 300 m\.", refusal).group(1))
    assert 1950 < distance < 2050
    assert snapshot(sign_up) == ("active", None, None, None)


def test_a_gcj02_position_is_converted_before_measuring(client, team, me):
    sign_up = make_sign_up(started_shift(team), me)
    gcj_latitude, gcj_longitude = wgs84_to_gcj02(*PLACE)  # about 555 m away from PLACE in Tianjin

    taken_as_wgs84 = position(
        sign_up, client, gcj_latitude, gcj_longitude, crs="wgs84", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert snapshot(sign_up)[1] is None
    assert "You are 555 m from the place; come within 300 m." in notices(taken_as_wgs84)

    position(sign_up, client, gcj_latitude, gcj_longitude, crs="gcj02")
    assert snapshot(sign_up)[1] is not None


@pytest.mark.parametrize(
    ("latitude", "longitude", "crs", "message"),
    [
        ("", "", "wgs84", services.POSITION_REQUIRED),
        ("abc", "117.2", "wgs84", services.POSITION_REQUIRED),
        ("95", "117.2", "wgs84", services.LATITUDE_INVALID),
        (PLACE[0], PLACE[1], "bd09", "Choose wgs84 or gcj02."),
    ],
)
def test_bad_positions_are_refused(client, team, me, latitude, longitude, crs, message):
    sign_up = make_sign_up(started_shift(team), me)

    response = position(sign_up, client, latitude, longitude, crs=crs, HTTP_ACCEPT_LANGUAGE="en")

    with translation.override("en"):
        assert str(message) in notices(response)
    assert snapshot(sign_up) == ("active", None, None, None)


def test_without_javascript_the_page_says_how_to_use_the_qr_poster(client, team, me):
    make_sign_up(started_shift(team), me)

    page = html(client.get(HOME + "sign-ups/"))

    button = re.search(r"<button[^>]*data-position-button[^>]*>", page).group(0)
    assert " hidden" in button  # shown by static/volunteers/check_in.js only where geolocation exists
    assert "data-qr-help" in page
    assert "volunteers/check_in.js" in page


def test_a_position_redirects_only_to_pages_of_this_site(client, team, me):
    sign_up = make_sign_up(started_shift(team), me)

    response = client.post(
        f"{HOME}sign-ups/{sign_up.public_id}/position/",
        {"latitude": PLACE[0], "longitude": PLACE[1], "next": "https://evil.example/"},
    )

    assert response["Location"] == f"{HOME}sign-ups/{sign_up.public_id}/"


# --- hours and corrections ------------------------------------------------------------------------


def past_served(team, volunteer, *, days=2, hours=2, minutes_out=None, approve_by=None):
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=days), hours=hours)
    return served_sign_up(shift, volunteer, minutes_out=minutes_out, approve_by=approve_by)


def test_after_check_out_the_page_shows_served_minutes_and_the_approval(client, team, me, users):
    sign_up = past_served(team, me, minutes_out=95)
    url = f"{HOME}sign-ups/{sign_up.public_id}/"

    waiting = html(client.get(url))
    services.hours_approve(actor=users["street_staff"], sign_up=sign_up, minutes=90)
    approved = html(client.get(url))

    assert re.search(r"data-served>\s*95", waiting) and 'data-approval="waiting"' in waiting
    assert 'data-approval="approved"' in approved and re.search(r"data-approval=\"approved\">\D*90", approved)


def test_ask_for_a_correction_and_see_its_resolution(client, team, me, users):
    sign_up = past_served(team, me, minutes_out=60, approve_by=users["street_staff"])
    url = f"{HOME}sign-ups/{sign_up.public_id}/"

    response = client.post(
        url + "correction/", {"requested_minutes": "120", "reason": "忘记签退，实际干满两小时"}
    )

    correction = CorrectionRequest.objects.get(sign_up=sign_up)
    assert response.status_code == 302
    assert (correction.requested_minutes, correction.status) == (120, "open")
    page = html(client.get(url))
    assert 'data-status="open"' in page and "data-correction-form" not in page

    services.correction_resolve(
        actor=users["street_staff"], correction=correction, accept=True, minutes=110, note="核实后按110分钟计"
    )
    page = html(client.get(url))
    assert 'data-status="accepted"' in page and "核实后按110分钟计" in page
    assert re.search(r"data-approval=\"approved\">\D*110", page)


def test_a_rejected_correction_is_shown_and_the_hours_stay(client, team, me, users):
    sign_up = past_served(team, me, minutes_out=60, approve_by=users["street_staff"])
    client.post(
        f"{HOME}sign-ups/{sign_up.public_id}/correction/", {"requested_minutes": "90", "reason": "多算一点"}
    )
    services.correction_resolve(
        actor=users["street_staff"],
        correction=CorrectionRequest.objects.get(),
        accept=False,
        note="签到记录为准",
    )

    page = html(client.get(f"{HOME}sign-ups/{sign_up.public_id}/"))

    assert 'data-status="rejected"' in page and "签到记录为准" in page
    assert re.search(r"data-approval=\"approved\">\D*60", page)
    assert "data-correction-form" in page  # a new request may be made


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"requested_minutes": "100", "reason": ""}, "reason", None),
        ({"requested_minutes": "", "reason": "忘记签退"}, "requested_minutes", None),
        ({"requested_minutes": "121", "reason": "忘记签退"}, "requested_minutes", services.OVER_THE_SHIFT),
    ],
)
def test_correction_form_errors_are_on_their_fields_and_nothing_is_saved(
    client, team, me, data, field, message
):
    sign_up = past_served(team, me)

    response = client.post(f"{HOME}sign-ups/{sign_up.public_id}/correction/", data)

    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors
    if message is not None:
        assert str(message) % {"minutes": 120} in errors
    assert not CorrectionRequest.objects.exists()


def test_a_second_open_correction_or_one_before_the_shift_is_refused(client, team, me):
    sign_up = past_served(team, me)
    client.post(
        f"{HOME}sign-ups/{sign_up.public_id}/correction/", {"requested_minutes": "100", "reason": "一"}
    )
    upcoming = make_sign_up(make_shift(team), me)

    second = client.post(
        f"{HOME}sign-ups/{sign_up.public_id}/correction/", {"requested_minutes": "110", "reason": "二"}
    )
    early = client.post(
        f"{HOME}sign-ups/{upcoming.public_id}/correction/", {"requested_minutes": "10", "reason": "三"}
    )

    assert second.status_code == early.status_code == 400
    assert str(services.CORRECTION_OPEN) in field_errors(second, "__all__")
    assert str(services.CORRECTION_TOO_EARLY) in field_errors(early, "__all__")
    assert CorrectionRequest.objects.count() == 1


# --- certificates ---------------------------------------------------------------------------------


def certificate_form(chosen_team, *, start_days=30, end_days=0, **overrides):
    today = timezone.localdate()
    data = {
        "team": str(chosen_team.public_id),
        "period_start": str(today - datetime.timedelta(days=start_days)),
        "period_end": str(today - datetime.timedelta(days=end_days)),
    }
    data.update(overrides)
    return data


def test_request_a_certificate_from_a_team_i_served_with(client, areas, team, me, users):
    past_served(team, me, days=5, approve_by=users["street_staff"])
    other_team = make_team(areas["street"], name="没服务过的队")
    Membership.objects.create(team=other_team, volunteer=me, role="policy_promoter", status="approved")

    form_page = html(client.get(HOME + "certificates/"))
    response = client.post(HOME + "certificates/", certificate_form(team))

    options = re.findall(r'<option value="([0-9a-f-]{36})"', form_page)
    assert options == [str(team.public_id)]
    assert response.status_code == 302
    certificate = Certificate.objects.get(volunteer=me)
    assert (certificate.team, certificate.status) == (team, "requested")
    assert f'data-certificate="{certificate.public_id}"' in html(client.get(HOME + "certificates/"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_days": 1, "end_days": 3}, "period_end", services.PERIOD_ORDER),
        ({"start_days": 3, "end_days": -1}, "period_end", services.PERIOD_IN_FUTURE),
        ({"start_days": 3, "end_days": 1}, "team", services.NO_HOURS_WITH_TEAM),
        ({"period_start": "not a date"}, "period_start", None),
        ({"team": "00000000-0000-0000-0000-000000000000"}, "team", None),
    ],
)
def test_certificate_request_errors_are_on_their_fields(client, team, me, users, overrides, field, message):
    past_served(team, me, days=5, approve_by=users["street_staff"])
    days = {key: overrides.pop(key) for key in ("start_days", "end_days") if key in overrides}

    response = client.post(HOME + "certificates/", certificate_form(team, **days, **overrides))

    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors
    if message is not None:
        assert str(message) in errors
    assert not Certificate.objects.exists()


def test_a_team_i_did_not_serve_with_cannot_be_chosen(client, areas, team, me, users):
    past_served(team, me, days=5, approve_by=users["street_staff"])
    other_team = make_team(areas["street"], name="没服务过的队")

    response = client.post(HOME + "certificates/", certificate_form(other_team))

    assert response.status_code == 400 and field_errors(response, "team")
    assert not Certificate.objects.exists()


def test_without_approved_hours_there_is_no_request_form(client, team, me):
    page = html(client.get(HOME + "certificates/"))

    assert "data-certificate-form" not in page


def test_certificates_show_status_refusal_reason_and_pdf(client, team, me, users):
    past_served(team, me, days=5, approve_by=users["street_staff"])
    today = timezone.localdate()
    refused = services.certificate_request(
        actor=me.courier.user,
        volunteer=me,
        team=team,
        period_start=today - datetime.timedelta(days=9),
        period_end=today,
    )
    services.certificate_refuse(actor=users["street_staff"], certificate=refused, reason="请按自然月申请")
    issued = services.certificate_request(
        actor=me.courier.user,
        volunteer=me,
        team=team,
        period_start=today - datetime.timedelta(days=30),
        period_end=today,
    )
    services.certificate_issue(actor=users["street_staff"], certificate=issued)

    page = html(client.get(HOME + "certificates/"))
    pdf = client.get(f"{HOME}certificates/{issued.public_id}.pdf")

    assert 'data-status="refused"' in page and "请按自然月申请" in page
    assert 'data-status="issued"' in page and f"/m/volunteer/certificates/{issued.public_id}.pdf" in page
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"{HOME}certificates/{refused.public_id}.pdf").status_code == 404


# --- 404 matrix: another courier's rows -----------------------------------------------------------


def test_another_couriers_sign_up_and_certificate_answer_404_and_nothing_changes(
    client, team, volunteer, other, users
):
    theirs = make_sign_up(started_shift(team), other)
    served = past_served(team, other, days=5, approve_by=users["street_staff"])
    today = timezone.localdate()
    certificate = services.certificate_request(
        actor=other.courier.user,
        volunteer=other,
        team=team,
        period_start=today - datetime.timedelta(days=30),
        period_end=today,
    )
    services.certificate_issue(actor=users["street_staff"], certificate=certificate)
    before = snapshot(theirs)
    client.force_login(volunteer.courier.user)

    requests = [
        ("get", f"{HOME}sign-ups/{theirs.public_id}/", {}),
        ("post", f"{HOME}sign-ups/{theirs.public_id}/cancel/", {}),
        (
            "post",
            f"{HOME}sign-ups/{theirs.public_id}/position/",
            {"latitude": PLACE[0], "longitude": PLACE[1]},
        ),
        (
            "post",
            f"{HOME}sign-ups/{served.public_id}/correction/",
            {"requested_minutes": "60", "reason": "x"},
        ),
        ("get", f"{HOME}certificates/{certificate.public_id}.pdf", {}),
        ("get", f"{HOME}sign-ups/not-a-uuid/", {}),
    ]
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 404, url

    assert snapshot(theirs) == before
    assert not CorrectionRequest.objects.exists()


def test_staff_of_any_area_get_403_on_courier_rows(client, team, other, users):
    theirs = make_sign_up(started_shift(team), other)
    for name in ("street_staff", "other_street_staff"):
        client.force_login(users[name])
        assert client.get(f"{HOME}sign-ups/{theirs.public_id}/").status_code == 403
        assert client.post(f"{HOME}sign-ups/{theirs.public_id}/cancel/").status_code == 403
    assert snapshot(theirs)[0] == "active"


def test_a_steward_account_is_not_a_courier(client, areas, team, other):
    steward = staff(Role.STEWARD, areas["street"], username="steward-2")
    client.force_login(steward)
    assert client.get(HOME + "sign-ups/").status_code == 403
