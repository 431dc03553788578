"""Reads of S1 and S6: the public catalog, a courier's visits, records and person-times for staff."""

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import ValidationFailed

from .models import ServiceItem, ServiceRecord, StationVisit
from .permissions import record_policy, visit_policy

DATE_ORDER = _("The start date must not be after the end date.")
RANGE_TOO_LONG = _("Ask for at most %(days)s days at a time.")
MAX_RANGE_DAYS = 366


def _ancestor_paths(area):
    """'/12/1201/120101/' → ['/12/', '/12/1201/', '/12/1201/120101/']."""
    parts = [part for part in area.path.split("/") if part]
    return ["/" + "/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


def service_item_list_public(*, station=None, area=None, kind=None):
    """The published catalog a courier browses.

    - by station: the station's own services;
    - by area: services offered inside the area, plus the district- and city-wide offers of the
      areas above it (they apply here too);
    - neither: everything published.
    """
    queryset = ServiceItem.objects.filter(is_published=True).select_related("station", "area")
    if station is not None:
        queryset = queryset.filter(station=station)
    elif area is not None:
        queryset = queryset.filter(
            Q(area__path__startswith=area.path)
            | Q(area__path__in=_ancestor_paths(area)[:-1], station__isnull=True)
        )
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("kind", "sort_order", "id")


def visit_list_for_courier(*, courier):
    return (
        StationVisit.objects.filter(courier=courier).select_related("station").order_by("-occurred_at", "-id")
    )


def visit_list(*, actor):
    return visit_policy.scope(actor, StationVisit.objects.all()).select_related("station", "courier")


def service_record_list(*, actor, kind=None, station=None, date_from=None, date_to=None):
    queryset = record_policy.scope(actor, ServiceRecord.objects.all()).select_related(
        "station", "area", "courier"
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if station is not None:
        queryset = queryset.filter(station=station)
    if date_from or date_to:
        start, end = _bounds(date_from, date_to)
        queryset = queryset.filter(occurred_at__gte=start, occurred_at__lt=end)
    return queryset.order_by("-occurred_at", "-id")


def _local_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _bounds(date_from, date_to):
    zone = _local_zone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone) if date_from else None
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start or datetime.datetime.min.replace(tzinfo=zone), end


def person_times_per_station_day(*, actor, date_from, date_to, station=None, kind=None):
    """Person-times (服务人次) per station per local day within [date_from, date_to].

    Returns rows {"station": Station, "day": date, "person_times": int, "couriers": int} ordered by
    day then station name, for the stations the actor may see. Records without a station are not
    counted here. Raises ValidationFailed for a reversed or too long range.
    """
    if date_from > date_to:
        raise ValidationFailed({"date_from": [DATE_ORDER]})
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ValidationFailed({"date_to": [RANGE_TOO_LONG % {"days": MAX_RANGE_DAYS}]})
    start, end = _bounds(date_from, date_to)
    queryset = record_policy.scope(actor, ServiceRecord.objects.all()).filter(
        station__isnull=False, occurred_at__gte=start, occurred_at__lt=end
    )
    if station is not None:
        queryset = queryset.filter(station=station)
    if kind:
        queryset = queryset.filter(kind=kind)
    rows = list(
        queryset.annotate(day=TruncDate("occurred_at", tzinfo=_local_zone()))
        .values("station", "station__public_id", "station__name", "day")
        .annotate(person_times=Count("id"), couriers=Count("courier", distinct=True))
        .order_by("day", "station__name", "station")
    )
    return [
        {
            "station_id": row["station__public_id"],
            "station_name": row["station__name"],
            "day": row["day"],
            "person_times": row["person_times"],
            "couriers": row["couriers"],
        }
        for row in rows
    ]
