"""Writes on supplies: items, stock in, hand-outs, care package campaigns and grants.

Every service is atomic and audited. Stock changes lock the (station, item) balance row with
`select_for_update` before checking it, so two hand-outs of the last bottle cannot both succeed;
the balance table's CheckConstraint (quantity >= 0) backs this up at the database. Each service
checks the policy itself: a station or campaign outside the actor's scope raises NotFound.

Errors: ValidationFailed (422, field messages — including "not enough stock"), Conflict (409 — a
second care package for the same courier and campaign), NotFound (404).
Side effects: hand-outs and care packages each write one service record (`care.records`).
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.care.models import ServiceRecord
from nuanxin.care.records import service_record_create
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area

from .models import (
    CarePackageCampaign,
    CarePackageGrant,
    CarePackageKitItem,
    StockBalance,
    StockMovement,
    SupplyItem,
)
from .permissions import (
    ADD,
    CHANGE,
    campaign_policy,
    can_manage_stock,
    station_in_campaign_area,
    supply_item_policy,
)

QUANTITY_POSITIVE = _("Enter a quantity of at least 1.")
QUANTITY_TOO_LARGE = _("Enter a quantity of at most %(limit)s.")
NOT_ENOUGH_STOCK = _("Not enough stock: %(station)s has %(available)s %(unit)s of %(item)s left.")
ITEM_INACTIVE = _("This item is no longer handed out.")
SOURCE_KIND_UNKNOWN = _("Choose donation or purchase.")
FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
NAME_TAKEN = _("An item with this name already exists.")
COURIER_DELETED = _("This courier account has been deleted.")
CARE_PACKAGE_ALREADY_GIVEN = _("This courier has already received a care package of this campaign.")
CAMPAIGN_NOT_RUNNING = _("This campaign is not running today.")
CAMPAIGN_EMPTY = _("A care package needs at least one item.")
CAMPAIGN_DATES = _("The end date cannot be before the start date.")
STATION_OUTSIDE_CAMPAIGN = _("This station is not in the campaign's area.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
DUPLICATE_KIT_ITEM = _("Each item may appear only once in the kit.")

MAX_QUANTITY = 100_000


def _check_quantity(quantity, field="quantity"):
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed({field: [QUANTITY_POSITIVE]})
    if quantity > MAX_QUANTITY:
        raise ValidationFailed({field: [QUANTITY_TOO_LARGE % {"limit": MAX_QUANTITY}]})


def _text(errors, field, value, *, limit, required=False):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(FIELD_REQUIRED)
    elif len(value) > limit:
        errors.setdefault(field, []).append(TEXT_TOO_LONG % {"limit": limit})
    return value


def _require_stock_access(actor, station):
    if not can_manage_stock(actor, station):
        raise NotFound()


def _locked_balance(station, item, *, create):
    """The (station, item) balance row, locked until the transaction ends. None when absent and not
    `create`. Creating races are settled by the unique constraint: the loser reads the winner's row."""
    balance = StockBalance.objects.select_for_update().filter(station=station, item=item).first()
    if balance is not None or not create:
        return balance
    try:
        with transaction.atomic():
            StockBalance.objects.create(
                station=station, item=item, quantity=0, low_stock_threshold=item.default_low_stock_threshold
            )
    except IntegrityError:
        pass
    return StockBalance.objects.select_for_update().get(station=station, item=item)


def _take(*, actor, station, item, quantity, kind, courier, grant=None, note=""):
    """Take `quantity` of `item` out of `station`'s stock (locked), append the ledger line."""
    balance = _locked_balance(station, item, create=False)
    available = balance.quantity if balance is not None else 0
    if available < quantity:
        raise ValidationFailed(
            {
                "quantity": [
                    NOT_ENOUGH_STOCK
                    % {"station": station.name, "available": available, "unit": item.unit, "item": item.name}
                ]
            }
        )
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") - quantity)
    balance.refresh_from_db(fields=["quantity"])
    return StockMovement.objects.create(
        station=station,
        item=item,
        kind=kind,
        quantity=-quantity,
        balance_after=balance.quantity,
        courier=courier,
        grant=grant,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )


def _check_courier(courier):
    if courier.deleted_at is not None:
        raise ValidationFailed({"courier_id": [COURIER_DELETED]})


# --- items -------------------------------------------------------------------------------------


@transaction.atomic
def supply_item_create(*, actor, name, category, unit, default_low_stock_threshold=10) -> SupplyItem:
    """Add an item to the city-wide list (city staff). Raises PermissionDenied, ValidationFailed."""
    if not supply_item_policy.can(actor, ADD, None):
        raise PermissionDenied()
    errors = {}
    name = _text(errors, "name", name, limit=100, required=True)
    unit = _text(errors, "unit", unit, limit=10, required=True)
    if category not in SupplyItem.Category.values:
        errors.setdefault("category", []).append(FIELD_REQUIRED)
    if name and SupplyItem.objects.filter(name=name).exists():
        errors.setdefault("name", []).append(NAME_TAKEN)
    if errors:
        raise ValidationFailed(errors)
    item = SupplyItem.objects.create(
        name=name, category=category, unit=unit, default_low_stock_threshold=default_low_stock_threshold
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=item, changes={"name": name})
    return item


# --- stock -------------------------------------------------------------------------------------


@transaction.atomic
def stock_in(*, actor, station, item, quantity, source_kind, source_name="", note="") -> StockMovement:
    """Receive `quantity` of `item` at `station` (a donation or a purchase, from `source_name`).

    Raises NotFound (station not the actor's), ValidationFailed (quantity, source).
    """
    _require_stock_access(actor, station)
    _check_quantity(quantity)
    errors = {}
    if source_kind not in StockMovement.SourceKind.values:
        errors["source_kind"] = [SOURCE_KIND_UNKNOWN]
    source_name = _text(errors, "source_name", source_name, limit=100)
    note = _text(errors, "note", note, limit=200)
    if errors:
        raise ValidationFailed(errors)
    balance = _locked_balance(station, item, create=True)
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") + quantity)
    balance.refresh_from_db(fields=["quantity"])
    movement = StockMovement.objects.create(
        station=station,
        item=item,
        kind=StockMovement.Kind.STOCK_IN,
        quantity=quantity,
        balance_after=balance.quantity,
        source_kind=source_kind,
        source_name=source_name,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=movement,
        changes={"item": item.name, "quantity": quantity, "source": f"{source_kind}:{source_name}"},
        area_path=station.area.path,
    )
    return movement


@transaction.atomic
def stock_hand_out(*, actor, station, item, quantity, courier, note="") -> StockMovement:
    """Hand `quantity` of `item` from `station` to `courier`; one service record (hand-out).

    Raises NotFound (station not the actor's), ValidationFailed (quantity, not enough stock,
    inactive item, deleted courier) — with nothing changed.
    """
    _require_stock_access(actor, station)
    _check_quantity(quantity)
    _check_courier(courier)
    errors = {}
    note = _text(errors, "note", note, limit=200)
    if not item.is_active:
        errors["item_id"] = [ITEM_INACTIVE]
    if errors:
        raise ValidationFailed(errors)
    movement = _take(
        actor=actor,
        station=station,
        item=item,
        quantity=quantity,
        kind=StockMovement.Kind.HAND_OUT,
        courier=courier,
        note=note,
    )
    service_record_create(
        actor=actor,
        kind=ServiceRecord.Kind.HAND_OUT,
        courier=courier,
        station=station,
        source=movement,
        note=f"{item.name} × {quantity}",
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=movement,
        changes={"item": item.name, "quantity": -quantity, "courier": str(courier.public_id)},
        area_path=station.area.path,
    )
    return movement


@transaction.atomic
def stock_set_threshold(*, actor, station, item, low_stock_threshold) -> StockBalance:
    """Set when a station's stock of an item counts as low. Raises NotFound, ValidationFailed."""
    _require_stock_access(actor, station)
    if not isinstance(low_stock_threshold, int) or not 0 <= low_stock_threshold <= MAX_QUANTITY:
        raise ValidationFailed({"low_stock_threshold": [QUANTITY_TOO_LARGE % {"limit": MAX_QUANTITY}]})
    balance = _locked_balance(station, item, create=True)
    before = balance.low_stock_threshold
    balance.low_stock_threshold = low_stock_threshold
    balance.save(update_fields=["low_stock_threshold", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=balance,
        changes={"low_stock_threshold": [before, low_stock_threshold]},
        area_path=station.area.path,
    )
    return balance


# --- care packages -----------------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, actor, area, name, starts_on, ends_on, kit, description="") -> CarePackageCampaign:
    """Create a care package campaign in `area` with `kit` = [(SupplyItem, quantity), …].

    Raises PermissionDenied (not an area manager), ValidationFailed (area outside the actor's,
    dates, empty or duplicate kit, quantities).
    """
    if not campaign_policy.can(actor, ADD, None):
        raise PermissionDenied()
    errors = {}
    name = _text(errors, "name", name, limit=100, required=True)
    description = _text(errors, "description", description, limit=2000)
    if area is None or not object_in_actor_area(actor, area):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [CAMPAIGN_DATES]
    if not kit:
        errors["kit"] = [CAMPAIGN_EMPTY]
    elif len({item.pk for item, _quantity in kit}) != len(kit):
        errors["kit"] = [DUPLICATE_KIT_ITEM]
    else:
        for _item, quantity in kit:
            if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
                errors["kit"] = [QUANTITY_POSITIVE]
    if errors:
        raise ValidationFailed(errors)
    campaign = CarePackageCampaign.objects.create(
        name=name,
        description=description,
        area=area,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    CarePackageKitItem.objects.bulk_create(
        CarePackageKitItem(campaign=campaign, item=item, quantity=quantity) for item, quantity in kit
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=campaign,
        changes={"name": name, "kit": {item.name: quantity for item, quantity in kit}},
    )
    return campaign


@transaction.atomic
def campaign_set_active(*, actor, campaign, is_active) -> CarePackageCampaign:
    if not campaign_policy.can(actor, CHANGE, campaign):
        raise NotFound()
    campaign.is_active = bool(is_active)
    campaign.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=campaign, changes={"is_active": is_active})
    return campaign


def care_package_grant(*, actor, campaign, station, courier, today=None) -> CarePackageGrant:
    """Give `courier` the campaign's kit from `station`'s stock: one grant, one ledger line per kit
    item, one service record (care package).

    Raises NotFound (station or campaign not the actor's), ValidationFailed (campaign not running,
    station outside the campaign's area, not enough stock of an item), Conflict (the courier already
    has this campaign's package — also when two staff give it at the same moment: the unique
    constraint decides). Nothing is changed when refused.
    """
    try:
        with transaction.atomic():
            return _care_package_grant(
                actor=actor, campaign=campaign, station=station, courier=courier, today=today
            )
    except IntegrityError as error:
        if CarePackageGrant.objects.filter(campaign=campaign, courier=courier).exists():
            raise Conflict(CARE_PACKAGE_ALREADY_GIVEN, field="courier_id", code="already_given") from error
        raise


def _care_package_grant(*, actor, campaign, station, courier, today):
    _require_stock_access(actor, station)
    if not campaign_policy.can(actor, "view", campaign):
        raise NotFound()
    _check_courier(courier)
    today = today or timezone.localdate()
    if not campaign.is_active or not campaign.starts_on <= today <= campaign.ends_on:
        raise ValidationFailed({"campaign": [CAMPAIGN_NOT_RUNNING]})
    if not station_in_campaign_area(station, campaign):
        raise ValidationFailed({"station_id": [STATION_OUTSIDE_CAMPAIGN]})
    if CarePackageGrant.objects.filter(campaign=campaign, courier=courier).exists():
        raise Conflict(CARE_PACKAGE_ALREADY_GIVEN, field="courier_id", code="already_given")
    grant = CarePackageGrant.objects.create(
        campaign=campaign,
        courier=courier,
        station=station,
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Lock balances in item order, the same order every grant uses, so two grants never deadlock.
    for line in campaign.kit_items.select_related("item").order_by("item_id"):
        _take(
            actor=actor,
            station=station,
            item=line.item,
            quantity=line.quantity,
            kind=StockMovement.Kind.CARE_PACKAGE,
            courier=courier,
            grant=grant,
        )
    service_record_create(
        actor=actor,
        kind=ServiceRecord.Kind.CARE_PACKAGE,
        courier=courier,
        station=station,
        source=grant,
        note=campaign.name[:200],
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=grant,
        changes={"campaign": campaign.name, "courier": str(courier.public_id), "station": station.name},
        area_path=station.area.path,
    )
    return grant


__all__ = [
    "campaign_create",
    "campaign_set_active",
    "care_package_grant",
    "stock_hand_out",
    "stock_in",
    "stock_set_threshold",
    "supply_item_create",
]
