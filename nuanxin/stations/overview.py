"""Reads for the street's "5个1" page (N5) and the list of streets that leads to it.

The "5个1" of a street: 1 base map of couriers and stations (底数图), 1 service contact table,
1 resource list, 1 goods cabinet, 1 steward. This module gathers what exists of them now —
stations, `ServiceContact`, `ResourceItem`, the stations' amenities and stewards — and counts the
couriers registered in the street, so the page grows as later issues add couriers and supplies.

Access: superusers, and city, district and street staff whose area contains the street. Everyone
else, and a street outside the actor's subtree, gets `NotFound` (missing and forbidden alike).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core.errors import NotFound
from nuanxin.core.permissions import is_superuser, object_in_actor_area

from .models import Amenity, ResourceItem, ServiceContact, Station
from .permissions import area_row_policy, is_area_manager, station_policy


def can_view_street_overviews(actor):
    """Whether `actor` may open the 5个1 pages at all (of the streets in their subtree)."""
    return is_superuser(actor) or is_area_manager(actor)


@dataclass
class StreetRow:
    area: Area
    district_name: str
    station_count: int = 0
    public_station_count: int = 0


@dataclass
class AmenityRow:
    amenity: Amenity
    stations: list = field(default_factory=list)  # names of the stations that offer it


@dataclass
class StewardRow:
    user: User
    stations: list = field(default_factory=list)  # names of the stations they steward


@dataclass
class StreetOverview:
    area: Area
    stations: list  # Station, with area, steward and amenities loaded; every status
    service_contacts: list
    resource_items: list
    stewards: list  # StewardRow: the stations' stewards
    steward_contacts: list  # ServiceContact rows of kind "steward"
    amenity_summary: list  # AmenityRow, most offered first
    courier_count: int  # couriers registered with an area in this street

    @property
    def public_station_count(self):
        return sum(1 for station in self.stations if station.is_public)


def street_list_for(*, actor):
    """The streets/towns in the actor's subtree with their station counts, by district and code.

    Raises NotFound for actors who may not open the 5个1 pages. Two queries (streets, counts) plus
    one for districts' names.
    """
    if not can_view_street_overviews(actor):
        raise NotFound()
    streets = Area.objects.filter(level=Area.Level.STREET).select_related("parent").order_by("code")
    if not is_superuser(actor):
        streets = streets.filter(path__startswith=actor.area.path)
    rows = [
        StreetRow(area=street, district_name=street.parent.name if street.parent_id else "")
        for street in streets
    ]
    # Count stations per street in one grouped query per path length (all streets of one tree
    # usually share one depth): the first characters of a station's area path name its street.
    by_path = {row.area.path: row for row in rows}
    stations = station_policy.scope(actor, Station.objects.all())
    for length in sorted({len(path) for path in by_path}):
        counts = (
            stations.annotate(street_path=Substr("area__path", 1, length))
            .filter(street_path__in=[path for path in by_path if len(path) == length])
            .values("street_path")
            .annotate(total=Count("id"), public=Count("id", filter=Q(is_public=True)))
        )
        for count in counts:
            row = by_path[count["street_path"]]
            row.station_count = count["total"]
            row.public_station_count = count["public"]
    return rows


def street_overview_get(*, actor, area_code):
    """Everything the 5个1 page of one street shows.

    Raises NotFound when the street does not exist, is not a street/town, or lies outside the
    actor's subtree, and for actors who may not open these pages. Reads only.
    """
    if not can_view_street_overviews(actor):
        raise NotFound()
    area = Area.objects.filter(code=str(area_code), level=Area.Level.STREET).first()
    if area is None or not object_in_actor_area(actor, area):
        raise NotFound()

    stations = list(
        station_policy.scope(actor, Station.objects.filter(area__path__startswith=area.path))
        .select_related("area", "steward")
        .prefetch_related("amenities")
        .order_by("name", "id")
    )
    service_contacts = list(
        area_row_policy.scope(actor, ServiceContact.objects.filter(area__path__startswith=area.path))
        .select_related("area")
        .order_by("area__code", "sort_order", "id")
    )
    resource_items = list(
        area_row_policy.scope(actor, ResourceItem.objects.filter(area__path__startswith=area.path))
        .select_related("area")
        .order_by("area__code", "sort_order", "id")
    )
    courier_count = User.objects.filter(
        role=Role.COURIER, is_active=True, area__path__startswith=area.path
    ).count()

    stewards = {}
    amenities = {}
    for station in stations:
        if station.steward is not None:
            row = stewards.setdefault(station.steward.pk, StewardRow(user=station.steward))
            row.stations.append(station.name)
        for amenity in station.amenities.all():
            amenities.setdefault(amenity.pk, AmenityRow(amenity=amenity)).stations.append(station.name)

    return StreetOverview(
        area=area,
        stations=stations,
        service_contacts=service_contacts,
        resource_items=resource_items,
        stewards=sorted(stewards.values(), key=lambda row: str(row.user)),
        steward_contacts=[
            contact for contact in service_contacts if contact.kind == ServiceContact.Kind.STEWARD
        ],
        amenity_summary=sorted(
            amenities.values(),
            key=lambda row: (-len(row.stations), row.amenity.sort_order, row.amenity.code),
        ),
        courier_count=courier_count,
    )
