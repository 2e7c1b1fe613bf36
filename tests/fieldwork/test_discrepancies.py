"""Cross-department discrepancy rules: each fires when its sources disagree about a district, stays quiet
when they agree, and a firing rule is sent for verification on site."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.fieldwork.models import Assignment
from apps.indicators.discrepancies import discrepancies_evaluate
from apps.indicators.models import Alert
from apps.indicators.services import Observation, indicator_observations_record


def aqi(region, value, now):
    indicator_observations_record(
        observations=[
            Observation("environment.aqi", region.id, now - timedelta(minutes=m), value) for m in (5, 60, 120)
        ]
    )


@pytest.fixture
def smoke(categories):
    from apps.grievances.models import Category

    return Category.objects.create(code="smoke-odour", name_zh="油烟异味", name_en="Smoke or odour",
                                   department=categories["urban"], deadline_hours=48)  # fmt: skip


def smoke_reports(submit_category, n):
    from apps.grievances.services import grievance_submit

    for _ in range(n):
        grievance_submit(channel="web", category=submit_category, description="油烟很大", lon=118.005, lat=32.01)


def rule_alerts(code, region="W"):
    return Alert.objects.filter(kind="discrepancy", subject=f"discrepancy:{code}", region__code=region)


def test_good_air_and_smoke_complaints_disagree(city, smoke):
    smoke_reports(smoke, 3)
    now = timezone.now()
    aqi(city["W"], 60, now)

    discrepancies_evaluate(now=now)

    [alert] = rule_alerts("air-good-smoke-complaints")
    assert alert.status == "verification_requested"
    assert alert.details["evidence"] == {"reports": 3, "aqi_max": 60, "window_hours": 3}
    assert Assignment.objects.get(alert=alert).kind == "alert"  # an officer of the district goes to look


@pytest.mark.parametrize(("value", "reports"), [(160, 3), (60, 2)])
def test_agreeing_or_thin_sources_stay_quiet(city, smoke, value, reports):
    smoke_reports(smoke, reports)
    now = timezone.now()
    aqi(city["W"], value, now)  # bad air explains the complaints; or too few complaints to mean anything

    discrepancies_evaluate(now=now)

    assert not rule_alerts("air-good-smoke-complaints").exists()


def test_smooth_traffic_and_clustering_incidents_disagree(city):
    from apps.traffic.models import TrafficIncident

    now = timezone.now()
    smooth = [Observation("traffic.congestion", city["E"].id, now - timedelta(minutes=m), 2.0) for m in (5, 20, 40)]
    indicator_observations_record(observations=smooth)
    for k in range(3):
        TrafficIncident.objects.create(kind="accident", source="citizen", lon=118.03, lat=32.01, region=city["E"],
                                       reported_at=now - timedelta(minutes=10 * k))  # fmt: skip

    discrepancies_evaluate(now=now)

    assert rule_alerts("traffic-normal-incidents-cluster", "E").exists()
    assert not rule_alerts("traffic-normal-incidents-cluster", "W").exists()


def test_a_feed_contradicted_on_site_twice(city, cast):
    from apps.indicators.alerting import alert_raise
    from tests.fieldwork.conftest import record_visit, t0, visit_data

    now = timezone.now()
    for k in range(2):
        alert, _created = alert_raise(kind="threshold", severity="warning", title_zh="噪声", title_en="noise",
                                      region=city["W1"], indicator="environment.noise_over_limit",
                                      subject=f"s{k}")  # fmt: skip
        record_visit(officer=cast["officer"], data=visit_data(
            start=t0() + timedelta(hours=k), findings=[{"alert": alert.pk, "verdict": "contradicted"}]))  # fmt: skip

    discrepancies_evaluate(now=now)

    [alert] = rule_alerts("field-contradicts-feed")
    assert alert.details["evidence"]["indicator"] == "environment.noise_over_limit"
    assert alert.details["evidence"]["contradictions"] == 2


def test_a_discrepancy_resolves_when_the_sources_agree_again(city, smoke):
    smoke_reports(smoke, 3)
    now = timezone.now()
    aqi(city["W"], 60, now)
    discrepancies_evaluate(now=now)

    discrepancies_evaluate(now=now + timedelta(hours=4))  # the reports are older than the window now

    assert rule_alerts("air-good-smoke-complaints").get().status == "resolved"


def test_screen_only_regions_until_someone_goes(city, cast):
    from apps.dashboards.selectors import ground_truth
    from apps.indicators.alerting import alert_raise, alert_transition
    from tests.fieldwork.conftest import record_visit, visit_data

    alert, _created = alert_raise(kind="threshold", severity="warning", title_zh="噪声", title_en="noise",
                                  region=city["W1"], indicator="environment.noise_over_limit")  # fmt: skip
    before = ground_truth()
    alert_transition(alert=alert, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert)
    record_visit(officer=cast["officer"], data=visit_data(
        start=timezone.now() - timedelta(minutes=30), assignment=assignment.pk,
        findings=[{"alert": alert.pk, "verdict": "confirmed"}]))  # fmt: skip
    after = ground_truth()
    west = ground_truth(region=city["W"])

    assert [r["code"] for r in before["screen_only_regions"]] == ["W"]
    assert before["days_since_visit"] is None
    assert after["screen_only_regions"] == []
    assert after["days_since_visit"] == 0
    assert after["median_hours_to_verify"] is not None
    assert west["screen_only"] is False


def test_the_simulated_officers_visit_and_some_visits_are_flagged(db):
    import io

    from django.core.management import call_command

    from apps.fieldwork import simulator
    from apps.indicators.alerting import alert_raise
    from apps.regions.models import Region

    call_command("seed_demo", stdout=io.StringIO())
    donghu = Region.objects.get(code="990102")
    streets = list(Region.objects.filter(parent=donghu))
    for k in range(30):
        alert_raise(kind="threshold", severity="warning", title_zh=f"告警{k}", title_en=f"alert {k}",
                    region=streets[k % len(streets)], indicator="traffic.congestion", subject=f"sim{k}")  # fmt: skip
    now = timezone.now()
    for k in range(30):  # dispatch, go, record — again and again, over five hours
        simulator.step(now + timedelta(minutes=10 * k))

    from apps.fieldwork.models import Visit

    visits = Visit.objects.all()
    assert visits.count() >= 8  # the alerts of the last 6 hours, two at a time
    assert visits.filter(status="accepted").exists()
    assert visits.filter(status="review").exists()  # a few formalistic visits wait for a supervisor
    assert Alert.objects.filter(status__in=["confirmed", "contradicted"]).exists()
