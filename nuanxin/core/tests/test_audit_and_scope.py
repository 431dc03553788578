import pytest

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import area_scope, object_in_actor_area


def test_area_scope_limits_rows_to_the_actors_subtree(users, areas):
    street_staff = users["street_staff"]
    visible = set(
        area_scope(street_staff, Area.objects.all(), area_field="parent").values_list("code", flat=True)
    )
    # Only the community below 劝业场街道 has the street as its parent.
    assert visible == {areas["community"].code}


def test_district_staff_see_every_street_of_their_district(users, areas):
    queryset = area_scope(users["district_staff"], User.objects.all())
    assert set(queryset.values_list("username", flat=True)) == {
        "district",
        "street",
        "other_street",
        "steward",
    }


def test_courier_without_area_sees_nothing(users):
    assert not area_scope(users["courier"], User.objects.all()).exists()


def test_object_in_actor_area(users, areas):
    assert object_in_actor_area(users["district_staff"], areas["community"])
    assert not object_in_actor_area(users["other_street_staff"], areas["community"])
    assert not object_in_actor_area(users["courier"], areas["community"])


def test_audit_record_keeps_actor_diff_and_area(users, areas):
    user = users["steward"]
    before = snapshot(user)
    user.display_name = "新名字"
    entry = audit_record(
        actor=users["street_staff"],
        action="update",
        obj=user,
        changes=diff(before, snapshot(user)),
        area_path=areas["street"].path,
    )
    entry.refresh_from_db()
    assert entry.actor_label == "street"
    assert entry.changes["display_name"][1] == "新名字"
    assert "password" not in before
    assert AuditEntry.objects.filter(area_path__startswith=areas["district"].path).count() == 1


def test_a_malformed_id_is_not_found_rather_than_an_error(areas):
    from nuanxin.core.errors import NotFound
    from nuanxin.core.permissions import get_visible_or_404

    with pytest.raises(NotFound):
        get_visible_or_404(User.objects.all(), pk="not-a-number")
    with pytest.raises(NotFound):
        # A UUID field refuses a malformed value with Django's ValidationError.
        from nuanxin.stations.models import Station

        get_visible_or_404(Station.objects.all(), public_id="not-a-uuid")
