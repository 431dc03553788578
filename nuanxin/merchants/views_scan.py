"""The merchant's counter pages (/m/merchant/…), in the session-authenticated mobile site.

- `/m/merchant/` — today's confirmed meals of the merchants this account belongs to;
- `/m/merchant/scan/` — a token field (a USB/Bluetooth scanner "types" the QR's text into it and
  presses Enter) and, where the browser has `BarcodeDetector`, a camera button (static/js/scan.js).
  The form POSTs to the same service as the API (`services.meal_code_confirm`): a big green
  confirmation, or the service's translated refusal (forged, expired, already used, another
  merchant's offer) with nothing changed.

Only merchant accounts (role "merchant") may open these pages: not signed in → `/m/merchant/login/`
(username and password; merchant accounts are not back-office staff, so the admin's sign-in page
would refuse them); anyone else → 403.

An htmx POST gets only the result fragment (`scan.html#result`): 200 when confirmed, 400 when
refused (the site's htmx config swaps 400s). A plain POST gets the whole page with the refusal's
own status (403 another merchant, 409 used, 410 expired, 422 forged).
"""

import datetime
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from nuanxin.core.errors import DomainError

from . import selectors, services
from .permissions import is_merchant_account

TOKEN_MAX_LENGTH = 300
NOT_A_MERCHANT_PAGE = _("These pages are for partner-merchant accounts.")
TOKEN_LABEL = _("Meal code")
TOKEN_HELP = _("Scan the courier's QR code, or type the code under it.")


class TokenForm(forms.Form):
    token = forms.CharField(label=TOKEN_LABEL, help_text=TOKEN_HELP, max_length=TOKEN_MAX_LENGTH)


def merchant_account_required(view):
    """Signed in (else → sign-in page) as a merchant account (else 403)."""

    @login_required(login_url="merchant_scan:login")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_merchant_account(request.user):
            raise DjangoPermissionDenied(str(NOT_A_MERCHANT_PAGE))
        return view(request, *args, **kwargs)

    return wrapper


def is_htmx(request):
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def mask_name(name):
    """张三丰 → 张**: enough for the counter to greet the courier, no more."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def courier_label(courier):
    """The courier as the merchant sees them: masked name and masked phone."""
    return " · ".join(part for part in (mask_name(courier.name), courier.phone_masked) if part)


def _yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def _today_start():
    now = timezone.localtime()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def todays_meals(actor):
    start = _today_start()
    return (
        selectors.meal_code_list_for_merchant_account(actor=actor)
        .filter(redeemed_at__gte=start, redeemed_at__lt=start + datetime.timedelta(days=1))
        .select_related("offer__merchant", "courier")
        .distinct()
    )


@require_GET
@merchant_account_required
def merchant_home(request):
    meals = list(todays_meals(request.user))
    for meal in meals:
        meal.courier_label = courier_label(meal.courier)
    return render(
        request,
        "merchants/scan/home.html",
        {
            "meals": meals,
            "total_yuan": _yuan(sum(meal.offer.price_fen for meal in meals)),
            "merchants": list(request.user.merchants.filter(is_active=True).order_by("name")),
        },
    )


def _confirm(actor, token):
    """Confirm what the counter scanned: a meal code, or a points redeem code (the points app's
    `NXP1.` codes, confirmed by the same merchant accounts). Raises the services' DomainErrors."""
    from nuanxin.points import codes as points_codes
    from nuanxin.points.services import redeem_code_confirm

    if token.startswith(points_codes.PREFIX + "."):
        code = redeem_code_confirm(actor=actor, token=token)
        return {
            "ok": True,
            "reward": code.reward,
            "merchant": code.reward.merchant,
            "courier_label": courier_label(code.courier),
            "confirmed_at": code.redeemed_at,
        }
    code = services.meal_code_confirm(actor=actor, token=token)
    return {
        "ok": True,
        "offer": code.offer,
        "merchant": code.offer.merchant,
        "courier_label": courier_label(code.courier),
        "confirmed_at": code.redeemed_at,
    }


@require_http_methods(["GET", "POST"])
@merchant_account_required
def merchant_scan(request):
    result, status = None, 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if not form.is_valid():
            result = {"ok": False, "code": "invalid", "message": form.errors["token"][0]}
            status = 400
        else:
            try:
                result = _confirm(request.user, form.cleaned_data["token"])
            except DomainError as error:
                result = {"ok": False, "code": error.code, "message": error.text()}
                status = error.status_code
        form = TokenForm()  # the field is emptied for the next scan
    else:
        form = TokenForm()
    context = {"form": form, "result": result, "today_count": todays_meals(request.user).count()}
    if is_htmx(request) and request.method == "POST":
        return render(
            request, "merchants/scan/scan.html#result", context, status=200 if result["ok"] else 400
        )
    return render(request, "merchants/scan/scan.html", context, status=status)


class MerchantLoginView(LoginView):
    """Username and password sign-in on the phone; then the page asked for, or today's meals."""

    template_name = "merchants/scan/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return self.get_redirect_url() or reverse("merchant_scan:home")


merchant_login = MerchantLoginView.as_view()
