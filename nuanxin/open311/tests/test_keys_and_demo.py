"""api_keys in the back office (issued with the raw key shown once, only a hash kept, revoked) and
the demo key."""

import pytest
from django.contrib.messages import get_messages

from nuanxin.core.models import AuditEntry
from nuanxin.open311.demo import DEMO_KEY, load_demo_open311
from nuanxin.open311.models import ApiKey, hash_api_key
from nuanxin.reports.models import Report

from .conftest import LAT, LONG


def post_with(client, raw_key):
    body = {
        "api_key": raw_key,
        "service_code": "exposed_garbage",
        "lat": LAT,
        "long": LONG,
        "description": "垃圾",
    }
    return client.post("/open311/v2/requests.json", body)


@pytest.mark.django_db
def test_city_staff_issue_a_key_for_a_department_and_see_it_once(client, city, users):
    # given
    client.force_login(users["city_staff"])
    # when
    response = client.post(
        "/admin/open311/apikey/add/",
        {"name": "城管热线对接", "department": city["department"].pk, "requests_per_hour": 100},
    )
    # then
    assert response.status_code == 302
    api_key = ApiKey.objects.get()
    assert api_key.department == city["department"]
    # the raw key appears once, in the message; the row holds only its hash
    words = " ".join(str(message) for message in get_messages(response.wsgi_request)).split()
    (raw_key,) = [word for word in words if hash_api_key(word) == api_key.key_hash]
    assert raw_key not in api_key.key_hash and raw_key.startswith(api_key.key_prefix)
    assert AuditEntry.objects.filter(object_type="open311.apikey", object_id=str(api_key.public_id)).exists()
    client.logout()
    assert post_with(client, raw_key).status_code == 200


@pytest.mark.django_db
def test_city_staff_revoke_a_key_and_it_stops_working(client, city, users):
    load_demo_open311()
    api_key = ApiKey.objects.get()
    client.force_login(users["city_staff"])
    client.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})
    client.logout()
    assert ApiKey.objects.get().is_active is False
    assert post_with(client, DEMO_KEY).status_code == 403
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["street_staff", "district_staff"])
def test_other_staff_cannot_see_or_issue_keys(client, city, users, name):
    client.force_login(users[name])
    assert client.get("/admin/open311/apikey/").status_code == 403
    response = client.post("/admin/open311/apikey/add/", {"name": "x", "requests_per_hour": 10})
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_the_demo_key_is_loaded_once_and_works(client, city):
    assert load_demo_open311() == 1
    assert load_demo_open311() == 0
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().key_hash != DEMO_KEY
    response = post_with(client, DEMO_KEY)
    assert response.status_code == 200
    assert Report.objects.get().source_detail == ApiKey.objects.get().name
