"""Demo data of the policy library (idempotent).

    load_demo_policies()  →  number of policies created this time

Runs after the demo city (accounts `tj_city`, `qyc_street`). Adds a few published policies that
concern couriers (city-wide and for 劝业场街道) through the services, and pushes the street one to
the street's couriers' inboxes once. Policies are keyed by title and area.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area

from . import services
from .models import Policy

# (account, area code, title, department, category, issuer, summary, body, source link)
POLICIES = [
    (
        "tj_city",
        "120000000000",
        "新就业形态劳动者职业伤害保障办法",
        "human_resources",
        "social_insurance",
        "天津市人力资源和社会保障局",
        "平台企业按单为骑手缴纳职业伤害保障费用，骑手在接单、配送途中受伤可申请保障待遇。",
        "一、适用对象：在本市平台企业接单的外卖、即时配送、出行骑手和司机。\n"
        "二、保障待遇：医疗费、一次性伤残补助金、伤残津贴等。\n"
        "三、如何申请：受伤后30日内通过平台或社保经办机构提出。",
        "https://hrss.tj.gov.cn/",
    ),
    (
        "tj_city",
        "120000000000",
        "电动自行车安全通行提示",
        "police",
        "traffic_safety",
        "天津市公安局交通管理局",
        "佩戴安全头盔，不闯红灯、不逆行，不在机动车道行驶。",
        "骑行电动自行车应当佩戴安全头盔；不得逆向行驶、闯红灯；不得在机动车道内行驶。违者将依法处罚。",
        "",
    ),
    (
        "qyc_street",
        "120101001000",
        "劝业场街道暖心驿站服务指南",
        "civil_affairs",
        "care",
        "劝业场街道办事处",
        "辖区暖心驿站提供歇脚、饮水、充电、热饭服务，骑手扫码即可签到。",
        "暖心驿站开放时间以各驿站公示为准。进站请扫描墙上的签到二维码。",
        "",
    ),
]


@transaction.atomic
def load_demo_policies():
    """See the module docstring. Returns the count created, or None when the demo city is missing."""
    created = 0
    today = timezone.localdate()
    for username, area_code, title, department, category, issuer, summary, body, link in POLICIES:
        actor = User.objects.filter(username=username, is_active=True).first()
        area = Area.objects.filter(code=area_code).first()
        if actor is None or area is None:
            return None
        if Policy.objects.filter(area=area, title=title).exists():
            continue
        policy = services.policy_create(
            actor=actor,
            data={
                "title": title,
                "department": department,
                "category": category,
                "issuer": issuer,
                "summary": summary,
                "body": body,
                "source_url": link,
                "effective_from": today - datetime.timedelta(days=30),
                "effective_until": None,
                "area_code": area_code,
            },
            publish=True,
        )
        if area_code == "120101001000":
            services.policy_push(actor=actor, policy=policy)
        created += 1
    return created
