"""The staff import page /staff/couriers/import/: upload → preview table → confirm."""

from django.core.files.uploadedfile import SimpleUploadedFile

from nuanxin.couriers.models import CourierImportBatch, CourierProfile
from nuanxin.couriers.tests.factories import make_courier, make_xlsx

PAGE = "/staff/couriers/import/"
STREET = "120101001000"


def row(name="张三", phone="13800138000"):
    return [name, phone, "顺丰", "快递员", "网点", STREET, "", "否", "否"]


def test_staff_upload_preview_and_confirm(client, users, areas):
    make_courier(phone="13900001111", area=areas["street"], name="李四", source="import", registered=False)
    client.force_login(users["street_staff"])
    assert client.get(PAGE).status_code == 200
    response = client.post(
        PAGE, {"file": SimpleUploadedFile("list.xlsx", make_xlsx([row(), row("李四新", "13900001111")]))}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****1111" in page  # the row that updates an existing courier is shown
    assert not CourierProfile.objects.filter(name="张三").exists()
    token = CourierImportBatch.objects.get().public_id
    confirmed = client.post(f"{PAGE}{token}/commit/", follow=True)
    assert confirmed.status_code == 200
    assert CourierProfile.objects.count() == 2
    assert CourierProfile.objects.filter(name="李四新").exists()


def test_the_preview_lists_row_errors_and_offers_no_confirm(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        PAGE,
        {"file": SimpleUploadedFile("list.xlsx", make_xlsx([row(), row(phone="12")]))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "<td>3</td><td>手机号</td>" in page
    assert "/commit/" not in page
    assert not CourierImportBatch.objects.exists()


def test_a_wrong_file_gets_a_clear_message(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        PAGE, {"file": SimpleUploadedFile("list.xlsx", b"hello")}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert "The file is not an Excel .xlsx workbook" in response.content.decode()


def test_other_staff_cannot_confirm_someone_elses_preview(client, users, areas):
    client.force_login(users["street_staff"])
    client.post(PAGE, {"file": SimpleUploadedFile("list.xlsx", make_xlsx([row()]))})
    token = CourierImportBatch.objects.get().public_id
    client.force_login(users["other_street_staff"])
    assert client.post(f"{PAGE}{token}/commit/").status_code == 404
    assert not CourierProfile.objects.exists()


def test_couriers_and_stewards_are_refused(client, users, areas):
    client.force_login(users["steward"])
    assert client.get(PAGE).status_code == 403
    client.force_login(users["courier"])
    assert client.get(PAGE).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, areas):
    response = client.get(PAGE)
    assert response.status_code == 302
