"""Importing a company's courier list: template, row validation, preview, dedup, all-or-nothing commit."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from nuanxin.core.crypto import lookup_hash
from nuanxin.core.models import AuditEntry
from nuanxin.couriers import excel
from nuanxin.couriers.models import CourierImportBatch, CourierProfile
from nuanxin.couriers.tests.factories import make_courier, make_xlsx, valid_id_number

BASE = "/api/v1/registry"
STREET = "120101001000"  # 劝业场街道
OTHER_STREET = "120101002000"  # 小白楼街道
OTHER_DISTRICT_STREET = "120102001000"  # 大王庄街道
GOOD_ID = valid_id_number()


def upload(client, headers, content, name="couriers.xlsx", language="en"):
    return client.post(
        f"{BASE}/imports",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE=language,
        **headers,
    )


def commit(client, headers, token, language="en"):
    return client.post(f"{BASE}/imports/{token}/commit", HTTP_ACCEPT_LANGUAGE=language, **headers)


def row(
    name="张三",
    phone="13800138000",
    company="顺丰",
    group="快递员",
    site="劝业场网点",
    street=STREET,
    id_number="",
    union="否",
    party="否",
):
    return [name, phone, company, group, site, street, id_number, union, party]


def errors_by_row(response):
    return {(error["row"], error["column"]): error["message"] for error in response.json()["errors"]}


# --- the template ---------------------------------------------------------------------------------


def test_staff_download_a_template_with_chinese_headers_lists_and_instructions(client, auth, areas):
    response = client.get(f"{BASE}/import-template.xlsx", **auth("district_staff"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["快递员名单", "选项", "填写说明"]
    sheet = workbook["快递员名单"]
    assert [cell.value for cell in sheet[1]] == [
        "姓名",
        "手机号",
        "所属企业",
        "从业类型",
        "网点",
        "工作街道(代码或名称)",
        "身份证号(选填)",
        "工会会员",
        "党员",
    ]
    lists = {
        str(validation.sqref).split(":")[0]: validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    assert set(lists) == {"C2", "D2", "F2", "H2", "I2"}
    options = workbook["选项"]
    companies = [options.cell(row=index, column=1).value for index in range(2, 30)]
    assert "顺丰" in companies and "其他" in companies
    streets = {options.cell(row=index, column=5).value for index in range(2, 10)} - {None}
    assert streets == {STREET, OTHER_STREET}  # the district's streets, not another district's
    assert "100,000" in " ".join(str(cell.value) for cell in workbook["填写说明"]["A"])


def test_the_template_round_trips_through_the_import(client, auth, areas):
    template = load_workbook(
        io.BytesIO(client.get(f"{BASE}/import-template.xlsx", **auth("street_staff")).content)
    )
    template["快递员名单"].append(row())
    output = io.BytesIO()
    template.save(output)
    response = upload(client, auth("street_staff"), output.getvalue())
    assert response.status_code == 200, response.content
    assert response.json()["can_commit"] is True


@pytest.mark.parametrize(("user", "status"), [("courier", 403), ("steward", 403)])
def test_non_area_staff_get_no_template(client, auth, areas, user, status):
    assert client.get(f"{BASE}/import-template.xlsx", **auth(user)).status_code == status


def test_anonymous_users_get_no_template(client, areas):
    assert client.get(f"{BASE}/import-template.xlsx").status_code == 401


# --- preview and commit ---------------------------------------------------------------------------


def test_a_valid_list_is_previewed_without_writing_then_committed(client, auth, users, areas):
    headers = auth("street_staff")
    content = make_xlsx(
        [
            row(),
            row(
                name="李四",
                phone="139 0000 1111",
                company="美团",
                group="外卖骑手",
                id_number=GOOD_ID,
                union="是",
            ),
            row(
                name="王五",
                phone=13700002222,
                company="其他：某某速运",
                group="",
                street="劝业场街道",
                party="是",
            ),
        ]
    )
    preview = upload(client, headers, content)
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["can_commit"] is True and body["token"]
    assert (body["row_count"], body["new_count"], body["update_count"], body["error_count"]) == (3, 3, 0, 0)
    assert not CourierProfile.objects.exists()  # the preview writes no courier

    committed = commit(client, headers, body["token"])
    assert committed.status_code == 200, committed.content
    assert committed.json()["status"] == "committed"
    assert committed.json()["new_count"] == 3
    li = CourierProfile.objects.get(phone_hash=lookup_hash("13900001111"))
    assert li.phone == "13900001111" and li.phone_masked == "139****1111"
    assert li.id_number == GOOD_ID and li.id_number_hash == lookup_hash(GOOD_ID)
    assert (li.name, li.company.code, li.worker_group, li.work_area, li.source) == (
        "李四",
        "meituan",
        "food_delivery_rider",
        areas["street"],
        "import",
    )
    assert li.is_union_member and not li.is_party_member
    assert li.user.role == "courier" and not li.user.has_usable_password()
    wang = CourierProfile.objects.get(phone_hash=lookup_hash("13700002222"))
    assert (wang.company.code, wang.company_other, wang.worker_group) == ("other", "某某速运", "other")
    assert wang.is_party_member
    # Imported couriers show in the registry, marked as imported.
    listed = client.get(f"{BASE}/couriers?source=import", **headers).json()
    assert listed["count"] == 3
    actions = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).values_list("message", flat=True)
    )
    assert sorted(actions) == ["commit", "preview"]


def test_street_staff_may_leave_the_street_empty_for_their_own(client, auth, areas):
    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row(street="")])).json()["token"]
    assert commit(client, headers, token).status_code == 200
    assert CourierProfile.objects.get().work_area == areas["street"]


def test_district_staff_must_name_the_street(client, auth, areas):
    response = upload(client, auth("district_staff"), make_xlsx([row(street="")]))
    assert errors_by_row(response) == {(2, "工作街道(代码或名称)"): "This cell is required."}


def test_headers_may_come_in_any_order_and_optional_columns_may_be_missing(client, auth, areas):
    headers = ["手机号", "姓名", "网点", "所属企业", "从业类型", "工作街道（代码或名称）"]
    content = make_xlsx([["13800138000", "张三", "", "京东", "快递员", STREET]], headers=headers)
    body = upload(client, auth("street_staff"), content).json()
    assert body["can_commit"] is True
    assert commit(client, auth("street_staff"), body["token"]).status_code == 200
    assert CourierProfile.objects.get().company.code == "jd"


# --- row errors -----------------------------------------------------------------------------------


def test_every_kind_of_row_error_is_listed_with_row_column_and_message(client, auth, areas):
    content = make_xlsx(
        [
            row(),  # row 2: fine
            row(phone="1234567"),  # 3
            row(phone="13900000003", id_number=GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")),  # 4
            row(phone="13900000004", id_number=110101199003077777.0),  # 5: a number Excel has rounded
            row(phone="13900000005", company="不存在快递"),  # 6
            row(phone="13900000006", group="飞行员"),  # 7
            row(phone="13900000007", street="999999999999"),  # 8
            row(phone="13900000008", street=OTHER_DISTRICT_STREET),  # 9: not in the uploader's area
            row(phone="13900000009", union="也许"),  # 10
            row(name="", phone="13900000010"),  # 11
            row(name=12345, phone="13900000011"),  # 12
            row(phone=date(2024, 1, 1)),  # 13
            row(phone="13800138000"),  # 14: the same phone as row 2
            row(name="x" * 51, phone="13900000013"),  # 15
            row(phone="13900000014", id_number="12345"),  # 16
        ]
    )
    response = upload(client, auth("district_staff"), content)
    assert response.status_code == 200
    body = response.json()
    assert body["can_commit"] is False and body["token"] is None
    assert body["error_count"] == 14
    assert errors_by_row(response) == {
        (3, "手机号"): "Enter a valid mainland mobile number (11 digits starting with 1).",
        (4, "身份证号(选填)"): "The check digit of this resident ID number is wrong.",
        (5, "身份证号(选填)"): "Enter the ID number as text: Excel drops the last digits of long numbers.",
        (6, "所属企业"): "Unknown company “不存在快递”: choose one from the list, or 其他.",
        (
            7,
            "从业类型",
        ): "Unknown worker group “飞行员”: choose one of 快递员、外卖骑手、网约车司机、货车司机、其他.",
        (
            8,
            "工作街道(代码或名称)",
        ): "Unknown street “999999999999” in your area: enter its 12-digit code or its name.",
        (
            9,
            "工作街道(代码或名称)",
        ): f"Unknown street “{OTHER_DISTRICT_STREET}” in your area: enter its 12-digit code or its name.",
        (10, "工会会员"): "Enter 是 or 否.",
        (11, "姓名"): "This cell is required.",
        (12, "姓名"): "Enter text, not a number or date.",
        (13, "手机号"): "This cell has the wrong type (a date or formula result); enter text.",
        (14, "手机号"): "The same phone number is already in row 2.",
        (15, "姓名"): "Enter at most 50 characters.",
        (16, "身份证号(选填)"): "Enter a valid 18-character resident ID number.",
    }
    assert not CourierProfile.objects.exists()
    assert not CourierImportBatch.objects.exists()
    assert not AuditEntry.objects.exists()


def test_row_errors_are_translated(client, auth, areas):
    response = upload(client, auth("street_staff"), make_xlsx([row(phone="123")]), language="zh-hans")
    message = response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["column"] == "手机号"
    english = upload(client, auth("street_staff"), make_xlsx([row(phone="123")])).json()["errors"][0][
        "message"
    ]
    assert english.startswith("Enter a valid mainland mobile number")
    assert message  # zh-hans falls back to the source until the catalog has it; never empty


def test_a_duplicate_id_number_within_the_file_is_an_error(client, auth, areas):
    content = make_xlsx([row(id_number=GOOD_ID), row(phone="13900000001", id_number=GOOD_ID.lower())])
    assert errors_by_row(upload(client, auth("street_staff"), content)) == {
        (3, "身份证号(选填)"): "The same ID number is already in row 2."
    }


def test_blank_rows_are_skipped_and_reported(client, auth, areas):
    content = make_xlsx(
        [
            row(),
            [None] * 9,
            ["", " ", None, None, None, None, None, None, None],
            row(phone="13900000001"),
            [None] * 9,
        ]
    )
    body = upload(client, auth("street_staff"), content).json()
    assert body["can_commit"] is True
    assert body["row_count"] == 2
    assert body["blank_rows"] == [3, 4]  # the trailing empty row is not worth a mention
    assert body["blank_row_count"] == 2


# --- file errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,phone\n张三,13800138000\n".encode(), "The file is not an Excel .xlsx workbook"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "The file is not an Excel .xlsx workbook",
        ),  # old .xls
        (b"PK\x03\x04 broken zip", "The file is not an Excel .xlsx workbook"),
        (b"", "The file is not an Excel .xlsx workbook"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(client, auth, areas, content, message):
    response = upload(client, auth("street_staff"), content, name="list.xlsx")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert response.json()["message"].startswith(message)
    assert not CourierImportBatch.objects.exists()


def test_an_xlsx_that_is_not_a_workbook_is_refused(client, auth, areas):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    response = upload(client, auth("street_staff"), buffer.getvalue())
    assert response.status_code == 422
    assert response.json()["message"].startswith("The file is not an Excel .xlsx workbook")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            ["姓名", "电话", "所属企业", "从业类型", "网点", "工作街道"],
            "Required columns are missing: 手机号.",
        ),
        (
            ["name", "phone"],
            "Required columns are missing: 姓名、手机号、所属企业、从业类型、网点、工作街道(代码或名称).",
        ),
        ([*excel.HEADERS, "备注"], "Unknown columns: 备注. Use the import template."),
        ([*excel.HEADERS, "手机号"], "Columns appear twice: 手机号."),
        ([], "Required columns are missing"),
    ],
)
def test_wrong_headers_are_refused_naming_the_columns(client, auth, areas, headers, message):
    response = upload(client, auth("street_staff"), make_xlsx([row()], headers=headers))
    assert response.status_code == 422
    assert response.json()["message"].startswith(message)
    assert response.json()["code"] == "import_file_invalid"


def test_a_file_with_only_the_header_is_refused(client, auth, areas):
    response = upload(client, auth("street_staff"), make_xlsx([[None] * 9, [None] * 9]))
    assert response.status_code == 422
    assert response.json()["message"] == "The file has no courier rows below the header row."


def test_more_rows_than_the_limit_are_refused_before_anything_is_written(client, auth, areas, monkeypatch):
    # The limit is 100,000 rows (bench/import_couriers.py imports exactly that many); a small limit
    # here checks the same code path without writing a 100,001-row file in the test suite.
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    content = make_xlsx([row(phone=f"1390000000{index}") for index in range(4)])
    response = upload(client, auth("street_staff"), content)
    assert response.status_code == 422
    assert response.json()["message"] == "The file has more than 3 courier rows. Split it into smaller files."
    assert not CourierImportBatch.objects.exists()
    assert excel.MAX_ROWS == 3 and excel.FILE_TOO_MANY_ROWS  # the message names the limit in force


def test_the_real_row_limit_is_100000():
    assert excel.MAX_ROWS == 100_000


def test_a_file_over_the_size_limit_is_refused(client, auth, areas, settings):
    settings.NUANXIN_COURIER_IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(client, auth("street_staff"), b"x" * (1024 * 1024 + 1))
    assert response.status_code == 422
    assert response.json()["message"] == "The file is larger than 1 MB."


def test_a_missing_file_field_is_a_field_error(client, auth, areas):
    response = client.post(f"{BASE}/imports", {}, HTTP_ACCEPT_LANGUAGE="en", **auth("street_staff"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


# --- duplicates against the registry --------------------------------------------------------------


def test_existing_couriers_are_updated_not_duplicated_and_the_preview_says_which(client, auth, areas):
    imported = make_courier(
        phone="13800138000", area=areas["street"], name="旧名字", source="import", registered=False
    )
    self_registered = make_courier(phone="13900001111", area=areas["street"], name="李四本人", site_name="")
    headers = auth("street_staff")
    content = make_xlsx(
        [
            row(name="张三", site="新网点", union="是"),
            row(
                name="李四（企业名单）",
                phone="13900001111",
                site="美团网点",
                company="美团",
                group="外卖骑手",
            ),
            row(name="新人", phone="13700002222"),
        ]
    )
    body = upload(client, headers, content).json()
    assert (body["new_count"], body["update_count"]) == (1, 2)
    assert body["updates"] == [
        {"row": 2, "phone_masked": "138****8000", "name": "旧名字"},
        {"row": 3, "phone_masked": "139****1111", "name": "李四本人"},
    ]
    assert commit(client, headers, body["token"]).status_code == 200
    assert CourierProfile.objects.count() == 3
    imported.refresh_from_db()
    assert (imported.name, imported.site_name, imported.is_union_member) == ("张三", "新网点", True)
    self_registered.refresh_from_db()
    # A courier's own registration wins; the list only fills what they left empty.
    assert (self_registered.name, self_registered.company.code) == ("李四本人", "sf")
    assert self_registered.site_name == "美团网点"


def test_a_number_registered_in_another_street_is_a_row_error(client, auth, areas):
    make_courier(phone="13800138000", area=areas["other_street"])
    response = upload(client, auth("street_staff"), make_xlsx([row()]))
    assert errors_by_row(response) == {
        (2, "手机号"): "This phone number belongs to a courier registered outside your area."
    }


# --- all or nothing -------------------------------------------------------------------------------


def test_commit_is_all_or_nothing_when_the_registry_changed_since_the_preview(client, auth, areas):
    headers = auth("street_staff")
    content = make_xlsx(
        [row(phone=f"1390000{index:04d}") for index in range(2500)] + [row(phone="13800138000")]
    )
    token = upload(client, headers, content).json()["token"]
    # Meanwhile the last row's courier registers in another street.
    make_courier(phone="13800138000", area=areas["other_street"])
    response = commit(client, headers, token)
    assert response.status_code == 409
    assert response.json()["message"] == (
        "The registry changed since the preview and 1 rows are no longer valid. Upload the file again."
    )
    assert CourierProfile.objects.count() == 1  # the first 2,500 rows were rolled back
    assert CourierImportBatch.objects.get().status == "previewed"
    assert not AuditEntry.objects.filter(message="commit").exists()


def test_a_batch_commits_once(client, auth, areas):
    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row()])).json()["token"]
    assert commit(client, headers, token).status_code == 200
    again = commit(client, headers, token)
    assert again.status_code == 409
    assert again.json()["message"] == "This import has already been committed or discarded."
    assert CourierProfile.objects.count() == 1


def test_the_kept_file_is_deleted_after_the_commit(client, auth, areas, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row()])).json()["token"]
    stored = CourierImportBatch.objects.get().stored_name
    assert default_storage.exists(stored)
    assert b"13800138000" not in default_storage.open(stored).read()  # kept encrypted
    with django_capture_on_commit_callbacks(execute=True):
        commit(client, headers, token)
    assert not default_storage.exists(stored)


def test_an_expired_preview_cannot_be_committed(client, auth, areas):
    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row()])).json()["token"]
    CourierImportBatch.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = commit(client, headers, token)
    assert response.status_code == 409
    assert response.json()["message"] == "This preview has expired. Upload the file again."
    assert not CourierProfile.objects.exists()


def test_a_discarded_preview_cannot_be_committed(client, auth, areas):
    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row()])).json()["token"]
    assert client.delete(f"{BASE}/imports/{token}", **headers).status_code == 204
    assert commit(client, headers, token).status_code == 409
    assert not CourierProfile.objects.exists()


@pytest.mark.parametrize(
    ("user", "status"), [("other_street_staff", 404), ("district_staff", 404), ("courier", 403)]
)
def test_only_the_uploader_sees_and_commits_a_preview(client, auth, areas, user, status):
    token = upload(client, auth("street_staff"), make_xlsx([row()])).json()["token"]
    assert client.get(f"{BASE}/imports/{token}", **auth(user)).status_code == status
    assert commit(client, auth(user), token).status_code == status
    assert not CourierProfile.objects.exists()
    assert CourierImportBatch.objects.get().status == "previewed"


def test_the_uploader_can_read_the_preview_again(client, auth, areas):
    make_courier(phone="13800138000", area=areas["street"], name="旧名字")
    headers = auth("street_staff")
    token = upload(client, headers, make_xlsx([row(), row(phone="13900000001")])).json()["token"]
    body = client.get(f"{BASE}/imports/{token}", **headers).json()
    assert (body["row_count"], body["new_count"], body["update_count"], body["can_commit"]) == (2, 1, 1, True)
    assert body["updates"] == [{"row": 2, "phone_masked": "138****8000", "name": "旧名字"}]


@pytest.mark.parametrize("user", ["courier", "steward"])
def test_couriers_and_stewards_cannot_upload(client, auth, areas, user):
    response = upload(client, auth(user), make_xlsx([row()]))
    assert response.status_code == 403
    assert not CourierImportBatch.objects.exists()


def test_anonymous_users_cannot_upload(client, areas):
    response = client.post(f"{BASE}/imports", {"file": SimpleUploadedFile("a.xlsx", make_xlsx([row()]))})
    assert response.status_code == 401
    assert not CourierImportBatch.objects.exists()
