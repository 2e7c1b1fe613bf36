"""The working calendar: which days are worked, and time counted in working seconds.

A day is a working day if the year's arrangement makes it one (a 调休 Saturday), else not if it is a holiday,
else if it is Monday to Friday. A year without an announced arrangement is counted Monday to Friday, and an answer
that crossed such a year says so (`provisional`). Office hours (CITYOPS_WORKING_HOURS, in TIME_ZONE) are the
working time of a working day.

Time is counted in a unit's seconds:
- calendar hours: every second counts;
- working hours and working days: only the seconds within office hours of working days count, a working day being
  as long as the office hours. So "1 working day" from 16:00 ends at 16:00 on the next working day, and from a
  Saturday it ends when the first working day's office hours end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max

from apps.deadlines.models import CalendarDay, CalendarYear, Unit

MAX_DAYS = 3660  # a clock never runs more than ten years ahead: beyond it the input is wrong, not the calendar


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool  # it was counted over a year whose arrangement is not announced


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]
    open_min: int  # office hours, minutes after midnight
    close_min: int

    def working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    def known(self, day: date) -> bool:
        return day.year in self.years

    @property
    def day_seconds(self) -> float:
        return (self.close_min - self.open_min) * 60.0

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        zone = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(day, time()) + timedelta(minutes=self.open_min)
        end = datetime.combine(day, time()) + timedelta(minutes=self.close_min)
        return start.replace(tzinfo=zone), end.replace(tzinfo=zone)

    def add(self, start: datetime, seconds: float) -> Due:
        """The moment `seconds` of working time after `start`."""
        day = start.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        left, provisional = seconds, False
        for _ in range(MAX_DAYS):
            provisional = provisional or not self.known(day)
            if self.working_day(day):
                opens, closes = self._hours(day)
                begin = max(opens, start)
                if begin < closes:
                    available = (closes - begin).total_seconds()
                    if left <= available:
                        return Due(begin + timedelta(seconds=left), provisional)
                    left -= available
            day += timedelta(days=1)
        raise ValueError(f"more than {MAX_DAYS} days of working time")

    def between(self, start: datetime, end: datetime) -> float:
        """Working seconds from `start` to `end` (0 if end is not after start)."""
        if end <= start:
            return 0.0
        zone = ZoneInfo(settings.TIME_ZONE)
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        total = 0.0
        while day <= last:
            if self.working_day(day):
                opens, closes = self._hours(day)
                total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
            day += timedelta(days=1)
        return total


def calendar_from(days: list[tuple[date, str]], years: set[int]) -> WorkingCalendar:
    open_min, close_min = settings.CITYOPS_WORKING_HOURS
    return WorkingCalendar(
        holidays=frozenset(d for d, kind in days if kind == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(d for d, kind in days if kind == CalendarDay.Kind.WORKDAY),
        years=frozenset(years),
        open_min=open_min,
        close_min=close_min,
    )


_cached: tuple[tuple[object, ...], WorkingCalendar] | None = None


def working_calendar() -> WorkingCalendar:
    """The calendar as stored, rebuilt when a year or day changed (one small query to find out)."""
    global _cached
    version = (
        *CalendarYear.objects.aggregate(n=Count("id"), at=Max("updated_at")).values(),
        CalendarDay.objects.count(),
        settings.CITYOPS_WORKING_HOURS,
    )
    if _cached is None or _cached[0] != version:
        days = list(CalendarDay.objects.values_list("date", "kind"))
        _cached = (version, calendar_from(days, set(CalendarYear.objects.values_list("year", flat=True))))
    return _cached[1]


def budget_seconds(amount: Decimal | float, unit: str, calendar: WorkingCalendar) -> float:
    """An amount of a unit as seconds of that unit's time."""
    if unit == Unit.WORKING_DAYS:
        return float(amount) * calendar.day_seconds
    return float(amount) * 3600.0


def clock_add(start: datetime, seconds: float, unit: str, calendar: WorkingCalendar | None = None) -> Due:
    if unit == Unit.CALENDAR_HOURS:
        return Due(start + timedelta(seconds=seconds), False)
    return (calendar or working_calendar()).add(start, seconds)


def clock_between(start: datetime, end: datetime, unit: str, calendar: WorkingCalendar | None = None) -> float:
    if unit == Unit.CALENDAR_HOURS:
        return max(0.0, (end - start).total_seconds())
    return (calendar or working_calendar()).between(start, end)


def year_missing_soon(*, today: date, warn_days: int | None = None) -> int | None:
    """This year, or the coming one when it starts within the warning period, if its arrangement is not in the
    calendar (deadlines counted over it are then provisional)."""
    warn = settings.CITYOPS_CALENDAR_WARN_DAYS if warn_days is None else warn_days
    wanted = [today.year] + ([today.year + 1] if (date(today.year + 1, 1, 1) - today).days <= warn else [])
    have = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return next((year for year in wanted if year not in have), None)
