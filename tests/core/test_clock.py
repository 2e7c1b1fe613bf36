"""The suite's own clock (tests/clock.py): a fixed instant unless a test pins its own, no dates at import."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.clock import DEFAULT_NOW, clock_start, parse_instant, refusing_the_wall_clock, suite_now


@pytest.mark.skipif(bool(os.environ.get("CITYOPS_TEST_NOW")), reason="CITYOPS_TEST_NOW moves the suite's instant")
def test_a_test_starts_at_ten_in_the_morning_of_a_weekday_in_the_city():
    now = timezone.localtime()

    assert (now.date().isoformat(), now.hour, now.minute) == ("2026-12-02", 10, 0)
    assert now.weekday() < 5
    assert clock_start() == parse_instant(DEFAULT_NOW, source="test")


def test_the_clock_ticks_from_its_instant():
    assert timedelta(0) <= timezone.now() - suite_now() < timedelta(minutes=5)


@pytest.mark.clock("2026-12-31T23:59:59+08:00", tick=False)
def test_a_marker_pins_the_instant_and_the_fixture_moves_it(clock):
    assert timezone.localtime().isoformat() == "2026-12-31T23:59:59+08:00"

    clock.shift(timedelta(seconds=1))

    assert timezone.localdate().isoformat() == "2027-01-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [("2026-12-02 10:00", "has no UTC offset"), ("at ten", "is not an ISO 8601 instant")],
)
def test_a_malformed_instant_is_refused_naming_where_it_came_from(text, message):
    with pytest.raises(ValueError, match=message) as refused:
        parse_instant(text, source="CITYOPS_TEST_NOW")

    assert str(refused.value).startswith("CITYOPS_TEST_NOW: ")


def test_while_test_modules_are_imported_the_wall_clock_refuses():
    with refusing_the_wall_clock(), pytest.raises(RuntimeError, match="a date computed at import"):
        timezone.localdate()

    assert timezone.localdate() == timezone.localtime().date()  # and answers again afterwards
