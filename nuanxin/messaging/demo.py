"""Demo data of reaching couriers (idempotent).

    load_demo_messaging()  →  the demo announcement (or None when the demo street or staff is missing)

Publishes one announcement of 劝业场街道's staff (`qyc_street`) to the couriers of the street, in
the in-app inbox only: the demo sends no SMS and posts to no WeCom robot. Run it after the demo
couriers (`couriers.demo`, `needs.demo`) so they receive it. Keyed by street and title.
"""

from django.db import transaction

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area

from . import services
from .models import Announcement

STREET_CODE = "120101001000"  # 劝业场街道
STAFF_USERNAME = "qyc_street"
TITLE = "高温天气防暑提醒"
BODY = (
    "近期持续高温，请各位骑手、快递员注意防暑降温。街道各暖心驿站免费提供绿豆汤、藿香正气水和清凉包，"
    "中午11点至下午3点可到驿站休息、充电、热饭。如遇身体不适，请拨打街道服务热线。"
)


@transaction.atomic
def load_demo_messaging():
    """See the module docstring."""
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None:
        return None
    existing = Announcement.objects.filter(area=street, title=TITLE).first()
    if existing is not None:
        return existing
    return services.announcement_create(
        actor=staff, area_code=street.code, title=TITLE, body=BODY, channels=[], publish=True
    )
