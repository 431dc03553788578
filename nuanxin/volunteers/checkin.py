"""The signed QR code posted at a shift's place, and the distance rule for position check-in.

    token = shift_check_in_token(shift)     # the signed code of the shift
    path = shift_check_in_path(shift)       # /m/volunteer/shifts/<id>/check-in/?token=<token>:
                                            # printed (absolute) as the poster's QR code
    shift_check_in_read(token, shift=shift) # raises CheckInCodeInvalid unless it names this shift
    shift_public_hex_from_token(token)      # the shift a genuine token names, or None (the scanner)

The token is `django.core.signing` output (HMAC with SECRET_KEY and a salt of its own): it names the
shift's public id only and expires when the shift ends plus a grace period.

Positions reach the server in WGS-84 or GCJ-02 (WeChat's `wx.getLocation({type: "gcj02"})`, Chinese
map SDKs); `position_to_wgs84` converts with the stations' converter before the distance rule.
"""

import datetime
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.stations.geo import CRS_CHOICES, haversine_m, to_wgs84

SALT = "nuanxin.volunteers.shift-check-in"
GRACE = datetime.timedelta(hours=2)

CODE_INVALID = _("This check-in code is not valid for this shift: it is forged, altered or expired.")
CRS_UNKNOWN = _("Choose wgs84 or gcj02.")


class CheckInCodeInvalid(DomainError):
    status_code = 400
    code = "check_in_code_invalid"


def shift_check_in_token(shift):
    expires = int((shift.ends_at + GRACE).timestamp())
    return signing.dumps({"s": shift.public_id.hex, "x": expires}, salt=SALT)


def shift_check_in_path(shift):
    """The site-relative address the poster's QR code carries (make it absolute for printing)."""
    path = reverse("volunteers:shift_check_in", args=[shift.public_id])
    return f"{path}?{urlencode({'token': shift_check_in_token(shift)})}"


def shift_public_hex_from_token(token):
    """The shift a genuinely signed token names (expired or not), or None. Only tells where to go:
    the check-in itself still reads the token against the shift with `shift_check_in_read`."""
    try:
        return str(signing.loads((token or "").strip(), salt=SALT)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


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


def position_to_wgs84(latitude, longitude, crs="wgs84"):
    """(latitude, longitude) given in `crs` as WGS-84; None stays None (the service asks for it).

    Raises ValidationFailed (field `crs`) for an unknown coordinate system."""
    crs = crs or "wgs84"
    if crs not in CRS_CHOICES:
        raise ValidationFailed({"crs": [CRS_UNKNOWN]})
    if latitude is None or longitude is None:
        return latitude, longitude
    return to_wgs84(float(latitude), float(longitude), crs)
