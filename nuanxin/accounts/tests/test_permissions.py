"""The staff-account policy: who sees which accounts and what they may assign."""

import pytest

from nuanxin.accounts.models import Role, User
from nuanxin.accounts.permissions import can_assign, manageable_roles, user_policy


def visible(actor):
    return set(user_policy.scope(actor, User.objects.all()).values_list("username", flat=True))


def test_each_manager_sees_their_subtree_at_or_below_their_level(users):
    assert visible(users["city_staff"]) == {
        "city",
        "district",
        "street",
        "other_street",
        "other_district",
        "steward",
    }
    assert visible(users["district_staff"]) == {"district", "street", "other_street", "steward"}
    assert visible(users["street_staff"]) == {"street", "steward"}
    assert visible(users["other_street_staff"]) == {"other_street"}


@pytest.mark.parametrize("actor", ["steward", "courier"])
def test_non_managers_see_no_accounts(users, actor):
    assert visible(users[actor]) == set()
    assert not user_policy.can(users[actor], "view", None)
    assert not user_policy.can(users[actor], "view", users[actor])


def test_an_inactive_manager_sees_nothing(users):
    manager = users["district_staff"]
    manager.is_active = False
    assert visible(manager) == set()


def test_couriers_and_superusers_are_never_in_a_managers_scope(users, areas):
    User.objects.create_superuser("root", password="x", role=Role.STREET_STAFF, area=areas["street"])
    assert "root" not in visible(users["city_staff"])
    assert "courier" not in visible(users["city_staff"])


def test_manageable_roles_by_level(users):
    helpers = {Role.STEWARD, Role.DEPARTMENT_HANDLER, Role.MERCHANT, Role.COUNSELOR}
    assert manageable_roles(users["city_staff"]) == helpers | {
        Role.CITY_STAFF,
        Role.DISTRICT_STAFF,
        Role.STREET_STAFF,
    }
    assert manageable_roles(users["district_staff"]) == helpers | {Role.DISTRICT_STAFF, Role.STREET_STAFF}
    assert manageable_roles(users["street_staff"]) == helpers | {Role.STREET_STAFF}
    assert manageable_roles(users["steward"]) == set()


def test_can_assign_needs_both_the_role_and_the_area(users, areas):
    street_staff = users["street_staff"]
    assert can_assign(street_staff, Role.STEWARD, areas["community"])
    assert not can_assign(street_staff, Role.STEWARD, areas["other_street"])
    assert not can_assign(street_staff, Role.DISTRICT_STAFF, areas["street"])


def test_nobody_but_superusers_deletes_accounts(users):
    assert not user_policy.can(users["city_staff"], "delete", users["steward"])
    root = User.objects.create_superuser("root", password="x")
    assert user_policy.can(root, "delete", users["steward"])
