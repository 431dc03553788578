"""The signed QR code posted at a shift's place, and the distance rule for position check-in.

    token = shift_check_in_token(shift)     # printed as a QR code at the place by the organizer
    shift_check_in_read(token, shift=shift) # raises CheckInCodeInvalid unless it names this shift

The token is `django.core.signing` output (HMAC with SECRET_KEY and a salt of its own): it names the
shift's public id only and expires when the shift ends plus a grace period.
"""

import datetime

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError
from nuanxin.stations.geo import haversine_m

SALT = "nuanxin.volunteers.shift-check-in"
GRACE = datetime.timedelta(hours=2)

CODE_INVALID = _("This check-in code is not valid for this shift: it is forged, altered or expired.")


class CheckInCodeInvalid(DomainError):
    status_code = 400
    code = "check_in_code_invalid"


def shift_check_in_token(shift):
    expires = int((shift.ends_at + GRACE).timestamp())
    return signing.dumps({"s": shift.public_id.hex, "x": expires}, salt=SALT)


def shift_check_in_read(token, *, shift, now=None):
    try:
        payload = signing.loads((token or "").strip(), salt=SALT)
        shift_hex, expires = payload["s"], int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise CheckInCodeInvalid(CODE_INVALID, field="token") from None
    if shift_hex != shift.public_id.hex or (now or timezone.now()).timestamp() > expires:
        raise CheckInCodeInvalid(CODE_INVALID, field="token")


def distance_to_shift_m(shift, latitude, longitude):
    return haversine_m(float(latitude), float(longitude), float(shift.latitude), float(shift.longitude))
