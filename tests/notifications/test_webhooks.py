from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest

from apps.core.models import AuditLog
from apps.notifications.delivery import backoff
from apps.notifications.models import Notification, Webhook, WebhookDelivery
from apps.notifications.services import webhooks_emit
from apps.notifications.tasks import webhook_deliveries_retry_task

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: Any, body: bytes) -> bool:
    """The receiver's check, as docs/webhooks.md gives it."""
    timestamp = headers["X-CityOps-Timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", headers["X-CityOps-Signature"])


def _emit(capture, **fields) -> int:
    fields.setdefault("event", "alert.opened")
    fields.setdefault("payload", {"id": 7, "kind": "threshold"})
    with capture(execute=True):
        return webhooks_emit(**fields)


@pytest.mark.own_clock("the receiver checks the timestamp against the wall clock, as a real one does")
def test_a_delivery_is_signed_so_that_the_documented_recipe_verifies_it(
    webhook, receiver, django_capture_on_commit_callbacks
):
    hook = webhook()

    queued = _emit(django_capture_on_commit_callbacks)

    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    assert queued == 1
    assert verify(hook.secret, request["headers"], request["body"])
    assert not verify("another secret", request["headers"], request["body"])
    assert request["headers"]["X-CityOps-Event"] == "alert.opened"
    assert request["headers"]["X-CityOps-Delivery"] == str(delivery.pk)
    body = json.loads(request["body"])
    assert (body["id"], body["event"], body["data"]) == (
        str(delivery.event_id),
        "alert.opened",
        {"id": 7, "kind": "threshold"},
    )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_a_tampered_body_does_not_verify(webhook, receiver, clock, django_capture_on_commit_callbacks):
    hook = webhook()
    _emit(django_capture_on_commit_callbacks)
    request = receiver.requests[0]
    timestamp = request["headers"]["X-CityOps-Timestamp"]

    good = hmac.new(hook.secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    bad = hmac.new(hook.secret.encode(), f"{timestamp}.".encode() + request["body"] + b" ", hashlib.sha256).hexdigest()

    assert request["headers"]["X-CityOps-Signature"] == f"sha256={good}"
    assert request["headers"]["X-CityOps-Signature"] != f"sha256={bad}"


def test_one_event_has_one_id_across_webhooks_and_only_subscribers_get_it(
    webhook, receiver, django_capture_on_commit_callbacks
):
    webhook(name="a")
    webhook(name="b")
    webhook(name="c", events=["grievance.status"])

    queued = _emit(django_capture_on_commit_callbacks)

    assert queued == 2
    assert len({body["id"] for body in receiver.bodies()}) == 1
    assert len(receiver.requests) == 2


def test_a_500_is_retried_with_backoff_then_delivered(webhook, receiver, clock, django_capture_on_commit_callbacks):
    webhook()
    receiver.statuses = [500, 503]

    _emit(django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get()
    webhook_deliveries_retry_task()  # not due yet: nothing sent
    clock.shift(timedelta(seconds=31))
    webhook_deliveries_retry_task()
    second = WebhookDelivery.objects.get()
    clock.shift(timedelta(seconds=61))
    webhook_deliveries_retry_task()
    third = WebhookDelivery.objects.get()

    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert (second.status, second.attempts, second.last_status_code) == ("pending", 2, 503)
    assert (third.status, third.attempts, third.last_status_code) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3
    assert Webhook.objects.get().consecutive_failures == 0
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_a_delivery_is_given_up_after_the_maximum_attempts(
    webhook, receiver, clock, settings, django_capture_on_commit_callbacks
):
    settings.CITYOPS_WEBHOOK_MAX_ATTEMPTS = 2
    webhook()
    receiver.statuses = [500] * 5

    _emit(django_capture_on_commit_callbacks)
    clock.shift(timedelta(seconds=31))
    webhook_deliveries_retry_task()
    clock.shift(timedelta(hours=2))
    webhook_deliveries_retry_task()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert len(receiver.requests) == 2


def test_a_webhook_failing_again_and_again_is_disabled_and_its_owner_told(
    webhook, receiver, cast, settings, django_capture_on_commit_callbacks
):
    settings.CITYOPS_WEBHOOK_DISABLE_AFTER = 3
    hook = webhook(name="hotline")
    receiver.statuses = [500] * 10

    for _each in range(4):
        _emit(django_capture_on_commit_callbacks)

    hook.refresh_from_db()
    assert (hook.active, hook.consecutive_failures, hook.disabled_at is not None) == (False, 3, True)
    assert len(receiver.requests) == 3  # the fourth event finds no active webhook
    told = Notification.objects.get(user=cast["admin"])
    assert (told.event, told.title_en) == ("webhook.disabled", "Webhook “hotline” disabled after 3 failures")
    assert AuditLog.objects.filter(action="notifications.webhook.disable", target_id=str(hook.pk)).count() == 1


def test_a_refused_connection_counts_as_a_failure(webhook, django_capture_on_commit_callbacks):
    hook = webhook()
    Webhook.objects.filter(pk=hook.pk).update(url="http://127.0.0.1:9/nothing")

    _emit(django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error != ""


def test_personal_data_goes_only_to_a_webhook_allowed_it(webhook, receiver, django_capture_on_commit_callbacks):
    webhook(name="plain")
    webhook(name="entitled", personal_data=True)

    _emit(django_capture_on_commit_callbacks, personal={"reporter_phone": "13912345678"})

    payloads = dict(WebhookDelivery.objects.values_list("webhook__name", "payload"))
    assert payloads == {
        "plain": {"id": 7, "kind": "threshold"},
        "entitled": {"id": 7, "kind": "threshold", "reporter_phone": "13912345678"},
    }
    assert sum("13912345678" in r["body"].decode() for r in receiver.requests) == 1


def test_a_report_status_webhook_carries_no_tracking_code_and_no_reporter(
    webhook, receiver, submit, django_capture_on_commit_callbacks
):
    webhook(events=["grievance.status"])

    with django_capture_on_commit_callbacks(execute=True):
        report = submit(reporter_phone="13912345678", reporter_name="张三丰")

    body = receiver.requests[0]["body"].decode()
    data = json.loads(body)["data"]
    assert (data["id"], data["change"], data["status"], data["region"]) == (report.pk, "created", "submitted", "W1")
    assert report.tracking_code not in body
    assert [text for text in ("13912345678", "张三丰", report.description) if text in body] == []


def test_a_regional_webhook_gets_only_its_regions_events(webhook, receiver, city, django_capture_on_commit_callbacks):
    webhook(name="west", regions=[city["W"]])

    east = _emit(django_capture_on_commit_callbacks, region=city["E"])
    west_street = _emit(django_capture_on_commit_callbacks, region=city["W1"])
    nowhere = _emit(django_capture_on_commit_callbacks)

    assert (east, west_street, nowhere) == (0, 1, 0)


def test_a_critical_alert_goes_to_webhooks_and_the_command_centre_of_its_region(
    webhook, receiver, cast, city, django_capture_on_commit_callbacks
):
    from apps.indicators.alerting import alert_raise

    webhook(events=["alert.opened"])

    with django_capture_on_commit_callbacks(execute=True):
        alert, _created = alert_raise(
            kind="threshold", severity="critical", title_zh="拥堵", title_en="Congestion",
            region=city["W1"], indicator="traffic.congestion", value=9, threshold=7,
        )  # fmt: skip

    data = receiver.bodies()[0]["data"]
    assert (data["id"], data["severity"], data["region"], data["value"]) == (alert.pk, "critical", "W1", 9)
    # (a critical congestion alert also drafts a public warning: its approvers get a "warning.waiting" of their own)
    told = Notification.objects.exclude(event="warning.waiting").get()
    assert (told.user, told.title_en) == (cast["command"], "Critical alert: Congestion")
    assert told.group_key == "alert:threshold:traffic.congestion:critical"


def test_a_verdict_is_sent_as_verdict_recorded_and_as_a_change(
    webhook, receiver, city, django_capture_on_commit_callbacks
):
    from apps.indicators.alerting import alert_raise, alert_record_verdict

    webhook(events=["verdict.recorded", "alert.changed"])
    alert, _created = alert_raise(
        kind="threshold", severity="warning", title_zh="噪声", title_en="Noise",
        region=city["E"], indicator="environment.noise_over_limit", value=3, threshold=1,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        alert_record_verdict(alert=alert, verdict="contradicted")

    sent = {(body["event"], body["data"]["verdict"], body["data"].get("change")) for body in receiver.bodies()}
    assert sent == {("verdict.recorded", "contradicted", None), ("alert.changed", "contradicted", "verdict")}


def test_a_delivery_is_sent_once_however_often_its_task_runs(webhook, receiver, django_capture_on_commit_callbacks):
    from apps.notifications.tasks import webhook_deliver_task

    webhook()
    _emit(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    webhook_deliver_task(delivery.pk)
    webhook_deliveries_retry_task()

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_finished_deliveries_past_the_retention_period_are_deleted(webhook, clock):
    from django.utils import timezone

    from apps.notifications.services import deliveries_delete_old

    hook = webhook()
    for status in ("delivered", "failed", "pending"):
        WebhookDelivery.objects.create(webhook=hook, event="alert.opened", payload={}, status=status)
    clock.shift(timedelta(days=2))

    deleted = deliveries_delete_old(timezone.now() - timedelta(days=1))

    assert deleted == 2
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["pending"]
