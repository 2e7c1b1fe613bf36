from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accountability.models import Contest, ContestGroup
from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.classification import ClassifiedAdminMixin, mask_text


class ContestInline(ClassifiedAdminMixin, admin.TabularInline):
    model = Contest
    extra = 0
    # the words masked as they are shown anywhere; the contact and position only masked (never in clear here)
    fields = readonly_fields = ("code", "created_at", "words", "masked_personal_data", "personal_data_erased_at")

    @admin.display(description=_("what they see"))
    def words(self, obj: Contest) -> str:
        return mask_text(obj.text)

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
