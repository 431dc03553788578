"""Staff-account services: the role ↔ area rule, scoping, escalation, audit."""

import pytest

from nuanxin.accounts.models import AccessToken, Role, User
from nuanxin.accounts.services import (
    access_token_issue,
    staff_user_create,
    staff_user_deactivate,
    staff_user_update,
)
from nuanxin.accounts.tests.factories import staff
from nuanxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry

PASSWORD = "warm-heart-2026"


def create(actor, **kwargs):
    values = {"username": "new", "password": PASSWORD, "role": Role.STEWARD, "display_name": "新管家"}
    values.update(kwargs)
    return staff_user_create(actor=actor, **values)


def state(user):
    user = User.objects.get(pk=user.pk)
    return (user.role, user.area_id, user.is_active, user.is_superuser, user.display_name, user.password)


def test_street_staff_create_a_steward_in_their_street_with_an_audit_row(users, areas):
    actor = users["street_staff"]
    user = create(actor, area=areas["street"].code, work_phone="022-27300000")
    assert (user.role, user.area, user.is_staff, user.is_superuser) == (
        Role.STEWARD,
        areas["street"],
        True,
        False,
    )
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(user.pk), action="create")
    assert entry.actor == actor
    assert entry.area_path == areas["street"].path
    assert entry.changes["role"] == [None, "steward"]
    assert entry.changes["area"] == [None, areas["street"].code]
    assert "password" not in entry.changes


@pytest.mark.parametrize(
    ("role", "area_key", "field"),
    [
        (Role.CITY_STAFF, "district", "area"),  # city staff belong on a city
        (Role.DISTRICT_STAFF, "street", "area"),
        (Role.STREET_STAFF, "community", "area"),
        (Role.STEWARD, "district", "area"),
        (Role.MERCHANT, "city", "area"),
        (Role.COURIER, "street", "role"),  # couriers come from registration, not from staff
        ("mayor", "street", "role"),
        ("", "street", "role"),
    ],
)
def test_the_role_must_fit_the_level_of_its_area(users, areas, role, area_key, field):
    with pytest.raises(ValidationFailed) as caught:
        create(None, role=role, area=areas[area_key])
    assert field in caught.value.errors
    assert not User.objects.filter(username="new").exists()


@pytest.mark.parametrize(
    ("role", "area_key"),
    [
        (Role.CITY_STAFF, "city"),
        (Role.DISTRICT_STAFF, "district"),
        (Role.STREET_STAFF, "street"),
        (Role.STEWARD, "street"),
        (Role.STEWARD, "community"),
        (Role.DEPARTMENT_HANDLER, "district"),
        (Role.MERCHANT, "community"),
        (Role.COUNSELOR, "city"),
    ],
)
def test_every_role_on_its_own_level(users, areas, role, area_key):
    assert create(users["city_staff"], role=role, area=areas[area_key]).role == role


def test_bad_input_is_reported_field_by_field_and_nothing_is_saved(users, areas):
    staff(Role.STEWARD, areas["street"], username="taken")
    with pytest.raises(ValidationFailed) as caught:
        create(
            users["street_staff"], username="Taken", password="123", area="999999999999", work_phone="9" * 40
        )
    assert set(caught.value.errors) == {"username", "password", "area", "work_phone"}
    with pytest.raises(ValidationFailed) as caught:
        create(users["street_staff"], username="no spaces!", password="", area=None)
    assert set(caught.value.errors) == {"username", "password", "area"}
    assert User.objects.filter(username__in=["Taken", "no spaces!"]).count() == 0


def test_street_staff_cannot_create_accounts_in_another_street(users, areas):
    with pytest.raises(ValidationFailed) as caught:
        create(users["street_staff"], area=areas["other_street"])
    assert "area" in caught.value.errors
    assert not User.objects.filter(username="new").exists()


@pytest.mark.parametrize(
    ("actor", "role", "area_key"),
    [
        ("street_staff", Role.DISTRICT_STAFF, "district"),
        ("street_staff", Role.CITY_STAFF, "city"),
        ("district_staff", Role.CITY_STAFF, "city"),
    ],
)
def test_nobody_creates_a_role_above_their_own(users, areas, actor, role, area_key):
    with pytest.raises(ValidationFailed) as caught:
        create(users[actor], role=role, area=areas[area_key])
    assert "role" in caught.value.errors
    assert not User.objects.filter(username="new").exists()


def test_only_superusers_create_superusers(users, areas):
    with pytest.raises(PermissionDenied) as caught:
        create(users["city_staff"], role=Role.CITY_STAFF, area=areas["city"], is_superuser=True)
    assert caught.value.field == "is_superuser"
    root = User.objects.create_superuser("root", password=PASSWORD)
    made = create(root, username="root2", role="", area=None, is_superuser=True)
    assert made.is_superuser


@pytest.mark.parametrize("actor", ["steward", "courier"])
def test_accounts_without_management_power_create_nothing(users, areas, actor):
    with pytest.raises(PermissionDenied):
        create(users[actor], area=areas["street"])
    assert not User.objects.filter(username="new").exists()


def test_district_staff_move_a_steward_between_their_streets(users, areas):
    steward = users["steward"]
    updated = staff_user_update(
        actor=users["district_staff"],
        user=steward,
        data={"area": areas["other_street"].code, "display_name": "王师傅"},
    )
    assert (updated.area, updated.display_name) == (areas["other_street"], "王师傅")
    entry = AuditEntry.objects.get(object_id=str(steward.pk), action="update")
    assert entry.changes["area"] == [areas["street"].code, areas["other_street"].code]


def test_another_streets_account_is_not_found_and_unchanged(users, areas):
    target = users["other_street_staff"]
    before = state(target)
    with pytest.raises(NotFound):
        staff_user_update(actor=users["street_staff"], user=target, data={"display_name": "被改了"})
    with pytest.raises(NotFound):
        staff_user_deactivate(actor=users["street_staff"], user=target)
    assert state(target) == before
    assert not AuditEntry.objects.filter(object_id=str(target.pk)).exists()


@pytest.mark.parametrize(
    ("actor", "target", "data", "error"),
    [
        # a street's staff lifting a steward of their street to district staff
        ("street_staff", "steward", {"role": Role.DISTRICT_STAFF, "area": "120101000000"}, ValidationFailed),
        # … or moving them out of the street
        ("street_staff", "steward", {"area": "120101002000"}, ValidationFailed),
        # the manager promoting themselves
        ("street_staff", "street_staff", {"role": Role.DISTRICT_STAFF}, PermissionDenied),
        ("district_staff", "district_staff", {"area": "120000000000"}, PermissionDenied),
        # the district's staff reaching up to the city's account
        ("district_staff", "city_staff", {"display_name": "x"}, NotFound),
        # a steward editing anyone, themselves included
        ("steward", "steward", {"display_name": "x"}, NotFound),
        # making an account a superuser
        ("city_staff", "street_staff", {"is_superuser": True}, PermissionDenied),
    ],
)
def test_escalation_attempts_are_refused_and_change_nothing(users, actor, target, data, error):
    before = state(users[target])
    with pytest.raises(error):
        staff_user_update(actor=users[actor], user=users[target], data=data)
    assert state(users[target]) == before


def test_superuser_accounts_are_out_of_reach_of_area_managers(users, areas):
    root = User.objects.create_superuser("root", password=PASSWORD, role=Role.CITY_STAFF, area=areas["city"])
    with pytest.raises(NotFound):
        staff_user_update(actor=users["city_staff"], user=root, data={"display_name": "x"})
    with pytest.raises(NotFound):
        staff_user_deactivate(actor=users["city_staff"], user=root)


def test_a_new_password_is_checked_set_and_audited_without_its_value(users):
    steward = users["steward"]
    with pytest.raises(ValidationFailed) as caught:
        staff_user_update(actor=users["street_staff"], user=steward, data={"password": "12345678"})
    assert "password" in caught.value.errors
    staff_user_update(actor=users["street_staff"], user=steward, data={"password": PASSWORD})
    steward.refresh_from_db()
    assert steward.check_password(PASSWORD)
    entry = AuditEntry.objects.get(object_id=str(steward.pk), action="update")
    assert entry.message == "password changed"
    assert PASSWORD not in str(entry.changes)


def test_an_update_that_changes_nothing_writes_no_audit_row(users):
    steward = users["steward"]
    staff_user_update(actor=users["street_staff"], user=steward, data={"display_name": steward.display_name})
    assert not AuditEntry.objects.filter(object_id=str(steward.pk)).exists()


def test_unknown_keys_are_refused(users):
    with pytest.raises(ValidationFailed) as caught:
        staff_user_update(actor=users["street_staff"], user=users["steward"], data={"is_staff": False})
    assert "is_staff" in caught.value.errors


def test_deactivating_switches_the_account_off_and_revokes_its_tokens(users):
    steward = users["steward"]
    access_token_issue(user=steward, name="phone")
    staff_user_deactivate(actor=users["street_staff"], user=steward)
    steward.refresh_from_db()
    assert not steward.is_active
    assert not AccessToken.objects.filter(user=steward).exists()
    assert AuditEntry.objects.get(object_id=str(steward.pk)).message == "deactivated"
    # a second time changes nothing
    staff_user_deactivate(actor=users["street_staff"], user=steward)
    assert AuditEntry.objects.filter(object_id=str(steward.pk)).count() == 1


def test_nobody_deactivates_their_own_account(users):
    with pytest.raises(PermissionDenied):
        staff_user_deactivate(actor=users["street_staff"], user=users["street_staff"])
    assert User.objects.get(pk=users["street_staff"].pk).is_active


def test_peers_of_the_same_street_manage_each_other(users, areas):
    peer = staff(Role.STREET_STAFF, areas["street"], username="peer")
    staff_user_update(actor=users["street_staff"], user=peer, data={"work_phone": "022-1"})
    assert User.objects.get(pk=peer.pk).work_phone == "022-1"
