"""The fever-clinic surveillance: its verdicts on hand-made series, and its measured performance on synthetic
outbreaks of known start — the figures in README.md; this fails if detection gets slower or false alarms
more frequent."""

from datetime import date, timedelta

import numpy as np
import pytest

from apps.healthcare.evaluation import evaluate
from apps.healthcare.surveillance import detect
from apps.healthcare.synthetic import WEEKDAY, Outbreak, expected_visits, outbreak_shape, series

START = date(2025, 5, 5)  # a Monday, far from the winter season's steep part


def steady(days, level=50, rng_seed=1):
    return series(level=level, start=START, days=days, outbreaks=[], rng=np.random.default_rng(rng_seed))


def test_no_verdict_without_four_weeks_of_history():
    verdicts = detect(steady(29))  # a baseline needs 21 days before the 7-day guard band

    assert all(v.expected is None and not v.alarm for v in verdicts[:-1])
    assert verdicts[-1].expected is not None


def test_the_expected_count_follows_the_weekday():
    verdicts = {v.day: v for v in detect(steady(120))}

    monday, sunday = START + timedelta(days=112), START + timedelta(days=118)
    assert verdicts[monday].expected / verdicts[sunday].expected == pytest.approx(WEEKDAY[0] / WEEKDAY[6], rel=0.12)


def test_an_outbreak_raises_an_alarm_within_days_and_a_quiet_series_does_not():
    start = START + timedelta(days=80)
    rng = np.random.default_rng(3)
    counts = series(level=50, start=START, days=110, outbreaks=[Outbreak(start, 1.0)], rng=rng)
    quiet = steady(110, rng_seed=3)

    alarms = [v.day for v in detect(counts) if v.alarm]
    quiet_alarms = [v.day for v in detect(quiet) if v.alarm]

    assert alarms
    assert start <= alarms[0] <= start + timedelta(days=4)
    assert not [d for d in alarms if d < start]
    assert not quiet_alarms


def test_a_single_freak_day_does_not_hold_an_alarm():
    counts = steady(100)
    freak = START + timedelta(days=70)
    counts[freak] = 10 * counts[freak]

    alarm_days = [v.day for v in detect(counts) if v.alarm]

    assert len(alarm_days) <= 3  # one day's excess, capped, drains within days


def test_unreported_days_are_not_zero_visits():
    counts = steady(100)
    for back in range(5):
        counts.pop(START + timedelta(days=60 + back))

    verdicts = {v.day: v for v in detect(counts)}

    assert START + timedelta(days=61) not in verdicts  # no verdict on a day without a report
    after = verdicts[START + timedelta(days=65)]
    assert after.expected > 30
    assert not after.alarm


def test_the_outbreak_curve_rises_peaks_on_day_six_and_ends():
    shape = [outbreak_shape(d) for d in range(16)]

    assert shape[0] < 0.2
    assert max(shape) == shape[5] == pytest.approx(1.0)
    assert shape[14] == shape[15] == 0
    assert expected_visits(40, date(2026, 1, 15)) > 1.5 * expected_visits(40, date(2025, 7, 16))  # winter


@pytest.mark.parametrize(
    ("peak", "min_detected", "max_median_delay"),
    [(0.6, 0.93, 3), (1.0, 0.95, 2)],
)
def test_measured_detection_and_false_alarms_do_not_get_worse(peak, min_detected, max_median_delay):
    # 6 synthetic districts × 2 years, 12 outbreaks each (README: 20 districts, the same method)
    performance = evaluate(peak=peak, years=2, seeds=range(6))

    assert performance.outbreaks == 72
    assert performance.detection_rate >= min_detected
    assert performance.median_delay <= max_median_delay
    assert performance.false_alarms_per_month <= 0.40
    assert performance.false_alarm_share <= 0.065
