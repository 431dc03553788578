"""The signed token a station's QR poster carries.

The token is the poster's public id signed with the site's secret (`django.core.signing`, salt
"nuanxin.care.poster"): a forged or altered token fails the signature. The poster row itself says
whether the token still works: revoked posters and posters past `expires_at` are refused.
"""

import uuid

from django.core import signing

SALT = "nuanxin.care.poster"


def poster_token(poster):
    return signing.Signer(salt=SALT).sign(poster.public_id.hex)


def poster_public_id(token):
    """The poster id inside a genuine token, or None for a forged, altered or malformed one."""
    try:
        value = signing.Signer(salt=SALT).unsign(str(token or ""))
        return uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError):
        return None
