"""The staff notices page (/staff/notices/): work that reached the signed-in staff account.

- `/staff/notices/` — the account's own notices, unread first, then newest, paged;
- `/staff/notices/<id>/open/` — marks the notice read and follows its link (a relative link into
  this site; anything else comes back to the list). Another account's notice is 404, unchanged;
- `/staff/notices/read-all/` (POST) — marks them all read.

Anonymous visitors are sent to the back office's sign-in; couriers and accounts without a staff
role get 403. The views only parse input and render: `selectors` read, `services` write.
"""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from nuanxin.core.errors import NotFound

from . import selectors, services
from .permissions import is_staff_account

PAGE_SIZE = 25
LIST_TITLE = _("Notices")


def _staff(request):
    if not is_staff_account(request.user):
        raise DjangoPermissionDenied
    return request.user


@login_required
@require_GET
def notice_list(request):
    actor = _staff(request)
    paginator = Paginator(selectors.staff_notice_list(actor=actor), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        **admin.site.each_context(request),
        "title": LIST_TITLE,
        "page": page,
        "paginator": paginator,
        "notices": list(page.object_list),
        "unread_count": selectors.staff_notice_unread_count(actor=actor),
    }
    return render(request, "messaging/staff/notices.html", context)


def _is_local(url, request):
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    )


@login_required
@require_GET
def notice_open(request, public_id):
    """Mark the notice read and go to the page of the thing it is about."""
    actor = _staff(request)
    try:
        notice = services.staff_notice_mark_read(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    if notice.url and _is_local(notice.url, request):
        return redirect(notice.url)
    return redirect("staff_notices:list")


@login_required
@require_POST
def notice_read_all(request):
    actor = _staff(request)
    changed = services.staff_notices_mark_all_read(actor=actor)
    text = ngettext("%(count)s notice marked read.", "%(count)s notices marked read.", changed)
    messages.success(request, text % {"count": changed})
    return redirect("staff_notices:list")
