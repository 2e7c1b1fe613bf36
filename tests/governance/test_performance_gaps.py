"""The stewards' desk shows each department's claimed-vs-verified gap this month, flagged when large."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.grievances.services import RatingContext, grievance_rate, grievance_transition
from apps.grievances.verification import resolution_check_record, resolution_check_request
from tests.conftest import PASSWORD

# Mid-month, mid-morning: the reports these tests make (a quarter of an hour apart) all fall in one local month,
# whatever instant the suite runs at (make test-clock); the month's own edge is tested where it matters.
pytestmark = pytest.mark.clock("2026-11-18T10:00:00+08:00")


def test_the_desk_shows_the_gap_per_department_and_flags_a_large_one(client, submit, cast, clock, settings):
    # given: k=2; urban's reports rated 5 stars, but on the phone neither citizen is satisfied
    settings.CITYOPS_OPEN_DATA_K = 2
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    for _n in range(2):
        report = submit(lon=None, lat=None, address="西一路 12 号")
        grievance_transition(grievance=report, action="accept", user=None)
        report = grievance_transition(grievance=report, action="resolve", user=None)
        clock.shift(timedelta(minutes=15))
        report = grievance_rate(grievance=report, score=5, context=RatingContext(address="198.51.100.9"))
        check = resolution_check_request(grievance=report, reason="sample", method="callback")
        resolution_check_record(check=check, fixed=True, satisfied=False, user=cast["command"])
    client.login(username="steward", password=PASSWORD)

    # when
    page = client.get("/governance/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    body = page.content.decode()
    assert page.status_code == 200
    row = body[body.index('data-department="urban"') :].split("</tr>")[0]
    assert "Urban Management" in row
    assert ">100%<" in row  # claimed satisfaction, and both resolution rates
    assert ">0%<" in row  # verified satisfaction
    assert ">+100<" in row
    assert "large gap" in row
