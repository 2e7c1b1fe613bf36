"""Reads for the portal, the workbench and Open311: what each audience may see of a grievance."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypedDict, cast

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.models import Department
from apps.accounts.selectors import user_assigned_region_ids, user_department_ids
from apps.core.classification import public_value
from apps.grievances.models import Category, Grievance, GrievanceEvent

# What a public note is: a department's reply or a status change's note, on the public timeline.
NOTE_KINDS = (GrievanceEvent.Kind.REPLY, GrievanceEvent.Kind.STATUS, GrievanceEvent.Kind.QUESTION)
# Public reads place a report by its region's district and street; their boundaries are not needed.
_REGION_CHAIN = ("region", "region__parent", "region__parent__parent")
_BOUNDARIES = ("geometry", "geometry_simplified")


def tracking_code_normalize(code: str) -> str:
    """A tracking code as typed — lower case, no dash, full-width from a Chinese input method — as stored."""
    code = unicodedata.normalize("NFKC", code)
    raw = re.sub(r"[^0-9A-Za-z]", "", code).upper()
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else code.strip().upper()


@dataclass(frozen=True)
class PublicReport:
    """A report as anyone may see it (Open311, the tracking page): each field in the form its label allows —
    the description with numbers masked, the place as the district and street and a 0.001° grid point."""

    number: int
    category: Category
    department: Department
    status: str
    description: str
    area: str
    lon: float | None
    lat: float | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    merged_into: Grievance | None
    satisfaction: int | None

    @property
    def is_open(self) -> bool:
        return self.status in Grievance.OPEN

    @property
    def status_display(self) -> str:
        return str(Grievance.Status(self.status).label)


@dataclass(frozen=True)
class PublicEvent:
    """An entry of the public timeline; its message as written by the department, masked when a citizen's."""

    created_at: datetime
    kind: str
    to_status: str
    message: str

    @property
    def kind_display(self) -> str:
        return str(GrievanceEvent.Kind(self.kind).label)


def region_chain(region: Any) -> str:
    """Staff's reading of where a report is: every level below the city, "东湖区 · 七星街道 · 七星四社区" (the
    public reading stops at the street: `apps.core.classification.public_area`)."""
    names = []
    while region is not None and region.parent_id is not None:
        names.append(region.name)
        region = region.parent
    return " · ".join(reversed(names))


def public_reports() -> QuerySet[Grievance]:
    """Reports with what their public form reads: category, department, and the region up to its district."""
    return Grievance.objects.select_related("category", "department", *_REGION_CHAIN).defer(
        *(f"{region}__{field}" for region in _REGION_CHAIN for field in _BOUNDARIES)
    )


def public_reports_with_notes() -> QuerySet[Grievance]:
    """`public_reports` with their public photos and public notes, in three queries, not two per report."""
    notes = GrievanceEvent.objects.filter(public=True, kind__in=NOTE_KINDS).exclude(message="")
    notes = notes.order_by("created_at", "id")
    return public_reports().prefetch_related("photos", Prefetch("events", queryset=notes, to_attr="public_notes"))


def grievance_public(grievance: Grievance) -> PublicReport:
    """The report through its labels (`apps.core.classification.public_value`): the one public form of it."""
    field = partial(public_value, grievance)
    return PublicReport(
        number=field("id"), category=field("category"), department=field("department"), status=field("status"),
        description=field("description"), area=field("address"), lon=field("lon"), lat=field("lat"),
        created_at=field("created_at"), updated_at=field("updated_at"), due_at=field("due_at"),
        resolved_at=field("resolved_at"), merged_into=field("merged_into"), satisfaction=field("satisfaction"),
    )  # fmt: skip


def event_public(event: GrievanceEvent) -> PublicEvent:
    field = partial(public_value, event)
    return PublicEvent(created_at=field("created_at"), kind=field("kind"), to_status=field("to_status"),
                       message=field("message"))  # fmt: skip


def public_timeline(grievance: Grievance) -> list[PublicEvent]:
    return [event_public(e) for e in grievance.events.filter(public=True).order_by("created_at", "id")]


def status_notes(grievance: Grievance) -> str:
    """The latest public message from the department (a reply or a status change's note)."""
    notes = getattr(grievance, "public_notes", None)
    if notes is None:
        notes = list(
            grievance.events.filter(public=True, kind__in=NOTE_KINDS).exclude(message="").order_by("created_at", "id")
        )
    return event_public(notes[-1]).message if notes else ""


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
    regions = user_assigned_region_ids(user=user)
    if regions is not None:
        rows = rows.filter(Q(region_id__in=regions))
    return rows


def grievance_for_user(*, user: Any, code: str) -> Grievance | None:
    return grievances_for_user(user=user).filter(tracking_code=code).first()


class CategoryStats(TypedDict):
    """A category's reports over some days (category_stats)."""

    category: Category
    reports: int
    open: int  # still open
    overdue: int
    repeat: int  # reopened, or merged into another as its duplicate
    median_hours: float | None  # to resolve
    satisfaction: float | None  # the citizens' mean rating, 1–5


@dataclass
class _CategoryTally:
    category: Category
    reports: int = 0
    open: int = 0
    overdue: int = 0
    repeat: int = 0
    hours: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)


def category_stats(rows: QuerySet[Grievance], *, now: Any, days: int = 30) -> list[CategoryStats]:
    """Per category over the last `days` within the given scope: reports, still open, overdue, repeats
    (reopened or merged duplicates), median hours to resolve, mean satisfaction."""
    import statistics
    from datetime import timedelta

    since = now - timedelta(days=days)
    table: dict[int, _CategoryTally] = {}
    for g in rows.filter(created_at__gte=since).select_related("category"):
        tally = table.setdefault(g.category_id, _CategoryTally(g.category))
        tally.reports += 1
        tally.open += g.is_open
        tally.overdue += bool(g.is_open and g.due_at and g.due_at < now)
        tally.repeat += bool(g.reopened_count or g.status == Grievance.Status.MERGED)
        if g.resolved_at:
            tally.hours.append((g.resolved_at - g.created_at).total_seconds() / 3600)
        if g.satisfaction:
            tally.ratings.append(g.satisfaction)
    out = [
        CategoryStats(
            category=t.category,
            reports=t.reports,
            open=t.open,
            overdue=t.overdue,
            repeat=t.repeat,
            median_hours=statistics.median(t.hours) if t.hours else None,
            satisfaction=statistics.fmean(t.ratings) if t.ratings else None,
        )
        for t in table.values()
    ]
    return sorted(out, key=lambda r: (-r["reports"], r["category"].code))


# --- The workbench's inbox and a report's neighbourhood --------------------------------------------------------

# "Due soon": an open report with less than this share of the time it was allowed (created → due) left. A
# fifth scales with the category's deadline: 4.8 h of a 24 h pothole, 14 h of a 3-day noise complaint, 24 min
# of a 2 h burst pipe — a fixed "4 hours" would be too late for the one and all of the time for the other.
DUE_SOON_SHARE = 0.2
FIRST_LINE_CHARS = 60
NEARBY_RADIUS_M = 500
NEARBY_LIMIT = 20


def grievance_urgency(grievance: Grievance, *, now: datetime) -> str:
    """How urgent an open report is: "overdue" (past its due time), "due_soon" (less than DUE_SOON_SHARE of the
    time it was allowed is left) or "" (neither, or not open)."""
    if not grievance.is_open or grievance.due_at is None:
        return ""
    if grievance.due_at < now:
        return "overdue"
    allowed = grievance.due_at - grievance.created_at
    return "due_soon" if grievance.due_at - now <= allowed * DUE_SOON_SHARE else ""


def description_first_line(text: str, *, limit: int = FIRST_LINE_CHARS) -> str:
    """The description's first non-empty line for a list, cut at `limit` characters with an ellipsis; numbers
    and e-mails masked as on the report page (in the whole text first, so no part of a number is shown)."""
    from apps.core.masking import mask_text

    first = next((line.strip() for line in mask_text(text).splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class NearbyReport:
    """An open report near another, as the workbench map and list show it: what, where, how far — never who
    reported it nor their words."""

    code: str
    category: str
    status: str
    status_display: str
    urgency: str
    distance_m: float
    lon: float
    lat: float


def grievances_nearby(
    *, grievance: Grievance, user: Any, now: datetime, radius_m: float = NEARBY_RADIUS_M, limit: int = NEARBY_LIMIT
) -> list[NearbyReport]:
    """Open reports within `radius_m` of this one, nearest first, among those the user may handle (their
    department and regions: the positions are the ones their own report pages show)."""
    import math

    from apps.regions.geo import distance_m

    if grievance.lon is None or grievance.lat is None:
        return []
    dlat = radius_m / 111_320
    dlon = dlat / max(math.cos(math.radians(grievance.lat)), 0.01)
    rows = grievances_for_user(user=user).filter(
        status__in=Grievance.OPEN,
        lon__range=(grievance.lon - dlon, grievance.lon + dlon),
        lat__range=(grievance.lat - dlat, grievance.lat + dlat),
    )
    near: list[tuple[float, Grievance, float, float]] = []
    for g in rows.exclude(pk=grievance.pk)[:500]:
        lon, lat = cast(float, g.lon), cast(float, g.lat)  # the ranges above leave out reports without a position
        metres = distance_m(grievance.lon, grievance.lat, lon, lat)
        if metres <= radius_m:
            near.append((metres, g, lon, lat))
    near.sort(key=lambda item: (item[0], item[1].pk))
    return [
        NearbyReport(
            code=g.tracking_code,
            category=g.category.name,
            status=g.status,
            status_display=g.get_status_display(),
            urgency=grievance_urgency(g, now=now),
            distance_m=metres,
            lon=lon,
            lat=lat,
        )
        for metres, g, lon, lat in near[:limit]
    ]
