"""The hall in the back office: routing limited to the street's departments, handlers' answers, scope."""

import pytest

from nuanxin.hall import services
from nuanxin.hall.models import HallAnswer, HallItem, HallMilestone
from nuanxin.messaging.models import InboxMessage

pytestmark = pytest.mark.django_db


def _url(item):
    return f"/admin/hall/hallitem/{item.pk}/change/"


def _post(item, **fields):
    """The change form's fields plus the management forms of its read-only inlines."""
    data = {
        "answers-TOTAL_FORMS": item.answers.count(),
        "answers-INITIAL_FORMS": item.answers.count(),
        "milestones-TOTAL_FORMS": item.milestones.count(),
        "milestones-INITIAL_FORMS": item.milestones.count(),
    }
    data.update({"answer_state": "", "answer_body": "", "answer_reason": ""})
    data.update(fields)
    return data


def test_staff_route_in_the_admin_among_the_departments_serving_the_street(
    client, users, couriers, item, departments
):
    client.force_login(users["street_staff"])

    # the department select offers the street's and the district's active departments only
    page = client.get(_url(item)).content.decode()
    assert "劝业场街道综合执法队" in page and "和平区交通管理支队" in page
    assert "河东区城市管理委员会" not in page
    assert "小白楼街道综合执法队" not in page
    assert "和平区旧办公室" not in page

    # choosing another district's department is refused beside the field; nothing changes
    refused = client.post(_url(item), _post(item, department=departments["other_district"].pk))
    assert refused.status_code == 200
    assert "department" in refused.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.status, item.department_id) == ("submitted", None)

    # choosing the district's department routes it through the service
    response = client.post(_url(item), _post(item, department=departments["district"].pk))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.department) == ("routed", departments["district"])
    assert InboxMessage.objects.filter(recipient=couriers["author"]).count() == 1

    # re-routing without a note is refused as a whole and said why
    response = client.post(
        _url(item),
        _post(item, department=departments["street_team"].pk, milestone_title="现场勘查"),
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any(str(services.REROUTE_NOTE_REQUIRED) in message for message in shown), shown
    item.refresh_from_db()
    assert item.department == departments["district"]
    assert not HallMilestone.objects.exists()


def test_a_handler_answers_their_departments_item_in_the_admin(client, users, couriers, item, departments):
    services.hall_item_route(actor=users["street_staff"], item=item, department=departments["street_team"])
    other = services.hall_item_raise(courier=couriers["neighbour"], category="other", title="别的部门的")
    services.hall_item_route(actor=users["street_staff"], item=other, department=departments["district"])
    client.force_login(departments["handlers"]["handler"])

    # the list shows their department's item only, and can be filtered by department
    listing = client.get("/admin/hall/hallitem/").content.decode()
    assert item.title in listing and "别的部门的" not in listing
    filtered = client.get(f"/admin/hall/hallitem/?department__id__exact={departments['street_team'].pk}")
    assert item.title in filtered.content.decode()

    # the change form has no routing field for them
    form = client.get(_url(item)).context["adminform"].form
    assert "department" not in form.fields

    # they record a milestone, draft and publish an answer in one save
    response = client.post(
        _url(item),
        _post(
            item,
            milestone_title="现场核查",
            answer_state="accepted",
            answer_body="执法队已受理",
            publish_answer="on",
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "accepted"
    answer = HallAnswer.objects.get(item=item)
    assert (answer.is_published, answer.department_name) == (True, "劝业场街道综合执法队")
    assert list(item.milestones.values_list("title", flat=True)) == ["现场核查"]

    # another department's item is not found, and a post to it changes nothing
    assert client.get(_url(other)).status_code == 404
    client.post(_url(other), _post(other, answer_state="accepted", answer_body="越权"))
    assert not HallAnswer.objects.filter(item=other).exists()


def test_the_publish_action_works_for_the_handler_but_not_across_departments(
    client, users, couriers, item, departments
):
    staff = users["street_staff"]
    services.hall_item_route(actor=staff, item=item, department=departments["street_team"])
    services.hall_answer_save_draft(actor=staff, item=item, state="accepted", body="受理")
    client.force_login(departments["handlers"]["other_handler"])
    client.post("/admin/hall/hallitem/", {"action": "publish_drafts", "_selected_action": [item.pk]})
    assert HallItem.objects.get(pk=item.pk).status == "routed"

    client.force_login(departments["handlers"]["handler"])
    client.post("/admin/hall/hallitem/", {"action": "publish_drafts", "_selected_action": [item.pk]})
    assert HallItem.objects.get(pk=item.pk).status == "accepted"
