"""Writes of the love apartment and rental housing. Every function is atomic and audited.

No double booking (docs/housing.md): `stay_approve` checks for an overlapping approved stay of the
room and then saves. Two approvals racing on PostgreSQL are decided by the exclusion constraint of
migration 0002 (the loser's save raises IntegrityError, answered as the same Conflict); on SQLite
the transaction is IMMEDIATE, so the write lock is held from the check to the save.
"""

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry

from . import permissions
from .models import LeaseIntent, StayApplication, StayStatus

# Furthest ahead a stay may be applied for.
BOOKING_HORIZON_DAYS = 180

CHECK_IN_IN_PAST = _("The check-in date is in the past.")
CHECK_IN_TOO_FAR = _("Applications are taken at most %(days)s days ahead.")
CHECK_OUT_NOT_AFTER_CHECK_IN = _("The check-out date must be after the check-in date.")
STAY_TOO_LONG = _("A stay is at most %(nights)s nights.")
TOO_MANY_GUESTS = _("This room takes at most %(capacity)s guests.")
TOO_FEW_GUESTS = _("At least one guest.")
ROOM_CLOSED = _("This room does not take applications.")
ROOM_BOOKED = _("The room is already booked for some of these dates.")
ALREADY_APPLIED = _("You already have an application for these dates.")
NOT_WAITING = _("Only an application waiting for a decision can be approved or refused.")
STAY_OVER = _("This stay is over; it can no longer be approved.")
CANNOT_CANCEL = _("This application can no longer be cancelled.")
OFFER_CLOSED = _("This offer does not take sign-ups.")
ALREADY_SIGNED_UP = _("You have already signed up for this offer.")
MOVE_IN_IN_PAST = _("The move-in date is in the past.")
TOO_FEW_OCCUPANTS = _("At least one occupant.")
REFUSAL_REASON_REQUIRED = _("Please give the courier a reason.")


def today():
    return timezone.localdate()


def _overlapping_approved(room_id, check_in, check_out):
    return StayApplication.objects.filter(
        room_id=room_id, status=StayStatus.APPROVED, check_in__lt=check_out, check_out__gt=check_in
    )


def _validate_stay(*, room, check_in, check_out, guests):
    errors = {}
    if check_in < today():
        errors["check_in"] = [CHECK_IN_IN_PAST]
    elif check_in > today() + timedelta(days=BOOKING_HORIZON_DAYS):
        errors["check_in"] = [CHECK_IN_TOO_FAR % {"days": BOOKING_HORIZON_DAYS}]
    if check_out <= check_in:
        errors["check_out"] = [CHECK_OUT_NOT_AFTER_CHECK_IN]
    elif (check_out - check_in).days > room.apartment.max_nights:
        errors["check_out"] = [STAY_TOO_LONG % {"nights": room.apartment.max_nights}]
    if guests < 1:
        errors["guests"] = [TOO_FEW_GUESTS]
    elif guests > room.capacity:
        errors["guests"] = [TOO_MANY_GUESTS % {"capacity": room.capacity}]
    if errors:
        raise ValidationFailed(errors)


def stay_apply(*, actor, courier, room, check_in, check_out, guests, guest_names="", note=""):
    """The courier applies for a free stay in `room` for [check_in, check_out).

    Raises ValidationFailed (closed room, dates in the past or too far, check-out not after
    check-in, too long, guests out of 1..capacity) and Conflict (the room already has an approved
    stay on one of the nights; the courier already has an open application overlapping these dates).
    Side effects: the application (status "applied"); one audit row.
    """
    if not (room.is_active and room.apartment.is_active):
        raise ValidationFailed({"room_id": [ROOM_CLOSED]})
    _validate_stay(room=room, check_in=check_in, check_out=check_out, guests=guests)
    with transaction.atomic():
        if _overlapping_approved(room.pk, check_in, check_out).exists():
            raise Conflict(ROOM_BOOKED, field="check_in", code="room_booked")
        own_overlap = StayApplication.objects.filter(
            courier=courier,
            status__in=[StayStatus.APPLIED, StayStatus.APPROVED],
            check_in__lt=check_out,
            check_out__gt=check_in,
        )
        if own_overlap.exists():
            raise Conflict(ALREADY_APPLIED, field="check_in", code="already_applied")
        stay = StayApplication.objects.create(
            room=room,
            courier=courier,
            check_in=check_in,
            check_out=check_out,
            guests=guests,
            guest_names=guest_names.strip(),
            note=note.strip(),
        )
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=stay, changes=snapshot(stay))
    return stay


def _locked_stay(stay):
    return StayApplication.objects.select_related("room__apartment__area").select_for_update().get(pk=stay.pk)


def _record_service(*, actor, stay):
    from nuanxin.care.models import ServiceRecord
    from nuanxin.care.records import service_record_create

    apartment = stay.room.apartment
    # The stay counts on its check-in day (14:00, the usual check-in time).
    occurred_at = timezone.make_aware(datetime.combine(stay.check_in, time(14)))
    service_record_create(
        actor=actor,
        kind=ServiceRecord.Kind.HOUSING_STAY,
        courier=stay.courier,
        station=apartment.station,
        area=apartment.area,
        occurred_at=occurred_at,
        source=stay,
        note=f"{apartment.name} {stay.room.name} · {stay.nights}",
    )


def _withdraw_service_record(*, actor, stay):
    from nuanxin.care.models import ServiceRecord

    # A cancelled stay was never delivered: its service record (one per stay) goes too, audited.
    records = ServiceRecord.objects.filter(
        kind=ServiceRecord.Kind.HOUSING_STAY, source_type=stay._meta.label_lower, source_id=str(stay.pk)
    )
    for record in records:
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=record, message="stay cancelled")
        record.delete()


def stay_approve(*, actor, stay, note=""):
    """Approve an application: the room is the courier's family's for those nights.

    Raises NotFound (outside the actor's area), PermissionDenied (not housing staff), Conflict
    (not waiting for a decision; an overlapping stay is already approved — also when a concurrent
    approval wins the race on PostgreSQL) and ValidationFailed (the stay is over).
    Side effects: status "approved", decided_by/at; one service record (housing_stay) for the
    courier at the apartment's station; one audit row.
    """
    _require_decider(actor, stay)
    try:
        with transaction.atomic():
            stay = _locked_stay(stay)
            if stay.status != StayStatus.APPLIED:
                raise Conflict(NOT_WAITING, field="status", code="not_waiting")
            if stay.check_out <= today():
                raise ValidationFailed({"check_out": [STAY_OVER]})
            if (
                _overlapping_approved(stay.room_id, stay.check_in, stay.check_out)
                .exclude(pk=stay.pk)
                .exists()
            ):
                raise Conflict(ROOM_BOOKED, field="check_in", code="room_booked")
            before = snapshot(stay)
            stay.status = StayStatus.APPROVED
            stay.decided_by = actor
            stay.decided_at = timezone.now()
            stay.decision_note = note.strip()[:500]
            stay.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditEntry.Action.TRANSITION,
                obj=stay,
                changes=diff(before, snapshot(stay)),
                message="approve",
            )
            _record_service(actor=actor, stay=stay)
    except IntegrityError:
        # The exclusion constraint: another approval of an overlapping stay committed first.
        raise Conflict(ROOM_BOOKED, field="check_in", code="room_booked") from None
    return stay


def stay_refuse(*, actor, stay, note):
    """Refuse an application, with a reason the courier reads.

    Raises NotFound / PermissionDenied as `stay_approve`, ValidationFailed (no reason), Conflict
    (not waiting for a decision). Side effects: status "refused"; one audit row.
    """
    _require_decider(actor, stay)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": [REFUSAL_REASON_REQUIRED]})
    with transaction.atomic():
        stay = _locked_stay(stay)
        if stay.status != StayStatus.APPLIED:
            raise Conflict(NOT_WAITING, field="status", code="not_waiting")
        before = snapshot(stay)
        stay.status = StayStatus.REFUSED
        stay.decided_by = actor
        stay.decided_at = timezone.now()
        stay.decision_note = note[:500]
        stay.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=stay,
            changes=diff(before, snapshot(stay)),
            message="refuse",
        )
    return stay


def stay_cancel(*, actor, courier, stay):
    """The courier cancels their own application, waiting or approved, before the check-in day.

    Raises NotFound (another courier's stay) and Conflict (refused, cancelled, or already begun).
    Side effects: status "cancelled"; an approved stay's service record is deleted; audit rows.
    """
    if stay.courier_id != courier.pk:
        raise NotFound()
    with transaction.atomic():
        stay = _locked_stay(stay)
        if stay.status not in (StayStatus.APPLIED, StayStatus.APPROVED) or stay.check_in <= today():
            raise Conflict(CANNOT_CANCEL, field="status", code="cannot_cancel")
        before_status = stay.status
        was_approved = before_status == StayStatus.APPROVED
        stay.status = StayStatus.CANCELLED
        stay.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=stay,
            changes={"status": [before_status, "cancelled"]},
            message="cancel",
        )
        if was_approved:
            _withdraw_service_record(actor=actor, stay=stay)
    return stay


def _require_decider(actor, stay):
    if not permissions.is_housing_staff(actor) and not permissions.is_superuser(actor):
        raise PermissionDenied()
    if not permissions.stay_policy.can(actor, permissions.DECIDE, stay):
        raise NotFound()


def lease_intent_create(*, actor, courier, offer, move_in_on, occupants=1, note=""):
    """The courier signs up for a rental offer (one intent per offer and courier).

    Raises ValidationFailed (offer closed, move-in date in the past, no occupant) and Conflict
    (already signed up — also when two sign-ups race: a unique constraint decides).
    Side effects: the intent; one audit row.
    """
    errors = {}
    if not offer.is_active:
        errors["offer_id"] = [OFFER_CLOSED]
    if move_in_on < today():
        errors["move_in_on"] = [MOVE_IN_IN_PAST]
    if occupants < 1:
        errors["occupants"] = [TOO_FEW_OCCUPANTS]
    if errors:
        raise ValidationFailed(errors)
    if LeaseIntent.objects.filter(offer=offer, courier=courier).exists():
        raise Conflict(ALREADY_SIGNED_UP, field="offer_id", code="already_signed_up")
    try:
        with transaction.atomic():
            intent = LeaseIntent.objects.create(
                offer=offer, courier=courier, move_in_on=move_in_on, occupants=occupants, note=note.strip()
            )
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=intent,
                changes=snapshot(intent),
                area_path=offer.area.path,
            )
    except IntegrityError:
        raise Conflict(ALREADY_SIGNED_UP, field="offer_id", code="already_signed_up") from None
    return intent


def lease_intent_withdraw(*, actor, courier, intent):
    """The courier withdraws their sign-up. Raises NotFound (another courier's). Side effects:
    the intent is deleted; one audit row."""
    if intent.courier_id != courier.pk:
        raise NotFound()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=intent,
            changes=snapshot(intent),
            area_path=intent.offer.area.path,
        )
        intent.delete()


def housing_object_save(*, actor, obj, policy, is_new):
    """Save an apartment, room or offer from the back office, within the actor's area; audited.

    Raises NotFound (the row, or its new area, lies outside the actor's area).
    """
    action = permissions.ADD if is_new else permissions.CHANGE
    if not policy.can(actor, action, obj):
        raise NotFound()
    with transaction.atomic():
        before = {} if is_new else snapshot(type(obj).objects.get(pk=obj.pk))
        obj.full_clean()
        obj.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if is_new else AuditEntry.Action.UPDATE,
            obj=obj,
            changes=diff(before, snapshot(obj)),
            area_path=policy.area_of(obj).path,
        )
    return obj
