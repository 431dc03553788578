"""Encryption of personal fields at rest, keyed lookup hashes, and masking.

- `EncryptedTextField` stores Fernet tokens; the keys come from settings.NUANXIN_FIELD_ENCRYPTION_KEYS
  (a list, newest first). Old keys still decrypt, so a key is rotated by putting a new one first and
  running `manage.py rotate_encryption_keys`, which re-encrypts every row with the newest key.
- `lookup_hash(value)` is an HMAC-SHA256 with settings.NUANXIN_LOOKUP_HASH_KEY: rows are found by
  phone or ID number without decrypting anything, and the hash reveals nothing without the key.
- `mask_phone` / `mask_id_number` give the forms shown in every list (138****8000).
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _derive_key(secret):
    """A Fernet key from any secret string (deployments may also give real Fernet keys)."""
    try:
        raw = base64.urlsafe_b64decode(secret)
        if len(raw) == 32:
            return secret.encode() if isinstance(secret, str) else secret
    except (ValueError, TypeError):
        pass
    digest = hashlib.sha256(f"nuanxin-field-key:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=8)
def _fernet_for(keys):
    if not keys:
        raise ImproperlyConfigured("NUANXIN_FIELD_ENCRYPTION_KEYS must hold at least one key.")
    return MultiFernet([Fernet(_derive_key(key)) for key in keys])


def fernet():
    return _fernet_for(tuple(settings.NUANXIN_FIELD_ENCRYPTION_KEYS))


def encrypt(value):
    if value in (None, ""):
        return value
    return fernet().encrypt(str(value).encode()).decode()


def decrypt(token):
    if token in (None, ""):
        return token
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any key in NUANXIN_FIELD_ENCRYPTION_KEYS."
        ) from exc


def rotate(token):
    """Re-encrypt a stored token with the newest key (old keys must still be configured)."""
    if token in (None, ""):
        return token
    return fernet().rotate(token.encode()).decode()


def lookup_hash(value):
    """A keyed hash for equality look-ups of a normalized value, or "" for an empty one."""
    if not value:
        return ""
    key = settings.NUANXIN_LOOKUP_HASH_KEY.encode()
    return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()


def mask_phone(phone):
    """13800138000 → 138****8000."""
    if not phone:
        return ""
    phone = str(phone)
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(id_number):
    """110101199003077777 → 110***********7777 (region visible, birth date hidden)."""
    if not id_number:
        return ""
    id_number = str(id_number)
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the clear value.

    It cannot be filtered or ordered on: look rows up through a separate `lookup_hash` column.
    """

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value)

    def get_db_prep_save(self, value, connection):
        return self.get_prep_value(value)
