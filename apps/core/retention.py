"""Retention of personal data: after `CITYOPS_PERSONAL_DATA_RETENTION_DAYS` the personal data of finished
records (closed reports, reviewed visits) is erased or coarsened, leaving what statistics need.

Apps declare what they keep and how they let it go (their manifest's `retention`); a daily beat task runs them all
and logs what each erased (counts only) to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise

from apps.core.registry import Registry


@dataclass(frozen=True)
class Retention:
    name: str
    description: str | Promise  # what is erased and what stays, for the stewards' page
    erase: Callable[[datetime], int]  # erase what finished before the cut-off; returns how many records


retention_registry: Registry[Retention] = Registry("retention", key=lambda r: r.name)


def retentions() -> list[Retention]:
    return sorted(retention_registry, key=lambda r: r.name)


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.CITYOPS_PERSONAL_DATA_RETENTION_DAYS)


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered retention; {name: records erased}. Logged to the audit trail when any were."""
    from apps.core.audit import log_action

    cutoff = retention_cutoff(now)
    done = {r.name: r.erase(cutoff) for r in retentions()}
    if any(done.values()):
        log_action(None, "core.retention.erase", data={"cutoff": cutoff.isoformat(), "erased": done})
    return done
