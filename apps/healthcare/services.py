"""Healthcare ingest: facilities' capacity snapshots checked and stored in bulk; the tick folds them into the
live spine, keeps the fever-clinic day counts and runs the surveillance.

A snapshot row: `{"facility", "observed_at", "beds_occupied", "icu_occupied", "er_waiting", "er_wait_minutes",
"fever_clinic_visits"}` — the last four only where the facility has an ICU, an emergency department or a fever
clinic. Occupied is never above the facility's capacity, counts never negative. Same guarantees as every feed
(apps/ingest): per-source tokens, idempotent on (facility, observed_at), whole-batch rejection listing every
bad row, one bulk write. Aggregates only — no field names a patient.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.bulk import bulk_insert_new
from apps.healthcare.models import CapacitySnapshot, Facility, FeverDay
from apps.healthcare.surveillance import DEFAULT, DayVerdict, detect
from apps.indicators.health import SensorReading, sensor_activity_put, sensor_states_advance
from apps.indicators.models import DataSource, SourceSensor
from apps.indicators.services import Observation, indicator_minutes_put
from apps.ingest.batches import Batch, Column, RowError, batch_read
from apps.ingest.feeds import Span, feed_minutes_mark, minute_of, readings_per_hour
from apps.ingest.lifecycle import raw_partitions_ensure
from apps.regions.models import Region
from apps.regions.selectors import region_for_point

FEED = "healthcare.snapshots"
FRESH = timedelta(hours=2)  # a facility's snapshot older than this no longer counts as its current state
MAX_PLAUSIBLE_WAIT = 24 * 60  # minutes; a longer emergency wait is stored but flags the facility's data

SNAPSHOT_COLUMNS = [
    Column("facility", "text"),
    Column("observed_at", "time"),
    Column("beds_occupied", "count", minimum=0),
    Column("icu_occupied", "count", required=False, minimum=0),
    Column("er_waiting", "count", required=False, minimum=0, maximum=10_000),
    Column("er_wait_minutes", "count", required=False, minimum=0, maximum=7 * 24 * 60),
    Column("fever_clinic_visits", "count", required=False, minimum=0, maximum=100_000),
]
OPTIONAL = ["icu_occupied", "er_waiting", "er_wait_minutes", "fever_clinic_visits"]


def healthcare_snapshots_ingest(
    *, source: DataSource, body: bytes | None = None, content_type: str = "application/json", rows: Any = None
) -> dict[str, int]:
    """Store a batch of capacity snapshots from one source; returns {"accepted", "duplicates"}."""
    facilities = {f.code: f for f in Facility.objects.filter(source=source)}

    def check(batch: Batch) -> list[RowError]:
        return _row_rules(batch, facilities)

    batch = batch_read(body=body, content_type=content_type, rows=rows, columns=SNAPSHOT_COLUMNS, check=check)
    return _store(batch, facilities)


def _row_rules(batch: Batch, facilities: dict[str, Facility]) -> list[RowError]:
    errors = []
    for index, code in enumerate(batch["facility"]):
        if code is None:
            continue
        facility = facilities.get(code)
        if facility is None:
            errors.append(RowError(index, "facility", _("unknown facility, or not one of this token's source")))
            continue
        occupied = batch["beds_occupied"][index]
        if occupied is not None and occupied > facility.beds:
            message = _("more than the facility's %(n)d beds") % {"n": facility.beds}
            errors.append(RowError(index, "beds_occupied", message))
        icu = batch["icu_occupied"][index]
        if icu is not None and icu > facility.icu_beds:
            message = (
                _("the facility has no ICU beds")
                if facility.icu_beds == 0
                else _("more than the facility's %(n)d ICU beds") % {"n": facility.icu_beds}
            )
            errors.append(RowError(index, "icu_occupied", message))
        if not facility.emergency:
            for name in ("er_waiting", "er_wait_minutes"):
                if batch[name][index] is not None:
                    errors.append(RowError(index, name, _("the facility has no emergency department")))
        if not facility.fever_clinic and batch["fever_clinic_visits"][index] is not None:
            errors.append(RowError(index, "fever_clinic_visits", _("the facility has no fever clinic")))
    return errors


@transaction.atomic
def _store(batch: Batch, facilities: dict[str, Facility]) -> dict[str, int]:
    if not batch.size:
        return {"accepted": 0, "duplicates": 0}
    adapt = connection.ops.adapt_datetimefield_value
    fields = ["beds_occupied", *OPTIONAL]
    raw_partitions_ensure(model=CapacitySnapshot, moments=batch["observed_at"])
    accepted = bulk_insert_new(
        table=CapacitySnapshot._meta.db_table,
        columns=["facility_id", "observed_at", *fields],
        pg_types=["bigint", "timestamptz", *["integer"] * len(fields)],
        values=[
            [facilities[code].id for code in batch["facility"]],
            [adapt(moment) for moment in batch["observed_at"]],
            *[batch[name] for name in fields],
        ],
        conflict=["facility_id", "observed_at"],
    )
    if accepted:
        feed_minutes_mark(feed=FEED, minutes={minute_of(moment) for moment in batch["observed_at"]})
    return {"accepted": accepted, "duplicates": batch.size - accepted}


# --- The tick: regional capacity, fever-clinic days, surveillance, facility health --------------------------


@dataclass
class _Totals:
    beds: int = 0
    beds_occupied: int = 0
    icu_beds: int = 0
    icu_occupied: int = 0
    er_reporting: int = 0
    er_waiting: int = 0
    er_wait_max: int = 0
    fever_reporting: int = 0
    fever_visits: int = 0


def healthcare_snapshots_aggregate(spans: list[Span]) -> None:
    """Recompute, for every minute with new snapshots, each region's capacity from every facility's state at
    that minute (its latest snapshot within FRESH); then the fever-clinic days and the surveillance."""
    facilities = {f.id: f for f in Facility.objects.select_related("source")}
    if not facilities:
        return
    observations: list[Observation] = []
    health: dict[int, list[SensorReading]] = defaultdict(list)
    touched_days: set[tuple[int, date]] = set()
    minutes: set[datetime] = set()
    for start, end in spans:
        history = _snapshots_by_facility(start - FRESH, end)
        new = sorted(
            (s for rows in history.values() for s in rows if start <= s.observed_at < end), key=lambda s: s.observed_at
        )
        for snapshot in new:
            facility = facilities[snapshot.facility_id]
            health[facility.source_id].append(_health(facility, snapshot))
            if facility.fever_clinic and snapshot.fever_clinic_visits is not None:
                touched_days.add((facility.id, timezone.localdate(snapshot.observed_at)))
            minutes.add(minute_of(snapshot.observed_at))
        for minute in sorted(m for m in minutes if start <= m < end):
            observations += _capacity_observations(facilities, history, minute)
    _fever_days_put(touched_days)
    observations += _signal_observations(facilities, sorted(minutes))
    indicator_minutes_put(observations=observations)
    sources = {f.source_id: f.source for f in facilities.values()}
    for source_id, readings in health.items():
        sensor_states_advance(source=sources[source_id], readings=readings)
    counts: dict[int, dict[tuple[str, datetime], tuple[int, int]]] = defaultdict(dict)
    for (facility_id, hour), received in readings_per_hour(
        CapacitySnapshot.objects.all(), device_field="facility_id", spans=spans
    ).items():
        facility = facilities[facility_id]
        counts[facility.source_id][(facility.code, hour)] = (received, 0)
    for source_id, source_counts in counts.items():
        sensor_activity_put(source=sources[source_id], counts=source_counts)


def _snapshots_by_facility(start: datetime, end: datetime) -> dict[int, list[CapacitySnapshot]]:
    history: dict[int, list[CapacitySnapshot]] = defaultdict(list)
    for snapshot in CapacitySnapshot.objects.filter(observed_at__gte=start, observed_at__lt=end).order_by(
        "observed_at"
    ):
        history[snapshot.facility_id].append(snapshot)
    return history


def _state_at(rows: list[CapacitySnapshot], moment: datetime) -> CapacitySnapshot | None:
    """The latest of a facility's snapshots (in time order) at or before `moment`, if still fresh."""
    index = bisect.bisect_right([r.observed_at for r in rows], moment)
    if index == 0:
        return None
    latest = rows[index - 1]
    return latest if moment - latest.observed_at <= FRESH else None


def regional_totals(
    facilities: dict[int, Facility], states: dict[int, CapacitySnapshot], moment: datetime
) -> dict[int, _Totals]:
    """Per region (each facility's own), the sums over facilities with a current state at `moment`."""
    today = timezone.localdate(moment)
    totals: dict[int, _Totals] = defaultdict(_Totals)
    for facility_id, state in states.items():
        facility = facilities[facility_id]
        if facility.region_id is None:
            continue
        t = totals[facility.region_id]
        t.beds += facility.beds
        t.beds_occupied += state.beds_occupied
        if facility.icu_beds and state.icu_occupied is not None:
            t.icu_beds += facility.icu_beds
            t.icu_occupied += state.icu_occupied
        if facility.emergency and state.er_waiting is not None:
            t.er_reporting += 1
            t.er_waiting += state.er_waiting
            t.er_wait_max = max(t.er_wait_max, state.er_wait_minutes or 0)
        if facility.fever_clinic:
            t.fever_reporting += 1
            if state.fever_clinic_visits is not None and timezone.localdate(state.observed_at) == today:
                t.fever_visits += state.fever_clinic_visits
    return totals


def _capacity_observations(
    facilities: dict[int, Facility], history: dict[int, list[CapacitySnapshot]], minute: datetime
) -> list[Observation]:
    """Every facility region's state at the end of `minute` — all of them, so that each parent region's bucket
    at this minute combines every child, not only the ones that happened to report in it."""
    moment = minute + timedelta(minutes=1) - timedelta(microseconds=1)
    states = {fid: state for fid, rows in history.items() if (state := _state_at(rows, moment))}
    out = []
    for region_id, t in regional_totals(facilities, states, moment).items():
        values: dict[str, float] = {}
        if t.beds:
            values["healthcare.beds"] = t.beds
            values["healthcare.bed_occupancy"] = round(100 * t.beds_occupied / t.beds, 2)
        if t.icu_beds:
            values["healthcare.icu_beds"] = t.icu_beds
            values["healthcare.icu_occupancy"] = round(100 * t.icu_occupied / t.icu_beds, 2)
        if t.er_reporting:
            values["healthcare.er_waiting"] = t.er_waiting
            values["healthcare.er_wait"] = t.er_wait_max
        if t.fever_reporting:
            values["healthcare.fever_visits"] = t.fever_visits
        out += [Observation(code, region_id, minute, float(value)) for code, value in values.items()]
    return out


def _fever_days_put(touched: set[tuple[int, date]]) -> None:
    """Each touched facility-day's visits: the day's highest cumulative count (its last, normally)."""
    by_day: dict[date, set[int]] = defaultdict(set)
    for facility_id, day in touched:
        by_day[day].add(facility_id)
    rows = []
    for day, facility_ids in by_day.items():
        start, end = local_day_bounds(day)
        counted = (
            CapacitySnapshot.objects.filter(
                facility_id__in=facility_ids, observed_at__gte=start, observed_at__lt=end,
                fever_clinic_visits__isnull=False,
            )
            .values("facility_id")
            .annotate(visits=Max("fever_clinic_visits"))
            .order_by()
        )  # fmt: skip
        rows += [FeverDay(facility_id=r["facility_id"], day=day, visits=r["visits"]) for r in counted]
    if rows:
        FeverDay.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["facility", "day"], update_fields=["visits"]
        )


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


# --- Surveillance ------------------------------------------------------------------------------------------


def surveillance_regions() -> list[Region]:
    """The areas watched: the districts (the city shows its highest district score)."""
    return list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))


def district_fever_counts(district: Region, *, first: date, last: date) -> dict[date, int]:
    """Fever-clinic visits per local day in the district, from every facility that reported that day."""
    counts: dict[date, int] = defaultdict(int)
    for day, visits in FeverDay.objects.filter(
        facility__region__path__startswith=district.path, day__gte=first, day__lte=last
    ).values_list("day", "visits"):
        counts[day] += visits
    return dict(counts)


def district_verdicts(district: Region, *, first: date, last: date) -> list[DayVerdict]:
    """The surveillance's verdict for each day from `first` to `last` (with the history it needs before)."""
    counts = district_fever_counts(district, first=first - timedelta(days=2 * DEFAULT.reach_days), last=last)
    return [v for v in detect(counts, since=first) if v.day <= last]


def _signal_observations(facilities: dict[int, Facility], minutes: list[datetime]) -> list[Observation]:
    """At every minute with new snapshots, each watched district's alarm score for the day before — the last
    complete day — restated so the wall always has a current value."""
    if not minutes or not any(f.fever_clinic for f in facilities.values()):
        return []
    days = sorted({timezone.localdate(m) - timedelta(days=1) for m in minutes})
    out = []
    for district in surveillance_regions():
        verdicts = {v.day: v for v in district_verdicts(district, first=days[0], last=days[-1])}
        for minute in minutes:
            verdict = verdicts.get(timezone.localdate(minute) - timedelta(days=1))
            if verdict is not None and verdict.expected is not None:
                out.append(Observation("healthcare.fever_signal", district.id, minute, verdict.score))
    return out


def fever_explain(region_id: int, at: datetime) -> tuple[str, str] | None:
    """For surveillance alerts: the visits against the expected over the current run of alarm days (or
    yesterday alone), in the district — for a parent region, its highest-scoring district."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    yesterday = timezone.localdate(at) - timedelta(days=1)
    districts = [region] if region.level == Region.Level.DISTRICT else [
        d for d in surveillance_regions() if d.path.startswith(region.path)
    ]  # fmt: skip
    worst: tuple[Region, list[DayVerdict]] | None = None
    for district in districts:
        verdicts = district_verdicts(district, first=yesterday - timedelta(days=27), last=yesterday)
        judged = bool(verdicts) and verdicts[-1].day == yesterday and verdicts[-1].expected is not None
        if judged and (worst is None or verdicts[-1].score > worst[1][-1].score):
            worst = (district, verdicts)
    if worst is None:
        return None
    district, verdicts = worst
    run = [verdicts[-1]]
    for verdict in reversed(verdicts[:-1]):
        if not verdict.alarm or verdict.expected is None:
            break
        run.insert(0, verdict)
    observed = sum(v.observed for v in run)
    expected = sum(v.expected or 0 for v in run)
    share = f"{observed / expected - 1:+.0%}" if expected else "—"
    where_zh = "" if district == region else district.name_zh
    where_en = "" if district == region else f"{district.name_en or district.name_zh}: "
    if len(run) == 1:
        return (
            f"{where_zh}昨日发热门诊 {observed} 人次，预期 {expected:.0f}（{share}）",
            f"{where_en}{observed} fever-clinic visits yesterday, {expected:.0f} expected ({share})",
        )
    since = run[0].day
    return (
        f"{where_zh}{since.month}月{since.day}日以来发热门诊 {observed} 人次，预期 {expected:.0f}（{share}）",
        f"{where_en}{observed} fever-clinic visits since {since:%d %b}, {expected:.0f} expected ({share})",
    )


# --- Facilities --------------------------------------------------------------------------------------------


def _health(facility: Facility, snapshot: CapacitySnapshot) -> SensorReading:
    """A value that changes when any reported number changes (a stuck export repeats all of them), and
    whether the numbers are plausible. Only an emergency department's figures change around the clock: a
    clinic's few beds may well stay the same all night, so facilities without one are not watched for
    flat lines (their value is the report's time)."""
    parts = [snapshot.beds_occupied, *[getattr(snapshot, name) for name in OPTIONAL]]
    value = float(sum((i + 1) * 1009**i * (p or 0) for i, p in enumerate(parts)) % 2**52)
    if not facility.emergency:
        value = snapshot.observed_at.timestamp()
    plausible = (snapshot.er_wait_minutes or 0) <= MAX_PLAUSIBLE_WAIT
    return SensorReading(facility.code, snapshot.observed_at, value, plausible)


@transaction.atomic
def facility_register(*, facility: Facility) -> Facility:
    """Place the facility in the district containing it (unless a region is set) and make it known to the
    data-source health checks. Districts, not streets: a hospital serves a district's people, and district
    health commissions are who act on its figures. Without a district level, the deepest region."""
    if facility.region_id is None:
        region = region_for_point(lon=facility.lon, lat=facility.lat)
        if region is not None and region.level != Region.Level.DISTRICT:
            codes = region.path.strip("/").split("/")
            region = (
                Region.objects.filter(code__in=codes, level=Region.Level.DISTRICT).order_by("-depth").first() or region
            )
        if region is not None:
            facility.region = region
            facility.save(update_fields=["region", "updated_at"])
    SourceSensor.objects.update_or_create(
        source=facility.source, code=facility.code, defaults={"region_id": facility.region_id}
    )
    return facility


def latest_states(*, now: datetime | None = None) -> dict[int, CapacitySnapshot]:
    """Each facility's latest snapshot up to `now`, fresh or not (callers judge freshness)."""
    now = now or timezone.now()
    newest = dict(
        CapacitySnapshot.objects.filter(observed_at__lte=now)
        .values_list("facility_id")
        .annotate(at=Max("observed_at"))
        .order_by()
    )
    if not newest:
        return {}
    wanted = Q()
    for facility_id, at in newest.items():
        wanted |= Q(facility_id=facility_id, observed_at=at)
    return {s.facility_id: s for s in CapacitySnapshot.objects.filter(wanted)}
