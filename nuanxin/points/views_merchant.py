"""The merchant's counter page of points redemptions, next to the meal pages of nuanxin/merchants:

- `/m/merchant/redemptions/` — "my redemptions": the redeem codes this account's merchants
  confirmed, newest first (time, reward, points, the courier masked as on the scan page), each
  either refunded (when, why) or, within NUANXIN_POINTS_REFUND_HOURS of the confirmation, with a
  cancel form that asks for a reason;
- `POST /m/merchant/redemptions/<id>/refund/` — calls `services.redeem_code_refund` (the same as
  the API), then back to the list with a confirmation. A refusal (already refunded, too late,
  no reason) shows the service's message on the list with its status; another merchant's code is
  404.

Only merchant accounts (the same guard as the scan pages): not signed in → the merchant sign-in
page; anyone else → 403.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.merchants.views_scan import courier_label, merchant_account_required

from . import selectors, services

LIST_SIZE = 50


def _rows(actor, *, at):
    window = services.refund_window()
    codes = list(selectors.redemption_list_for_merchant_account(actor=actor)[:LIST_SIZE])
    for code in codes:
        code.courier_label = courier_label(code.courier)
        code.points = -code.entry.points if code.entry_id else code.reward.points_price
        code.refund_until = code.redeemed_at + window
        code.is_refundable = code.refunded_at is None and at <= code.refund_until
    return codes


def _page(request, *, refused=None, refunded=None, status=200):
    at = timezone.now()
    return render(
        request,
        "points/merchant/redemptions.html",
        {
            "codes": _rows(request.user, at=at),
            "refund_hours": int(services.refund_window().total_seconds() // 3600),
            "refused": refused,
            "refunded": refunded,
        },
        status=status,
    )


@require_GET
@merchant_account_required
def redemption_list(request):
    refunded = None
    if request.GET.get("refunded"):
        try:
            refunded = selectors.merchant_redemption_get(
                actor=request.user, public_id=request.GET["refunded"]
            )
        except NotFound:
            refunded = None
    if refunded is not None and refunded.refunded_at is not None:
        refunded.points = -refunded.entry.points
    else:
        refunded = None
    return _page(request, refunded=refunded)


@require_POST
@merchant_account_required
def redemption_refund(request, public_id):
    try:
        code = selectors.merchant_redemption_get(actor=request.user, public_id=public_id)
    except NotFound:
        raise Http404() from None
    try:
        services.redeem_code_refund(actor=request.user, code=code, reason=request.POST.get("reason", ""))
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        status = 400 if isinstance(error, ValidationFailed) else error.status_code
        return _page(
            request, refused={"code": code, "message": error.text(), "error": error.code}, status=status
        )
    return redirect(f"{reverse('mobile_points:merchant_redemptions')}?refunded={code.public_id}")
