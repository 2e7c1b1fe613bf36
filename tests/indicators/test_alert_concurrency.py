"""Two processes opening a family's alerts at the same moment (overlapping ticks on PostgreSQL) still link them:
the later one waits for the earlier one's commit and is held back by it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from apps.indicators.alerting import alert_raise
from apps.indicators.models import Alert


def _raise(region: Any) -> Alert:
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD, severity="warning", indicator="test.load", region=region, value=80.0,
        threshold=70.0, title_zh="测试", title_en="Test", at=timezone.now(),
    )  # fmt: skip
    return alert


@pytest.mark.django_db(transaction=True)
def test_a_child_alert_opened_while_its_parents_is_uncommitted_is_still_held_back_by_it(city):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; the race needs PostgreSQL")
    parent_open = threading.Event()
    errors: list[BaseException] = []

    def parent() -> None:
        try:
            with transaction.atomic():
                _raise(city["W"])
                parent_open.set()
                time.sleep(1.0)  # the parent's transaction stays open while the child's tick runs
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            parent_open.set()
            close_old_connections()
            connection.close()

    def child() -> None:
        try:
            parent_open.wait(10)
            _raise(city["W1"])
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    # when the district's tick opens its alert and, before it commits, another tick opens its street's
    threads = [threading.Thread(target=parent), threading.Thread(target=child)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then the street's alert waited for the district's and is held back by it
    assert errors == []
    assert dict(Alert.objects.values_list("region__code", "inhibited_by__region__code")) == {"W": None, "W1": "W"}
