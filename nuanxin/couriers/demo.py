"""Demo data of the courier side: privacy notice v1 and the demo courier (idempotent).

    load_demo_couriers()  →  the demo courier's CourierProfile

The demo courier signs in with 13800138000 and the code 123456 on a site with NUANXIN_DEMO on. They
are registered (顺丰 express courier in 劝业场街道 120101001000 when that street exists) and have
accepted the current privacy notice, so the whole journey works from the first tap.
"""

from django.db import transaction
from django.utils import timezone

from .models import Child, Company, Consent, CourierProfile, PrivacyNotice, WorkerGroup
from .permissions import current_privacy_notice
from .services import courier_get_or_create_by_phone
from .signin import DEMO_PHONE

DEMO_STREET_CODE = "120101001000"
DEMO_NAME = "张师傅"

PRIVACY_NOTICE_V1_TITLE = "暖心驿站个人信息保护说明"
PRIVACY_NOTICE_V1 = """\
欢迎使用暖心驿站。为了给快递员、外卖骑手、网约车司机等新就业形态劳动者提供驿站查找、需求反映、消息通知等服务，我们需要收集和使用你的部分个人信息。请你仔细阅读本说明。

一、我们收集哪些信息
1. 手机号码：用于登录和向你发送通知。
2. 注册信息：姓名、从业类型、所在企业或品牌、网点、工作街道；工会会员、党员身份（自愿填写）。
3. 居民身份证号码（自愿填写）：仅在办理保险、子女课堂等需要核实身份的服务时使用。
4. 子女信息（自愿填写）：昵称、出生年份、性别，仅用于子女课堂等关爱活动。
5. 你提交的需求、建议以及与你的往来消息。

二、我们如何保护你的信息
1. 手机号码和身份证号码加密存储，在列表中只显示部分号码（如 138****8000）。
2. 只有你工作所在街道及上级的工作人员可以查看你的完整信息，每次查看都记入审计日志。
3. 我们不会把你的个人信息出售或提供给与服务无关的第三方。

三、你的权利
1. 你可以随时查看和修改你的注册信息。
2. 你可以随时下载你的全部数据（“我的 → 下载我的全部数据”）。
3. 你可以随时注销账号：你的姓名、手机号码、身份证号码、微信绑定和子女信息将被删除；
   你提交过的需求和建议将匿名保留，仅用于统计。

四、本说明的更新
本说明更新后，我们会请你重新阅读并确认，确认后方可继续使用。

如有疑问，请联系你所在街道的工作人员。
"""


@transaction.atomic
def load_demo_privacy_notice():
    """Privacy notice v1 (created once; an existing v1 is left as it is)."""
    notice, _created = PrivacyNotice.objects.get_or_create(
        version="1",
        defaults={
            "title": PRIVACY_NOTICE_V1_TITLE,
            "body": PRIVACY_NOTICE_V1,
            "published_at": timezone.now(),
        },
    )
    return notice


@transaction.atomic
def load_demo_couriers():
    """The demo courier 13800138000, registered and consenting to the current notice. Idempotent."""
    from nuanxin.areas.models import Area

    load_demo_privacy_notice()
    profile, _created = courier_get_or_create_by_phone(phone=DEMO_PHONE)
    if not profile.is_registered:
        profile.name = DEMO_NAME
        profile.worker_group = WorkerGroup.EXPRESS_COURIER
        profile.company = Company.objects.filter(code="sf").first()
        profile.site_name = "顺丰和平劝业场营业部"
        profile.work_area = Area.objects.filter(code=DEMO_STREET_CODE, level=Area.Level.STREET).first()
        profile.is_union_member = True
        profile.registered_at = timezone.now()
        profile.save()
        profile.user.display_name = DEMO_NAME
        profile.user.save(update_fields=["display_name"])
        if not profile.children.exists():
            Child.objects.create(courier=profile, nickname="豆豆", birth_year=timezone.localdate().year - 8)
    notice = current_privacy_notice()
    if notice is not None:
        Consent.objects.get_or_create(courier=profile, notice=notice)
    return CourierProfile.objects.get(pk=profile.pk)
