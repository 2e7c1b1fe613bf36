from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.classification import ClassifiedAdminMixin
from apps.fieldwork.models import Assignment, Finding, Flag, Visit


@admin.register(Assignment)
class AssignmentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "title_zh", "region", "assignee", "status", "due_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["alert", "grievance", "recheck_of", "region", "assignee", "created_by"]


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    raw_id_fields = ["alert", "grievance"]


class FlagInline(admin.TabularInline):
    model = Flag
    extra = 0


@admin.register(Visit)
class VisitAdmin(RegionScopedAdminMixin, ClassifiedAdminMixin, admin.ModelAdmin):
    """Visits come from officers' devices; here they are read (reviews happen in the review queue). Check-in
    positions (a location track) and contacts of people met are shown masked (apps/fieldwork/classification.py)."""

    list_display = ["uuid", "officer", "assignment", "region", "started_at", "status"]
    list_filter = ["status"]
    inlines = [FindingInline, FlagInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
