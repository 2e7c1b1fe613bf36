"""Screen against ground: how much of what the screen said was looked at in person, and where nobody went."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from apps.fieldwork.models import Visit
from apps.indicators.models import Alert
from apps.regions.models import Region


def ground_extension(region: Region | None, since: datetime) -> dict[str, Any]:
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
        (verified - requested).total_seconds() / 3600
        for requested, verified in alerts.filter(
            verified_at__isnull=False, verification_requested_at__isnull=False
        ).values_list("verification_requested_at", "verified_at")
    ]
    last_visit = visits.aggregate(at=Max("ended_at"))["at"]
    out: dict[str, Any] = {
        "median_hours_to_verify": round(statistics.median(waits), 1) if waits else None,
        "last_visit_at": last_visit.isoformat() if last_visit else None,
        "days_since_visit": (now - last_visit).days if last_visit else None,
        "screen_only": bool(alerts.exists() and not visits.filter(ended_at__gte=since).exists()),
    }
    areas = (
        list(Region.objects.filter(parent=region).order_by("code"))
        if region is not None
        else list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))
    )
    out["screen_only_regions"] = [
        {"code": area.code, "name_zh": area.name_zh, "name_en": area.name_en}
        for area in areas
        if screen_only(area, since)
    ]
    return out


def screen_only(region: Region, since: datetime) -> bool:
    """Alerts in the region since `since`, and no accepted in-person visit there since then."""
    has_alerts = Alert.objects.filter(opened_at__gte=since, region__path__startswith=region.path).exists()
    if not has_alerts:
        return False
    return not Visit.objects.filter(
        Q(region__path__startswith=region.path), status=Visit.Status.ACCEPTED, ended_at__gte=since
    ).exists()


def officer_outcomes(*, days: int = 30) -> list[dict[str, Any]]:
    """Per officer over `days`: what the visits found and how they held up — contradictions found (the screen
    was wrong), confirmations, visits rejected on review, and agreement with random re-checks by another
    officer. Deliberately no count of visits or photos as a score."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    from apps.fieldwork.models import Assignment, Finding

    since = timezone.now() - timedelta(days=days)
    rows: dict[int, dict[str, Any]] = {}
    findings = Finding.objects.filter(visit__ended_at__gte=since, visit__status=Visit.Status.ACCEPTED).values_list(
        "visit__officer_id", "verdict"
    )
    for officer_id, verdict in findings:
        row = rows.setdefault(officer_id, {"contradictions": 0, "confirmations": 0, "rejected": 0, "rechecks": 0,
                                            "rechecks_agreeing": 0})  # fmt: skip
        row["contradictions"] += verdict == "contradicted"
        row["confirmations"] += verdict in ("confirmed", "partly")
    for officer_id in Visit.objects.filter(ended_at__gte=since, status=Visit.Status.REJECTED).values_list(
        "officer_id", flat=True
    ):
        rows.setdefault(officer_id, {"contradictions": 0, "confirmations": 0, "rejected": 0, "rechecks": 0,
                                     "rechecks_agreeing": 0})["rejected"] += 1  # fmt: skip
    for recheck in Assignment.objects.filter(kind=Assignment.Kind.RECHECK, recheck_of__isnull=False,
                                             updated_at__gte=since).select_related("recheck_of"):  # fmt: skip
        original = recheck.recheck_of
        again = Visit.objects.filter(assignment=recheck, status=Visit.Status.ACCEPTED).first()
        if again is None:
            continue
        first = {f.alert_id: f.verdict for f in original.findings.all()}
        second = {f.alert_id: f.verdict for f in again.findings.all()}
        shared = set(first) & set(second)
        row = rows.setdefault(original.officer_id, {"contradictions": 0, "confirmations": 0, "rejected": 0,
                                                    "rechecks": 0, "rechecks_agreeing": 0})  # fmt: skip
        row["rechecks"] += 1
        row["rechecks_agreeing"] += bool(shared) and all(first[k] == second[k] for k in shared)
    users = get_user_model().objects.in_bulk(list(rows))
    return [{"officer": users[pk], **row} for pk, row in sorted(rows.items()) if pk in users]
