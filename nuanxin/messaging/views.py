"""The courier's inbox page (/m/inbox/): messages newest first, unread ones marked.

"Mark read" is an htmx POST that swaps the one message for its read version (without htmx the same
form posts and comes back to the list). Opening a message that links somewhere (a reply to a need
or a letter) marks it read and follows the link.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from nuanxin.core.errors import NotFound
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services

PAGE_SIZE = 50


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


@courier_login_required
def inbox(request):
    courier = request.courier
    inbox_messages = list(selectors.inbox_list(courier=courier)[:PAGE_SIZE])
    return render(
        request,
        "messaging/pages/inbox.html",
        {
            "inbox_messages": inbox_messages,
            "unread_count": selectors.inbox_unread_count(courier=courier),
            "active_tab": "inbox",
        },
    )


def _mark(request, public_id):
    try:
        return services.inbox_message_mark_read(courier=request.courier, public_id=public_id)
    except NotFound:
        raise Http404() from None


@courier_login_required
@require_POST
def inbox_read(request, public_id):
    message = _mark(request, public_id)
    if _is_htmx(request):
        response = render(request, "messaging/pages/inbox.html#message", {"message": message})
        response["HX-Trigger"] = "inbox-changed"
        return response
    return redirect("mobile_needs:inbox")


@courier_login_required
@require_POST
def inbox_read_all(request):
    services.inbox_mark_all_read(courier=request.courier)
    return redirect("mobile_needs:inbox")


@courier_login_required
def inbox_open(request, public_id):
    """Mark a message read and follow its link (only links into this site are followed)."""
    message = _mark(request, public_id)
    target = message.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(f"{reverse('mobile_needs:inbox')}#m-{message.public_id}")


@courier_login_required
def inbox_unread_badge(request):
    """The unread count alone (htmx refreshes the heading's badge after a mark-read)."""
    return render(
        request,
        "messaging/pages/inbox.html#unread",
        {"unread_count": selectors.inbox_unread_count(courier=request.courier)},
    )
