"""The working calendar (China's holidays and make-up working days, year by year), the deadline policies of
reports, alerts and field assignments with their escalation ladders, and each running clock with its steps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel


class CalendarYear(BaseModel):
    """One year's arrangement of holidays and make-up working days, as the State Council announced it. A year
    without one counts Monday to Friday as working days, and deadlines that fall in it are provisional."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        ANNOUNCEMENT = "announcement", _("entered from the announcement")

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.ANNOUNCEMENT)
    notice = models.CharField(
        _("announcement"), max_length=200, blank=True,
        help_text=_("The notice it comes from, e.g. 国办发明电〔2025〕7号."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A date that is not what its weekday says: a holiday on a weekday, or a weekend day worked (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday (no work)")
        WORKDAY = "workday", _("make-up working day (调休上班)")

    year = models.ForeignKey(CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    @property
    def name(self) -> str:
        return localized(self)

    def clean(self) -> None:
        year = _parent(self, "year")  # the admin's inline sets it before the year is saved
        if self.date and year is not None and year.year and self.date.year != year.year:
            raise ValidationError({"date": _("this date is not in %(year)s") % {"year": year.year}})
        if self.date and self.kind == self.Kind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError({"kind": _("a make-up working day is a Saturday or a Sunday worked")})


def _parent(obj: models.Model, field: str) -> Any:
    try:
        return getattr(obj, field)
    except ObjectDoesNotExist:
        return None


class Unit(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


# The longest time a policy may give, per unit: about a year. Beyond it the input is a mistake, and a clock that
# long could not be counted on the calendar (apps/deadlines/calendar.py, MAX_DAYS).
UNIT_MAX = {Unit.CALENDAR_HOURS: 8760, Unit.WORKING_HOURS: 2000, Unit.WORKING_DAYS: 250}


class DeadlinePolicy(BaseModel):
    """How long a kind of work may take, and who is told as it runs late. One policy per report category, per
    alert kind and severity (blank: any severity), or per assignment kind; the most specific one applies."""

    class Subject(models.TextChoices):
        GRIEVANCE = "grievance", _("citizen report")
        ALERT = "alert", _("alert")
        ASSIGNMENT = "assignment", _("field assignment")

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    subject = models.CharField(_("applies to"), max_length=12, choices=Subject.choices)
    category = models.ForeignKey(
        "grievances.Category", verbose_name=_("report category"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text=_("Reports only: blank is every category without its own policy."),
    )  # fmt: skip
    alert_kind = models.CharField(_("alert kind"), max_length=32, blank=True)
    severity = models.CharField(_("alert severity"), max_length=16, blank=True)
    assignment_kind = models.CharField(_("assignment kind"), max_length=12, blank=True)
    response_amount = models.DecimalField(
        _("response within"), max_digits=6, decimal_places=1, null=True, blank=True,
        help_text=_("Accepted (reports) or acknowledged (alerts) within this; blank: no response deadline."),
    )  # fmt: skip
    response_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.WORKING_HOURS)
    completion_amount = models.DecimalField(_("completed within"), max_digits=6, decimal_places=1)
    completion_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.WORKING_DAYS)
    pauses_for_citizen = models.BooleanField(
        _("clock stops while waiting for the citizen"), default=False,
        help_text=_("Reports only: while the department waits for the citizen's answer, the time does not count."),
    )  # fmt: skip

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for amount_field, unit_field in (
            ("completion_amount", "completion_unit"),
            ("response_amount", "response_unit"),
        ):
            amount, unit = getattr(self, amount_field), getattr(self, unit_field)
            if amount is None:
                continue
            if amount <= 0:
                errors[amount_field] = str(_("must be more than 0"))
            elif unit in UNIT_MAX and amount > UNIT_MAX[unit]:
                errors[amount_field] = _("at most %(n)s %(unit)s") % {"n": UNIT_MAX[unit], "unit": Unit(unit).label}
        same_unit = self.response_unit == self.completion_unit
        if not errors and self.response_amount and same_unit and self.response_amount > self.completion_amount:
            errors["response_amount"] = str(_("the response cannot take longer than the completion"))
        if errors:
            raise ValidationError(errors)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["subject", "name_zh"]
        constraints = [
            # one policy per thing it applies to (NULL categories compare unequal: the condition covers them)
            models.UniqueConstraint(
                fields=["subject", "category", "alert_kind", "severity", "assignment_kind"],
                name="deadline_policy_one_per_target",
            ),
            models.UniqueConstraint(
                fields=["subject", "alert_kind", "severity", "assignment_kind"],
                condition=Q(category__isnull=True),
                name="deadline_policy_one_default",
            ),
            models.CheckConstraint(
                condition=Q(completion_amount__gt=0),
                name="deadline_policy_completion_positive",
                violation_error_message=_("the completion time must be more than 0"),
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class EscalationStep(models.Model):
    """One rung of a policy's ladder: at `percent` of the response or completion time, do what it says."""

    class Clock(models.TextChoices):
        RESPONSE = "response", _("response time")
        COMPLETION = "completion", _("completion time")

    class Action(models.TextChoices):
        REMIND_ASSIGNEE = "remind_assignee", _("remind the assignee")
        NOTIFY_HEAD = "notify_head", _("notify the department head")
        RAISE_ALERT = "raise_alert", _("raise the wall alert")
        NOTIFY_COMMAND = "notify_command", _("notify the district command center")

    policy = models.ForeignKey(DeadlinePolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps")
    clock = models.CharField(_("of the"), max_length=12, choices=Clock.choices, default=Clock.COMPLETION)
    percent = models.PositiveSmallIntegerField(_("percentage of the time"))
    remind_assignee = models.BooleanField(Action.REMIND_ASSIGNEE.label, default=False)
    notify_head = models.BooleanField(Action.NOTIFY_HEAD.label, default=False)
    raise_alert = models.BooleanField(Action.RAISE_ALERT.label, default=False)
    notify_command = models.BooleanField(Action.NOTIFY_COMMAND.label, default=False)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["clock", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "clock", "percent"],
                name="escalation_step_unique",
                violation_error_message=_("this policy already has a step at this percentage of this time"),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=1, percent__lte=1000),
                name="escalation_step_percent",
                violation_error_message=_("the percentage must be from 1 to 1000"),
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.percent}% {self.get_clock_display()}"

    @property
    def actions(self) -> list[str]:
        return [action for action in self.Action.values if getattr(self, action)]

    def clean(self) -> None:
        if not self.actions:
            raise ValidationError(_("choose at least one thing to do at this step"))
        policy = _parent(self, "policy")  # the admin's inline sets it before the policy is saved
        if policy is None:
            return
        if self.raise_alert and policy.subject != DeadlinePolicy.Subject.GRIEVANCE:
            raise ValidationError({"raise_alert": _("only a citizen report raises a wall alert when it runs late")})
        if self.clock == self.Clock.RESPONSE and not policy.response_amount:
            raise ValidationError({"clock": _("the policy has no response time for this step to count from")})


class Deadline(BaseModel):
    """The running clock of one report, alert or assignment. Time is counted in working seconds of the policy's
    unit (calendar seconds for calendar hours): `consumed_s` before the last pause, and since `running_since`
    while it runs. `due_at` is when the completion time runs out as things stand."""

    subject = models.CharField(_("applies to"), max_length=12, choices=DeadlinePolicy.Subject.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    policy = models.ForeignKey(
        DeadlinePolicy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    budget_s = models.FloatField(_("completion time (working seconds)"))
    response_budget_s = models.FloatField(_("response time (working seconds)"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    consumed_s = models.FloatField(_("time used before the last pause (working seconds)"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"), default=False,
        help_text=_("Counted over a year whose holidays are not announced yet (Monday to Friday assumed)."),
    )  # fmt: skip
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "object_id"], name="deadline_one_per_object"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.object_id}"


class DeadlineStep(models.Model):
    """One ladder step of one clock: when it falls due, and when it ran. A step runs exactly once: the run that
    sets `ran_at` does the step's work in the same transaction, so a run that dies leaves it to the next."""

    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="steps")
    clock = models.CharField(_("of the"), max_length=12, choices=EscalationStep.Clock.choices)
    percent = models.PositiveSmallIntegerField(_("percentage of the time"))
    actions = models.JSONField(_("actions"), default=list)  # EscalationStep.Action values, kept as they were
    fire_at = models.DateTimeField(_("falls due at"), null=True, blank=True)
    ran_at = models.DateTimeField(_("ran at"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        verbose_name = _("deadline step")
        verbose_name_plural = _("deadline steps")
        ordering = ["fire_at"]
        constraints = [models.UniqueConstraint(fields=["deadline", "clock", "percent"], name="deadline_step_once")]
        # the sweep's question: steps not run whose time has come
        indexes = [models.Index(fields=["ran_at", "fire_at"], name="deadline_step_due_idx")]

    def __str__(self) -> str:
        return f"{self.deadline} {self.percent}% {self.clock}"


def working_hours_text() -> str:
    start, end = settings.CITYOPS_WORKING_HOURS
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
