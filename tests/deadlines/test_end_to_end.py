"""End to end: a report passes 80 % and then 100 % of its working-day deadline, on a clock the test moves. A real
local HTTP receiver gets exactly one signed webhook per step and checks each signature with the recipe of
docs/webhooks.md; the department head's notification centre shows both, live over the websocket."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from apps.deadlines.models import DeadlinePolicy, EscalationStep, Unit
from apps.deadlines.services import deadlines_sweep
from apps.notifications.tasks import webhook_deliveries_retry_task
from tests.conftest import PASSWORD
from tests.core.test_consumers import open_socket, session_headers

SH = ZoneInfo("Asia/Shanghai")
SECRET = "s3cret-for-the-hotline-gateway"  # noqa: S105 (a test's webhook secret)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def verify(secret: str, headers: Any, body: bytes) -> bool:
    """The receiving side's check, as docs/webhooks.md gives it."""
    timestamp = headers["X-CityOps-Timestamp"]
    if abs(time.time() - int(timestamp)) > 300:  # older than 5 minutes: a replay
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={digest}", headers["X-CityOps-Signature"])


@pytest.mark.django_db(transaction=True)
def test_a_late_report_reaches_the_receiver_once_per_step_and_the_heads_bell_live(submit, categories, cast,
                                                                                   receiver):  # fmt: skip
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from apps.notifications.models import Notification, Webhook

    head = staff_user_upsert(username="head", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                             department_codes=["urban"])  # fmt: skip
    categories["urban"].head = head
    categories["urban"].save()
    policy = DeadlinePolicy.objects.create(name_zh="坑洼：1个工作日", name_en="Potholes: 1 working day",
                                           subject="grievance", category=categories["pothole"],
                                           completion_amount=Decimal(1), completion_unit=Unit.WORKING_DAYS)  # fmt: skip
    EscalationStep.objects.create(policy=policy, percent=80, remind_assignee=True, notify_head=True)
    EscalationStep.objects.create(policy=policy, percent=100, notify_head=True, raise_alert=True)
    hook = Webhook.objects.create(name="12345", owner=cast["admin"], url=receiver.url, events=["deadline.step"],
                                  secret=SECRET)  # fmt: skip
    with time_machine.travel(at("2026-09-30T16:00"), tick=False):  # the afternoon before National Day
        report = submit()
    assert report.due_at == at("2026-10-08T16:00")
    headers = session_headers(Client(), head)

    async def scenario() -> list[dict[str, Any]]:
        socket = await open_socket(headers)
        try:
            await socket.send_json_to({"type": "subscribe", "stream": "notifications", "params": {"user": head.pk}})
            frames = [await socket.receive_json_from(timeout=10)]
            for moment in ("2026-10-05T12:00", "2026-10-08T14:30", "2026-10-08T15:00", "2026-10-08T16:01"):
                with time_machine.travel(at(moment), tick=False):
                    await database_sync_to_async(deadlines_sweep)()
                    # embedded, the deliveries went out on commit; with a broker and no worker, the minute's sweep
                    # of due deliveries sends them here
                    await database_sync_to_async(webhook_deliveries_retry_task.apply)()
                while not await socket.receive_nothing(timeout=0.5):
                    frames.append(await socket.receive_json_from())
            return frames
        finally:
            await socket.disconnect()

    frames = async_to_sync(scenario)()

    # the receiver: one delivery per step (80 % at 14:24 on 8 October, 100 % at 16:00), each signed
    assert len(receiver.requests) == 2
    bodies = receiver.bodies()
    assert [b["data"]["step"]["percent"] for b in bodies] == [80, 100]
    assert {b["event"] for b in bodies} == {"deadline.step"}
    assert all(b["data"]["grievance"] == report.pk for b in bodies)
    assert all(datetime.fromisoformat(b["data"]["due_at"]) == at("2026-10-08T16:00") for b in bodies)
    for request in receiver.requests:  # checked as it arrived (the recipe refuses what is 5 minutes old)
        with time_machine.travel(int(request["headers"]["X-CityOps-Timestamp"]) + 2, tick=False):
            assert verify(SECRET, request["headers"], request["body"])
            assert not verify("another secret", request["headers"], request["body"])
            assert not verify(SECRET, request["headers"], request["body"] + b" ")  # tampered
    with time_machine.travel(at("2026-10-08T16:30"), tick=False):
        assert not verify(SECRET, receiver.requests[1]["headers"], receiver.requests[1]["body"])  # a replay
    text = json.dumps(bodies, ensure_ascii=False)
    assert "13912345678" not in text
    assert report.tracking_code not in text  # the citizen's key stays with the citizen
    assert hook.deliveries.filter(status="delivered").count() == 2
    # the head's bell: a snapshot, then each step live as it ran
    assert frames[0]["type"] == "snapshot"
    deltas = [f for f in frames[1:] if f["type"] == "delta"]
    titles = [f["data"]["notification"]["title_en"] for f in deltas]
    assert titles == [f"Report #{report.pk}: Pothole: Due 8 Oct 16:00",
                      f"Report #{report.pk}: Pothole: Overdue since 8 Oct 16:00"]  # fmt: skip
    assert [f["data"]["unread"] for f in deltas] == [1, 2]
    assert Notification.objects.filter(user=head, read_at=None).count() == 2
