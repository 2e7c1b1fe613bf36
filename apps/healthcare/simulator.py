"""A simulated health system for the demo city: every facility reports every 5 minutes.

Beds fill towards midnight and empty with the late-morning discharges, more so after weekends and in winter;
emergency departments have their morning and evening peaks; fever clinics follow the synthetic series of
`synthetic.py` (weekday, winter season). Every 35 days or so an outbreak starts in one district and spreads to
the others — later and weaker with distance — raising fever-clinic visits, then admissions and ICU use.
On a fresh start it backfills a day and a half of snapshots every 15 minutes and, before that, one end-of-day
snapshot per facility for 100 days, so the surveillance has its baseline. Through the same ingest as real
facilities, as JSON batches.
"""

from __future__ import annotations

import json
import math
import zlib
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.db.models import Max
from django.utils import timezone

from apps.core.simulation import stable_noise
from apps.healthcare.demo import SOURCE_CODE
from apps.healthcare.models import CapacitySnapshot, Facility
from apps.healthcare.services import healthcare_snapshots_ingest
from apps.healthcare.synthetic import DISPERSION, Outbreak, expected_visits, season
from apps.indicators.models import DataSource
from apps.ingest.batches import MAX_ROWS

STEP = timedelta(minutes=5)
BACKFILL_STEP = timedelta(minutes=15)  # on a fresh start, for the last RECENT
RECENT = timedelta(hours=36)
HISTORY_DAYS = 100  # end-of-day snapshots before that
PERIOD_DAYS = 35
EPOCH = date(2026, 1, 5)
FEVER_LEVEL: dict[str, float] = {
    Facility.Kind.TERTIARY: 34.0,
    Facility.Kind.SECONDARY: 18.0,
    Facility.Kind.COMMUNITY: 7.0,
}


def outbreaks(stations: list[Facility], day: date) -> list[tuple[Outbreak, float, float]]:
    """The scenario's outbreaks that may touch `day`: (outbreak, origin lon, origin lat). In about half of the
    35-day periods one starts on a day of the period's first three weeks, at one facility's place."""
    found = []
    period = (day - EPOCH).days // PERIOD_DAYS
    hospitals = sorted((f for f in stations if f.fever_clinic), key=lambda f: f.code)
    for k in (period - 1, period):
        if not hospitals or stable_noise(f"outbreak:{k}") < 0:
            continue
        start = EPOCH + timedelta(days=k * PERIOD_DAYS + int(10 * (1 + stable_noise(f"outbreak-day:{k}"))))
        origin = hospitals[int((1 + stable_noise(f"outbreak-where:{k}")) / 2 * (len(hospitals) - 1) + 0.5)]
        found.append((Outbreak(start=start, peak=0.9), origin.lon, origin.lat))
    return found


def fever_extra(facility: Facility, facilities: list[Facility], day: date, expected: float) -> float:
    """Extra fever-clinic visits from outbreaks: it reaches a facility about a day per 0.04° (a few km) from
    where it started, weaker with distance."""
    extra = 0.0
    for outbreak, lon, lat in outbreaks(facilities, day):
        distance = math.hypot(facility.lon - lon, facility.lat - lat)
        local = Outbreak(start=outbreak.start + timedelta(days=round(distance / 0.04)), peak=outbreak.peak)
        if distance <= 0.15:
            extra += local.visits(day, expected) * math.exp(-distance / 0.05)
    return extra


def fever_total(facility: Facility, facilities: list[Facility], day: date) -> int:
    """The facility's fever-clinic visits on a whole day (negative binomial around the expected)."""
    expected = expected_visits(FEVER_LEVEL.get(facility.kind, 0.0), day)
    mean = expected + fever_extra(facility, facilities, day, expected)
    rng = np.random.default_rng(zlib.crc32(f"{facility.code}:{day.isoformat()}".encode()))
    return int(rng.negative_binomial(DISPERSION, DISPERSION / (DISPERSION + mean))) if mean > 0 else 0


def _day_share(hour: float) -> float:
    """The share of a day's fever-clinic visits seen by `hour` (local): a morning and an afternoon peak."""

    def density(h: float) -> float:
        return (
            0.2
            + math.exp(-(((h - 10) / 2) ** 2))
            + 0.8 * math.exp(-(((h - 15.5) / 2) ** 2))
            + 0.4 * math.exp(-(((h - 20) / 1.5) ** 2))
        )

    steps = 96
    total = sum(density(24 * i / steps) for i in range(steps))
    return sum(density(24 * i / steps) for i in range(steps) if 24 * i / steps < hour) / total


def outbreak_load(facility: Facility, facilities: list[Facility], day: date) -> float:
    """How much an outbreak adds to admissions at the facility, 0 to ~0.1 (share of beds)."""
    expected = expected_visits(1.0, day)
    return min(0.1, 0.06 * fever_extra(facility, facilities, day, expected) / expected)


def snapshot(facility: Facility, facilities: list[Facility], moment: datetime) -> dict[str, object]:
    local = timezone.localtime(moment)
    hour = local.hour + local.minute / 60
    day = local.date()
    key = f"{facility.code}:{moment.isoformat()}"
    winter = season(day) - 1  # 0 … 0.6
    bases: dict[str, float] = {Facility.Kind.TERTIARY: 0.9, Facility.Kind.SECONDARY: 0.8, Facility.Kind.COMMUNITY: 0.58}
    base = bases.get(facility.kind, 0.3)
    daily = -0.035 * math.exp(-(((hour - 12) / 2.5) ** 2)) + 0.015 * math.cos(2 * math.pi * (hour - 23) / 24)
    weekly = 0.02 if local.weekday() in (0, 1) else (-0.02 if local.weekday() in (5, 6) else 0.0)
    load = outbreak_load(facility, facilities, day)
    occupancy = base + daily + weekly + 0.05 * winter + load + 0.012 * stable_noise(key)
    row: dict[str, object] = {
        "facility": facility.code,
        "observed_at": moment.isoformat(),
        "beds_occupied": max(0, min(facility.beds, round(facility.beds * occupancy))),
    }
    if facility.icu_beds:
        icu = 0.74 + 0.1 * winter + 2 * load + 0.05 * stable_noise(f"icu:{key}")
        row["icu_occupied"] = max(0, min(facility.icu_beds, round(facility.icu_beds * icu)))
    if facility.emergency:
        scale = 24 if facility.kind == Facility.Kind.TERTIARY else 11
        rush = 0.25 + math.exp(-(((hour - 10) / 2.2) ** 2)) + 0.8 * math.exp(-(((hour - 20) / 2.0) ** 2))
        waiting = max(0, round(scale * rush * (1 + 0.3 * winter + 3 * load) * (1 + 0.2 * stable_noise(f"er:{key}"))))
        row["er_waiting"] = waiting
        row["er_wait_minutes"] = max(0, round(8 + waiting * (2.6 if facility.kind == Facility.Kind.TERTIARY else 3.4)
                                              * (1 + 0.15 * stable_noise(f"wait:{key}"))))  # fmt: skip
    if facility.fever_clinic:
        row["fever_clinic_visits"] = round(fever_total(facility, facilities, day) * _day_share(hour))
    return row


def step(now: datetime) -> int:
    """Snapshots for every demo facility at each 5-minute mark since its last one, up to now."""
    source = DataSource.objects.filter(code=SOURCE_CODE).first()
    if source is None:
        return 0
    facilities = list(Facility.objects.filter(source=source))
    last = dict(
        CapacitySnapshot.objects.filter(facility__in=facilities).values_list("facility_id").annotate(Max("observed_at"))
    )
    step_s = int(STEP.total_seconds())
    end = datetime.fromtimestamp(int(now.timestamp()) // step_s * step_s, tz=UTC)
    rows = []
    for facility in facilities:
        previous = last.get(facility.id)
        fresh_start = previous is None
        if fresh_start:  # end-of-day reports for the history, then the last day and a half every 15 minutes
            first_recent = end - RECENT
            for back in range(HISTORY_DAYS, 0, -1):
                day = timezone.localdate(first_recent) - timedelta(days=back)
                moment = datetime.combine(day, time(23, 45), tzinfo=timezone.get_current_timezone())
                rows.append(snapshot(facility, facilities, moment.astimezone(UTC)))
        moment = end - RECENT if previous is None else max(previous, end - RECENT)
        while True:
            moment += BACKFILL_STEP if fresh_start and end - moment > BACKFILL_STEP else STEP
            if moment > end:
                break
            rows.append(snapshot(facility, facilities, moment))
    rows.sort(key=lambda r: str(r["observed_at"]))
    for first in range(0, len(rows), MAX_ROWS):
        healthcare_snapshots_ingest(source=source, body=json.dumps(rows[first : first + MAX_ROWS]).encode())
    return len(rows)
