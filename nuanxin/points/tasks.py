"""Periodic points work (CELERY_BEAT_SCHEDULE; the management commands do the same by hand)."""

from .services import (
    points_award_event_attendance,
    points_award_street_reports,
    points_award_volunteer_hours,
    points_expire_due,
)


def expire_due():
    """Daily: write the expiry entries of lots past their life. Idempotent."""
    return points_expire_due()


def award_sync():
    """Hourly: award attended events, approved volunteer hours and verified street reports not yet
    awarded. Idempotent."""
    return {
        "events": points_award_event_attendance(),
        "hours": points_award_volunteer_hours(),
        "reports": points_award_street_reports(),
    }
