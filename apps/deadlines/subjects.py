"""What the deadline engine needs to know of each kind of work it times: where it is, whose department it is, who
works on it, what to call it, where it is seen, and what "raise the wall alert" means for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Subject:
    name: str  # DeadlinePolicy.Subject
    model: str  # "app_label.Model"
    region: Callable[[Any], Any]
    department: Callable[[Any], Any]
    assignees: Callable[[Any], list[Any]]
    title: Callable[[Any], tuple[str, str]]
    link: Callable[[Any, Any], str]  # (work, user): a page of it that this user can open
    payload: Callable[[Any], dict[str, Any]]  # for webhooks: never personal data
    raise_alert: Callable[[Any], Any] | None = None

    def get(self, pk: int) -> Any:
        from django.apps import apps

        return apps.get_model(self.model).objects.filter(pk=pk).first()


def _grievance_link(grievance: Any, user: Any) -> str:
    # by number, never the citizen's tracking code; the command center follows it on the wall (its overdue alert)
    if user.has_perm("grievances.handle_grievance"):
        return reverse("grievances:workbench-number", args=[grievance.pk])
    return reverse("dashboards:wall")


def _assignment_link(assignment: Any, user: Any) -> str:
    if user.has_perm("fieldwork.add_visit"):
        return reverse("fieldwork:app") + f"#assignment-{assignment.pk}"
    if assignment.grievance_id and user.has_perm("grievances.handle_grievance"):
        return reverse("grievances:workbench-number", args=[assignment.grievance_id])
    if user.has_perm("fieldwork.add_assignment"):
        return reverse("fieldwork:dispatch")
    return reverse("dashboards:wall")


def _grievance_raise(grievance: Any) -> Any:
    from apps.grievances.services import grievance_escalate

    return grievance_escalate(grievance=grievance)


def _grievance_payload(grievance: Any) -> dict[str, Any]:
    return {
        "grievance": grievance.pk,
        "category": grievance.category.code,
        "department": grievance.department.code,
        "status": grievance.status,
        "region": grievance.region.code if grievance.region_id else None,
    }


def _assignment_department(assignment: Any) -> Any:
    return assignment.grievance.department if assignment.grievance_id else None


def _assignment_payload(assignment: Any) -> dict[str, Any]:
    return {"assignment": assignment.pk, "kind": assignment.kind, "status": assignment.status,
            "region": assignment.region.code}  # fmt: skip


def _alert_payload(alert: Any) -> dict[str, Any]:
    return {"alert": alert.pk, "kind": alert.kind, "severity": alert.severity, "status": alert.status,
            "indicator": alert.indicator, "region": alert.region.code if alert.region_id else None}  # fmt: skip


def _alert_assignees(alert: Any) -> list[Any]:
    return [user for user in (alert.acknowledged_by, alert.verification_requested_by) if user is not None][:1]


SUBJECTS: dict[str, Subject] = {
    "grievance": Subject(
        name="grievance",
        model="grievances.Grievance",
        region=lambda g: g.region,
        department=lambda g: g.department,
        assignees=lambda g: [g.assigned_to] if g.assigned_to_id else [],
        title=lambda g: (f"诉求 #{g.pk}：{g.category.name_zh}", f"Report #{g.pk}: {g.category.name_en}"),
        link=_grievance_link,
        payload=_grievance_payload,
        raise_alert=_grievance_raise,
    ),
    "alert": Subject(
        name="alert",
        model="indicators.Alert",
        region=lambda a: a.region,
        department=lambda a: None,
        assignees=_alert_assignees,
        title=lambda a: (f"告警 #{a.pk}：{a.title_zh}", f"Alert #{a.pk}: {a.title_en}"),
        link=lambda a, user: reverse("dashboards:wall"),
        payload=_alert_payload,
    ),
    "assignment": Subject(
        name="assignment",
        model="fieldwork.Assignment",
        region=lambda a: a.region,
        department=_assignment_department,
        assignees=lambda a: [a.assignee] if a.assignee_id else [],
        title=lambda a: (f"核查任务 #{a.pk}：{a.title_zh}", f"Assignment #{a.pk}: {a.title_en}"),
        link=_assignment_link,
        payload=_assignment_payload,
    ),
}
