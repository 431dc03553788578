"""The denormalized fields the finder reads, recomputed from a station's own data.

`grid_cell`, `amenity_mask`, `schedule` and `is_public` are never edited directly: every write of
a station, its opening periods or its amenities ends by calling `refresh_derived(station)`, so
the finder answers from the one indexed table without joins.
"""

from . import geo, hours


def amenity_mask_of(station):
    """OR of the bits of the station's amenities (uses a prefetch when there is one)."""
    mask = 0
    for amenity in station.amenities.all():
        mask |= 1 << amenity.bit
    return mask


def refresh_derived(station):
    """Recompute grid cell, amenity mask, weekly schedule and public visibility; save only those.

    Side effects: one UPDATE of the station row (plus the reads of its amenities and periods).
    """
    from .models import Station

    station.grid_cell = geo.grid_cell(station.latitude, station.longitude)
    station.amenity_mask = amenity_mask_of(station)
    station.schedule = hours.build_schedule(hours.periods_of(station), is_24_hours=station.is_24_hours)
    station.is_public = station.status in Station.PUBLIC_STATUSES
    station.save(update_fields=["grid_cell", "amenity_mask", "schedule", "is_public"])
