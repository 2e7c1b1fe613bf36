"""The demo city's deadline policies, in the shape of 12345 rules: working days for reports (noise complaints
wait for the citizen's answers), an acknowledgement within minutes for critical alerts, a working day for field
checks; and the Urban Management Bureau's head, told when its reports run late."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from apps.accounts.models import Department
from apps.core.demo import DemoContext
from apps.deadlines.models import DeadlinePolicy, EscalationStep, Unit

S = DeadlinePolicy.Subject
H, WH, WD = Unit.CALENDAR_HOURS, Unit.WORKING_HOURS, Unit.WORKING_DAYS
# percent of the completion time (or "r" + percent of the response time): what happens then
REPORT_LADDER: dict[str, tuple[str, ...]] = {
    "r100": ("notify_head",),
    "80": ("remind_assignee",),
    "100": ("notify_head", "raise_alert"),
    "200": ("notify_command", "raise_alert"),
}
ALERT_LADDER: dict[str, tuple[str, ...]] = {"r100": ("notify_command",), "100": ("notify_command",)}
FIELD_LADDER: dict[str, tuple[str, ...]] = {
    "80": ("remind_assignee",),
    "100": ("notify_command",),
    "200": ("notify_command",),
}

# (name zh, name en, subject, target, response (amount, unit) or None, completion (amount, unit), pauses, ladder)
Policy = tuple[str, str, str, dict[str, str], tuple[Any, str] | None, tuple[Any, str], bool, dict[str, tuple[str, ...]]]
POLICIES: list[Policy] = [
    ("噪声投诉：3个工作日", "Noise complaints: 3 working days", S.GRIEVANCE, {"category": "noise"},
     (2, WH), (3, WD), True, REPORT_LADDER),
    ("道路破损：5个工作日", "Road damage: 5 working days", S.GRIEVANCE, {"category": "road-damage"},
     (4, WH), (5, WD), True, REPORT_LADDER),
    ("路灯不亮：2个工作日", "Street lights: 2 working days", S.GRIEVANCE, {"category": "street-lights"},
     (4, WH), (2, WD), False, REPORT_LADDER),
    ("严重告警：30分钟确认、4小时处置", "Critical alerts: acknowledged in 30 min, dealt with in 4 h", S.ALERT,
     {"severity": "critical"}, (Decimal("0.5"), H), (4, H), False, ALERT_LADDER),
    ("一般告警：2个工作小时确认、2个工作日处置",
     "Warnings: acknowledged in 2 working hours, dealt with in 2 working days",
     S.ALERT, {"severity": "warning"}, (2, WH), (2, WD), False, ALERT_LADDER),
    ("现场核实：1个工作日", "Field checks: 1 working day", S.ASSIGNMENT, {"assignment_kind": ""},
     None, (1, WD), False, FIELD_LADDER),
    ("随机复核：3个工作日", "Random re-checks: 3 working days", S.ASSIGNMENT, {"assignment_kind": "recheck"},
     None, (3, WD), False, FIELD_LADDER),
]  # fmt: skip


def seed_demo_deadlines(context: DemoContext) -> None:
    from apps.grievances.models import Category

    for zh, en, subject, target, response, completion, pauses, ladder in POLICIES:
        lookup: dict[str, Any] = dict(target)
        if "category" in lookup:
            category = Category.objects.filter(code=lookup.pop("category")).first()
            if category is None:
                continue
            lookup["category"] = category
        defaults = {"name_zh": zh, "name_en": en, "completion_amount": completion[0], "completion_unit": completion[1],
                    "response_amount": response[0] if response else None,
                    "response_unit": response[1] if response else WH, "pauses_for_citizen": pauses}  # fmt: skip
        policy, _created = DeadlinePolicy.objects.update_or_create(subject=subject, **lookup, defaults=defaults)
        policy.steps.all().delete()
        for at, actions in ladder.items():
            clock = EscalationStep.Clock.RESPONSE if at.startswith("r") else EscalationStep.Clock.COMPLETION
            EscalationStep.objects.create(policy=policy, clock=clock, percent=int(at.lstrip("r")),
                                          **dict.fromkeys(actions, True))  # fmt: skip
    head = get_user_model().objects.filter(username="head.urban").first()
    if head is not None:
        Department.objects.filter(code="urban-management").update(head=head)
