"""Writes on couriers: accounts by phone, the courier's own registration, consent, WeChat binding,
data export and account deletion. Staff-side writes (registry, import) live in `registry.py`.

Every service is atomic; those that change what the platform knows about a courier write an audit
row whose changes never carry a personal value (only a digest that says the value changed).
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import AccessToken, Role, User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff
from nuanxin.core.crypto import lookup_hash, mask_id_number, mask_phone
from nuanxin.core.errors import Conflict, ValidationFailed
from nuanxin.core.validators import normalize_id_number

from .models import Child, Company, Consent, CourierProfile, WorkerGroup


def courier_find_by_phone(phone):
    """The live courier with this (normalized) phone, or None. Uses the keyed hash; decrypts nothing."""
    return (
        CourierProfile.objects.select_related("user")
        .filter(phone_hash=lookup_hash(phone), deleted_at__isnull=True)
        .first()
    )


def courier_get_or_create_by_phone(*, phone, source="self"):
    """Return (profile, created) for a normalized mainland phone number.

    A new courier gets a User with role courier and an unusable password; registration (name,
    company, consent…) is completed later. Safe under concurrent calls for the same phone: the
    unique constraint on phone_hash decides, and the loser reads the winner's row.
    """
    existing = courier_find_by_phone(phone)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            user = User(username=f"courier-{uuid.uuid4().hex[:20]}", role=Role.COURIER, is_staff=False)
            user.set_unusable_password()
            user.save()
            profile = CourierProfile.objects.create(
                user=user,
                phone=phone,
                phone_hash=lookup_hash(phone),
                phone_masked=mask_phone(phone),
                source=source,
            )
    except IntegrityError:
        existing = courier_find_by_phone(phone)
        if existing is None:
            raise
        return existing, False
    return profile, True


# --- the courier's own profile, consent, export and deletion (P1, X) ------------------------------

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
WORKER_GROUP_UNKNOWN = _("Choose one of the worker groups.")
COMPANY_UNKNOWN = _("Choose a company from the list, or “other”.")
COMPANY_OTHER_REQUIRED = _("Enter the name of your company.")
AREA_UNKNOWN = _("No area has this code.")
AREA_NOT_STREET = _("Choose a street or town (街道/乡镇), not a district or a community.")
CHILDREN_TOO_MANY = _("At most %(limit)s children can be entered.")
CHILD_BIRTH_YEAR = _("Enter a birth year between %(first)s and %(last)s.")
CHILD_GENDER = _("Choose boy, girl or leave it empty.")
NOTICE_MISSING = _("There is no privacy notice to accept yet.")
NOTICE_NOT_CURRENT = _("This is not the current version of the privacy notice. Reload it and try again.")
OPENID_TAKEN = _("This WeChat account is already linked to another courier.")
DELETE_CONFIRMATION_WRONG = _("Type %(word)s to confirm.")

NAME_MAX = CourierProfile._meta.get_field("name").max_length
COMPANY_OTHER_MAX = CourierProfile._meta.get_field("company_other").max_length
SITE_NAME_MAX = CourierProfile._meta.get_field("site_name").max_length
NICKNAME_MAX = Child._meta.get_field("nickname").max_length
CHILDREN_MAX = 6
CHILD_AGE_MAX = 25
OTHER_COMPANY_CODE = "other"
DELETE_CONFIRMATION_WORD = "DELETE"
GENDERS = ("", "male", "female")

# Profile fields that identify the courier: audit rows name them as changed, never their values.
PERSONAL_FIELDS = ("name", "id_number", "site_name", "company_other")
_AUDITED_FIELDS = ("worker_group", "is_union_member", "is_party_member")


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _text(errors, field, value, *, limit, required=False):
    value = (value or "").strip()
    if required and not value:
        _add(errors, field, FIELD_REQUIRED)
    elif len(value) > limit:
        _add(errors, field, str(TEXT_TOO_LONG) % {"limit": limit})
    return value


def _profile_snapshot(profile):
    data = {field: getattr(profile, field) for field in _AUDITED_FIELDS}
    data["company"] = profile.company.code if profile.company_id else None
    data["work_area"] = profile.work_area.code if profile.work_area_id else None
    data["children"] = profile.children.count() if profile.pk else 0
    for field in PERSONAL_FIELDS:
        # A digest says "changed" without keeping the value in the audit log.
        data[field] = lookup_hash(getattr(profile, field))[:12] if getattr(profile, field) else ""
    return data


def _clean_children(errors, children):
    this_year = timezone.localdate().year
    first_year = this_year - CHILD_AGE_MAX
    cleaned = []
    if len(children) > CHILDREN_MAX:
        _add(errors, "children", str(CHILDREN_TOO_MANY) % {"limit": CHILDREN_MAX})
        return cleaned
    for index, child in enumerate(children):
        nickname = _text(
            errors, f"children.{index}.nickname", child.get("nickname"), limit=NICKNAME_MAX, required=True
        )
        birth_year = child.get("birth_year")
        if not isinstance(birth_year, int) or not first_year <= birth_year <= this_year:
            _add(
                errors,
                f"children.{index}.birth_year",
                str(CHILD_BIRTH_YEAR) % {"first": first_year, "last": this_year},
            )
        gender = child.get("gender") or ""
        if gender not in GENDERS:
            _add(errors, f"children.{index}.gender", CHILD_GENDER)
        cleaned.append({"nickname": nickname, "birth_year": birth_year, "gender": gender})
    return cleaned


@transaction.atomic
def courier_profile_update(
    *,
    actor,
    profile,
    name,
    worker_group,
    company,
    work_area,
    company_other="",
    site_name="",
    id_number=None,
    children=None,
    is_union_member=False,
    is_party_member=False,
    ip_address=None,
):
    """Fill in or change the courier's own registration (the /me form and PUT /api/v1/me).

    `company` is a Company code ("sf", "meituan", … or "other" with `company_other`); `work_area` a
    12-digit street code. `id_number=None` keeps the stored ID number, "" erases it; `children=None`
    keeps the children, a list of {"nickname", "birth_year", "gender"} replaces them.
    Raises ValidationFailed (422) with every field's messages; nothing is saved then.
    Side effects: sets `registered_at` the first time; one audit row (personal values left out).
    """
    profile = (
        CourierProfile.objects.select_for_update(of=("self",))
        .select_related("company", "work_area")
        .get(pk=profile.pk)
    )
    before = _profile_snapshot(profile)
    errors = {}
    name = _text(errors, "name", name, limit=NAME_MAX, required=True)
    if worker_group not in WorkerGroup.values:
        _add(errors, "worker_group", WORKER_GROUP_UNKNOWN)
    company_code = (company or "").strip()
    company_row = Company.objects.filter(code=company_code, is_active=True).first() if company_code else None
    if not company_code:
        _add(errors, "company", FIELD_REQUIRED)
    elif company_row is None:
        _add(errors, "company", COMPANY_UNKNOWN)
    company_other = _text(errors, "company_other", company_other, limit=COMPANY_OTHER_MAX)
    if company_code == OTHER_COMPANY_CODE and not company_other and "company_other" not in errors:
        _add(errors, "company_other", COMPANY_OTHER_REQUIRED)
    site_name = _text(errors, "site_name", site_name, limit=SITE_NAME_MAX)
    area_code = (work_area or "").strip()
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if not area_code:
        _add(errors, "work_area", FIELD_REQUIRED)
    elif area is None:
        _add(errors, "work_area", AREA_UNKNOWN)
    elif area.level != Area.Level.STREET:
        _add(errors, "work_area", AREA_NOT_STREET)
    if id_number not in (None, ""):
        try:
            id_number = normalize_id_number(id_number)
        except ValueError as error:
            _add(errors, "id_number", error.args[0])
    cleaned_children = _clean_children(errors, children) if children is not None else None
    if errors:
        raise ValidationFailed(errors)

    profile.name = name
    profile.worker_group = worker_group
    profile.company = company_row
    profile.company_other = company_other if company_code == OTHER_COMPANY_CODE else ""
    profile.site_name = site_name
    profile.work_area = area
    profile.is_union_member = bool(is_union_member)
    profile.is_party_member = bool(is_party_member)
    if id_number is not None:
        profile.id_number = id_number
        profile.id_number_hash = lookup_hash(id_number)
        profile.id_number_masked = mask_id_number(id_number)
    first_registration = profile.registered_at is None
    if first_registration:
        profile.registered_at = timezone.now()
    profile.save()
    if cleaned_children is not None:
        profile.children.all().delete()
        Child.objects.bulk_create(Child(courier=profile, **child) for child in cleaned_children)
    User.objects.filter(pk=profile.user_id).update(display_name=name)
    audit_record(
        actor=actor,
        action="create" if first_registration else "update",
        obj=profile,
        changes=diff(before, _profile_snapshot(profile)),
        message="registration" if first_registration else "profile",
        area_path=area.path,
        ip_address=ip_address,
    )
    return profile


@transaction.atomic
def consent_give(*, profile, version, ip_address=None, user_agent=""):
    """Record the courier's consent to the current privacy notice `version`. Idempotent.

    Raises ValidationFailed on "version" when it is not the current notice (the courier read an
    older text). Side effects: one Consent row (time, version, address, browser) and an audit row.
    """
    from .permissions import current_privacy_notice

    notice = current_privacy_notice()
    if notice is None:
        raise ValidationFailed({"version": [NOTICE_MISSING]})
    if str(version or "").strip() != notice.version:
        raise ValidationFailed({"version": [NOTICE_NOT_CURRENT]})
    consent, created = Consent.objects.get_or_create(
        courier=profile,
        notice=notice,
        defaults={"ip_address": ip_address or None, "user_agent": (user_agent or "")[:255]},
    )
    if created:
        audit_record(
            actor=profile.user,
            action="create",
            obj=consent,
            changes={"notice": notice.version},
            message="consent",
            area_path=profile.work_area.path if profile.work_area_id else "",
            ip_address=ip_address or None,
        )
    return consent


def courier_find_by_openid(openid):
    if not openid:
        return None
    return (
        CourierProfile.objects.select_related("user")
        .filter(wechat_openid=openid, deleted_at__isnull=True, user__is_active=True)
        .first()
    )


@transaction.atomic
def courier_wechat_bind(*, profile, openid, ip_address=None):
    """Link a WeChat mini-program openid to the courier. Idempotent for the same courier.

    Raises Conflict (409) when the openid belongs to another courier. Side effect: an audit row.
    """
    owner = CourierProfile.objects.filter(wechat_openid=openid).exclude(pk=profile.pk).first()
    if owner is not None:
        raise Conflict(OPENID_TAKEN)
    if profile.wechat_openid == openid:
        return profile
    profile.wechat_openid = openid
    try:
        with transaction.atomic():
            profile.save(update_fields=["wechat_openid", "updated_at"])
    except IntegrityError:
        raise Conflict(OPENID_TAKEN) from None
    audit_record(
        actor=profile.user, action="update", obj=profile, message="wechat bound", ip_address=ip_address
    )
    return profile


@transaction.atomic
def courier_wechat_unbind(*, profile, ip_address=None):
    if profile.wechat_openid:
        profile.wechat_openid = ""
        profile.save(update_fields=["wechat_openid", "updated_at"])
        audit_record(
            actor=profile.user, action="update", obj=profile, message="wechat unbound", ip_address=ip_address
        )
    return profile


def courier_sign_in_record(*, profile, method, ip_address=None):
    """The audit row of one successful sign-in (method: "sms", "demo", "wechat")."""
    audit_record(
        actor=profile.user,
        action="login",
        obj=profile,
        message=method,
        area_path=profile.work_area.path if profile.work_area_id else "",
        ip_address=ip_address or None,
    )


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | dict):
        return value
    return str(value)


def _record(obj, *, exclude=()):
    """A JSON-safe dict of a row's own fields; a foreign key shows as its label, never its id."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name == "id" or field.name.endswith("_hash"):
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = _plain(field.value_from_object(obj))
    return data


def _related_rows(profile, accessor, *, exclude):
    manager = getattr(profile, accessor, None)
    if manager is None:
        return []
    return [_record(row, exclude=exclude) for row in manager.all()]


@transaction.atomic
def courier_data_export(*, profile, ip_address=None):
    """Everything the platform holds about the courier, as JSON-safe data (GET /api/v1/me/export).

    Side effect: an audit row (action "export").
    """
    staff_fields = ("replied_by", "created_by", "actor")
    data = {
        "exported_at": timezone.now().isoformat(),
        "profile": _record(profile, exclude=("user",)),
        "account": {
            "username": profile.user.username,
            "date_joined": profile.user.date_joined.isoformat(),
            "last_login": profile.user.last_login.isoformat() if profile.user.last_login else None,
        },
        "children": _related_rows(profile, "children", exclude=("courier",)),
        "consents": [
            {
                "version": consent.notice.version,
                "title": consent.notice.title,
                "given_at": consent.given_at.isoformat(),
                "ip_address": consent.ip_address,
                "user_agent": consent.user_agent,
            }
            for consent in profile.consents.select_related("notice").order_by("given_at")
        ],
        "needs": _related_rows(profile, "needs", exclude=("courier", *staff_fields)),
        "suggestions": _related_rows(profile, "suggestions", exclude=("courier", *staff_fields)),
        "inbox": _related_rows(profile, "inbox_messages", exclude=("recipient",)),
        "outreach_visits": [
            {"visited_on": visit.visited_on.isoformat(), "site_name": visit.site_name}
            for visit in profile.outreach_visits.all()
        ],
        "forums": [
            {"held_on": forum.held_on.isoformat(), "title": forum.title}
            for forum in (profile.forums.all() if hasattr(profile, "forums") else [])
        ],
    }
    audit_record(
        actor=profile.user,
        action="export",
        obj=profile,
        message="personal data export",
        area_path=profile.work_area.path if profile.work_area_id else "",
        ip_address=ip_address or None,
    )
    return data


@transaction.atomic
def courier_account_delete(*, profile, confirmation, ip_address=None):
    """Close the courier's account and erase their personal data (DELETE /api/v1/me).

    `confirmation` must be the word DELETE (ValidationFailed otherwise). Erased: name, phone, ID
    number, WeChat openid, site and other-company text, union/party membership, children, the
    address and browser of consents; the account is deactivated and every token revoked, so signed-in
    sessions and API tokens stop working. Kept: the profile row with its company, worker group and
    work street, and every need, suggestion and visit linked to it — now anonymous — for statistics.
    Side effect: an audit row (action "delete").
    """
    if str(confirmation or "").strip().upper() != DELETE_CONFIRMATION_WORD:
        raise ValidationFailed(
            {"confirmation": [str(DELETE_CONFIRMATION_WRONG) % {"word": DELETE_CONFIRMATION_WORD}]}
        )
    profile = CourierProfile.objects.select_for_update().get(pk=profile.pk)
    user = profile.user
    profile.name = ""
    profile.phone = ""
    profile.phone_hash = ""
    profile.phone_masked = ""
    profile.id_number = ""
    profile.id_number_hash = ""
    profile.id_number_masked = ""
    profile.wechat_openid = ""
    profile.site_name = ""
    profile.company_other = ""
    profile.is_union_member = False
    profile.is_party_member = False
    profile.deleted_at = timezone.now()
    profile.save()
    profile.children.all().delete()
    profile.consents.update(ip_address=None, user_agent="")
    user.username = f"deleted-{uuid.uuid4().hex[:20]}"
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    AccessToken.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action="delete",
        obj=profile,
        message="account deleted by the courier",
        area_path=profile.work_area.path if profile.work_area_id else "",
        ip_address=ip_address or None,
    )
    return profile
