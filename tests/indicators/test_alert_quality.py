"""Alerts that mean something: direction-aware words, a minimum sample, hierarchical inhibition, the storm
guard, and verdicts kept as they were found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.dashboards.selectors import ground_truth
from apps.indicators.alerting import alert_raise, alert_record_verdict, alert_transition, alerts_evaluate
from apps.indicators.models import Alert
from apps.indicators.registry import Indicator, indicator_registry
from apps.indicators.selectors import alert_payload, region_tiles
from apps.indicators.services import indicator_rollups_settle
from cityops import realtime

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def minute(n: int, seconds: int = 10) -> datetime:
    return T0 + timedelta(minutes=n, seconds=seconds)


@pytest.fixture
def satisfaction(load_indicator: Any) -> Any:
    """A mean rating bad when low (warning 3.5, critical 3.0) that alerts from 5 ratings, counted in
    test.ratings."""
    ratings = Indicator(code="test.ratings", domain="test", name_zh="评价数", name_en="Ratings", unit="",
                        aggregation="last", rollup="own", decimals=0, shown=False)  # fmt: skip
    indicator = Indicator(
        code="test.satisfaction",
        domain="test",
        name_zh="满意度",
        name_en="Satisfaction",
        unit="/5",
        aggregation="last",
        rollup="own",
        bad_direction="low",
        warning=3.5,
        critical=3.0,
        min_duration=timedelta(minutes=2),
        min_count=5,
        sample=ratings.code,
    )
    with indicator_registry.override(ratings, indicator):
        yield indicator


def rate(observe: Any, code: str, values: list[tuple[float, int]]) -> set[tuple[str, int]]:
    """One (mean rating, ratings) per minute from minute 0 in a region; returns the rolled-up pairs."""
    for i, (mean, ratings) in enumerate(values):
        observe(code, mean, at=minute(i), indicator="test.satisfaction")
        observe(code, ratings, at=minute(i), indicator="test.ratings")
    return indicator_rollups_settle()


def raise_on(region: Any, *, indicator: str = "test.load", value: float = 80.0, severity: str = "warning") -> Alert:
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity=severity,
        indicator=indicator,
        region=region,
        value=value,
        threshold=70.0,
        title_zh=f"{region.name_zh}：测试",
        title_en=f"{region.name_en}: Test",
        at=timezone.now(),
    )
    return alert


@pytest.fixture
def sent(monkeypatch: Any) -> list[tuple[str, dict[str, Any]]]:
    """(group, message) of every message sent to the channel layer, in order."""
    messages: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(realtime, "_group_send_many", messages.extend)
    return messages


def alerts_sent(sent: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [message["data"]["alert"] for _group, message in sent if "alert" in message["data"]]


def events_sent(sent: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, int | None]]:
    return [
        (message["data"]["event"], message["data"]["alert"]["region"], message["data"]["alert"]["inhibited_by"])
        for _group, message in sent
        if "alert" in message["data"]
    ]


def storms_sent(sent: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [message["data"]["storm"] for _group, message in sent if "storm" in message["data"]]


# --- Direction ---------------------------------------------------------------------------------------------


def test_a_too_low_satisfaction_reads_below_its_warning_in_both_languages(city, observe, satisfaction):
    # given E rated 3.3 on average by 12 people for three minutes (minimum 3.5)
    keys = rate(observe, "E", [(3.3, 12)] * 3)

    # when
    alerts_evaluate(keys=keys, now=minute(2, 30))

    # then the words say below, never above or 超标, and name the unit (a rating out of 5)
    alert = Alert.objects.get(region__code="E", indicator="test.satisfaction")
    assert (alert.severity, alert.value, alert.threshold) == ("warning", 3.3, 3.5)
    assert alert.title_zh == "东区：满意度低于预警值 3.5分（3.3分）"
    assert alert.title_en == "East District: Satisfaction below warning 3.5/5 (3.3/5)"
    assert alert_payload(alert)["direction"] == "below"


def test_a_critical_low_satisfaction_reads_below_critical(city, observe, satisfaction):
    # given E rated 2.0 by 6 people for three minutes (critical at 3.0)
    keys = rate(observe, "E", [(2.0, 6)] * 3)

    # when
    alerts_evaluate(keys=keys, now=minute(2, 30))

    # then
    alert = Alert.objects.get(region__code="E", indicator="test.satisfaction")
    assert alert.title_zh == "东区：满意度低于严重阈值 3分（2分）"
    assert alert.title_en == "East District: Satisfaction below critical 3/5 (2/5)"


# --- Minimum sample ----------------------------------------------------------------------------------------


def test_below_the_minimum_sample_nothing_alerts_and_the_tile_says_too_few(city, observe, satisfaction):
    # given E rated 2.0 by a single person for three minutes (5 ratings needed)
    keys = rate(observe, "E", [(2.0, 1)] * 3)

    # when
    touched = alerts_evaluate(keys=keys, now=minute(2, 30))
    [tile] = region_tiles(region_id=city["E"].id, region_code="E", codes=["test.satisfaction"], now=minute(2, 30))

    # then no alert, and the tile tells why it is not red
    assert touched == []
    assert Alert.objects.count() == 0
    shown = tile.as_dict()
    assert (shown["value"], shown["severity"], shown["count"], shown["min_count"], shown["too_few"]) == (
        2.0,
        "normal",
        1,
        5,
        True,
    )


def test_from_the_minimum_sample_on_the_same_value_alerts(city, observe, satisfaction):
    # given E rated 2.0 by exactly 5 people for three minutes
    keys = rate(observe, "E", [(2.0, 5)] * 3)

    # when
    alerts_evaluate(keys=keys, now=minute(2, 30))
    [tile] = region_tiles(region_id=city["E"].id, region_code="E", codes=["test.satisfaction"], now=minute(2, 30))

    # then
    assert list(Alert.objects.values_list("region__code", "severity")) == [("E", "critical")]
    assert (tile.severity, tile.count, tile.too_few) == ("critical", 5, False)


def test_a_map_cell_from_too_few_ratings_is_not_coloured_as_a_breach(city, observe, satisfaction):
    from apps.indicators.selectors import maps_values

    # given E rated 2.0 by one person, W by five
    rate(observe, "E", [(2.0, 1)] * 3)
    rate(observe, "W", [(2.0, 5)] * 3)

    # when a map reads both
    cells = maps_values(codes=["test.satisfaction"], region_ids={city["E"].id: "E", city["W"].id: "W"},
                        now=minute(2, 30))["test.satisfaction"]  # fmt: skip

    # then E is shown as on its tile (normal, too few) and W as the breach it is
    assert cells["E"] == {"value": 2.0, "severity": "normal", "stale": False, "too_few": True}
    assert cells["W"] == {"value": 2.0, "severity": "critical", "stale": False}


def test_an_open_alert_does_not_escalate_on_too_few(city, observe, satisfaction):
    # given a warning alert on E from 3.3 by 12 people
    alerts_evaluate(keys=rate(observe, "E", [(3.3, 12)] * 3), now=minute(2, 30))

    # when the ratings fall to 2 people who gave 2.0
    for i in range(3, 6):
        observe("E", 2.0, at=minute(i), indicator="test.satisfaction")
        observe("E", 2, at=minute(i), indicator="test.ratings")
    alerts_evaluate(keys=indicator_rollups_settle(), now=minute(5, 30))

    # then the alert is as it was
    alert = Alert.objects.get(region__code="E")
    assert (alert.severity, alert.value, alert.last_breach_at) == ("warning", 3.3, minute(2))


# --- Inhibition --------------------------------------------------------------------------------------------


def test_a_critical_child_is_never_hidden_inside_a_warning_parent(city):
    # given a warning on W
    west = raise_on(city["W"], value=75.0)

    # when its street W1 breaches critically, and another street W2 at warning
    street = raise_on(city["W1"], value=95.0, severity="critical")
    other = raise_on(city["W2"], value=76.0)

    # then the critical one stands on its own; the warning one is held back by W's warning
    street.refresh_from_db()
    other.refresh_from_db()
    assert street.inhibited_by_id is None
    assert other.inhibited_by_id == west.id


def test_a_held_alert_that_escalates_above_its_holder_stands_on_its_own(city, sent, django_capture_on_commit_callbacks):
    # given W1's warning held back by W's warning
    west = raise_on(city["W"], value=75.0)
    street = raise_on(city["W1"], value=80.0)
    assert street.inhibited_by_id == west.id

    # when W1's breach becomes critical
    with django_capture_on_commit_callbacks(execute=True):
        raise_on(city["W1"], value=95.0, severity="critical")

    # then it is released, and both its own card and W's (which no longer lists it) are told
    street.refresh_from_db()
    assert (street.severity, street.inhibited_by_id) == ("critical", None)
    assert {(event, region, held) for event, region, held in events_sent(sent)} == {
        ("updated", "W1", None),
        ("updated", "W", None),
    }


def test_a_warning_that_escalates_to_critical_takes_in_the_critical_alerts_under_it(
    city, sent, django_capture_on_commit_callbacks
):
    # given W at warning, its street W1 critical on its own (a warning holds no critical), W2 at warning held by W
    west = raise_on(city["W"], value=75.0)
    street = raise_on(city["W1"], value=95.0, severity="critical")
    other = raise_on(city["W2"], value=76.0)
    assert (Alert.objects.get(pk=street.pk).inhibited_by_id, Alert.objects.get(pk=other.pk).inhibited_by_id) == (
        None,
        west.id,
    )

    # when W's own breach turns critical
    with django_capture_on_commit_callbacks(execute=True):
        raise_on(city["W"], value=96.0, severity="critical")

    # then W holds both streets, as if it had opened critical; the walls hear of W and of W1
    assert dict(Alert.objects.values_list("region__code", "inhibited_by__region__code")) == {
        "W": None,
        "W1": "W",
        "W2": "W",
    }
    assert [held["region"] for held in alert_payload(Alert.objects.get(pk=west.pk))["inhibits"]] == ["W1", "W2"]
    told = {(region, held) for _event, region, held in events_sent(sent)}
    assert ("W1", west.id) in told
    assert ("W", None) in told


def test_an_escalation_still_held_leaves_what_is_under_it_with_the_alert_above(city):
    # given the city critical, holding W (warning) and W1 (critical)
    top = raise_on(city["C"], value=99.0, severity="critical")
    west = raise_on(city["W"], value=75.0)
    street = raise_on(city["W1"], value=95.0, severity="critical")

    # when W turns critical too
    raise_on(city["W"], value=96.0, severity="critical")

    # then the city still holds both: one card, at the top
    assert {a.region.code: a.inhibited_by_id for a in Alert.objects.select_related("region")} == {
        "C": None,
        "W": top.id,
        "W1": top.id,
    }
    assert west.id != street.id


def test_a_child_alert_is_held_back_by_its_parents_and_shows_again_when_it_resolves(
    city, cast, sent, django_capture_on_commit_callbacks
):
    # given an open alert on W
    with django_capture_on_commit_callbacks(execute=True):
        west = raise_on(city["W"], value=75.0)

    # when its street W1 breaches too
    with django_capture_on_commit_callbacks(execute=True):
        street = raise_on(city["W1"], value=80.0)

    # then W1's alert is recorded, held back by W's, and W's lists it
    assert events_sent(sent) == [("opened", "W", None), ("opened", "W1", west.id), ("updated", "W", None)]
    assert alerts_sent(sent)[-1]["inhibits"] == [
        {"id": street.id, "region": "W1", "region_name_zh": "西一街道", "region_name_en": "West 1 Subdistrict",
         "value": 80.0},
    ]  # fmt: skip

    # when W's alert is resolved
    with django_capture_on_commit_callbacks(execute=True):
        alert_transition(alert=west, action="resolve", user=cast["command"])

    # then W1's alert stands alone again, and the walls are told
    street.refresh_from_db()
    assert street.inhibited_by is None
    assert events_sent(sent)[3:] == [("resolve", "W", None), ("updated", "W1", None)]
    assert alert_payload(street)["inhibited_by"] is None


def test_an_alert_opening_above_takes_over_the_alerts_below(city, django_capture_on_commit_callbacks):
    # given bed-occupancy-like alerts on both districts and a street (the street held back by its district)
    east, west, street = raise_on(city["E"]), raise_on(city["W"]), raise_on(city["W1"])
    assert Alert.objects.get(pk=street.pk).inhibited_by_id == west.id

    # when the city alerts too
    city_alert = raise_on(city["C"])

    # then the city's alert holds every one below it, and only it stands alone
    payload = alert_payload(city_alert)
    assert [(held["region"], held["id"]) for held in payload["inhibits"]] == [
        ("E", east.id),
        ("W", west.id),
        ("W1", street.id),
    ]
    assert payload["inhibited_by"] is None
    assert dict(Alert.objects.values_list("region__code", "inhibited_by__region__code")) == {
        "C": None,
        "E": "C",
        "W": "C",
        "W1": "C",
    }


def test_a_breach_rolled_up_the_hierarchy_shows_once_at_the_top(city, observe):
    # given W1 above warning for three minutes: W (from W1 alone) and the city (from W) breach with it
    for i in range(3):
        observe("W1", 80, at=minute(i))

    # when
    alerts_evaluate(keys=indicator_rollups_settle(), now=minute(2, 30))

    # then three alerts are recorded, and the street's and the district's are held back by the city's
    assert dict(Alert.objects.values_list("region__code", "inhibited_by__region__code")) == {
        "C": None,
        "W": "C",
        "W1": "C",
    }


def test_when_the_top_alert_resolves_the_next_one_down_holds_the_rest(city, cast):
    # given alerts on C, W and W1, all held by C's
    top, west, street = raise_on(city["C"]), raise_on(city["W"]), raise_on(city["W1"])

    # when C's alert resolves
    alert_transition(alert=top, action="resolve", user=cast["command"])

    # then W's stands alone and holds W1's
    assert dict(Alert.objects.exclude(status="resolved").values_list("region__code", "inhibited_by")) == {
        "W": None,
        "W1": west.id,
    }
    west.refresh_from_db()
    assert [held["id"] for held in alert_payload(west)["inhibits"]] == [street.id]


def test_alerts_of_another_indicator_are_not_held_back(city):
    # given an alert of test.load on W
    raise_on(city["W"])

    # when another indicator alerts on W1
    other = raise_on(city["W1"], indicator="test.other")

    # then
    other.refresh_from_db()
    assert other.inhibited_by is None


# --- Storm guard -------------------------------------------------------------------------------------------


def test_a_storm_of_child_alerts_is_told_once_and_grouped_under_the_top_one(
    city, load_indicator, sent, settings, django_capture_on_commit_callbacks
):
    # given a limit of 3 new alerts in 5 minutes
    settings.CITYOPS_ALERT_STORM_COUNT = 3
    settings.CITYOPS_ALERT_STORM_WINDOW_S = 300

    # when the city and every region under it alert within a minute
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            top = raise_on(city["C"])
        for code in ("E", "W", "W1", "W2"):
            with django_capture_on_commit_callbacks(execute=True):
                raise_on(city[code])

    # then the room is told of one storm, from the fourth alert on, its count retold as the fifth came
    # (the city's room: West holds only three of them, not past the limit)
    assert storms_sent(sent) == [
        {"active": True, "since": T0.isoformat(), "new_alerts": 4, "scope": None, "window_s": 300},
        {"active": True, "since": T0.isoformat(), "new_alerts": 5, "scope": None, "window_s": 300},
    ]
    # and every alert carries what the wall groups by, the city's listing the others
    last = {alert["region"]: alert for alert in alerts_sent(sent)}
    assert {(a["indicator"], a["kind"], a["severity"], a["direction"]) for a in last.values()} == {
        ("test.load", "threshold", "warning", "above")
    }
    assert {code: a["region_level"] for code, a in last.items()} == {
        "C": "city",
        "E": "district",
        "W": "district",
        "W1": "street",
        "W2": "street",
    }
    assert [held["region"] for held in last["C"]["inhibits"]] == ["E", "W", "W1", "W2"]
    assert {code: a["inhibited_by"] for code, a in last.items() if code != "C"} == dict.fromkeys(
        ("E", "W", "W1", "W2"), top.id
    )

    # when the window passes with no new alert
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        for _tick in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                alerts_evaluate(keys=[])

    # then the room is told once that it is over
    assert storms_sent(sent)[2:] == [
        {
            "active": False,
            "since": T0.isoformat(),
            "until": (T0 + timedelta(minutes=6)).isoformat(),
            "new_alerts": 0,
            "scope": None,
            "window_s": 300,
        }
    ]


def test_each_room_hears_of_its_own_storm_with_its_own_count_and_no_other(
    city, cast, sent, settings, django_capture_on_commit_callbacks
):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from apps.indicators.storm import storm_state
    from apps.indicators.streams import ALERTS_STREAM

    # given a limit of 2 new alerts in 5 minutes, and people assigned West, its street W1, East, and none (city)
    settings.CITYOPS_ALERT_STORM_COUNT = 2
    street_officer = staff_user_upsert(username="w1", password="x-Pass-2026!", roles=[Role.FIELD_OFFICER],
                                       region_codes=["W1"])  # fmt: skip
    west, east, centre = cast["officer"], cast["other_officer"], cast["command"]

    # when West, W1 and W2 alert within a minute
    with time_machine.travel(T0, tick=False):
        for code in ("W", "W1", "W2"):
            with django_capture_on_commit_callbacks(execute=True):
                raise_on(city[code])

    # then two rooms are told, each with its own count: the city's and West's (W1's room holds one alert only)
    storms = storms_sent(sent)
    assert sorted((s["scope"] or "", s["new_alerts"]) for s in storms) == [("", 3), ("/C/W/", 3)]

    # and each socket hears only its own room's
    def hears(user: Any) -> list[Any]:
        viewer = ALERTS_STREAM.viewer(user)
        return [s["scope"] for s in storms if ALERTS_STREAM.visible(viewer, {"storm": s})]

    assert hears(west) == ["/C/W/"]
    assert hears(street_officer) == []  # never West's count: it holds alerts W1's officer cannot see
    assert hears(east) == []
    assert hears(centre) == [None]
    # and a snapshot says the same
    assert storm_state(room=ALERTS_STREAM.viewer(west).storm_room)["new_alerts"] == 3
    assert storm_state(room=ALERTS_STREAM.viewer(street_officer).storm_room)["active"] is False


def test_a_storm_that_grows_is_told_again_with_its_count(city, sent, settings, django_capture_on_commit_callbacks):
    # given a limit of 4 (retold every 1 more), and a storm started by five alerts
    settings.CITYOPS_ALERT_STORM_COUNT = 4
    with time_machine.travel(T0, tick=False):
        for code in ("C", "E", "W", "W1", "W2"):
            with django_capture_on_commit_callbacks(execute=True):
                raise_on(city[code], indicator="test.a" if code != "W2" else "test.b")

        # when one more opens
        with django_capture_on_commit_callbacks(execute=True):
            raise_on(city["W2"], indicator="test.c")

    # then the room hears the storm start at five and grow to six, in the same storm
    city_storms = [s for s in storms_sent(sent) if s["scope"] is None]
    assert [(s["active"], s["new_alerts"], s["since"]) for s in city_storms] == [
        (True, 5, T0.isoformat()),
        (True, 6, T0.isoformat()),
    ]


def test_alerts_under_the_limit_tell_no_storm(city, sent, settings, django_capture_on_commit_callbacks):
    # given a limit of 3 new alerts in 5 minutes
    settings.CITYOPS_ALERT_STORM_COUNT = 3

    # when three alerts open
    for code in ("E", "W", "W1"):
        with django_capture_on_commit_callbacks(execute=True):
            raise_on(city[code])

    # then
    assert storms_sent(sent) == []
    assert len(events_sent(sent)) == 4  # three opened, W updated when W1 joined it


# --- Verdicts ----------------------------------------------------------------------------------------------


def test_a_partly_verdict_stays_partly_in_the_payload_and_the_ground_truth(city, cast):
    # given two open alerts in W
    partly, confirmed = raise_on(city["W"]), raise_on(city["E"])

    # when the officers find one partly true (84 % measured) and the other true
    alert_record_verdict(alert=partly, verdict="partly", user=cast["officer"], details={"observed_value": 84})
    alert_record_verdict(alert=confirmed, verdict="confirmed", user=cast["other_officer"])

    # then the status follows the lifecycle, the verdict is as found
    partly.refresh_from_db()
    assert (partly.status, partly.verdict) == ("confirmed", "partly")
    assert alert_payload(partly)["verdict"] == "partly"
    truth = ground_truth(region=city["C"])
    assert truth["verdicts"] == {"confirmed": 1, "partly": 1, "contradicted": 0, "could_not_verify": 0}
    assert (truth["verified"], truth["contradicted"], truth["share_verified"], truth["share_confirmed"]) == (
        2,
        0,
        1.0,
        0.75,
    )


def test_an_unknown_verdict_is_refused(city):
    # given
    alert = raise_on(city["W"])

    # when
    with pytest.raises(ApplicationError, match="unknown verdict"):
        alert_record_verdict(alert=alert, verdict="mostly")

    # then
    alert.refresh_from_db()
    assert (alert.status, alert.verdict, alert.verified_at) == ("open", "", None)


def test_breach_words_name_the_unit_in_each_language_and_leave_scales_bare():
    # given the real indicators of the demo city's domains
    from apps.indicators.alerting import breach_words
    from apps.indicators.registry import get_indicator

    wait, congestion, pm25 = (
        get_indicator(c) for c in ("healthcare.er_wait", "traffic.congestion", "environment.pm25")
    )

    # then a wait reads in minutes, PM2.5 in its unit, the congestion index (a 0–10 scale) bare
    assert breach_words(wait, "warning", 66, 60) == (
        "急诊最长候诊超过预警值 60分钟（66分钟）",
        "Longest emergency wait above warning 60 min (66 min)",
    )
    assert breach_words(pm25, "critical", 160, 150)[1] == "PM2.5 above critical 150 µg/m³ (160 µg/m³)"
    assert breach_words(congestion, "critical", 8.4, 8) == (
        "交通拥堵指数超过严重阈值 8（8.4）",
        "Congestion index above critical 8 (8.4)",
    )
