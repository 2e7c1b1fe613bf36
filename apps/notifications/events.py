"""The event types notifications and webhooks carry, with their labels in both languages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ALERT_OPENED = "alert.opened"
ALERT_CHANGED = "alert.changed"
GRIEVANCE_STATUS = "grievance.status"
ASSIGNMENT_OVERDUE = "assignment.overdue"
VERDICT_RECORDED = "verdict.recorded"
DEADLINE_STEP = "deadline.step"
# sent only by the admin's "send a test ping"; no webhook subscribes to it
PING = "ping"
# a notification to a webhook's owner; never sent to webhooks
WEBHOOK_DISABLED = "webhook.disabled"

EVENTS = {
    ALERT_OPENED: _("Alert opened"),
    ALERT_CHANGED: _("Alert changed"),
    GRIEVANCE_STATUS: _("Report status"),
    ASSIGNMENT_OVERDUE: _("Assignment overdue"),
    VERDICT_RECORDED: _("Verdict recorded on site"),
    DEADLINE_STEP: _("Deadline step"),
}


def event_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in EVENTS.items()]
