"""Writes on merchants, offers and meal codes. Atomic and audited.

Errors: ValidationFailed (422, field messages), NotFound (404: outside the actor's scope),
PermissionDenied (403: a merchant confirming another merchant's offer), Conflict (409: a code
already used). Side effect: a confirmed meal writes one service record (`care.records`, kind
"meal", counted in the merchant's area).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.care.models import ServiceRecord
from nuanxin.care.records import service_record_create
from nuanxin.core import signed_codes
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area
from nuanxin.core.signed_codes import lock_code_for_confirmation

from . import codes
from .models import MealCode, MealOffer, Merchant, OfferWindow
from .permissions import ADD, CHANGE, can_confirm_for, is_merchant_account, merchant_policy
from .selectors import offer_is_served_at

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
KIND_UNKNOWN = _("Choose one of: restaurant, barber, bath, shop, other.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
COORDINATES_INVALID = _("Enter a latitude between -90 and 90 and a longitude between -180 and 180.")
PRICE_INVALID = _("Enter a price in fen between 0 and 1,000,000.")
WINDOWS_REQUIRED = _("Give at least one time window.")
WINDOW_INVALID = _("Each window needs a weekday from 0 (Monday) to 6 or none, and an end after its start.")
ACCOUNT_NOT_MERCHANT = _("These accounts are not partner-merchant accounts: %(names)s.")
OFFER_UNAVAILABLE = _("This offer is not available.")
OFFER_NOT_NOW = _("This offer is not served at this time. Look at its time windows.")
CODE_INVALID = _("This is not a valid meal code.")
CODE_EXPIRED = _("This meal code has expired. Ask the courier to refresh it.")
CODE_USED = _("This meal code has already been used.")
CODE_OTHER_MERCHANT = _("This meal code is for another merchant's offer.")
NOT_A_MERCHANT = _("Only a partner-merchant account can confirm meal codes.")
_REFUSALS = signed_codes.RefusalMessages(
    invalid=CODE_INVALID, expired=CODE_EXPIRED, used=CODE_USED, other_merchant=CODE_OTHER_MERCHANT
)

DEFAULT_TTL_SECONDS = 120
PRICE_MAX = 1_000_000


CodeExpired = signed_codes.CodeExpired


def meal_code_ttl():
    return datetime.timedelta(seconds=getattr(settings, "NUANXIN_MEAL_CODE_TTL_SECONDS", DEFAULT_TTL_SECONDS))


def _text(errors, field, value, *, limit, required=False):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _merchant_accounts(errors, usernames):
    usernames = sorted({name.strip() for name in usernames or () if name.strip()})
    accounts = list(User.objects.filter(username__in=usernames, role=Role.MERCHANT, is_active=True))
    missing = sorted(set(usernames) - {account.username for account in accounts})
    if missing:
        errors["account_usernames"] = [ACCOUNT_NOT_MERCHANT % {"names": ", ".join(missing)}]
    return accounts


@transaction.atomic
def merchant_create(
    *, actor, area, name, kind, address, latitude, longitude, phone="", description="", account_usernames=()
) -> Merchant:
    """Register a partner merchant in `area` (area managers of the subtree).

    Raises PermissionDenied (not an area manager), ValidationFailed (fields, area outside the
    actor's, accounts that are not merchant accounts).
    """
    if not merchant_policy.can(actor, ADD, None):
        raise PermissionDenied()
    errors = {}
    name = _text(errors, "name", name, limit=100, required=True)
    address = _text(errors, "address", address, limit=200, required=True)
    phone = _text(errors, "phone", phone, limit=32)
    description = _text(errors, "description", description, limit=2000)
    if kind not in Merchant.Kind.values:
        errors["kind"] = [KIND_UNKNOWN]
    if area is None or not object_in_actor_area(actor, area):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = [COORDINATES_INVALID]
    accounts = _merchant_accounts(errors, account_usernames)
    if errors:
        raise ValidationFailed(errors)
    merchant = Merchant.objects.create(
        name=name,
        kind=kind,
        area=area,
        address=address,
        latitude=latitude,
        longitude=longitude,
        phone=phone,
        description=description,
    )
    merchant.accounts.set(accounts)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=merchant,
        changes={"name": name, "accounts": [account.username for account in accounts]},
    )
    return merchant


@transaction.atomic
def offer_create(
    *, actor, merchant, title, price_fen, windows, description="", original_price_fen=None
) -> MealOffer:
    """Add an offer to `merchant` with its time windows [(weekday or None, start time, end time)].

    Raises NotFound (merchant outside the actor's area), ValidationFailed.
    """
    if not merchant_policy.can(actor, CHANGE, merchant):
        raise NotFound()
    errors = {}
    title, description = _clean_offer(
        errors,
        title=title,
        description=description,
        price_fen=price_fen,
        original_price_fen=original_price_fen,
        windows=windows,
    )
    if errors:
        raise ValidationFailed(errors)
    offer = MealOffer.objects.create(
        merchant=merchant,
        title=title,
        description=description,
        price_fen=price_fen,
        original_price_fen=original_price_fen,
    )
    OfferWindow.objects.bulk_create(
        OfferWindow(offer=offer, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
        for weekday, starts_at, ends_at in windows
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=offer,
        changes={"title": title, "price_fen": price_fen},
        area_path=merchant.area.path,
    )
    return offer


MERCHANT_FIELDS = ("name", "kind", "address", "latitude", "longitude", "phone", "description", "is_active")


@transaction.atomic
def merchant_update(*, actor, merchant, account_usernames=None, **fields) -> Merchant:
    """Change a merchant's `fields` (any of MERCHANT_FIELDS) and, when given, its accounts.

    The area is fixed (moving a merchant would move who manages it). Raises NotFound (outside the
    actor's area), ValidationFailed (same checks as `merchant_create`). Audited with a diff.
    """
    merchant = Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
    if merchant is None or not merchant_policy.can(actor, CHANGE, merchant):
        raise NotFound()
    unknown = set(fields) - set(MERCHANT_FIELDS)
    if unknown:
        raise TypeError(f"merchant_update: unknown fields {sorted(unknown)}")
    values = {name: getattr(merchant, name) for name in MERCHANT_FIELDS} | fields
    errors = {}
    values["name"] = _text(errors, "name", values["name"], limit=100, required=True)
    values["address"] = _text(errors, "address", values["address"], limit=200, required=True)
    values["phone"] = _text(errors, "phone", values["phone"], limit=32)
    values["description"] = _text(errors, "description", values["description"], limit=2000)
    if values["kind"] not in Merchant.Kind.values:
        errors["kind"] = [KIND_UNKNOWN]
    latitude, longitude = values["latitude"], values["longitude"]
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = [COORDINATES_INVALID]
    accounts = _merchant_accounts(errors, account_usernames) if account_usernames is not None else None
    if errors:
        raise ValidationFailed(errors)
    changes = {
        name: [getattr(merchant, name), value]
        for name, value in values.items()
        if getattr(merchant, name) != value
    }
    for name, value in values.items():
        setattr(merchant, name, bool(value) if name == "is_active" else value)
    merchant.save()
    if accounts is not None:
        before = sorted(merchant.accounts.values_list("username", flat=True))
        after = sorted(account.username for account in accounts)
        if before != after:
            merchant.accounts.set(accounts)
            changes["accounts"] = [before, after]
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=merchant, changes=changes)
    return merchant


def _clean_offer(errors, *, title, description, price_fen, original_price_fen, windows):
    title = _text(errors, "title", title, limit=100, required=True)
    description = _text(errors, "description", description, limit=2000)
    for field, value in (("price_fen", price_fen), ("original_price_fen", original_price_fen)):
        if value is not None and not (isinstance(value, int) and 0 <= value <= PRICE_MAX):
            errors[field] = [PRICE_INVALID]
    if price_fen is None:
        errors["price_fen"] = [FIELD_REQUIRED]
    if not windows:
        errors["windows"] = [WINDOWS_REQUIRED]
    elif any(
        (weekday is not None and not 0 <= weekday <= 6)
        or starts_at is None
        or ends_at is None
        or ends_at <= starts_at
        for weekday, starts_at, ends_at in windows
    ):
        errors["windows"] = [WINDOW_INVALID]
    return title, description


@transaction.atomic
def offer_update(
    *, actor, offer, title, price_fen, windows, description="", original_price_fen=None, is_active=True
) -> MealOffer:
    """Replace an offer's text, prices, active flag and time windows [(weekday or None, start, end)].

    Raises NotFound (merchant outside the actor's area), ValidationFailed. Audited with a diff.
    """
    offer = MealOffer.objects.select_for_update().select_related("merchant__area").filter(pk=offer.pk).first()
    if offer is None or not merchant_policy.can(actor, CHANGE, offer.merchant):
        raise NotFound()
    errors = {}
    title, description = _clean_offer(
        errors,
        title=title,
        description=description,
        price_fen=price_fen,
        original_price_fen=original_price_fen,
        windows=windows,
    )
    if errors:
        raise ValidationFailed(errors)
    values = {
        "title": title,
        "description": description,
        "price_fen": price_fen,
        "original_price_fen": original_price_fen,
        "is_active": bool(is_active),
    }
    changes = {
        name: [getattr(offer, name), value] for name, value in values.items() if getattr(offer, name) != value
    }
    for name, value in values.items():
        setattr(offer, name, value)
    offer.save()
    before = [
        str(window) if window.weekday is None else f"{window.weekday}:{window}"
        for window in offer.windows.all()
    ]
    offer.windows.all().delete()
    created = OfferWindow.objects.bulk_create(
        OfferWindow(offer=offer, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
        for weekday, starts_at, ends_at in windows
    )
    after = [str(window) if window.weekday is None else f"{window.weekday}:{window}" for window in created]
    if sorted(before) != sorted(after):
        changes["windows"] = [before, after]
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=offer,
        changes=changes,
        area_path=offer.merchant.area.path,
    )
    return offer


@transaction.atomic
def meal_code_issue(*, courier, offer, at=None) -> tuple[MealCode, str]:
    """A fresh single-use code for `courier` and `offer`, and the token its QR carries.

    Earlier unused codes of the same courier and offer stop working (only the newest one on the
    screen is valid). Raises ValidationFailed when the offer or its merchant is inactive or the
    offer is not served at this time.
    """
    at = at or timezone.now()
    if not (offer.is_active and offer.merchant.is_active):
        raise ValidationFailed({"offer_id": [OFFER_UNAVAILABLE]})
    if not offer_is_served_at(offer, at):
        raise ValidationFailed({"offer_id": [OFFER_NOT_NOW]})
    MealCode.objects.filter(courier=courier, offer=offer, redeemed_at__isnull=True, expires_at__gt=at).update(
        expires_at=at
    )
    code = MealCode.objects.create(
        offer=offer, courier=courier, nonce=codes.new_nonce(), expires_at=at + meal_code_ttl()
    )
    return code, codes.meal_code_token(code)


def meal_code_confirm(*, actor, token, at=None) -> MealCode:
    """The merchant confirms the code the courier shows: the meal is served, once.

    Raises PermissionDenied (not a merchant account; the code is for another merchant's offer),
    ValidationFailed (forged, altered or unknown code), CodeExpired (410), Conflict (already used).
    Nothing is changed when refused. Side effects: one service record (meal), one audit row.
    """
    if not is_merchant_account(actor):
        raise PermissionDenied(NOT_A_MERCHANT)
    at = at or timezone.now()
    with transaction.atomic():
        code = lock_code_for_confirmation(
            codes.MEAL_CODE,
            token,
            queryset=MealCode.objects.select_related("offer__merchant__area", "courier"),
            actor=actor,
            may_confirm=lambda actor, code: can_confirm_for(actor, code.offer),
            messages=_REFUSALS,
            at=at,
        )
        code.redeemed_at = at
        code.redeemed_by = actor
        code.save(update_fields=["redeemed_at", "redeemed_by", "updated_at"])
        merchant = code.offer.merchant
        service_record_create(
            actor=actor,
            kind=ServiceRecord.Kind.MEAL,
            courier=code.courier,
            area=merchant.area,
            occurred_at=at,
            source=code,
            note=f"{merchant.name} · {code.offer.title}"[:200],
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=code,
            changes={"redeemed_at": at.isoformat(), "merchant": merchant.name},
            area_path=merchant.area.path,
        )
    return code
