"""The staff pages of street reports: /staff/reports/ (queue, filters, map, bulk moves) and
/staff/reports/<id>/ (record, history, moves, merge), through the Django test client."""

import datetime
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from nuanxin.core.models import AuditEntry
from nuanxin.reports import selectors
from nuanxin.reports.models import Report, ReportEvent, ReportPhoto
from nuanxin.stations.views import to_map

from . import factories

pytestmark = pytest.mark.django_db

QUEUE = "/staff/reports/"
ROW = re.compile(r'<tr data-report="([0-9a-f-]{36})"')
IN_QUANYECHANG_NEAR = (39.1201, 117.1901)  # ~15 m from factories.IN_QUANYECHANG


def listed(response):
    """The public ids of the queue's rows, in page order."""
    return ROW.findall(response.content.decode())


def ids(*reports):
    return [str(report.public_id) for report in reports]


def map_points(response):
    html = response.content.decode()
    match = re.search(r'<script id="queue-map-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))["points"]


def detail_url(report):
    return f"/staff/reports/{report.public_id}/"


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(mapped, users, couriers):
    """劝业场 (street A) with a department and its handler, another department with another
    handler; 小白楼 (street B) with its own report."""
    handler = factories.handler(mapped["street"], username="handler")
    other_handler = factories.handler(mapped["street"], username="other_handler")
    dept = factories.department(mapped["street"], name="城管执法队", handlers=[handler])
    other_dept = factories.department(mapped["street"], name="环卫所", handlers=[other_handler])
    far_dept = factories.department(mapped["other_district"], name="河东区城管委")
    return {
        "handler": handler,
        "other_handler": other_handler,
        "dept": dept,
        "other_dept": other_dept,
        "far_dept": far_dept,
        "mine": factories.make_report(
            mapped["street"], reporter=couriers["me"], department=dept, description="劝业场垃圾满溢"
        ),
        "theirs": factories.make_report(
            mapped["other_street"],
            reporter=couriers["neighbour"],
            point=factories.IN_XIAOBAILOU,
            description="小白楼路灯不亮",
        ),
    }


def login(client, user):
    client.force_login(user)
    return client


# --- who may open the pages ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_back_office_sign_in(client, world):
    for path in (QUEUE, detail_url(world["mine"])):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/?next=")


@pytest.mark.parametrize("who", ["courier", "steward"])
def test_accounts_without_a_report_queue_get_403_and_change_nothing(client, world, users, couriers, who):
    user = couriers["me"].user if who == "courier" else users["steward"]
    login(client, user)
    assert client.get(QUEUE).status_code == 403
    assert client.get(detail_url(world["mine"])).status_code == 403
    response = client.post(detail_url(world["mine"]), {"form": "transition", "to_status": "accepted"})
    assert response.status_code == 403
    response = client.post(QUEUE, {"action": "accept", "reports": ids(world["mine"])})
    assert response.status_code == 403
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.SUBMITTED


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_shows_the_columns_with_the_reporter_masked(client, world, users, couriers):
    report = world["mine"]
    ReportPhoto.objects.create(report=report, image=jpeg(), position=0)
    ReportPhoto.objects.create(report=report, image=jpeg(), position=1)
    login(client, users["street_staff"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response) == ids(report)
    row = html[html.index(f'<tr data-report="{report.public_id}"') :]
    row = row[: row.index("</tr>")]
    assert selectors.report_number(report) in row
    assert "暴露垃圾" in row and "劝业场街道" in row and "城管执法队" in row and "已提交" in row
    assert "张*" in row and couriers["me"].phone_masked in row
    assert couriers["me"].phone not in html and "张三" not in html
    assert '<td class="nx-num">2</td>' in row
    # the page links to the detail and uses the back office's look
    assert f'href="{detail_url(report)}"' in row
    assert "admin/css/base.css" in html


def test_overdue_reports_are_marked(client, world, mapped, users):
    late = factories.make_report(mapped["street"], due_at=timezone.now() - datetime.timedelta(hours=2))
    login(client, users["street_staff"])
    html = client.get(QUEUE).content.decode()
    late_row = re.search(rf'<tr data-report="{late.public_id}"[^>]*>', html).group(0)
    on_time_row = re.search(rf'<tr data-report="{world["mine"].public_id}"[^>]*>', html).group(0)
    assert "nx-overdue" in late_row and "nx-overdue" not in on_time_row


def test_filters_by_several_statuses_category_and_department(client, world, mapped, users):
    accepted = factories.make_report(
        mapped["street"], status=Report.Status.ACCEPTED, department=world["dept"]
    )
    closed = factories.make_report(mapped["street"], status=Report.Status.CLOSED)
    hazard = factories.make_report(mapped["street"], category_code="safety_hazard")
    other_dept = factories.make_report(mapped["street"], department=world["other_dept"])
    login(client, users["street_staff"])

    response = client.get(QUEUE, {"status": ["accepted", "closed"]})
    assert sorted(listed(response)) == sorted(ids(accepted, closed))
    response = client.get(QUEUE, {"category": "safety_hazard"})
    assert listed(response) == ids(hazard)
    response = client.get(QUEUE, {"department": str(world["dept"].public_id)})
    assert sorted(listed(response)) == sorted(ids(world["mine"], accepted))
    response = client.get(QUEUE, {"department": "triage"})
    assert sorted(listed(response)) == sorted(ids(closed, hazard))
    assert str(other_dept.public_id) not in listed(response)


def test_filters_by_street_within_the_area(client, world, users):
    login(client, users["district_staff"])
    assert sorted(listed(client.get(QUEUE))) == sorted(ids(world["mine"], world["theirs"]))
    response = client.get(QUEUE, {"area": "120101002000"})  # 小白楼街道
    assert listed(response) == ids(world["theirs"])


def test_a_street_outside_the_area_is_a_field_error_and_shows_nothing_of_it(client, world, users):
    login(client, users["street_staff"])
    response = client.get(QUEUE, {"area": "120101002000"})
    assert response.status_code == 400
    assert response.context["filters"].errors["area"]
    assert world["theirs"].description not in response.content.decode()
    assert str(world["theirs"].public_id) not in listed(response)


def test_filters_overdue_only_and_the_submission_dates(client, world, mapped, users):
    now = timezone.now()
    late = factories.make_report(mapped["street"], due_at=now - datetime.timedelta(hours=1))
    factories.make_report(
        mapped["street"], status=Report.Status.RESOLVED, due_at=now - datetime.timedelta(hours=1)
    )  # past due but resolved: not overdue
    march = factories.make_report(
        mapped["street"], created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    )  # 2 March 07:30 in Shanghai
    login(client, users["street_staff"])
    assert listed(client.get(QUEUE, {"overdue": "on"})) == ids(late)
    response = client.get(QUEUE, {"submitted_from": "2026-03-02", "submitted_to": "2026-03-02"})
    assert listed(response) == ids(march)
    assert listed(client.get(QUEUE, {"submitted_to": "2026-03-01"})) == []
    response = client.get(QUEUE, {"submitted_from": "2026-03-05", "submitted_to": "2026-03-01"})
    assert response.status_code == 400 and response.context["filters"].errors["submitted_to"]


def test_text_search_finds_words_of_the_description_or_the_number(client, world, mapped, users):
    lamp = factories.make_report(mapped["street"], description="和平路路灯闪烁")
    login(client, users["street_staff"])
    assert listed(client.get(QUEUE, {"q": "路灯"})) == ids(lamp)
    number = selectors.report_number(world["mine"])
    assert listed(client.get(QUEUE, {"q": number})) == ids(world["mine"])
    assert listed(client.get(QUEUE, {"q": "#" + number.lower()[:6]})) == ids(world["mine"])
    # another street's report is not found by its number either
    assert listed(client.get(QUEUE, {"q": selectors.report_number(world["theirs"])})) == []


def test_pages_of_25_and_the_sort_orders(client, world, mapped, users):
    now = timezone.now()
    made = [
        factories.make_report(
            mapped["street"],
            due_at=now + datetime.timedelta(hours=100 + index),
            created_at=now - datetime.timedelta(hours=index),
        )
        for index in range(29)
    ]
    login(client, users["street_staff"])
    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})
    assert len(listed(first)) == 25 and len(listed(second)) == 5
    assert set(listed(first)) | set(listed(second)) == set(ids(world["mine"], *made))
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' in second.content.decode()
    assert "page=2" in first.content.decode()
    # soonest due first by default; latest due first; newest first
    assert listed(first)[:2] == ids(world["mine"], made[0])
    assert listed(client.get(QUEUE, {"sort": "-due"}))[0] == ids(made[-1])[0]
    newest = client.get(QUEUE, {"sort": "-submitted"})
    assert listed(newest)[0] in ids(world["mine"], made[0])
    assert listed(client.get(QUEUE, {"sort": "submitted"}))[0] == ids(made[-1])[0]
    # the filters survive paging
    filtered = client.get(QUEUE, {"category": "exposed_garbage", "page": 2}).content.decode()
    assert "category=exposed_garbage" in filtered


def test_the_queue_costs_the_same_queries_for_5_or_25_rows(client, world, mapped, users, couriers):
    login(client, users["street_staff"])
    for _ in range(4):
        factories.make_report(mapped["street"], reporter=couriers["me"], department=world["dept"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    for _ in range(20):
        factories.make_report(mapped["street"], reporter=couriers["neighbour"], department=world["dept"])
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client.get(QUEUE))) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_map_data_holds_only_the_visible_filtered_reports_at_their_exact_place(
    client, world, mapped, users
):
    accepted = factories.make_report(
        mapped["street"], status=Report.Status.ACCEPTED, point=IN_QUANYECHANG_NEAR
    )
    login(client, users["street_staff"])
    points = map_points(client.get(QUEUE))
    urls = sorted(point["url"] for point in points)
    assert urls == sorted([detail_url(world["mine"]), detail_url(accepted)])
    by_url = {point["url"]: point for point in points}
    # exact (not the public map's ~200 m grid), in the tiles' coordinate system (GCJ-02 by default)
    lat, lng = to_map(*IN_QUANYECHANG_NEAR)
    assert (by_url[detail_url(accepted)]["lat"], by_url[detail_url(accepted)]["lng"]) == (lat, lng)
    assert lat == pytest.approx(IN_QUANYECHANG_NEAR[0], abs=0.005)
    assert by_url[detail_url(accepted)]["tone"] == "report-accepted"
    assert by_url[detail_url(world["mine"])]["tone"] == "report-submitted"
    assert selectors.report_number(accepted) in by_url[detail_url(accepted)]["name"]
    assert "已受理" in by_url[detail_url(accepted)]["lines"]
    # the filters apply to the map too
    points = map_points(client.get(QUEUE, {"status": "accepted"}))
    assert [point["url"] for point in points] == [detail_url(accepted)]
    # and the map config has no tile layer: map.js draws the markers on a plain background
    config = re.search(
        r'<script id="map-config" type="application/json">(.*?)</script>',
        client.get(QUEUE).content.decode(),
        re.S,
    )
    assert json.loads(config.group(1))["tileUrl"] == ""


def test_the_map_covers_every_filtered_report_not_just_the_page(client, world, mapped, users):
    for _ in range(30):
        factories.make_report(mapped["street"])
    login(client, users["street_staff"])
    response = client.get(QUEUE)
    assert len(listed(response)) == 25
    assert len(map_points(response)) == 31


# --- bulk moves ------------------------------------------------------------------------------------


def test_bulk_accept_moves_every_ticked_report_and_says_so(client, world, mapped, users):
    second = factories.make_report(mapped["street"])
    login(client, users["street_staff"])
    response = client.post(
        QUEUE + "?category=exposed_garbage", {"action": "accept", "reports": ids(world["mine"], second)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-result="ok"') == 2 and 'data-result="refused"' not in html
    for report in (world["mine"], second):
        report.refresh_from_db()
        assert report.status == Report.Status.ACCEPTED
        assert report.events.filter(from_status="submitted", to_status="accepted").exists()
    # the queue below is still the filtered one
    assert response.context["filters"].cleaned_data["category"] == "exposed_garbage"


def test_bulk_with_refusals_moves_the_others_and_explains_each_refusal(client, world, mapped, users):
    resolved = factories.make_report(mapped["street"], status=Report.Status.RESOLVED)
    login(client, users["street_staff"])
    response = client.post(
        QUEUE, {"action": "accept", "reports": ids(world["mine"], resolved, world["theirs"])}
    )
    assert response.status_code == 200
    results = {row["number"]: row for row in response.context["bulk_results"]}
    assert results[selectors.report_number(world["mine"])]["ok"] is True
    refused = results[selectors.report_number(resolved)]
    assert refused["ok"] is False
    assert refused["message"] == "随手拍不能从“已解决”变为“已受理”。"  # translated (zh-hans default)
    assert results[selectors.report_number(world["theirs"])] == {
        "number": selectors.report_number(world["theirs"]),
        "ok": False,
        "message": "未找到相关内容。",
    }
    html = response.content.decode()
    assert "随手拍不能从“已解决”变为“已受理”。" in html
    assert world["theirs"].description not in html
    world["mine"].refresh_from_db()
    resolved.refresh_from_db()
    world["theirs"].refresh_from_db()
    assert world["mine"].status == Report.Status.ACCEPTED
    assert resolved.status == Report.Status.RESOLVED and resolved.events.count() == 1
    assert world["theirs"].status == Report.Status.SUBMITTED and world["theirs"].events.count() == 1


def test_bulk_reject_needs_a_reason_and_changes_nothing_without_one(client, world, users):
    login(client, users["street_staff"])
    response = client.post(QUEUE, {"action": "reject", "reports": ids(world["mine"]), "note": " "})
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["note"] == ["请填写原因或说明处理情况。"]
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.SUBMITTED
    # the ticked report stays ticked for the second try
    checkbox = re.search(
        rf'<input type="checkbox" name="reports" value="{world["mine"].public_id}"[^>]*>',
        response.content.decode(),
    )
    assert checkbox and "checked" in checkbox.group(0)
    response = client.post(
        QUEUE, {"action": "reject", "reports": ids(world["mine"]), "note": "不属于街道事项"}
    )
    assert response.status_code == 200
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.REJECTED
    assert world["mine"].events.get(to_status="rejected").note == "不属于街道事项"


def test_the_forms_need_the_csrf_token(world, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["street_staff"])
    assert client.post(QUEUE, {"action": "accept", "reports": ids(world["mine"])}).status_code == 403
    response = client.post(detail_url(world["mine"]), {"form": "transition", "to_status": "accepted"})
    assert response.status_code == 403
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.SUBMITTED
    # the pages carry the token in every form
    html = client.get(detail_url(world["mine"])).content.decode()
    assert html.count('name="csrfmiddlewaretoken"') == html.count('method="post"') >= 3


def test_bulk_without_a_ticked_report_is_400(client, world, users):
    login(client, users["street_staff"])
    response = client.post(QUEUE, {"action": "accept"})
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["reports"]


def test_bulk_dispatch_offers_only_departments_the_actor_may_send_to(client, world, mapped, users):
    accepted = factories.make_report(mapped["street"], status=Report.Status.ACCEPTED)
    login(client, users["street_staff"])
    page = client.get(QUEUE)
    offered = dict(page.context["bulk_form"].fields["department"].choices)
    assert str(world["dept"].public_id) in offered and str(world["other_dept"].public_id) in offered
    assert str(world["far_dept"].public_id) not in offered
    # a department of another district is refused as input: 400, nothing moves
    response = client.post(
        QUEUE,
        {"action": "dispatch", "reports": ids(accepted), "department": str(world["far_dept"].public_id)},
    )
    assert response.status_code == 400 and response.context["bulk_form"].errors["department"]
    accepted.refresh_from_db()
    assert accepted.status == Report.Status.ACCEPTED and accepted.department is None
    # an offered one dispatches
    response = client.post(
        QUEUE,
        {"action": "dispatch", "reports": ids(accepted), "department": str(world["other_dept"].public_id)},
    )
    assert response.status_code == 200
    accepted.refresh_from_db()
    assert accepted.status == Report.Status.DISPATCHED and accepted.department == world["other_dept"]


def test_a_handler_may_dispatch_only_to_his_own_department(client, world):
    login(client, world["handler"])
    offered = dict(client.get(QUEUE).context["bulk_form"].fields["department"].choices)
    assert set(offered) == {"", str(world["dept"].public_id)}


def test_bulk_resolve_and_close_go_through_the_workflow(client, world, mapped, users):
    working = factories.make_report(
        mapped["street"], status=Report.Status.IN_PROGRESS, department=world["dept"]
    )
    login(client, world["handler"])
    response = client.post(QUEUE, {"action": "resolve", "reports": ids(working), "note": "已清运"})
    assert response.status_code == 200
    working.refresh_from_db()
    assert working.status == Report.Status.RESOLVED and working.resolved_at is not None
    # the handler may not close; the street may
    response = client.post(QUEUE, {"action": "close", "reports": ids(working)})
    assert response.context["bulk_results"][0]["ok"] is False
    working.refresh_from_db()
    assert working.status == Report.Status.RESOLVED
    login(client, users["street_staff"])
    client.post(QUEUE, {"action": "close", "reports": ids(working)})
    working.refresh_from_db()
    assert working.status == Report.Status.CLOSED


# --- the detail page -------------------------------------------------------------------------------


def test_the_detail_shows_the_record_photos_and_the_full_history(client, world, users, couriers):
    report = world["mine"]
    ReportPhoto.objects.create(report=report, image=jpeg(), position=0)
    ReportEvent.objects.create(
        report=report,
        occurred_at=timezone.now(),
        kind=ReportEvent.Kind.ROUTED,
        note="城管执法队",
        is_public=False,
    )
    login(client, users["street_staff"])
    response = client.get(detail_url(report))
    assert response.status_code == 200
    html = response.content.decode()
    assert report.description in html
    assert selectors.report_number(report) in html
    assert "张*" in html and couriers["me"].phone_masked in html and couriers["me"].phone not in html
    assert html.count("<img ") == 1 and report.photos.get().image.url in html
    assert 'data-event="routed" data-public="false"' in html
    assert f"{report.latitude:.6f}" in html
    points = json.loads(
        re.search(r'id="report-map-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert (points["points"][0]["lat"], points["points"][0]["lng"]) == to_map(
        report.latitude, report.longitude
    )
    # the moves this actor has on a submitted report: accept, reject — and merge
    assert set(re.findall(r'data-move="(\w+)"', html)) == {"accepted", "rejected", "merge"}


def test_the_detail_says_when_the_location_was_placed_from_an_address(client, world, users):
    report = world["mine"]
    login(client, users["street_staff"])
    assert "data-approximate" not in client.get(detail_url(report)).content.decode()
    Report.objects.filter(pk=report.pk).update(location_approximate=True)
    assert "data-approximate" in client.get(detail_url(report)).content.decode()


def test_the_detail_offers_a_handler_only_his_moves(client, world, mapped):
    dispatched = factories.make_report(
        mapped["street"], status=Report.Status.DISPATCHED, department=world["dept"]
    )
    resolved = factories.make_report(
        mapped["street"], status=Report.Status.RESOLVED, department=world["dept"]
    )
    login(client, world["handler"])
    html = client.get(detail_url(dispatched)).content.decode()
    assert set(re.findall(r'data-move="(\w+)"', html)) == {"in_progress", "accepted"}
    html = client.get(detail_url(resolved)).content.decode()
    assert re.findall(r'data-move="(\w+)"', html) == []  # closing is the area managers'


def test_an_allowed_move_is_made_and_recorded(client, world, users):
    login(client, users["street_staff"])
    response = client.post(
        detail_url(world["mine"]), {"form": "transition", "to_status": "accepted", "note": "核实属实"}
    )
    assert response.status_code == 302 and response.url == detail_url(world["mine"])
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.ACCEPTED
    event = world["mine"].events.get(to_status="accepted")
    assert event.note == "核实属实" and event.actor == users["street_staff"]
    assert AuditEntry.objects.filter(action="transition", object_id=str(world["mine"].public_id)).exists()
    follow = client.get(response.url)
    assert "已受理" in follow.content.decode()


def test_dispatch_from_the_detail_uses_the_chosen_department(client, world, mapped, users):
    accepted = factories.make_report(
        mapped["street"], status=Report.Status.ACCEPTED, department=world["dept"]
    )
    login(client, users["street_staff"])
    page = client.get(detail_url(accepted))
    form = next(row["form"] for row in page.context["move_rows"] if row["to_status"] == "dispatched")
    assert form.fields["department"].initial == str(world["dept"].public_id)
    offered = dict(form.fields["department"].choices)
    assert str(world["far_dept"].public_id) not in offered
    response = client.post(
        detail_url(accepted),
        {"form": "transition", "to_status": "dispatched", "department": str(world["far_dept"].public_id)},
    )
    assert response.status_code == 400
    accepted.refresh_from_db()
    assert accepted.status == Report.Status.ACCEPTED
    response = client.post(
        detail_url(accepted),
        {"form": "transition", "to_status": "dispatched", "department": str(world["other_dept"].public_id)},
    )
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Report.Status.DISPATCHED and accepted.department == world["other_dept"]


def test_a_move_that_needs_a_note_is_400_without_one_and_changes_nothing(client, world, users):
    login(client, users["street_staff"])
    response = client.post(
        detail_url(world["mine"]), {"form": "transition", "to_status": "rejected", "note": ""}
    )
    assert response.status_code == 400
    row = next(row for row in response.context["move_rows"] if row["to_status"] == "rejected")
    assert row["form"].errors["note"] == ["请填写原因或说明处理情况。"]
    html = response.content.decode()
    rejected_form = html[html.index('data-move="rejected"') :]
    assert "请填写原因或说明处理情况。" in rejected_form[: rejected_form.index("</form>")]
    world["mine"].refresh_from_db()
    assert world["mine"].status == Report.Status.SUBMITTED and world["mine"].events.count() == 1


@pytest.mark.parametrize(
    ("who", "status", "to_status"),
    [
        ("handler", Report.Status.RESOLVED, "closed"),  # closing is the area managers'
        ("street_staff", Report.Status.SUBMITTED, "resolved"),  # no such move in the table
        ("street_staff", Report.Status.RESOLVED, "reopened"),  # the reporter's move
        ("street_staff", Report.Status.SUBMITTED, "nonsense"),
    ],
)
def test_a_move_not_offered_is_400_and_changes_nothing(client, world, mapped, users, who, status, to_status):
    report = factories.make_report(mapped["street"], status=status, department=world["dept"])
    actor = world["handler"] if who == "handler" else users[who]
    login(client, actor)
    response = client.post(detail_url(report), {"form": "transition", "to_status": to_status, "note": "x"})
    assert response.status_code == 400
    assert response.context["stray_errors"]
    report.refresh_from_db()
    assert report.status == status and report.events.count() == 1


def test_merge_into_a_nearby_report_chosen_from_the_list(client, world, mapped, users, couriers):
    duplicate = factories.make_report(
        mapped["street"], reporter=couriers["neighbour"], point=IN_QUANYECHANG_NEAR
    )
    login(client, users["street_staff"])
    page = client.get(detail_url(duplicate))
    choices = dict(page.context["merge_form"].fields["original"].choices)
    assert list(choices) == [str(world["mine"].public_id)]
    response = client.post(
        detail_url(duplicate), {"form": "merge", "original": str(world["mine"].public_id), "note": "同一处"}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Report.Status.DUPLICATE and duplicate.duplicate_of == world["mine"]
    assert world["mine"].events.filter(kind="merged").exists()
    html = client.get(detail_url(world["mine"])).content.decode()
    assert f'href="{detail_url(duplicate)}" class="nx-code" data-duplicate' in html


def test_merge_by_number_and_its_refusals(client, world, mapped, users):
    far = factories.make_report(mapped["street"], point=(39.1235, 117.1860), description="远处的同类问题")
    hazard = factories.make_report(mapped["street"], category_code="safety_hazard")
    login(client, users["street_staff"])
    # another category: the service refuses, the message sits by the number, nothing changes
    response = client.post(detail_url(far), {"form": "merge", "number": selectors.report_number(hazard)})
    assert response.status_code == 400
    assert response.context["merge_form"].errors["number"]
    # another street's report is "not found" by number, like a wrong number
    response = client.post(
        detail_url(far), {"form": "merge", "number": selectors.report_number(world["theirs"])}
    )
    assert response.status_code == 400 and response.context["merge_form"].errors["number"]
    # neither a choice nor a number
    response = client.post(detail_url(far), {"form": "merge"})
    assert response.status_code == 400 and response.context["merge_form"].errors["original"]
    far.refresh_from_db()
    assert far.status == Report.Status.SUBMITTED and far.duplicate_of is None
    # the right number merges
    response = client.post(
        detail_url(far), {"form": "merge", "number": selectors.report_number(world["mine"])}
    )
    assert response.status_code == 302
    far.refresh_from_db()
    assert far.status == Report.Status.DUPLICATE and far.duplicate_of == world["mine"]


def test_opening_the_detail_writes_a_view_audit_row(client, world, users):
    login(client, users["street_staff"])
    assert client.get(detail_url(world["mine"])).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW, object_id=str(world["mine"].public_id))
    assert entry.actor == users["street_staff"]
    assert entry.object_type == "reports.report"
    assert entry.area_path == world["mine"].area.path
    # another street's report: 404 and nothing recorded
    assert client.get(detail_url(world["theirs"])).status_code == 404
    assert not AuditEntry.objects.filter(object_id=str(world["theirs"].public_id)).exists()


# --- cross-area matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_street_staff", "other_district_staff", "other_handler"])
def test_staff_of_another_area_or_department_cannot_list_see_or_change_it(client, world, users, who):
    report = world["mine"]
    actor = world["other_handler"] if who == "other_handler" else users[who]
    login(client, actor)
    assert str(report.public_id) not in listed(client.get(QUEUE))
    assert str(report.public_id) not in json.dumps(map_points(client.get(QUEUE)))
    assert client.get(detail_url(report)).status_code == 404
    response = client.post(detail_url(report), {"form": "transition", "to_status": "accepted"})
    assert response.status_code == 404
    response = client.post(detail_url(report), {"form": "merge", "number": selectors.report_number(report)})
    assert response.status_code == 404
    response = client.post(QUEUE, {"action": "accept", "reports": ids(report)})
    assert response.status_code == 200
    assert response.context["bulk_results"][0]["ok"] is False
    assert report.description not in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED and report.events.count() == 1
    assert not AuditEntry.objects.filter(object_id=str(report.public_id)).exists()


def test_street_staff_see_their_street_and_not_the_neighbours(client, world, users):
    login(client, users["street_staff"])
    assert listed(client.get(QUEUE)) == ids(world["mine"])
    assert client.get(detail_url(world["theirs"])).status_code == 404
    response = client.post(detail_url(world["theirs"]), {"form": "transition", "to_status": "accepted"})
    assert response.status_code == 404
    world["theirs"].refresh_from_db()
    assert world["theirs"].status == Report.Status.SUBMITTED


def test_a_department_handler_sees_only_his_departments_reports(client, world, mapped):
    others = factories.make_report(mapped["street"], department=world["other_dept"])
    triage = factories.make_report(mapped["street"])
    login(client, world["handler"])
    response = client.get(QUEUE)
    assert listed(response) == ids(world["mine"])
    assert client.get(detail_url(world["mine"])).status_code == 200
    for hidden in (others, triage, world["theirs"]):
        assert client.get(detail_url(hidden)).status_code == 404
    # his department filter offers his own department, not the other one
    offered = dict(response.context["filters"].fields["department"].choices)
    assert str(world["dept"].public_id) in offered and str(world["other_dept"].public_id) not in offered


# --- links -----------------------------------------------------------------------------------------


def test_the_back_office_and_the_street_overview_link_to_the_queue(client, world, mapped, users):
    login(client, users["street_staff"])
    assert 'href="/staff/reports/" class="viewlink"' in client.get("/admin/reports/report/").content.decode()
    assert 'href="/staff/reports/"' in client.get("/admin/reports/").content.decode()
    overview = client.get(f"/staff/streets/{mapped['street'].code}/overview/").content.decode()
    assert f'href="/staff/reports/?area={mapped["street"].code}"' in overview
    # and the link's filter is valid for the street's staff
    response = client.get(QUEUE, {"area": mapped["street"].code})
    assert response.status_code == 200 and listed(response) == ids(world["mine"])
