"""Staff accounts in the back office: area-scoped, written through the services."""

from nuanxin.accounts.models import Role, User
from nuanxin.core.models import AuditEntry

CHANGELIST = "/admin/accounts/user/"
PASSWORD = "warm-heart-2026"


def usernames_on(response):
    return {user.username for user in response.context["cl"].result_list}


def change_url(user):
    return f"{CHANGELIST}{user.pk}/change/"


def form_data(user, **changes):
    data = {
        "display_name": user.display_name,
        "work_phone": user.work_phone,
        "role": user.role,
        "area": user.area_id,
        "is_active": "on" if user.is_active else "",
        "new_password": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def state(user):
    user = User.objects.get(pk=user.pk)
    return (user.role, user.area_id, user.is_active, user.is_superuser, user.display_name, user.password)


def test_street_staff_list_only_the_accounts_of_their_street(client, users):
    client.force_login(users["street_staff"])
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert usernames_on(response) == {"street", "steward"}


def test_district_staff_list_their_district_below_their_level(client, users):
    client.force_login(users["district_staff"])
    assert usernames_on(client.get(CHANGELIST)) == {"district", "street", "other_street", "steward"}


def test_another_streets_account_is_not_found_on_read_and_write_and_stays_unchanged(client, users):
    client.force_login(users["street_staff"])
    target = users["other_street_staff"]
    before = state(target)
    assert client.get(change_url(target)).status_code == 404
    response = client.post(change_url(target), form_data(target, display_name="被改了", is_active=""))
    assert response.status_code == 404
    assert client.get(f"{CHANGELIST}{target.pk}/history/").status_code == 404
    assert state(target) == before
    assert not AuditEntry.objects.filter(object_id=str(target.pk)).exists()


def test_the_deactivate_action_cannot_reach_another_streets_account(client, users):
    client.force_login(users["street_staff"])
    target = users["other_street_staff"]
    client.post(CHANGELIST, {"action": "deactivate_selected", "_selected_action": [target.pk]})
    assert User.objects.get(pk=target.pk).is_active


def test_street_staff_create_a_steward_through_the_service(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "username": "zhangsan",
            "display_name": "张三",
            "work_phone": "022-27301234",
            "role": Role.STEWARD,
            "area": areas["community"].pk,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_superuser": "on",  # not a field for them: ignored
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="zhangsan")
    assert (created.role, created.area, created.is_staff, created.is_superuser) == (
        Role.STEWARD,
        areas["community"],
        True,
        False,
    )
    assert created.check_password(PASSWORD)
    assert AuditEntry.objects.filter(
        object_id=str(created.pk), action="create", actor=users["street_staff"]
    ).exists()


def test_the_add_form_refuses_escalation_with_field_errors(client, users, areas):
    client.force_login(users["street_staff"])
    base = {"username": "lisi", "display_name": "李四", "password1": PASSWORD, "password2": PASSWORD}
    # a district role: not even offered
    response = client.post(
        f"{CHANGELIST}add/", {**base, "role": Role.DISTRICT_STAFF, "area": areas["district"].pk}
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    # a steward in the sibling street: the area is not a choice
    response = client.post(
        f"{CHANGELIST}add/", {**base, "role": Role.STEWARD, "area": areas["other_street"].pk}
    )
    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    # street staff bound to a community: the service's level rule
    response = client.post(
        f"{CHANGELIST}add/", {**base, "role": Role.STREET_STAFF, "area": areas["community"].pk}
    )
    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    # a weak password, then two that differ
    response = client.post(
        f"{CHANGELIST}add/",
        {
            **base,
            "role": Role.STEWARD,
            "area": areas["street"].pk,
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert "password1" in response.context["adminform"].form.errors
    response = client.post(
        f"{CHANGELIST}add/",
        {**base, "role": Role.STEWARD, "area": areas["street"].pk, "password2": "other-2026-x"},
    )
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="lisi").exists()


def test_the_role_choices_stop_at_the_users_own_level(client, users):
    client.force_login(users["street_staff"])
    response = client.get(f"{CHANGELIST}add/")
    choices = {value for value, _label in response.context["adminform"].form.fields["role"].choices}
    assert choices == {"", "street_staff", "steward", "department_handler", "merchant", "counselor"}
    assert "is_superuser" not in response.context["adminform"].form.fields


def test_change_moves_a_steward_and_sets_a_password(client, users, areas):
    client.force_login(users["district_staff"])
    steward = users["steward"]
    response = client.post(
        change_url(steward), form_data(steward, area=areas["other_street"].pk, new_password=PASSWORD)
    )
    assert response.status_code == 302
    steward.refresh_from_db()
    assert steward.area == areas["other_street"]
    assert steward.check_password(PASSWORD)
    entry = AuditEntry.objects.get(object_id=str(steward.pk), action="update")
    assert entry.actor == users["district_staff"]


def test_a_manager_cannot_promote_a_steward_above_themselves(client, users, areas):
    client.force_login(users["street_staff"])
    steward = users["steward"]
    before = state(steward)
    response = client.post(change_url(steward), form_data(steward, role=Role.DISTRICT_STAFF))
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert state(steward) == before


def test_a_manager_cannot_deactivate_or_move_themselves(client, users, areas):
    client.force_login(users["street_staff"])
    me = users["street_staff"]
    before = state(me)
    response = client.post(change_url(me), form_data(me, is_active=""))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert state(me) == before


def test_the_deactivate_action_switches_off_accounts_in_scope(client, users):
    client.force_login(users["street_staff"])
    steward = users["steward"]
    response = client.post(CHANGELIST, {"action": "deactivate_selected", "_selected_action": [steward.pk]})
    assert response.status_code == 302
    assert not User.objects.get(pk=steward.pk).is_active


def test_nobody_deletes_accounts_in_the_admin(client, users):
    client.force_login(users["city_staff"])
    steward = users["steward"]
    assert client.post(f"{CHANGELIST}{steward.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=steward.pk).exists()


def test_stewards_and_couriers_have_no_account_admin(client, users):
    client.force_login(users["steward"])
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(users["steward"])).status_code in (403, 404)


def test_superusers_may_create_a_superuser(client, areas, db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "username": "root2",
            "role": "",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(username="root2").is_superuser
