"""The grievance indicators per region, each region counted from its own reports (no rollup of medians)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.grievances.indicators import grievances_observe
from apps.grievances.models import Grievance
from apps.grievances.services import grievance_rate, grievance_transition
from apps.indicators.models import IndicatorValue
from apps.indicators.services import indicator_rollups_settle
from tests.clock import local


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
    while indicator_rollups_settle():
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


@pytest.mark.clock("2026-12-02T23:59:59+08:00", tick=False)
def test_new_today_counts_from_local_midnight_and_starts_again_at_the_next(submit, clock):
    # given a report in the first second of 12-02 (local), one the evening before, one in its last second
    first, evening = submit(), submit(lon=118.015)
    Grievance.objects.filter(pk=first.pk).update(created_at=local("2026-12-02 00:00:00"))
    Grievance.objects.filter(pk=evening.pk).update(created_at=local("2026-12-01 23:59:59"))
    submit(lon=118.03)  # now: 23:59:59

    grievances_observe()
    indicator_rollups_settle()
    before_midnight = value("grievances.new_today", "C")
    clock.move_to(local("2026-12-03 00:00:00"))
    grievances_observe()
    indicator_rollups_settle()

    assert before_midnight == 2  # 00:00:00 and 23:59:59 of 12-02, not 23:59:59 of 12-01
    assert value("grievances.new_today", "C") == 0  # a new local day (16:00 UTC), nothing reported yet
