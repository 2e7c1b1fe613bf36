from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.errors import ApplicationError
from apps.indicators.alerting import alert_transition
from apps.indicators.models import Alert, DataSource, IndicatorValue, SourceSensor


@admin.register(IndicatorValue)
class IndicatorValueAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["indicator", "region", "granularity", "bucket_start", "count", "min", "max", "last_value"]
    list_filter = ["granularity", "indicator"]
    search_fields = ["indicator", "region__code", "region__name_zh", "region__name_en"]
    date_hierarchy = "bucket_start"
    list_select_related = ["region"]
    readonly_fields = [f.name for f in IndicatorValue._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rollups come from observations only


@admin.register(Alert)
class AlertAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["opened_at", "title_zh", "kind", "severity", "status", "region", "value", "threshold"]
    list_filter = ["status", "kind", "severity", "indicator"]
    search_fields = ["title_zh", "title_en", "indicator", "subject", "region__code", "region__name_zh"]
    date_hierarchy = "opened_at"
    list_select_related = ["region"]
    readonly_fields = [
        "kind", "indicator", "region", "subject", "value", "threshold", "details", "opened_at", "last_breach_at",
        "acknowledged_at", "acknowledged_by", "verification_requested_at", "verification_requested_by",
        "verified_at", "resolved_at", "resolved_by", "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["acknowledge", "resolve"]

    def _apply(self, request: HttpRequest, queryset: QuerySet[Alert], action: str) -> None:
        done = 0
        for alert in queryset:
            try:
                alert_transition(alert=alert, action=action, user=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{alert}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(count)d alerts updated.") % {"count": done})

    @admin.action(description=_("Acknowledge selected alerts"))
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._apply(request, queryset, "acknowledge")

    @admin.action(description=_("Resolve selected alerts"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._apply(request, queryset, "resolve")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class SourceSensorInline(admin.TabularInline):
    model = SourceSensor
    extra = 0
    fields = ["code", "region", "last_seen", "last_value", "same_value_since", "out_of_range_at"]
    readonly_fields = ["last_seen", "last_value", "same_value_since", "out_of_range_at"]
    raw_id_fields = ["region"]


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "domain", "department", "expected_interval_s"]
    list_filter = ["domain", "department"]
    search_fields = ["code", "name_zh", "name_en"]
    date_hierarchy = "created_at"
    inlines = [SourceSensorInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["created_at", "updated_at"]
