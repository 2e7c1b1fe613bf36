from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.classification import ClassifiedAdminMixin
from apps.grievances.models import Category, CategoryAttribute, Grievance, GrievanceEvent, Open311Key


class CategoryAttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "department", "deadline_hours", "active", "order"]
    list_filter = ["department", "active"]
    search_fields = ["code", "name_zh", "name_en", "keywords"]
    inlines = [CategoryAttributeInline]


class EventInline(admin.TabularInline):
    model = GrievanceEvent
    extra = 0
    readonly_fields = ("created_at", "kind", "public", "actor", "from_status", "to_status", "message")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Grievance)
class GrievanceAdmin(RegionScopedAdminMixin, ClassifiedAdminMixin, admin.ModelAdmin):
    """Reports are handled in the workbench; the admin shows the reporter's contact masked only (reading it in
    clear is the workbench's, with a purpose, logged)."""

    list_display = ["tracking_code", "category", "department", "region", "status", "priority", "due_at", "created_at"]
    list_filter = ["status", "channel", "priority", "department", "category"]
    search_fields = ["tracking_code"]
    readonly_fields = ["tracking_code", "channel", "category", "department", "description", "attributes", "lon",
                       "lat", "address", "region", "status", "assigned_to", "due_at", "accepted_at", "resolved_at",
                       "closed_at", "escalation_level", "escalated_at", "merged_into", "satisfaction",
                       "satisfaction_comment", "reopened_count", "priority"]  # fmt: skip
    inlines = [EventInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Keys are created with `manage.py create_open311_key NAME` (the key is shown once); here they are listed,
    deactivated or deleted."""

    list_display = ["name", "prefix", "active", "last_used_at", "created_at"]
    list_filter = ["active"]
    fields = ["name", "prefix", "active", "last_used_at", "created_at"]
    readonly_fields = ["prefix", "last_used_at", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
