from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accountability.models import Contest, ContestGroup
from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.classification import ClassifiedAdminMixin


class ContestInline(ClassifiedAdminMixin, admin.TabularInline):
    model = Contest
    extra = 0
    fields = readonly_fields = ("code", "created_at", "text", "contact", "personal_data_erased_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ContestGroup)
class ContestGroupAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Contests are taken at /public/ and decided on site; the admin reads them (the contact masked)."""

    list_display = ["kind", "indicator", "region", "grievance", "contestants", "last_contest_at", "sent_at", "alert"]
    list_filter = ["kind", "indicator"]
    date_hierarchy = "last_contest_at"
    raw_id_fields = ["region", "grievance", "alert", "resolution_check"]
    readonly_fields = ["kind", "indicator", "region", "grievance", "contestants", "last_contest_at", "sent_at", "alert",
                       "resolution_check"]  # fmt: skip
    inlines = [ContestInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
