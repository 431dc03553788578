"""Service cards and manuals: rendered for real, read back as a user would (the text of the PDF,
the QR code decoded from the rendered page), and downloadable only by the staff of the area."""

import io

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from nuanxin.stations.models import ServiceContact
from nuanxin.stations.tests.factories import ServiceContactFactory, make_station

MOBILE_URL = "http://testserver/m/"


@pytest.fixture
def contacts(areas):
    street, district = areas["street"], areas["district"]
    ServiceContactFactory(
        area=district, kind=ServiceContact.Kind.HOTLINE, name="和平区暖心服务热线", phone="022-12345"
    )
    ServiceContactFactory(
        area=street, kind=ServiceContact.Kind.POLICE, name="劝业场派出所", phone="022-27111111"
    )
    ServiceContactFactory(area=street, kind=ServiceContact.Kind.STEWARD, name="王芳", phone="13800000001")
    ServiceContactFactory(
        area=street, kind=ServiceContact.Kind.COMMUNITY, name="花园路社区居委会", phone="022-27222222"
    )
    ServiceContactFactory(
        area=street,
        kind=ServiceContact.Kind.PARTY_MASS_CENTER,
        name="劝业场街党群服务中心",
        phone="022-27333333",
        address="和平区滨江道1号",
    )
    # another street's contact must not appear
    ServiceContactFactory(area=areas["other_street"], kind=ServiceContact.Kind.POLICE, name="小白楼派出所")


def pdf_text(content):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def decoded_qr_codes(content):
    """Rasterize each page (pdfium) and decode every QR code on it (zxing-cpp)."""
    document = pypdfium2.PdfDocument(content)
    texts = []
    for page in document:
        image = page.render(scale=3).to_pil()
        texts += [result.text for result in zxingcpp.read_barcodes(image)]
    return texts


def embedded_font_names(content):
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                names.add(str(target["/BaseFont"]))
    return names


def test_a_street_card_lists_its_contacts_embeds_the_font_and_links_the_mobile_site(
    client, users, contacts, areas
):
    client.force_login(users["street_staff"])

    response = client.get(f"/staff/cards/{areas['street'].code}/card.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "劝业场街道",
        "和平区暖心服务热线",
        "022-12345",
        "劝业场派出所",
        "王芳",
        "13800000001",
        "花园路社区居委会",
        "劝业场街党群服务中心",
    ):
        assert expected in text
    assert "小白楼派出所" not in text
    assert any("NotoSansSC" in name for name in embedded_font_names(response.content))
    assert decoded_qr_codes(response.content) == [MOBILE_URL]


def test_a_community_card_falls_back_on_its_streets_contacts(client, users, contacts, areas):
    client.force_login(users["steward"])

    response = client.get(f"/staff/cards/{areas['community'].code}/card.pdf")

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "花园路社区" in text
    assert "劝业场派出所" in text


def test_the_street_manual_lists_its_stations_and_their_services(client, users, contacts, areas):
    make_station(
        areas["street"],
        name="劝业场暖心驿站",
        address="和平区滨江道100号",
        contacts=[("服务管家", "李娜", "13800000009")],
    )
    make_station(areas["other_street"], name="小白楼暖心驿站")
    client.force_login(users["street_staff"])

    response = client.get(f"/staff/cards/{areas['street'].code}/manual.pdf")

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "劝业场暖心驿站" in text
    assert "和平区滨江道100号" in text
    assert "李娜" in text
    assert "小白楼暖心驿站" not in text
    assert decoded_qr_codes(response.content) == [MOBILE_URL]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("street_staff", 200),
        ("steward", 200),
        ("district_staff", 200),
        ("city_staff", 200),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("courier", 404),
    ],
)
def test_who_may_download_a_streets_card_and_manual(client, users, areas, who, status):
    client.force_login(users[who])
    code = areas["street"].code

    assert client.get(f"/staff/cards/{code}/card.pdf").status_code == status
    assert client.get(f"/staff/cards/{code}/manual.pdf").status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(client, areas):
    response = client.get(f"/staff/cards/{areas['street'].code}/card.pdf")
    assert response.status_code == 302


def test_a_community_has_no_manual_and_an_unknown_code_is_not_found(client, users, areas):
    client.force_login(users["street_staff"])
    assert client.get(f"/staff/cards/{areas['community'].code}/manual.pdf").status_code == 404
    assert client.get("/staff/cards/999999999999/card.pdf").status_code == 404


def test_the_back_office_list_offers_the_cards_of_the_staff_members_area_only(client, users, areas):
    client.force_login(users["street_staff"])

    response = client.get("/staff/cards/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-area="{areas["street"].code}"' in page
    assert f'data-area="{areas["community"].code}"' in page
    assert f'data-area="{areas["other_street"].code}"' not in page
