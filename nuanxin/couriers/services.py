"""Writes on couriers. (Profile, consent, export and deletion services are added here too.)"""

import uuid

from django.db import IntegrityError, transaction

from nuanxin.accounts.models import Role, User
from nuanxin.core.crypto import lookup_hash, mask_phone

from .models import CourierProfile


def courier_find_by_phone(phone):
    """The live courier with this (normalized) phone, or None. Uses the keyed hash; decrypts nothing."""
    return (
        CourierProfile.objects.select_related("user")
        .filter(phone_hash=lookup_hash(phone), deleted_at__isnull=True)
        .first()
    )


def courier_get_or_create_by_phone(*, phone, source="self"):
    """Return (profile, created) for a normalized mainland phone number.

    A new courier gets a User with role courier and an unusable password; registration (name,
    company, consent…) is completed later. Safe under concurrent calls for the same phone: the
    unique constraint on phone_hash decides, and the loser reads the winner's row.
    """
    existing = courier_find_by_phone(phone)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            user = User(username=f"courier-{uuid.uuid4().hex[:20]}", role=Role.COURIER, is_staff=False)
            user.set_unusable_password()
            user.save()
            profile = CourierProfile.objects.create(
                user=user,
                phone=phone,
                phone_hash=lookup_hash(phone),
                phone_masked=mask_phone(phone),
                source=source,
            )
    except IntegrityError:
        existing = courier_find_by_phone(phone)
        if existing is None:
            raise
        return existing, False
    return profile, True
