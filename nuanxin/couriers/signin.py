"""Courier sign-in with a mainland mobile number and an SMS one-time code (P1).

Rules (docs/signin.md):
- a code is 6 digits, lives 5 minutes, works once, and is locked after 5 wrong tries;
- a new code replaces the number's earlier unused ones;
- codes are rate-limited per number (one a minute, ten a day) and per client address (twenty an
  hour); every refusal says when to try again (`RateLimited`, HTTP 429);
- only keyed hashes of the number and the code are stored (`SmsLoginCode`);
- the first successful sign-in creates the courier's account;
- with settings.NUANXIN_DEMO on (demo sites only), 13800138000 signs in with 123456 and no SMS is sent.

The limits are counted on the `SmsLoginCode` rows themselves, so they hold across processes and
restarts without a shared cache. The per-number check-then-insert runs under a lock (a
transaction-scoped advisory lock on PostgreSQL, the IMMEDIATE write lock on SQLite).
"""

import hashlib
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.crypto import lookup_hash, mask_phone
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.core.validators import PHONE_INVALID, normalize_phone
from nuanxin.messaging.sms import SmsDeliveryError, send_sms

from .models import CourierProfile, SmsLoginCode
from .services import courier_get_or_create_by_phone

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_FAILED_ATTEMPTS = 5
PHONE_MIN_INTERVAL = timedelta(minutes=1)
PHONE_DAILY_LIMIT = 10
IP_HOURLY_LIMIT = 20

DEMO_PHONE = "13800138000"
DEMO_CODE = "123456"

CODE_FORMAT = _("Enter the 6-digit code from the text message.")
CODE_MISSING = _("This code is not valid. Request a new code.")
CODE_WRONG = _("Wrong code. You have %(remaining)d tries left.")
CODE_NOW_LOCKED = _("Wrong code. This code is now locked: request a new one.")
CODE_LOCKED = _("Too many wrong tries: this code is locked. Request a new code.")
CODE_EXPIRED = _("This code has expired. Request a new code.")
PHONE_TOO_SOON = _("A code was just sent to this number. You can request another in %(wait)s.")
PHONE_DAILY = _("Too many codes were requested for this number today. Try again in %(wait)s.")
IP_HOURLY = _("Too many codes were requested from this network. Try again in %(wait)s.")
SMS_FAILED = _("The text message could not be sent. Please try again in a moment.")
ACCOUNT_CLOSED = _("This account has been closed.")
WAIT_SECONDS = _("%(seconds)d seconds")
WAIT_MINUTES = _("%(minutes)d minutes")
WAIT_HOURS = _("%(hours)d hours")


class RateLimited(DomainError):
    """Too many codes; `retry_after` is the number of seconds until the next one is allowed."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message, *, retry_after):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, field="phone", params={"wait": wait_text(self.retry_after)})


class SignInRefused(DomainError):
    status_code = 400
    code = "code_invalid"

    def with_status(self, status_code):
        self.status_code = status_code
        return self


class SmsUnavailable(DomainError):
    status_code = 503
    code = "sms_unavailable"


def wait_text(seconds):
    """'45 seconds', '12 minutes', '3 hours' in the active language."""
    if seconds < 120:
        return str(WAIT_SECONDS) % {"seconds": seconds}
    if seconds < 2 * 3600:
        return str(WAIT_MINUTES) % {"minutes": math.ceil(seconds / 60)}
    return str(WAIT_HOURS) % {"hours": math.ceil(seconds / 3600)}


def now():
    """The clock of this module (one place to look when reading the time rules)."""
    return timezone.now()


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (NUANXIN_CLIENT_IP_HEADER)."""
    header = getattr(settings, "NUANXIN_CLIENT_IP_HEADER", "")
    value = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR") or ""
    value = value.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def clean_phone(value, field="phone"):
    """A normalized mainland number or a field-level 422."""
    phone = normalize_phone(value)
    if phone is None:
        raise ValidationFailed({field: [PHONE_INVALID]})
    return phone


def clean_code(value):
    code = str(value or "").strip()
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise ValidationFailed({"code": [CODE_FORMAT]})
    return code


def is_demo_login(phone):
    return bool(getattr(settings, "NUANXIN_DEMO", False)) and phone == DEMO_PHONE


def _code_hash(phone, code):
    # Bound to the number, so a code hash reveals nothing on its own and cannot be reused elsewhere.
    return lookup_hash(f"sms-login:{phone}:{code}")


def _lock_phone(phone_hash):
    """Serialize check-then-insert per number for the rest of the transaction."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(phone_hash.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    # SQLite: the transaction already holds the database's write lock (transaction_mode IMMEDIATE).


def _check_limits(*, phone_hash, client_ip, at):
    """Raise RateLimited when another code may not be sent yet."""
    recent = SmsLoginCode.objects.filter(phone_hash=phone_hash, created_at__gt=at - timedelta(days=1))
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and at - last < PHONE_MIN_INTERVAL:
        raise RateLimited(PHONE_TOO_SOON, retry_after=(last + PHONE_MIN_INTERVAL - at).total_seconds())
    day_times = list(recent.order_by("-created_at").values_list("created_at", flat=True)[:PHONE_DAILY_LIMIT])
    if len(day_times) >= PHONE_DAILY_LIMIT:
        oldest = day_times[-1]
        raise RateLimited(PHONE_DAILY, retry_after=(oldest + timedelta(days=1) - at).total_seconds())
    if client_ip:
        hour_times = list(
            SmsLoginCode.objects.filter(client_ip=client_ip, created_at__gt=at - timedelta(hours=1))
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:IP_HOURLY_LIMIT]
        )
        if len(hour_times) >= IP_HOURLY_LIMIT:
            oldest = hour_times[-1]
            raise RateLimited(IP_HOURLY, retry_after=(oldest + timedelta(hours=1) - at).total_seconds())


@dataclass
class CodeRequest:
    phone_masked: str
    expires_in: int
    resend_after: int
    is_demo: bool = False


def sms_code_request(*, phone, client_ip=None):
    """Create a sign-in code for `phone` (raw input) and text it.

    Raises ValidationFailed (bad number), RateLimited (429) or SmsUnavailable (503, the code is
    withdrawn so the courier may ask again at once). Side effects: one SmsLoginCode row, one SMS.
    """
    phone = clean_phone(phone)
    if is_demo_login(phone):
        return CodeRequest(mask_phone(phone), int(CODE_LIFETIME.total_seconds()), 0, is_demo=True)
    phone_hash = lookup_hash(phone)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        _lock_phone(phone_hash)
        at = now()
        _check_limits(phone_hash=phone_hash, client_ip=client_ip, at=at)
        # A new code replaces the earlier ones; they stay as rows so the limits keep counting them.
        SmsLoginCode.objects.filter(phone_hash=phone_hash, used_at__isnull=True, expires_at__gt=at).update(
            expires_at=at
        )
        row = SmsLoginCode.objects.create(
            phone_hash=phone_hash,
            code_hash=_code_hash(phone, code),
            client_ip=client_ip or None,
            expires_at=at + CODE_LIFETIME,
        )
    try:
        send_sms(phone=phone, template="login_code", params={"code": code})
    except SmsDeliveryError as error:
        logger.warning("sign-in code to %s not sent: %s", mask_phone(phone), error)
        SmsLoginCode.objects.filter(pk=row.pk).delete()
        raise SmsUnavailable(SMS_FAILED) from error
    return CodeRequest(
        mask_phone(phone), int(CODE_LIFETIME.total_seconds()), int(PHONE_MIN_INTERVAL.total_seconds())
    )


def sms_code_verify(*, phone, code):
    """Check a code and return the courier it signs in: (profile, created).

    Raises ValidationFailed (format), SignInRefused (no code / wrong / expired / locked; a wrong
    code counts against the code's 5 tries, and that count is kept even though the call fails).
    Side effects: the code is used up; the courier account is created on the first sign-in.
    """
    phone = clean_phone(phone)
    code = clean_code(code)
    if is_demo_login(phone) and code == DEMO_CODE:
        return _usable(*courier_get_or_create_by_phone(phone=phone))
    phone_hash = lookup_hash(phone)
    refusal = None
    with transaction.atomic():
        row = (
            SmsLoginCode.objects.select_for_update()
            .filter(phone_hash=phone_hash, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        at = now()
        if row is None:
            refusal = SignInRefused(CODE_MISSING, field="code")
        elif row.failed_attempts >= MAX_FAILED_ATTEMPTS:
            refusal = SignInRefused(CODE_LOCKED, field="code", code="code_locked")
        elif row.expires_at <= at:
            refusal = SignInRefused(CODE_EXPIRED, field="code", code="code_expired")
        elif not secrets.compare_digest(row.code_hash, _code_hash(phone, code)):
            SmsLoginCode.objects.filter(pk=row.pk).update(failed_attempts=F("failed_attempts") + 1)
            remaining = MAX_FAILED_ATTEMPTS - row.failed_attempts - 1
            if remaining <= 0:
                refusal = SignInRefused(CODE_NOW_LOCKED, field="code", code="code_locked")
            else:
                refusal = SignInRefused(CODE_WRONG, field="code", params={"remaining": remaining})
        else:
            SmsLoginCode.objects.filter(pk=row.pk).update(used_at=at)
    if refusal is not None:
        raise refusal
    return _usable(*courier_get_or_create_by_phone(phone=phone))


def _usable(profile: CourierProfile, created):
    """Refuse an account that staff deactivated (a deleted courier's number starts afresh)."""
    if not profile.user.is_active:
        raise SignInRefused(ACCOUNT_CLOSED, code="account_closed").with_status(403)
    return profile, created
