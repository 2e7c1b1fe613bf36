"""Synthetic fever-clinic series: what the simulator reports and what the surveillance is evaluated on.

The expected visits of a day are a level × a weekday pattern × a winter season (peaking in mid-January at
+60 %); counts scatter around it as a negative binomial (more than Poisson, as real counts do). An outbreak
adds visits on an epidemic curve: a slow start, a peak on its sixth day and a long tail, 14 days in all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# Monday … Sunday: clinics see more people after the weekend and fewer on Sunday.
WEEKDAY = (1.18, 1.06, 1.0, 0.98, 1.02, 0.9, 0.86)
WINTER_PEAK = 1.6  # the mid-January level against the mid-July one
DISPERSION = 40.0  # negative binomial size: variance = mean + mean² / 40
OUTBREAK_DAYS = 14
OUTBREAK_PEAK_DAY = 5


def season(day: date) -> float:
    """1 in mid-July, WINTER_PEAK in mid-January, smooth in between."""
    phase = 2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25
    return 1 + (WINTER_PEAK - 1) * (1 + math.cos(phase)) / 2


def expected_visits(level: float, day: date) -> float:
    return level * WEEKDAY[day.weekday()] * season(day)


def outbreak_shape(days_in: float) -> float:
    """The outbreak's extra visits on its day `days_in` (0 = the first) as a share of its peak."""
    if days_in < 0 or days_in >= OUTBREAK_DAYS:
        return 0.0
    x = (days_in + 1) / (OUTBREAK_PEAK_DAY + 1)
    return x**2 * math.exp(2 * (1 - x))


@dataclass(frozen=True)
class Outbreak:
    start: date
    peak: float  # extra visits at the peak, as a share of the expected visits (0.6 = +60 %)

    def visits(self, day: date, expected: float) -> float:
        return self.peak * expected * outbreak_shape((day - self.start).days)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=OUTBREAK_DAYS)


def series(
    *, level: float, start: date, days: int, outbreaks: list[Outbreak], rng: np.random.Generator
) -> dict[date, int]:
    """Daily counts from `start` for `days` days, outbreaks added."""
    out = {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        mean = expected_visits(level, day)
        mean += sum(o.visits(day, mean) for o in outbreaks)
        out[day] = int(rng.negative_binomial(DISPERSION, DISPERSION / (DISPERSION + mean)))
    return out
