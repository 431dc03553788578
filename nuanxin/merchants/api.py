"""The JSON API of partner merchants and discounted meals, mounted at "/":

- public / courier: GET /merchants/offers (nearby with ?lat=&lng=, else the courier's work
  area), POST /me/meal-codes (a fresh single-use code and its QR as SVG);
- merchant account: GET /merchant/offers (its own offers), POST /merchant/meal-codes/confirm;
- staff (area managers): /manage/merchants[/{id}[/offers]].
"""

import uuid

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied, ValidationFailed
from nuanxin.couriers.permissions import require_courier
from nuanxin.stations.permissions import is_area_manager

from . import selectors, services
from .permissions import is_merchant_account
from .qr import qr_svg
from .schemas import (
    ConfirmIn,
    ConfirmOut,
    MealCodeIn,
    MealCodeOut,
    MerchantIn,
    MerchantOut,
    NearbyQuery,
    OfferIn,
    OfferOut,
    confirm_out,
    merchant_out,
    offer_out,
)

AREA_UNKNOWN = _("No area has this code.")
CRS_UNKNOWN = _("Choose wgs84 or gcj02.")
LOCATION_INCOMPLETE = _("Give both lat and lng, or neither.")

router = Router()
courier_router = Router(tags=["merchants (courier)"], auth=AUTH)
merchant_router = Router(tags=["merchants (merchant account)"], auth=AUTH)
manage_router = Router(tags=["merchants (staff)"], auth=AUTH)


@courier_router.get("/merchants/offers", response=list[OfferOut])
def offer_list(request, query: Query[NearbyQuery]):
    """Discounted-meal offers near a point (nearest first), or in the courier's work area."""
    courier = require_courier(request)
    if query.crs not in {"wgs84", "gcj02"}:
        raise ValidationFailed({"crs": [CRS_UNKNOWN]})
    if (query.lat is None) != (query.lng is None):
        raise ValidationFailed({"lat": [LOCATION_INCOMPLETE]})
    if query.lat is not None:
        rows = selectors.offers_nearby(
            latitude=query.lat, longitude=query.lng, crs=query.crs, radius_m=query.radius_m
        )
    elif courier.work_area_id is not None:
        rows = selectors.offers_in_area(area=courier.work_area)
    else:
        rows = []
    return [offer_out(offer, distance_m=distance, is_served_now=served) for offer, distance, served in rows]


@courier_router.post("/me/meal-codes", response={201: MealCodeOut})
def meal_code_issue(request, payload: MealCodeIn):
    """A fresh single-use code for an offer, valid for a short time; show its QR to the merchant."""
    courier = require_courier(request)
    offer = selectors.public_offer_get(public_id=payload.offer_id)
    code, token = services.meal_code_issue(courier=courier, offer=offer)
    return Status(
        201,
        {
            "id": code.public_id,
            "token": token,
            "expires_at": code.expires_at,
            "offer": offer_out(offer),
            "qr_svg": qr_svg(token),
        },
    )


@merchant_router.get("/merchant/offers", response=list[OfferOut])
def merchant_offer_list(request):
    """The offers of the merchants this account belongs to."""
    if not is_merchant_account(request.user):
        raise PermissionDenied()
    return [offer_out(offer) for offer in selectors.merchant_account_offer_list(actor=request.user)]


@merchant_router.post("/merchant/meal-codes/confirm", response=ConfirmOut)
def meal_code_confirm(request, payload: ConfirmIn):
    """Confirm a scanned meal code: refused when forged, expired, used, or for another merchant."""
    code = services.meal_code_confirm(actor=request.user, token=payload.token)
    return confirm_out(code)


def _require_area_manager(request):
    if not (is_area_manager(request.user) or request.user.is_superuser):
        raise PermissionDenied()


@manage_router.get("/merchants", response=list[MerchantOut])
def merchant_list(request):
    _require_area_manager(request)
    return [merchant_out(merchant) for merchant in selectors.merchant_list(actor=request.user)]


@manage_router.post("/merchants", response={201: MerchantOut})
def merchant_create(request, payload: MerchantIn):
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None:
        raise ValidationFailed({"area_code": [AREA_UNKNOWN]})
    data = payload.dict(exclude={"area_code"})
    merchant = services.merchant_create(actor=request.user, area=area, **data)
    return Status(201, merchant_out(selectors.merchant_list(actor=request.user).get(pk=merchant.pk)))


@manage_router.get("/merchants/{uuid:merchant_id}", response=MerchantOut)
def merchant_get(request, merchant_id: uuid.UUID):
    return merchant_out(selectors.merchant_get(actor=request.user, public_id=merchant_id))


@manage_router.get("/merchants/{uuid:merchant_id}/offers", response=list[OfferOut])
def merchant_offers(request, merchant_id: uuid.UUID):
    merchant = selectors.merchant_get(actor=request.user, public_id=merchant_id)
    return [offer_out(offer) for offer in selectors.staff_offer_list(actor=request.user, merchant=merchant)]


@manage_router.post("/merchants/{uuid:merchant_id}/offers", response={201: OfferOut})
def offer_create(request, merchant_id: uuid.UUID, payload: OfferIn):
    merchant = selectors.merchant_get(actor=request.user, public_id=merchant_id)
    offer = services.offer_create(
        actor=request.user,
        merchant=merchant,
        title=payload.title,
        description=payload.description,
        price_fen=payload.price_fen,
        original_price_fen=payload.original_price_fen,
        windows=[(window.weekday, window.starts_at, window.ends_at) for window in payload.windows],
    )
    return Status(201, offer_out(offer))


router.add_router("/", courier_router)
router.add_router("/", merchant_router)
router.add_router("/manage/", manage_router)
