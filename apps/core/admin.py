from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.models import AuditLog


class ReadOnlyAdminMixin:
    """An admin page that only reads: its rows are written by the app's services (and audited there), never
    added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The trail is append-only: nobody adds, edits or deletes an entry from the admin."""

    list_display = ["created_at", "actor_name", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_name", "action", "target_repr", "target_id"]
    date_hierarchy = "created_at"
    list_select_related = ["target_type"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditLog]:
        from apps.accounts.selectors import audit_scope

        return audit_scope(super().get_queryset(request), user=request.user)
