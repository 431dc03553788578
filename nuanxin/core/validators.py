"""Validators for Chinese identifiers: mainland mobile numbers and resident ID numbers (GB 11643)."""

import re
from datetime import date

from django.utils.translation import gettext_lazy as _

PHONE_INVALID = _("Enter a valid mainland mobile number (11 digits starting with 1).")
ID_NUMBER_INVALID = _("Enter a valid 18-character resident ID number.")
ID_NUMBER_CHECKSUM = _("The check digit of this resident ID number is wrong.")

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def normalize_phone(value):
    """'+86 138-0013-8000' → '13800138000', or None when it is not a mainland mobile number."""
    if value is None:
        return None
    digits = re.sub(r"[\s\-()]", "", str(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if _PHONE_RE.match(digits) else None


def id_number_check_char(first17):
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalize_id_number(value):
    """Upper-cased, stripped 18-character ID number, or raise ValueError with a translated message.

    Checks the format, the birth date and the GB 11643 check digit.
    """
    text = str(value or "").strip().upper()
    if not _ID_RE.match(text):
        raise ValueError(ID_NUMBER_INVALID)
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValueError(ID_NUMBER_INVALID) from None
    if id_number_check_char(text[:17]) != text[17]:
        raise ValueError(ID_NUMBER_CHECKSUM)
    return text
