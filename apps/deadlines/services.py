"""One deadline engine for citizen reports, alerts and field assignments.

A piece of work starts its clock (`deadline_start`) under the most specific policy that applies to it. The clock
counts in its unit's time (apps/deadlines/calendar.py), can pause while the department waits for the citizen
(`deadline_pause` / `deadline_resume`), stops its response part when someone responds (`deadline_respond`) and
stops when the work is done (`deadline_stop`). The work's own `due_at` is kept equal to the clock's, so lists,
Open311's expected_datetime and exports read one time.

Each step of the policy's ladder is a row with the moment it falls due. The sweep (`deadlines_sweep`, every minute
from beat) runs the steps whose moment has come, each in its own transaction that first marks it run: a second
sweep at the same moment (two beat processes) finds it marked and skips it, and a worker killed halfway rolls its
mark back with its work, so the next sweep runs it. Notifications and webhook deliveries are rows written in that
same transaction; what leaves the machine (e-mail, HTTP) is sent from them after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.audit import log_action
from apps.deadlines.calendar import WorkingCalendar, budget_seconds, clock_add, clock_between, working_calendar
from apps.deadlines.models import Deadline, DeadlinePolicy, DeadlineStep, EscalationStep, Unit
from apps.deadlines.subjects import SUBJECTS

logger = logging.getLogger(__name__)

Clock = EscalationStep.Clock
Action = EscalationStep.Action


@dataclass(frozen=True)
class Rung:
    clock: str
    percent: int
    actions: tuple[str, ...]


@dataclass(frozen=True)
class PolicySpec:
    """A policy as the engine reads it: a stored one, or the fallback of work without one."""

    policy: DeadlinePolicy | None
    completion: tuple[Decimal | float, str]
    response: tuple[Decimal | float, str] | None
    pauses_for_citizen: bool
    ladder: tuple[Rung, ...]


# The ladder of work without a policy of its own (a report category's hours, an assignment's own due time).
DEFAULT_LADDERS: dict[str, tuple[Rung, ...]] = {
    "grievance": (
        Rung(Clock.COMPLETION, 80, (Action.REMIND_ASSIGNEE,)),
        Rung(Clock.COMPLETION, 100, (Action.NOTIFY_HEAD, Action.RAISE_ALERT)),
        Rung(Clock.COMPLETION, 200, (Action.NOTIFY_COMMAND, Action.RAISE_ALERT)),
    ),
    "assignment": (
        Rung(Clock.COMPLETION, 80, (Action.REMIND_ASSIGNEE,)),
        Rung(Clock.COMPLETION, 100, (Action.NOTIFY_COMMAND,)),
    ),
}


def _spec(policy: DeadlinePolicy) -> PolicySpec:
    response = (policy.response_amount, policy.response_unit) if policy.response_amount else None
    ladder = tuple(Rung(step.clock, step.percent, tuple(step.actions)) for step in policy.steps.all())
    return PolicySpec(policy, (policy.completion_amount, policy.completion_unit), response,
                      policy.pauses_for_citizen, ladder)  # fmt: skip


def policy_for(*, subject: str, obj: Any) -> PolicySpec | None:
    """The most specific policy for the work, the fallback when there is none, or None (no clock)."""
    policies = DeadlinePolicy.objects.filter(subject=subject).prefetch_related("steps")
    if subject == DeadlinePolicy.Subject.GRIEVANCE:
        found = policies.filter(category=obj.category).first() or policies.filter(category=None).first()
        if found is not None:
            return _spec(found)
        category = obj.category
        response = (Decimal(category.response_hours), Unit.CALENDAR_HOURS) if category.response_hours else None
        return PolicySpec(None, (Decimal(category.deadline_hours), Unit.CALENDAR_HOURS), response, False,
                          DEFAULT_LADDERS["grievance"])  # fmt: skip
    if subject == DeadlinePolicy.Subject.ALERT:
        for kind, severity in ((obj.kind, obj.severity), (obj.kind, ""), ("", obj.severity), ("", "")):
            found = policies.filter(alert_kind=kind, severity=severity).first()
            if found is not None:
                return _spec(found)
        return None
    if obj.kind != "planned":  # a planned visit is due when its dispatcher said
        found = policies.filter(assignment_kind=obj.kind).first() or policies.filter(assignment_kind="").first()
        if found is not None:
            return _spec(found)
    hours = max(0.1, (obj.due_at - obj.created_at).total_seconds() / 3600)
    return PolicySpec(None, (hours, Unit.CALENDAR_HOURS), None, False, DEFAULT_LADDERS["assignment"])


def _reschedule(deadline: Deadline, spec_ladder: tuple[Rung, ...] | None, calendar: WorkingCalendar) -> None:
    """Due times of the clock and of its steps not run yet, from where it stands (paused: none)."""
    unit = deadline.unit
    if deadline.running_since is None:
        deadline.due_at = deadline.response_due_at = None
        DeadlineStep.objects.filter(deadline=deadline, ran_at=None).update(fire_at=None)
        return

    since = deadline.running_since

    def at(seconds: float) -> datetime:
        due = clock_add(since, max(0.0, seconds - deadline.consumed_s), unit, calendar)
        provisional.append(due.provisional)
        return due.at

    provisional: list[bool] = []
    deadline.due_at = at(deadline.budget_s)
    deadline.response_due_at = at(deadline.response_budget_s) if deadline.response_budget_s else None
    deadline.provisional = any(provisional)
    if spec_ladder is not None:
        DeadlineStep.objects.bulk_create(
            [
                DeadlineStep(deadline=deadline, clock=rung.clock, percent=rung.percent, actions=list(rung.actions))
                for rung in spec_ladder
            ],  # fmt: skip
            ignore_conflicts=True,
        )
    for step in DeadlineStep.objects.filter(deadline=deadline, ran_at=None):
        budget = deadline.response_budget_s if step.clock == Clock.RESPONSE else deadline.budget_s
        step.fire_at = at(budget * step.percent / 100) if budget else None
        step.save(update_fields=["fire_at"])


def _write_due(deadline: Deadline, obj: Any) -> None:
    """The work's own due time follows the clock's (reports and assignments keep one; so do alerts). A paused
    clock has none: the work is not late while it waits for the citizen (lists, Open311, indicators agree)."""
    field = type(obj)._meta.get_field("due_at")
    if obj.due_at != deadline.due_at and (deadline.due_at is not None or field.null):
        type(obj).objects.filter(pk=obj.pk).update(due_at=deadline.due_at)
        obj.due_at = deadline.due_at


def deadline_start(*, subject: str, obj: Any, start: datetime | None = None) -> Deadline | None:
    """Start (or restart, for reopened work) the work's clock under its policy; its due time is written on it.
    A restart begins a new ladder. Never fails the work it times: a clock that cannot be counted (a policy
    beyond the calendar's reach, saved before the admin checked it) is logged and the work goes on without one."""
    spec = policy_for(subject=subject, obj=obj)
    if spec is None:
        return None
    try:
        with transaction.atomic():
            return _start(subject, obj, spec, start or timezone.now())
    except ValueError:
        logger.exception("no clock for %s %s: its policy cannot be counted", subject, obj.pk)
        return None


def _start(subject: str, obj: Any, spec: PolicySpec, start: datetime) -> Deadline:
    calendar = working_calendar()
    amount, unit = spec.completion
    response = budget_seconds(spec.response[0], unit, calendar) if spec.response else None
    if spec.response and spec.response[1] != unit:  # both parts count in the completion's unit
        response = clock_between(start, clock_add(start, budget_seconds(*spec.response, calendar), spec.response[1],
                                                  calendar).at, unit, calendar)  # fmt: skip
    deadline, _created = Deadline.objects.update_or_create(
        subject=subject, object_id=obj.pk,
        defaults={
            "policy": spec.policy, "region": SUBJECTS[subject].region(obj), "unit": unit,
            "budget_s": budget_seconds(amount, unit, calendar), "response_budget_s": response,
            "started_at": start, "running_since": start, "consumed_s": 0.0, "paused_at": None,
            "responded_at": None, "stopped_at": None,
        },
    )  # fmt: skip
    DeadlineStep.objects.filter(deadline=deadline).delete()
    _reschedule(deadline, spec.ladder, calendar)
    deadline.save()
    _write_due(deadline, obj)
    return deadline


def _running(subject: str, obj: Any) -> Deadline | None:
    return Deadline.objects.select_for_update().filter(subject=subject, object_id=obj.pk, stopped_at=None).first()


@transaction.atomic
def deadline_pause(*, subject: str, obj: Any, at: datetime | None = None) -> Deadline | None:
    """Waiting for the citizen: the clock stops counting (if its policy says so). Idempotent."""
    deadline = _running(subject, obj)
    if deadline is None or deadline.running_since is None:
        return deadline
    if deadline.policy is None or not deadline.policy.pauses_for_citizen:
        return deadline
    at = at or timezone.now()
    deadline.consumed_s += clock_between(deadline.running_since, at, deadline.unit)
    deadline.running_since, deadline.paused_at = None, at
    _reschedule(deadline, None, working_calendar())
    deadline.save()
    _write_due(deadline, obj)
    log_action(obj, f"deadlines.{subject}.pause", data={"consumed_s": round(deadline.consumed_s)})
    return deadline


@transaction.atomic
def deadline_resume(*, subject: str, obj: Any, at: datetime | None = None) -> Deadline | None:
    """The citizen answered: the clock counts again from here, with the time it had used. Idempotent."""
    deadline = _running(subject, obj)
    if deadline is None or deadline.running_since is not None:
        return deadline
    deadline.running_since, deadline.paused_at = at or timezone.now(), None
    _reschedule(deadline, None, working_calendar())
    deadline.save()
    _write_due(deadline, obj)
    log_action(
        obj, f"deadlines.{subject}.resume", data={"due_at": deadline.due_at.isoformat() if deadline.due_at else None}
    )
    return deadline


def deadline_respond(*, subject: str, obj: Any, at: datetime | None = None) -> None:
    """Accepted or acknowledged: the response part is met, its steps will not run."""
    Deadline.objects.filter(subject=subject, object_id=obj.pk, responded_at=None).update(
        responded_at=at or timezone.now()
    )


def deadline_stop(*, subject: str, obj: Any, at: datetime | None = None) -> None:
    """Done (resolved, closed, merged, cancelled): no step runs any more."""
    Deadline.objects.filter(subject=subject, object_id=obj.pk, stopped_at=None).update(stopped_at=at or timezone.now())


def deadlines_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Run every step whose time has come, each exactly once. Returns how many this sweep ran."""
    now = now or timezone.now()
    due = (
        DeadlineStep.objects.filter(ran_at=None, fire_at__lte=now, deadline__stopped_at=None)
        .exclude(clock=Clock.RESPONSE, deadline__responded_at__isnull=False)
        .order_by("fire_at")
        .values_list("pk", flat=True)[:limit]
    )
    ran = 0
    for pk in list(due):
        try:
            ran += step_run(step_id=pk, now=now)
        except Exception:  # one broken step must not stop the others: it stays unrun and is tried next sweep
            logger.exception("deadline step %s failed", pk)
    return ran


@transaction.atomic
def step_run(*, step_id: int, now: datetime) -> bool:
    """Mark the step run and do its work in one transaction. False if another run had it (or it is not due)."""
    # still due as this run sees it: not run, its time come, the clock running (not paused, stopped or met)
    due = DeadlineStep.objects.filter(pk=step_id, ran_at=None, fire_at__lte=now, deadline__stopped_at=None,
                                      deadline__running_since__isnull=False)  # fmt: skip
    due = due.exclude(clock=Clock.RESPONSE, deadline__responded_at__isnull=False)
    if not due.update(ran_at=now):
        return False
    from apps.deadlines.ladder import step_perform

    step = DeadlineStep.objects.select_related("deadline").get(pk=step_id)
    step.outcome = step_perform(step=step, now=now)
    step.save(update_fields=["outcome"])
    return True


def deadlines_recount(*, years: set[int] | None = None) -> int:
    """After a year's arrangement was entered or changed: every running clock that is provisional, or due in one
    of `years`, is counted again from where it stands (its steps not yet run with it). Returns how many."""
    from django.db.models import Q

    calendar = working_calendar()
    touched = Q(provisional=True) | Q(due_at__year__in=sorted(years or ()))
    count = 0
    for deadline in Deadline.objects.filter(touched, stopped_at=None).exclude(running_since=None):
        with transaction.atomic():
            since = deadline.running_since
            if since is None:
                continue
            # what it had used by now, then counted on from now with the calendar as it is
            now = timezone.now()
            deadline.consumed_s += clock_between(since, now, deadline.unit, calendar)
            deadline.running_since = now
            _reschedule(deadline, None, calendar)
            deadline.save()
            obj = SUBJECTS[deadline.subject].get(deadline.object_id)
            if obj is not None:
                _write_due(deadline, obj)
            count += 1
    return count


def deadline_backfill(*, subject: str, obj: Any, field: str, at: datetime) -> None:
    """For the demo's back-dated history: when the clock was met or stopped, as the work's own time says."""
    if field not in ("responded_at", "stopped_at"):
        raise ValueError(f"not a moment of a clock: {field}")
    Deadline.objects.filter(subject=subject, object_id=obj.pk).update(**{field: at})
