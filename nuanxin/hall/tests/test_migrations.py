"""Migration 0002: department names (+ areas) become links to reports.Department, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from nuanxin.areas.tests.factories import make_tree
from nuanxin.reports.tests.factories import department

BEFORE = [("hall", "0001_hall_items_supports_answers_milestones")]
AFTER = [("hall", "0002_hall_item_department_link")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_department_names_are_linked_to_departments_of_that_area_and_restored_on_reversal():
    areas = make_tree()
    team = department(areas["street"], name="劝业场街道综合执法队")
    traffic = department(areas["district"], name="和平区交通管理支队")
    retired = department(areas["district"], name="和平区城市管理委员会")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    committee = department(areas["district"], name="和平区城市管理委员会")
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # given items stored before the link: names with the area each department serves
        old = _migrate(BEFORE)
        Item, Answer = old.get_model("hall", "HallItem"), old.get_model("hall", "HallAnswer")
        street = areas["street"].pk

        def item(title, name="", area=None, status="routed"):
            return Item.objects.create(
                area_id=street,
                category="other",
                title=title,
                status=status if name else "submitted",
                department_name=name,
                department_area_id=area.pk if area else None,
            ).pk

        ids = {
            "team": item("街道", "劝业场街道综合执法队", areas["street"]),
            "traffic": item("交通", " 和平区交通管理支队 ", areas["district"]),
            "same name, active first": item("城管", "和平区城市管理委员会", areas["district"]),
            "no area given": item("无区", "和平区交通管理支队"),
            "name of another area": item("别区", "劝业场街道综合执法队", areas["other_district"]),
            "no such department": item("没有", "和平区妇联", areas["district"], status="accepted"),
            "awaiting routing": item("待转"),
        }
        Answer.objects.create(
            item_id=ids["no such department"], state="accepted", body="已受理", published_at=timezone.now()
        )
        Answer.objects.create(
            item_id=ids["team"], state="accepted", body="受理", department_name="劝业场街道综合执法队"
        )

        # when the migration runs
        new = _migrate(AFTER)
        Item, Answer = new.get_model("hall", "HallItem"), new.get_model("hall", "HallAnswer")

        # then each name is linked to the department of that name in that area, or to none
        linked = dict(Item.objects.values_list("pk", "department_id"))
        assert {key: linked[pk] for key, pk in ids.items()} == {
            "team": team.pk,
            "traffic": traffic.pk,
            "same name, active first": committee.pk,
            "no area given": traffic.pk,
            "name of another area": None,
            "no such department": None,
            "awaiting routing": None,
        }
        # statuses are kept, and an unmatched name survives on the item's answer
        assert Item.objects.get(pk=ids["no such department"]).status == "accepted"
        assert Answer.objects.get(item_id=ids["no such department"]).department_name == "和平区妇联"
        assert Answer.objects.get(item_id=ids["team"]).department_name == "劝业场街道综合执法队"

        # and reversing it puts names and areas back
        old = _migrate(BEFORE)
        Item = old.get_model("hall", "HallItem")
        restored = {
            pk: (name, area_id)
            for pk, name, area_id in Item.objects.values_list("pk", "department_name", "department_area_id")
        }
        assert restored[ids["team"]] == ("劝业场街道综合执法队", areas["street"].pk)
        assert restored[ids["traffic"]] == ("和平区交通管理支队", areas["district"].pk)
        assert restored[ids["no area given"]] == ("和平区交通管理支队", areas["district"].pk)
        assert restored[ids["no such department"]] == ("和平区妇联", None)
        assert restored[ids["awaiting routing"]] == ("", None)
    finally:
        MigrationExecutor(connection).migrate(leaf)
