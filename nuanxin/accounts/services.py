"""Writes on accounts."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record
from nuanxin.core.errors import DomainError

from .models import STAFF_ROLES, AccessToken, Role, User, hash_token

AREA_REQUIRED = _("A staff account must be bound to an area.")
ROLE_UNKNOWN = _("Unknown role.")

TOKEN_LIFETIME = timedelta(days=30)


@transaction.atomic
def staff_user_create(*, actor, username, password, role, area, display_name="", work_phone=""):
    """Create a staff account bound to `area`.

    Raises DomainError when the role is unknown or the area is missing.
    Side effects: one audit row.
    """
    if role not in Role.values or role == Role.COURIER:
        raise DomainError(ROLE_UNKNOWN, field="role")
    if role in STAFF_ROLES and area is None:
        raise DomainError(AREA_REQUIRED, field="area")
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        area=area,
        display_name=display_name,
        work_phone=work_phone,
        is_staff=True,
    )
    audit_record(actor=actor, action="create", obj=user, area_path=area.path if area else "")
    return user


def access_token_issue(*, user, name="", lifetime=TOKEN_LIFETIME):
    """Issue a bearer token for `user`. Returns (raw_token, token_row); the raw value is shown once."""
    raw = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        token_hash=hash_token(raw),
        name=name,
        expires_at=timezone.now() + lifetime,
    )
    return raw, token


def access_token_authenticate(raw):
    """The active user behind a raw bearer token, or None."""
    token = (
        AccessToken.objects.select_related("user", "user__area")
        .filter(token_hash=hash_token(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
