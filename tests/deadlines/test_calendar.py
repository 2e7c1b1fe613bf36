"""The working calendar against the real 2025 and 2026 arrangements, as the chinese-calendar package holds them
(nothing here types a holiday by hand): working days, 调休 Saturdays, office hours, provisional years."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from apps.deadlines.calendar import calendar_from, clock_add, clock_between, working_calendar, year_missing_soon
from apps.deadlines.models import CalendarDay, CalendarYear, Unit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = 8 * 3600  # office hours 09:00–17:00


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_is_worked_or_not_as_the_package_says(year):
    calendar = working_calendar()
    day = date(year, 1, 1)
    while day.year == year:
        assert calendar.working_day(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert calendar.known(date(year, 6, 1))


def test_the_seeded_years_are_the_packages_and_named_in_both_languages():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2004, 2025, 2026} <= years
    assert 2027 not in years
    national = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national.kind, national.name_zh, national.name_en) == ("holiday", "国庆节", "National Day")
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == "workday"  # the 调休 Saturday


def test_pinned_cases_of_the_2026_national_day_holiday():
    # 2026: National Day off 1–7 October, Saturday 10 October worked (国办发明电〔2025〕7号, via the package)
    filed = at("2026-09-30T16:00")
    assert clock_add(filed, 1 * DAY, Unit.WORKING_DAYS).at == at("2026-10-08T16:00")
    assert clock_add(filed, 2 * DAY, Unit.WORKING_DAYS).at == at("2026-10-09T16:00")
    three = clock_add(filed, 3 * DAY, Unit.WORKING_DAYS)
    assert three.at == at("2026-10-10T16:00")
    assert three.at.weekday() == 5
    assert not three.provisional


def test_pinned_cases_of_the_2025_national_day_holiday():
    # 2025: National Day and Mid-Autumn off 1–8 October, Saturday 11 October worked
    filed = at("2025-09-30T16:00")
    assert clock_add(filed, 1 * DAY, Unit.WORKING_DAYS).at == at("2025-10-09T16:00")
    assert clock_add(filed, 2 * DAY, Unit.WORKING_DAYS).at == at("2025-10-10T16:00")
    assert clock_add(filed, 3 * DAY, Unit.WORKING_DAYS).at == at("2025-10-11T16:00")  # a 调休 Saturday


def test_a_friday_before_a_normal_weekend_is_due_on_monday():
    friday = at("2026-11-13T10:30")
    assert friday.weekday() == 4
    assert clock_add(friday, DAY, Unit.WORKING_DAYS).at == at("2026-11-16T10:30")


def test_outside_office_hours_the_clock_starts_at_the_next_opening():
    assert clock_add(at("2026-11-14T11:00"), DAY, Unit.WORKING_DAYS).at == at("2026-11-16T17:00")  # a Saturday
    assert clock_add(at("2026-11-16T20:00"), 2 * 3600, Unit.WORKING_HOURS).at == at("2026-11-17T11:00")
    assert clock_add(at("2026-11-16T06:00"), 2 * 3600, Unit.WORKING_HOURS).at == at("2026-11-16T11:00")


def test_calendar_hours_count_every_hour():
    assert clock_add(at("2026-09-30T16:00"), 24 * 3600, Unit.CALENDAR_HOURS).at == at("2026-10-01T16:00")


def test_working_time_between_two_moments_skips_holidays_and_nights():
    assert clock_between(at("2026-09-30T16:00"), at("2026-10-08T16:00"), Unit.WORKING_DAYS) == DAY
    assert clock_between(at("2026-10-08T16:00"), at("2026-09-30T16:00"), Unit.WORKING_HOURS) == 0


def test_a_year_without_its_arrangement_counts_monday_to_friday_and_says_provisional():
    due = clock_add(at("2026-12-31T16:00"), DAY, Unit.WORKING_DAYS)
    assert due.at == at("2027-01-01T16:00")
    assert due.provisional
    assert not clock_add(at("2026-12-30T10:00"), DAY, Unit.WORKING_DAYS).provisional


def test_an_arrangement_entered_in_the_admin_takes_effect_at_once():
    year = CalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕1号")
    CalendarDay.objects.create(year=year, date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name_zh="元旦")
    due = clock_add(at("2026-12-31T16:00"), DAY, Unit.WORKING_DAYS)
    assert due.at == at("2027-01-04T16:00")
    assert not due.provisional


def test_the_missing_year_is_reported_within_the_warning_period_only():
    assert year_missing_soon(today=date(2026, 10, 1)) is None  # 92 days ahead
    assert year_missing_soon(today=date(2026, 11, 2)) == 2027  # 60 days ahead
    assert year_missing_soon(today=date(2026, 12, 7)) == 2027
    CalendarYear.objects.create(year=2027)
    assert year_missing_soon(today=date(2026, 12, 7)) is None


def test_office_hours_are_configurable(settings):
    settings.CITYOPS_WORKING_HOURS = (8 * 60 + 30, 17 * 60 + 30)
    calendar = calendar_from([], {2026})
    assert calendar.add(at("2026-11-16T08:00"), 3600).at == at("2026-11-16T09:30")
