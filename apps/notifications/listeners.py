"""Producers wired without touching their apps: the alert listeners (manifest) and the report timeline
(a post_save receiver connected in NotificationsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.notifications import events
from apps.notifications.services import notify, webhooks_emit

# Report timeline entries that change what an integrator tracks.
GRIEVANCE_KINDS = ("created", "status", "reopened", "rated")


def alert_webhook_payload(alert: Any) -> dict[str, Any]:
    """What integrators get of an alert: no personal data (alerts carry none)."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "indicator": alert.indicator,
        "region": alert.region.code if alert.region_id else None,
        "title_zh": alert.title_zh,
        "title_en": alert.title_en,
        "value": alert.value,
        "threshold": alert.threshold,
        "opened_at": alert.opened_at,
        "verdict": alert.verdict,
    }


def alert_changed(alert: Any, event: str) -> None:
    """The alert listener (`on="change"`): alerts held back under another are left out, as on the wall."""
    if alert.inhibited_by_id:
        return
    payload, region = alert_webhook_payload(alert), alert.region if alert.region_id else None
    if event == "opened":
        webhooks_emit(event=events.ALERT_OPENED, payload=payload, region=region)
        if alert.severity == "critical":
            _notify_command_center(alert)
        return
    webhooks_emit(event=events.ALERT_CHANGED, payload={**payload, "change": event}, region=region)
    if event == "verdict":
        webhooks_emit(event=events.VERDICT_RECORDED, payload=payload, region=region)


def _notify_command_center(alert: Any) -> None:
    from apps.accounts.roles import Role
    from apps.accounts.selectors import user_can_access_region

    staff = get_user_model().objects.filter(groups__name=Role.COMMAND_CENTER, is_active=True).distinct()
    users = [u for u in staff if alert.region_id is None or user_can_access_region(user=u, region_id=alert.region_id)]
    code = alert.region.code if alert.region_id else ""
    notify(
        users=users,
        event=events.ALERT_OPENED,
        title_zh=f"严重告警：{alert.title_zh}",
        title_en=f"Critical alert: {alert.title_en}",
        link=reverse("dashboards:region", kwargs={"code": code}) if code else reverse("dashboards:wall"),
        group_key=f"alert:{alert.kind}:{alert.indicator}:{alert.severity}",
    )


def grievance_event_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a report's timeline entry: a `grievance.status` webhook for the kinds integrators track."""
    if not created or raw or instance.kind not in GRIEVANCE_KINDS:
        return
    grievance = instance.grievance
    webhooks_emit(
        event=events.GRIEVANCE_STATUS,
        payload=grievance_webhook_payload(grievance, kind=instance.kind),
        region=grievance.region if grievance.region_id else None,
        personal=grievance_personal(grievance),
    )


def grievance_webhook_payload(grievance: Any, *, kind: str) -> dict[str, Any]:
    """No tracking code (it is the citizen's key), no words, no reporter."""
    return {
        "id": grievance.pk,
        "change": kind,
        "category": grievance.category.code,
        "department": grievance.department.code if grievance.department_id else None,
        "status": grievance.status,
        "region": grievance.region.code if grievance.region_id else None,
        "due_at": grievance.due_at,
    }


def grievance_personal(grievance: Any) -> dict[str, Any]:
    """For receivers entitled to personal data only: the citizen's words and contact."""
    return {
        "description": grievance.description,
        "address": grievance.address,
        "reporter_name": grievance.reporter_name,
        "reporter_phone": grievance.reporter_phone,
        "reporter_email": grievance.reporter_email,
    }
