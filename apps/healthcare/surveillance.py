"""Syndromic surveillance of fever-clinic visits: is today's count more than the season and the weekday explain?

The method, per district and day (documented in README.md with its measured performance):

1. **Expected count.** A Poisson log-linear model fitted to 28 days before a 7-day guard band (so the
   first week of an outbreak is not in its own baseline): an intercept, a weekday effect and a linear trend,
   the trend kept only when it is significant (|t| ≥ 2) — it follows the winter season without chasing noise.
   Over-dispersion φ is estimated from the fit (never below 1), and days far above the fit (Pearson residual
   above 2.58, an earlier outbreak) are down-weighted by 1/r² and the model refitted, after Farrington et al.
   (1996). The expected count for the day is the model's prediction.
2. **Surprise.** The standardised excess z = (observed − expected) / √(φ·μ + μ²·x'Σx) — the count's own
   variance and the prediction's — capped at 4 so one freak day cannot hold an alarm for long.
3. **Accumulation.** A one-sided CUSUM, S = min(6, max(0, S_prev + z − k)) with k = 1: excesses on
   consecutive days add up, which is how an outbreak starts. An alarm while S ≥ h (h = 3). Alarm days are
   left out of later baselines, so an outbreak does not become the new normal.

The baseline takes the most recent 28 reported, non-alarm days before the guard band (looking back up to 56),
topped up to 21 with alarm days after a long alarm; with fewer than 21 reported days there is no verdict and
S restarts from zero. The parameters were chosen on the
synthetic evaluation in `evaluation.py` (false alarms against detection delay); README.md has the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class Detector:
    baseline_days: int = 28
    guard_days: int = 7
    min_baseline_days: int = 21
    k: float = 1.0
    h: float = 3.0
    z_cap: float = 4.0
    score_cap: float = 6.0
    outlier_residual: float = 2.58
    trend_t: float = 2.0

    @property
    def reach_days(self) -> int:
        """How far back a day's baseline may reach."""
        return self.guard_days + 2 * self.baseline_days


DEFAULT = Detector()


@dataclass(frozen=True)
class DayVerdict:
    day: date
    observed: int
    expected: float | None  # None: not enough history for a verdict
    z: float | None
    score: float  # the CUSUM statistic after this day
    alarm: bool

    @property
    def excess(self) -> float | None:
        """Observed over expected, minus one (0.5 is 50 % more visits than expected)."""
        if self.expected is None or self.expected <= 0:
            return None
        return self.observed / self.expected - 1


def detect(counts: Mapping[date, int], *, detector: Detector = DEFAULT, since: date | None = None) -> list[DayVerdict]:
    """A verdict for every day of `counts` from `since` (default: the first), in day order. Days missing
    from `counts` are unreported: they neither count as zero visits nor enter a baseline."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    start = max(first, since) if since else first
    # The CUSUM and the alarm days left out of baselines carry from day to day: start early enough that
    # `since` sees them (as far back as a baseline reaches).
    warm = max(first, start - timedelta(days=detector.reach_days))
    verdicts = []
    score = 0.0
    flagged: set[date] = set()  # alarm days stay out of later baselines: an outbreak is not the normal
    day = warm
    while day <= last:
        observed = counts.get(day)
        expected = variance = None
        if observed is not None:
            fitted = _expected(counts, day, detector, flagged)
            if fitted is not None:
                expected, variance = fitted
        if observed is None or expected is None or variance is None:
            score = 0.0
            z = None
        else:
            z = min(detector.z_cap, (observed - expected) / math.sqrt(variance))
            score = min(detector.score_cap, max(0.0, score + z - detector.k))
        alarm = expected is not None and score >= detector.h
        if alarm:
            flagged.add(day)
        if day >= start and observed is not None:
            verdicts.append(DayVerdict(day, observed, expected, z, round(score, 3), alarm))
        day += timedelta(days=1)
    return verdicts


def _expected(
    counts: Mapping[date, int], day: date, detector: Detector, flagged: set[date]
) -> tuple[float, float] | None:
    """(expected count, variance of a count around it) for `day` from its baseline, or None without enough
    history."""
    # The most recent `baseline_days` usable days before the guard band, looking back at most twice as far
    # (alarm days and unreported days are skipped, so a past outbreak does not leave the window thin).
    # A long alarm must not leave the detector blind: short of days, alarm days come back in (the fit's
    # down-weighting of days far above it still limits their pull).
    points: list[tuple[date, int]] = []
    spare: list[tuple[date, int]] = []
    for back in range(1, 2 * detector.baseline_days + 1):
        d = day - timedelta(days=detector.guard_days + back)
        if d in counts:
            (spare if d in flagged else points).append((d, counts[d]))
            if len(points) == detector.baseline_days:
                break
    if len(points) < detector.min_baseline_days:
        points += spare[: detector.min_baseline_days - len(points)]
    points.sort()
    if len(points) < detector.min_baseline_days:
        return None
    y = np.array([c for _d, c in points], dtype=float)
    offsets = np.array([(d - day).days for d, _c in points], dtype=float)
    weekdays = np.array([d.weekday() for d, _c in points])
    present = sorted(set(weekdays.tolist()))
    if day.weekday() not in present:
        return None

    def design(off: np.ndarray, wd: np.ndarray, trend: bool) -> np.ndarray:
        columns = [np.ones_like(off)]
        columns += [(wd == w).astype(float) for w in present[1:]]
        if trend:
            columns.append(off / 7.0)  # per week: keeps the numbers well scaled
        return np.column_stack(columns)

    here_offset = np.array([0.0])
    here_weekday = np.array([day.weekday()])
    for trend in (True, False):
        x = design(offsets, weekdays, trend)
        fit = _poisson_fit(x, y, detector)
        if fit is None:
            continue
        beta, phi, covariance = fit
        if trend:
            t_value = beta[-1] / math.sqrt(max(covariance[-1, -1], 1e-12))
            if abs(t_value) < detector.trend_t:
                continue
        here = design(here_offset, here_weekday, trend)
        mean = max(float(np.exp(here @ beta)[0]), 0.5)
        # The variance of a new count around the prediction: the count's own (φ·μ) and the fit's (μ²·x'Σx).
        variance = phi * mean + mean**2 * float((here @ covariance @ here.T)[0, 0])
        return mean, variance
    return None


def _poisson_fit(x: np.ndarray, y: np.ndarray, detector: Detector) -> tuple[np.ndarray, float, np.ndarray] | None:
    """Poisson regression by iteratively reweighted least squares, with Farrington's down-weighting of days
    far above the fit; returns (coefficients, dispersion, covariance) or None when it does not converge."""
    n, p = x.shape
    if n <= p:
        return None
    robust = np.ones(n)
    beta = np.zeros(p)
    beta[0] = math.log(max(y.mean(), 0.5))
    phi = 1.0
    for _pass in range(2):
        for _iteration in range(50):
            eta = np.clip(x @ beta, -20, 20)
            mu = np.exp(eta)
            working = eta + (y - mu) / mu
            weights = mu * robust
            xtw = x.T * weights
            try:
                updated = np.linalg.solve(xtw @ x + 1e-8 * np.eye(p), xtw @ working)
            except np.linalg.LinAlgError:
                return None
            if np.max(np.abs(updated - beta)) < 1e-8:
                beta = updated
                break
            beta = updated
        mu = np.exp(np.clip(x @ beta, -20, 20))
        pearson = (y - mu) / np.sqrt(mu)
        phi = max(1.0, float(np.sum(robust * pearson**2) / max(1.0, robust.sum() - p)))
        residual = pearson / math.sqrt(phi)
        robust = np.where(residual > detector.outlier_residual, 1.0 / np.maximum(residual, 1e-9) ** 2, 1.0)
    mu = np.exp(np.clip(x @ beta, -20, 20))
    information = (x.T * (mu * robust)) @ x
    try:
        covariance = phi * np.linalg.inv(information + 1e-8 * np.eye(p))
    except np.linalg.LinAlgError:
        return None
    return beta, phi, covariance
