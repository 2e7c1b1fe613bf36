"""The wall's ground truth and the sources' trust scores weigh the same verdicts by one rule
(apps/indicators/verdicts.py): partly counts half, could-not-verify decides nothing."""

from datetime import timedelta

from apps.dashboards.selectors import ground_truth
from apps.fieldwork.models import Assignment
from apps.fieldwork.selectors import ground_by_source, trust_score
from apps.indicators.alerting import alert_raise, alert_transition
from apps.indicators.models import DataSource
from tests.fieldwork.conftest import record_visit, t0, visit_data


def find(cast, city, verdicts):
    for k, verdict in enumerate(verdicts):
        alert, _created = alert_raise(
            kind="threshold",
            severity="warning",
            title_zh="噪声",
            title_en="noise",
            region=city["W1"],
            indicator="environment.noise_over_limit",
            subject=f"v{k}",
        )
        alert_transition(alert=alert, action="request_verification", user=cast["command"])
        record_visit(
            officer=cast["officer"],
            data=visit_data(
                start=t0() + timedelta(hours=k * 0.5),
                assignment=Assignment.objects.get(alert=alert).pk,
                findings=[{"alert": alert.pk, "verdict": verdict}],
            ),
        )


def test_the_ground_truth_and_the_trust_score_count_partly_half(cast, city):
    # given one of each verdict on the alerts of a source
    DataSource.objects.create(code="air", name_zh="空气站", name_en="Air stations", domain="environment")
    find(cast, city, ["confirmed", "partly", "contradicted", "could_not_verify"])

    # when the wall and the sources' page weigh them
    truth = ground_truth(region=city["W"])
    air = {source["code"]: source for source in ground_by_source()}["air"]

    # then both count one and a half agreeing of three decided
    assert truth["verdicts"] == {"confirmed": 1, "partly": 1, "contradicted": 1, "could_not_verify": 1}
    assert truth["share_confirmed"] == 0.5
    assert (air["checks"], air["contradicted"]) == (3, 1)
    assert air["trust"] == trust_score(agreeing=1.5, decided=3) == 0.5  # (1.5 + 1) / (3 + 2), the wall's share
