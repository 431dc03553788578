"""The text inside a redeem code's QR: `NXP1.<code id>.<nonce>.<signature>`.

The same design as the meal codes (`nuanxin.merchants.codes`), with its own prefix and HMAC salt so
that a meal code can never pass as a redeem code or the other way round. The signature (HMAC-SHA256
keyed by SECRET_KEY) covers the id and the nonce: a forged or altered code is refused before the
database is asked. A genuine signature is not enough: the row must exist with that nonce, be
unexpired and unused (`services.redeem_code_confirm`).
"""

import secrets
import uuid

from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "NXP1"
SALT = "nuanxin.points.redeem-code"


def new_nonce():
    return secrets.token_hex(16)


def _signature(code_id_hex, nonce):
    return salted_hmac(SALT, f"{code_id_hex}.{nonce}", algorithm="sha256").hexdigest()


def redeem_code_token(code):
    code_id_hex = code.public_id.hex
    return f"{PREFIX}.{code_id_hex}.{code.nonce}.{_signature(code_id_hex, code.nonce)}"


def parse_redeem_code_token(token):
    """(code public id, nonce) of a genuinely signed token, else None."""
    parts = str(token or "").strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    _prefix, code_id_hex, nonce, signature = parts
    if not constant_time_compare(signature, _signature(code_id_hex, nonce)):
        return None
    try:
        return uuid.UUID(hex=code_id_hex), nonce
    except ValueError:
        return None
