"""Assignments, visits and their authenticity checks, findings passed on to alerts and reports, reviews.

A visit is recorded once per device-made UUID: uploading it again (a retry after a lost answer, a queue
replayed after the signal came back) returns the stored visit. It declares its photos, which come on their own
uploads (apps/fieldwork/photos.py); until all arrived it waits. Each authenticity check is a named flag with
its evidence; a flagged visit waits for a supervisor and its findings count only once accepted.

Where a visit may be made: where the officer was sent (its assignment; a check-in outside the assignment's area
is flagged and waits for a supervisor of the region it was made in), or, without an assignment, inside the
officer's own regions. A check-in elsewhere without an assignment is refused (400 on `checkin`), nothing stored:
a visit's findings on an indicator count for the region it was made in (the ground figures and the sources'
trust), so an officer must not speak for another district unasked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import Role
from apps.accounts.selectors import user_can_access_region, user_region_ids
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.photos import hamming, phash_band_neighbours
from apps.core.text import clean_text, text_near
from apps.deadlines.services import deadline_start, deadline_stop
from apps.evidence.inputs import SignedVisit, signed_as_parsed
from apps.evidence.services import seal_audit_data, seal_check, seal_flags, seal_store
from apps.fieldwork.inputs import FindingInput, Position, VisitInput
from apps.fieldwork.models import Assignment, Finding, Flag, Visit, VisitPhoto
from apps.fieldwork.signals import finding_applied
from apps.regions.geo import distance_m
from apps.regions.models import Region
from apps.regions.selectors import region_for_point

MIN_STAY = timedelta(minutes=5)
MAX_SPEED_KMH = 120  # faster between two visits than a car in town: one of them was not where it says
MAX_CLOCK_SKEW = timedelta(minutes=10)
PHOTO_NEAR = 6  # bits of 64: a near-duplicate
EXIF_TIME_SLACK = timedelta(hours=2)
EXIF_PLACE_SLACK_M = 500
NOTES_NEAR = 0.9


# --- Assignments --------------------------------------------------------------------------------------------


def assignment_timed(assignment: Assignment) -> Assignment:
    """Its clock starts: the policy of its kind sets its due time (and the reminders before it), else the due
    time it was made with stands and the default ladder times it."""
    deadline_start(subject="assignment", obj=assignment, start=assignment.created_at)
    return assignment


@transaction.atomic
def assignment_for_alert(alert: Any, action: str, user: Any, note: str) -> Assignment | None:
    """When an alert is sent for verification: an assignment in its region, due within a day."""
    if alert.region_id is None:
        return None
    existing = Assignment.objects.filter(alert=alert, status=Assignment.Status.OPEN).first()
    if existing:
        return existing
    region = alert.region
    return assignment_timed(
        Assignment.objects.create(
            kind=Assignment.Kind.ALERT,
            title_zh=f"现场核实：{alert.title_zh}",
            title_en=f"Verify on site: {alert.title_en}",
            alert=alert,
            region=region,
            lon=region.centroid_lon,
            lat=region.centroid_lat,
            radius_m=_region_radius_m(region),
            due_at=timezone.now() + timedelta(hours=24),
            evidence=note[:300],
            assignee=assignee_pick(region),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
    )


@transaction.atomic
def assignment_for_grievance(*, grievance: Any, user: Any) -> Assignment:
    """A department asks the field to look at a citizen's report (its place, 300 m, within a day)."""
    if grievance.region_id is None:
        raise ApplicationError(_("the report has no place on the map to send someone to"),
                               fields={"region": [_("none")]})  # fmt: skip
    existing = Assignment.objects.filter(grievance=grievance, status=Assignment.Status.OPEN).first()
    if existing:
        return existing
    assignment = Assignment.objects.create(
        kind=Assignment.Kind.GRIEVANCE,
        title_zh=f"核查诉求 #{grievance.pk}：{grievance.category.name_zh}",
        title_en=f"Check report #{grievance.pk}: {grievance.category.name_en}",
        grievance=grievance, region=grievance.region, lon=grievance.lon, lat=grievance.lat, radius_m=300,
        due_at=timezone.now() + timedelta(hours=24), evidence=_("a photo and what you found"),
        assignee=assignee_pick(grievance.region), created_by=user if getattr(user, "is_authenticated", False) else None,
    )  # fmt: skip
    assignment_timed(assignment)
    log_action(grievance, "fieldwork.assignment.create", user=user, data={"assignment": assignment.pk})
    return assignment


def _recheck_maybe(visit: Visit) -> Assignment | None:
    """A configured share of accepted visits is checked again by another officer (chosen by the visit's UUID,
    so the same visit always gets the same answer)."""
    share = settings.CITYOPS_FIELD_RECHECK_SHARE
    if visit.assignment is None or visit.assignment.kind == Assignment.Kind.RECHECK or share <= 0:
        return None
    if (visit.uuid.int % 1000) >= share * 1000:
        return None
    original = visit.assignment
    return assignment_timed(Assignment.objects.create(
        kind=Assignment.Kind.RECHECK,
        title_zh=f"随机复核：{original.title_zh}",
        title_en=f"Random re-check: {original.title_en}",
        alert=original.alert, grievance=original.grievance, recheck_of=visit, region=original.region,
        lon=original.lon, lat=original.lat, radius_m=original.radius_m,
        due_at=timezone.now() + timedelta(days=3), evidence=original.evidence,
        assignee=assignee_pick(original.region, exclude=(visit.officer_id,)),
    ))  # fmt: skip


def field_officers() -> list[Any]:
    """Active field officers, by username."""
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.FIELD_OFFICER).distinct()
    return list(users.order_by("username"))


def officers_for_region(region: Region, *, officers: list[Any] | None = None) -> list[Any]:
    """Active field officers whose regions cover `region` (an officer without regions covers nothing).

    Asking for many regions, pass the same `officers` (from `field_officers()`) each time: each officer's
    regions are then read once, not once per region."""
    officers = field_officers() if officers is None else officers
    return [u for u in officers if (ids := user_region_ids(user=u)) is None or region.id in ids]


def assignee_pick(region: Region, *, exclude: tuple[int, ...] = (), officers: list[Any] | None = None) -> Any | None:
    """Among the officers covering the region, the one with the fewest open assignments (then by name); None
    when nobody covers it — the assignment then waits, visible to any officer who later covers the region."""
    candidates = [u for u in officers_for_region(region, officers=officers) if u.pk not in exclude]
    if not candidates:
        return None
    load = dict(
        Assignment.objects.filter(status=Assignment.Status.OPEN, assignee__in=candidates)
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    return min(candidates, key=lambda u: (load.get(u.pk, 0), u.username))


MAX_PLANNED_WEEKS = 12


@transaction.atomic
def assignments_plan(
    *,
    region: Region,
    user: Any,
    due_at: datetime,
    evidence: str = "",
    assignee: Any = None,
    weeks: int = 1,
    now: datetime | None = None,
) -> list[Assignment]:
    """Planned visits to a community (or any region): one, or one a week for `weeks` weeks, due at the same
    weekday and hour. The assignee is the dispatcher's pick — an officer covering the region — or, when none is
    given, the least-loaded officer who covers it."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not user_can_access_region(user=user, region_id=region.id):
        errors["region"] = [_("outside your regions")]
    if due_at <= now:
        errors["due_at"] = [_("must be in the future")]
    elif due_at > now + timedelta(days=92):
        errors["due_at"] = [_("at most three months ahead")]
    if not 1 <= weeks <= MAX_PLANNED_WEEKS:
        errors["weeks"] = [_("between 1 and %(max)s") % {"max": MAX_PLANNED_WEEKS}]
    officers = field_officers()
    if assignee is not None and assignee not in officers_for_region(region, officers=officers):
        errors["assignee"] = [_("not a field officer of this region")]
    if errors:
        raise ApplicationError(_("the planned visit cannot be made"), fields=errors)
    evidence = clean_text(evidence)[:300]
    made = []
    for week in range(weeks):
        made.append(
            assignment_timed(
                Assignment.objects.create(
                    kind=Assignment.Kind.PLANNED,
                    title_zh=f"计划走访：{region.name_zh}",
                    title_en=f"Planned visit: {region.name_en or region.name_zh}",
                    region=region,
                    lon=region.centroid_lon,
                    lat=region.centroid_lat,
                    radius_m=_region_radius_m(region),
                    due_at=due_at + timedelta(weeks=week),
                    evidence=evidence,
                    assignee=assignee or assignee_pick(region, officers=officers),
                    created_by=user,
                )
            )  # fmt: skip
        )
    log_action(region, "fieldwork.assignment.plan", user=user,
               data={"assignments": [a.pk for a in made], "assignee": made[0].assignee_id})  # fmt: skip
    return made


@transaction.atomic
def assignment_reassign(*, assignment: Assignment, assignee: Any, user: Any) -> Assignment:
    """The dispatcher hands an open assignment to another officer covering its region (or back to the pool)."""
    locked = Assignment.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined re-check
    assignment = locked.select_related("region", "recheck_of").get(pk=assignment.pk)
    errors: dict[str, list[str]] = {}
    if assignment.status != Assignment.Status.OPEN:
        errors["status"] = [_("the assignment is no longer open")]
    if not user_can_access_region(user=user, region_id=assignment.region_id):
        errors["assignment"] = [_("outside your regions")]
    if assignee is not None:
        if assignee not in officers_for_region(assignment.region):
            errors["assignee"] = [_("not a field officer of this region")]
        elif assignment.recheck_of is not None and assignment.recheck_of.officer_id == assignee.pk:
            errors["assignee"] = [_("a re-check is made by another officer")]
    if errors:
        raise ApplicationError(_("the assignment cannot be handed over"), fields=errors)
    previous = assignment.assignee_id
    assignment.assignee = assignee
    assignment.save(update_fields=["assignee", "updated_at"])
    log_action(assignment, "fieldwork.assignment.reassign", user=user,
               data={"from": previous, "to": assignee.pk if assignee else None})  # fmt: skip
    return assignment


def _region_radius_m(region: Region) -> int:
    """A geofence the size of the region (its box's half-diagonal), at least 300 m."""
    west, south, east, north = region.bbox
    return max(300, int(distance_m(west, south, east, north) / 2))


def assignments_for_officer(*, user: Any) -> Any:
    """Open assignments the officer may take: theirs, or unassigned ones in their regions."""
    rows = Assignment.objects.filter(status=Assignment.Status.OPEN).select_related("region", "alert", "grievance")
    rows = rows.exclude(kind=Assignment.Kind.RECHECK, recheck_of__officer=user)  # a re-check is someone else's
    mine = rows.filter(assignee=user)
    unassigned = [
        a.pk for a in rows.filter(assignee__isnull=True) if user_can_access_region(user=user, region_id=a.region_id)
    ]
    return (mine | rows.filter(pk__in=unassigned)).distinct().order_by("due_at")


# --- Visits -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    visit: Visit
    created: bool


def visit_record(
    *, officer: Any, visit: VisitInput, signed: SignedVisit | None = None, now: datetime | None = None
) -> Recorded:
    """Store a visit sent by an officer's device (parsed by apps.fieldwork.inputs.visit_input_parse); the same
    UUID again returns the stored visit.

    The visit declares its photos (index, SHA-256 of the original, name); their bytes come on their own uploads
    (apps/fieldwork/photos.py) and until all arrived the visit waits: the presence checks are made now, once
    the visit is committed, the photo checks and the findings' effects when it is complete. A visit without
    photos is complete at once.
    Raises ApplicationError when the visit was started by another officer, its UUID is another officer's, or
    what it names is not the officer's to speak of (listing every such problem), or its signature fails
    (apps/evidence `seal_check`), storing nothing. A new visit is countersigned as it is stored."""
    now = now or timezone.now()
    if visit.officer is not None and visit.officer != officer.pk:
        # a shared phone: another officer's visit is never stored under the one signed in now
        raise ApplicationError(
            _("this visit was started by another officer: it is sent when they sign in"),
            fields={"officer": [_("not the signed-in officer")]},
        )
    existing = Visit.objects.filter(uuid=visit.uuid).first()
    if existing is not None:
        if existing.officer_id != officer.pk:
            raise ApplicationError(_("this UUID belongs to another officer's visit"), fields={"uuid": [_("taken")]})
        visit_checks_run(visit=existing, user=officer)  # what a worker gone after the commit left undone
        return Recorded(existing, False)
    checked = _check(officer, visit)
    signed_as_parsed(signed, visit.uuid, [(p.index, p.sha256) for p in visit.photos])
    seal = seal_check(officer=officer, signed=signed)
    try:
        with transaction.atomic():
            stored = _store(officer, visit, checked)
            seal_store(visit=stored, check=seal, arrived_at=stored.received_at)
    except IntegrityError:  # the same upload twice at once: the first one won
        return Recorded(Visit.objects.get(uuid=visit.uuid), False)
    visit_checks_run(visit=stored, user=officer, now=now)  # after the commit: no write lock while comparing
    return Recorded(stored, True)


@dataclass(frozen=True)
class _Checked:
    """What the database says of an upload: the assignment, the region checked in, the findings' targets."""

    assignment: Assignment | None
    region: Region | None
    findings: list[_FindingTarget]


@dataclass(frozen=True)
class _FindingTarget:
    finding: FindingInput
    alert: Any  # apps.indicators.models.Alert | None
    grievance: Any  # apps.grievances.models.Grievance | None


def _check(officer: Any, visit: VisitInput) -> _Checked:
    """Everything the upload names must be the officer's: raises ApplicationError listing each problem."""
    errors: dict[str, list[str]] = {}
    assignment = _assignment(officer, visit.assignment, errors)
    region = _visit_region(officer, assignment, visit.checkin, errors)
    findings = _findings(officer, assignment, visit.findings, errors)
    if errors:
        raise ApplicationError(_("the visit could not be recorded"), fields=errors)
    return _Checked(assignment=assignment, region=region, findings=findings)


def _assignment(officer: Any, pk: int | None, errors: dict[str, list[str]]) -> Assignment | None:
    """The officer's own assignment, or an unassigned one in their regions; a re-check never of their visit."""
    if pk is None:
        return None
    assignment = Assignment.objects.filter(pk=pk).select_related("region", "recheck_of").first()
    if assignment is None or not (
        assignment.assignee_id == officer.pk
        or (assignment.assignee_id is None and user_can_access_region(user=officer, region_id=assignment.region_id))
    ):
        errors["assignment"] = [_("not one of your assignments")]
        return None
    recheck_of = assignment.recheck_of if assignment.kind == Assignment.Kind.RECHECK else None
    if recheck_of is not None and recheck_of.officer_id == officer.pk:
        errors["assignment"] = [_("a re-check is made by another officer")]
        return None
    return assignment


def _visit_region(
    officer: Any, assignment: Assignment | None, checkin: Position, errors: dict[str, list[str]]
) -> Region | None:
    """The region the check-in lies in. Without an assignment it must be one of the officer's regions (a point
    outside every region is nobody's); with one, the geofence check flags a check-in elsewhere for review."""
    region = region_for_point(lon=checkin.lon, lat=checkin.lat)
    if assignment is None and (region is None or not user_can_access_region(user=officer, region_id=region.id)):
        errors["checkin"] = [_("outside your regions: a visit elsewhere needs an assignment")]
    return region


def _finding_target_allowed(officer: Any, assignment: Assignment | None, target: Any, field: str) -> bool:
    """An officer speaks about an alert or a report they were sent to (the visit's assignment), or one inside
    their regions. One with no region (an address-only report) is nobody's region: only its assignment."""
    if assignment is not None and getattr(assignment, f"{field}_id") == target.pk:
        return True
    if target.region_id is None:
        return user_region_ids(user=officer) is None
    return user_can_access_region(user=officer, region_id=target.region_id)


def _findings(
    officer: Any, assignment: Assignment | None, rows: tuple[FindingInput, ...], errors: dict[str, list[str]]
) -> list[_FindingTarget]:
    """Each finding's alert and report, when the officer may speak of them (else an error on its row)."""
    from apps.grievances.models import Grievance
    from apps.indicators.models import Alert

    out: list[_FindingTarget] = []
    for index, row in enumerate(rows):
        where = f"findings[{index}]"
        alert = Alert.objects.filter(pk=row.alert).first() if row.alert is not None else None
        if row.alert is not None and (
            alert is None or not _finding_target_allowed(officer, assignment, alert, "alert")
        ):
            errors[where] = [_("no such alert in your regions")]
            continue
        grievance = Grievance.objects.filter(pk=row.grievance).first() if row.grievance is not None else None
        if row.grievance is not None and (
            grievance is None or not _finding_target_allowed(officer, assignment, grievance, "grievance")
        ):
            errors[where] = [_("no such report in your regions")]
            continue
        out.append(_FindingTarget(finding=row, alert=alert, grievance=grievance))
    return out


def _store(officer: Any, upload: VisitInput, checked: _Checked) -> Visit:
    checkin, checkout = upload.checkin, upload.checkout
    visit = Visit.objects.create(
        uuid=upload.uuid,
        officer=officer,
        assignment=checked.assignment,
        region=checked.region,
        started_at=upload.started_at,
        ended_at=upload.ended_at,
        sent_at=upload.sent_at,
        checkin_lon=checkin.lon,
        checkin_lat=checkin.lat,
        checkin_accuracy_m=checkin.accuracy_m,
        checkout_lon=checkout.lon if checkout else None,
        checkout_lat=checkout.lat if checkout else None,
        checkout_accuracy_m=checkout.accuracy_m if checkout else None,
        people=[{"kind": p.kind, "count": p.count} for p in upload.people],
        notes=upload.notes,
        people_contact=upload.people_contact,
        follow_up=upload.follow_up,
        status=Visit.Status.WAITING,
    )
    VisitPhoto.objects.bulk_create(
        [
            VisitPhoto(visit=visit, key=secrets.token_hex(12), index=p.index, sha256=p.sha256, name=p.name)
            for p in upload.photos
        ]
    )
    for target in checked.findings:
        row = target.finding
        Finding.objects.create(
            visit=visit,
            alert=target.alert,
            grievance=target.grievance,
            indicator=row.indicator,
            verdict=row.verdict,
            observed_value=row.observed_value,
            comment=row.comment,
        )
    return visit


def visit_checks_run(*, visit: Visit, user: Any, now: datetime | None = None) -> None:
    """A stored visit's authenticity checks: the presence checks once, then, when every declared photo arrived,
    the photo checks and the visit's verdict (`visit_complete_if_ready`). Call it after the commit that stored
    the visit or a photo of it: the checks compare with up to 2,000 earlier notes and every earlier photo's
    hash, and SQLite has one write lock for the whole database, which no comparison should hold. `now` is when
    the visit was received (the clock-skew check), by default its `received_at`.

    Idempotent and safe to retry: each step writes under the visit's lock and only if it was not yet done, so
    the same upload sent again (after a lost answer, or a worker gone between commit and checks) finishes what
    is missing. Refreshes `visit` from the database."""
    if visit.checked_at is None:
        _presence_check(visit, user=user, now=now or visit.received_at)
    visit_complete_if_ready(visit=visit, user=user)
    visit.refresh_from_db()


SWEEP_AFTER = timedelta(minutes=2)  # an upload's own checks run within seconds of its commit
SWEEP_AT_MOST = 200


def visits_checks_sweep(*, now: datetime | None = None) -> int:
    """Finish the checks of visits a worker left unchecked (gone between the commit and `visit_checks_run`): every
    visit still waiting more than SWEEP_AFTER after it was received, whose presence checks were not made or whose
    photos have all arrived. Without this such a visit would wait until the phone sent it again, which it does
    only when it had no answer. Returns how many were looked at; idempotent (see `visit_checks_run`)."""
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    waiting = Visit.objects.filter(status=Visit.Status.WAITING, received_at__lt=cutoff)
    stuck = waiting.filter(checked_at__isnull=True) | waiting.exclude(photos__received_at__isnull=True)
    visits = list(stuck.distinct().select_related("officer").order_by("received_at")[:SWEEP_AT_MOST])
    for visit in visits:
        visit_checks_run(visit=visit, user=visit.officer)
    return len(visits)


def _presence_check(visit: Visit, *, user: Any, now: datetime) -> None:
    flags = presence_flags(visit, now=now)  # read only: outside any transaction
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.checked_at is None:
            Flag.objects.bulk_create([Flag(visit=locked, code=code, evidence=evidence) for code, evidence in flags])
            locked.checked_at = timezone.now()
            locked.save(update_fields=["checked_at", "updated_at"])
            log_action(
                locked,
                "fieldwork.visit.record",
                user=user,
                data={
                    "flags": [code for code, _e in flags],
                    "photos": locked.photos.count(),
                    **seal_audit_data(locked),
                },
            )
    visit.checked_at = locked.checked_at


def visit_complete_if_ready(*, visit: Visit, user: Any) -> bool:
    """Once every declared photo arrived (at once for a visit without photos) and the presence checks were
    made: the photo checks run, then the visit is accepted and its findings passed on — or, flagged, it waits
    for a supervisor. Call it after the commit that stored the last photo (see `visit_checks_run`): the photo
    checks read outside the transaction that then writes their flags. Returns whether the visit is complete
    (now or before); completing it again changes nothing."""
    if visit.status != Visit.Status.WAITING:
        return True
    if visit.checked_at is None or visit.photos.filter(received_at__isnull=True).exists():
        return False
    flags = photo_flags(visit)  # read only: outside any transaction
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.status == Visit.Status.WAITING:
            _complete(locked, flags, user=user)
    return True


def _complete(visit: Visit, flags: list[tuple[str, dict[str, Any]]], *, user: Any) -> None:
    Flag.objects.bulk_create([Flag(visit=visit, code=code, evidence=evidence) for code, evidence in flags])
    visit.status = Visit.Status.REVIEW if visit.flags.exists() else Visit.Status.ACCEPTED
    visit.save(update_fields=["status", "updated_at"])
    if visit.status == Visit.Status.ACCEPTED:
        _apply(visit, user)
    if visit.photos.exists():
        log_action(visit, "fieldwork.visit.complete", user=user, data={"flags": [code for code, _e in flags]})


# --- Authenticity -------------------------------------------------------------------------------------------


def authenticity_flags(visit: Visit, *, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Every check that finds a problem, as (flag code, evidence): presence checks and photo checks."""
    return presence_flags(visit, now=now) + photo_flags(visit)


def presence_flags(visit: Visit, *, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """The checks a visit can have as soon as it arrives: where, how long, notes, travel, the device's clock."""
    flags: list[tuple[str, dict[str, Any]]] = []
    C = Flag.Code
    assignment = visit.assignment
    if assignment is not None:
        # Near the target (radius + GPS accuracy) and inside the target's region: either one failing is a flag.
        evidence: dict[str, Any] = {}
        if assignment.lon is not None and assignment.lat is not None:
            distance = distance_m(visit.checkin_lon, visit.checkin_lat, assignment.lon, assignment.lat)
            if distance > assignment.radius_m + visit.checkin_accuracy_m:
                evidence.update({"distance_m": round(distance), "radius_m": assignment.radius_m,
                                 "accuracy_m": visit.checkin_accuracy_m})  # fmt: skip
        if visit.region is None or not visit.region.path.startswith(assignment.region.path):
            evidence.update({"region": visit.region.code if visit.region else None, "expected": assignment.region.code})
        if evidence:
            flags.append((C.OUTSIDE_GEOFENCE, evidence))
    stay = visit.ended_at - visit.started_at
    if stay < MIN_STAY:
        flags.append(
            (C.SHORT_STAY, {"minutes": round(stay.total_seconds() / 60, 1), "minimum": MIN_STAY.seconds // 60})
        )
    flags += _notes_copied(visit) + _impossible_travel(visit) + seal_flags(visit)
    if visit.sent_at is not None and abs(visit.sent_at - now) > MAX_CLOCK_SKEW:
        flags.append((C.CLOCK_SKEW, {"device": visit.sent_at.isoformat(), "server": now.isoformat(),
                                     "minutes": round((visit.sent_at - now).total_seconds() / 60)}))  # fmt: skip
    return flags


def _notes_copied(visit: Visit) -> list[tuple[str, dict[str, Any]]]:
    if len(visit.notes) < 20:
        return []
    earlier = Visit.objects.exclude(pk=visit.pk).exclude(notes="").values_list("uuid", "notes")[:2000]
    near = text_near(visit.notes[:1000], ((u, notes[:1000]) for u, notes in earlier), threshold=NOTES_NEAR)
    if near is None:
        return []
    return [(Flag.Code.NOTES_COPIED, {"earlier_visit": str(near[0]), "similarity": round(near[1], 2)})]


def _impossible_travel(visit: Visit) -> list[tuple[str, dict[str, Any]]]:
    previous = (
        Visit.objects.filter(officer=visit.officer, ended_at__lte=visit.started_at)
        .exclude(pk=visit.pk)
        .order_by("-ended_at")
        .first()
    )
    if previous is None:
        return []
    lon = previous.checkout_lon if previous.checkout_lon is not None else previous.checkin_lon
    lat = previous.checkout_lat if previous.checkout_lat is not None else previous.checkin_lat
    km = distance_m(lon, lat, visit.checkin_lon, visit.checkin_lat) / 1000
    hours = max((visit.started_at - previous.ended_at).total_seconds() / 3600, 1 / 60)
    if km > 1 and km / hours > MAX_SPEED_KMH:
        evidence = {"km": round(km, 1), "minutes": round(hours * 60), "kmh": round(km / hours),
                    "previous_visit": str(previous.uuid)}  # fmt: skip
        return [(Flag.Code.IMPOSSIBLE_TRAVEL, evidence)]
    return []


def photo_flags(visit: Visit) -> list[tuple[str, dict[str, Any]]]:
    """The checks on the photos received, from what their originals said (the stored copies say nothing): a
    near-duplicate of anyone's earlier photo, an EXIF time or place far from the visit."""
    flags: list[tuple[str, dict[str, Any]]] = []
    C = Flag.Code
    for photo in visit.photos.filter(phash__isnull=False):
        near = _photo_near(photo)
        if near:
            flags.append((C.PHOTO_REUSED, {"photo": photo.key, "earlier_visit": near[0], "distance_bits": near[1]}))
        if photo.exif_taken_at and not (
            visit.started_at - EXIF_TIME_SLACK <= photo.exif_taken_at <= visit.ended_at + EXIF_TIME_SLACK
        ):
            flags.append((C.PHOTO_EXIF_MISMATCH, {"photo": photo.key, "taken_at": photo.exif_taken_at.isoformat()}))
        elif photo.exif_lon is not None and photo.exif_lat is not None:
            far = distance_m(photo.exif_lon, photo.exif_lat, visit.checkin_lon, visit.checkin_lat)
            if far > EXIF_PLACE_SLACK_M:
                flags.append((C.PHOTO_EXIF_MISMATCH, {"photo": photo.key, "distance_m": round(far)}))
    return flags


def _photo_near(photo: VisitPhoto) -> tuple[str, int] | None:
    """The first photo of another visit (by visit, then index) at most PHOTO_NEAR bits from this one, as (its
    visit's UUID, the distance): found through the hash's band indexes, the distance counted on those alone."""
    ours = photo.phash
    if ours is None:  # not received
        return None
    shares_a_band = Q()
    for band, values in enumerate(phash_band_neighbours(ours, within=PHOTO_NEAR)):
        shares_a_band |= Q(**{f"phash_band{band}__in": values})
    candidates = VisitPhoto.objects.filter(shares_a_band).exclude(visit_id=photo.visit_id)
    for theirs, visit_uuid in candidates.values_list("phash", "visit__uuid"):
        if theirs is not None and (distance := hamming(ours, theirs)) <= PHOTO_NEAR:
            return str(visit_uuid), distance
    return None


# --- Findings and review ------------------------------------------------------------------------------------


def _apply(visit: Visit, user: Any) -> None:
    """Pass an accepted visit's findings on: verdicts to alerts (the wall's badge), notes to reports."""
    from apps.dashboards.services import ground_truth_touch
    from apps.grievances.models import GrievanceEvent
    from apps.indicators.alerting import alert_record_verdict

    for finding in visit.findings.filter(applied=False).select_related("alert", "grievance", "visit__assignment"):
        if finding.alert is not None and finding.alert.status != "resolved":
            details = {"visit": str(visit.uuid), "finding": finding.verdict, "observed_value": finding.observed_value,
                       "comment": finding.comment}  # fmt: skip
            alert_record_verdict(alert=finding.alert, verdict=finding.verdict, user=user,
                                 details=details)  # fmt: skip
        if finding.grievance is not None:
            GrievanceEvent.objects.create(
                grievance=finding.grievance, kind=GrievanceEvent.Kind.NOTE, public=False, actor=visit.officer,
                message=f"[{finding.get_verdict_display()}] {finding.comment}".strip(),
            )  # fmt: skip
        finding.applied = True
        finding.save(update_fields=["applied"])
        finding_applied.send(sender=Finding, finding=finding, user=user)
    ground_truth_touch()  # an accepted visit ends a district's "screen-only" on the wall
    if visit.assignment is not None and visit.assignment.status == Assignment.Status.OPEN:
        visit.assignment.status = Assignment.Status.DONE
        visit.assignment.save(update_fields=["status", "updated_at"])
        deadline_stop(subject="assignment", obj=visit.assignment)
        _recheck_maybe(visit)


@transaction.atomic
def visit_review(*, visit: Visit, supervisor: Any, accept: bool, reason: str = "") -> Visit:
    """A supervisor's decision on a flagged visit: accepted (its findings count now) or rejected with a reason."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != Visit.Status.REVIEW:
        raise ApplicationError(_("this visit is not waiting for review"), fields={"status": [visit.status]})
    reason = clean_text(reason)
    if not accept and not reason:
        raise ApplicationError(_("say why the visit is rejected"), fields={"reason": [_("required")]})
    if visit.officer_id == supervisor.pk:
        raise ApplicationError(_("nobody reviews their own visit"), fields={"supervisor": [_("the officer")]})
    visit.status = Visit.Status.ACCEPTED if accept else Visit.Status.REJECTED
    visit.reviewed_by, visit.reviewed_at, visit.review_reason = supervisor, timezone.now(), reason[:500]
    visit.save()
    if accept:
        _apply(visit, supervisor)
    log_action(visit, f"fieldwork.visit.{'accept' if accept else 'reject'}", user=supervisor, data={})
    return visit


# --- Retention ------------------------------------------------------------------------------------------------


def visits_erase_personal_data(cutoff: datetime) -> int:
    """Visits decided (accepted or rejected) and ended before `cutoff`: contacts of people met and photo files
    erased (the perceptual hash stays, so a reused photo is still recognised), notes masked, the officer's
    positions and the photos' EXIF places rounded to about 100 m. Verdicts, flags, region and times stay."""
    from apps.core.classification import mask_text

    def coarse(value: float | None) -> float | None:
        return round(value, 3) if value is not None else None

    done = 0
    visits = Visit.objects.filter(
        status__in=[Visit.Status.ACCEPTED, Visit.Status.REJECTED], ended_at__lt=cutoff,
        personal_data_erased_at__isnull=True,
    )  # fmt: skip
    for visit in visits.iterator(chunk_size=200):
        with transaction.atomic():
            for photo in visit.photos.exclude(image=""):
                photo.image.delete(save=False)
                VisitPhoto.objects.filter(pk=photo.pk).update(image="", exif_lon=coarse(photo.exif_lon),
                                                              exif_lat=coarse(photo.exif_lat))  # fmt: skip
            Visit.objects.filter(pk=visit.pk).update(
                people_contact="", notes=mask_text(visit.notes), follow_up=mask_text(visit.follow_up),
                checkin_lon=coarse(visit.checkin_lon), checkin_lat=coarse(visit.checkin_lat),
                checkout_lon=coarse(visit.checkout_lon), checkout_lat=coarse(visit.checkout_lat),
                personal_data_erased_at=timezone.now(),
            )  # fmt: skip
        done += 1
    return done
