"""Accounts. Every staff account is bound to one node of the area tree and sees its subtree."""

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.models import BaseModel


class Role(models.TextChoices):
    CITY_STAFF = "city_staff", _("City staff")
    DISTRICT_STAFF = "district_staff", _("District staff")
    STREET_STAFF = "street_staff", _("Street staff")
    STEWARD = "steward", _("Station steward")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    MERCHANT = "merchant", _("Partner merchant")
    COUNSELOR = "counselor", _("Counselor")
    COURIER = "courier", _("Courier")


# Roles that manage the area they are bound to (read and change everything in its subtree).
AREA_MANAGER_ROLES = {Role.CITY_STAFF, Role.DISTRICT_STAFF, Role.STREET_STAFF}
# Roles whose account must be bound to an area node.
STAFF_ROLES = AREA_MANAGER_ROLES | {
    Role.STEWARD,
    Role.DEPARTMENT_HANDLER,
    Role.MERCHANT,
    Role.COUNSELOR,
}


class User(AbstractUser):
    """A person who signs in. `role` and `area` decide what they may see and do."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The area node this account works in; it sees that node and everything below."),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=32, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(role="courier") | models.Q(area__isnull=False),
                name="staff_role_requires_area",
                violation_error_message=_("A staff account must be bound to an area."),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_area_manager(self):
        return self.role in AREA_MANAGER_ROLES

    @property
    def is_courier(self):
        return self.role == Role.COURIER

    @property
    def area_path(self):
        return self.area.path if self.area_id else ""


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class AccessToken(BaseModel):
    """A bearer token for API clients (the mini-program, partner systems). Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self):
        return f"{self.user} · {self.name}"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()
