"""The visit admin: what an assignment and a visit are called in lists, search and the date drill-down."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.fieldwork.models import Assignment, Visit


def _assignment(city, number: int = 2) -> Assignment:
    return Assignment.objects.create(
        pk=number,
        kind=Assignment.Kind.ALERT,
        title_zh="核实西区拥堵",
        title_en="Verify congestion in West District",
        region=city["W"],
        due_at=timezone.now() + timedelta(hours=4),
    )


def _visit(cast, city, assignment: Assignment | None, *, started_at) -> Visit:
    return Visit.objects.create(
        officer=cast["officer"],
        assignment=assignment,
        region=city["W"],
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=20),
        checkin_lon=118.005,
        checkin_lat=32.01,
        checkin_accuracy_m=15,
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "核查任务 2：核实西区拥堵"), ("en", "assignment 2: Verify congestion in West District")],
)
def test_an_assignment_is_named_as_one_with_its_title_in_the_readers_language(city, language, expected):
    # given assignment 2, made to verify an alert
    assignment = _assignment(city)

    # when it is named in the language, then it says it is an assignment (not "alert 2") and what it is about
    with translation.override(language):
        assert str(assignment) == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "走访 {pk}（2026-12-01 09:30）"), ("en", "visit {pk} on 2026-12-01 09:30")]
)
def test_a_visit_is_named_as_one_with_its_local_start(cast, city, language, expected):
    # given a visit started at 09:30 Shanghai time
    started = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 30))
    visit = _visit(cast, city, None, started_at=started)

    # when it is named, then it says it is a visit and when it began
    with translation.override(language):
        assert str(visit) == expected.format(pk=visit.pk)


def test_the_visit_list_names_the_assignment_and_finds_visits_by_officer_region_and_title(cast, city, client):
    # given two visits, one answering assignment 2 and one on no assignment
    answering = _visit(cast, city, _assignment(city), started_at=timezone.now() - timedelta(days=1))
    _visit(cast, city, None, started_at=timezone.now() - timedelta(days=40))
    client.force_login(cast["admin"])
    client.cookies["django_language"] = "zh-hans"
    url = reverse("admin:fieldwork_visit_changelist")

    # when the list is read and searched by the assignment's title, the region's name and the officer
    page = client.get(url).content.decode()
    by_title = client.get(url, {"q": "拥堵"}).context["cl"].result_list
    by_title_en = client.get(url, {"q": "congestion"}).context["cl"].result_list
    by_region = client.get(url, {"q": "西区"}).context["cl"].result_list
    by_officer = client.get(url, {"q": "officer"}).context["cl"].result_list
    by_nobody = client.get(url, {"q": "nobody"}).context["cl"].result_list

    # then the assignment is named in words, and each search finds what it names
    assert "核查任务 2：核实西区拥堵" in page
    assert "alert 2" not in page
    # and each visit is linked by what it is (number and local start), not by its device's UUID
    with translation.override("zh-hans"):
        assert str(answering) in page
    assert str(answering.uuid) not in page
    assert list(by_title) == list(by_title_en) == [answering]
    assert len(by_region) == len(by_officer) == 2
    assert list(by_nobody) == []


def test_the_visit_list_drills_down_by_the_day_a_visit_started(cast, city, client):
    # given visits of this month and of an earlier month
    recent = _visit(cast, city, None, started_at=timezone.now() - timedelta(hours=5))
    _visit(cast, city, None, started_at=timezone.now() - timedelta(days=60))
    client.force_login(cast["admin"])
    day = timezone.localtime(recent.started_at)

    # when the list opens, and then one day of the drill-down
    page = client.get(reverse("admin:fieldwork_visit_changelist"))
    that_day = client.get(
        reverse("admin:fieldwork_visit_changelist"),
        {"started_at__year": day.year, "started_at__month": day.month, "started_at__day": day.day},
    )

    # then the list offers the drill-down, and the day holds only that day's visit
    assert '<nav class="toplinks">' in page.content.decode()  # the date hierarchy's bar
    assert list(that_day.context["cl"].result_list) == [recent]
