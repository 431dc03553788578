"""Leaderboards (G5): the courier's page /m/points/leaderboard/, the staff page
/staff/leaderboards/ with its Excel export, the courier API — and that their figures are the
ledger's and the volunteer record's."""

import datetime
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nuanxin.accounts.tests.factories import bearer
from nuanxin.areas.models import Area
from nuanxin.areas.tests.factories import make_area
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.points import excel, selectors, services
from nuanxin.points.models import LedgerEntry
from nuanxin.volunteers import selectors as volunteer_selectors
from nuanxin.volunteers import services as volunteer_services
from nuanxin.volunteers.tests.factories import make_shift, make_team, make_volunteer, served_sign_up

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = "/m/points/leaderboard/"
STAFF_PAGE = "/staff/leaderboards/"
EXPORT = "/staff/leaderboards/export.xlsx"


def local(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock: `clock.set(local(2027, 2, 1, 8))`; until set, the real one."""
    real_now = timezone.now

    class Clock:
        moment = None

        def set(self, moment):
            self.moment = moment

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.moment or real_now())
    return frozen


@pytest.fixture
def award(users, rules):
    """`award(courier, points, at)`: a manual award of `points` (the rule gives 10 a unit)."""

    def give(courier, points, at=None):
        return services.points_award(
            actor=users["city_staff"], courier=courier, rule_code="manual", quantity=points / 10, at=at
        ).entry

    return give


@pytest.fixture
def crowd(areas, me):
    """张三 (me) and 李四 in 劝业场, 王五 in 小白楼 (same district), 赵六 in 大王庄 (another district)."""
    return {
        "me": me,
        "li": make_courier(area=areas["street"], name="李四"),
        "wang": make_courier(area=areas["other_street"], name="王五"),
        "zhao": make_courier(area=areas["other_district_street"], name="赵六"),
    }


def page(client, courier, **query):
    client.force_login(courier.user)
    response = client.get(PAGE, query)
    assert response.status_code == 200
    return response.content.decode()


def board_rows(content):
    """[(rank, masked name)] of the board's listed rows, in order."""
    import re

    return [
        (int(rank), name.strip())
        for rank, name in re.findall(
            r'data-row data-rank="(\d+)".*?data-name>([^<]*)<', content, flags=re.DOTALL
        )
    ]


# --- the courier's page -------------------------------------------------------------------------


def test_the_courier_sees_their_street_district_and_city_with_masked_names(client, crowd, award):
    for courier, points in [("me", 30), ("li", 50), ("wang", 70), ("zhao", 90)]:
        award(crowd[courier], points)

    street = page(client, crowd["me"], metric="points", scope="street", period="month")
    district = page(client, crowd["me"], metric="points", scope="district", period="month")
    city = page(client, crowd["me"], metric="points", scope="city", period="month")

    assert board_rows(street) == [(1, "李*"), (2, "张*")]
    assert board_rows(district) == [(1, "王*"), (2, "李*"), (3, "张*")]
    assert board_rows(city) == [(1, "赵*"), (2, "王*"), (3, "李*"), (4, "张*")]
    assert "劝业场街道" in street and "和平区" in district and "天津市" in city
    for content in (street, district, city):
        for courier in crowd.values():
            assert courier.name not in content
            assert courier.phone_masked not in content
            assert courier.phone not in content and courier.phone[-4:] not in content
    assert 'data-scope="street"' in street and 'data-scope="city"' in street


def test_hours_are_the_default_tab_and_the_pages_link_to_it(client, crowd, award):
    award(crowd["me"], 30)
    content = page(client, crowd["me"])

    assert 'data-metric="hours" aria-current="page"' in content
    assert 'data-period="month" aria-current="page"' in content
    assert 'data-scope="street" aria-current="page"' in content
    assert "data-board-empty" in content and "data-me-absent" in content
    assert "data-leaderboard-link" in client.get("/m/points/").content.decode()
    client.logout()
    assert "data-leaderboard-link" in client.get("/m/stories/").content.decode()


def test_the_page_is_for_signed_in_couriers_only(client, users):
    assert client.get(PAGE).status_code == 302
    client.force_login(users["street_staff"])
    assert client.get(PAGE).status_code == 403


def test_names_are_masked_and_no_phone_or_id_number_appears(client, areas, award):
    ouyang = make_courier(area=areas["street"], name="欧阳娜娜", id_number="120101199001011234")
    award(ouyang, 40)

    content = page(client, ouyang, metric="points")

    assert board_rows(content) == [(1, "欧阳**")]
    for secret in (
        "欧阳娜娜",
        ouyang.phone,
        ouyang.phone_masked,
        "120101199001011234",
        ouyang.id_number_masked,
    ):
        assert secret not in content


def test_the_own_row_is_highlighted_in_the_top(client, crowd, award):
    award(crowd["me"], 80)
    award(crowd["li"], 20)

    content = page(client, crowd["me"], metric="points")

    assert board_rows(content) == [(1, "张*"), (2, "李*")]
    assert 'data-rank="1" data-me' in content and "data-me-below" not in content


def test_outside_the_top_the_own_row_is_shown_below_with_its_rank(
    client, areas, crowd, award, django_assert_max_num_queries
):
    for number in range(selectors.LEADERBOARD_SIZE + 1):  # 21 couriers ahead of me
        award(make_courier(area=areas["street"], name=f"钱{number:02d}"), 100 + 10 * number)
    award(crowd["me"], 10)
    client.force_login(crowd["me"].user)

    with django_assert_max_num_queries(12):
        content = client.get(PAGE, {"metric": "points"}).content.decode()

    rows = board_rows(content)
    assert len(rows) == selectors.LEADERBOARD_SIZE + 1  # the top 20, then me
    assert rows[0] == (1, "钱**") and rows[19][0] == 20
    assert rows[-1] == (22, "张*")
    assert 'data-rank="22" data-me data-me-below' in content


def test_ties_share_a_rank(client, crowd, award):
    award(crowd["li"], 50)
    award(crowd["me"], 50)

    content = page(client, crowd["me"], metric="points")

    assert [rank for rank, _name in board_rows(content)] == [1, 1]


def test_periods_follow_the_shanghai_calendar_across_a_month_boundary(client, crowd, award, clock):
    # 23:30 on 31 January and 00:30 on 1 February in Shanghai are the same UTC day (15:30, 16:30).
    award(crowd["me"], 30, at=local(2027, 1, 31, 23, 30))
    award(crowd["li"], 20, at=local(2027, 2, 1, 0, 30))
    award(crowd["li"], 5, at=local(2026, 12, 31, 23, 59))

    clock.set(local(2027, 2, 1, 8, 0))
    month = page(client, crowd["me"], metric="points", period="month")
    year = page(client, crowd["me"], metric="points", period="year")
    ever = page(client, crowd["me"], metric="points", period="all")

    assert board_rows(month) == [(1, "李*")]
    assert 'data-since="2027-02-01"' in month and "data-me-absent" in month
    assert board_rows(year) == [(1, "张*"), (2, "李*")]
    assert board_rows(ever) == [(1, "张*"), (2, "李*")]
    assert 'data-rank="2"' in ever and 'data-value="25"' in ever

    clock.set(local(2027, 1, 31, 23, 45))  # still January in Shanghai, already 15:45 UTC
    january = page(client, crowd["me"], metric="points", period="month")
    assert board_rows(january) == [(1, "张*")]


def test_hours_count_on_the_shanghai_day_they_were_served(client, areas, users, clock):
    team = make_team(areas["street"])
    late = make_volunteer(team=team, name="孙七")
    early = make_volunteer(team=team, name="周八", id_number="120101199002021234")
    # Served on 31 January (22:00–24:00) and on 1 February from 00:30 (16:30 UTC on 31 January).
    january_shift = make_shift(team, starts_at=local(2027, 1, 31, 22, 0), hours=2)
    february_shift = make_shift(team, starts_at=local(2027, 2, 1, 0, 30), hours=1)
    clock.set(local(2027, 2, 1, 9, 0))  # both approved in February
    served_sign_up(january_shift, late, approve_by=users["street_staff"])
    served_sign_up(february_shift, early, approve_by=users["street_staff"])

    clock.set(local(2027, 2, 1, 10, 0))
    month = page(client, late.courier, metric="hours", period="month")
    ever = page(client, late.courier, metric="hours", period="all")

    assert board_rows(month) == [(1, "周*")]
    assert "data-me-absent" in month
    assert board_rows(ever) == [(1, "孙*"), (2, "周*")]
    assert 'data-value="2.0"' in ever and 'data-rank="1" data-me' in ever


def test_a_courier_without_a_work_street_sees_the_city_or_a_clear_message(client, areas, award):
    drifter = make_courier(area=None, name="吴九")
    award(make_courier(area=areas["street"], name="郑十"), 10)

    content = page(client, drifter, metric="points")
    assert board_rows(content) == [(1, "郑*")]
    assert 'data-scope="city"' in content and 'data-scope="street"' not in content
    assert "data-me-absent" in content

    make_area("110000000000", "北京市", Area.Level.CITY)  # two cities: no "city of the deployment"
    content = page(client, drifter, metric="points")
    assert "data-no-board" in content and "data-row" not in content


def test_a_deleted_account_is_not_ranked(client, crowd, award):
    award(crowd["li"], 50)
    award(crowd["me"], 10)
    crowd["li"].deleted_at = timezone.now()
    crowd["li"].name = ""
    crowd["li"].save(update_fields=["deleted_at", "name"])

    assert board_rows(page(client, crowd["me"], metric="points")) == [(1, "张*")]


# --- the figures agree with the ledger and the volunteer record ---------------------------------


def _ledger_sums(area, since, until):
    """Σ earn and correction entries per courier working in `area`, straight from the ledger."""
    totals = defaultdict(int)
    for entry in LedgerEntry.objects.filter(courier__work_area__path__startswith=area.path):
        in_period = (since is None or entry.occurred_at >= since) and entry.occurred_at < until
        if in_period and entry.kind in (LedgerEntry.Kind.EARN, LedgerEntry.Kind.REVERSAL):
            totals[entry.courier_id] += entry.points
    return {courier_id: total for courier_id, total in totals.items() if total > 0}


def test_the_points_board_is_the_ledger_summed_per_courier(client, areas, users, crowd, award, shops, issue):
    now = timezone.now()
    last_month = now - datetime.timedelta(days=40)
    award(crowd["me"], 300, at=last_month)
    award(crowd["me"], 120)
    wrong = award(crowd["li"], 90)
    award(crowd["li"], 60)
    award(crowd["wang"], 40, at=last_month)
    award(crowd["wang"], 200)
    services.points_entry_reverse(actor=users["city_staff"], entry=wrong, note="重复登记")
    # Spending (a haircut for 100) does not lower a standing.
    status, code = issue(shops["haircut"])
    assert status == 201
    services.redeem_code_confirm(actor=shops["wang"], token=code["token"])

    for period in ("week", "month", "year", "all"):
        since, until = selectors.period_bounds(period)
        for area in (areas["street"], areas["district"], areas["city"]):
            board = selectors.leaderboard(area=area, metric="points", since=since, until=until)
            shown = {row.courier.pk: row.points for row in board.rows}
            assert shown == _ledger_sums(area, since, until), (period, area)

    client.force_login(users["district_staff"])
    content = client.get(STAFF_PAGE, {"period": "all"}).content.decode()
    assert f"{crowd['me'].phone_masked}</td>" in content
    assert ">420<" in content and ">240<" in content and ">60<" in content


def test_the_hours_board_is_the_approved_hours_of_the_volunteer_record(areas, users, clock):
    team = make_team(areas["street"])
    district_team = make_team(areas["district"], name="区志愿服务队")
    first = make_volunteer(team=team, name="孙七")
    second = make_volunteer(team=team, name="周八", id_number="120101199002021234")
    clock.set(local(2027, 3, 10, 20, 0))
    served = [
        served_sign_up(
            make_shift(team, starts_at=local(2027, 2, 27, 9, 0), hours=3),
            first,
            approve_by=users["street_staff"],
        ),
        served_sign_up(
            make_shift(team, starts_at=local(2027, 3, 2, 9, 0), hours=2),
            first,
            approve_by=users["street_staff"],
        ),
        served_sign_up(
            make_shift(district_team, starts_at=local(2027, 3, 5, 14, 0), hours=4),
            second,
            approve_by=users["district_staff"],
        ),
    ]
    # A correction replaces the 2 hours of 2 March by 1.5 hours: only the effective entry counts.
    correction = volunteer_services.correction_request(
        actor=first.courier.user, sign_up=served[1], requested_minutes=90, reason="提前离开"
    )
    volunteer_services.correction_resolve(actor=users["street_staff"], correction=correction, accept=True)

    clock.set(local(2027, 3, 11, 9, 0))
    for period in ("week", "month", "year", "all"):
        since, until = selectors.period_bounds(period)
        expected = defaultdict(int)
        for service in volunteer_selectors.approved_service_hours():
            day = datetime.datetime.combine(service.served_on, datetime.time.min, tzinfo=SHANGHAI)
            if (since is None or day >= since) and day < until:
                expected[service.courier_id] += service.minutes
        board = selectors.leaderboard(area=areas["street"], metric="hours", since=since, until=until)
        assert {row.courier.pk: row.minutes for row in board.rows} == dict(expected), period

    ever = selectors.leaderboard(area=areas["city"], metric="hours")
    assert (
        {row.courier.pk: row.minutes for row in ever.rows}
        == {
            first.courier.pk: volunteer_selectors.total_service_minutes(first),
            second.courier.pk: volunteer_selectors.total_service_minutes(second),
        }
        == {first.courier.pk: 180 + 90, second.courier.pk: 240}
    )
    month = selectors.leaderboard(area=areas["street"], metric="hours", since=local(2027, 3, 1), until=None)
    assert [(row.rank, row.courier.name, row.hours) for row in month.rows] == [
        (1, "周八", 4.0),
        (2, "孙七", 1.5),
    ]


# --- the staff page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        (None, {}, 302),
        ("courier", {}, 403),
        ("steward", {}, 403),
        ("street_staff", {}, 200),
        ("street_staff", {"area": "street"}, 200),
        ("street_staff", {"area": "other_street"}, 404),
        ("street_staff", {"area": "district"}, 404),
        ("street_staff", {"area": "000000000000"}, 404),
        ("other_street_staff", {"area": "street"}, 404),
        ("district_staff", {"area": "street"}, 200),
        ("district_staff", {"area": "other_district_street"}, 404),
        ("other_district_staff", {"area": "district"}, 404),
        ("city_staff", {"area": "other_district_street"}, 200),
    ],
)
@pytest.mark.parametrize("path", [STAFF_PAGE, EXPORT])
def test_staff_see_and_export_boards_of_their_own_area_only(
    client, areas, users, crowd, award, who, query, expected, path
):
    award(crowd["me"], 30)
    award(crowd["zhao"], 50)
    if who:
        client.force_login(users[who])
    query = {key: areas[value].code if value in areas else value for key, value in query.items()}

    response = client.get(path, {**query, "period": "all", "metric": "points"})

    assert response.status_code == expected
    if expected != 200:
        body = response.content.decode() if not response.streaming else ""
        assert "张三" not in body and "赵六" not in body
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_staff_board_shows_full_names_and_masked_phones(client, areas, users, crowd, award):
    award(crowd["me"], 30)
    award(crowd["li"], 50)
    award(crowd["wang"], 70)
    client.force_login(users["street_staff"])

    content = client.get(STAFF_PAGE, {"period": "month"}).content.decode()

    assert 'data-board-area="120101001000"' in content
    assert "李四" in content and "张三" in content and "王五" not in content
    assert crowd["li"].phone_masked in content and crowd["li"].phone not in content
    assert content.index("李四") < content.index("张三")
    assert "data-export-link" in content


def test_staff_pick_a_custom_range_of_whole_shanghai_days(client, users, crowd, award, clock):
    award(crowd["me"], 30, at=local(2027, 1, 31, 23, 30))  # 15:30 UTC
    award(crowd["li"], 20, at=local(2027, 2, 1, 0, 30))  # 16:30 UTC, same UTC day
    clock.set(local(2027, 2, 10, 12, 0))
    client.force_login(users["street_staff"])

    january = client.get(STAFF_PAGE, {"start": "2027-01-01", "end": "2027-01-31"}).content.decode()
    february = client.get(STAFF_PAGE, {"period": "custom", "start": "2027-02-01", "end": "2027-02-01"})

    assert "张三" in january and "李四" not in january
    assert "李四" in february.content.decode() and "张三" not in february.content.decode()
    reversed_days = client.get(STAFF_PAGE, {"period": "custom", "start": "2027-02-05", "end": "2027-02-01"})
    assert reversed_days.status_code == 400
    assert "data-row" not in reversed_days.content.decode()
    missing = client.get(STAFF_PAGE, {"period": "custom", "start": "2027-02-05"})
    assert missing.status_code == 400
    assert client.get(EXPORT, {"period": "custom", "start": "2027-02-05"}).status_code == 400


def test_the_excel_export_is_the_shown_board_and_is_audited(client, users, crowd, award):
    award(crowd["me"], 30)
    award(crowd["li"], 50)
    award(crowd["wang"], 70)
    client.force_login(users["district_staff"])

    response = client.get(EXPORT, {"metric": "points", "period": "all"})

    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    board, about = workbook.worksheets
    rows = list(board.iter_rows(values_only=True))
    assert rows[0] == tuple(excel.headers("points"))
    assert rows[1:] == [
        (1, "王五", crowd["wang"].phone_masked, "小白楼街道", 70),
        (2, "李四", crowd["li"].phone_masked, "劝业场街道", 50),
        (3, "张三", crowd["me"].phone_masked, "劝业场街道", 30),
    ]
    assert "和平区" in about.cell(1, 2).value and about.cell(1, 3).value == "120101000000"
    audit = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert audit.actor == users["district_staff"] and audit.changes["count"] == 3
    assert audit.area_path == users["district_staff"].area.path


def test_the_hours_export_has_hours(client, areas, users):
    team = make_team(areas["street"])
    volunteer = make_volunteer(team=team, name="孙七")
    served_sign_up(
        make_shift(team, starts_at=timezone.now() - datetime.timedelta(hours=3), hours=1, capacity=1),
        volunteer,
        minutes_out=45,
        approve_by=users["street_staff"],
    )
    client.force_login(users["street_staff"])

    response = client.get(EXPORT, {"metric": "hours", "period": "all"})

    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].values)
    assert rows[0][-1] == str(excel.HOURS)
    assert rows[1] == (1, "孙七", volunteer.courier.phone_masked, "劝业场街道", 0.75)


def test_the_back_office_links_to_the_staff_leaderboards(client, users):
    client.force_login(users["street_staff"])
    assert "data-staff-leaderboard-link" in client.get("/admin/points/").content.decode()
    assert "data-staff-leaderboard-link" in client.get("/admin/points/ledgerentry/").content.decode()


# --- the courier API ------------------------------------------------------------------------------


def test_the_courier_api_gives_masked_rows_and_my_own(api, crowd, award):
    award(crowd["li"], 50)
    award(crowd["wang"], 70)
    award(crowd["me"], 30)

    status, body = api(
        "get",
        "/api/v1/me/points/leaderboard?metric=points&scope=district&period=year",
        headers=bearer(crowd["me"].user),
    )

    assert status == 200
    assert body["scope"] == "district" and body["scopes"] == ["street", "district", "city"]
    assert [(row["rank"], row["name"], row["value"], row["is_me"]) for row in body["rows"]] == [
        (1, "王*", 70, False),
        (2, "李*", 50, False),
        (3, "张*", 30, True),
    ]
    assert body["me"]["rank"] == 3
    assert "李四" not in str(body) and crowd["li"].phone_masked not in str(body)

    drifter = make_courier(area=None, name="吴九")
    make_area("110000000000", "北京市", Area.Level.CITY)
    status, body = api("get", "/api/v1/me/points/leaderboard", headers=bearer(drifter.user))
    assert status == 422 and body["errors"][0]["field"] == "scope"
