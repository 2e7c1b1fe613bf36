"""One deadline engine for reports, alerts and assignments: policies, the clock's due times written on the work,
the response part, pausing for the citizen, the ladder's steps each run once, and what people see of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.deadlines.models import Deadline, DeadlinePolicy, DeadlineStep, EscalationStep, Unit
from apps.deadlines.services import deadlines_sweep, step_run
from apps.grievances.services import (
    grievance_citizen_answered,
    grievance_transition,
    grievance_wait_for_citizen,
)
from apps.notifications.models import Notification
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def policy(category: Any, *, days: float = 1, pauses: bool = False, response_hours: float | None = None,
           ladder: dict[int, tuple[str, ...]] | None = None) -> DeadlinePolicy:  # fmt: skip
    made = DeadlinePolicy.objects.create(
        name_zh="测试", name_en="Test", subject="grievance", category=category, completion_amount=Decimal(days),
        completion_unit=Unit.WORKING_DAYS, pauses_for_citizen=pauses,
        response_amount=Decimal(response_hours) if response_hours else None, response_unit=Unit.WORKING_HOURS,
    )  # fmt: skip
    for percent, actions in (ladder or {80: ("remind_assignee",), 100: ("notify_head", "raise_alert")}).items():
        EscalationStep.objects.create(policy=made, percent=percent, **dict.fromkeys(actions, True))
    return made


@pytest.fixture
def head(categories: dict[str, Any]) -> Any:
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    user = staff_user_upsert(username="head", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                             department_codes=["urban"])  # fmt: skip
    categories["urban"].head = user
    categories["urban"].save()
    return user


def test_a_report_filed_before_the_national_day_holiday_is_due_after_it(submit, categories):
    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-09-30T16:00"), tick=False):
        g = submit()
    assert g.due_at == at("2026-10-08T16:00")  # 1–7 October off (the package's 2026 arrangement)
    with time_machine.travel(at("2026-09-30T16:00"), tick=False):
        two = submit(description="另一个坑")
    assert two.due_at == at("2026-10-08T16:00")


def test_two_working_days_reach_the_make_up_saturday(submit, categories):
    policy(categories["pothole"], days=3)
    with time_machine.travel(at("2026-09-30T16:00"), tick=False):
        g = submit()
    assert g.due_at == at("2026-10-10T16:00")  # Saturday, worked (调休)


def test_a_friday_report_is_due_on_monday(submit, categories):
    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-11-13T10:00"), tick=False):
        g = submit()
    assert g.due_at == at("2026-11-16T10:00")


def test_open311_and_the_workbench_show_the_computed_time(client, submit, categories, cast):
    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-09-30T16:00"), tick=False):
        g = submit(channel="open311")
    answer = client.get("/open311/v2/requests.json", {"service_request_id": g.pk})
    expected = [r["expected_datetime"] for r in answer.json() if str(r["service_request_id"]) == str(g.pk)]
    assert len(expected) == 1
    assert datetime.fromisoformat(expected[0]) == at("2026-10-08T16:00")
    client.force_login(cast["staff"])
    page = client.get(f"/grievances/workbench/{g.tracking_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2026-10-08 16:00" in page
    assert 'data-role="deadline"' in page
    assert "Policy “Test”: completed within 1 working day." in page


def test_without_a_policy_the_category_hours_and_the_default_ladder_apply(submit):
    g = submit()
    clock = Deadline.objects.get(subject="grievance", object_id=g.pk)
    assert clock.policy is None
    assert g.due_at == g.created_at + timedelta(hours=72)
    assert sorted(clock.steps.values_list("percent", flat=True)) == [80, 100, 200]


def test_each_step_runs_once_even_when_two_sweeps_meet(submit, categories, head, cast):
    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    step = DeadlineStep.objects.get(deadline__object_id=g.pk, percent=80)
    assert step.fire_at == at("2026-11-16T15:24")  # 80 % of 8 working hours
    with time_machine.travel(at("2026-11-16T15:30"), tick=False):
        assert deadlines_sweep() == 1
        assert deadlines_sweep() == 0
        assert step_run(step_id=step.pk, now=at("2026-11-16T15:30")) is False  # a second beat process
    with time_machine.travel(at("2026-11-17T09:05"), tick=False):
        assert deadlines_sweep() == 1
    g.refresh_from_db()
    assert g.escalation_level == 1
    # the head is one of the department's staff too: reminded at 80 %, told as its head at 100 %
    heads = Notification.objects.filter(user=head).order_by("created_at")
    assert [n.title_en for n in heads] == [f"Report #{g.pk}: Pothole: Due 16 Nov 17:00",
                                           f"Report #{g.pk}: Pothole: Overdue since 16 Nov 17:00"]  # fmt: skip
    assert "已到期" in heads.last().title_zh
    # nobody was assigned: the 80 % reminder went to the department's staff who see the place
    assert Notification.objects.filter(user=cast["staff"], event="deadline.step").count() == 1


def test_steps_are_audited(submit, categories, head):
    from apps.core.models import AuditLog

    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    with time_machine.travel(at("2026-11-17T10:00"), tick=False):
        deadlines_sweep()
    entries = AuditLog.objects.filter(action="deadlines.grievance.step", target_id=str(g.pk))
    assert sorted(e.data["percent"] for e in entries) == [80, 100]


def test_a_resolved_report_runs_no_more_steps_and_an_accepted_one_no_response_steps(submit, categories, cast, head):
    policy(categories["pothole"], days=1, response_hours=2,
           ladder={100: ("notify_head",)})  # fmt: skip
    EscalationStep.objects.create(policy=DeadlinePolicy.objects.get(), clock="response", percent=100,
                                  notify_head=True)  # fmt: skip
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
        g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
    clock = Deadline.objects.get(subject="grievance", object_id=g.pk)
    assert clock.response_due_at == at("2026-11-16T11:00")
    with time_machine.travel(at("2026-11-16T12:00"), tick=False):
        assert deadlines_sweep() == 0  # responded in time: the response step does not run
        grievance_transition(grievance=g, action="resolve", user=cast["staff"])
    with time_machine.travel(at("2026-11-18T12:00"), tick=False):
        assert deadlines_sweep() == 0
    assert not Notification.objects.filter(user=head).exists()


def test_waiting_for_the_citizen_stops_the_clock(client, submit, categories, cast):
    policy(categories["pothole"], days=1, pauses=True)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    with time_machine.travel(at("2026-11-16T13:00"), tick=False):  # 4 working hours used
        grievance_wait_for_citizen(grievance=g, user=cast["staff"], message="请补充照片")
    clock = Deadline.objects.get(subject="grievance", object_id=g.pk)
    assert clock.paused_at is not None
    assert clock.due_at is None
    g.refresh_from_db()
    assert g.due_at is None  # not late while it waits: the overdue lists and Open311 agree
    page = client.get(f"/grievances/t/{g.tracking_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-role="asked"' in page  # the citizen is told they are asked, and how to answer
    assert "12345" in page
    assert not clock.steps.exclude(fire_at=None).exists()
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        assert deadlines_sweep() == 0
        grievance_citizen_answered(grievance=g, user=cast["staff"])
    g.refresh_from_db()
    assert g.due_at == at("2026-11-20T14:00")  # the 4 working hours left, from Friday 10:00
    assert g.events.filter(kind="question", public=True, message="请补充照片").exists()
    assert g.events.filter(kind="note", public=False).count() == 2  # stopped, running again: in the history


def test_a_category_whose_policy_does_not_pause_refuses_to_wait(client, submit, categories, cast):
    policy(categories["pothole"], days=1, pauses=False)
    g = submit()
    client.force_login(cast["staff"])
    answer = client.post(f"/grievances/workbench/{g.tracking_code}/wait", {"message": "还需要什么？"},
                         HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert answer.status_code == 400
    assert "does not stop the clock" in answer.content.decode()
    assert not g.events.filter(kind="reply").exists()


def test_a_reopened_report_gets_a_new_clock(submit, categories, cast):
    from apps.grievances.services import grievance_reopen

    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
        g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
        g = grievance_transition(grievance=g, action="resolve", user=cast["staff"])
    with time_machine.travel(at("2026-11-17T10:00"), tick=False):
        g = grievance_reopen(grievance=g, reason="灯还是不亮")
    assert g.due_at == at("2026-11-18T10:00")
    clock = Deadline.objects.get(subject="grievance", object_id=g.pk)
    assert clock.stopped_at is None
    assert not clock.steps.exclude(ran_at=None).exists()


def test_alerts_get_their_due_time_from_their_kind_and_severity(city):
    from apps.indicators.alerting import alert_raise, alert_transition
    from apps.indicators.selectors import alert_payload

    made = DeadlinePolicy.objects.create(name_zh="严重", subject="alert", severity="critical",
                                         response_amount=Decimal("0.5"), response_unit=Unit.CALENDAR_HOURS,
                                         completion_amount=Decimal(4), completion_unit=Unit.CALENDAR_HOURS)  # fmt: skip
    EscalationStep.objects.create(policy=made, clock="response", percent=100, notify_command=True)
    with time_machine.travel(at("2026-11-16T20:00"), tick=False):
        alert, _created = alert_raise(kind="threshold", severity="critical", title_zh="爆管", title_en="Burst",
                                      region=city["W1"], indicator="environment.noise_over_limit", value=3,
                                      threshold=1)  # fmt: skip
        warning, _created = alert_raise(kind="threshold", severity="warning", title_zh="噪声", title_en="Noise",
                                        region=city["E"], indicator="environment.noise_over_limit", value=3,
                                        threshold=1)  # fmt: skip
    assert alert.due_at == at("2026-11-17T00:00")
    assert datetime.fromisoformat(alert_payload(alert)["due_at"]) == at("2026-11-17T00:00")
    assert warning.due_at is None  # no policy for warnings here
    from apps.accounts.services import staff_user_upsert

    command = staff_user_upsert(username="cc", password=PASSWORD, roles=["command_center"])
    alert_transition(alert=alert, action="acknowledge", user=command)
    with time_machine.travel(at("2026-11-16T21:00"), tick=False):
        assert deadlines_sweep() == 0  # acknowledged: the response step is met


def test_assignments_follow_their_kind_or_keep_their_own_time(city, cast, alert_in_w1):
    from apps.fieldwork.services import assignment_for_alert

    DeadlinePolicy.objects.create(name_zh="核实", subject="assignment", assignment_kind="alert",
                                  completion_amount=Decimal(1), completion_unit=Unit.WORKING_DAYS)  # fmt: skip
    with time_machine.travel(at("2026-11-13T16:00"), tick=False):  # a Friday
        assignment = assignment_for_alert(alert_in_w1, "request_verification", cast["command"], "")
    assert assignment.due_at == at("2026-11-16T16:00")


def test_bad_calendar_years_get_a_400(client):
    answer = client.get("/api/v1/calendar/99999")
    assert answer.status_code == 400
    assert "year" in answer.json()["errors"]


def test_the_calendar_api_shows_a_year_from_the_package(client):
    answer = client.get("/api/v1/calendar/2026").json()
    assert answer["announced"] is True
    assert answer["source"] == "package"
    assert {"date": "2026-10-10", "name_zh": "国庆节", "name_en": "National Day"} in answer["workdays"]
    assert len([d for d in answer["holidays"] if d["name_en"] == "National Day"]) == 7
    assert answer["working_hours"] == "09:00–17:00"
    missing = client.get("/api/v1/calendar/2027").json()
    assert missing["announced"] is False
    assert missing["holidays"] == []


def test_a_step_on_a_report_closed_behind_the_engines_back_is_done_without_raising(submit, categories):
    from apps.grievances.models import Grievance

    policy(categories["pothole"], days=1, ladder={100: ("raise_alert",)})
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    Grievance.objects.filter(pk=g.pk).update(status="closed")  # e.g. an administrator's correction
    with time_machine.travel(at("2026-11-16T17:30"), tick=False):
        assert deadlines_sweep() == 1
        assert deadlines_sweep() == 0  # not tried again every minute
    step = DeadlineStep.objects.get(deadline__object_id=g.pk)
    assert step.outcome["raise_alert"].startswith("skipped: ")


def test_a_policy_beyond_a_year_is_refused_and_one_saved_anyway_does_not_stop_reports(submit, categories):
    from django.core.exceptions import ValidationError

    too_long = DeadlinePolicy(name_zh="太长", subject="grievance", category=categories["pothole"],
                              completion_amount=Decimal(9999), completion_unit=Unit.WORKING_DAYS,
                              response_amount=Decimal(-5), response_unit=Unit.WORKING_HOURS)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        too_long.full_clean()
    assert set(refused.value.message_dict) == {"completion_amount", "response_amount"}
    too_long.response_amount = None
    too_long.save()  # e.g. saved before the check existed: the report is still taken
    g = submit()
    assert g.pk is not None
    assert not Deadline.objects.filter(subject="grievance", object_id=g.pk).exists()


def test_a_day_entered_with_a_new_year_is_checked_against_that_year():
    from django.core.exceptions import ValidationError

    from apps.deadlines.models import CalendarDay, CalendarYear

    unsaved = CalendarYear(year=2027)
    with pytest.raises(ValidationError):
        CalendarDay(year=unsaved, date=at("2031-05-01T00:00").date(), kind="holiday").clean()
    with pytest.raises(ValidationError):
        CalendarYear(year=99999).full_clean()


def test_a_step_of_a_clock_paused_after_the_sweep_listed_it_does_not_run(submit, categories, cast):
    policy(categories["pothole"], days=1, pauses=True)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    step = DeadlineStep.objects.get(deadline__object_id=g.pk, percent=80)
    with time_machine.travel(at("2026-11-16T15:30"), tick=False):
        grievance_wait_for_citizen(grievance=g, user=cast["staff"], message="请补充照片")
        assert step_run(step_id=step.pk, now=at("2026-11-16T15:30")) is False


def test_the_ask_is_at_most_4000_characters(client, submit, categories, cast):
    policy(categories["pothole"], days=1, pauses=True)
    g = submit()
    client.force_login(cast["staff"])
    answer = client.post(f"/grievances/workbench/{g.tracking_code}/wait", {"message": "问" * 4001})
    assert answer.status_code == 400
    assert not Deadline.objects.get(subject="grievance", object_id=g.pk).paused_at


def test_notifications_link_to_a_report_by_its_number_never_its_tracking_code(client, submit, categories, cast,
                                                                              head):  # fmt: skip
    policy(categories["pothole"], days=1)
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        g = submit()
    with time_machine.travel(at("2026-11-16T17:30"), tick=False):
        deadlines_sweep()
    links = set(Notification.objects.values_list("link", flat=True))
    assert links == {f"/grievances/workbench/n/{g.pk}/"}
    client.force_login(head)
    assert client.get(f"/grievances/workbench/n/{g.pk}/").url == f"/grievances/workbench/{g.tracking_code}/"
    client.force_login(categories["water_staff"])  # another department
    assert client.get(f"/grievances/workbench/n/{g.pk}/").status_code == 404


def test_entering_next_years_holidays_re_times_provisional_deadlines(submit, categories):
    from apps.deadlines.models import CalendarDay, CalendarYear
    from apps.deadlines.services import deadlines_recount

    policy(categories["pothole"], days=10)
    with time_machine.travel(at("2026-12-21T10:00"), tick=False):
        g = submit()
    assert g.due_at == at("2027-01-04T10:00")  # Monday to Friday assumed: 1 January counted as worked
    clock = Deadline.objects.get(subject="grievance", object_id=g.pk)
    assert clock.provisional
    with time_machine.travel(at("2026-12-22T10:00"), tick=False):
        year = CalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕1号")
        CalendarDay.objects.create(year=year, date=at("2027-01-01T00:00").date(), kind="holiday", name_zh="元旦")
        assert deadlines_recount(years={2027}) == 1
    g.refresh_from_db()
    clock.refresh_from_db()
    assert g.due_at == at("2027-01-05T10:00")
    assert not clock.provisional


def test_like_steps_of_several_reports_are_one_message_that_counts_them(submit, categories, head, cast):
    policy(categories["pothole"], days=1, ladder={80: ("notify_head",), 200: ("notify_command",)})
    with time_machine.travel(at("2026-11-16T09:00"), tick=False):
        submit()
        submit(description="又一个坑")
    with time_machine.travel(at("2026-11-16T15:30"), tick=False):
        assert deadlines_sweep() == 2
    told = Notification.objects.get(user=head)
    assert (told.count, told.title_en, told.link) == (2, "2 reports: due soon", "/grievances/workbench/?state=open")
    with time_machine.travel(at("2026-11-17T17:30"), tick=False):
        deadlines_sweep()
    # the command center cannot open the workbench: its message leads to the wall, where the overdue alert is
    assert set(Notification.objects.filter(user=cast["command"]).values_list("link", flat=True)) == {"/wall/"}
