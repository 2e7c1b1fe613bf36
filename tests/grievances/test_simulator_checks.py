"""The demo's simulated departments differ: the formalistic one's ratings are pressed (and mostly caught), its
checks find problems not fixed; the hotline center's callbacks and the field's visits record the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.services import department_upsert
from apps.grievances import simulator
from apps.grievances.models import Category, Grievance, ResolutionCheck
from apps.grievances.services import grievance_transition
from apps.grievances.verification import resolution_check_request

# Mid-month, mid-morning: the reports these tests make (a quarter of an hour apart) all fall in one local month,
# whatever instant the suite runs at (make test-clock); the month's own edge is tested where it matters.
pytestmark = pytest.mark.clock("2026-11-18T10:00:00+08:00")


@pytest.fixture
def formalistic(categories, monkeypatch):
    """The urban department plays the demo's formalistic one."""
    monkeypatch.setattr(simulator, "FORMALISTIC", "urban")
    urban = department_upsert(code="urban", name_zh="城管局", name_en="Urban Management")
    urban.networks = simulator.FORMALISTIC_NETWORK
    urban.save()
    return urban


def resolved_reports(submit, clock, count, **fields):
    reports = []
    for _n in range(count):
        report = submit(**fields)
        grievance_transition(grievance=report, action="accept", user=None)
        reports.append(grievance_transition(grievance=report, action="resolve", user=None))
    clock.shift(timedelta(hours=3))
    return reports


def test_the_formalistic_departments_problems_are_less_often_fixed(formalistic, submit, categories):
    urban = [submit() for _n in range(40)]
    water = [submit("leak") for _n in range(40)]

    fixed_urban = sum(simulator.resolution_fixed(r) for r in urban)
    fixed_water = sum(simulator.resolution_fixed(r) for r in water)

    assert fixed_urban < 30 < fixed_water
    assert [simulator.resolution_fixed(r) for r in urban] == [simulator.resolution_fixed(r) for r in urban]


def test_the_formalistic_departments_ratings_are_pressed_and_many_are_left_out(formalistic, submit, clock, settings):
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    # each report's fate is drawn from its (random) tracking code: with 80, each of the three ways of pressing
    # (about 1 in 7 ratings each) is missing with a chance of about 1 in 20,000, not 1 in 50 as with 30
    reports = resolved_reports(submit, clock, 80)

    for report in reports:
        report.refresh_from_db()
        simulator.handle(report, timezone.now())

    rated = [r for r in Grievance.objects.filter(pk__in=[r.pk for r in reports]) if r.satisfaction is not None]
    excluded = [r for r in rated if r.rating_excluded]
    assert len(rated) >= 15
    assert {r.rating_excluded for r in excluded} == {"staff_session", "department_network", "after_staff_action"}
    assert len(excluded) >= 3
    assert sum(r.satisfaction == 5 for r in rated) > len(rated) / 2


def test_the_hotline_center_records_waiting_callbacks(formalistic, submit, clock, cast):
    # given: two callback checks asked for a quarter of an hour ago
    reports = resolved_reports(submit, clock, 2, lon=None, lat=None, address="西一路 12 号")
    checks = [resolution_check_request(grievance=r, reason="sample", method="callback") for r in reports]
    clock.shift(timedelta(minutes=15))

    # when
    made = simulator.callbacks(timezone.now())

    # then: each is recorded by the command center's account, as the simulated truth has it
    assert made == 2
    for check, report in zip(checks, reports, strict=True):
        check.refresh_from_db()
        assert check.checked_by == cast["command"]
        assert check.fixed == simulator.resolution_fixed(report)


def test_a_field_visit_on_a_resolution_check_reports_whether_it_is_fixed(formalistic, submit, clock):
    from apps.fieldwork.simulator import _findings

    [report] = resolved_reports(submit, clock, 1)
    check = resolution_check_request(grievance=report, reason="sample", method="visit")

    [finding] = _findings(check.assignment, "partly")

    assert finding.grievance == report.pk
    assert finding.verdict == ("confirmed" if simulator.resolution_fixed(report) else "contradicted")
    assert ResolutionCheck.objects.count() == 1
    assert Category.objects.filter(department=formalistic).exists()
