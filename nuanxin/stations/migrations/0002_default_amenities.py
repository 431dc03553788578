"""The managed amenity list every deployment starts with (staff may add more in the admin)."""

from django.db import migrations

DEFAULT_AMENITIES = [
    # code, 中文名, English name, icon
    ("rest", "休息", "Rest area", "🪑"),
    ("drinking_water", "饮用水", "Drinking water", "🚰"),
    ("hot_meals", "热餐", "Hot meals", "🍱"),
    ("charging", "充电", "Phone and battery charging", "🔌"),
    ("toilet", "卫生间", "Toilet", "🚻"),
    ("reading", "阅读", "Reading corner", "📚"),
    ("recreation", "文娱活动", "Recreation", "🎲"),
    ("wifi", "无线网络", "WiFi", "📶"),
    ("first_aid", "急救药箱", "First-aid kit", "⛑"),
    ("umbrella", "共享雨具", "Shared umbrellas", "☂"),
    ("medical_supplies", "防疫物资", "Epidemic and medical supplies", "😷"),
    ("microwave", "微波炉", "Microwave", "♨"),
    ("lockers", "储物柜", "Lockers", "🔐"),
    ("air_conditioning", "空调", "Air conditioning", "❄"),
    ("heating", "取暖", "Heating", "🔥"),
    ("ebike_charging", "电动车充电", "E-bike charging", "🛵"),
    ("repair_tools", "维修工具", "Repair tools", "🔧"),
]


def add_amenities(apps, schema_editor):
    Amenity = apps.get_model("stations", "Amenity")
    for bit, (code, name, name_en, icon) in enumerate(DEFAULT_AMENITIES):
        Amenity.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "icon": icon, "bit": bit, "sort_order": bit * 10},
        )


def remove_amenities(apps, schema_editor):
    Amenity = apps.get_model("stations", "Amenity")
    Amenity.objects.filter(code__in=[row[0] for row in DEFAULT_AMENITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]
    operations = [migrations.RunPython(add_amenities, remove_amenities)]
