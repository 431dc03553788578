"""Needs, letters and forums in the back office: the same services, the same area scope."""

import pytest

from nuanxin.messaging.models import InboxMessage
from nuanxin.needs.models import Forum, Need, Suggestion
from nuanxin.needs.services import need_submit, suggestion_submit
from nuanxin.stations.models import ServiceContact

pytestmark = pytest.mark.django_db


def test_staff_reply_and_move_a_need_from_its_admin_page(client, users, couriers, areas):
    need = need_submit(courier=couriers["me"], category="meals", title="午饭")
    contact = ServiceContact.objects.create(area=areas["street"], kind="hotline", name="热线", phone="12345")
    client.force_login(users["street_staff"])
    url = f"/admin/needs/need/{need.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(
        url, {"reply": "去驿站吃爱心餐", "linked_service_contact": contact.pk, "move_to": "", "note": ""}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    need.refresh_from_db()
    assert (need.status, need.reply, need.linked_service_contact) == ("answered", "去驿站吃爱心餐", contact)
    assert InboxMessage.objects.filter(recipient=couriers["me"]).count() == 1
    response = client.post(url, {"reply": "去驿站吃爱心餐", "move_to": "closed", "note": "已解决"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == "closed"
    assert need.events.last().note == "已解决"


def test_another_streets_need_is_not_found_in_the_admin(client, users, couriers):
    need = need_submit(courier=couriers["me"], category="meals", title="午饭")
    client.force_login(users["other_street_staff"])
    assert client.get(f"/admin/needs/need/{need.pk}/change/").status_code == 404
    client.post(f"/admin/needs/need/{need.pk}/change/", {"reply": "x", "move_to": "closed"})
    assert Need.objects.get(pk=need.pk).status == "new"
    assert "午饭" not in client.get("/admin/needs/need/").content.decode()


def test_the_close_action_moves_the_selected_needs(client, users, couriers):
    needs = [
        need_submit(courier=couriers["me"], category="meals", title=f"需求{index}") for index in range(2)
    ]
    client.force_login(users["street_staff"])
    client.post(
        "/admin/needs/need/", {"action": "move_to_closed", "_selected_action": [need.pk for need in needs]}
    )
    assert set(Need.objects.values_list("status", flat=True)) == {"closed"}


def test_staff_answer_a_letter_in_the_admin(client, users, couriers):
    letter = suggestion_submit(courier=couriers["me"], subject="建议", body="多开几个驿站")
    client.force_login(users["district_staff"])
    response = client.post(f"/admin/needs/suggestion/{letter.pk}/change/", {"reply": "正在规划"})
    assert response.status_code == 302
    assert Suggestion.objects.get().reply == "正在规划"


def test_a_forum_is_recorded_in_the_admin_with_its_attendees(client, users, couriers, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        "/admin/needs/forum/add/",
        {
            "area": areas["street"].pk,
            "held_on": "2024-07-01",
            "title": "快递小哥座谈会",
            "couriers": f"{couriers['me'].pk},{couriers['neighbour'].pk}",
            "staff": [users["street_staff"].pk],
            "courier_count": "1",
            "attendees": "顺丰网点",
            "outcomes": "",
        },
    )
    # one more courier listed than counted: refused beside the field, nothing saved
    assert response.status_code == 200
    assert Forum.objects.count() == 0
    response = client.post(
        "/admin/needs/forum/add/",
        {
            "area": areas["street"].pk,
            "held_on": "2024-07-01",
            "title": "快递小哥座谈会",
            "couriers": f"{couriers['me'].pk},{couriers['neighbour'].pk}",
            "staff": [users["street_staff"].pk],
            "courier_count": "8",
            "attendees": "顺丰网点",
            "outcomes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    forum = Forum.objects.get()
    assert forum.couriers.count() == 2 and forum.courier_count == 8
