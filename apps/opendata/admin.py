from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.opendata.models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Releases are produced by the task and decided on the stewards' page; here they are only read."""

    list_display = ["id", "dataset", "period_start", "period_end", "status", "k", "rows", "suppressed_records",
                    "max_risk", "demo"]  # fmt: skip
    list_filter = ["dataset", "status", "demo"]
    exclude = ["csv_body", "json_body", "geojson_body"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False
