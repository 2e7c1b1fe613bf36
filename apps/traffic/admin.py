from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.traffic.models import RoadSegment, TrafficIncident, TrafficReading, TrafficSensor


@admin.register(RoadSegment)
class RoadSegmentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "road_class", "free_flow_kmh", "region"]
    list_filter = ["road_class"]
    search_fields = ["code", "name_zh", "name_en"]
    date_hierarchy = "created_at"
    raw_id_fields = ["region"]


@admin.register(TrafficSensor)
class TrafficSensorAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "kind", "segment", "source", "region", "lon", "lat"]
    list_filter = ["kind", "source"]
    search_fields = ["code", "segment__code", "segment__name_zh"]
    date_hierarchy = "created_at"
    raw_id_fields = ["segment", "region"]


@admin.register(TrafficReading)
class TrafficReadingAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["sensor", "observed_at", "speed_kmh", "volume", "occupancy"]
    list_filter = ["sensor__source"]
    search_fields = ["sensor__code"]
    date_hierarchy = "observed_at"
    list_select_related = ["sensor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # readings arrive through the ingest API


@admin.register(TrafficIncident)
class TrafficIncidentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["reported_at", "kind", "severity", "status", "source", "segment", "region"]
    list_filter = ["status", "kind", "source", "severity"]
    search_fields = ["description", "segment__code", "segment__name_zh", "region__name_zh"]
    date_hierarchy = "reported_at"
    list_select_related = ["segment", "region"]
    raw_id_fields = ["segment", "region"]
    readonly_fields = ["reported_at", "confirmed_at", "cleared_at", "verification_alert", "created_at", "updated_at"]
