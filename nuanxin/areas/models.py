"""The administrative area tree: city → district → street/town → community/village.

Nodes are keyed by the 12-digit statistical division code (GB/T 2260 for the first six digits).
`path` is the chain of codes from the root, "/120000000000/120101000000/", so a subtree is one
indexed prefix query: `path__startswith=node.path`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        DISTRICT = 3, _("District")
        STREET = 4, _("Street / town")
        COMMUNITY = 5, _("Community / village")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    # Kept in sync by the import service; lets pages print "天津市 和平区 劝业场街道" without joins.
    full_name = models.CharField(_("full name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return self.name

    def is_within(self, other):
        """True when this node is `other` or lies below it."""
        return other is not None and self.path.startswith(other.path)

    @property
    def level_label(self):
        return self.get_level_display()

    def ancestors(self):
        """Root-first list of the nodes above this one (one query)."""
        codes = [code for code in self.path.strip("/").split("/")[:-1] if code]
        by_code = {area.code: area for area in Area.objects.filter(code__in=codes)}
        return [by_code[code] for code in codes if code in by_code]
