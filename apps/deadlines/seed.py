"""The working calendar seeded from the `chinese-calendar` package: every year it covers that is not in the
calendar yet. An administrator enters a newer year from the State Council's announcement in the admin; a year
already stored is never overwritten, so corrections made there stay."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.deadlines.models import CalendarDay, CalendarYear

# The package names holidays in English; the Chinese names are the ones the State Council's notices use.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_arrangements() -> dict[int, list[tuple[Any, str, str]]]:
    """{year: [(date, kind, English name), …]} from the installed chinese-calendar package."""
    from chinese_calendar import constants

    years: dict[int, list[tuple[Any, str, str]]] = {}
    for table, kind in ((constants.holidays, CalendarDay.Kind.HOLIDAY), (constants.workdays, CalendarDay.Kind.WORKDAY)):
        for day, name in table.items():
            years.setdefault(day.year, []).append((day, kind, str(name)))
    return years


def calendar_seed(*, sender: Any = None, using: str = "default", **kwargs: Any) -> int:
    """The post_migrate handler (after every migrate, and after a test's flush): years the package covers and
    the calendar lacks are added. Returns how many years were added."""
    if sender is not None and getattr(sender, "label", "deadlines") != "deadlines":
        return 0
    have = set(CalendarYear.objects.using(using).values_list("year", flat=True))
    missing = {year: days for year, days in package_arrangements().items() if year not in have}
    with transaction.atomic(using=using):
        for year, days in sorted(missing.items()):
            row = CalendarYear.objects.using(using).create(year=year, source=CalendarYear.Source.PACKAGE)
            CalendarDay.objects.using(using).bulk_create(
                CalendarDay(year=row, date=day, kind=kind, name_en=name, name_zh=HOLIDAY_NAMES_ZH.get(name, ""))
                for day, kind, name in days
            )
    return len(missing)
