"""What a ladder step does: remind the assignee, tell the department head, raise the wall alert, tell the district's
command center. Each is told in both languages with the work's due time; each step is audited and sent to the
webhooks that asked for deadline steps (assignments past their time also as "assignment.overdue")."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.deadlines.models import DeadlineStep, EscalationStep
from apps.deadlines.subjects import SUBJECTS, Subject

Action = EscalationStep.Action


def _local(moment: datetime | None) -> tuple[str, str]:
    if moment is None:
        return "", ""
    at = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{at.month}月{at.day}日 {at:%H:%M}", f"{at.day} {at:%b} {at:%H:%M}"


def _wording(step: DeadlineStep) -> tuple[str, str]:
    """What the step says of the work: due soon, due now, or late by how much."""
    zh_at, en_at = _local(step.deadline.response_due_at if step.clock == "response" else step.deadline.due_at)
    zh_what, en_what = ("响应", "Response ") if step.clock == "response" else ("办结", "")
    late = step.percent - 100
    if late < 0:
        return f"将于 {zh_at} {zh_what}到期", f"{en_what}due {en_at}" if en_what else f"Due {en_at}"
    if late == 0:
        return f"{zh_what}已到期（{zh_at}）", f"{en_what}overdue since {en_at}" if en_what else f"Overdue since {en_at}"
    en_late = f"overdue by {late} % (due {en_at})"
    return f"{zh_what}超期 {late}%（{zh_at} 到期）", f"{en_what}{en_late}" if en_what else "O" + en_late[1:]


def _active(users: list[Any]) -> list[Any]:
    return [user for user in users if user is not None and user.is_active]


def _role_users(role: str, *, region: Any) -> list[Any]:
    """Users of a role whose scope covers the region: those assigned to it (its district's own) first, the
    city-wide ones when the region has none of its own."""
    from apps.accounts.selectors import user_assigned_region_ids, user_can_access_region

    users = list(get_user_model().objects.filter(is_active=True, groups__name=role).distinct())
    if region is None:
        return [user for user in users if user_assigned_region_ids(user=user) is None]
    covering = [user for user in users if user_can_access_region(user=user, region_id=region.pk)]
    own = [user for user in covering if user_assigned_region_ids(user=user) is not None]
    return own or covering


def _department_staff(department: Any, *, region: Any) -> list[Any]:
    from apps.accounts.roles import Role
    from apps.accounts.selectors import user_assigned_region_ids

    staff = get_user_model().objects.filter(is_active=True, groups__name=Role.DEPARTMENT_STAFF,
                                            staff_profile__departments=department).distinct()  # fmt: skip
    return [
        user for user in staff
        if region is None or (narrowed := user_assigned_region_ids(user=user)) is None or region.pk in narrowed
    ]  # fmt: skip


def _recipients(action: str, subject: Subject, obj: Any) -> list[Any]:
    from apps.accounts.roles import Role

    region = subject.region(obj)
    if action == Action.REMIND_ASSIGNEE:
        assignees = _active(subject.assignees(obj))
        if assignees:
            return assignees
        department = subject.department(obj)
        if department is not None:  # nobody took it yet: the department's staff (those narrowed to the place)
            return _department_staff(department, region=region)
        role = Role.FIELD_OFFICER if subject.name == "assignment" else Role.COMMAND_CENTER
        return _role_users(role, region=region)
    if action == Action.NOTIFY_HEAD:
        department = subject.department(obj)
        return _active([department.head]) if department is not None else []
    if action == Action.NOTIFY_COMMAND:
        return _role_users(Role.COMMAND_CENTER, region=region)
    return []


# What a group of like steps says (a storm of late reports is one message that counts them): the kind of work
GROUP_NOUNS = {"grievance": ("件诉求", "reports"), "alert": ("条告警", "alerts"),
               "assignment": ("项核查任务", "field assignments")}  # fmt: skip


def _group_titles(step: DeadlineStep) -> tuple[str, str]:
    zh_noun, en_noun = GROUP_NOUNS[step.deadline.subject]
    zh_what, en_what = ("响应", "response ") if step.clock == "response" else ("", "")
    late = step.percent - 100
    if late < 0:
        return f"%(count)s {zh_noun}临近{zh_what or '办结'}时限", f"%(count)s {en_noun}: {en_what}due soon"
    if late == 0:
        return f"%(count)s {zh_noun}{zh_what}已到期", f"%(count)s {en_noun}: {en_what}now overdue"
    return f"%(count)s {zh_noun}{zh_what}超期 {late}%%", f"%(count)s {en_noun}: {en_what}overdue by {late} %%"


def _group_link(subject: Subject, user: Any, step: DeadlineStep) -> str:
    """Where a group of them is listed, for this user: the overdue reports on the workbench, else the page that
    their single links go to."""
    if subject.name == "grievance" and user.has_perm("grievances.handle_grievance"):
        state = "overdue" if step.percent >= 100 and step.clock == "completion" else "open"
        return reverse("grievances:workbench") + f"?state={state}"
    return subject.link(None, user) if subject.name == "alert" else ""


def _tell(users: list[Any], *, step: DeadlineStep, subject: Subject, obj: Any, title_zh: str, title_en: str) -> None:
    """One message per person, with a link each can open; like steps within the group window are one message."""
    from apps.notifications.services import notify

    by_links: dict[tuple[str, str], list[Any]] = {}
    for user in users:
        link = subject.link(obj, user)
        by_links.setdefault((link, _group_link(subject, user, step) or link), []).append(user)
    group_zh, group_en = _group_titles(step)
    for (link, group_link), people in by_links.items():
        notify(users=people, event="deadline.step", title_zh=title_zh, title_en=title_en, link=link,
               group_key=f"deadline:{step.deadline.subject}:{step.clock}:{step.percent}",
               group_title_zh=group_zh, group_title_en=group_en, group_link=group_link)  # fmt: skip


def step_perform(*, step: DeadlineStep, now: datetime) -> dict[str, Any]:
    """Do the step's actions (inside the caller's transaction). Returns what was done, for the record."""
    from apps.notifications.services import webhooks_emit

    deadline = step.deadline
    subject = SUBJECTS[deadline.subject]
    obj = subject.get(deadline.object_id)
    if obj is None:
        return {"skipped": "the work no longer exists"}
    title_zh, title_en = subject.title(obj)
    say_zh, say_en = _wording(step)
    outcome: dict[str, Any] = {}
    told: dict[int, Any] = {}  # one message per person per step, whichever of its actions names them
    held_by = getattr(obj, "inhibited_by_id", None)  # an alert shown inside another: that one's steps tell people
    for action in step.actions:
        if action == Action.RAISE_ALERT and subject.raise_alert is not None:
            try:
                outcome[action] = getattr(subject.raise_alert(obj), "pk", None)
            except ApplicationError as refused:  # no longer open: nothing to raise, the step is still done
                outcome[action] = f"skipped: {refused.message}"
            continue
        if held_by is not None:
            outcome[action] = f"skipped: held back under alert {held_by}"
            continue
        users = _recipients(action, subject, obj)
        told.update((user.pk, user) for user in users)
        outcome[action] = sorted(user.pk for user in users)
    _tell(list(told.values()), step=step, subject=subject, obj=obj,
          title_zh=f"{title_zh}：{say_zh}", title_en=f"{title_en}: {say_en}")  # fmt: skip
    payload = {
        **subject.payload(obj),
        "subject": deadline.subject,
        "step": {"clock": step.clock, "percent": step.percent, "actions": step.actions},
        "due_at": deadline.due_at.isoformat() if deadline.due_at else None,
        "response_due_at": deadline.response_due_at.isoformat() if deadline.response_due_at else None,
        "provisional": deadline.provisional,
    }
    region = subject.region(obj)
    outcome["webhooks"] = webhooks_emit(event="deadline.step", payload=payload, region=region)
    if deadline.subject == "assignment" and step.clock == "completion" and step.percent >= 100:
        webhooks_emit(event="assignment.overdue", payload=payload, region=region)
    log_action(obj, f"deadlines.{deadline.subject}.step", data={"clock": step.clock, "percent": step.percent,
                                                               "actions": step.actions})  # fmt: skip
    return outcome
