"""The grievance workflow: submission rules, the status workflow with its timeline, scope by department and
region, duplicates, escalation with frozen time, the citizen's rating and reopening, personal data."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from apps.core.classification import mask_text
from apps.core.errors import ApplicationError
from apps.deadlines.services import deadlines_sweep
from apps.grievances.models import Grievance
from apps.grievances.selectors import grievances_for_user
from apps.grievances.services import (
    duplicates_suggest,
    grievance_assign,
    grievance_merge,
    grievance_rate,
    grievance_reopen,
    grievance_transition,
)
from apps.indicators.models import Alert
from tests.grievances.conftest import EMAIL, NAME, PHONE


def test_a_report_gets_a_code_a_region_a_department_and_a_deadline(submit, city):
    g = submit()

    assert len(g.tracking_code) == 9
    assert g.tracking_code[4] == "-"
    assert g.region.code == "W1"
    assert g.department.code == "urban"
    assert g.due_at - g.created_at == timedelta(hours=72)
    assert g.status == "submitted"
    assert list(g.events.values_list("kind", "public")) == [("created", True)]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lon": None, "lat": None}, "location"),
        ({"lon": 120.0, "lat": 30.0}, "location"),  # outside the city
        ({"description": "  "}, "description"),
        ({"attributes": {}}, "attribute[size]"),  # required question
        ({"attributes": {"size": "huge"}}, "attribute[size]"),
        ({"attributes": {"size": "small", "depth": "deep"}}, "attribute[depth]"),
        ({"attributes": {"size": "small", "colour": "red"}}, "attribute[colour]"),
    ],
)
def test_a_bad_report_says_what_is_wrong_and_stores_nothing(submit, fields, field):
    with pytest.raises(ApplicationError) as caught:
        submit(**fields)

    assert field in caught.value.fields
    assert Grievance.objects.count() == 0


def test_an_address_without_a_pin_is_enough(submit):
    g = submit(lon=None, lat=None, address="西区人民路 12 号")

    assert g.region is None
    assert g.address == "西区人民路 12 号"


def test_reporter_data_is_encrypted_at_rest(submit):
    g = submit()

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_name, reporter_phone, reporter_email FROM grievances_grievance WHERE id = %s",
                       [g.pk])  # fmt: skip
        stored = cursor.fetchone()
    assert all(value and value not in (NAME, PHONE, EMAIL) for value in stored)
    assert Grievance.objects.get(pk=g.pk).reporter_phone == PHONE


def test_the_whole_workflow_with_a_public_timeline(submit, cast):
    g = submit()
    staff = cast["staff"]

    g = grievance_transition(grievance=g, action="accept", user=staff)
    g = grievance_assign(grievance=g, assignee=staff, user=staff)
    g = grievance_transition(grievance=g, action="start", user=staff)
    g = grievance_transition(grievance=g, action="resolve", user=staff, message="已修补")
    g = grievance_rate(grievance=g, score=4, comment="很快")

    assert g.status == "closed"
    assert g.satisfaction == 4
    public = list(g.events.filter(public=True).values_list("kind", "to_status"))
    assert public == [("created", "submitted"), ("status", "accepted"), ("status", "assigned"),
                      ("status", "in_progress"), ("status", "resolved"), ("rated", "closed")]  # fmt: skip
    assert g.events.filter(kind="assigned", public=False).exists()  # who it went to: internal


def test_a_step_out_of_order_is_refused(submit, cast):
    g = submit()

    with pytest.raises(ApplicationError):
        grievance_transition(grievance=g, action="close", user=cast["staff"])
    with pytest.raises(ApplicationError):
        grievance_transition(grievance=g, action="reject", user=cast["staff"], message="")  # a reason is required
    assert Grievance.objects.get(pk=g.pk).status == "submitted"


def test_another_department_sees_nothing_and_regions_narrow(submit, categories, cast):
    pothole_w = submit()  # W1, urban
    pothole_e = submit(lon=118.03)  # E, urban
    leak = submit("leak")  # W1, water

    def codes(user):
        return set(grievances_for_user(user=user).values_list("tracking_code", flat=True))

    assert codes(cast["staff"]) == {pothole_w.tracking_code, pothole_e.tracking_code}
    assert codes(categories["staff_w"]) == {pothole_w.tracking_code}  # narrowed to district W
    assert codes(categories["water_staff"]) == {leak.tracking_code}
    assert codes(cast["command"]) == set()  # watches counts, does not handle reports
    assert codes(cast["officer"]) == set()


def test_duplicates_are_suggested_by_place_time_and_words_and_merged(submit, cast):
    first = submit(description="人民路口有个大坑，电动车摔倒了")
    twin = submit(lon=118.0052, lat=32.0101, description="人民路口大坑，很危险")
    far = submit(lon=118.009, lat=32.019, description="人民路口有个大坑")  # ~1 km away

    suggested = [c.grievance.tracking_code for c in duplicates_suggest(grievance=twin)]
    merged = grievance_merge(duplicate=twin, into=first, user=cast["staff"])

    assert suggested == [first.tracking_code]
    assert far.tracking_code not in suggested
    assert merged.status == "merged"
    assert merged.merged_into == first
    # the duplicate's reporter learns the other report's number, not its tracking code (its reporter's key)
    assert merged.events.filter(kind="merged", public=True, message=f"#{first.pk}").exists()


def test_overdue_reports_escalate_up_the_ladder_and_alert_the_wall(submit, cast):
    # the category's 72 h without a policy of its own: the default ladder (80 % remind, 100 % head and wall,
    # 200 % command and the wall again)
    g = submit()
    start = g.created_at
    assert g.due_at == start + timedelta(hours=72)

    with time_machine.travel(start + timedelta(hours=57), tick=False):
        assert deadlines_sweep() == 0
    with time_machine.travel(start + timedelta(hours=58), tick=False):
        assert deadlines_sweep() == 1  # the reminder: no alert yet
        assert not Alert.objects.filter(subject=f"grievance:{g.pk}").exists()
    with time_machine.travel(start + timedelta(hours=73), tick=False):
        assert deadlines_sweep() == 1
        assert deadlines_sweep() == 0  # each step once
        assert Alert.objects.get(subject=f"grievance:{g.pk}").severity == "warning"
    with time_machine.travel(start + timedelta(hours=145), tick=False):
        assert deadlines_sweep() == 1

    g.refresh_from_db()
    alert = Alert.objects.get(kind="grievance_overdue", subject=f"grievance:{g.pk}")
    assert g.escalation_level == 2
    assert g.priority == "urgent"
    assert alert.severity == "critical"
    assert f"#{g.pk}" in alert.title_en
    assert g.tracking_code not in alert.title_zh + alert.title_en + str(alert.details)
    assert PHONE not in alert.title_zh + alert.title_en + str(alert.details)

    g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
    grievance_transition(grievance=g, action="resolve", user=cast["staff"])
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_reopen_within_the_allowed_days_only(submit, cast, settings):
    settings.CITYOPS_GRIEVANCE_REOPEN_DAYS = 7
    g = submit()
    g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
    g = grievance_transition(grievance=g, action="resolve", user=cast["staff"])

    g = grievance_reopen(grievance=g, reason="坑还在")
    assert g.status == "accepted"
    assert g.reopened_count == 1
    assert g.events.filter(kind="reopened", public=True, message="坑还在").exists()

    g = grievance_transition(grievance=g, action="resolve", user=cast["staff"])
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False), pytest.raises(ApplicationError):
        grievance_reopen(grievance=g, reason="还是没修好")
    assert Grievance.objects.get(pk=g.pk).status == "resolved"


def test_rating_only_after_resolution_and_once(submit, cast):
    g = submit()
    with pytest.raises(ApplicationError):
        grievance_rate(grievance=g, score=5)
    g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
    g = grievance_transition(grievance=g, action="resolve", user=cast["staff"])
    with pytest.raises(ApplicationError):
        grievance_rate(grievance=g, score=6)
    grievance_rate(grievance=g, score=2)
    with pytest.raises(ApplicationError):
        grievance_rate(grievance=g, score=5)
    assert Grievance.objects.get(pk=g.pk).satisfaction == 2


def test_numbers_a_citizen_typed_are_masked_in_public_text():
    text = "我的电话13912345678，座机 025-83456789，邮箱 zhang@example.cn，身份证 320102199001011234"

    masked = mask_text(text)

    assert "13912345678" not in masked
    assert "139****5678" in masked
    assert "83456789" not in masked
    assert "zhang@example.cn" not in masked
    assert "199001011234" not in masked


def test_reporter_data_stays_out_of_live_payloads_and_the_admin(client, submit, cast):
    import json

    from apps.dashboards.selectors import region_snapshot, wall_snapshot
    from apps.grievances.indicators import grievances_observe
    from apps.indicators.selectors import alert_list_for_user, alert_payload
    from apps.regions.models import Region
    from tests.conftest import PASSWORD

    g = submit()
    with time_machine.travel(timezone.now() + timedelta(hours=80), tick=False):
        deadlines_sweep()
        grievances_observe()
    # what the websocket streams carry: the wall, a region, the alerts
    payloads = [
        wall_snapshot(user=cast["command"], root=Region.objects.get(code="C")),
        region_snapshot(user=cast["command"], region=Region.objects.get(code="W1")),
        [alert_payload(a) for a in alert_list_for_user(user=cast["command"])],
    ]
    client.login(username="admin", password=PASSWORD)
    admin_page = client.get(f"/admin/grievances/grievance/{g.pk}/change/").content.decode()

    streamed = json.dumps(payloads, default=str, ensure_ascii=False)
    assert f"#{g.pk}" in streamed  # the overdue alert is there…
    assert g.tracking_code not in streamed
    for secret in (NAME, PHONE, EMAIL):
        assert secret not in streamed  # …without the reporter
        assert secret not in admin_page


def test_no_replies_on_a_closed_report(submit, cast):
    from apps.grievances.services import grievance_reply

    g = submit()
    g = grievance_transition(grievance=g, action="reject", user=cast["staff"], message="不属于本部门")

    with pytest.raises(ApplicationError):
        grievance_reply(grievance=g, user=cast["staff"], message="补充", public=True)


def test_a_datetime_answer_without_a_zone_is_on_the_city_clock(categories, submit):
    from apps.grievances.models import CategoryAttribute

    CategoryAttribute.objects.create(category=categories["pothole"], code="seen", description_zh="发现时间",
                                     description_en="Seen at", datatype="datetime", order=3)  # fmt: skip

    g = submit(attributes={"size": "small", "seen": "2026-11-29T08:30"})  # as a datetime-local input sends it
    with pytest.raises(ApplicationError) as caught:
        submit(attributes={"size": "small", "seen": "2026-02-30T08:30"})

    assert g.attributes["seen"] == "2026-11-29T08:30:00+08:00"
    assert "attribute[seen]" in caught.value.fields
