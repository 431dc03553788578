"""Demo data of the deliberation hall (idempotent).

    load_demo_hall()  →  {"items": n} created this time, or None when the demo city is missing

Runs after the demo city (劝业场街道 and its staff account `qyc_street`), the demo courier
13800138000 and, when present, the needs demo's couriers 13800138011–14 and the care demo's menu
entry "免费法律援助" (和平区司法局). It puts one item in every state on the board — awaiting
routing, with a department, accepted, in progress (with milestones and a pending draft answer),
answered, not feasible (with the reason) — plus one order from the menu, with supports from the
other couriers. Everything goes through the services, so audit rows and inbox messages are real.
Items are keyed by author and title: running it again creates nothing twice.

Items are routed to the reports demo's departments — 劝业场街道综合执法队 (the street; its handler
account `qyc_handler` then works them) and 和平区城市管理委员会 (the district) — and the order to
和平区司法局 (the district), the department named as the menu service's provider. They are found or
created by name and area, the same natural key `reports.demo` uses, so either demo may run first.
"""

from django.db import transaction

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.care.models import ServiceItem
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.reports.models import Department

from . import services
from .models import HallItem

STREET_CODE = "120101001000"  # 劝业场街道
DISTRICT_CODE = "120101000000"  # 和平区
STAFF_USERNAME = "qyc_street"
PHONES = ["13800138000", "13800138011", "13800138012", "13800138013", "13800138014"]

# The departments items are routed to: name → where it serves.
STREET_TEAM = "劝业场街道综合执法队"
DISTRICT_COMMITTEE = "和平区城市管理委员会"
DISTRICT_JUSTICE = "和平区司法局"
DEPARTMENTS = {STREET_TEAM: STREET_CODE, DISTRICT_COMMITTEE: DISTRICT_CODE, DISTRICT_JUSTICE: DISTRICT_CODE}

# (author index, category, title, description, place, department or "", answers, milestones)
# answers: [(state, body, reason, publish)]
ITEMS = [
    (
        0,
        "outlet_siting",
        "滨江道商场门口没有临时停车点",
        "取餐要绕到后街停车，单子经常超时，希望在商场侧门附近设电动车临时停放点。",
        "滨江道与山西路交口",
        "",
        [],
        [],
    ),
    (
        1,
        "residential_access",
        "某小区不让外卖电动车进",
        "小区保安只让步行进入，大件快递很难送，能否设置骑手专用通道或固定时段？",
        "花园路社区",
        STREET_TEAM,
        [],
        [],
    ),
    (
        2,
        "traffic_facilities",
        "南京路口非机动车道太窄",
        "晚高峰非机动车道被占，骑手只能走机动车道，很危险。",
        "南京路与营口道交口",
        STREET_TEAM,
        [("accepted", "已受理，将于两周内现场勘查。", "", True)],
        [],
    ),
    (
        3,
        "restriction_hours",
        "步行街限行时段能否放宽",
        "午高峰 11:00–13:00 步行街禁止电动车，取餐只能推行，希望允许低速通行。",
        "和平路步行街",
        DISTRICT_COMMITTEE,
        [
            ("accepted", "已受理，正在与商圈管委会研究方案。", "", True),
            ("in_progress", "试行方案已拟定，正在征求商户意见。", "", True),
            ("answered", "自下月起试行：午高峰允许电动车在指定车道低速通行。", "", False),
        ],
        ["现场勘查完成", "召开骑手、商户座谈会"],
    ),
    (
        0,
        "traffic_facilities",
        "营口道红绿灯时间太短",
        "非机动车绿灯只有 15 秒，一次过不去。",
        "营口道与西康路交口",
        DISTRICT_COMMITTEE,
        [("answered", "已将非机动车绿灯延长至 25 秒，感谢反映。", "", True)],
        ["信号配时调整完成"],
    ),
    (
        4,
        "outlet_siting",
        "希望在和平路中段增设充电桩",
        "附近没有充电点，电量不够时只能跑回站点。",
        "和平路中段",
        DISTRICT_COMMITTEE,
        [
            (
                "not_feasible",
                "经核查，该路段为历史风貌保护街区，不具备设置充电桩条件。",
                "历史风貌建筑保护范围内不得新增电力设施；可前往 300 米外的劝业场驿站充电。",
                True,
            )
        ],
        [],
    ),
]
MENU_SERVICE_NAME = "免费法律援助"


def _departments():
    """{name: Department}, found or created by (name, area) as `reports.demo` does."""
    areas = {area.code: area for area in Area.objects.filter(code__in=set(DEPARTMENTS.values()))}
    departments = {}
    for name, code in DEPARTMENTS.items():
        if code in areas:
            departments[name], _created = Department.objects.get_or_create(name=name, area=areas[code])
    return departments


def _supporters(couriers, author_index, how_many):
    return [courier for index, courier in enumerate(couriers) if index != author_index][:how_many]


@transaction.atomic
def load_demo_hall():
    """See the module docstring."""
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    couriers = [courier_find_by_phone(phone) for phone in PHONES]
    couriers = [courier for courier in couriers if courier is not None]
    if street is None or staff is None or not couriers:
        return None
    for courier in couriers:
        if courier.work_area_id is None:
            courier.work_area = street
            courier.save(update_fields=["work_area", "updated_at"])
    created = {"items": 0}
    departments = _departments()
    for position, (
        author_index,
        category,
        title,
        description,
        place,
        department,
        answers,
        steps,
    ) in enumerate(ITEMS):
        author = couriers[author_index % len(couriers)]
        if HallItem.objects.filter(author=author, title=title).exists():
            continue
        item = services.hall_item_raise(
            courier=author, category=category, title=title, description=description, location_text=place
        )
        created["items"] += 1
        for supporter in _supporters(couriers, author_index % len(couriers), len(ITEMS) - position):
            services.hall_item_support(courier=supporter, item=item)
        if department not in departments:
            continue
        services.hall_item_route(actor=staff, item=item, department=departments[department])
        for step in steps:
            services.hall_milestone_add(actor=staff, item=item, title=step)
        for state, body, reason, publish in answers:
            services.hall_answer_save_draft(actor=staff, item=item, state=state, body=body, reason=reason)
            if publish:
                services.hall_answer_publish(actor=staff, item=item)
    service = ServiceItem.objects.filter(name=MENU_SERVICE_NAME, is_published=True).first()
    orderer = couriers[-1]
    if (
        service is not None
        and not HallItem.objects.filter(author=orderer, menu_item=service).exists()
        and services.menu_queryset(street).filter(pk=service.pk).exists()
    ):
        services.hall_item_order(
            courier=orderer, service_item_id=service.pk, note="工伤理赔被拒，想咨询是否可以申请法律援助。"
        )
        created["items"] += 1
    return created
