"""`manage.py load_demo`: the demo city loads, serves the finder, and loads again without duplicates."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core.models import AuditEntry
from nuanxin.demo import data
from nuanxin.demo.management.commands.load_demo import demo_allowed
from nuanxin.stations.models import (
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    StandardCheck,
    Station,
)


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        "areas": Area.objects.count(),
        "users": User.objects.count(),
        "stations": Station.objects.count(),
        "holidays": PublicHoliday.objects.count(),
        "contacts": ServiceContact.objects.count(),
        "resources": ResourceItem.objects.count(),
        "checks": StandardCheck.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_it_refuses_where_demo_data_is_off(db):
    # the test settings, like production, have NUANXIN_DEMO off
    with pytest.raises(CommandError, match="NUANXIN_DEMO"):
        load()
    assert not Station.objects.exists()
    assert not User.objects.exists()


def test_the_environment_or_the_settings_allow_it(monkeypatch, settings):
    monkeypatch.delenv("NUANXIN_DEMO", raising=False)
    settings.NUANXIN_DEMO = False
    assert not demo_allowed()
    monkeypatch.setenv("NUANXIN_DEMO", "1")
    assert demo_allowed()
    monkeypatch.setenv("NUANXIN_DEMO", "0")
    settings.NUANXIN_DEMO = True
    assert demo_allowed()


def test_the_demo_city_holds_stations_accounts_and_street_tables(db, client):
    load("--force")

    # divisions: all of Tianjin and Fangshan
    assert Area.objects.filter(parent__code="120000000000").count() == 16
    assert Area.objects.filter(parent__code="110111000000").count() == 28

    # 60 stations in several streets of both cities, all but the planned and suspended one public
    stations = Station.objects.select_related("area", "steward__area")
    assert stations.count() == len(data.STATIONS) == 60
    assert stations.filter(is_public=True).count() == 58
    streets = {station.area.name for station in stations}
    assert {"劝业场街道", "小白楼街道", "拱辰街道", "西潞街道", "城关街道", "良乡地区"} <= streets
    assert stations.filter(area__code__startswith="110111").count() == 15
    assert len({station.host_type for station in stations}) >= 8
    # hours of every kind
    assert stations.filter(is_24_hours=True).count() >= 10
    assert stations.filter(closes_on_public_holidays=True).exists()
    restaurant = stations.get(name="劝业场街道暖心驿站（锦州道餐厅）")
    assert [(p.opens_at.hour, p.closes_at.hour) for p in restaurant.opening_periods.all()][:1] == [(10, 2)]
    assert stations.get(name="劝业场街道暖心驿站（滨江道店）").special_days.get().note == "除夕提前闭站"
    # rollout: demonstration stations carry their batch
    demonstration = stations.filter(status="demonstration")
    assert demonstration.count() >= 10
    assert not demonstration.filter(demonstration_batch__isnull=True).exists()
    assert stations.filter(status="pilot").count() >= 5
    # every station has a steward of its own street, contacts, and its 六有 checks unless planned
    for station in stations:
        assert station.steward.role == Role.STEWARD
        assert station.area.path.startswith(station.steward.area.path)
        assert station.contacts.count() == 2
        assert station.amenity_mask != 0
    assert not StandardCheck.objects.filter(station__status__in=["planned", "suspended"]).exists()
    assert StandardCheck.objects.filter(station__status="active", is_met=False).count() == 0
    assert StandardCheck.objects.filter(station__status="pilot", is_met=False).exists()

    # every street with stations has its contact table and resource list (the 5个1 page)
    for code in data.STREETS:
        assert ServiceContact.objects.filter(area__code=code, kind="police").count() == 1
        assert ResourceItem.objects.filter(area__code=code).count() == len(data.RESOURCES)

    # China's 2026 public holidays
    assert PublicHoliday.objects.count() == 33
    assert PublicHoliday.objects.get(date=datetime.date(2026, 2, 17)).name == "春节"
    assert PublicHoliday.objects.get(date=datetime.date(2026, 10, 7)).name == "国庆节"

    # accounts at every level, one password
    roles = {
        username: (user_role, area_name)
        for username, user_role, area_name in User.objects.values_list("username", "role", "area__name")
    }
    assert roles["tj_city"] == ("city_staff", "天津市")
    assert roles["hp_district"] == ("district_staff", "和平区")
    assert roles["fs_district"] == ("district_staff", "房山区")
    assert roles["qyc_street"] == ("street_staff", "劝业场街道")
    assert roles["steward_qyc"] == ("steward", "劝业场街道")
    assert {role for role, _area in roles.values()} >= {
        "city_staff",
        "district_staff",
        "street_staff",
        "steward",
        "department_handler",
        "merchant",
        "counselor",
    }
    assert User.objects.get(username="admin").is_superuser
    assert client.login(username="qyc_street", password=data.DEMO_PASSWORD)

    # and the finder serves the stations: the nearest to 劝业场 with charging
    response = client.get("/api/v1/stations/nearby", {"lat": 39.1205, "lng": 117.1965, "amenity": "charging"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["name"] == "劝业场街道暖心驿站（滨江道店）"
    assert items[0]["distance_m"] < 100


def test_loading_twice_duplicates_nothing_and_writes_no_new_audit_rows(db):
    load("--force")
    first = counts()
    ids = set(Station.objects.values_list("public_id", flat=True))
    # a demo station edited behind the loader's back is set back by the next load (one audit row)
    station = Station.objects.get(name="小白楼街道暖心驿站（南京路店）")
    Station.objects.filter(pk=station.pk).update(address="别处")
    output = load("--force")
    assert counts() == {**first, "audit": first["audit"] + 1}
    assert set(Station.objects.values_list("public_id", flat=True)) == ids
    assert "stations created: 0" in output
    station.refresh_from_db()
    assert station.address == "天津市和平区南京路219号"
