"""Periodic points work (CELERY_BEAT_SCHEDULE; the management commands do the same by hand)."""

from .services import points_expire_due, points_sync


def expire_due():
    """Daily: write the expiry entries of lots past their life. Idempotent."""
    return points_expire_due()


def award_sync():
    """Hourly: reverse awards whose source was withdrawn (a report rejected or merged as a duplicate
    after its award, volunteer hours corrected), then award attended events, approved volunteer
    hours and verified street reports not yet awarded. Idempotent."""
    return points_sync()
