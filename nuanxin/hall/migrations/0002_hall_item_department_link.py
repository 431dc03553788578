"""Point hall items at `reports.Department` instead of a department name and area.

Forward: add `HallItem.department`; map each item's `department_name` (+ `department_area`) to the
Department of that name in that area (an active one first; without an area, one serving the item's
street); no Department is created — an item whose name matches none keeps an empty department (staff
route it again). The name text is kept on the item's answers (`HallAnswer.department_name`), filled
where an answer had none. Then the two text columns go.

Backward: the columns come back, filled from the department (name, area); an item without one gets
the name of its latest answer, if any.
"""

import django.db.models.deletion
from django.db import migrations, models


def _serves(department_area, street):
    return street is not None and street.path.startswith(department_area.path)


def match_department(Department, *, name, department_area_id, street):
    """The Department an old (name, area) pair meant, or None. Active ones before inactive ones."""
    name = (name or "").strip()
    if not name:
        return None
    candidates = Department.objects.filter(name=name).select_related("area").order_by("-is_active", "pk")
    if department_area_id is not None:
        return candidates.filter(area_id=department_area_id).first()
    return next((department for department in candidates if _serves(department.area, street)), None)


def link_departments(apps, schema_editor):
    HallItem = apps.get_model("hall", "HallItem")
    HallAnswer = apps.get_model("hall", "HallAnswer")
    Department = apps.get_model("reports", "Department")
    items = HallItem.objects.exclude(department_name="").select_related("area").order_by("pk")
    for item in items.iterator():
        department = match_department(
            Department,
            name=item.department_name,
            department_area_id=item.department_area_id,
            street=item.area,
        )
        if department is not None:
            HallItem.objects.filter(pk=item.pk).update(department=department)
        HallAnswer.objects.filter(item_id=item.pk, department_name="").update(
            department_name=item.department_name.strip()[:100]
        )


def unlink_departments(apps, schema_editor):
    HallItem = apps.get_model("hall", "HallItem")
    HallAnswer = apps.get_model("hall", "HallAnswer")
    for item in HallItem.objects.select_related("department").order_by("pk").iterator():
        if item.department_id is not None:
            HallItem.objects.filter(pk=item.pk).update(
                department_name=item.department.name[:100], department_area_id=item.department.area_id
            )
            continue
        latest = (
            HallAnswer.objects.filter(item_id=item.pk)
            .exclude(department_name="")
            .order_by(models.F("published_at").desc(nulls_last=True), "-created_at", "-pk")
            .values_list("department_name", flat=True)
            .first()
        )
        if latest:
            HallItem.objects.filter(pk=item.pk).update(department_name=latest)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("hall", "0001_hall_items_supports_answers_milestones"),
        ("reports", "0003_street_boundaries_and_approximate_location"),
    ]

    operations = [
        migrations.AddField(
            model_name="hallitem",
            name="department",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hall_items",
                to="reports.department",
                verbose_name="responsible department",
            ),
        ),
        migrations.RunPython(link_departments, unlink_departments),
        migrations.RemoveField(model_name="hallitem", name="department_area"),
        migrations.RemoveField(model_name="hallitem", name="department_name"),
        migrations.AddIndex(
            model_name="hallitem",
            index=models.Index(fields=["department", "status"], name="hall_hallit_departm_3539b0_idx"),
        ),
    ]
