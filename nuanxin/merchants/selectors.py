"""Reads on merchants and offers."""

from django.utils import timezone

from nuanxin.core.permissions import get_visible_or_404
from nuanxin.stations.geo import haversine_m, to_wgs84

from .models import MealCode, MealOffer, Merchant
from .permissions import merchant_account_offer_scope, merchant_policy, offer_policy

DEFAULT_RADIUS_M = 5000


def offer_is_served_at(offer, at):
    """True when `at` (judged in Asia/Shanghai) falls in one of the offer's windows."""
    local = timezone.localtime(at)
    weekday, moment = local.weekday(), local.time()
    return any(
        (window.weekday is None or window.weekday == weekday) and window.starts_at <= moment < window.ends_at
        for window in offer.windows.all()
    )


def public_offer_list():
    """Offers a courier may use: active offers of active merchants."""
    return (
        MealOffer.objects.filter(is_active=True, merchant__is_active=True)
        .select_related("merchant__area")
        .prefetch_related("windows")
        .order_by("merchant__name", "price_fen", "id")
    )


def public_offer_get(*, public_id):
    return get_visible_or_404(public_offer_list(), public_id=public_id)


def offers_nearby(*, latitude, longitude, crs="wgs84", radius_m=DEFAULT_RADIUS_M, at=None):
    """[(offer, distance in metres, served now)] within `radius_m`, nearest first.

    The merchants are few (tens per district), so distances are computed in Python over the
    merchants in a bounding box rather than with a spatial index.
    """
    at = at or timezone.now()
    wgs_lat, wgs_lng = to_wgs84(latitude, longitude, crs)
    # ~111 km per degree of latitude; a generous box, then the exact distance.
    delta = radius_m / 100_000
    offers = public_offer_list().filter(
        merchant__latitude__range=(wgs_lat - delta, wgs_lat + delta),
        merchant__longitude__range=(wgs_lng - delta * 1.5, wgs_lng + delta * 1.5),
    )
    results = []
    for offer in offers:
        distance = haversine_m(wgs_lat, wgs_lng, offer.merchant.latitude, offer.merchant.longitude)
        if distance <= radius_m:
            results.append((offer, round(distance), offer_is_served_at(offer, at)))
    results.sort(key=lambda row: (row[1], row[0].price_fen))
    return results


def offers_in_area(*, area, at=None):
    """[(offer, None, served now)] of the merchants in `area`'s subtree (no location given)."""
    at = at or timezone.now()
    offers = public_offer_list().filter(merchant__area__path__startswith=area.path)
    return [(offer, None, offer_is_served_at(offer, at)) for offer in offers]


def merchant_list(*, actor):
    return (
        merchant_policy.scope(actor, Merchant.objects.all())
        .select_related("area")
        .prefetch_related("accounts")
    )


def merchant_get(*, actor, public_id):
    return get_visible_or_404(merchant_list(actor=actor), public_id=public_id)


def staff_offer_list(*, actor, merchant):
    return offer_policy.scope(actor, merchant.offers.all()).prefetch_related("windows")


def merchant_account_offer_list(*, actor):
    return (
        merchant_account_offer_scope(actor, MealOffer.objects.all())
        .select_related("merchant")
        .prefetch_related("windows")
        .order_by("merchant__name", "id")
    )


def meal_code_list_for_merchant_account(*, actor):
    """The codes this merchant account's merchants have confirmed, newest first."""
    return (
        MealCode.objects.filter(offer__merchant__accounts=actor, redeemed_at__isnull=False)
        .select_related("offer")
        .order_by("-redeemed_at")
    )
