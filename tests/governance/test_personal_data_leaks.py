"""A reporter's name, phone and e-mail never appear in plain text in the database, the logs or websocket
frames — searched for after they went through the portal, the workbench (read in clear with a purpose), an
export, an escalation on the wall."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from tests.conftest import PASSWORD
from tests.grievances.conftest import EMAIL, NAME, PHONE
from tests.indicators.live import flush_layer, in_thread, open_socket, session_headers, subscribe

SECRETS = (PHONE, NAME, EMAIL)


def every_stored_text() -> list[str]:
    """Every text-like value of every table, as the database holds it (what its file contains)."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our own table names)
            for row in cursor.fetchall():
                values.extend(str(v) for v in row if isinstance(v, str | bytes | memoryview | dict | list))
    return values


def report_through_the_portal(client, categories) -> str:
    response = client.post("/grievances/", {
        "category": "pothole", "description": "路面有个大坑，车过时很危险", "lon": "118.005", "lat": "32.01",
        "attribute[size]": "large", "name": NAME, "phone": PHONE, "email": EMAIL,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    from apps.grievances.models import Grievance

    return Grievance.objects.get().tracking_code


def test_never_in_plain_text_in_the_database_or_the_logs(client, categories, cast, caplog):
    caplog.set_level(logging.DEBUG)
    bad = client.post("/grievances/", {"category": "pothole", "description": "", "name": NAME, "phone": PHONE,
                                       "email": EMAIL})  # fmt: skip
    code = report_through_the_portal(client, categories)
    client.login(username="staff", password=PASSWORD)
    read = client.post(f"/grievances/workbench/{code}/contact", {"purpose": "callback"})
    export = client.post("/grievances/workbench/export.csv?state=all", {"purpose": "outcome"})

    assert bad.status_code == 400
    assert PHONE in read.content.decode()  # it was used: read in clear …
    assert PHONE in export.content.decode()
    stored = every_stored_text()
    assert len(stored) > 100
    assert [s for s in stored if any(secret in s for secret in SECRETS)] == []  # … but stored only encrypted
    assert not any(secret in caplog.text for secret in SECRETS)  # and never logged


def test_a_purpose_that_quotes_the_contact_is_kept_masked(client, categories, cast):
    # given
    code = report_through_the_portal(client, categories)
    client.force_login(cast["staff"])
    detail = f"{NAME}的号码 {PHONE} 打不通，试邮件 {EMAIL}"

    # when
    page = client.post(f"/grievances/workbench/{code}/contact", {"purpose": "other", "detail": detail})
    api = client.post(f"/api/v1/grievances/{code}/contact", {"purpose": detail},
                      content_type="application/json")  # fmt: skip
    export = client.post("/grievances/workbench/export.csv?state=all", {"purpose": "other", "detail": detail})

    # then
    assert (page.status_code, api.status_code, export.status_code) == (200, 200, 200)
    from apps.core.models import AuditLog

    purposes = [e.data["purpose"] for e in AuditLog.objects.filter(action__endswith="_personal").order_by("id")]
    assert len(purposes) == 3
    assert all("139****5678" in p and PHONE not in p and EMAIL not in p for p in purposes)


@pytest.mark.django_db(transaction=True)
def test_never_in_websocket_frames(cast, categories, submit):
    from apps.deadlines.services import deadlines_sweep

    headers = session_headers(cast["command"])

    def report_and_escalate() -> None:
        report = submit()
        deadlines_sweep(now=report.created_at + timedelta(hours=80))  # 100 %: the wall's alert
        from apps.dashboards.services import live_tick

        live_tick()

    async def scenario() -> list[str]:
        await flush_layer()
        socket = await open_socket(headers)
        try:
            subscriptions = [("wall", {"code": "C"}), ("alerts", {})]
            frames = [json.dumps(await subscribe(socket, *s), ensure_ascii=False) for s in subscriptions]
            await in_thread(report_and_escalate)()
            while not await socket.receive_nothing(timeout=1):
                frames.append(await socket.receive_from())
            return frames
        finally:
            await socket.disconnect()

    frames = async_to_sync(scenario)()

    assert any("grievance" in frame for frame in frames)  # the escalation reached the wall …
    assert not any(secret in frame for frame in frames for secret in SECRETS)  # … without the reporter
