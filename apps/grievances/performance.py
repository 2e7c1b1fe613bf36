"""接诉即办 rates, claimed and verified: per department and per street, for one month of reports.

Choices made, each written on the public page too:

- The month is the city's local month (settings.TIME_ZONE) in which the reports were made; every rate of a month
  is about the same reports (merged duplicates left out: their original counts).
- 响应率 (response): of the reports whose response deadline (the category's `response_hours`) has passed or that
  were answered, those accepted — or rejected with a reason — within it. The time is the system's, taken when
  staff act: there is nothing for a re-check to verify.
- 解决率 (resolution): of the reports resolved, reopened, or past their deadline (rejected ones left out), those
  resolved and not reopened — by the citizen or by an independent check that found it not fixed — within
  RESOLUTION_HOLD_DAYS of a resolution.
- 满意率 (satisfaction): of the independent ratings (RatingExclusion: the others are left out and counted),
  those of 4 or 5 stars.
- Verified: only the random sample's checks (reason "sample"; contests are not random), done ones. Verified
  解决率: checks that found it fixed; verified 满意率: callbacks whose citizen said they were satisfied. They are
  counted for the department checked (the report's at the time).
- The gap is claimed minus verified, when both are shown; flagged from CITYOPS_PERFORMANCE_GAP_FLAG.
- k (CITYOPS_OPEN_DATA_K): a count below k is published as "fewer than k", a rate from fewer than k reports (or
  checks) is not published; a department with fewer than k done checks is listed unranked.
- The ranking is by verified 解决率, then verified 满意率: a ranking by claimed rates rewards looking solved.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.i18n import localized
from apps.grievances.models import Grievance, GrievanceEvent, RatingExclusion, ResolutionCheck

RESOLUTION_HOLD_DAYS = 30
SATISFIED = 4  # stars from which a rating is "satisfied"
MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
S = Grievance.Status


class MonthError(ValueError):
    """A month that cannot be read; the message says what is wanted."""


def month_parse(text: str | None, *, now: datetime | None = None) -> date:
    """The first day of a YYYY-MM month (full-width digits as typed by a Chinese input method too); the current
    local month for none. MonthError for a malformed month, one
    before 2000, or one that has not begun."""
    today = timezone.localdate(now or timezone.now())
    if not text:
        return today.replace(day=1)
    found = MONTH.fullmatch(unicodedata.normalize("NFKC", text).strip())  # full-width from an input method too
    if found is None or not 1 <= int(found[2]) <= 12:
        raise MonthError(_("a month is written YYYY-MM, e.g. %(example)s") % {"example": f"{today:%Y-%m}"})
    if int(found[1]) < 2000:  # year 0 is no date at all: refused with the others before it is made one
        raise MonthError(_("a month from 2000-01 to %(latest)s") % {"latest": f"{today:%Y-%m}"})
    month = date(int(found[1]), int(found[2]), 1)
    if month > today:
        raise MonthError(_("a month from 2000-01 to %(latest)s") % {"latest": f"{today:%Y-%m}"})
    return month


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Local midnight of the month's first day and of the next month's."""
    days = calendar.monthrange(month.year, month.month)[1]
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine(month.replace(day=days), time.min) + timedelta(days=1))
    return start, end


@dataclass(frozen=True)
class Rate:
    """numerator of denominator, published only from k on (`value` None below it). A rate of people's opinions
    (satisfaction) also only when neither side — the satisfied, the others — is 1 to k-1 people: the rate times the
    total would give that side back ("the one dissatisfied citizen of this street"). Rates of what happened to
    reports (responded, fixed) are about the reports' places and handling, not about a person."""

    numerator: int
    denominator: int
    k: int
    opinions: bool = False

    @property
    def value(self) -> float | None:
        if self.denominator < max(self.k, 1) or not self.counts_shown:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> int | None:
        return None if self.value is None else round(self.value * 100)

    @property
    def counts_shown(self) -> bool:
        """For opinions, neither side — those counted, those not — is 1 to k-1 people."""
        rest = self.denominator - self.numerator
        return not self.opinions or not (0 < self.numerator < self.k or 0 < rest < self.k)


@dataclass(frozen=True)
class Measure:
    """One rate as the department claims it and as independent checks find it (None: not checked)."""

    claimed: Rate
    verified: Rate | None

    @property
    def gap(self) -> float | None:
        if self.verified is None or self.claimed.value is None or self.verified.value is None:
            return None
        return self.claimed.value - self.verified.value

    @property
    def gap_points(self) -> int | None:
        return None if self.gap is None else round(self.gap * 100)

    @property
    def flagged(self) -> bool:
        return self.gap is not None and self.gap >= settings.CITYOPS_PERFORMANCE_GAP_FLAG - 1e-9


@dataclass(frozen=True)
class Unit:
    """A department's or a street's month."""

    kind: str  # "department" or "street"
    code: str
    name_zh: str
    name_en: str
    reports: int
    response: Measure
    resolution: Measure
    satisfaction: Measure
    excluded: dict[str, int]  # non-independent ratings by RatingExclusion value
    checks_done: int
    checks_pending: int
    rank: int | None = None
    unranked_because: str = ""

    @property
    def name(self) -> str:
        return localized(self)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def flagged(self) -> bool:
        return self.resolution.flagged or self.satisfaction.flagged


@dataclass(frozen=True)
class Performance:
    month: date
    k: int
    departments: list[Unit]  # ranked first, by rank; then the unranked by name
    streets: list[Unit]


@dataclass
class _Tally:
    reports: int = 0
    responded: int = 0
    response_due: int = 0
    solved: int = 0
    resolution_due: int = 0
    satisfied: int = 0
    rated: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RatingExclusion.values, 0))
    fixed: int = 0
    satisfied_on_call: int = 0
    callbacks: int = 0
    checks_done: int = 0
    checks_pending: int = 0


def performance_month(*, month: date | None = None, now: datetime | None = None) -> Performance:
    """The month's rates per department and per street (see the module's docstring for every definition)."""
    now = now or timezone.now()
    month = month or month_parse(None, now=now)
    start, end = month_bounds(month)
    k = settings.CITYOPS_OPEN_DATA_K
    rows = list(
        Grievance.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=S.MERGED)
        .values("id", "department_id", "region_id", "status", "created_at", "accepted_at", "closed_at", "due_at",
                "resolved_at", "reopened_count", "satisfaction", "rating_excluded", "category__response_hours")
    )  # fmt: skip
    streets = _street_of_region()
    held = _resolutions_held([r["id"] for r in rows if r["reopened_count"]])
    departments: dict[int, _Tally] = defaultdict(_Tally)
    by_street: dict[int, _Tally] = defaultdict(_Tally)
    for row in rows:
        tallies = [departments[row["department_id"]]]
        if streets.get(row["region_id"]) is not None:
            tallies.append(by_street[streets[row["region_id"]]])
        for tally in tallies:
            _count_report(tally, row, now=now, held=held)
    checks = ResolutionCheck.objects.filter(
        reason=ResolutionCheck.Reason.SAMPLE, grievance__created_at__gte=start, grievance__created_at__lt=end
    ).values("department_id", "grievance__region_id", "method", "fixed", "satisfied")
    for check in checks:
        tallies = [departments[check["department_id"]]]
        if streets.get(check["grievance__region_id"]) is not None:
            tallies.append(by_street[streets[check["grievance__region_id"]]])
        for tally in tallies:
            _count_check(tally, check)
    return Performance(
        month=month,
        k=k,
        departments=_ranked(_units("department", departments, k)),
        streets=sorted(_units("street", by_street, k), key=lambda u: u.code),
    )


def _count_report(tally: _Tally, row: Mapping[str, Any], *, now: datetime, held: dict[int, bool]) -> None:
    tally.reports += 1
    answered = row["accepted_at"] or (row["closed_at"] if row["status"] == S.REJECTED else None)
    deadline = row["created_at"] + timedelta(hours=row["category__response_hours"])
    if answered is not None or now >= deadline:
        tally.response_due += 1
        tally.responded += answered is not None and answered <= deadline
    reopened = row["reopened_count"] > 0
    overdue = row["due_at"] is not None and row["due_at"] < now
    if row["status"] != S.REJECTED and (row["resolved_at"] or reopened or overdue):
        tally.resolution_due += 1
        tally.solved += bool(held.get(row["id"], True) if reopened else row["resolved_at"])
    if row["satisfaction"] is not None:
        if row["rating_excluded"]:
            tally.excluded[row["rating_excluded"]] = tally.excluded.get(row["rating_excluded"], 0) + 1
        else:
            tally.rated += 1
            tally.satisfied += row["satisfaction"] >= SATISFIED


def _count_check(tally: _Tally, check: Mapping[str, Any]) -> None:
    if check["fixed"] is None:
        tally.checks_pending += 1
        return
    tally.checks_done += 1
    tally.fixed += check["fixed"]
    if check["method"] == ResolutionCheck.Method.CALLBACK and check["satisfied"] is not None:
        tally.callbacks += 1
        tally.satisfied_on_call += check["satisfied"]


def _resolutions_held(ids: list[int]) -> dict[int, bool]:
    """For reopened reports: True when a resolution held — no reopening within RESOLUTION_HOLD_DAYS of it —
    and the report is resolved now or was resolved for longer than that before being reopened."""
    if not ids:
        return {}
    events = GrievanceEvent.objects.filter(grievance_id__in=ids).filter(
        kind__in=[GrievanceEvent.Kind.STATUS, GrievanceEvent.Kind.REOPENED]
    )
    timeline: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for gid, at, kind, to_status in events.values_list("grievance_id", "created_at", "kind", "to_status"):
        timeline[gid].append((at, kind, to_status))
    return {gid: _held(sorted(timeline.get(gid, []))) for gid in ids}


def _held(entries: list[tuple[datetime, str, str]]) -> bool:
    resolved: datetime | None = None
    held_once = False
    for at, kind, to_status in entries:
        if kind == GrievanceEvent.Kind.REOPENED:
            if resolved is not None and at - resolved <= timedelta(days=RESOLUTION_HOLD_DAYS):
                return False  # a resolution that did not hold: the report does not count as solved
            held_once = held_once or resolved is not None
            resolved = None
        elif to_status == S.RESOLVED:
            resolved = at
    return held_once or resolved is not None


def _street_of_region() -> dict[int, int]:
    """Each region's street: the street itself, or the street a community lies in (cities and districts have
    none). Paths are "/city/district/street/community/" by code."""
    from apps.regions.models import Region

    regions = list(Region.objects.values_list("id", "level", "path"))
    street_by_path = {path: pk for pk, level, path in regions if level == Region.Level.STREET}
    found = {}
    for pk, _level, path in regions:
        parts = path.strip("/").split("/")
        prefixes = ("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
        street = next((street_by_path[p] for p in prefixes if p in street_by_path), None)
        if street is not None:
            found[pk] = street
    return found


def _units(kind: str, tallies: dict[int, _Tally], k: int) -> list[Unit]:
    from apps.accounts.models import Department
    from apps.regions.models import Region

    model: Any = Department if kind == "department" else Region
    names = {o.pk: o for o in model.objects.filter(pk__in=tallies)}
    return [_unit(kind, names[pk], tally, k) for pk, tally in tallies.items() if pk in names]


def _unit(kind: str, owner: Any, t: _Tally, k: int) -> Unit:
    return Unit(
        kind=kind, code=owner.code, name_zh=owner.name_zh, name_en=owner.name_en or "", reports=t.reports,
        response=Measure(Rate(t.responded, t.response_due, k), None),
        resolution=Measure(Rate(t.solved, t.resolution_due, k), Rate(t.fixed, t.checks_done, k)),
        satisfaction=Measure(Rate(t.satisfied, t.rated, k, opinions=True),
                             Rate(t.satisfied_on_call, t.callbacks, k, opinions=True)),  # fmt: skip
        excluded=dict(t.excluded), checks_done=t.checks_done, checks_pending=t.checks_pending,
    )  # fmt: skip


def _ranked(units: list[Unit]) -> list[Unit]:
    """By verified 解决率, then verified 满意率 (a department without callbacks enough after those with), then
    code; a department whose verified 解决率 is not published is listed after them, unranked, saying why."""
    from dataclasses import replace

    rankable = [u for u in units if u.resolution.verified and u.resolution.verified.value is not None]
    rankable.sort(key=lambda u: (-_v(u.resolution), -_v(u.satisfaction), u.code))
    ranked = [replace(u, rank=i) for i, u in enumerate(rankable, start=1)]
    others = sorted((u for u in units if u not in rankable), key=lambda u: u.code)
    return ranked + [replace(u, unranked_because="few_checks") for u in others]


def _v(measure: Measure) -> float:
    return measure.verified.value if measure.verified and measure.verified.value is not None else -1.0


def performance_gaps(*, month: date | None = None) -> list[dict[str, Any]]:
    """The claimed-vs-verified gap per department, for the wall and the stewards' desk, in ranked order: code,
    names, rank (None: unranked), the claimed and verified 解决率 and 满意率 and their gaps as shares of 1 (None
    where not published: from fewer than k reports or checks), done checks (None below k), flagged."""
    performance = performance_month(month=month)
    return [_gap_row(unit, k=performance.k) for unit in performance.departments]


def _gap_row(unit: Unit, *, k: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "department": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "rank": unit.rank,
        "checks_done": unit.checks_done if unit.checks_done >= k else None,
    }
    for key, measure in (("resolution", unit.resolution), ("satisfaction", unit.satisfaction)):
        row[f"{key}_claimed"] = measure.claimed.value
        row[f"{key}_verified"] = measure.verified.value if measure.verified else None
        row[f"{key}_gap"] = measure.gap
    row["flagged"] = unit.flagged
    return row


def definitions() -> dict[str, str]:
    """Each rate in words, as the public page and the API state it (the module's docstring, for citizens)."""
    values = {
        "days": RESOLUTION_HOLD_DAYS,
        "minutes": settings.CITYOPS_RATING_AFTER_STAFF_MINUTES,
        "k": settings.CITYOPS_OPEN_DATA_K,
        "share": round(settings.CITYOPS_RESOLUTION_CHECK_SHARE * 100),
        "points": round(settings.CITYOPS_PERFORMANCE_GAP_FLAG * 100),
    }
    texts = {
        "response": _(
            "Response rate (响应率): of the reports whose response deadline has passed or that were answered, those "
            "accepted — or rejected with a reason — within the deadline their category sets. The system records the "
            "time when staff act, so there is nothing for a check to verify."
        ),
        "resolution": _(
            "Resolution rate (解决率): of the reports resolved, reopened or past their deadline (rejected ones left "
            "out), those resolved and not reopened — by the citizen, or by an independent check that found the "
            "problem not fixed — within %(days)s days of the resolution. Verified: of the independent checks done, "
            "those that found the problem fixed."
        ),
        "satisfaction": _(
            "Satisfaction rate (满意率): of the citizens' independent ratings, those of 4 or 5 stars. Verified: of "
            "the callbacks done, those in which the citizen said they were satisfied."
        ),
        "checks": _(
            "Independent checks: %(share)s%% of the resolved and rated reports, drawn by a hash of the report's "
            "number, are checked by a field visit or by a callback to the citizen, logged by someone outside the "
            "department."
        ),
        "excluded": _(
            "Ratings left out: a rating made from a staff session, from the department's own network, or within "
            "%(minutes)s minutes of a staff action on the report cannot be independent. It is kept, and counted "
            "here, but not in the satisfaction rate."
        ),
        "gap": _(
            "Gap: the claimed rate minus the verified one, in percentage points; a gap of %(points)s points or "
            "more is flagged."
        ),
        "small_numbers": _(
            "Small numbers: a count below %(k)s is shown as “fewer than %(k)s”, and a rate computed from fewer "
            "than %(k)s reports or checks is not shown: it says little and could point at a person."
        ),
        "ranking": _(
            "The ranking is by verified rates — the resolution rate the checks found, then the satisfaction they "
            "heard — not by claimed ones: a ranking that rewards claimed rates rewards making reports look solved "
            "(pressing citizens for good ratings, closing problems that are not fixed), which is formalism "
            "(形式主义). A department with fewer than %(k)s checks done is listed unranked."
        ),
    }
    return {key: text % values for key, text in texts.items()}
