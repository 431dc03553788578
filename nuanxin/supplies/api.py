"""The JSON API of supplies (N3), mounted at "/":

- staff (area managers of the subtree, a station's steward): /manage/supplies/items,
  /manage/supplies/stock, /manage/supplies/low-stock, /manage/supplies/movements,
  /manage/supplies/stock-in, /manage/supplies/hand-outs, /manage/supplies/thresholds,
  /manage/supplies/campaigns[/{id}[/grants]];
- courier: /me/care-packages.
Handlers resolve ids through the scoped selectors (another street's station answers 404) and call
the services.
"""

import uuid

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied, ValidationFailed
from nuanxin.core.permissions import is_superuser
from nuanxin.couriers.models import CourierProfile
from nuanxin.couriers.permissions import require_courier
from nuanxin.stations.permissions import is_area_manager, is_steward

from . import selectors, services
from .permissions import campaign_policy
from .schemas import (
    BalanceOut,
    CampaignIn,
    CampaignOut,
    GrantIn,
    GrantOut,
    HandOutIn,
    ItemIn,
    ItemOut,
    MovementListOut,
    MovementOut,
    MyCarePackageOut,
    StockInIn,
    ThresholdIn,
    balance_out,
    campaign_out,
    grant_out,
    item_out,
    movement_out,
    my_care_package_out,
)

ITEM_UNKNOWN = _("No supply item has this ID.")
COURIER_UNKNOWN = _("No courier has this ID.")
AREA_UNKNOWN = _("No area has this code.")
MAX_PAGE = 100

router = Router()
courier_router = Router(tags=["supplies (courier)"], auth=AUTH)
manage_router = Router(tags=["supplies (staff)"], auth=AUTH)


class Page(Schema):
    limit: int = 50
    offset: int = 0


class MovementFilter(Page):
    station_id: uuid.UUID | None = None
    item_id: uuid.UUID | None = None


class StationFilter(Schema):
    station_id: uuid.UUID | None = None


def _require_staff(request):
    user = request.user
    if not (is_superuser(user) or is_area_manager(user) or is_steward(user)):
        raise PermissionDenied()


def _item(request, item_id, field="item_id"):
    item = (
        selectors.supply_item_list(actor=request.user, include_inactive=True)
        .filter(public_id=item_id)
        .first()
    )
    if item is None:
        raise ValidationFailed({field: [ITEM_UNKNOWN]})
    return item


def _courier(courier_id):
    courier = CourierProfile.objects.filter(public_id=courier_id, deleted_at__isnull=True).first()
    if courier is None:
        raise ValidationFailed({"courier_id": [COURIER_UNKNOWN]})
    return courier


def _station(request, station_id):
    return selectors.stock_station_get(actor=request.user, public_id=station_id)


# --- staff -------------------------------------------------------------------------------------


@manage_router.get("/supplies/items", response=list[ItemOut])
def item_list(request):
    """The city-wide list of supply items."""
    _require_staff(request)
    return [item_out(item) for item in selectors.supply_item_list(actor=request.user)]


@manage_router.post("/supplies/items", response={201: ItemOut})
def item_create(request, payload: ItemIn):
    """Add a supply item (city staff)."""
    item = services.supply_item_create(actor=request.user, **payload.dict())
    return Status(201, item_out(item))


@manage_router.get("/supplies/stock", response=list[BalanceOut])
def stock_list(request, filters: Query[StationFilter]):
    """Stock per station and item, of the stations the actor manages."""
    _require_staff(request)
    station = _station(request, filters.station_id) if filters.station_id else None
    return [
        balance_out(balance) for balance in selectors.stock_balance_list(actor=request.user, station=station)
    ]


@manage_router.get("/supplies/low-stock", response=list[BalanceOut])
def low_stock_list(request):
    """Low-stock alerts: stock at or below its threshold, emptiest first."""
    _require_staff(request)
    return [balance_out(balance) for balance in selectors.stock_low_list(actor=request.user)]


@manage_router.get("/supplies/movements", response=MovementListOut)
def movement_list(request, filters: Query[MovementFilter]):
    """The stock ledger, newest first."""
    _require_staff(request)
    station = _station(request, filters.station_id) if filters.station_id else None
    item = _item(request, filters.item_id) if filters.item_id else None
    movements = selectors.stock_movement_list(actor=request.user, station=station, item=item)
    limit = min(max(filters.limit, 1), MAX_PAGE)
    offset = max(filters.offset, 0)
    return {
        "count": movements.count(),
        "items": [movement_out(movement) for movement in movements[offset : offset + limit]],
    }


@manage_router.post("/supplies/stock-in", response={201: MovementOut})
def stock_in(request, payload: StockInIn):
    """Receive a donation or a purchase at a station."""
    station = _station(request, payload.station_id)
    movement = services.stock_in(
        actor=request.user,
        station=station,
        item=_item(request, payload.item_id),
        quantity=payload.quantity,
        source_kind=payload.source_kind,
        source_name=payload.source_name,
        note=payload.note,
    )
    return Status(201, movement_out(movement))


@manage_router.post("/supplies/hand-outs", response={201: MovementOut})
def hand_out(request, payload: HandOutIn):
    """Hand items to a courier (one service record). Refused beyond the stock, nothing changed."""
    station = _station(request, payload.station_id)
    movement = services.stock_hand_out(
        actor=request.user,
        station=station,
        item=_item(request, payload.item_id),
        quantity=payload.quantity,
        courier=_courier(payload.courier_id),
        note=payload.note,
    )
    return Status(201, movement_out(movement))


@manage_router.put("/supplies/thresholds", response=BalanceOut)
def threshold_set(request, payload: ThresholdIn):
    """Set when a station's stock of an item counts as low."""
    station = _station(request, payload.station_id)
    balance = services.stock_set_threshold(
        actor=request.user,
        station=station,
        item=_item(request, payload.item_id),
        low_stock_threshold=payload.low_stock_threshold,
    )
    return balance_out(selectors.stock_balance_list(actor=request.user).get(pk=balance.pk))


def _campaign_queryset(request):
    return selectors.campaign_list(actor=request.user).prefetch_related("kit_items__item")


@manage_router.get("/supplies/campaigns", response=list[CampaignOut])
def campaign_list(request):
    """Care package campaigns of the actor's area (stewards: those covering their stations)."""
    _require_staff(request)
    return [campaign_out(campaign) for campaign in _campaign_queryset(request)]


@manage_router.post("/supplies/campaigns", response={201: CampaignOut})
def campaign_create(request, payload: CampaignIn):
    """Start a care package campaign with its kit (area managers)."""
    if not campaign_policy.can(request.user, "add", None):
        raise PermissionDenied()
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None:
        raise ValidationFailed({"area_code": [AREA_UNKNOWN]})
    kit = [(_item(request, line.item_id, field="kit"), line.quantity) for line in payload.kit]
    campaign = services.campaign_create(
        actor=request.user,
        area=area,
        name=payload.name,
        description=payload.description,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        kit=kit,
    )
    return Status(201, campaign_out(_campaign_queryset(request).get(pk=campaign.pk)))


@manage_router.get("/supplies/campaigns/{uuid:campaign_id}", response=CampaignOut)
def campaign_get(request, campaign_id: uuid.UUID):
    campaign = selectors.campaign_get(actor=request.user, public_id=campaign_id)
    count = selectors.campaign_grant_list(actor=request.user, campaign=campaign).count()
    return campaign_out(campaign, granted_count=count)


@manage_router.get("/supplies/campaigns/{uuid:campaign_id}/grants", response=list[GrantOut])
def grant_list(request, campaign_id: uuid.UUID):
    campaign = selectors.campaign_get(actor=request.user, public_id=campaign_id)
    return [
        grant_out(grant) for grant in selectors.campaign_grant_list(actor=request.user, campaign=campaign)
    ]


@manage_router.post("/supplies/campaigns/{uuid:campaign_id}/grants", response={201: GrantOut})
def grant_create(request, campaign_id: uuid.UUID, payload: GrantIn):
    """Give a courier the campaign's care package from a station's stock (once per courier)."""
    campaign = selectors.campaign_get(actor=request.user, public_id=campaign_id)
    station = _station(request, payload.station_id)
    grant = services.care_package_grant(
        actor=request.user, campaign=campaign, station=station, courier=_courier(payload.courier_id)
    )
    return Status(201, grant_out(grant))


# --- courier -----------------------------------------------------------------------------------


@courier_router.get("/me/care-packages", response=list[MyCarePackageOut])
def my_care_packages(request):
    """The care packages the signed-in courier has received."""
    courier = require_courier(request)
    return [my_care_package_out(grant) for grant in selectors.care_package_list_for_courier(courier=courier)]


router.add_router("/", courier_router)
router.add_router("/manage/", manage_router)
