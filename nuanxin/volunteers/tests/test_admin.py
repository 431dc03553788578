"""The volunteers back office (/admin/volunteers/…) through the admin client: list pages for area
managers, area scoping (another street's rows are neither listed nor opened nor acted on), the
approval and issue actions going through the services with audit rows, the append-only record,
and the printable check-in posters."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from nuanxin.core.models import AuditEntry
from nuanxin.volunteers import services
from nuanxin.volunteers.models import Certificate, CorrectionRequest, Membership, RecordEntry, Shift, SignUp

from .factories import make_shift, make_team, make_volunteer, served_sign_up

ADMIN = "/admin/volunteers"
MODELS = (
    "team",
    "volunteer",
    "membership",
    "activity",
    "shift",
    "signup",
    "correctionrequest",
    "recordentry",
    "certificate",
)


def street_rows(area, staff, *, name, id_number):
    """A team of `area` with one of each row: an application, a served (unapproved) sign-up, an
    approved one with an open correction, a certificate request."""
    team = make_team(area, name=name)
    member = make_volunteer(team=team, name=f"{name}队员", id_number=id_number)
    applicant = make_volunteer(name=f"{name}申请人", id_number=id_number[:-1] + "9", area=area)
    application = Membership.objects.create(team=team, volunteer=applicant, role="policy_promoter")
    days_ago = timezone.now() - datetime.timedelta(days=3)
    waiting = served_sign_up(
        make_shift(team, starts_at=days_ago, title=f"{name}宣传"), member, minutes_out=90
    )
    approved = served_sign_up(
        make_shift(team, starts_at=days_ago - datetime.timedelta(days=1), title=f"{name}跑腿"),
        member,
        minutes_out=60,
        approve_by=staff,
    )
    correction = services.correction_request(
        actor=member.courier.user, sign_up=approved, requested_minutes=100, reason="忘记签退"
    )
    certificate = services.certificate_request(
        actor=member.courier.user,
        volunteer=member,
        team=team,
        period_start=timezone.localdate() - datetime.timedelta(days=30),
        period_end=timezone.localdate(),
    )
    return {
        "team": team,
        "volunteer": member,
        "membership": application,
        "activity": waiting.shift.activity,
        "shift": waiting.shift,
        "signup": waiting,
        "correctionrequest": correction,
        "recordentry": RecordEntry.objects.get(sign_up=approved),
        "certificate": certificate,
    }


@pytest.fixture
def mine(areas, users):
    return street_rows(areas["street"], users["street_staff"], name="劝业场", id_number="120101199001011111")


@pytest.fixture
def theirs(areas, users):
    return street_rows(
        areas["other_street"], users["other_street_staff"], name="小白楼", id_number="120101199001012222"
    )


def change_url(model, obj):
    return f"{ADMIN}/{model}/{obj.pk}/change/"


def action(client, model, name, *objects):
    return client.post(
        f"{ADMIN}/{model}/", {"action": name, "_selected_action": [obj.pk for obj in objects]}, follow=True
    )


@pytest.mark.parametrize(
    ("manager", "sees_mine", "sees_theirs"),
    [
        ("street_staff", True, False),
        ("steward", True, False),
        ("other_street_staff", False, True),
        ("district_staff", True, True),  # both streets lie in 和平区
        ("other_district_staff", False, False),
    ],
)
def test_the_list_pages_load_for_area_managers_and_list_only_their_area(
    client, users, mine, theirs, manager, sees_mine, sees_theirs
):
    client.force_login(users[manager])

    for model in MODELS:
        response = client.get(f"{ADMIN}/{model}/")
        assert response.status_code == 200, model
        listed = set(response.context["cl"].result_list)
        assert (mine[model] in listed, theirs[model] in listed) == (sees_mine, sees_theirs), model


def test_another_streets_change_pages_are_not_found(client, users, mine, theirs):
    client.force_login(users["street_staff"])

    for model in MODELS:
        assert client.get(change_url(model, mine[model])).status_code == 200, model
        response = client.get(change_url(model, theirs[model]))
        assert response.status_code in (302, 404), model
        if response.status_code == 302:
            assert response["Location"] == "/admin/", model


def test_a_courier_cannot_open_the_back_office(client, mine):
    client.force_login(mine["volunteer"].courier.user)

    response = client.get(f"{ADMIN}/team/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_approving_and_rejecting_applications_go_through_the_service_and_are_audited(
    client, areas, users, mine
):
    second = Membership.objects.create(
        team=mine["team"],
        volunteer=make_volunteer(name="赵六", id_number="120101199001013333", area=areas["street"]),
        role="mobile_grid_worker",
    )
    client.force_login(users["street_staff"])

    action(client, "membership", "approve", mine["membership"])
    action(client, "membership", "reject", second)
    again = action(client, "membership", "reject", mine["membership"])

    mine["membership"].refresh_from_db()
    second.refresh_from_db()
    assert (mine["membership"].status, mine["membership"].decided_by) == ("approved", users["street_staff"])
    assert second.status == "rejected"
    assert str(services.ALREADY_DECIDED) in again.content.decode()
    assert (
        AuditEntry.objects.filter(
            object_type="volunteers.membership", action="update", actor=users["street_staff"]
        ).count()
        == 2
    )


def test_approving_hours_appends_a_service_entry_and_is_audited(client, users, mine):
    client.force_login(users["street_staff"])

    action(client, "signup", "approve_hours", mine["signup"])

    entry = RecordEntry.objects.get(sign_up=mine["signup"])
    assert (entry.kind, entry.minutes, entry.recorded_by) == ("service", 90, users["street_staff"])
    assert SignUp.objects.get(pk=mine["signup"].pk).approved_at is not None
    assert AuditEntry.objects.filter(
        object_type="volunteers.recordentry", object_id=str(entry.public_id), actor=users["street_staff"]
    ).exists()


def test_accepting_a_correction_supersedes_the_entry_and_rejecting_changes_nothing(client, users, mine):
    client.force_login(users["street_staff"])
    old_entry = mine["recordentry"]

    action(client, "correctionrequest", "accept", mine["correctionrequest"])

    correction = CorrectionRequest.objects.get(pk=mine["correctionrequest"].pk)
    assert correction.status == "accepted"
    assert (correction.resulting_entry.minutes, correction.resulting_entry.supersedes) == (100, old_entry)
    entries_before = RecordEntry.objects.count()
    refused = action(client, "correctionrequest", "reject", correction)
    assert str(services.CORRECTION_DECIDED) in refused.content.decode()
    assert RecordEntry.objects.count() == entries_before
    assert AuditEntry.objects.filter(object_type="volunteers.correctionrequest", action="update").count() == 1


def test_issuing_a_certificate_freezes_its_facts_and_is_audited(client, users, mine):
    client.force_login(users["street_staff"])

    action(client, "certificate", "issue", mine["certificate"])

    certificate = Certificate.objects.get(pk=mine["certificate"].pk)
    assert certificate.status == "issued" and certificate.number.startswith("NXVC")
    assert certificate.facts["total_minutes"] == 60  # only the approved hours count
    assert services.certificate_is_authentic(certificate)
    assert AuditEntry.objects.filter(
        object_type="volunteers.certificate", action="update", actor=users["street_staff"]
    ).exists()


def test_actions_on_another_streets_rows_change_nothing(client, users, mine, theirs):
    client.force_login(users["street_staff"])
    audit_rows = AuditEntry.objects.count()

    action(client, "membership", "approve", theirs["membership"])
    action(client, "signup", "approve_hours", theirs["signup"])
    action(client, "correctionrequest", "accept", theirs["correctionrequest"])
    action(client, "certificate", "issue", theirs["certificate"])

    assert Membership.objects.get(pk=theirs["membership"].pk).status == "applied"
    assert SignUp.objects.get(pk=theirs["signup"].pk).approved_at is None
    assert CorrectionRequest.objects.get(pk=theirs["correctionrequest"].pk).status == "open"
    assert Certificate.objects.get(pk=theirs["certificate"].pk).status == "requested"
    assert AuditEntry.objects.count() == audit_rows


def test_record_entries_cannot_be_added_edited_or_deleted(client, users, mine):
    entry = mine["recordentry"]
    client.force_login(users["street_staff"])

    change_page = client.get(change_url("recordentry", entry))
    edited = client.post(change_url("recordentry", entry), {"minutes": "999", "title": "改过的"})
    deleted = client.post(f"{ADMIN}/recordentry/{entry.pk}/delete/", {"post": "yes"})
    added = client.get(f"{ADMIN}/recordentry/add/")
    bulk = client.post(f"{ADMIN}/recordentry/", {"action": "delete_selected", "_selected_action": [entry.pk]})

    assert change_page.status_code == 200 and 'name="_save"' not in change_page.content.decode()
    assert edited.status_code == deleted.status_code == added.status_code == 403
    action_form = client.get(f"{ADMIN}/recordentry/").context["action_form"]
    actions = [] if action_form is None else [value for value, _label in action_form.fields["action"].choices]
    assert "delete_selected" not in actions
    assert bulk.status_code in (200, 302)
    entry = RecordEntry.objects.get(pk=entry.pk)
    assert (entry.minutes, entry.title) == (60, mine["recordentry"].title)


@pytest.mark.parametrize("model", ["team", "activity", "signup", "certificate"])
def test_other_rows_are_read_only_in_the_admin(client, users, mine, model):
    client.force_login(users["street_staff"])

    assert client.get(f"{ADMIN}/{model}/add/").status_code == 403
    assert client.post(f"{ADMIN}/{model}/{mine[model].pk}/delete/", {"post": "yes"}).status_code == 403


def test_each_shift_links_to_its_poster_and_the_action_prints_one_page_per_shift(client, users, mine):
    activity = mine["activity"]
    Shift.objects.create(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=2),
        place_name="花园路社区",
        latitude="39.110000",
        longitude="117.200000",
    )
    client.force_login(users["street_staff"])

    change_page = client.get(change_url("activity", activity)).content.decode()
    shift_list = client.get(f"{ADMIN}/shift/").content.decode()
    printed = client.post(
        f"{ADMIN}/activity/", {"action": "print_posters", "_selected_action": [activity.pk]}
    )
    link = f"/api/v1/manage/volunteer/shifts/{mine['shift'].public_id}/poster.pdf"
    from_link = client.get(link)

    assert change_page.count("data-poster-link") == 2 and link in change_page
    assert link in shift_list
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(printed.content)).pages) == 2
    assert from_link.status_code == 200 and from_link["Content-Type"] == "application/pdf"


def test_printing_another_streets_posters_prints_nothing(client, users, mine, theirs):
    client.force_login(users["street_staff"])

    printed = client.post(
        f"{ADMIN}/activity/", {"action": "print_posters", "_selected_action": [theirs["activity"].pk]}
    )
    from_link = client.get(f"/api/v1/manage/volunteer/shifts/{theirs['shift'].public_id}/poster.pdf")

    assert printed.get("Content-Type", "").startswith("text/html")
    assert from_link.status_code == 404
