"""Public warnings and their CAP messages in the admin: read-only (decisions are made on the approvers' page,
messages never change), narrowed to the user's regions like every other surface."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.warnings.models import CapMessage, PublicWarning


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a published warning is part of the public record

    @admin.display(description=_("Headline"))
    def headline_shown(self, obj: Any) -> str:
        return str(obj.headline)


@admin.register(PublicWarning)
class PublicWarningAdmin(RegionScopedAdminMixin, _ReadOnly):
    list_display = ["headline_shown", "region", "indicator", "state", "level", "created_at", "decided_at"]
    list_filter = ["state", "indicator"]
    search_fields = ["headline_zh", "headline_en", "region__name_zh", "region__name_en"]
    date_hierarchy = "created_at"
    list_select_related = ["region"]


@admin.register(CapMessage)
class CapMessageAdmin(RegionScopedAdminMixin, _ReadOnly):
    list_display = ["identifier", "msg_type", "status", "severity", "sent", "headline_shown"]
    list_filter = ["msg_type", "status", "severity"]
    search_fields = ["identifier", "headline_zh", "headline_en"]
    date_hierarchy = "sent"
