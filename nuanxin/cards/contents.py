"""What a service card and a service manual say, read from the station data (no PDF here).

A card is for one street or community. Each line comes from the service contact table
(stations.ServiceContact) of the area or, where it has none of a kind, of its nearest ancestor —
so a district-wide hotline appears on every street's card and a community card falls back on its
street's police station. Stewards also come from the stations of the area (Station.steward).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import Prefetch

from nuanxin.stations.models import ServiceContact, Station


@dataclass
class CardLine:
    kind: str
    name: str
    phone: str
    address: str = ""


@dataclass
class CardContents:
    area: object
    hotline: list = field(default_factory=list)
    stewards: list = field(default_factory=list)
    police: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    party_mass_centers: list = field(default_factory=list)
    others: list = field(default_factory=list)


def ancestor_codes(area):
    """The area's own code first, then its parent's, up to the city."""
    return list(reversed([code for code in area.path.split("/") if code]))


def _nearest(rows_by_area_code, codes):
    for code in codes:
        if rows_by_area_code.get(code):
            return rows_by_area_code[code]
    return []


def card_contents(area):
    """The lines of `area`'s service card. Two queries."""
    codes = ancestor_codes(area)
    by_kind = {}
    for contact in ServiceContact.objects.filter(area__code__in=codes).select_related("area"):
        by_kind.setdefault(contact.kind, {}).setdefault(contact.area.code, []).append(
            CardLine(contact.kind, contact.name, contact.phone, contact.address)
        )

    def nearest(kind):
        return _nearest(by_kind.get(kind, {}), codes)

    contents = CardContents(area=area)
    contents.hotline = nearest(ServiceContact.Kind.HOTLINE)
    contents.police = nearest(ServiceContact.Kind.POLICE)
    contents.communities = nearest(ServiceContact.Kind.COMMUNITY)
    contents.party_mass_centers = nearest(ServiceContact.Kind.PARTY_MASS_CENTER)
    contents.others = by_kind.get(ServiceContact.Kind.OTHER, {}).get(area.code, [])
    stewards = list(nearest(ServiceContact.Kind.STEWARD))
    known = {line.phone for line in stewards}
    for station in (
        Station.objects.filter(area__path__startswith=area.path, steward__isnull=False)
        .select_related("steward")
        .order_by("name")
    ):
        steward = station.steward
        if steward.work_phone and steward.work_phone not in known:
            known.add(steward.work_phone)
            stewards.append(CardLine("steward", f"{steward} ({station.name})", steward.work_phone))
    contents.stewards = stewards
    if not contents.party_mass_centers:
        contents.party_mass_centers = [
            CardLine("party_mass_center", station.name, station.phone, station.address)
            for station in Station.objects.filter(
                area__path__startswith=area.path, host_type=Station.HostType.PARTY_MASS_CENTER
            ).order_by("name")[:2]
        ]
    return contents


@dataclass
class ManualStation:
    station: Station
    periods: list
    amenities: list
    contacts: list
    services: list


def _services_by_station(stations):
    """Published catalog items of the stations (nuanxin.care), when that app is installed."""
    if not apps.is_installed("nuanxin.care"):
        return {}
    ServiceItem = apps.get_model("care", "ServiceItem")
    result = {}
    for item in ServiceItem.objects.filter(station__in=stations, is_published=True).order_by(
        "sort_order", "name"
    ):
        result.setdefault(item.station_id, []).append(item)
    return result


def meal_points(area):
    """Partner merchants of the area with their active discounted meals (nuanxin.merchants).

    Read defensively: the merchants app is developed alongside; without it, or if its fields
    differ, the manual simply has no meal section.
    """
    if not apps.is_installed("nuanxin.merchants"):
        return []
    try:
        Merchant = apps.get_model("merchants", "Merchant")
        MealOffer = apps.get_model("merchants", "MealOffer")
        merchants = list(
            Merchant.objects.filter(area__path__startswith=area.path, is_active=True)
            .prefetch_related(Prefetch("offers", queryset=MealOffer.objects.filter(is_active=True)))
            .order_by("name")[:100]
        )
    except (LookupError, FieldError):
        return []
    lines = []
    for merchant in merchants:
        offers = "; ".join(f"{offer.title} ¥{offer.price_fen / 100:.2f}" for offer in merchant.offers.all())
        name = f"{merchant.name} · {offers}" if offers else merchant.name
        lines.append(CardLine("meal", name, merchant.phone, merchant.address))
    return lines


def manual_contents(area):
    """The stations couriers can find in the area (pilot, demonstration, active) with their opening hours,
    amenities, contacts and catalog services."""
    stations = list(
        Station.objects.filter(area__path__startswith=area.path)
        .filter(status__in=Station.PUBLIC_STATUSES)
        .prefetch_related("opening_periods", "amenities", "contacts")
        .order_by("name")
    )
    services = _services_by_station(stations)
    return [
        ManualStation(
            station=station,
            periods=sorted(
                station.opening_periods.all(), key=lambda period: (period.weekday, period.opens_at)
            ),
            amenities=[amenity.name for amenity in station.amenities.all()],
            contacts=list(station.contacts.all()),
            services=services.get(station.pk, []),
        )
        for station in stations
    ]
