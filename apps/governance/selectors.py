"""What the stewards' pages show: the registry summarised, reads of personal data, the chain's last check."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from apps.accounts.selectors import audit_scope
from apps.core.audit import ChainReport, audit_verify
from apps.core.classification import Grade, Personal, registry
from apps.core.models import AuditLog

CHAIN_KEY = "governance:audit-chain"
PERSONAL_ACTIONS = Q(action__endswith=".read_personal") | Q(action__endswith=".export_personal")


class RegistrySummary(TypedDict):
    """The classification registry in numbers (registry_summary)."""

    fields: int
    models: int
    grades: list[tuple[str | Promise, int]]  # (grade's label, fields), every grade in order
    personal: int
    sensitive: int
    encrypted: int  # personal fields stored encrypted


def registry_summary() -> RegistrySummary:
    rows = registry()
    grades = Counter(r["grade"] for r in rows)
    personal = Counter(r["personal"] for r in rows)
    return {
        "fields": len(rows),
        "models": len({r["model"] for r in rows}),
        "grades": [(Grade(g).label, grades.get(g, 0)) for g in Grade.values],
        "personal": personal.get(Personal.PERSONAL, 0),
        "sensitive": personal.get(Personal.SENSITIVE, 0),
        "encrypted": sum(1 for r in rows if r["personal"] and r["encrypted"]),
    }


class ChainCheck(TypedDict):
    """The audit chain's last verification (chain_check), as the cache keeps it."""

    ok: bool
    problem: str  # "" when the chain holds
    sealed: int
    unsealed: int
    at: str  # ISO 8601


def chain_check(*, fresh: bool = False) -> ChainCheck:
    """The audit chain's last verification (recomputed when `fresh`, or when none is remembered)."""
    remembered: ChainCheck | None = None if fresh else cache.get(CHAIN_KEY)
    if remembered is None:
        report: ChainReport = audit_verify()
        remembered = {"ok": report.ok, "problem": report.problem, "sealed": report.sealed,
                      "unsealed": report.unsealed, "at": timezone.now().isoformat()}  # fmt: skip
        cache.set(CHAIN_KEY, remembered, timeout=2 * 3600)  # refreshed hourly by the beat task
    return remembered


class PersonalReads(TypedDict):
    """One person's reads and exports of personal data (personal_reads)."""

    actor: str
    reads: int
    exports: int
    purposes: list[tuple[str, int]]  # (purpose, times), most frequent first: templates read the pairs plainly


def personal_reads(*, days: int = 30) -> list[PersonalReads]:
    """Who read or exported personal data in the last `days`, how often, for which purposes."""
    since = timezone.now() - timedelta(days=days)
    rows = AuditLog.objects.filter(PERSONAL_ACTIONS, created_at__gte=since)
    out: dict[str, dict[str, Any]] = {}
    for actor, action, data in rows.values_list("actor_name", "action", "data"):
        row = out.setdefault(actor or "—", {"actor": actor or "—", "reads": 0, "exports": 0, "purposes": Counter()})
        row["exports" if action.endswith("export_personal") else "reads"] += 1
        row["purposes"][str((data or {}).get("purpose", "")).split(":")[0] or "—"] += 1
    ranked = sorted(out.values(), key=lambda r: -(r["reads"] + r["exports"]))
    return [
        PersonalReads(actor=r["actor"], reads=r["reads"], exports=r["exports"], purposes=r["purposes"].most_common())
        for r in ranked
    ]


def audit_entries(
    *, user: Any, personal_only: bool, actor: str, action: str, since: datetime | None, until: datetime | None
) -> QuerySet[AuditLog]:
    """The entries the user may read (their regions' objects, unless they see the whole city), newest first."""
    rows = audit_scope(AuditLog.objects.select_related("target_type"), user=user).order_by("-created_at", "-id")
    if personal_only:
        rows = rows.filter(PERSONAL_ACTIONS)
    if actor:
        rows = rows.filter(actor_name=actor)
    if action:
        rows = rows.filter(action__startswith=action)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    return rows


def last_retention() -> AuditLog | None:
    return AuditLog.objects.filter(action="core.retention.erase").order_by("-created_at").first()
