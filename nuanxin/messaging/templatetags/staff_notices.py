"""`{% staff_notice_link %}`: the "Notices" link with the unread count, in the back office's header
(templates/admin/base_site.html). One COUNT query on the (recipient, read_at) index per page, and
only for staff accounts (`permissions.is_staff_account`); nothing for anybody else."""

from django import template

from ..permissions import is_staff_account
from ..selectors import staff_notice_unread_count

register = template.Library()


@register.inclusion_tag("messaging/staff/_notice_link.html", takes_context=True)
def staff_notice_link(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if not is_staff_account(user):
        return {"show": False}
    return {"show": True, "unread_count": staff_notice_unread_count(actor=user)}
