from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from apps.core.models import AuditLog
from apps.notifications.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


def _add(client, cast, receiver, **extra):
    data = {"name": "hotline", "owner": cast["admin"].pk, "url": receiver.url, "events": ["alert.opened"],
            "active": "on", **extra}  # fmt: skip
    return client.post("/admin/notifications/webhook/add/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_the_secret_is_made_on_creation_shown_once_and_never_again(client, cast, receiver):
    client.force_login(cast["admin"])

    added = _add(client, cast, receiver, personal_data="on")

    hook = Webhook.objects.get()
    shown = [str(m) for m in get_messages(added.wsgi_request)]
    first = client.get(added.headers["Location"]).content.decode()  # where the admin goes after saving
    change = client.get(f"/admin/notifications/webhook/{hook.pk}/change/").content.decode()
    listing = client.get("/admin/notifications/webhook/").content.decode()
    assert len(hook.secret) >= 40
    assert any(hook.secret in message for message in shown)
    assert hook.secret in first
    assert hook.secret not in change
    assert hook.secret not in listing
    assert hook.personal_data is True
    saved = AuditLog.objects.get(action="notifications.webhook.save", target_id=str(hook.pk))
    assert saved.data == {"personal_data": True, "events": ["alert.opened"]}


def test_only_http_and_https_urls_are_taken(client, cast, receiver):
    client.force_login(cast["admin"])

    response = _add(client, cast, receiver, url="file:///etc/passwd")

    assert response.status_code == 200
    assert Webhook.objects.count() == 0


def test_a_test_ping_is_delivered_and_logged(client, cast, webhook, receiver, django_capture_on_commit_callbacks):
    hook = webhook(events=["grievance.status"])
    client.force_login(cast["admin"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/notifications/webhook/", {"action": "send_ping", "_selected_action": [hook.pk]})

    assert [body["event"] for body in receiver.bodies()] == ["ping"]
    assert WebhookDelivery.objects.get().status == "delivered"


def test_retry_now_sends_a_failed_delivery_again(client, cast, webhook, receiver, django_capture_on_commit_callbacks):
    hook = webhook()
    delivery = WebhookDelivery.objects.create(webhook=hook, event="alert.opened", payload={"id": 1}, status="failed",
                                              attempts=8)  # fmt: skip
    client.force_login(cast["admin"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/notifications/webhookdelivery/", {"action": "retry_now", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("delivered", 9, 1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_delivery_log_and_notifications_list_open(client, cast, webhook, language):
    hook = webhook()
    WebhookDelivery.objects.create(webhook=hook, event="alert.opened", payload={"id": 1})
    client.force_login(cast["admin"])

    log = client.get(
        f"/admin/notifications/webhookdelivery/?webhook__id__exact={hook.pk}", HTTP_ACCEPT_LANGUAGE=language
    )
    notifications = client.get("/admin/notifications/notification/", HTTP_ACCEPT_LANGUAGE=language)

    assert (log.status_code, notifications.status_code) == (200, 200)
    assert ("事件推送投递记录" if language == "zh-hans" else "webhook deliveries") in log.content.decode()
