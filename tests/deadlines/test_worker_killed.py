"""A Celery worker killed in the middle of an escalation step, on the real broker and PostgreSQL: the step still
runs exactly once — one notification, one audit entry, one webhook — when the next sweep comes.

The step's transaction is held open at the moment it writes the notification (the test locks that table), the
worker process is killed with SIGKILL there, and a new worker sweeps again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.deadlines.models import DeadlinePolicy, DeadlineStep, EscalationStep, Unit
from tests.conftest import PASSWORD, Receiver, celery_worker_start

pytestmark = [
    pytest.mark.services,
    pytest.mark.own_clock("the Celery workers are processes of their own, on the wall clock"),
]
ROOT = Path(__file__).resolve().parents[2]


def _worker() -> Any:
    return celery_worker_start()


def _waiting_on_the_lock(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE '%notifications_notification%'"
        ).fetchone()
    return bool(row and row[0])


def _until(check: Any, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_step_leaves_it_to_the_next_sweep_which_runs_it_once(submit, categories, cast):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from apps.core.models import AuditLog
    from apps.deadlines.tasks import deadlines_sweep_task
    from apps.notifications.models import Notification, Webhook

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and a Celery broker: run `make test-services`")
    # given a report whose 80 % step (tell the head) is due, and a webhook for deadline steps
    head = staff_user_upsert(username="head", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                             department_codes=["urban"])  # fmt: skip
    categories["urban"].head = head
    categories["urban"].save()
    policy = DeadlinePolicy.objects.create(name_zh="坑洼", subject="grievance", category=categories["pothole"],
                                           completion_amount=Decimal(1), completion_unit=Unit.WORKING_DAYS)  # fmt: skip
    EscalationStep.objects.create(policy=policy, percent=80, notify_head=True)
    report = submit()
    DeadlineStep.objects.filter(deadline__object_id=report.pk).update(fire_at=timezone.now() - timedelta(minutes=1))
    receiver = Receiver()
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    Webhook.objects.create(name="12345", owner=cast["admin"], url=receiver.url, events=["deadline.step"])
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    blocker = psycopg.connect(dsn)
    from cityops.celery import app

    app.control.purge()  # tasks other tests queued with no worker running would run in this one's workers
    first = _worker()
    try:
        # when the step's transaction is held at its notification and the worker is killed there
        blocker.execute("LOCK TABLE notifications_notification IN SHARE ROW EXCLUSIVE MODE")
        deadlines_sweep_task.delay()
        _until(lambda: _waiting_on_the_lock(dsn), seconds=90, what="the worker to reach the step's notification")
        first.kill()
        first.wait(timeout=30)
        blocker.rollback()
        _until(lambda: not _waiting_on_the_lock(dsn), seconds=60, what="the dead worker's transaction to end")
        assert DeadlineStep.objects.get(deadline__object_id=report.pk).ran_at is None  # rolled back with the kill
        assert not Notification.objects.exists()

        # then the next sweep, in a new worker, runs the step, once
        second = _worker()
        try:
            # (the killed worker's own message may come back to it too, and other sweeps may be queued: whichever
            # sweep comes first runs the step, the others find it run)
            ran = [deadlines_sweep_task.delay().get(timeout=90) for _n in range(3)]
            assert sum(ran) <= 1
            _until(lambda: DeadlineStep.objects.get(deadline__object_id=report.pk).ran_at is not None, seconds=90,
                   what="a sweep to run the step")  # fmt: skip
            assert deadlines_sweep_task.delay().get(timeout=90) == 0
            _until(lambda: len(receiver.requests) >= 1, seconds=60, what="the webhook delivery")
            time.sleep(1)  # anything sent twice would have come by now
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        blocker.close()
        receiver.server.shutdown()
        receiver.server.server_close()

    step = DeadlineStep.objects.get(deadline__object_id=report.pk)
    assert step.ran_at is not None
    assert step.outcome["notify_head"] == [head.pk]
    notes = Notification.objects.filter(user=head)
    assert [(n.event, n.count) for n in notes] == [("deadline.step", 1)]
    assert AuditLog.objects.filter(action="deadlines.grievance.step", target_id=str(report.pk)).count() == 1
    assert [body["data"]["step"]["percent"] for body in receiver.bodies()] == [80]
