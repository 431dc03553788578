"""Thin task wrappers (run by nuanxin.core.tasks / Celery beat)."""

from .services import reports_escalate_overdue


def escalate_overdue():
    """Hourly: raise overdue open reports to their district. Idempotent."""
    return reports_escalate_overdue()
