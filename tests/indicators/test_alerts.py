"""Threshold alerts from rolled-up values, the alert lifecycle, verdicts, auto-resolution and publishing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.utils import translation

from apps.core.audit import audit_log_for
from apps.core.errors import ApplicationError
from apps.indicators.alerting import alert_raise, alert_record_verdict, alert_transition, alerts_evaluate
from apps.indicators.models import Alert
from apps.indicators.registry import Indicator, indicator_registry
from apps.indicators.services import indicator_rollups_settle
from cityops import realtime
from cityops.realtime import get_stream, group_name

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def minute(n: int, seconds: int = 10) -> datetime:
    return T0 + timedelta(minutes=n, seconds=seconds)


def feed(observe: Any, code: str, values: list[float], first_minute: int = 0) -> set[tuple[str, int]]:
    """One observation per minute from `first_minute`, at ten seconds past; returns the rolled-up pairs."""
    for i, value in enumerate(values):
        observe(code, value, at=minute(first_minute + i))
    return indicator_rollups_settle()


def actions(alert: Alert) -> list[str]:
    return list(audit_log_for(alert).order_by("id").values_list("action", flat=True))


def open_alert(region: Any, **fields: Any) -> Alert:
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity=Alert.Severity.WARNING,
        indicator="test.load",
        region=region,
        value=80.0,
        threshold=70.0,
        title_zh="测试",
        title_en="Test",
        at=T0,
        **fields,
    )
    return alert


# --- Threshold breaches --------------------------------------------------------------------------------


def test_a_single_minute_above_warning_raises_no_alert(city, observe):
    # given one minute of E above warning
    keys = feed(observe, "E", [85])

    # when
    touched = alerts_evaluate(keys=keys, now=minute(0, 30))

    # then
    assert touched == []
    assert Alert.objects.count() == 0


def test_a_breach_after_a_normal_minute_in_the_window_raises_no_alert(city, observe):
    # given E normal, then above warning for one minute
    keys = feed(observe, "E", [50, 85])

    # when
    touched = alerts_evaluate(keys=keys, now=minute(1, 30))

    # then
    assert touched == []
    assert Alert.objects.count() == 0


def test_a_breach_lasting_the_minimum_duration_opens_one_warning_alert(city, observe):
    # given E above warning for three consecutive minutes
    keys = feed(observe, "E", [75, 80, 85.04])

    # when
    touched = alerts_evaluate(keys=keys, now=minute(2, 30))

    # then one alert on E (C, rolled up from E alone, breaches too)
    alert = Alert.objects.get(region__code="E")
    assert alert in touched
    assert (alert.kind, alert.indicator, alert.subject, alert.severity, alert.status) == (
        "threshold",
        "test.load",
        "",
        "warning",
        "open",
    )
    assert (alert.value, alert.threshold) == (85.0, 70.0)
    assert alert.title_en == "East District: Test load above warning 70% (85%)"
    assert alert.title_zh == "东区：测试负载超过预警值 70%（85%）"
    assert alert.opened_at == alert.last_breach_at == minute(2)
    assert actions(alert) == ["indicators.alert.open"]
    assert sorted(Alert.objects.values_list("region__code", flat=True)) == ["C", "E"]


def test_a_breach_in_both_streets_raises_alerts_up_the_hierarchy(city, observe):
    # given W1 and W2 above warning for three minutes
    for i in range(3):
        observe("W1", 80, at=minute(i))
        observe("W2", 80, at=minute(i))
    keys = indicator_rollups_settle()

    # when
    alerts_evaluate(keys=keys, now=minute(2, 30))

    # then the streets, their district and the city (rolled up from W alone) each have one alert
    assert sorted(Alert.objects.values_list("region__code", flat=True)) == ["C", "W", "W1", "W2"]
    assert Alert.objects.get(region__code="W").value == 80.0


def test_a_critical_value_escalates_the_same_alert(city, observe):
    # given an open warning alert on E
    alerts_evaluate(keys=feed(observe, "E", [75, 80, 85]), now=minute(2, 30))
    alert = Alert.objects.get(region__code="E")

    # when E goes critical
    alerts_evaluate(keys=feed(observe, "E", [95], first_minute=3), now=minute(3, 30))

    # then still one unresolved alert on E, now critical
    assert Alert.objects.filter(region__code="E").exclude(status="resolved").count() == 1
    alert.refresh_from_db()
    assert (alert.severity, alert.status, alert.value, alert.threshold) == ("critical", "open", 95.0, 90.0)
    assert (alert.opened_at, alert.last_breach_at) == (minute(2), minute(3))
    assert alert.title_en == "East District: Test load above critical 90% (95%)"
    assert alert.title_zh == "东区：测试负载超过严重阈值 90%（95%）"
    assert actions(alert) == ["indicators.alert.open"]


def test_severity_never_drops_while_the_alert_is_unresolved(city, observe):
    # given a critical alert on E
    alerts_evaluate(keys=feed(observe, "E", [95, 95, 95]), now=minute(2, 30))

    # when E falls back to the warning band
    alerts_evaluate(keys=feed(observe, "E", [75], first_minute=3), now=minute(3, 30))

    # then the alert stays critical with the new value
    alert = Alert.objects.get(region__code="E")
    assert (alert.severity, alert.value, alert.last_breach_at) == ("critical", 75.0, minute(3))


def test_a_breach_in_the_other_district_opens_a_second_alert(city, observe):
    # given an open alert on E
    alerts_evaluate(keys=feed(observe, "E", [80, 80, 80]), now=minute(2, 30))

    # when W (reported for the district itself) breaches too
    alerts_evaluate(keys=feed(observe, "W", [75, 75, 75], first_minute=3), now=minute(5, 30))

    # then one alert per district
    unresolved = Alert.objects.exclude(status="resolved").filter(region__level="district")
    assert sorted(unresolved.values_list("region__code", "value")) == [("E", 80.0), ("W", 75.0)]


def test_the_database_refuses_a_second_unresolved_alert_for_the_same_subject(city):
    # given an open alert on E
    open_alert(city["E"])

    # when a second one is created behind the services' back
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            kind="threshold",
            indicator="test.load",
            region=city["E"],
            severity="critical",
            title_zh="重复",
            title_en="Duplicate",
            opened_at=T0,
            last_breach_at=T0,
        )

    # then
    assert Alert.objects.count() == 1


def test_a_resolved_alert_does_not_block_a_new_one_for_the_same_subject(city, cast):
    # given a resolved alert on E
    alert_transition(alert=open_alert(city["E"]), action="resolve", user=cast["command"])

    # when
    again, created = alert_raise(
        kind="threshold",
        severity="warning",
        indicator="test.load",
        region=city["E"],
        title_zh="再次",
        title_en="Again",
        at=T0 + timedelta(hours=1),
    )

    # then
    assert created is True
    assert sorted(Alert.objects.values_list("status", flat=True)) == ["open", "resolved"]
    assert again.opened_at == T0 + timedelta(hours=1)


def test_back_to_normal_resolves_only_after_resolve_after(city, observe):
    # given an alert on E whose last breach was at 17:02:10
    alerts_evaluate(keys=feed(observe, "E", [80, 80, 80]), now=minute(2, 30))
    alert = Alert.objects.get(region__code="E")

    # when E is normal one minute later (< 5 minutes after the last breach)
    alerts_evaluate(keys=feed(observe, "E", [50], first_minute=3), now=minute(3, 30))
    alert.refresh_from_db()
    early = (alert.status, alert.resolved_at)

    # and again 5 min 20 s after the last breach
    keys = feed(observe, "E", [50], first_minute=7)
    with time_machine.travel(minute(7, 30), tick=False):
        touched = alerts_evaluate(keys=keys, now=minute(7, 30))

    # then
    assert early == ("open", None)
    alert.refresh_from_db()
    assert alert in touched
    assert (alert.status, alert.resolved_at, alert.resolved_by) == ("resolved", minute(7, 30), None)
    assert alert.details["resolution"] == "back to normal"
    assert actions(alert) == ["indicators.alert.open", "indicators.alert.auto_resolve"]


def test_unknown_indicators_are_skipped(city, observe):
    # given rolled-up values of E above warning for three minutes
    keys = feed(observe, "E", [80, 80, 80])

    # when evaluated under an unknown indicator code
    touched = alerts_evaluate(keys=[("no.such", region_id) for _code, region_id in keys], now=minute(2, 30))

    # then
    assert touched == []
    assert Alert.objects.count() == 0


def test_indicators_without_thresholds_never_alert(city, observe):
    # given an indicator without warning or critical levels, with high values for three minutes
    with indicator_registry.override(
        Indicator(code="test.info", domain="test", name_zh="信息", name_en="Info", unit="")
    ):
        for i in range(3):
            observe("E", 1e6, at=minute(i), indicator="test.info")
        keys = indicator_rollups_settle()

        # when
        touched = alerts_evaluate(keys=keys, now=minute(2, 30))

    # then
    assert ("test.info", city["E"].id) in keys
    assert touched == []
    assert Alert.objects.count() == 0


# --- Lifecycle -----------------------------------------------------------------------------------------


def test_acknowledge_then_request_verification_then_resolve(city, cast):
    # given an open alert on E
    alert = open_alert(city["E"])
    command = cast["command"]

    # when
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        acknowledged = alert_transition(alert=alert, action="acknowledge", user=command, note="on it")
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        requested = alert_transition(alert=alert, action="request_verification", user=command)
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        resolved = alert_transition(alert=alert, action="resolve", user=command)

    # then each step is stamped with its time and user, and audited
    assert (acknowledged.status, requested.status, resolved.status) == (
        "acknowledged",
        "verification_requested",
        "resolved",
    )
    alert.refresh_from_db()
    assert (alert.acknowledged_at, alert.acknowledged_by) == (T0 + timedelta(minutes=1), command)
    assert (alert.verification_requested_at, alert.verification_requested_by) == (T0 + timedelta(minutes=2), command)
    assert (alert.resolved_at, alert.resolved_by) == (T0 + timedelta(minutes=3), command)
    trail = list(audit_log_for(alert).order_by("id").values_list("action", "actor__username", "data"))
    assert trail == [
        ("indicators.alert.open", None, {"kind": "threshold", "severity": "warning", "value": 80.0}),
        ("indicators.alert.acknowledge", "command", {"note": "on it"}),
        ("indicators.alert.request_verification", "command", {}),
        ("indicators.alert.resolve", "command", {}),
    ]


def test_acknowledging_twice_is_refused_and_changes_nothing(city, cast):
    # given an acknowledged alert
    alert = open_alert(city["E"])
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        alert_transition(alert=alert, action="acknowledge", user=cast["command"])

    # when
    with (
        translation.override("en"),
        time_machine.travel(T0 + timedelta(minutes=2), tick=False),
        pytest.raises(ApplicationError) as raised,
    ):
        alert_transition(alert=alert, action="acknowledge", user=cast["admin"])

    # then
    assert raised.value.message == "an alert that is Acknowledged cannot be acknowledged"
    assert raised.value.fields == {"status": ["acknowledged"]}
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_at, alert.acknowledged_by) == (
        "acknowledged",
        T0 + timedelta(minutes=1),
        cast["command"],
    )
    assert actions(alert) == ["indicators.alert.open", "indicators.alert.acknowledge"]


def test_a_resolved_alert_cannot_be_resolved_or_acknowledged_again(city, cast):
    # given a resolved alert
    alert = alert_transition(alert=open_alert(city["E"]), action="resolve", user=cast["command"])
    resolved_at = alert.resolved_at

    # when / then
    for action in ("resolve", "acknowledge", "request_verification"):
        with pytest.raises(ApplicationError):
            alert_transition(alert=alert, action=action, user=cast["admin"])
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_at, alert.resolved_by) == ("resolved", resolved_at, cast["command"])
    assert actions(alert) == ["indicators.alert.open", "indicators.alert.resolve"]


def test_an_unknown_action_is_refused(city, cast):
    # given
    alert = open_alert(city["E"])

    # when
    with pytest.raises(ApplicationError) as raised:
        alert_transition(alert=alert, action="delete", user=cast["command"])

    # then
    assert raised.value.fields == {"action": ["unknown"]}
    alert.refresh_from_db()
    assert alert.status == "open"
    assert actions(alert) == ["indicators.alert.open"]


def test_the_refusal_to_request_verification_twice_reads_as_english(city, cast):
    # given an alert already sent for verification
    alert = open_alert(city["E"])
    alert_transition(alert=alert, action="request_verification", user=cast["command"])

    # when
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        alert_transition(alert=alert, action="request_verification", user=cast["command"])

    # then the message names the state and does not glue a "d" onto "request verification"
    assert raised.value.message.startswith("an alert that is Sent for verification cannot be ")
    assert "verificationd" not in raised.value.message


# --- Verdicts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", ["confirmed", "contradicted", "could_not_verify"])
def test_a_verdict_sets_the_status_and_verified_at(city, cast, verdict):
    # given an alert sent for verification
    alert = open_alert(city["E"])
    alert_transition(alert=alert, action="request_verification", user=cast["command"])

    # when
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        result = alert_record_verdict(alert=alert, verdict=verdict, user=cast["officer"], details={"photos": 2})

    # then
    alert.refresh_from_db()
    assert (result.status, alert.status) == (verdict, verdict)
    assert alert.verified_at == T0 + timedelta(minutes=30)
    assert alert.details["verdict"] == {"photos": 2}
    entry = audit_log_for(alert).order_by("-id").first()
    assert (entry.action, entry.actor, entry.data) == (
        "indicators.alert.verdict",
        cast["officer"],
        {"verdict": verdict},
    )


def test_could_not_verify_can_be_sent_for_verification_again(city, cast):
    # given
    alert = open_alert(city["E"])
    alert_record_verdict(alert=alert, verdict="could_not_verify")

    # when
    alert = alert_transition(alert=alert, action="request_verification", user=cast["command"])

    # then
    assert alert.status == "verification_requested"


def test_an_unknown_verdict_is_refused(city):
    # given
    alert = open_alert(city["E"])

    # when
    with pytest.raises(ApplicationError) as raised:
        alert_record_verdict(alert=alert, verdict="probably")

    # then
    assert raised.value.fields == {"verdict": ["unknown"]}
    alert.refresh_from_db()
    assert (alert.status, alert.verified_at) == ("open", None)
    assert actions(alert) == ["indicators.alert.open"]


def test_a_verdict_on_a_resolved_alert_is_refused(city, cast):
    # given
    alert = alert_transition(alert=open_alert(city["E"]), action="resolve", user=cast["command"])

    # when
    with pytest.raises(ApplicationError):
        alert_record_verdict(alert=alert, verdict="confirmed")

    # then
    alert.refresh_from_db()
    assert (alert.status, alert.verified_at) == ("resolved", None)


# --- Publishing ----------------------------------------------------------------------------------------


def test_transitions_are_published_on_the_alerts_stream_after_commit(city, cast, django_capture_on_commit_callbacks):
    # given an open alert and a listener on the alerts stream's group
    with django_capture_on_commit_callbacks(execute=True):
        alert = open_alert(city["E"])
    layer = get_channel_layer()

    def transitions() -> None:
        for action in ("acknowledge", "request_verification"):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                alert_transition(alert=alert, action=action, user=cast["command"])
            # one stream message per change (the other callbacks seal the audit trail, mark the ground truth)
            assert [c.__qualname__ for c in callbacks].count("streams_publish.<locals>.send") == 1
        with django_capture_on_commit_callbacks(execute=True):
            alert_record_verdict(alert=alert, verdict="confirmed")

    async def listen_while_transitions_commit() -> list[dict[str, Any]]:
        # One event loop for listening and publishing: channels-redis keeps per-loop connections, and its pub/sub
        # layer delivers to the channels subscribed when a message is published.
        await layer.flush()
        channel = await layer.new_channel()
        await layer.group_add(group_name(get_stream("alerts"), {}), channel)
        await sync_to_async(transitions)()  # when
        return [await asyncio.wait_for(layer.receive(channel), timeout=5) for _ in range(3)]

    messages = async_to_sync(listen_while_transitions_commit)()

    # then one message per change, in order, with consecutive sequence numbers
    assert [m["data"]["event"] for m in messages] == ["acknowledge", "request_verification", "verdict"]
    assert [m["data"]["alert"]["status"] for m in messages] == ["acknowledged", "verification_requested", "confirmed"]
    assert {(m["stream"], m["group"], m["data"]["alert"]["id"]) for m in messages} == {
        ("alerts", "live.alerts.all", alert.id)
    }
    assert [m["seq"] - messages[0]["seq"] for m in messages] == [0, 1, 2]
    assert messages[0]["data"]["alert"]["region"] == "E"


def test_nothing_is_published_before_the_transaction_commits(
    city, cast, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    alert = open_alert(city["E"])
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(realtime, "_group_send_many", sent.extend)

    # when the transition runs but its transaction has not committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert_transition(alert=alert, action="resolve", user=cast["command"])
    before_commit = list(sent)
    for callback in callbacks:
        callback()

    # then
    assert before_commit == []
    assert [(group, message["data"]["event"]) for group, message in sent] == [("live.alerts.all", "resolve")]
