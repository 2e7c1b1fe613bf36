"""The data stewards' pages (permission `core.view_auditlog`: stewards and administrators)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.accountability.selectors import open_contests_for_desk
from apps.core.classification import Grade, Personal, registry
from apps.core.decorators import permission_required
from apps.core.i18n import localized
from apps.core.retention import retentions
from apps.governance.selectors import audit_entries, chain_check, last_retention, personal_reads, registry_summary
from apps.ingest.selectors import raw_retention_last, raw_tables


@permission_required("core.view_auditlog")
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "verify":
        chain_check(fresh=True)
        return redirect("governance:index")
    return render(
        request,
        "governance/index.html",
        {
            "summary": registry_summary(),
            "chain": chain_check(),
            "reads": personal_reads(),
            "retention_days": settings.CITYOPS_PERSONAL_DATA_RETENTION_DAYS,
            "retentions": retentions(),
            "last_retention": last_retention(),
            "raw_days": settings.CITYOPS_RAW_RETENTION_DAYS,
            "raw_tables": raw_tables(),
            "raw_last": raw_retention_last(),
            "gaps": performance_gap_rows(),
            "contests": open_contests_for_desk(),
            "gap_flag_points": round(settings.CITYOPS_PERFORMANCE_GAP_FLAG * 100),
        },
    )


def performance_gap_rows() -> list[dict[str, Any]]:
    """Grievances' claimed-vs-verified gap per department this month, written for the desk: "83%", "+12",
    "—" where a rate is not published (fewer than k reports or checks)."""
    from apps.grievances.performance import performance_gaps

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{round(value * 100)}%"

    def points(value: float | None) -> str:
        return "—" if value is None else f"{round(value * 100):+d}"

    rows = []
    for row in performance_gaps():
        shown = {
            key: (points if key.endswith("_gap") else percent)(row[key])
            for key in row
            if key.startswith(("resolution_", "satisfaction_"))
        }
        rows.append({**row, **shown, "name": localized(row)})
    return rows


@permission_required("core.view_auditlog")
def classification(request: HttpRequest) -> HttpResponse:
    """Every field's label: filter by grade, personal data, or a model's name."""
    rows = registry()
    grade = request.GET.get("grade", "")
    personal = request.GET.get("personal", "")
    q = request.GET.get("q", "").strip().lower()
    if grade in Grade.values:
        rows = [r for r in rows if r["grade"] == grade]
    if personal == "any":
        rows = [r for r in rows if r["personal"]]
    elif personal in (Personal.PERSONAL, Personal.SENSITIVE):
        rows = [r for r in rows if r["personal"] == personal]
    if q:
        rows = [r for r in rows if q in r["model"].lower() or q in r["field"].lower() or q in r["model_name"].lower()]
    return render(
        request,
        "governance/classification.html",
        {"rows": rows, "grades": Grade.choices, "grade": grade, "personal": personal, "q": q},
    )


# Days a filter may name: outside them the database cannot hold the moment (year 1 in UTC, the day after
# 9999-12-31), and no audit entry is there anyway.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)


def _day(value: str, *, end: bool = False) -> datetime | None:
    """Local midnight of a YYYY-MM-DD day (the next one for `end`); None for no, a malformed or an impossible day."""
    try:
        day = parse_date(value or "")
    except ValueError:
        return None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        return None
    moment = timezone.make_aware(datetime.combine(day, time.min))
    return moment + timedelta(days=1) if end else moment


@permission_required("core.view_auditlog")
def audit(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first; `personal=1` for the readings and exports of personal data."""
    personal_only = request.GET.get("personal") == "1"
    actor = request.GET.get("actor", "").strip()[:150]
    action = request.GET.get("action", "").strip()[:100]
    since, until = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""), end=True)
    rows = audit_entries(
        user=request.user, personal_only=personal_only, actor=actor, action=action, since=since, until=until
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit.html",
        {
            "page": page,
            "personal_only": personal_only,
            "actor": actor,
            "action": action,
            "from": request.GET.get("from", ""),
            "to": request.GET.get("to", ""),
            "query": query.urlencode(),
            "chain": chain_check(),
        },  # fmt: skip
    )
