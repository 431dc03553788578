"""The shift's printable check-in poster: its text, its QR code (decoded from the rendered page) that
opens the check-in page, and who may print it (area-scoped API)."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from pypdf import PdfReader

from nuanxin.volunteers.checkin import shift_check_in_read

from .factories import make_shift, make_sign_up

MANAGE = "/api/v1/manage/volunteer"


def pdf_text(content):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def qr_texts(content):
    texts = []
    for page in pypdfium2.PdfDocument(content):
        texts += [result.text for result in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]
    return texts


@pytest.fixture
def shift(team):
    starts_at = timezone.now() - datetime.timedelta(minutes=5)
    return make_shift(team, starts_at=starts_at, hours=2, title="新就业形态劳动者权益政策宣传")


def test_the_poster_prints_the_shift_and_a_qr_code_that_checks_in(client, shift, volunteer, auth):
    # given a courier signed up for a shift that has just started
    sign_up = make_sign_up(shift, volunteer)
    # when the street's staff download the poster
    response = client.get(f"{MANAGE}/shifts/{shift.public_id}/poster.pdf", **auth("street_staff"))
    # then it is an A4 PDF with the activity, the time and the place
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    assert [round(float(side)) for side in reader.pages[0].mediabox[2:]] == [595, 842]
    text = pdf_text(response.content)
    starts = timezone.localtime(shift.starts_at)
    for expected in (shift.activity.title, shift.place_name, f"{starts:%Y-%m-%d %H:%M}", "行走的哨兵"):
        assert expected in text
    # and its QR code is the absolute check-in address of this shift, with a token
    [url] = qr_texts(response.content)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "testserver",
        f"/m/volunteer/shifts/{shift.public_id}/check-in/",
    )
    assert parts.query.startswith("token=")
    # and opening it as the courier shows 签到, which checks them in
    client.force_login(volunteer.courier.user)
    page = client.get(f"{parts.path}?{parts.query}")
    assert "data-check-in-button" in page.content.decode()
    token = page.context["token"]
    client.post(f"{parts.path}?{parts.query}", {"token": token, "action": "check_in"})
    sign_up.refresh_from_db()
    assert sign_up.check_in_method == "qr"


def test_the_check_in_code_endpoint_gives_the_same_address_and_the_poster_link(client, shift, auth):
    poster = client.get(f"{MANAGE}/shifts/{shift.public_id}/poster.pdf", **auth("street_staff"))
    code = client.get(f"{MANAGE}/shifts/{shift.public_id}/check-in-code", **auth("street_staff")).json()

    [printed] = qr_texts(poster.content)
    # the token carries its signing time, so two prints a second apart differ; both are valid
    assert printed.split("?")[0] == code["check_in_url"].split("?")[0]
    assert code["check_in_url"].endswith("?token=" + code["token"].replace(":", "%3A"))
    for url in (printed, code["check_in_url"]):
        shift_check_in_read(parse_qs(urlsplit(url).query)["token"][0], shift=shift)
    assert code["poster_url"] == f"{MANAGE}/shifts/{shift.public_id}/poster.pdf"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("courier", 403),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("street_staff", 200),
        ("steward", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_only_staff_of_the_shifts_area_get_the_poster(client, shift, auth, who, status):
    headers = {} if who == "anonymous" else auth(who)

    response = client.get(f"{MANAGE}/shifts/{shift.public_id}/poster.pdf", **headers)

    assert response.status_code == status
    assert (response["Content-Type"] == "application/pdf") == (status == 200)


def test_an_unknown_shift_has_no_poster(client, db, auth):
    response = client.get(
        f"{MANAGE}/shifts/00000000-0000-0000-0000-000000000000/poster.pdf", **auth("city_staff")
    )
    assert response.status_code == 404
