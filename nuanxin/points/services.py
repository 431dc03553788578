"""Writes of the points economy. Atomic and audited.

Every write that changes a courier's points locks that courier's `Balance` row first
(`select_for_update`), then appends ledger entries and moves the balance in the same transaction.
So the entries of one courier are serialized, the balance always equals the sum of the entries,
and the database refuses a negative balance (CheckConstraint) even if a bug slipped through.

Errors: ValidationFailed (422, field messages), NotFound (404: outside the actor's area),
PermissionDenied (403), Conflict (409: already used, already reversed or refunded, not enough
points or stock, refund window passed), DailyCapReached (409), CodeExpired (410).

Corrections are new entries, never edits: a "reversal" takes back (what is left of) an award, a
"refund" gives back the points of a cancelled redemption.
"""

import dataclasses
import datetime
import decimal
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Min, Sum
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nuanxin.care.models import ServiceRecord
from nuanxin.care.records import service_record_create
from nuanxin.core import signed_codes
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.images import process_image
from nuanxin.core.models import AuditEntry
from nuanxin.core.signed_codes import lock_code_for_confirmation

from . import codes
from .models import Balance, EarnRule, LedgerEntry, Lot, LotDraw, RedeemCode, Reward, Story, StoryPhoto
from .permissions import can_confirm_for, can_manage_area, is_manager, is_merchant_account

FIELD_REQUIRED = _("This field is required.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
CODE_INVALID_FORMAT = _("Use 2 to 40 lowercase letters, digits, hyphens or underscores.")
CODE_TAKEN = _("An earn rule with this code already exists.")
KIND_UNKNOWN = _("Choose one of: volunteer_hour, street_report, event_attended, manual.")
POINTS_PER_UNIT_INVALID = _("Enter a whole number of points per unit between 1 and 10,000.")
DAILY_CAP_INVALID = _("Enter a daily cap between 1 and 100,000 points, or leave it empty.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
RULE_UNKNOWN = _("No active earn rule has this code.")
QUANTITY_INVALID = _("Enter a quantity greater than 0 and at most 1,000.")
QUANTITY_TOO_SMALL = _("This quantity earns less than one point.")
DAILY_CAP_REACHED = _(
    "This courier has already earned the daily cap of %(cap)s points from this rule today; "
    "nothing was awarded."
)
DAILY_CAP_CLIPPED = _("Clipped to the daily cap: %(awarded)s of %(requested)s points were awarded.")
COURIER_UNAVAILABLE = _("This courier account is deleted.")
ONLY_EARN_REVERSIBLE = _("Only an earn entry can be reversed.")
ALREADY_REVERSED = _("This entry has already been reversed.")
POINTS_ALREADY_USED = _(
    "These points were already spent or have expired (%(remaining)s of %(points)s left), so the entry "
    "cannot be reversed."
)
NOTE_REQUIRED = _("Say why the entry is reversed.")
PARTIAL_REVERSAL_NOTE = _(
    "%(shortfall)s of %(points)s points were already spent or expired; %(taken)s taken back."
)
REPORT_REJECTED_NOTE = _("Street report %(number)s was rejected: %(reason)s")
REPORT_REJECTED_NO_REASON_NOTE = _("Street report %(number)s was rejected.")
REPORT_DUPLICATE_NOTE = _("Street report %(number)s was merged as a duplicate of report %(original)s.")
HOURS_CORRECTED_NOTE = _("Volunteer hours of %(date)s corrected: %(before)s h → %(after)s h.")
HOURS_WITHDRAWN_NOTE = _("Volunteer hours corrected: the approved entry was replaced.")
REFUND_REASON_REQUIRED = _("Say why the redemption is cancelled.")
REDEMPTION_NOT_CONFIRMED = _("This redeem code was never confirmed, so there is nothing to refund.")
ALREADY_REFUNDED = _("This redemption has already been refunded.")
REFUND_WINDOW_PASSED = _(
    "A merchant can cancel a redemption only within %(hours)s hours of confirming it. "
    "Ask the street staff to refund it."
)
TITLE_REQUIRED = _("Give a title.")
PRICE_INVALID = _("Enter a points price between 1 and 1,000,000.")
STOCK_INVALID = _("Enter a stock between 0 and 100,000.")
REWARD_UNAVAILABLE = _("This reward is not available.")
OUT_OF_STOCK = _("This reward is out of stock.")
NOT_ENOUGH_POINTS = _("Not enough points: this reward costs %(price)s points and the balance is %(balance)s.")
CODE_INVALID = _("This is not a valid redeem code.")
CODE_EXPIRED = _("This redeem code has expired. Ask the courier to refresh it.")
CODE_USED = _("This redeem code has already been used.")
CODE_OTHER_MERCHANT = _("This redeem code is for another merchant's reward.")
NOT_A_MERCHANT = _("Only a partner-merchant account can confirm redeem codes.")
_REFUSALS = signed_codes.RefusalMessages(
    invalid=CODE_INVALID, expired=CODE_EXPIRED, used=CODE_USED, other_merchant=CODE_OTHER_MERCHANT
)
TOO_MANY_PHOTOS = _("At most %(limit)s photos per story.")
ALREADY_PUBLISHED = _("This story is already published.")
COURIER_OUTSIDE_AREA = _("Choose a courier who works in the story's area.")

DEFAULT_LOT_LIFE_DAYS = 365
DEFAULT_CODE_TTL_SECONDS = 120
DEFAULT_REFUND_HOURS = 24
NOTE_MAX = 200
QUANTITY_MAX = decimal.Decimal(1000)
POINTS_PER_UNIT_MAX = 10_000
DAILY_CAP_MAX = 100_000
PRICE_MAX = 1_000_000
STOCK_MAX = 100_000
STORY_PHOTOS_MAX = 9


class DailyCapReached(DomainError):
    status_code = 409
    code = "daily_cap_reached"


CodeExpired = signed_codes.CodeExpired


@dataclasses.dataclass(frozen=True)
class Award:
    """What `points_award` did: the earn entry (new or the earlier one for the same source)."""

    entry: LedgerEntry
    points_requested: int
    is_new: bool

    @property
    def is_clipped(self):
        return self.is_new and self.entry.points < self.points_requested

    @property
    def message(self):
        if not self.is_clipped:
            return ""
        return str(DAILY_CAP_CLIPPED) % {"awarded": self.entry.points, "requested": self.points_requested}


def lot_life():
    return datetime.timedelta(days=getattr(settings, "NUANXIN_POINTS_LOT_LIFE_DAYS", DEFAULT_LOT_LIFE_DAYS))


def redeem_code_ttl():
    return datetime.timedelta(
        seconds=getattr(settings, "NUANXIN_POINTS_REDEEM_CODE_TTL_SECONDS", DEFAULT_CODE_TTL_SECONDS)
    )


def refund_window():
    """How long after confirming a merchant may still cancel a redemption (staff: any time)."""
    return datetime.timedelta(hours=getattr(settings, "NUANXIN_POINTS_REFUND_HOURS", DEFAULT_REFUND_HOURS))


def _stored_text(message, **params):
    """A note written by the system, in the site's first language (notes are stored, not rendered
    per request)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


def _note_with(note, suffix):
    """`note` cut so that " · suffix" still fits the note field."""
    if not suffix:
        return note[:NOTE_MAX]
    suffix = f" · {suffix}"
    return (note[: max(NOTE_MAX - len(suffix), 0)] + suffix)[:NOTE_MAX]


def _text(errors, field, value, *, limit, required=False, message=FIELD_REQUIRED):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(message)
    elif len(value) > limit:
        errors.setdefault(field, []).append(str(TEXT_TOO_LONG) % {"limit": limit})
    return value


def _source_key(source):
    """(source type, source id) of a saved model instance or a ("app.model", id) pair; ("", "") for None."""
    if source is None:
        return "", ""
    if isinstance(source, tuple):
        source_type, source_id = source
        return str(source_type)[:100], str(source_id)[:64]
    if source.pk is None:
        raise ValueError("points_award: the source must be saved first")
    return source._meta.label_lower, str(source.pk)


def _locked_balance(courier):
    Balance.objects.get_or_create(courier=courier)
    return Balance.objects.select_for_update().get(courier=courier)


def _append(*, balance, kind, points, at, actor=None, **fields):
    """Insert one entry and move the (locked) balance by its points, in the caller's transaction."""
    balance_after = balance.points + points
    if balance_after < 0:
        raise Conflict(
            NOT_ENOUGH_POINTS % {"price": -points, "balance": balance.points}, code="not_enough_points"
        )
    entry = LedgerEntry.objects.create(
        courier_id=balance.courier_id,
        kind=kind,
        points=points,
        balance_after=balance_after,
        occurred_at=at,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    balance.points = balance_after
    balance.save(update_fields=["points", "updated_at"])
    return entry


def _expire_due_lots(*, balance, at):
    """Write an expiry entry for what is left of each lot of this courier due at `at`. Returns the count."""
    lots = list(
        Lot.objects.select_for_update()
        .filter(courier_id=balance.courier_id, remaining__gt=0, expires_at__lte=at)
        .order_by("expires_at", "id")
    )
    for lot in lots:
        _append(balance=balance, kind=LedgerEntry.Kind.EXPIRE, points=-lot.remaining, at=at, lot=lot)
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
    return len(lots)


def _draw_from_lots(*, balance, points, at):
    """Take `points` from the courier's live lots, the soonest-expiring (oldest) first.

    Returns [(lot, points taken)], for the spend entry's `LotDraw` rows.
    """
    lots = (
        Lot.objects.select_for_update()
        .filter(courier_id=balance.courier_id, remaining__gt=0, expires_at__gt=at)
        .order_by("expires_at", "id")
    )
    left = points
    draws = []
    for lot in lots:
        if left == 0:
            break
        taken = min(lot.remaining, left)
        lot.remaining -= taken
        lot.save(update_fields=["remaining"])
        draws.append((lot, taken))
        left -= taken
    if left:  # pragma: no cover - the balance equals the live lots, checked by the caller
        raise Conflict(
            NOT_ENOUGH_POINTS % {"price": points, "balance": points - left}, code="not_enough_points"
        )
    return draws


def _local_day_bounds(at):
    local = timezone.localtime(at)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


# --- earn rules -----------------------------------------------------------------------------------


def _rule_fields(errors, *, name, kind, points_per_unit, daily_cap):
    name = _text(errors, "name", name, limit=100, required=True)
    if kind not in EarnRule.Kind.values:
        errors["kind"] = [KIND_UNKNOWN]
    if not (isinstance(points_per_unit, int) and 1 <= points_per_unit <= POINTS_PER_UNIT_MAX):
        errors["points_per_unit"] = [POINTS_PER_UNIT_INVALID]
    if daily_cap is not None and not (isinstance(daily_cap, int) and 1 <= daily_cap <= DAILY_CAP_MAX):
        errors["daily_cap"] = [DAILY_CAP_INVALID]
    return name


@transaction.atomic
def earn_rule_create(*, actor, area, code, name, kind, points_per_unit, daily_cap=None) -> EarnRule:
    """A new earn rule owned by `area` (area managers of the subtree).

    Raises PermissionDenied (not an area manager), ValidationFailed (fields, taken code, area outside).
    """
    if not is_manager(actor):
        raise PermissionDenied()
    errors = {}
    code = (code or "").strip()
    if not (
        2 <= len(code) <= 40 and all(char.isdigit() or char in "-_" or "a" <= char <= "z" for char in code)
    ):
        errors["code"] = [CODE_INVALID_FORMAT]
    elif EarnRule.objects.filter(code=code).exists():
        errors["code"] = [CODE_TAKEN]
    name = _rule_fields(errors, name=name, kind=kind, points_per_unit=points_per_unit, daily_cap=daily_cap)
    if area is None or not can_manage_area(actor, area):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    if errors:
        raise ValidationFailed(errors)
    rule = EarnRule.objects.create(
        code=code, name=name, kind=kind, points_per_unit=points_per_unit, daily_cap=daily_cap, area=area
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=rule,
        changes={"code": code, "points_per_unit": points_per_unit, "daily_cap": daily_cap},
        area_path=area.path,
    )
    return rule


@transaction.atomic
def earn_rule_update(*, actor, rule, **changes) -> EarnRule:
    """Change name, points_per_unit, daily_cap or is_active of a rule in the actor's area.

    Past entries keep the points they were given. Raises NotFound, ValidationFailed.
    """
    if not can_manage_area(actor, rule.area):
        raise NotFound()
    rule = EarnRule.objects.select_for_update().get(pk=rule.pk)
    before = {field: getattr(rule, field) for field in ("name", "points_per_unit", "daily_cap", "is_active")}
    values = {**before, **{key: value for key, value in changes.items() if key in before}}
    errors = {}
    values["name"] = _rule_fields(
        errors,
        name=values["name"],
        kind=rule.kind,
        points_per_unit=values["points_per_unit"],
        daily_cap=values["daily_cap"],
    )
    if errors:
        raise ValidationFailed(errors)
    for field, value in values.items():
        setattr(rule, field, bool(value) if field == "is_active" else value)
    rule.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=rule,
        changes={key: [before[key], values[key]] for key in values if before[key] != values[key]},
        area_path=rule.area.path,
    )
    return rule


# --- the ledger -----------------------------------------------------------------------------------


def points_award(*, actor, courier, rule_code, quantity=1, source=None, note="", at=None) -> Award:
    """Award `courier` the points of `quantity` units of the rule `rule_code`.

    - `source` (a saved model instance, or an ("app.model", id) pair) makes the call idempotent: a
      second award for the same rule and source returns the first entry (`is_new=False`).
    - The rule's daily cap (per courier, per day in Asia/Shanghai) clips the award to what is left
      of it (`Award.is_clipped`, `Award.message`); with nothing left it raises DailyCapReached.
    - A manual rule needs an area manager whose subtree holds the courier's work street
      (NotFound otherwise). Other kinds are called by the services of other apps (approved hours,
      verified reports, attendance), which have already decided; `actor=None` is the system.

    Raises ValidationFailed (unknown or inactive rule, bad quantity), NotFound, PermissionDenied,
    DailyCapReached. Side effects: one earn entry, one lot expiring after the configured life
    (NUANXIN_POINTS_LOT_LIFE_DAYS), the balance, one audit row; due lots of the courier expire first.
    """
    at = at or timezone.now()
    rule = EarnRule.objects.filter(code=str(rule_code or ""), is_active=True).select_related("area").first()
    if rule is None:
        raise ValidationFailed({"rule_code": [RULE_UNKNOWN]})
    if rule.kind == EarnRule.Kind.MANUAL:
        if not is_manager(actor):
            raise PermissionDenied()
        if not can_manage_area(actor, courier.work_area):
            raise NotFound()
    if courier.deleted_at is not None:
        raise ValidationFailed({"courier_id": [COURIER_UNAVAILABLE]})
    try:
        quantity = decimal.Decimal(str(quantity))
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValidationFailed({"quantity": [QUANTITY_INVALID]}) from None
    if not (0 < quantity <= QUANTITY_MAX) or quantity != quantity.quantize(decimal.Decimal("0.01")):
        raise ValidationFailed({"quantity": [QUANTITY_INVALID]})
    requested = math.floor(rule.points_per_unit * quantity)
    if requested < 1:
        raise ValidationFailed({"quantity": [QUANTITY_TOO_SMALL]})
    source_type, source_id = _source_key(source)
    with transaction.atomic():
        balance = _locked_balance(courier)
        if source_type:
            existing = LedgerEntry.objects.filter(
                kind=LedgerEntry.Kind.EARN, rule=rule, source_type=source_type, source_id=source_id
            ).first()
            if existing is not None:
                return Award(entry=existing, points_requested=requested, is_new=False)
        points = requested
        if rule.daily_cap is not None:
            day_start, day_end = _local_day_bounds(at)
            earned_today = (
                LedgerEntry.objects.filter(
                    courier=courier,
                    rule=rule,
                    kind=LedgerEntry.Kind.EARN,
                    occurred_at__gte=day_start,
                    occurred_at__lt=day_end,
                ).aggregate(total=Sum("points"))["total"]
                or 0
            )
            left = rule.daily_cap - earned_today
            if left <= 0:
                raise DailyCapReached(DAILY_CAP_REACHED % {"cap": rule.daily_cap}, field="rule_code")
            points = min(points, left)
        _expire_due_lots(balance=balance, at=at)
        try:
            with transaction.atomic():
                entry = _append(
                    balance=balance,
                    kind=LedgerEntry.Kind.EARN,
                    points=points,
                    at=at,
                    actor=actor,
                    rule=rule,
                    quantity=quantity,
                    source_type=source_type,
                    source_id=source_id,
                    note=(note or "")[:200],
                )
        except IntegrityError:  # pragma: no cover - the balance lock serializes awards of one courier
            existing = LedgerEntry.objects.get(
                kind=LedgerEntry.Kind.EARN, rule=rule, source_type=source_type, source_id=source_id
            )
            return Award(entry=existing, points_requested=requested, is_new=False)
        Lot.objects.create(
            courier=courier,
            entry=entry,
            points=points,
            remaining=points,
            earned_at=at,
            expires_at=at + lot_life(),
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=entry,
            changes={"rule": rule.code, "points": points, "requested": requested, "source": source_type},
            area_path=courier.work_area.path if courier.work_area_id else "",
        )
    return Award(entry=entry, points_requested=requested, is_new=True)


def points_entry_reverse(*, actor, entry, note, at=None, partial=False) -> LedgerEntry:
    """Correct an award by a reverse entry (the ledger is append-only; nothing is edited).

    - `partial=False` (the staff default): only an earn entry whose points are all still in its
      lot can be reversed; otherwise Conflict `points_already_used` and nothing is written.
    - `partial=True`: the courier's due lots expire first, then what is left of the entry's lot is
      taken back (possibly nothing: a 0-point correction). The shortfall — points already spent or
      expired — is named in the entry's note and in the audit row. Either way the entry now counts
      as reversed, so it is never tried again; the balance never goes below zero.

    `actor` must manage the courier's work street (NotFound otherwise); `actor=None` is the system.
    Raises NotFound, ValidationFailed (no note; not an earn entry), Conflict (already reversed;
    points already spent or expired, unless partial). Side effects: one reversal entry, the lot
    emptied, the balance, one audit row (and expiry entries of due lots, when partial).
    """
    at = at or timezone.now()
    courier = entry.courier
    if actor is not None and not can_manage_area(actor, courier.work_area):
        raise NotFound()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": [NOTE_REQUIRED]})
    if entry.kind != LedgerEntry.Kind.EARN:
        raise ValidationFailed({"entry_id": [ONLY_EARN_REVERSIBLE]})
    with transaction.atomic():
        balance = _locked_balance(courier)
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise Conflict(ALREADY_REVERSED, code="already_reversed")
        if partial:
            _expire_due_lots(balance=balance, at=at)
        lot = Lot.objects.select_for_update().get(entry=entry)
        live = lot.remaining if lot.expires_at > at else 0
        if not partial and live < entry.points:
            raise Conflict(
                POINTS_ALREADY_USED % {"remaining": live, "points": entry.points},
                code="points_already_used",
            )
        taken = min(live, entry.points)
        shortfall = entry.points - taken
        if shortfall:
            note = _note_with(
                note,
                _stored_text(PARTIAL_REVERSAL_NOTE, shortfall=shortfall, points=entry.points, taken=taken),
            )
        reversal = _append(
            balance=balance,
            kind=LedgerEntry.Kind.REVERSAL,
            points=-taken,
            at=at,
            actor=actor,
            rule=entry.rule,
            reverses=entry,
            note=note[:NOTE_MAX],
        )
        if taken:
            lot.remaining -= taken
            lot.save(update_fields=["remaining"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=reversal,
            changes={
                "reverses": str(entry.public_id),
                "points": reversal.points,
                "awarded": entry.points,
                "shortfall": shortfall,
                "partial": partial,
            },
            message=note[:255],
            area_path=courier.work_area.path if courier.work_area_id else "",
        )
    return reversal


def points_expire_due(*, at=None) -> int:
    """Expire every lot due at `at` (default now): one expiry entry per lot, for what is left of it.

    Idempotent (an expired lot has nothing left). One transaction per courier. Returns the number
    of expiry entries written.
    """
    at = at or timezone.now()
    courier_ids = (
        Lot.objects.filter(remaining__gt=0, expires_at__lte=at)
        .values_list("courier_id", flat=True)
        .distinct()
    )
    written = 0
    for courier_id in sorted(set(courier_ids)):
        with transaction.atomic():
            Balance.objects.get_or_create(courier_id=courier_id)
            balance = Balance.objects.select_for_update().get(courier_id=courier_id)
            written += _expire_due_lots(balance=balance, at=at)
    return written


def points_award_event_attendance(*, since=None, at=None) -> int:
    """Award every active "per event attended" rule for each event attendance (care.ServiceRecord).

    Idempotent per rule and record; awards the daily cap refuses are skipped. Returns the number
    of new entries.
    """
    rules = list(EarnRule.objects.filter(kind=EarnRule.Kind.EVENT_ATTENDED, is_active=True))
    if not rules:
        return 0
    records = ServiceRecord.objects.filter(kind=ServiceRecord.Kind.EVENT_ATTENDANCE).select_related(
        "courier__work_area"
    )
    if since is not None:
        records = records.filter(occurred_at__gte=since)
    created = 0
    for record in records.order_by("occurred_at", "pk"):
        for rule in rules:
            try:
                award = points_award(
                    actor=None,
                    courier=record.courier,
                    rule_code=rule.code,
                    source=record,
                    at=at or record.occurred_at,
                )
            except (DailyCapReached, ValidationFailed):
                continue
            created += award.is_new
    return created


def points_award_street_reports(*, since=None, at=None) -> int:
    """Award every active "per verified street report" rule for each report staff accepted.

    A report is verified when staff moved it to accepted (a ReportEvent); one already rejected or
    merged as a duplicate earns nothing (one rejected *after* its award is reversed by
    `points_reverse_withdrawn_report_awards`). Idempotent per rule and report; awards the daily cap
    refuses are skipped. Returns the number of new entries.
    """
    from nuanxin.reports.models import Report, ReportEvent

    rules = list(EarnRule.objects.filter(kind=EarnRule.Kind.STREET_REPORT, is_active=True))
    if not rules:
        return 0
    accepted = ReportEvent.objects.filter(to_status=Report.Status.ACCEPTED)
    if since is not None:
        accepted = accepted.filter(occurred_at__gte=since)
    verified_at = {}
    for report_id, occurred_at in accepted.order_by("occurred_at").values_list("report_id", "occurred_at"):
        verified_at.setdefault(report_id, occurred_at)
    reports = (
        Report.objects.filter(pk__in=verified_at, reporter__isnull=False)
        .exclude(status__in=[Report.Status.REJECTED, Report.Status.DUPLICATE])
        .select_related("reporter__work_area")
    )
    created = 0
    for report in sorted(reports, key=lambda report: (verified_at[report.pk], report.pk)):
        for rule in rules:
            try:
                award = points_award(
                    actor=None,
                    courier=report.reporter,
                    rule_code=rule.code,
                    source=report,
                    at=at or verified_at[report.pk],
                )
            except (DailyCapReached, ValidationFailed):
                continue
            created += award.is_new
    return created


def _unreversed_awards(*, rule_kind, source_type):
    return (
        LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.EARN,
            rule__kind=rule_kind,
            source_type=source_type,
            reversed_by__isnull=True,
        )
        .select_related("courier__work_area", "rule")
        .order_by("id")
    )


def _reverse_withdrawn(entry, note, at):
    """Partially reverse one award the sync found withdrawn; 1 if written, 0 if someone was first."""
    try:
        points_entry_reverse(actor=None, entry=entry, note=note, at=at, partial=True)
    except Conflict:  # reversed meanwhile (by staff, or a parallel sync): nothing more to do
        return 0
    return 1


def points_reverse_withdrawn_report_awards(*, at=None) -> int:
    """Reverse the street-report awards of reports that staff later rejected or merged as a duplicate.

    A report can leave "accepted" for rejected or duplicate after its award (also via dispatched →
    returned → accepted → rejected); both are final, so the reversal is too. The entry's note names
    the report number and the reason (the staff note of the rejection, or the original report of a
    duplicate). Partial rule: only what is left in the award's lot is taken back; the shortfall is
    recorded and the award is never tried again (`points_entry_reverse(partial=True)`).
    Returns the number of reversal entries written.
    """
    from nuanxin.reports.models import Report, ReportEvent
    from nuanxin.reports.selectors import report_number

    withdrawn_ids = (
        Report.objects.filter(status__in=[Report.Status.REJECTED, Report.Status.DUPLICATE])
        .annotate(key=Cast("pk", output_field=CharField()))
        .values("key")
    )
    # One query, however long the history: only the unreversed awards of withdrawn reports.
    awards = list(
        _unreversed_awards(rule_kind=EarnRule.Kind.STREET_REPORT, source_type="reports.report").filter(
            source_id__in=withdrawn_ids
        )
    )
    if not awards:
        return 0
    withdrawn = Report.objects.in_bulk([int(entry.source_id) for entry in awards])
    originals = Report.objects.in_bulk(
        [report.duplicate_of_id for report in withdrawn.values() if report.duplicate_of_id]
    )
    reasons = {}
    rejections = ReportEvent.objects.filter(
        report_id__in=withdrawn, to_status=Report.Status.REJECTED, kind=ReportEvent.Kind.STATUS
    ).order_by("occurred_at", "id")
    for report_id, reason in rejections.values_list("report_id", "note"):
        reasons[report_id] = (reason or "").strip()  # the latest rejection wins
    written = 0
    for entry in awards:
        report = withdrawn[int(entry.source_id)]
        number = report_number(report)
        if report.status == Report.Status.DUPLICATE:
            original = originals.get(report.duplicate_of_id)
            note = _stored_text(
                REPORT_DUPLICATE_NOTE,
                number=number,
                original=report_number(original) if original else "?",
            )
        elif reasons.get(report.pk):
            note = _stored_text(REPORT_REJECTED_NOTE, number=number, reason=reasons[report.pk])
        else:
            note = _stored_text(REPORT_REJECTED_NO_REASON_NOTE, number=number)
        written += _reverse_withdrawn(entry, note, at)
    return written


def _hours_text(hours):
    """1.50 → "1.5", 2.00 → "2"."""
    return f"{decimal.Decimal(hours):.2f}".rstrip("0").rstrip(".")


def points_reverse_corrected_volunteer_awards(*, at=None) -> int:
    """Reverse the volunteer-hour awards whose record entry a correction has replaced.

    `nuanxin.volunteers.selectors.approved_service_hours` lists the *effective* entries only, and
    the volunteer record is append-only, so an awarded entry missing from that list has been
    superseded (also along a chain of corrections the sync did not see one by one). Its award is
    reversed by the partial rule (what is left of its lot; the shortfall recorded; never tried
    again); the replacing entry earns its own award. Returns the number of reversal entries written.
    """
    from nuanxin.volunteers.selectors import approved_service_hours

    awards = list(
        _unreversed_awards(rule_kind=EarnRule.Kind.VOLUNTEER_HOUR, source_type="volunteers.recordentry")
    )
    if not awards:
        return 0
    services = approved_service_hours()
    effective = {str(service.entry_id) for service in services}
    replaced_by = {
        str(service.supersedes_entry_id): service for service in services if service.supersedes_entry_id
    }
    written = 0
    for entry in awards:
        if entry.source_id in effective:
            continue
        successor = replaced_by.get(entry.source_id)
        if successor is not None:
            note = _stored_text(
                HOURS_CORRECTED_NOTE,
                date=successor.served_on.isoformat(),
                before=_hours_text(entry.quantity) if entry.quantity is not None else "?",
                after=_hours_text(decimal.Decimal(successor.minutes) / 60),
            )
        else:
            note = _stored_text(HOURS_WITHDRAWN_NOTE)
        written += _reverse_withdrawn(entry, note, at)
    return written


def points_award_volunteer_hours(*, since=None, at=None) -> int:
    """Award every active "per approved volunteer hour" rule for approved service hours.

    Reads `nuanxin.volunteers.selectors.approved_service_hours` (the volunteer-hours record stays
    the volunteers app's; points are recorded apart). Idempotent per rule and record entry. The
    awards of entries a correction replaced are reversed by
    `points_reverse_corrected_volunteer_awards`, which `points_sync` runs first. Returns the number
    of new earn entries.
    """
    from nuanxin.couriers.models import CourierProfile
    from nuanxin.volunteers.selectors import approved_service_hours

    rules = list(EarnRule.objects.filter(kind=EarnRule.Kind.VOLUNTEER_HOUR, is_active=True))
    if not rules:
        return 0
    services = approved_service_hours(since=since)
    couriers = CourierProfile.objects.select_related("work_area").in_bulk(
        {service.courier_id for service in services}
    )
    created = 0
    for service in services:
        courier = couriers[service.courier_id]
        for rule in rules:
            try:
                award = points_award(
                    actor=None,
                    courier=courier,
                    rule_code=rule.code,
                    quantity=(decimal.Decimal(service.minutes) / 60).quantize(decimal.Decimal("0.01")),
                    source=("volunteers.recordentry", service.entry_id),
                    at=at,
                )
            except (DailyCapReached, ValidationFailed):
                continue
            created += award.is_new
    return created


def points_sync(*, since=None, at=None) -> dict:
    """The hourly sync (`tasks.award_sync`, `manage.py points_award_sync`): first reverse awards
    whose source was withdrawn (reports rejected or merged as duplicates after their award), then
    and volunteer entries a correction replaced, then award attended events, approved volunteer
    hours and verified street reports. Idempotent. Returns the counts of new entries by kind of work.

    Event attendance is never withdrawn: nuanxin.events has no way to revoke an attendance once
    recorded, and its care service record cannot be deleted, so there is nothing to reverse.
    """
    return {
        "report_reversals": points_reverse_withdrawn_report_awards(at=at),
        "hour_reversals": points_reverse_corrected_volunteer_awards(at=at),
        "events": points_award_event_attendance(since=since, at=at),
        "hours": points_award_volunteer_hours(since=since, at=at),
        "reports": points_award_street_reports(since=since, at=at),
    }


# --- rewards and redemption -----------------------------------------------------------------------


def _reward_fields(errors, *, title, description, points_price, stock):
    title = _text(errors, "title", title, limit=100, required=True, message=TITLE_REQUIRED)
    description = _text(errors, "description", description, limit=2000)
    if not (isinstance(points_price, int) and 1 <= points_price <= PRICE_MAX):
        errors["points_price"] = [PRICE_INVALID]
    if not (isinstance(stock, int) and 0 <= stock <= STOCK_MAX):
        errors["stock"] = [STOCK_INVALID]
    return title, description


@transaction.atomic
def reward_create(*, actor, merchant, title, points_price, stock, description="") -> Reward:
    """Add a reward of `merchant` to the catalog. Raises NotFound (merchant outside), ValidationFailed."""
    if not can_manage_area(actor, merchant.area):
        raise NotFound()
    errors = {}
    title, description = _reward_fields(
        errors, title=title, description=description, points_price=points_price, stock=stock
    )
    if errors:
        raise ValidationFailed(errors)
    reward = Reward.objects.create(
        merchant=merchant, title=title, description=description, points_price=points_price, stock=stock
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=reward,
        changes={"title": title, "points_price": points_price, "stock": stock},
        area_path=merchant.area.path,
    )
    return reward


@transaction.atomic
def reward_update(*, actor, reward, **changes) -> Reward:
    """Change title, description, points_price, stock or is_active. Raises NotFound, ValidationFailed."""
    if not can_manage_area(actor, reward.merchant.area):
        raise NotFound()
    reward = Reward.objects.select_for_update().select_related("merchant__area").get(pk=reward.pk)
    fields = ("title", "description", "points_price", "stock", "is_active")
    before = {field: getattr(reward, field) for field in fields}
    values = {
        **before,
        **{key: value for key, value in changes.items() if key in before and value is not None},
    }
    errors = {}
    values["title"], values["description"] = _reward_fields(
        errors,
        title=values["title"],
        description=values["description"],
        points_price=values["points_price"],
        stock=values["stock"],
    )
    if errors:
        raise ValidationFailed(errors)
    for field, value in values.items():
        setattr(reward, field, value)
    reward.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=reward,
        changes={key: [before[key], values[key]] for key in fields if before[key] != values[key]},
        area_path=reward.merchant.area.path,
    )
    return reward


def _balance_points(courier):
    return Balance.objects.filter(courier=courier).values_list("points", flat=True).first() or 0


@transaction.atomic
def redeem_code_issue(*, courier, reward, at=None) -> tuple[RedeemCode, str]:
    """A fresh single-use code for `courier` and `reward`, and the token its QR carries.

    Earlier unused codes of the same courier and reward stop working. Raises ValidationFailed when
    the reward or its merchant is inactive, out of stock, or costs more than the balance (checked
    again, under locks, at confirmation).
    """
    at = at or timezone.now()
    if not (reward.is_active and reward.merchant.is_active):
        raise ValidationFailed({"reward_id": [REWARD_UNAVAILABLE]})
    if reward.stock < 1:
        raise ValidationFailed({"reward_id": [OUT_OF_STOCK]})
    balance = _balance_points(courier)
    if balance < reward.points_price:
        raise ValidationFailed(
            {"reward_id": [NOT_ENOUGH_POINTS % {"price": reward.points_price, "balance": balance}]}
        )
    RedeemCode.objects.filter(
        courier=courier, reward=reward, redeemed_at__isnull=True, expires_at__gt=at
    ).update(expires_at=at)
    code = RedeemCode.objects.create(
        reward=reward, courier=courier, nonce=codes.new_nonce(), expires_at=at + redeem_code_ttl()
    )
    return code, codes.redeem_code_token(code)


def redeem_code_confirm(*, actor, token, at=None) -> RedeemCode:
    """The merchant confirms the code the courier shows: points and stock change together, once.

    Locks, in this order: the code, the reward, the courier's balance (then the lots). Raises
    PermissionDenied (not a merchant account; another merchant's reward), ValidationFailed (forged,
    altered or unknown code), CodeExpired (410), Conflict (already used; out of stock; not enough
    points). Nothing is changed when refused. Side effects: one spend entry, lots drawn oldest
    first (recorded as `LotDraw` rows), the balance, the stock, one service record (kind "other",
    in the merchant's area), one audit row.
    """
    if not is_merchant_account(actor):
        raise PermissionDenied(NOT_A_MERCHANT)
    at = at or timezone.now()
    with transaction.atomic():
        code = lock_code_for_confirmation(
            codes.REDEEM_CODE,
            token,
            queryset=RedeemCode.objects.select_related("reward__merchant__area", "courier"),
            actor=actor,
            may_confirm=lambda actor, code: can_confirm_for(actor, code.reward),
            messages=_REFUSALS,
            at=at,
        )
        reward = Reward.objects.select_for_update().get(pk=code.reward_id)
        if not reward.is_active:
            raise Conflict(REWARD_UNAVAILABLE, field="token", code="reward_unavailable")
        if reward.stock < 1:
            raise Conflict(OUT_OF_STOCK, field="token", code="out_of_stock")
        balance = _locked_balance(code.courier)
        _expire_due_lots(balance=balance, at=at)
        if balance.points < reward.points_price:
            raise Conflict(
                NOT_ENOUGH_POINTS % {"price": reward.points_price, "balance": balance.points},
                field="token",
                code="not_enough_points",
            )
        draws = _draw_from_lots(balance=balance, points=reward.points_price, at=at)
        entry = _append(
            balance=balance,
            kind=LedgerEntry.Kind.SPEND,
            points=-reward.points_price,
            at=at,
            actor=actor,
            source_type="points.redeemcode",
            source_id=str(code.pk),
            note=f"{reward.merchant.name} · {reward.title}"[:200],
        )
        LotDraw.objects.bulk_create([LotDraw(entry=entry, lot=lot, points=taken) for lot, taken in draws])
        reward.stock -= 1
        reward.save(update_fields=["stock", "updated_at"])
        code.redeemed_at = at
        code.redeemed_by = actor
        code.entry = entry
        code.save(update_fields=["redeemed_at", "redeemed_by", "entry", "updated_at"])
        merchant = reward.merchant
        service_record_create(
            actor=actor,
            kind=ServiceRecord.Kind.OTHER,
            courier=code.courier,
            area=merchant.area,
            occurred_at=at,
            source=code,
            note=f"{merchant.name} · {reward.title}"[:200],
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=code,
            changes={"redeemed_at": at.isoformat(), "points": reward.points_price, "merchant": merchant.name},
            area_path=merchant.area.path,
        )
    code.reward = reward
    return code


def _refund_expiry(spend):
    """When the points of a refunded spend expire: the earliest expiry among the lots it drew from.

    Earliest, not each lot's own, because a refund restores one lot; the courier never gains
    lifetime by a refund. Spends from before `LotDraw` existed (migration 0003) fall back to the
    earliest lot of the courier that was live at the time of the spend — the one spending takes
    first, so never later than the truth.
    """
    earliest = LotDraw.objects.filter(entry=spend).aggregate(earliest=Min("lot__expires_at"))["earliest"]
    if earliest is None:
        earliest = Lot.objects.filter(
            courier_id=spend.courier_id,
            earned_at__lte=spend.occurred_at,
            expires_at__gt=spend.occurred_at,
        ).aggregate(earliest=Min("expires_at"))["earliest"]
    return earliest or spend.occurred_at + lot_life()


def redeem_code_refund(*, actor, code, reason, at=None) -> RedeemCode:
    """Cancel a confirmed redemption: the courier gets the points back, the reward its unit of stock.

    Who: an account of the reward's merchant (the merchant that confirmed it) within
    NUANXIN_POINTS_REFUND_HOURS (default 24) of the confirmation; an area manager whose subtree
    holds the merchant at any time. Anyone else: NotFound (as for a missing code).

    Locks the code, the reward, the courier's balance, then the lots (the order of
    `redeem_code_confirm`, so a refund and a redemption never deadlock). In one transaction: one
    refund entry (+ the points spent; it reverses the spend entry, so a spend is refunded once),
    one new lot with the earliest expiry of the lots the spend drew from (already past → those
    points expire at once, an expiry entry), the stock + 1, the code marked refunded, one audit row.

    Raises NotFound, ValidationFailed (no reason, too long), Conflict (`already_refunded`;
    `refund_window_passed` for a merchant; `not_redeemed` for a code never confirmed).
    Nothing changes when refused.
    """
    at = at or timezone.now()
    merchant = code.reward.merchant
    is_staff = can_manage_area(actor, merchant.area)
    if not (is_staff or can_confirm_for(actor, code.reward)):
        raise NotFound()
    errors = {}
    reason = _text(errors, "reason", reason, limit=NOTE_MAX, required=True, message=REFUND_REASON_REQUIRED)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        code = (
            RedeemCode.objects.select_for_update(of=("self",))
            .select_related("reward__merchant__area", "courier__work_area", "entry")
            .get(pk=code.pk)
        )
        if code.redeemed_at is None or code.entry_id is None:
            raise Conflict(REDEMPTION_NOT_CONFIRMED, code="not_redeemed")
        if code.refunded_at is not None:
            raise Conflict(ALREADY_REFUNDED, code="already_refunded")
        if not is_staff and at > code.redeemed_at + refund_window():
            window_hours = int(refund_window().total_seconds() // 3600)
            raise Conflict(REFUND_WINDOW_PASSED, code="refund_window_passed", params={"hours": window_hours})
        reward = Reward.objects.select_for_update().get(pk=code.reward_id)
        balance = _locked_balance(code.courier)
        _expire_due_lots(balance=balance, at=at)
        spend = code.entry
        points = -spend.points
        refund = _append(
            balance=balance,
            kind=LedgerEntry.Kind.REFUND,
            points=points,
            at=at,
            actor=actor,
            reverses=spend,
            source_type="points.redeemcode",
            source_id=str(code.pk),
            note=f"{merchant.name} · {reward.title} · {reason}"[:NOTE_MAX],
        )
        expires_at = _refund_expiry(spend)
        Lot.objects.create(
            courier=code.courier,
            entry=refund,
            points=points,
            remaining=points,
            earned_at=at,
            expires_at=expires_at,
        )
        # The restored points keep the life they had: past it, they expire now, in the open.
        expired_at_once = _expire_due_lots(balance=balance, at=at) > 0
        reward.stock += 1
        reward.save(update_fields=["stock", "updated_at"])
        code.refunded_at = at
        code.refunded_by = actor if getattr(actor, "is_authenticated", False) else None
        code.refund_reason = reason
        code.save(update_fields=["refunded_at", "refunded_by", "refund_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=code,
            changes={
                "refunded_at": at.isoformat(),
                "points": points,
                "merchant": merchant.name,
                "by": "staff" if is_staff else "merchant",
                "expires_at": expires_at.isoformat(),
                "expired_at_once": expired_at_once,
            },
            message=reason[:255],
            area_path=merchant.area.path,
        )
    code.reward = reward
    return code


# --- stories --------------------------------------------------------------------------------------


@transaction.atomic
def story_create(*, actor, area, title, body, courier=None, photos=()) -> Story:
    """A draft story in `area` with up to 9 photos (cleaned by core.images: resized, EXIF stripped).

    Raises PermissionDenied (not an area manager), ValidationFailed (fields, photos, area outside,
    courier outside the area).
    """
    if not is_manager(actor):
        raise PermissionDenied()
    errors = {}
    title = _text(errors, "title", title, limit=100, required=True, message=TITLE_REQUIRED)
    body = _text(errors, "body", body, limit=10_000, required=True)
    if area is None or not can_manage_area(actor, area):
        errors["area_code"] = [AREA_OUTSIDE_YOURS]
    elif courier is not None and not (courier.work_area_id and courier.work_area.path.startswith(area.path)):
        errors["courier_id"] = [COURIER_OUTSIDE_AREA]
    photos = list(photos or ())
    if len(photos) > STORY_PHOTOS_MAX:
        errors["photos"] = [str(TOO_MANY_PHOTOS) % {"limit": STORY_PHOTOS_MAX}]
    if errors:
        raise ValidationFailed(errors)
    contents = [process_image(upload, field="photos") for upload in photos]
    story = Story.objects.create(area=area, title=title, body=body, courier=courier, created_by=actor)
    for order, content in enumerate(contents):
        photo = StoryPhoto(story=story, sort_order=order)
        photo.image.save(content.name, content, save=False)
        photo.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=story,
        changes={"title": title, "photos": len(contents)},
        area_path=area.path,
    )
    return story


@transaction.atomic
def story_publish(*, actor, story, at=None) -> Story:
    """Publish a story on /m/stories/. Raises NotFound (outside the area), Conflict (already published)."""
    if not can_manage_area(actor, story.area):
        raise NotFound()
    story = Story.objects.select_for_update().get(pk=story.pk)
    if story.status == Story.Status.PUBLISHED:
        raise Conflict(ALREADY_PUBLISHED, code="already_published")
    story.status = Story.Status.PUBLISHED
    story.published_at = at or timezone.now()
    story.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.TRANSITION,
        obj=story,
        changes={"status": ["draft", "published"]},
        area_path=story.area.path,
    )
    return story


@transaction.atomic
def story_unpublish(*, actor, story) -> Story:
    """Take a story off the mobile site (back to draft). Raises NotFound."""
    if not can_manage_area(actor, story.area):
        raise NotFound()
    story = Story.objects.select_for_update().get(pk=story.pk)
    if story.status != Story.Status.DRAFT:
        story.status = Story.Status.DRAFT
        story.published_at = None
        story.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.TRANSITION,
            obj=story,
            changes={"status": ["published", "draft"]},
            area_path=story.area.path,
        )
    return story
