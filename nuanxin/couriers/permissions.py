"""Who may act as a courier, and the consent gate.

`require_courier(request)` is the one way an API handler or a mobile view gets "the courier who is
asking". It refuses anonymous users (401), non-couriers and deleted accounts (403), and — unless
`consent_optional=True` — couriers who have not consented to the newest privacy notice (403 with
code "consent_required"), so a new notice version is asked for again before anything else.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError, PermissionDenied

from .models import Consent, PrivacyNotice

NOT_A_COURIER = _("This account is not a courier account.")
CONSENT_REQUIRED = _("Please read and accept the current privacy notice first.")
SIGN_IN_REQUIRED = _("Please sign in first.")


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class ConsentRequired(DomainError):
    status_code = 403
    code = "consent_required"


def current_privacy_notice():
    """The newest notice already published (one scheduled for later is not asked for yet)."""
    return PrivacyNotice.objects.filter(published_at__lte=timezone.now()).order_by("-published_at").first()


def courier_has_current_consent(profile):
    notice = current_privacy_notice()
    if notice is None:
        return True
    return Consent.objects.filter(courier=profile, notice=notice).exists()


def require_courier(request, *, consent_optional=False):
    """The CourierProfile of the signed-in courier, or raise (see the module docstring)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN_REQUIRED)
    profile = getattr(user, "courier_profile", None) if user.is_courier else None
    if profile is None or profile.deleted_at is not None or not user.is_active:
        raise PermissionDenied(NOT_A_COURIER)
    if not consent_optional and not courier_has_current_consent(profile):
        raise ConsentRequired(CONSENT_REQUIRED)
    return profile
