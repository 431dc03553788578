"""Demo points (idempotent): earn rules, rewards at the demo merchants, a few couriers' points, a story.

    load_demo_points()  →  {"rules": n, "rewards": n, "entries": n, "stories": n}

Needs the demo street (劝业场街道) and, for rewards, the demo merchants (load_demo_merchants) and,
for balances, couriers working in the street; missing parts are skipped. Awards carry a demo
source, so running it again adds nothing.
"""

from django.db import transaction
from django.utils import timezone

from nuanxin.areas.models import Area
from nuanxin.couriers.models import CourierProfile
from nuanxin.merchants.models import Merchant

from .models import EarnRule, LedgerEntry, Reward, Story
from .services import points_award

CITY_CODE = "120000000000"
STREET_CODE = "120101001000"
RULES = [
    # code, name, kind, points per unit, daily cap
    ("volunteer-hour", "志愿服务每小时", EarnRule.Kind.VOLUNTEER_HOUR, 10, 80),
    ("street-report", "随手拍问题经核实", EarnRule.Kind.STREET_REPORT, 5, 20),
    ("event-attended", "参加驿站活动", EarnRule.Kind.EVENT_ATTENDED, 15, 30),
    ("manual", "街道表彰", EarnRule.Kind.MANUAL, 50, None),
]
REWARDS = [
    # merchant kind, title, description, price, stock
    ("barber", "爱心理发", "洗剪吹一次", 120, 20),
    ("bath", "免费洗澡", "公共浴池单次票", 80, 30),
    ("restaurant", "良心餐厅套餐", "牛肉面套餐一份", 100, 50),
]
DEMO_AWARDS = [("street-report", 3), ("event-attended", 2), ("volunteer-hour", 6)]
STORY_TITLE = "最美快递小哥：雨夜里的一份药"
STORY_BODY = (
    "七月的一个雨夜，快递小哥在派送途中发现独居老人家中无人应门，"
    "他联系社区网格员，一起把急需的药送到老人手中。"
)


@transaction.atomic
def load_demo_points():
    street = Area.objects.filter(code=STREET_CODE).first()
    if street is None:
        return {"rules": 0, "rewards": 0, "entries": 0, "stories": 0}
    owner = Area.objects.filter(code=CITY_CODE).first() or street
    for code, name, kind, per_unit, cap in RULES:
        EarnRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "points_per_unit": per_unit,
                "daily_cap": cap,
                "area": owner,
            },
        )
    rewards = 0
    for kind, title, description, price, stock in REWARDS:
        merchant = (
            Merchant.objects.filter(area__path__startswith=street.path, kind=kind).order_by("id").first()
        )
        if merchant is None:
            continue
        Reward.objects.get_or_create(
            merchant=merchant,
            title=title,
            defaults={"description": description, "points_price": price, "stock": stock},
        )
        rewards += 1
    couriers = list(
        CourierProfile.objects.filter(
            work_area__path__startswith=street.path, deleted_at__isnull=True
        ).order_by("id")[:3]
    )
    today = timezone.now()
    for index, courier in enumerate(couriers):
        for rule_code, quantity in DEMO_AWARDS:
            points_award(
                actor=None,
                courier=courier,
                rule_code=rule_code,
                quantity=quantity + index,
                source=("demo", f"{courier.pk}-{rule_code}"),
                at=today,
            )
    if couriers and not Story.objects.filter(title=STORY_TITLE).exists():
        Story.objects.create(
            area=street,
            courier=couriers[0],
            title=STORY_TITLE,
            body=STORY_BODY,
            status=Story.Status.PUBLISHED,
            published_at=today,
        )
    return {
        "rules": EarnRule.objects.count(),
        "rewards": rewards,
        "entries": LedgerEntry.objects.filter(source_type="demo").count(),
        "stories": Story.objects.filter(status=Story.Status.PUBLISHED).count(),
    }
