"""The field simulator records its visits through the same typed input as the API (a VisitInput)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.fieldwork.models import Assignment, Visit
from apps.fieldwork.simulator import step


def test_the_simulator_records_a_visit_for_an_assignment_due(cast, city):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    officer = staff_user_upsert(
        username="officer.w", password="x-long-password-1", roles=[Role.FIELD_OFFICER], region_codes=["W"]
    )
    assignment = Assignment.objects.create(
        kind="planned",
        title_zh="走访",
        title_en="visit",
        region=city["W1"],
        lon=118.005,
        lat=32.01,
        assignee=officer,
        due_at=timezone.now() + timedelta(days=1),
    )
    Assignment.objects.filter(pk=assignment.pk).update(created_at=timezone.now() - timedelta(hours=1))

    made = step(timezone.now())

    visit = Visit.objects.get()
    assert (made, visit.officer, visit.assignment) == (1, officer, assignment)
    assert visit.people == [{"kind": "residents", "count": visit.people[0]["count"]}]
    assert visit.photos.get().received_at is not None
