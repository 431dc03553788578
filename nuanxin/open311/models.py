"""Open311 GeoReport v2: who may post (ApiKey) and what a post brought beyond the report itself.

The report lives in `nuanxin.reports.Report` (source=open311); `Open311Submission` keeps only what
the standard needs on top: the token a client may poll, the client's own media_url, and the
submitter's contact details (encrypted, never shown by the API) so a department can call back.
`device_id` and `account_id` are accepted by the endpoint and not stored.
"""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core.crypto import EncryptedTextField
from nuanxin.core.models import BaseModel


def hash_api_key(raw):
    """Keys are random and long (or public, like the demo key), so a plain SHA-256 is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(BaseModel):
    """An Open311 api_key issued to a department or a partner system. Only the hash is stored."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Who holds the key, e.g. a partner app."))
    department = models.ForeignKey(
        "reports.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open311_keys",
        help_text=_("Empty for a partner system outside the government."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    requests_per_hour = models.PositiveIntegerField(
        _("requests per hour"), default=120, help_text=_("POSTs beyond this in one hour are refused.")
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class Open311Submission(models.Model):
    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, related_name="open311_submission"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(max_length=32, unique=True)
    media_url = models.URLField(max_length=500, blank=True)
    email = EncryptedTextField(blank=True)
    first_name = EncryptedTextField(blank=True)
    last_name = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        indexes = [models.Index(fields=["api_key", "created_at"])]

    def __str__(self):
        return self.token
