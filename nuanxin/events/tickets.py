"""The courier's QR ticket: a signed token naming one sign-up and when it stops being valid.

    token = ticket_token(signup)              # what the courier's QR code carries
    signup_public_id = ticket_read(token)     # raises TicketInvalid / TicketExpired

The token is `django.core.signing` output (HMAC-SHA256 with SECRET_KEY and a salt of its own), so
it cannot be forged or altered without the key. It expires CHECK_IN_GRACE after the event ends.
It carries no personal data: only the sign-up's public id and the expiry. Re-use is harmless: the
check-in service refuses a second check-in of the same sign-up.
"""

import datetime
import uuid

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError

SALT = "nuanxin.events.ticket"
CHECK_IN_GRACE = datetime.timedelta(hours=6)

TICKET_INVALID = _("This ticket is not valid: it was not issued by Nuanxin or it was altered.")
TICKET_EXPIRED = _("This ticket has expired.")


class TicketInvalid(DomainError):
    status_code = 400
    code = "ticket_invalid"


class TicketExpired(DomainError):
    status_code = 400
    code = "ticket_expired"


def ticket_token(signup, *, expires_at=None):
    """The signed token of `signup`; valid until `expires_at` (default: the event's end + grace)."""
    expires_at = expires_at or (signup.event.ends_at + CHECK_IN_GRACE)
    return signing.dumps({"s": signup.public_id.hex, "x": int(expires_at.timestamp())}, salt=SALT)


def ticket_read(token, *, now=None):
    """The sign-up public id a valid token names. Raises TicketInvalid or TicketExpired (field "token")."""
    try:
        payload = signing.loads((token or "").strip(), salt=SALT)
        signup_id = uuid.UUID(hex=payload["s"])
        expires = int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise TicketInvalid(TICKET_INVALID, field="token") from None
    if (now or timezone.now()).timestamp() > expires:
        raise TicketExpired(TICKET_EXPIRED, field="token")
    return signup_id
