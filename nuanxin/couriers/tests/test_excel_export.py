"""Exporting the registry to Excel: masked by default, full numbers on request (audited), area-scoped."""

import io

import pytest
from openpyxl import load_workbook

from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier, valid_id_number

URL = "/api/v1/registry/couriers/export.xlsx"


@pytest.fixture
def couriers(areas):
    make_courier(
        phone="13800138000",
        area=areas["street"],
        name="张三",
        company="sf",
        id_number=valid_id_number(),
        is_union_member=True,
        site_name="顺丰劝业场网点",
    )
    make_courier(phone="13900001111", area=areas["street"], name="李四", company="meituan")
    make_courier(phone="13700002222", area=areas["other_street"], name="王五", company="sf")


def rows_of(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_the_export_is_masked_by_default(client, auth, couriers):
    response = client.get(URL, **auth("street_staff"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="couriers.xlsx"')
    header, rows = rows_of(response)
    assert header[:4] == ["姓名", "手机号", "所属企业", "从业类型"]
    assert set(rows) == {"张三", "李四"}  # not 王五 of another street
    zhang = rows["张三"]
    assert zhang["手机号"] == "138****8000"
    assert zhang["身份证号"] == "110***********" + valid_id_number()[-4:]
    assert (zhang["所属企业"], zhang["从业类型"], zhang["网点"], zhang["工作街道"], zhang["工会会员"]) == (
        "顺丰",
        "快递员",
        "顺丰劝业场网点",
        "劝业场街道",
        "是",
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.changes["full_numbers"] is False and entry.changes["count"] == 2


def test_area_staff_may_export_full_numbers_and_it_is_audited(client, auth, users, couriers):
    response = client.get(f"{URL}?full_numbers=true", **auth("district_staff"))
    _header, rows = rows_of(response)
    assert set(rows) == {"张三", "李四", "王五"}
    assert rows["张三"]["手机号"] == "13800138000"
    assert rows["张三"]["身份证号"] == valid_id_number()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == users["district_staff"]
    assert entry.changes["full_numbers"] is True and entry.changes["count"] == 3
    assert "full_numbers=true" in entry.changes["filters"]


def test_the_export_follows_the_filters(client, auth, couriers):
    _header, rows = rows_of(client.get(f"{URL}?company=meituan", **auth("city_staff")))
    assert set(rows) == {"李四"}


@pytest.mark.parametrize(("user", "status"), [("courier", 403), ("steward", 403)])
def test_couriers_and_stewards_cannot_export(client, auth, couriers, user, status):
    assert client.get(f"{URL}?full_numbers=true", **auth(user)).status_code == status
    assert not AuditEntry.objects.exists()


def test_anonymous_users_cannot_export(client, couriers):
    assert client.get(URL).status_code == 401
    assert not AuditEntry.objects.exists()


def test_other_street_staff_export_only_their_own_street(client, auth, couriers):
    _header, rows = rows_of(client.get(f"{URL}?full_numbers=true", **auth("other_street_staff")))
    assert set(rows) == {"王五"}
