"""Screen against ground: how much of what the screen said was looked at in person, and where nobody went."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, TypedDict, cast

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.fieldwork.models import Flag, Visit
from apps.indicators.models import Alert
from apps.indicators.trust import SourceTrust
from apps.indicators.verdicts import verdicts_agreeing, verdicts_decided
from apps.regions.models import Region


class AreaName(TypedDict):
    code: str
    name_zh: str
    name_en: str


class GroundExtension(TypedDict):
    """What field work adds to a ground-truth summary (ground_extension)."""

    median_hours_to_verify: float | None  # from "send for verification" to the verdict
    last_visit_at: str | None  # ISO 8601
    days_since_visit: int | None
    screen_only: bool  # alerts, and no accepted visit since
    screen_only_regions: list[AreaName]


def ground_extension(region: Region | None, since: datetime) -> GroundExtension:
    """For the ground-truth summaries of the wall and the region pages: median hours from "send for
    verification" to the verdict, the last accepted visit, and the regions — the given one, or for the whole
    city its districts — that had alerts but no accepted visit since `since` ("screen-only")."""
    now = timezone.now()
    alerts = Alert.objects.filter(opened_at__gte=since)
    visits = Visit.objects.filter(status=Visit.Status.ACCEPTED)
    if region is not None:
        alerts = alerts.filter(region__path__startswith=region.path)
        visits = visits.filter(region__path__startswith=region.path)
    waits = [
        # Both are set (the filter below): cast from the nullable fields' type.
        (cast(datetime, verified) - cast(datetime, requested)).total_seconds() / 3600
        for requested, verified in alerts.filter(
            verified_at__isnull=False, verification_requested_at__isnull=False
        ).values_list("verification_requested_at", "verified_at")
    ]
    last_visit = visits.aggregate(at=Max("ended_at"))["at"]
    median_hours = round(statistics.median(waits), 1) if waits else None
    screen_only_now = bool(alerts.exists() and not visits.filter(ended_at__gte=since).exists())
    areas = (
        list(Region.objects.filter(parent=region).order_by("code"))
        if region is not None
        else list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))
    )
    return {
        "median_hours_to_verify": median_hours,
        "last_visit_at": last_visit.isoformat() if last_visit else None,
        "days_since_visit": (now - last_visit).days if last_visit else None,
        "screen_only": screen_only_now,
        "screen_only_regions": [
            {"code": area.code, "name_zh": area.name_zh, "name_en": area.name_en}
            for area in areas
            if screen_only(area, since)
        ],
    }


def screen_only(region: Region, since: datetime) -> bool:
    """Alerts in the region since `since`, and no accepted in-person visit there since then."""
    has_alerts = Alert.objects.filter(opened_at__gte=since, region__path__startswith=region.path).exists()
    if not has_alerts:
        return False
    return not Visit.objects.filter(
        Q(region__path__startswith=region.path), status=Visit.Status.ACCEPTED, ended_at__gte=since
    ).exists()


class OfficerCounts(TypedDict):
    contradictions: int  # verdicts that contradicted the screen
    confirmations: int  # confirmed or partly
    resolved_confirmed: int  # citizens' reports checked, then resolved and rated 4–5
    rejected: int  # visits rejected on review
    rechecks: int  # visits re-checked by another officer …
    rechecks_agreeing: int  # … whose verdicts all agreed


class OfficerOutcome(OfficerCounts):
    officer: Any  # the officer (a user)


def officer_outcomes(*, days: int = 30) -> list[OfficerOutcome]:
    """Per officer over `days`: what the visits found and how they held up — contradictions found (the screen
    was wrong), confirmations, citizens' reports the officer checked that were then resolved and rated
    satisfied (4–5) by the citizen, visits rejected on review, and agreement with random re-checks by another
    officer. Deliberately no count of visits or photos as a score. Where signing is required
    (`CITYOPS_FIELD_SIGNING=required`), only visits signed on a registered phone count."""
    from django.contrib.auth import get_user_model

    from apps.evidence.services import signing_required
    from apps.fieldwork.models import Assignment, Finding

    since = timezone.now() - timedelta(days=days)
    signed_only = signing_required()
    counted = Visit.objects.filter(seal__state="signed") if signed_only else Visit.objects.all()
    rows: dict[int, OfficerCounts] = {}

    def row(officer_id: int) -> OfficerCounts:
        return rows.setdefault(officer_id, {"contradictions": 0, "confirmations": 0, "resolved_confirmed": 0,
                                            "rejected": 0, "rechecks": 0, "rechecks_agreeing": 0})  # fmt: skip

    accepted = Finding.objects.filter(
        visit__in=counted, visit__ended_at__gte=since, visit__status=Visit.Status.ACCEPTED
    )
    for officer_id, verdict in accepted.values_list("visit__officer_id", "verdict"):
        row(officer_id)["contradictions"] += verdict == "contradicted"
        row(officer_id)["confirmations"] += verdict in ("confirmed", "partly")
    for officer_id, _grievance in set(
        accepted.filter(grievance__status__in=["resolved", "closed"], grievance__satisfaction__gte=4).values_list(
            "visit__officer_id", "grievance_id"
        )
    ):
        row(officer_id)["resolved_confirmed"] += 1
    for officer_id in counted.filter(ended_at__gte=since, status=Visit.Status.REJECTED).values_list(
        "officer_id", flat=True
    ):
        row(officer_id)["rejected"] += 1
    for recheck in Assignment.objects.filter(kind=Assignment.Kind.RECHECK, recheck_of__isnull=False,
                                             updated_at__gte=since).select_related("recheck_of"):  # fmt: skip
        original = cast(Visit, recheck.recheck_of)  # recheck_of__isnull=False above
        again = counted.filter(assignment=recheck, status=Visit.Status.ACCEPTED).first()
        if again is None or (signed_only and not counted.filter(pk=original.pk).exists()):
            continue
        first = {f.alert_id: f.verdict for f in original.findings.all()}
        second = {f.alert_id: f.verdict for f in again.findings.all()}
        shared = set(first) & set(second)
        row(original.officer_id)["rechecks"] += 1
        row(original.officer_id)["rechecks_agreeing"] += bool(shared) and all(first[k] == second[k] for k in shared)
    users = get_user_model().objects.in_bulk(list(rows))
    return [{"officer": users[pk], **r} for pk, r in sorted(rows.items()) if pk in users]


# --- Per data source and per region -------------------------------------------------------------------------

GROUND_DAYS = 30


def trust_score(*, agreeing: float, decided: int) -> float | None:
    """Share of in-person verdicts that agreed with the source, pulled towards one half while there are few
    (Laplace: (agreeing + 1) / (decided + 2)) — one contradiction is not a verdict on a feed, three in a row
    are. `agreeing` and `decided` as apps/indicators/verdicts.py counts them: a partly verdict is one verdict
    that agreed by half, as in the wall's share. None without any verdict: nobody has looked yet."""
    if decided == 0:
        return None
    return round((agreeing + 1) / (decided + 2), 3)


def trust_level(score: float | None) -> str:
    if score is None:
        return "unchecked"
    return "high" if score >= 0.75 else "medium" if score >= 0.5 else "low"


def _verdict_rows(since: datetime) -> list[tuple[str, str, datetime, int | None]]:
    """(domain, verdict, visit end, region id) of every finding of an accepted visit since `since`: about an
    alert (its indicator's domain), an indicator, or a citizen report (grievances)."""
    from apps.fieldwork.models import Finding
    from apps.indicators.registry import get_indicator

    rows: list[tuple[str, str, datetime, int | None]] = []
    for alert_indicator, indicator, grievance_id, verdict, ended_at, region_id in Finding.objects.filter(
        visit__status=Visit.Status.ACCEPTED, visit__ended_at__gte=since
    ).values_list("alert__indicator", "indicator", "grievance_id", "verdict", "visit__ended_at", "visit__region_id"):
        code = alert_indicator or indicator
        definition = get_indicator(code) if code else None
        domain = definition.domain if definition else ("grievances" if grievance_id else None)
        if domain:
            rows.append((domain, verdict, ended_at, region_id))
    return rows


class AlertStats(TypedDict):
    alerts: int
    verified: int  # given an in-person verdict
    coverage: float | None  # verified / alerts
    median_hours_to_verify: float | None


def _alert_stats(alerts: QuerySet[Alert]) -> AlertStats:
    waits = [
        # Both are set (the filter below): cast from the nullable fields' type.
        (cast(datetime, verified) - cast(datetime, requested)).total_seconds() / 3600
        for requested, verified in alerts.filter(
            verified_at__isnull=False, verification_requested_at__isnull=False
        ).values_list("verification_requested_at", "verified_at")
    ]
    total = alerts.count()
    verified = alerts.filter(verified_at__isnull=False).count()
    return {
        "alerts": total,
        "verified": verified,
        "coverage": round(verified / total, 3) if total else None,
        "median_hours_to_verify": round(statistics.median(waits), 1) if waits else None,
    }


class VerdictStats(TypedDict):
    checks: int  # decisive verdicts
    contradicted: int
    contradiction_rate: float | None
    trust: float | None
    trust_percent: int | None
    trust_level: str
    days_since_check: int | None


def _verdict_stats(rows: list[tuple[str, str, datetime, int | None]], now: datetime) -> VerdictStats:
    counts = Counter(verdict for _d, verdict, _e, _r in rows)
    contradicted = counts[Alert.Verdict.CONTRADICTED]
    decisive = verdicts_decided(counts)
    last = max((ended for _d, _v, ended, _r in rows), default=None)
    score = trust_score(agreeing=verdicts_agreeing(counts), decided=decisive)
    return {
        "checks": decisive,
        "contradicted": contradicted,
        "contradiction_rate": round(contradicted / decisive, 3) if decisive else None,
        "trust": score,
        "trust_percent": round(score * 100) if score is not None else None,
        "trust_level": trust_level(score),
        "days_since_check": (now - last).days if last else None,
    }


class SourceGround(SourceTrust):
    """A data source's screen against ground over some days (ground_by_source)."""

    domain: str
    median_hours_to_verify: float | None
    contradiction_rate: float | None


def ground_by_source(*, days: int = GROUND_DAYS, domain: str | None = None) -> list[SourceGround]:
    """Per data source over `days`: its alerts' verification coverage and median time to verify, the share
    of in-person verdicts that contradicted it, a trust score, days since it was last checked on site.

    An alert counts for the sources of its indicator's domain (one feed per domain in most cities; where a
    domain has several, they share its verdicts)."""
    from apps.indicators.models import DataSource
    from apps.indicators.registry import indicators

    now = timezone.now()
    since = now - timedelta(days=days)
    verdicts = _verdict_rows(since)
    sources = DataSource.objects.order_by("domain", "code")
    if domain is not None:
        sources = sources.filter(domain=domain)
    out: list[SourceGround] = []
    for source in sources:
        codes = [i.code for i in indicators(include_hidden=True) if i.domain == source.domain]
        alerts = Alert.objects.filter(opened_at__gte=since, indicator__in=codes)
        out.append({
            "code": source.code, "name_zh": source.name_zh, "name_en": source.name_en or source.code,
            "domain": source.domain, "days": days, **_alert_stats(alerts),
            **_verdict_stats([r for r in verdicts if r[0] == source.domain], now),
        })  # fmt: skip
    return out


class RegionGround(TypedDict):
    """A region's screen against ground over some days (ground_by_region)."""

    code: str
    name_zh: str
    name_en: str
    alerts: int
    verified: int  # alerts given an in-person verdict
    coverage: float | None  # verified / alerts
    median_hours_to_verify: float | None
    checks: int  # decisive verdicts
    contradiction_rate: float | None
    days_since_visit: int | None
    screen_only: bool


def ground_by_region(*, parent: Region | None = None, days: int = GROUND_DAYS) -> list[RegionGround]:
    """Per district (or per child of `parent`) over `days`: alerts, coverage, median time to verify,
    contradiction rate, days since the last accepted visit, screen-only."""
    now = timezone.now()
    since = now - timedelta(days=days)
    areas = Region.objects.filter(parent=parent) if parent else Region.objects.filter(level=Region.Level.DISTRICT)
    areas = areas.order_by("code")
    verdicts = _verdict_rows(since)
    paths = dict(Region.objects.filter(pk__in={r for *_x, r in verdicts if r}).values_list("pk", "path"))
    out: list[RegionGround] = []
    for area in areas:
        alerts = Alert.objects.filter(opened_at__gte=since, region__path__startswith=area.path)
        last = Visit.objects.filter(status=Visit.Status.ACCEPTED, region__path__startswith=area.path).aggregate(
            at=Max("ended_at")
        )["at"]
        inside = [r for r in verdicts if r[3] and paths.get(r[3], "").startswith(area.path)]
        stats = _verdict_stats(inside, now)
        out.append({
            "code": area.code, "name_zh": area.name_zh, "name_en": area.name_en, **_alert_stats(alerts),
            "checks": stats["checks"], "contradiction_rate": stats["contradiction_rate"],
            "days_since_visit": (now - last).days if last else None, "screen_only": screen_only(area, since),
        })  # fmt: skip
    return out


def ground_by_region_for_user(*, user: Any) -> list[RegionGround]:
    """`ground_by_region`, only the districts within the user's regions."""
    from apps.accounts.selectors import user_region_ids

    rows = ground_by_region()
    allowed = user_region_ids(user=user)
    if allowed is None:
        return rows
    codes = set(Region.objects.filter(pk__in=allowed).values_list("code", flat=True))
    return [row for row in rows if row["code"] in codes]


def source_trust_for_domain(domain: str) -> list[SourceGround]:
    """The provider the domain pages read through apps.indicators.trust."""
    return ground_by_source(domain=domain)


# Evidence keys that name another visit, and what is said instead when the viewer may not see that visit.
VISIT_REFERENCES: dict[str, dict[str, Promise]] = {
    "earlier_visit": {
        Flag.Code.PHOTO_REUSED: _("a photo already used in another visit"),
        Flag.Code.NOTES_COPIED: _("notes like those of another visit"),
    },
    "previous_visit": {Flag.Code.IMPOSSIBLE_TRAVEL: _("the officer's previous visit, outside your regions")},
}


class FlagShown(TypedDict):
    """A flag as a viewer may see it (flags_for_viewer)."""

    code: str
    label: str
    evidence: dict[str, Any]  # as stored, less the other visits the viewer may not see (then `note`)


def flags_for_viewer(*, flags: list[Flag], user: Any) -> list[FlagShown]:
    """Flags as {"code", "label", "evidence"} for this viewer. The stored evidence may name another visit (a
    reused photo, copied notes, the previous visit of impossible travel); it is named only when that visit is the
    viewer's own or inside their regions, else its UUID becomes null and `note` says what it was, so a flag does
    not leak another district's visit."""
    from apps.accounts.selectors import regions_scope

    named = {
        str(f.evidence[key])
        for f in flags
        if isinstance(f.evidence, dict)
        for key in VISIT_REFERENCES
        if f.evidence.get(key)
    }
    named = {name for name in named if is_uuid(name)}  # evidence of another shape names no visit
    visible: set[str] = set()
    if named:
        rows = Visit.objects.filter(uuid__in=named)
        own = rows.filter(officer_id=user.pk) if getattr(user, "is_authenticated", False) else rows.none()
        inside = regions_scope(rows, user=user)
        visible = {str(u) for u in (own | inside).values_list("uuid", flat=True)}
    out: list[FlagShown] = []
    for flag in flags:
        evidence = dict(flag.evidence) if isinstance(flag.evidence, dict) else {}
        for key, notes in VISIT_REFERENCES.items():
            if evidence.get(key) and str(evidence[key]) not in visible:
                evidence[key] = None
                evidence["note"] = str(notes.get(flag.code, _("another visit, outside your regions")))
        out.append({"code": flag.code, "label": flag.get_code_display(), "evidence": evidence})
    return out


def is_uuid(text: str) -> bool:
    """Whether a text is a UUID (a visit's name), as a lookup needs before it queries by one."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# --- The officer's own visits (the field app's visit list) ---------------------------------------------------

OWN_VISITS_DAYS = 30
OWN_VISITS_LIMIT = 100


def visits_for_officer(*, user: Any, days: int = OWN_VISITS_DAYS) -> Any:
    """The officer's own visits of the last `days` days, newest first, with what the field app shows of each:
    its target, its state on the server (waiting for photos, accepted, waiting for review, rejected with the
    reviewer's reason) and its photos. Only the officer's own: nobody else's visit, whatever the region."""
    since = timezone.now() - timedelta(days=days)
    return (
        Visit.objects.filter(officer=user, started_at__gte=since)
        .select_related("assignment")
        .prefetch_related("photos", "findings")
        .order_by("-started_at")[:OWN_VISITS_LIMIT]
    )
