"""Couriers for tests: a real User + CourierProfile with the phone encrypted, hashed and masked.

    make_courier()                                   # a registered courier with a fresh phone number
    make_courier(phone="13800138000", area=areas["street"], company="meituan", name="张三")
    make_courier(consent=False, registered=False)    # just signed in, nothing filled in
    CourierFactory(...)                              # the same, factory_boy style

`company` may be a Company, a company code ("sf", "meituan", …) or None. `area` is the courier's
work street (CourierProfile.work_area). Any other CourierProfile field can be passed by name
(`id_number="…"` is encrypted, hashed and masked like the phone).

With `consent=True` (the default) the courier has consented to the current privacy notice; when no
notice exists yet one is created (`make_privacy_notice`), so the consent gate passes either way.
"""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from nuanxin.accounts.models import Role, User
from nuanxin.core.crypto import lookup_hash, mask_id_number, mask_phone
from nuanxin.couriers.models import Company, Consent, CourierProfile, PrivacyNotice, WorkerGroup

_phone_numbers = itertools.count(1)
_notice_versions = itertools.count(1)


def next_phone():
    """A fresh, valid mainland mobile number: 13900000001, 13900000002, …"""
    return f"139{next(_phone_numbers):08d}"


def make_privacy_notice(
    *, version=None, published_at=None, title="隐私政策", body="我们如何保护你的个人信息。"
):
    """A published privacy notice; the newest one is the current one."""
    return PrivacyNotice.objects.create(
        version=version or f"test-{next(_notice_versions)}",
        title=title,
        body=body,
        published_at=published_at or timezone.now() - timedelta(minutes=1),
    )


def current_notice_or_new():
    return PrivacyNotice.objects.order_by("-published_at").first() or make_privacy_notice()


def _company(value):
    if value is None or isinstance(value, Company):
        return value
    return Company.objects.get(code=value)


def make_courier(
    *,
    phone=None,
    area=None,
    company="sf",
    name=None,
    worker_group=None,
    consent=True,
    registered=True,
    id_number="",
    username=None,
    **fields,
):
    """Create and return a CourierProfile (its `.user` is the courier's account)."""
    phone = phone or next_phone()
    company = _company(company)
    user = User(
        username=username or f"courier-{phone}",
        role=Role.COURIER,
        is_staff=False,
        display_name=name or "",
    )
    user.set_unusable_password()
    user.save()
    if worker_group is None:
        worker_group = company.worker_group if company is not None else WorkerGroup.EXPRESS_COURIER
    profile = CourierProfile.objects.create(
        user=user,
        phone=phone,
        phone_hash=lookup_hash(phone),
        phone_masked=mask_phone(phone),
        name=name if name is not None else f"快递员{phone[-4:]}",
        worker_group=worker_group,
        company=company,
        work_area=area,
        id_number=id_number,
        id_number_hash=lookup_hash(id_number),
        id_number_masked=mask_id_number(id_number),
        registered_at=timezone.now() if registered else None,
        **fields,
    )
    if consent:
        Consent.objects.create(courier=profile, notice=current_notice_or_new())
    return profile


class CourierFactory(factory.Factory):
    """factory_boy front for `make_courier` (`CourierFactory(area=..., company="meituan")`)."""

    class Meta:
        model = CourierProfile

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return make_courier(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):  # pragma: no cover - couriers always need a user row
        raise NotImplementedError("CourierFactory only creates: use make_courier().")


def valid_id_number(first17="11010119900307777"):
    """An 18-character resident ID number with the right GB 11643 check digit."""
    from nuanxin.core.validators import id_number_check_char

    return first17 + id_number_check_char(first17)


def make_xlsx(rows, *, headers=None, sheet_title="快递员名单"):
    """An .xlsx upload (bytes) with a header row (the import template's by default) and `rows`."""
    import io

    from openpyxl import Workbook

    from nuanxin.couriers.excel import HEADERS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(list(HEADERS if headers is None else headers))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
