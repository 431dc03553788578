"""The text inside a meal code's QR: `NXM1.<code id>.<nonce>.<signature>`.

The signature is an HMAC-SHA256 (keyed by the site's SECRET_KEY, salted per purpose) of the id and
the nonce: a forged or altered code fails it before the database is asked. A genuine signature is
not enough: the row must exist with that nonce, be unexpired and unused (`services.meal_code_confirm`).
"""

import secrets
import uuid

from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "NXM1"
SALT = "nuanxin.merchants.meal-code"


def new_nonce():
    return secrets.token_hex(16)


def _signature(code_id_hex, nonce):
    return salted_hmac(SALT, f"{code_id_hex}.{nonce}", algorithm="sha256").hexdigest()


def meal_code_token(code):
    code_id_hex = code.public_id.hex
    return f"{PREFIX}.{code_id_hex}.{code.nonce}.{_signature(code_id_hex, code.nonce)}"


def parse_meal_code_token(token):
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
