from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel


class Region(BaseModel):
    """An administrative area with its boundary (WGS84 GeoJSON)."""

    scope_region = "id"  # a region is its own, for scope (apps/accounts/selectors.py)

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # 0 city … 3 community; derived from level, stored so "deepest region" is a plain ORDER BY.
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised ancestry "/city/district/…/self/" by code: descendants are one indexed prefix query.
    path = models.CharField(_("path"), max_length=400, editable=False)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS84)"))
    # Simplified per level when the boundary is saved: maps draw this, requests never simplify.
    geometry_simplified = models.JSONField(_("simplified boundary"), editable=False)
    centroid_lon = models.FloatField(_("centroid longitude"))
    centroid_lat = models.FloatField(_("centroid latitude"))
    bbox = models.JSONField(_("bounding box [west, south, east, north]"))

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["depth", "code"]
        permissions = [("import_region", _("Can import region boundaries"))]
        indexes = [
            # Children of a region, and every region of a level (map layers).
            models.Index(fields=["parent", "code"], name="region_parent_idx"),
            models.Index(fields=["level", "code"], name="region_level_idx"),
            # Descendants by path prefix (scoping users to their districts).
            models.Index(fields=["path"], name="region_path_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["city", "district", "street", "community"]),
                name="region_level_valid",
            ),
            models.CheckConstraint(condition=~models.Q(code=""), name="region_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return localized(self)

    @property
    def density(self) -> float | None:
        """Residents per km², where both are known."""
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2


class Address(BaseModel):
    """A street address of an imported address list (门牌地址), at its point: the basemap's search finds it.

    Keyed by its Chinese text: importing a list again updates its point and English text in place
    (manage.py import_addresses)."""

    text_zh = models.CharField(_("address (Chinese)"), max_length=200, unique=True)
    text_en = models.CharField(_("address (English)"), max_length=200, blank=True)
    # Both texts as the search compares them (full-width to half-width, no spaces, case folded), one per line.
    search_text = models.CharField(_("search text"), max_length=410, editable=False)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # The deepest region holding the point when imported; none when it lies outside every region.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="addresses",
    )

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["text_zh"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text_zh=""), name="address_text_not_empty"),
            models.CheckConstraint(
                condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="address_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return localized(self, "text")


LEVEL_DEPTH: dict[str, int] = {level: depth for depth, level in enumerate(Region.Level.values)}
