from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Field, QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.regions.models import Address, Region
from apps.regions.services import address_save
from apps.regions.svg import region_svg


class ParentFilter(admin.SimpleListFilter):
    """Only regions that have children are offered (a plain FK filter would list every community)."""

    title = _("parent")
    parameter_name = "parent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        parents = model_admin.get_queryset(request).filter(children__isnull=False).distinct().order_by("depth", "code")
        return [(r.code, str(r)) for r in parents.defer("geometry", "geometry_simplified")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Region]) -> QuerySet[Region]:
        return queryset.filter(parent__code=self.value()) if self.value() else queryset


@admin.register(Region)
class RegionAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "population_shown", "area_km2", "thumbnail"]
    list_filter = ["level", ParentFilter]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    date_hierarchy = "updated_at"
    ordering = ["depth", "code"]
    readonly_fields = [
        "preview",
        "depth",
        "path",
        "centroid_lon",
        "centroid_lat",
        "bbox",
        "created_at",
        "updated_at",
    ]
    fields = [
        "preview",
        ("code", "level"),
        ("name_zh", "name_en"),
        "parent",
        ("population", "area_km2"),
        ("centroid_lon", "centroid_lat"),
        "bbox",
        ("depth", "path"),
        "geometry",
        ("created_at", "updated_at"),
    ]
    raw_id_fields = ["parent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        return super().get_queryset(request).defer("geometry")

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "population" and formfield is not None:
            # The admin sizes every integer input for five digits (.vIntegerField, 5em): a city's 3600000 was
            # cut to "360000" in view. Its big-integer class is 10em, room for a country's billions.
            formfield.widget.attrs["class"] = "vBigIntegerField"
        return formfield

    @admin.display(description=_("population"), ordering="population")
    def population_shown(self, region: Region) -> str | None:
        """Grouped in thousands in both languages (3,600,000), as the format modules write numbers; None reads as
        the admin's empty value."""
        return None if region.population is None else number_format(region.population, force_grouping=True)

    @admin.display(description=_("shape"))
    def thumbnail(self, region: Region) -> SafeString:
        return region_svg(region.geometry_simplified, size=48)

    @admin.display(description=_("boundary"))
    def preview(self, region: Region) -> SafeString:
        if not region.pk:
            return format_html("<span>{}</span>", _("shown after saving"))
        return region_svg(
            region.geometry_simplified,
            size=320,
            context=region.parent.geometry_simplified if region.parent else None,
        )


@admin.register(Address)
class AddressAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """The imported address list (manage.py import_addresses); an edit here finds the address's region again."""

    list_display = ["text_zh", "text_en", "region", "lon", "lat", "updated_at"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text_zh", "text_en", "region__name_zh", "region__name_en"]
    list_select_related = ["region"]
    date_hierarchy = "updated_at"
    readonly_fields = ["region", "search_text", "created_at", "updated_at"]
    fields = [("text_zh", "text_en"), ("lon", "lat"), "region", "search_text", ("created_at", "updated_at")]

    def save_model(self, request: HttpRequest, obj: Address, form: Any, change: bool) -> None:
        address_save(address=obj, user=request.user)
