from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.ingest.models import FeedMinute, IngestToken


@admin.register(IngestToken)
class IngestTokenAdmin(admin.ModelAdmin):
    list_display = ["source", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["source", "revoked_at"]
    search_fields = ["name", "prefix", "source__code"]
    date_hierarchy = "created_at"
    readonly_fields = ["source", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["source", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with `manage.py create_ingest_token`, which shows the token once

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[IngestToken]) -> None:
        queryset.filter(revoked_at=None).update(revoked_at=timezone.now())


@admin.register(FeedMinute)
class FeedMinuteAdmin(admin.ModelAdmin):
    """Minutes stored by ingest and not yet folded into the live spine: normally empty within a second.
    A list that stays long means a feed's aggregation fails (see the server log)."""

    list_display = ["feed", "minute"]
    list_filter = ["feed"]
    date_hierarchy = "minute"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FeedMinute | None = None) -> bool:
        return False
