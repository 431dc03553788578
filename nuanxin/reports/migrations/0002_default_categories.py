from django.db import migrations

# (code, name, time limit in hours): the managed list of issue 5; staff may add, rename, retime.
CATEGORIES = [
    ("safety_hazard", "安全隐患", 24),
    ("dispute", "矛盾纠纷", 72),
    ("sanitation_blind_spot", "环境卫生死角", 72),
    ("damaged_facility", "公共设施损坏", 120),
    ("exposed_garbage", "暴露垃圾", 48),
    ("stacked_materials", "乱堆乱放", 72),
    ("other", "其他", 120),
]


def add_categories(apps, schema_editor):
    ReportCategory = apps.get_model("reports", "ReportCategory")
    for order, (code, name, hours) in enumerate(CATEGORIES):
        ReportCategory.objects.get_or_create(
            code=code, defaults={"name": name, "time_limit_hours": hours, "sort_order": order}
        )


def remove_categories(apps, schema_editor):
    ReportCategory = apps.get_model("reports", "ReportCategory")
    ReportCategory.objects.filter(code__in=[code for code, _name, _hours in CATEGORIES], reports=None).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_street_reports")]
    operations = [migrations.RunPython(add_categories, remove_categories)]
