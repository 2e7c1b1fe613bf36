"""Reads of the working calendar and the clocks, for pages, the API, the wall and the admin."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.deadlines.calendar import working_calendar, year_missing_soon
from apps.deadlines.models import CalendarDay, CalendarYear, Deadline, EscalationStep, Unit, working_hours_text


def calendar_notice(*, today: date | None = None, short: bool = False) -> str:
    """What the wall and the admin say while a year's holiday arrangement is missing ("" when none is)."""
    year = year_missing_soon(today=today or timezone.localdate())
    if year is None:
        return ""
    if short:
        return _("%(year)s holidays not in the calendar yet: deadlines in %(year)s are provisional (Monday–Friday)") % {
            "year": year
        }
    return _(
        "The %(year)s holiday arrangement is not in the working calendar yet. Deadlines that reach into %(year)s "
        "count Monday to Friday as working days and are marked provisional. Enter the State Council's "
        "arrangement under Calendar years when it is announced."
    ) % {"year": year}


def calendar_year(*, year: int) -> dict[str, Any]:
    """A year's arrangement as the API shows it: every holiday and make-up working day, and whether the year is
    known at all (if not, the calendar counts Monday to Friday)."""
    row = CalendarYear.objects.filter(year=year).first()
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    calendar = working_calendar()
    first, last = date(year, 1, 1), date(year, 12, 31)
    working = sum(calendar.working_day(first + timedelta(days=n)) for n in range((last - first).days + 1))
    return {
        "year": year,
        "announced": row is not None,
        "source": row.source if row else None,
        "notice": row.notice if row else "",
        "working_hours": working_hours_text(),
        "working_days": working,
        "holidays": [_day(day) for day in days if day.kind == CalendarDay.Kind.HOLIDAY],
        "workdays": [_day(day) for day in days if day.kind == CalendarDay.Kind.WORKDAY],
    }


def _day(day: CalendarDay) -> dict[str, str]:
    return {"date": day.date.isoformat(), "name_zh": day.name_zh, "name_en": day.name_en}


def deadlines_for(*, subject: str, ids: Iterable[int]) -> dict[int, Deadline]:
    """{object id: its clock} for a page's rows, in one query."""
    return {d.object_id: d for d in Deadline.objects.filter(subject=subject, object_id__in=list(ids))}


@dataclass(frozen=True)
class StepView:
    clock: str
    percent: int
    actions: list[str]  # in words, in the page's language
    fire_at: datetime | None
    ran_at: datetime | None


@dataclass(frozen=True)
class DeadlineView:
    """A clock as a desk reads it: under which policy, by when, provisional or paused, and its ladder."""

    policy: str
    terms: str  # "completed within 5 working days; responded to within 4 working hours", as the clock counts
    response_due_at: datetime | None
    responded_at: datetime | None
    due_at: datetime | None
    provisional: bool
    paused_at: datetime | None
    pauses_for_citizen: bool
    stopped_at: datetime | None
    steps: list[StepView]


def deadline_view(*, subject: str, obj: Any) -> DeadlineView | None:
    deadline = Deadline.objects.select_related("policy").filter(subject=subject, object_id=obj.pk).first()
    if deadline is None:
        return None
    words = dict(EscalationStep.Action.choices)
    policy = deadline.policy
    steps = sorted(deadline.steps.all(), key=lambda s: (s.fire_at is None, s.fire_at, s.clock, s.percent))
    return DeadlineView(
        policy=policy.name if policy else _("the category's own hours (no policy)"),
        terms=_terms(deadline),
        response_due_at=deadline.response_due_at, responded_at=deadline.responded_at, due_at=deadline.due_at,
        provisional=deadline.provisional, paused_at=deadline.paused_at,
        pauses_for_citizen=bool(policy and policy.pauses_for_citizen), stopped_at=deadline.stopped_at,
        steps=[StepView(step.clock, step.percent, [str(words.get(a, a)) for a in step.actions], step.fire_at,
                        step.ran_at) for step in steps],
    )  # fmt: skip


def _amount(seconds: float, unit: str) -> str:
    """A clock's time in its unit's words: "5 working days", "4 working hours", "72 calendar hours"."""
    day = working_calendar().day_seconds
    if unit != Unit.CALENDAR_HOURS:  # working time: in days from a whole day on, else in hours (4 h, not 0.5 days)
        unit = Unit.WORKING_DAYS if seconds >= day else Unit.WORKING_HOURS
    n = round(seconds / (day if unit == Unit.WORKING_DAYS else 3600.0), 1)
    one = 1 if n == 1 else 2  # the plural form: 1 day, 1.5 days
    if unit == Unit.WORKING_DAYS:
        text = ngettext("%(n)s working day", "%(n)s working days", one)
    elif unit == Unit.WORKING_HOURS:
        text = ngettext("%(n)s working hour", "%(n)s working hours", one)
    else:
        text = ngettext("%(n)s hour", "%(n)s hours", one)
    return text % {"n": f"{n:g}"}


def _terms(deadline: Deadline) -> str:
    """What the clock allows, as it counts it (a policy changed later does not change a running clock)."""
    completion = _("completed within %(time)s") % {"time": _amount(deadline.budget_s, deadline.unit)}
    if not deadline.response_budget_s:
        return completion
    response = _("responded to within %(time)s") % {"time": _amount(deadline.response_budget_s, deadline.unit)}
    return _("%(completion)s; %(response)s") % {"completion": completion, "response": response}
