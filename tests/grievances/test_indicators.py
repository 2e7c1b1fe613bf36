"""The grievance indicators per region, each region counted from its own reports (no rollup of medians)."""

from datetime import timedelta

from django.utils import timezone

from apps.grievances.indicators import grievances_observe
from apps.grievances.models import Grievance
from apps.grievances.services import grievance_rate, grievance_transition
from apps.indicators.models import IndicatorValue
from apps.indicators.services import indicator_rollups_run


def value(code, region):
    return (
        IndicatorValue.objects.filter(indicator=code, region__code=region, granularity="minute")
        .latest("bucket_start")
        .last_value
    )


def test_open_overdue_new_time_to_resolve_satisfaction_and_repeats(submit, cast):
    now = timezone.now()
    a, b, c, d = submit(), submit(lon=118.015), submit(lon=118.03), submit(lon=118.016)  # W1, W2, E, W2
    Grievance.objects.filter(pk=b.pk).update(due_at=now - timedelta(hours=1))  # overdue
    for g, hours, score in ((a, 10, 5), (c, 30, 2), (d, 14, 4)):
        g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
        g = grievance_transition(grievance=g, action="resolve", user=cast["staff"])
        Grievance.objects.filter(pk=g.pk).update(resolved_at=g.created_at + timedelta(hours=hours))
        grievance_rate(grievance=Grievance.objects.get(pk=g.pk), score=score)
    Grievance.objects.filter(pk=c.pk).update(reopened_count=1)

    grievances_observe()
    while indicator_rollups_run():
        pass

    assert value("grievances.open", "C") == 1
    assert value("grievances.overdue", "W") == 1
    assert value("grievances.new_today", "C") == 4
    # the median of 10, 14 and 30 h from the reports themselves — not a mean of W's 12 and E's 30
    assert value("grievances.resolve_hours", "C") == 14
    assert value("grievances.resolve_hours", "W") == 12
    assert round(value("grievances.satisfaction", "C"), 2) == 3.67
    assert value("grievances.repeat", "E") == 1
    assert value("grievances.repeat", "W") == 0
