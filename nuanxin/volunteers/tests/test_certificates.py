"""Certificates: request, issue for the team's own activities, PDF contents, QR, public verification."""

import datetime
import io

import pypdfium2
import zxingcpp
from django.utils import timezone
from pypdf import PdfReader

from nuanxin.volunteers.models import Certificate

from .factories import make_shift, make_team, served_sign_up

API = "/api/v1/volunteer"
MANAGE = "/api/v1/manage/volunteer"


def pdf_text(content):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def qr_texts(content):
    texts = []
    for page in pypdfium2.PdfDocument(content):
        texts += [result.text for result in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    return texts


def served_days_ago(team, volunteer, staff, *, days, hours=2, title="政策宣传"):
    shift = make_shift(
        team, starts_at=timezone.now() - datetime.timedelta(days=days), hours=hours, title=title
    )
    return served_sign_up(shift, volunteer, approve_by=staff)


def request_certificate(client, headers, team, *, days=60):
    today = timezone.localdate()
    return client.post(
        f"{API}/certificates",
        {
            "team_id": str(team.public_id),
            "period_start": str(today - datetime.timedelta(days=days)),
            "period_end": str(today),
        },
        content_type="application/json",
        **headers,
    )


def issued(client, team, volunteer, courier_auth, auth, users):
    served_days_ago(team, volunteer, users["street_staff"], days=10, hours=2)
    served_days_ago(team, volunteer, users["street_staff"], days=5, hours=3, title="跑腿送药")
    requested = request_certificate(client, courier_auth, team)
    assert requested.status_code == 201
    response = client.post(f"{MANAGE}/certificates/{requested.json()['id']}/issue", **auth("street_staff"))
    assert response.status_code == 200
    return response.json()


def test_an_issued_certificate_pdf_carries_the_facts_and_a_qr_to_the_verification_page(
    client, team, volunteer, courier_auth, auth, users
):
    certificate = issued(client, team, volunteer, courier_auth, auth, users)

    response = client.get(f"{API}/certificates/{certificate['id']}/pdf", **courier_auth)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        "张三",
        "居民身份证",
        "120***********1234",
        volunteer.volunteer_number,
        "5.0",
        "政策宣传",
        "跑腿送药",
        "行走的哨兵",
        "李主任",
        "022-12345678",
        certificate["number"],
        timezone.localdate().isoformat(),
    ]:
        assert expected in text, expected
    assert "120101199001011234" not in text
    assert qr_texts(response.content) == [f"http://testserver/verify/certificates/{certificate['number']}/"]
    assert certificate["total_minutes"] == 300


def test_the_verification_page_confirms_with_the_name_only(
    client, team, volunteer, courier_auth, auth, users
):
    certificate = issued(client, team, volunteer, courier_auth, auth, users)

    page = client.get(f"/verify/certificates/{certificate['number']}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "data-verified" in html
    assert "张三" in html
    assert certificate["number"] in html
    assert volunteer.volunteer_number not in html
    assert "1234" not in html.replace(certificate["number"], "")
    assert volunteer.courier.phone not in html


def test_a_certificate_altered_after_issue_fails_verification(
    client, team, volunteer, courier_auth, auth, users
):
    certificate_data = issued(client, team, volunteer, courier_auth, auth, users)
    certificate = Certificate.objects.get(number=certificate_data["number"])
    facts = dict(certificate.facts, total_minutes=60000)
    Certificate.objects.filter(pk=certificate.pk).update(facts=facts)

    page = client.get(f"/verify/certificates/{certificate.number}/")

    assert page.status_code == 404
    assert "data-tampered" in page.content.decode()
    assert "1000.0" not in page.content.decode()


def test_a_changed_period_also_fails_and_an_unknown_number_is_not_found(
    client, team, volunteer, courier_auth, auth, users
):
    certificate_data = issued(client, team, volunteer, courier_auth, auth, users)
    Certificate.objects.filter(number=certificate_data["number"]).update(
        period_start=datetime.date(2000, 1, 1)
    )

    assert (
        "data-tampered" in client.get(f"/verify/certificates/{certificate_data['number']}/").content.decode()
    )
    unknown = client.get("/verify/certificates/NXVC0000/")
    assert unknown.status_code == 404
    assert "data-unknown" in unknown.content.decode()


def test_a_certificate_covers_only_the_issuing_teams_own_activities(
    client, team, volunteer, courier_auth, auth, users, areas
):
    from nuanxin.volunteers.models import Membership

    other_team = make_team(areas["other_street"], name="小白楼志愿队")
    Membership.objects.create(team=other_team, volunteer=volunteer, role="policy_promoter", status="approved")
    served_days_ago(other_team, volunteer, users["other_street_staff"], days=3, hours=4, title="别队活动")
    certificate = issued(client, team, volunteer, courier_auth, auth, users)

    text = pdf_text(client.get(f"{API}/certificates/{certificate['id']}/pdf", **courier_auth).content)

    assert certificate["total_minutes"] == 300
    assert "别队活动" not in text


def test_asking_a_team_for_a_certificate_of_activities_it_did_not_organize_is_refused(
    client, team, volunteer, courier_auth, users, areas
):
    other_team = make_team(areas["other_street"], name="小白楼志愿队")
    served_days_ago(team, volunteer, users["street_staff"], days=3)

    response = request_certificate(client, courier_auth, other_team)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "team"
    assert not Certificate.objects.exists()


def test_bad_periods_are_refused(client, team, volunteer, courier_auth, users):
    served_days_ago(team, volunteer, users["street_staff"], days=3)
    today = timezone.localdate()
    for start, end in [
        (today, today - datetime.timedelta(days=1)),
        (today, today + datetime.timedelta(days=1)),
    ]:
        response = client.post(
            f"{API}/certificates",
            {"team_id": str(team.public_id), "period_start": str(start), "period_end": str(end)},
            content_type="application/json",
            **courier_auth,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "period_end"
    assert not Certificate.objects.exists()


def test_a_certificate_is_issued_once_and_a_requested_one_has_no_pdf(
    client, team, volunteer, courier_auth, auth, users
):
    served_days_ago(team, volunteer, users["street_staff"], days=3)
    requested = request_certificate(client, courier_auth, team).json()

    assert client.get(f"{API}/certificates/{requested['id']}/pdf", **courier_auth).status_code == 404
    assert (
        client.post(f"{MANAGE}/certificates/{requested['id']}/issue", **auth("street_staff")).status_code
        == 200
    )
    assert (
        client.post(f"{MANAGE}/certificates/{requested['id']}/issue", **auth("street_staff")).status_code
        == 409
    )
