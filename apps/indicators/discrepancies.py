"""Cross-department discrepancies: when sources about the same region and time disagree, someone has to go
and look. Each rule is a small function declared by the app that knows its sources (its manifest);
nothing here knows the domains.

A rule gets a region and the moment of evaluation and returns None (the sources agree, or there is not
enough to say) or a Disagreement with both sides' evidence. A firing rule raises one discrepancy alert per
(rule, region), sent for verification at once (fieldwork opens the assignment); while the rule keeps
firing the alert is refreshed, and it resolves when the rule has been quiet for `resolve_after`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.registry import Registry
from apps.indicators.models import Alert
from apps.regions.models import Region


@dataclass(frozen=True)
class Disagreement:
    summary_zh: str
    summary_en: str
    evidence: dict[str, Any] = field(default_factory=dict)
    # the published figures it calls into question, when only this case knows them (else the rule's `indicators`)
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscrepancyRule:
    code: str  # e.g. "air-good-smoke-complaints"
    name_zh: str
    name_en: str
    check: Callable[[Region, datetime], Disagreement | None]
    level: str = Region.Level.DISTRICT  # the regions it compares
    # the figures whose sources disagree: the public truth panel lists the open disagreement beside them
    indicators: tuple[str, ...] = ()
    resolve_after: timedelta = timedelta(hours=3)


rule_registry: Registry[DiscrepancyRule] = Registry("discrepancy rule", key=lambda r: r.code)


def discrepancy_rules() -> list[DiscrepancyRule]:
    return sorted(rule_registry, key=lambda r: r.code)


def discrepancies_evaluate(*, now: datetime | None = None) -> list[Alert]:
    """Run every rule over its regions: raise or refresh alerts where sources disagree, resolve quiet ones."""
    from apps.indicators.alerting import alert_auto_resolve, alert_raise, alert_transition

    now = now or timezone.now()
    touched = []
    for rule in discrepancy_rules():
        for region in Region.objects.filter(level=rule.level).order_by("code"):
            subject = f"discrepancy:{rule.code}"
            found = rule.check(region, now)
            if found is None:
                open_alert = (
                    Alert.objects.filter(kind=Alert.Kind.DISCREPANCY, region=region, subject=subject)
                    .exclude(status=Alert.Status.RESOLVED)
                    .first()
                )
                if open_alert and now - open_alert.last_breach_at >= rule.resolve_after:
                    alert_auto_resolve(alert=open_alert, reason="sources agree again")
                continue
            with transaction.atomic():
                alert, created = alert_raise(
                    kind=Alert.Kind.DISCREPANCY,
                    severity=Alert.Severity.WARNING,
                    region=region,
                    subject=subject,
                    title_zh=f"{region.name_zh}：数据不一致（{rule.name_zh}）——{found.summary_zh}",
                    title_en=(
                        f"{region.name_en or region.name_zh}: sources disagree ({rule.name_en}) — {found.summary_en}"
                    ),
                    details={
                        "rule": rule.code,
                        "evidence": found.evidence,
                        "indicators": list(found.indicators or rule.indicators),
                    },  # fmt: skip
                    at=now,
                )
                if created:  # a disagreement is settled on site
                    alert = alert_transition(alert=alert, action="request_verification", user=None,
                                             note=rule.name_zh)  # fmt: skip
            touched.append(alert)
    return touched
