"""Sending a webhook delivery: sign, POST, record the outcome, back off, give up, disable a failing webhook.

The database row is the state: a delivery is claimed by one UPDATE that leases it (its next attempt moved past the
attempt's longest run), so a task and the minute sweep never send one delivery twice at the same time, and no
transaction is held open while the receiver answers.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.notifications.models import Webhook, WebhookDelivery

BACKOFF_FIRST_S = 30
BACKOFF_CAP_S = 3600
ERROR_CHARS = 500
LEASE_MARGIN_S = 30  # beyond the POST's timeout, before a claimed delivery may be taken again


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s, … at most an hour."""
    return timedelta(seconds=min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_CAP_S))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def request_body(delivery: WebhookDelivery, sent_at: datetime) -> bytes:
    envelope = {"id": str(delivery.event_id), "event": delivery.event, "sent_at": sent_at.isoformat(),
                "data": delivery.payload}  # fmt: skip
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: the receiver's URL is what the admin registered, nothing else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(delivery: WebhookDelivery, now: datetime) -> Outcome:
    url = delivery.webhook.url
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(ok=False, error="only http and https URLs are sent to")
    timestamp, body = int(now.timestamp()), request_body(delivery, now)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CityOps-Webhooks/1",
        "X-CityOps-Event": delivery.event,
        "X-CityOps-Delivery": str(delivery.pk),
        "X-CityOps-Timestamp": str(timestamp),
        "X-CityOps-Signature": signature(delivery.webhook.secret, timestamp, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked above)
    try:
        with _opener.open(request, timeout=settings.CITYOPS_WEBHOOK_TIMEOUT_S) as response:
            return Outcome(ok=200 <= response.status < 300, status_code=response.status)
    except urllib.error.HTTPError as error:
        return Outcome(ok=False, status_code=error.code, error=f"HTTP {error.code}")
    except (OSError, ValueError, http.client.HTTPException) as error:  # refused, timed out, malformed answer
        return Outcome(ok=False, error=f"{type(error).__name__}: {error}"[:ERROR_CHARS])


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery for one attempt: one UPDATE moves its next attempt past the attempt's longest possible
    run (a lease), so no other worker or sweep takes it meanwhile, and a worker that dies mid-POST leaves it to
    the sweep once the lease ends. No transaction stays open across the POST."""
    lease = now + timedelta(seconds=settings.CITYOPS_WEBHOOK_TIMEOUT_S + LEASE_MARGIN_S)
    taken = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, webhook__active=True
    ).update(next_attempt_at=lease)
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id) if taken else None


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Send one pending, due delivery of an active webhook; its new status, or None when there was nothing to
    send (delivered already, not due, held by another worker). Idempotent; never raises for the receiver."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    outcome = post(delivery, timezone.now())  # outside any transaction: a slow receiver holds no lock
    with transaction.atomic():
        _record(delivery, outcome, timezone.now())
    return delivery.status


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.Status.DELIVERED, now, None
        Webhook.objects.filter(pk=delivery.webhook_id).update(consecutive_failures=0)
    else:
        given_up = delivery.attempts >= settings.CITYOPS_WEBHOOK_MAX_ATTEMPTS
        delivery.status = WebhookDelivery.Status.FAILED if given_up else WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = None if given_up else now + backoff(delivery.attempts)
        _failure_count(delivery.webhook)
    delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at",
                                 "next_attempt_at"])  # fmt: skip


def _failure_count(webhook: Webhook) -> None:
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    webhook.refresh_from_db(fields=["consecutive_failures", "active"])
    if webhook.active and webhook.consecutive_failures >= settings.CITYOPS_WEBHOOK_DISABLE_AFTER:
        webhook_disable(webhook=webhook)


def webhook_disable(*, webhook: Webhook) -> None:
    """Disable a webhook that keeps failing (audited) and tell its owner."""
    from apps.core.audit import log_action
    from apps.notifications.events import WEBHOOK_DISABLED
    from apps.notifications.services import notify

    failures = webhook.consecutive_failures
    Webhook.objects.filter(pk=webhook.pk).update(active=False, disabled_at=timezone.now())
    webhook.active = False
    log_action(webhook, "notifications.webhook.disable", data={"consecutive_failures": failures})
    notify(
        users=[webhook.owner],
        event=WEBHOOK_DISABLED,
        title_zh=f"事件推送“{webhook.name}”连续失败 {failures} 次，已停用",
        title_en=f"Webhook “{webhook.name}” disabled after {failures} failures",
        link=f"/admin/notifications/webhook/{webhook.pk}/change/",
    )


def deliveries_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries of active webhooks whose next attempt is due (for the minute sweep)."""
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now or timezone.now(), webhook__active=True
    )
    return list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
