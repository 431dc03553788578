"""The area tree in the back office: read-only, scoped to the signed-in user's subtree."""

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area

CHANGELIST = "/admin/areas/area/"


def codes_on(response):
    return {area.code for area in response.context["cl"].result_list}


def test_street_staff_see_only_their_street_and_below(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert codes_on(response) == {areas["street"].code, areas["community"].code}


def test_city_staff_see_the_whole_city(client, users, areas):
    client.force_login(users["city_staff"])
    assert codes_on(client.get(CHANGELIST)) == {area.code for area in areas.values()}


def test_search_by_name_or_code_and_filter_by_level(client, users, areas):
    client.force_login(users["district_staff"])
    assert codes_on(client.get(CHANGELIST, {"q": "小白楼"})) == {areas["other_street"].code}
    assert codes_on(client.get(CHANGELIST, {"q": "120101001"})) == {
        areas["street"].code,
        areas["community"].code,
    }
    assert codes_on(client.get(CHANGELIST, {"level__exact": "4"})) == {
        areas["street"].code,
        areas["other_street"].code,
    }
    # a search never reaches outside the subtree
    assert codes_on(client.get(CHANGELIST, {"q": "大王庄"})) == set()


def test_an_area_outside_the_subtree_is_not_found(client, users, areas):
    client.force_login(users["street_staff"])
    assert client.get(f"{CHANGELIST}{areas['other_street'].pk}/change/").status_code == 404
    assert client.get(f"{CHANGELIST}{areas['street'].pk}/change/").status_code == 200


def test_nobody_edits_or_deletes_areas_in_the_admin(client, users, areas):
    client.force_login(users["city_staff"])
    url = f"{CHANGELIST}{areas['street'].pk}/change/"
    response = client.post(url, {"name": "改名街道"})
    assert response.status_code == 403
    assert client.post(f"{CHANGELIST}{areas['street'].pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert Area.objects.get(pk=areas["street"].pk).name == "劝业场街道"


def test_superusers_see_everything(client, areas):
    admin = User.objects.create_superuser("root", password="pass-word-123")
    client.force_login(admin)
    assert codes_on(client.get(CHANGELIST)) == {area.code for area in areas.values()}


def test_couriers_and_anonymous_users_do_not_get_in(client, users):
    assert client.get(CHANGELIST).status_code == 302  # to the login page
    client.force_login(users["courier"])
    assert client.get(CHANGELIST).status_code == 302


def test_the_area_autocomplete_offers_only_the_subtree(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "user", "field_name": "area", "term": "街道"},
    )
    assert response.status_code == 200
    # (the community matches by its full name, "… 劝业场街道 花园路社区"; the sibling streets never)
    assert {item["text"] for item in response.json()["results"]} == {"劝业场街道", "花园路社区"}
