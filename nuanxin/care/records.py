"""The one way to write a service record (服务人次). Every app that delivers a service calls this.

    from nuanxin.care.records import service_record_create
    from nuanxin.care.models import ServiceRecord

    service_record_create(
        actor=request.user, kind=ServiceRecord.Kind.HAND_OUT, courier=profile, station=station,
        source=movement,
    )

Call it inside the transaction of the service that delivered the service, so that both land or
neither does. It checks no permission: the calling service has already decided the actor may do
what it did.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record
from nuanxin.core.errors import ValidationFailed
from nuanxin.core.models import AuditEntry

from .models import ServiceRecord

AREA_UNKNOWN = _("The service needs a station or an area to be counted for.")
UNKNOWN_KIND = _("Unknown kind of service.")


def _source_key(source):
    if source is None:
        return "", ""
    if source.pk is None:
        raise ValueError("service_record_create: the source must be saved first")
    return source._meta.label_lower, str(source.pk)


def service_record_create(
    *, actor, kind, courier, station=None, area=None, occurred_at=None, source=None, note=""
) -> ServiceRecord:
    """Record one service delivered to `courier`, and return the record.

    - `area` defaults to the station's area, then to the courier's work area.
    - `occurred_at` defaults to now.
    - `source` (any saved model instance: a registration, a stock movement, a meal redemption…)
      makes the call idempotent: a second call with the same kind and source returns the first
      record unchanged, also when two calls race (a unique constraint decides).

    Raises ValidationFailed when the kind is unknown or no area can be found.
    Side effects: one audit row per record created.
    """
    if kind not in ServiceRecord.Kind.values:
        raise ValidationFailed({"kind": [UNKNOWN_KIND]})
    source_type, source_id = _source_key(source)
    if source_type:
        existing = ServiceRecord.objects.filter(
            kind=kind, source_type=source_type, source_id=source_id
        ).first()
        if existing is not None:
            return existing
    if area is None:
        area = station.area if station is not None else getattr(courier, "work_area", None)
    if area is None:
        raise ValidationFailed({"area": [AREA_UNKNOWN]})
    record = ServiceRecord(
        kind=kind,
        courier=courier,
        station=station,
        area=area,
        occurred_at=occurred_at or timezone.now(),
        source_type=source_type,
        source_id=source_id,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:200],
    )
    try:
        with transaction.atomic():
            record.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=record,
                changes={"kind": kind, "source": f"{source_type}:{source_id}" if source_type else ""},
                area_path=area.path,
            )
    except IntegrityError:
        # A concurrent call with the same source won the race: answer with its record.
        if not source_type:
            raise
        return ServiceRecord.objects.get(kind=kind, source_type=source_type, source_id=source_id)
    return record
