"""Reads for the portal, the workbench and Open311: what each audience may see of a grievance."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import StaffProfile
from apps.accounts.selectors import user_department_ids
from apps.core.classification import mask_text
from apps.grievances.models import Grievance, GrievanceEvent
from apps.regions.selectors import region_descendant_ids


def public_text(text: str) -> str:
    """Text for public eyes: mobile and landline numbers, emails and ID numbers masked (138****1234)."""
    return mask_text(text)


def public_events(grievance: Grievance) -> QuerySet[GrievanceEvent]:
    return grievance.events.filter(public=True).order_by("created_at", "id")


def status_notes(grievance: Grievance) -> str:
    """The latest public message from the department (a reply or a status change's note)."""
    event = (
        grievance.events.filter(public=True, kind__in=[GrievanceEvent.Kind.REPLY, GrievanceEvent.Kind.STATUS])
        .exclude(message="")
        .order_by("-created_at", "-id")
        .first()
    )
    return public_text(event.message) if event else ""


def _assigned_regions(user: Any) -> frozenset[int] | None:
    """The regions (with everything below) a user is narrowed to; None when they are not narrowed."""
    assigned = list(
        StaffProfile.regions.through.objects.filter(staffprofile__user=user).values_list("region_id", flat=True)
    )
    return frozenset(region_descendant_ids(region_ids=assigned)) if assigned else None


def grievances_for_user(*, user: Any) -> QuerySet[Grievance]:
    """The workbench's scope: the user's departments' reports, narrowed to their regions if they have any.
    Nothing for a user without the permission to handle grievances."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("grievances.handle_grievance"):
        return Grievance.objects.none()
    rows = Grievance.objects.select_related("category", "department", "region", "assigned_to")
    departments = user_department_ids(user=user)
    if departments is not None:
        rows = rows.filter(department_id__in=departments)
    if user.is_superuser:
        return rows
    regions = _assigned_regions(user)
    if regions is not None:
        rows = rows.filter(Q(region_id__in=regions))
    return rows


def grievance_for_user(*, user: Any, code: str) -> Grievance | None:
    return grievances_for_user(user=user).filter(tracking_code=code).first()


def category_stats(rows: QuerySet[Grievance], *, now: Any, days: int = 30) -> list[dict[str, Any]]:
    """Per category over the last `days` within the given scope: reports, still open, overdue, repeats
    (reopened or merged duplicates), median hours to resolve, mean satisfaction."""
    import statistics
    from datetime import timedelta

    since = now - timedelta(days=days)
    table: dict[int, dict[str, Any]] = {}
    for g in rows.filter(created_at__gte=since).select_related("category"):
        row = table.setdefault(g.category_id, {"category": g.category, "reports": 0, "open": 0, "overdue": 0,
                                               "repeat": 0, "hours": [], "ratings": []})  # fmt: skip
        row["reports"] += 1
        row["open"] += g.is_open
        row["overdue"] += bool(g.is_open and g.due_at and g.due_at < now)
        row["repeat"] += bool(g.reopened_count or g.status == Grievance.Status.MERGED)
        if g.resolved_at:
            row["hours"].append((g.resolved_at - g.created_at).total_seconds() / 3600)
        if g.satisfaction:
            row["ratings"].append(g.satisfaction)
    out = []
    for row in table.values():
        row["median_hours"] = statistics.median(row.pop("hours")) if row["hours"] else None
        ratings = row.pop("ratings")
        row["satisfaction"] = statistics.fmean(ratings) if ratings else None
        out.append(row)
    return sorted(out, key=lambda r: (-r["reports"], r["category"].code))
