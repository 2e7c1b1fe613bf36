from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.healthcare.models import CapacitySnapshot, Facility, FeverDay
from apps.healthcare.services import facility_register


@admin.register(Facility)
class FacilityAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "beds", "icu_beds", "emergency", "fever_clinic", "region"]
    list_filter = ["kind", "emergency", "fever_clinic", "source"]
    search_fields = ["code", "name_zh", "name_en", "address"]
    raw_id_fields = ["region"]

    def save_model(self, request: HttpRequest, obj: Facility, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        facility_register(facility=obj)


class _ReadOnlyAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_select_related = ["facility"]
    search_fields = ["facility__code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # snapshots arrive through the ingest API; days are kept by the tick

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CapacitySnapshot)
class CapacitySnapshotAdmin(_ReadOnlyAdmin):
    list_display = ["facility", "observed_at", "beds_occupied", "icu_occupied", "er_waiting", "er_wait_minutes",
                    "fever_clinic_visits"]  # fmt: skip
    list_filter = ["facility__source", "facility__kind"]
    date_hierarchy = "observed_at"


@admin.register(FeverDay)
class FeverDayAdmin(_ReadOnlyAdmin):
    list_display = ["facility", "day", "visits"]
    date_hierarchy = "day"
