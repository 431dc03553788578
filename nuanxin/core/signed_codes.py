"""Short-lived, single-use codes shown as QR: `<PREFIX>.<row id>.<nonce>.<signature>`.

The signature is an HMAC-SHA256 (keyed by the site's SECRET_KEY, salted per purpose) of the id and
the nonce, so a forged or altered code fails before the database is asked. A genuine signature is
not enough: the caller's row must exist with that nonce, be unexpired and unused. Each purpose has
its own prefix and salt, so a code of one kind never passes as another (a meal code is not a
redeem code).
"""

import dataclasses
import secrets
import uuid

from django.utils.crypto import constant_time_compare, salted_hmac

from .errors import Conflict, DomainError, PermissionDenied, ValidationFailed


class CodeExpired(DomainError):
    status_code = 410
    code = "expired"


@dataclasses.dataclass(frozen=True)
class RefusalMessages:
    """What a refused confirmation says, in the words of the code's kind (meal code, redeem code)."""

    invalid: str
    expired: str
    used: str
    other_merchant: str


class SignedCodeFormat:
    def __init__(self, *, prefix, salt):
        self.prefix = prefix
        self.salt = salt

    @staticmethod
    def new_nonce():
        return secrets.token_hex(16)

    def _signature(self, row_id_hex, nonce):
        return salted_hmac(self.salt, f"{row_id_hex}.{nonce}", algorithm="sha256").hexdigest()

    def token(self, *, public_id, nonce):
        row_id_hex = public_id.hex
        return f"{self.prefix}.{row_id_hex}.{nonce}.{self._signature(row_id_hex, nonce)}"

    def parse(self, token):
        """(row public id, nonce) of a genuinely signed token of this format, else None."""
        parts = str(token or "").strip().split(".")
        if len(parts) != 4 or parts[0] != self.prefix:
            return None
        _prefix, row_id_hex, nonce, signature = parts
        if not constant_time_compare(signature, self._signature(row_id_hex, nonce)):
            return None
        try:
            return uuid.UUID(hex=row_id_hex), nonce
        except ValueError:
            return None


def lock_code_for_confirmation(code_format, token, *, queryset, actor, may_confirm, messages, at):
    """Inside a transaction: the unused, unexpired row `token` names, locked (`select_for_update`).

    `may_confirm(actor, code)` says whether this actor may confirm this row. Raises ValidationFailed
    (forged, altered or unknown code), PermissionDenied (not this actor's), Conflict (already used),
    CodeExpired (410); each on the field "token". Nothing is changed when refused.
    """
    parsed = code_format.parse(token)
    if parsed is None:
        raise ValidationFailed({"token": [messages.invalid]})
    code_id, nonce = parsed
    code = queryset.select_for_update(of=("self",)).filter(public_id=code_id, nonce=nonce).first()
    if code is None:
        raise ValidationFailed({"token": [messages.invalid]})
    if not may_confirm(actor, code):
        raise PermissionDenied(messages.other_merchant)
    if code.redeemed_at is not None:
        raise Conflict(messages.used, field="token", code="already_used")
    if code.expires_at <= at:
        raise CodeExpired(messages.expired, field="token")
    return code
