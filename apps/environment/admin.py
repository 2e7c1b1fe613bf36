from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.environment.models import AirReading, NoiseReading, Station


@admin.register(Station)
class StationAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "zone", "region", "source", "operator"]
    list_filter = ["kind", "zone", "source"]
    search_fields = ["code", "name_zh", "name_en", "operator"]
    raw_id_fields = ["region"]


class _ReadingAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_filter = ["station__source"]
    search_fields = ["station__code"]
    date_hierarchy = "observed_at"
    list_select_related = ["station"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # readings arrive through the ingest API


@admin.register(AirReading)
class AirReadingAdmin(_ReadingAdmin):
    list_display = ["station", "observed_at", "pm25", "pm10", "so2", "no2", "o3", "co"]


@admin.register(NoiseReading)
class NoiseReadingAdmin(_ReadingAdmin):
    list_display = ["station", "observed_at", "leq"]
