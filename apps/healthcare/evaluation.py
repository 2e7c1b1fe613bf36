"""How well the surveillance works, measured: synthetic districts with outbreaks injected at known days.

For each outbreak size, many synthetic years: detection rate (an alarm within the outbreak's 14 days),
the delay from the first outbreak day to the first alarm, and false alarms per month — alarms that start
outside every outbreak (and the week after it, while the baseline still carries it). `python manage.py
surveillance_evaluate` prints the table; README.md keeps the figures and a test fails if they get worse.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from apps.healthcare.surveillance import DEFAULT, Detector, detect
from apps.healthcare.synthetic import OUTBREAK_DAYS, Outbreak, series

FIRST_DAY = date(2023, 7, 1)  # the season's full range: summer, the winter rise and peak, spring
WARMUP_DAYS = 42  # before the first possible outbreak: the baseline needs 35 days of history
SPACING_DAYS = 60  # outbreaks spaced so the baseline is clean again before the next


@dataclass(frozen=True)
class Performance:
    peak: float
    level: float
    outbreaks: int
    detected: int
    delays: list[int]
    false_alarms: int
    false_alarm_days: int
    quiet_days: int

    @property
    def detection_rate(self) -> float:
        return self.detected / self.outbreaks if self.outbreaks else 0.0

    @property
    def median_delay(self) -> float | None:
        return statistics.median(self.delays) if self.delays else None

    @property
    def mean_delay(self) -> float | None:
        return statistics.fmean(self.delays) if self.delays else None

    @property
    def false_alarms_per_month(self) -> float:
        """Alarms (runs of alarm days) starting outside every outbreak, per month without one."""
        return self.false_alarms / (self.quiet_days / 30.4375) if self.quiet_days else 0.0

    @property
    def false_alarm_share(self) -> float:
        """The share of days without an outbreak that were in alarm (a long false alarm counts fully here)."""
        return self.false_alarm_days / self.quiet_days if self.quiet_days else 0.0


def evaluate(
    *, peak: float, level: float = 40.0, years: int = 2, seeds: range = range(10), detector: Detector = DEFAULT
) -> Performance:
    """Run the detector over `seeds` synthetic districts of `years` years with outbreaks of `peak` size."""
    outbreaks_total = detected = false_alarms = false_alarm_days = quiet_days = 0
    delays: list[int] = []
    days = int(365.25 * years)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        outbreaks = []
        day = FIRST_DAY + timedelta(days=WARMUP_DAYS)
        while day + timedelta(days=OUTBREAK_DAYS) < FIRST_DAY + timedelta(days=days):
            start = day + timedelta(days=int(rng.integers(0, SPACING_DAYS - OUTBREAK_DAYS - 7)))
            outbreaks.append(Outbreak(start=start, peak=peak))
            day += timedelta(days=SPACING_DAYS)
        counts = series(level=level, start=FIRST_DAY, days=days, outbreaks=outbreaks, rng=rng)
        verdicts = detect(counts, detector=detector)
        alarms = {v.day for v in verdicts if v.alarm}
        covered = set()
        for outbreak in outbreaks:
            window = [outbreak.start + timedelta(days=i) for i in range(OUTBREAK_DAYS)]
            covered |= {outbreak.start + timedelta(days=i) for i in range(OUTBREAK_DAYS + 7)}
            outbreaks_total += 1
            first = next((d for d in window if d in alarms), None)
            if first is not None:
                detected += 1
                delays.append((first - outbreak.start).days)
        judged = [v.day for v in verdicts if v.expected is not None and v.day >= FIRST_DAY + timedelta(WARMUP_DAYS)]
        quiet = [d for d in judged if d not in covered]
        quiet_days += len(quiet)
        false_alarms += sum(1 for d in quiet if d in alarms and d - timedelta(days=1) not in alarms)
        false_alarm_days += sum(1 for d in quiet if d in alarms)
    return Performance(peak, level, outbreaks_total, detected, delays, false_alarms, false_alarm_days, quiet_days)
