"""Reads on stations for staff: scoped to what the actor may see by `permissions.station_scope`.

(The courier-facing finder lives in `finder.py`; it shows public stations to everyone.)
"""

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.core.permissions import (
    actor_area_path,
    get_visible_or_404,
    is_superuser,
    object_in_actor_area,
)

from .models import (
    Amenity,
    DemonstrationBatch,
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    StandardCheck,
    Station,
    StationPhoto,
)
from .permissions import area_row_policy, city_list_policy, is_area_manager, station_scope

AREA_FILTER_UNKNOWN = _("No area has this code.")
AMENITY_FILTER_UNKNOWN = _("Unknown amenity: %(codes)s.")
STATUS_FILTER_UNKNOWN = _("Unknown status.")
HOST_TYPE_FILTER_UNKNOWN = _("Unknown host type.")

BATCH_FILTER_UNKNOWN = _("No demonstration batch has this ID.")
AREA_CODE_UNKNOWN = _("No area has this code.")

FILTER_KEYS = (
    "area",
    "status",
    "host_type",
    "amenity",
    "q",
    "steward",
    "has_unified_sign",
    "demonstration_batch",
    "is_public",
)


def _filtered(actor, filters, errors):
    """The actor's stations narrowed by `filters` (see station_list); field errors into `errors`."""
    queryset = station_scope(actor, Station.objects.all())

    if "area" in filters:
        area = Area.objects.filter(code=filters["area"]).first()
        if area is None:
            errors["area"] = [AREA_FILTER_UNKNOWN]
        else:
            queryset = queryset.filter(area__path__startswith=area.path)
    if "status" in filters:
        if filters["status"] not in Station.Status.values:
            errors["status"] = [STATUS_FILTER_UNKNOWN]
        queryset = queryset.filter(status=filters["status"])
    if "host_type" in filters:
        if filters["host_type"] not in Station.HostType.values:
            errors["host_type"] = [HOST_TYPE_FILTER_UNKNOWN]
        queryset = queryset.filter(host_type=filters["host_type"])
    if "amenity" in filters:
        codes = filters["amenity"]
        codes = [codes] if isinstance(codes, str) else list(codes)
        bits = dict(Amenity.objects.filter(code__in=codes).values_list("code", "bit"))
        unknown = [code for code in codes if code not in bits]
        if unknown:
            errors["amenity"] = [str(AMENITY_FILTER_UNKNOWN) % {"codes": ", ".join(unknown)}]
        through = Station.amenities.through.objects
        for code in codes:
            # Through the relation, not the derived mask, so staff see exactly what is stored.
            queryset = queryset.filter(pk__in=through.filter(amenity__code=code).values("station_id"))
    if "q" in filters:
        text = str(filters["q"]).strip()
        queryset = queryset.filter(
            Q(name__icontains=text) | Q(address__icontains=text) | Q(host_organization__icontains=text)
        )
    if "steward" in filters:
        queryset = queryset.filter(steward__username=filters["steward"])
    if "has_unified_sign" in filters:
        queryset = queryset.filter(has_unified_sign=bool(filters["has_unified_sign"]))
    if "is_public" in filters:
        queryset = queryset.filter(is_public=bool(filters["is_public"]))
    if "demonstration_batch" in filters:
        batch_id = filters["demonstration_batch"]
        if isinstance(batch_id, bool) or not DemonstrationBatch.objects.filter(pk=batch_id).exists():
            errors["demonstration_batch"] = [BATCH_FILTER_UNKNOWN]
        else:
            queryset = queryset.filter(demonstration_batch_id=batch_id)
    return queryset


def _given(filters):
    return {key: value for key, value in (filters or {}).items() if value not in (None, "", [])}


def station_list(*, actor, filters=None):
    """The stations `actor` may see, filtered, with what a list shows loaded in a fixed number of
    queries (area, steward and batch joined; amenity codes prefetched; met 六有 items counted).

    filters: "area" (a division code: that node's subtree), "status", "host_type", "amenity"
    (a code or a list of codes: stations offering all of them), "q" (name, address or host
    organization contains), "steward" (a user name), "has_unified_sign", "is_public" (booleans),
    "demonstration_batch" (a batch ID).
    Raises ValidationFailed for an unknown area code, amenity, status, host type or batch.
    """
    errors = {}
    queryset = _filtered(actor, _given(filters), errors)
    if errors:
        raise ValidationFailed(errors)

    return (
        queryset.select_related("area", "steward", "demonstration_batch")
        .prefetch_related(Prefetch("amenities", queryset=Amenity.objects.order_by("sort_order", "code")))
        .annotate(
            standard_met_count=Count("standard_checks", filter=Q(standard_checks__is_met=True), distinct=True)
        )
        .order_by("area__code", "name", "pk")
    )


def station_status_counts(*, actor, filters=None):
    """{status: count} of the actor's stations under every filter but "status" (one query), so a
    list can show how many stations each status tab holds. Every status is present (0 when none).
    Raises ValidationFailed like station_list."""
    errors = {}
    given = {key: value for key, value in _given(filters).items() if key != "status"}
    queryset = _filtered(actor, given, errors)
    if errors:
        raise ValidationFailed(errors)
    counts = dict.fromkeys(Station.Status.values, 0)
    for row in queryset.order_by().values("status").annotate(count=Count("pk")):
        counts[row["status"]] = row["count"]
    return counts


def station_get(*, actor, public_id):
    """One station the actor may see, with everything its detail shows prefetched.

    Raises NotFound alike for a missing station, one outside the actor's scope and a malformed id.
    """
    queryset = station_scope(actor, Station.objects.all()).select_related(
        "area", "steward", "demonstration_batch"
    )
    queryset = queryset.prefetch_related(
        Prefetch("amenities", queryset=Amenity.objects.order_by("sort_order", "code")),
        "opening_periods",
        "special_days",
        "contacts",
        Prefetch("photos", queryset=StationPhoto.objects.order_by("sort_order", "id")),
        Prefetch("standard_checks", queryset=StandardCheck.objects.select_related("inspected_by")),
    )
    return get_visible_or_404(queryset, public_id=public_id)


def station_photo_get(*, station, public_id):
    """A photo of `station` by its public id. Raises NotFound when it is not one of the station's."""
    return get_visible_or_404(StationPhoto.objects.filter(station=station), public_id=public_id)


def amenity_list(*, active_only=False):
    """The managed amenity list in display order."""
    queryset = Amenity.objects.order_by("sort_order", "code")
    return queryset.filter(is_active=True) if active_only else queryset


def station_areas_for(actor):
    """The streets/towns and communities/villages in which `actor` may place a station (or a
    row of a street's contact table or resource list): those of their subtree."""
    queryset = Area.objects.filter(level__in=(Area.Level.STREET, Area.Level.COMMUNITY))
    if is_superuser(actor):
        return queryset
    if not is_area_manager(actor):
        return queryset.none()
    return queryset.filter(path__startswith=actor_area_path(actor))


def steward_choices_for(actor):
    """Active steward accounts working inside `actor`'s subtree (candidates for a station)."""
    queryset = User.objects.filter(role=Role.STEWARD, is_active=True, area__isnull=False)
    if is_superuser(actor):
        return queryset
    if not is_area_manager(actor):
        return queryset.none()
    return queryset.filter(area__path__startswith=actor_area_path(actor))


def area_get_by_code(*, code, field="area_code"):
    """The area with division `code`. Raises ValidationFailed({field: ...}) when there is none
    (whether it lies in the actor's subtree is the services' question)."""
    area = Area.objects.filter(code=str(code).strip()).first() if code else None
    if area is None:
        raise ValidationFailed({field: [AREA_CODE_UNKNOWN]})
    return area


def area_visible_get(*, actor, code):
    """An area node inside the actor's subtree by code (area managers and superusers); NotFound
    alike for a missing code and one outside the subtree."""
    area = Area.objects.filter(code=code).first()
    if area is None or (not is_area_manager(actor) and not is_superuser(actor)):
        raise NotFound()
    if not object_in_actor_area(actor, area):
        raise NotFound()
    return area


def service_contact_list(*, actor, area):
    """The service contact table (服务联络表) of `area`'s subtree, as far as the actor may see."""
    queryset = area_row_policy.scope(actor, ServiceContact.objects.select_related("area"))
    return queryset.filter(area__path__startswith=area.path).order_by("area__code", "sort_order", "id")


def service_contact_get(*, actor, pk):
    return get_visible_or_404(
        area_row_policy.scope(actor, ServiceContact.objects.select_related("area")), pk=pk
    )


def resource_item_list(*, actor, area):
    """The resource list (资源服务清单) of `area`'s subtree, as far as the actor may see."""
    queryset = area_row_policy.scope(actor, ResourceItem.objects.select_related("area"))
    return queryset.filter(area__path__startswith=area.path).order_by("area__code", "sort_order", "id")


def resource_item_get(*, actor, pk):
    return get_visible_or_404(
        area_row_policy.scope(actor, ResourceItem.objects.select_related("area")), pk=pk
    )


def demonstration_batch_list(*, actor):
    return city_list_policy.scope(actor, DemonstrationBatch.objects.order_by("-announced_on", "name"))


def demonstration_batch_get(*, actor, pk):
    return get_visible_or_404(city_list_policy.scope(actor, DemonstrationBatch.objects.all()), pk=pk)


def public_holiday_list(*, actor, year=None):
    queryset = city_list_policy.scope(actor, PublicHoliday.objects.order_by("date"))
    return queryset.filter(date__year=year) if year else queryset


def public_holiday_get(*, actor, pk):
    return get_visible_or_404(city_list_policy.scope(actor, PublicHoliday.objects.all()), pk=pk)
