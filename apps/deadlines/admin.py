"""The working calendar and the deadline policies in the admin: a new year's arrangement is entered here when
the State Council announces it; policies and their ladders are set per category, alert kind or assignment kind.
Running clocks are read here, never edited (their steps' record is the audit of what was done)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.selectors import RegionScopedAdminMixin
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.audit import log_action
from apps.deadlines.models import CalendarDay, CalendarYear, Deadline, DeadlinePolicy, DeadlineStep, EscalationStep
from apps.deadlines.selectors import calendar_notice
from apps.deadlines.services import deadlines_recount
from apps.fieldwork.models import Assignment
from apps.indicators.models import Alert


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ["date", "kind", "name_zh", "name_en"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "notice", "holiday_count", "workday_count", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CalendarDayInline]

    @admin.display(description=_("holidays"))
    def holiday_count(self, obj: CalendarYear) -> int:
        return obj.days.filter(kind=CalendarDay.Kind.HOLIDAY).count()

    @admin.display(description=_("make-up working days"))
    def workday_count(self, obj: CalendarYear) -> int:
        return obj.days.filter(kind=CalendarDay.Kind.WORKDAY).count()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        notice = calendar_notice()
        if notice:
            messages.warning(request, notice)
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(obj, "deadlines.calendar.save", user=request.user, data={"year": obj.year, "notice": obj.notice})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        recounted = deadlines_recount(years={form.instance.year})  # the days are saved now
        if recounted:
            messages.info(request, ngettext("%(n)d running deadline was counted again with this calendar.",
                                            "%(n)d running deadlines were counted again with this calendar.",
                                            recounted) % {"n": recounted})  # fmt: skip


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 1
    fields = ["clock", "percent", "remind_assignee", "notify_head", "raise_alert", "notify_command"]


class DeadlinePolicyForm(forms.ModelForm):
    alert_kind = forms.ChoiceField(label=_("alert kind"), required=False,
                                   choices=[("", _("any kind")), *Alert.Kind.choices])  # fmt: skip
    severity = forms.ChoiceField(label=_("alert severity"), required=False,
                                 choices=[("", _("any severity")), *Alert.Severity.choices])  # fmt: skip
    assignment_kind = forms.ChoiceField(label=_("assignment kind"), required=False,
                                        choices=[("", _("any kind")), *Assignment.Kind.choices])  # fmt: skip

    class Meta:
        model = DeadlinePolicy
        fields = ["name_zh", "name_en", "subject", "category", "alert_kind", "severity", "assignment_kind",
                  "response_amount", "response_unit", "completion_amount", "completion_unit",
                  "pauses_for_citizen"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subject = data.get("subject")
        wrong = {
            "category": subject != DeadlinePolicy.Subject.GRIEVANCE and data.get("category"),
            "alert_kind": subject != DeadlinePolicy.Subject.ALERT and data.get("alert_kind"),
            "severity": subject != DeadlinePolicy.Subject.ALERT and data.get("severity"),
            "assignment_kind": subject != DeadlinePolicy.Subject.ASSIGNMENT and data.get("assignment_kind"),
            "pauses_for_citizen": subject != DeadlinePolicy.Subject.GRIEVANCE and data.get("pauses_for_citizen"),
        }
        for field, bad in wrong.items():
            if bad:
                self.add_error(field, _("does not apply to this kind of work"))
        return data


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    form = DeadlinePolicyForm
    list_display = ["name_zh", "name_en", "subject", "category", "alert_kind", "severity", "assignment_kind",
                    "response_amount", "response_unit", "completion_amount", "completion_unit",
                    "pauses_for_citizen"]  # fmt: skip
    list_filter = ["subject", "completion_unit"]
    search_fields = ["name_zh", "name_en"]
    inlines = [EscalationStepInline]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: DeadlinePolicy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(obj, "deadlines.policy.save", user=request.user, data={"changed": form.changed_data})


class DeadlineStepInline(admin.TabularInline):
    model = DeadlineStep
    extra = 0
    can_delete = False
    fields = readonly_fields = ("clock", "percent", "actions", "fire_at", "ran_at", "outcome")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deadline)
class DeadlineAdmin(RegionScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "policy", "region", "started_at", "response_due_at", "due_at", "provisional",
                    "paused_at", "responded_at", "stopped_at"]  # fmt: skip
    list_filter = ["subject", "provisional", "unit"]
    date_hierarchy = "due_at"
    list_select_related = ["policy", "region"]
    inlines = [DeadlineStepInline]
