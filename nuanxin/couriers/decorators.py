"""`courier_login_required`: the gate of every courier page of the mobile site (/m/…).

    @courier_login_required
    def inbox(request):
        request.courier  # the signed-in courier's CourierProfile

- not signed in (or the account was deleted) → redirect to /m/login/?next=<this page>;
- signed in as someone who is not a courier (staff) → 403;
- signed in, but the newest privacy notice is not consented to → redirect to /m/privacy/?next=…
  (unless the decorator is used as `courier_login_required(consent_optional=True)`, which the
  consent and registration pages themselves use).

It relies on `permissions.require_courier`, the same check the API's /me endpoints use.
"""

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from nuanxin.core.errors import PermissionDenied

from .permissions import ConsentRequired, NotAuthenticated, require_courier

LOGIN_URL_NAME = "mobile_couriers:login"
CONSENT_URL_NAME = "mobile_couriers:privacy"


def _redirect_with_next(url_name, request):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def courier_login_required(view=None, *, consent_optional=False):
    """Decorate a mobile view so that it runs only for a signed-in courier; see the module docstring."""

    def decorator(view_function):
        @wraps(view_function)
        def wrapper(request, *args, **kwargs):
            try:
                request.courier = require_courier(request, consent_optional=consent_optional)
            except NotAuthenticated:
                return _redirect_with_next(LOGIN_URL_NAME, request)
            except ConsentRequired:
                return _redirect_with_next(CONSENT_URL_NAME, request)
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.text()) from error
            return view_function(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
