"""Who may download service cards and manuals.

Staff of the area (city, district and street staff, stewards) — the card of any street or
community in their subtree; a superuser — any. Everyone else, and an area outside the actor's
subtree, gets 404 (as if the area did not exist).
"""

from nuanxin.accounts.models import Role
from nuanxin.areas.models import Area
from nuanxin.core.errors import NotFound
from nuanxin.core.permissions import is_superuser

CARD_ROLES = {Role.CITY_STAFF, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.STEWARD}
CARD_LEVELS = (Area.Level.STREET, Area.Level.COMMUNITY)


def may_download_cards(actor):
    if is_superuser(actor):
        return True
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in CARD_ROLES
        and actor.area_id is not None
    )


def card_area_scope(actor):
    """The streets and communities whose cards `actor` may download."""
    queryset = Area.objects.filter(level__in=CARD_LEVELS)
    if not may_download_cards(actor):
        return queryset.none()
    return _subtree(actor, queryset)


def _subtree(actor, queryset):
    if is_superuser(actor):
        return queryset
    return queryset.filter(path__startswith=actor.area.path)


def card_area_get(*, actor, code, levels=CARD_LEVELS):
    """The area with `code` if `actor` may download its card (manual: `levels=(STREET,)`), else NotFound."""
    area = card_area_scope(actor).filter(code=code, level__in=levels).first()
    if area is None:
        raise NotFound()
    return area
