from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.classification import ClassifiedAdminMixin
from apps.fieldwork.models import Assignment, Finding, Flag, Visit
from apps.fieldwork.selectors import flags_for_viewer


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
    """Read only, the evidence through the viewer's scope (another district's visit it names is not named)."""

    model = Flag
    extra = 0
    fields = readonly_fields = ("code", "evidence_shown")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._viewer = request.user  # the admin builds one inline per request; the column reads it
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("evidence"))
    def evidence_shown(self, flag: Flag) -> str:
        [shown] = flags_for_viewer(flags=[flag], user=getattr(self, "_viewer", None))
        return json.dumps(shown["evidence"], ensure_ascii=False)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(RegionScopedAdminMixin, ClassifiedAdminMixin, admin.ModelAdmin):
    """Visits come from officers' devices; here they are read (reviews happen in the review queue). Check-in
    positions (a location track) and contacts of people met are shown masked (apps/fieldwork/classification.py)."""

    # Linked by what it is (number and local start); the device's UUID is on its page.
    list_display = ["__str__", "officer", "assignment", "region", "started_at", "status"]
    list_filter = ["status"]
    list_select_related = ["officer", "assignment", "region"]
    # Officer by user name or name, region by code or name, the assignment by its title in either language.
    search_fields = [
        "officer__username",
        "officer__first_name",
        "officer__last_name",
        "region__code",
        "region__name_zh",
        "region__name_en",
        "assignment__title_zh",
        "assignment__title_en",
    ]
    date_hierarchy = "started_at"
    inlines = [FindingInline, FlagInline]

    @admin.display(description=_("signature"))
    def signature(self, visit: Visit) -> str:
        """ "Signed on device X (registered 12-01), countersigned 12-06 10:42" (apps/evidence)."""
        from apps.evidence.models import VisitSeal
        from apps.evidence.selectors import seal_in_words

        return seal_in_words(VisitSeal.objects.filter(visit=visit).select_related("device").first())

    def get_readonly_fields(self, request: HttpRequest, obj: Visit | None = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "signature"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read only: a visit is what the officer's phone recorded (and signed); reviews happen in the review
        # queue, retention erases through its service. An edit here would stand beside "signed on device X".
        return False
