"""The managed company/brand list every deployment starts with (staff may add more)."""

from django.db import migrations

DEFAULT_COMPANIES = [
    ("sf", "顺丰", "express_courier"),
    ("jd", "京东", "express_courier"),
    ("zto", "中通", "express_courier"),
    ("yto", "圆通", "express_courier"),
    ("sto", "申通", "express_courier"),
    ("yunda", "韵达", "express_courier"),
    ("ems", "邮政EMS", "express_courier"),
    ("jtexpress", "极兔", "express_courier"),
    ("deppon", "德邦", "express_courier"),
    ("cainiao", "菜鸟", "express_courier"),
    ("meituan", "美团", "food_delivery_rider"),
    ("eleme", "饿了么", "food_delivery_rider"),
    ("shansong", "闪送", "food_delivery_rider"),
    ("dada", "达达", "food_delivery_rider"),
    ("didi", "滴滴", "ride_hailing_driver"),
    ("caocao", "曹操出行", "ride_hailing_driver"),
    ("huolala", "货拉拉", "truck_driver"),
    ("other", "其他", "other"),
]


def add_companies(apps, schema_editor):
    Company = apps.get_model("couriers", "Company")
    for index, (code, name, group) in enumerate(DEFAULT_COMPANIES):
        Company.objects.update_or_create(
            code=code, defaults={"name": name, "worker_group": group, "sort_order": index * 10}
        )


def remove_companies(apps, schema_editor):
    Company = apps.get_model("couriers", "Company")
    Company.objects.filter(code__in=[row[0] for row in DEFAULT_COMPANIES], couriers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("couriers", "0001_initial")]
    operations = [migrations.RunPython(add_companies, remove_companies)]
