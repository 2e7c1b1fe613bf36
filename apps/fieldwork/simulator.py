"""Simulated field officers of the demo city: a dispatcher sends a few unverified alerts for verification each
hour, officers go to the assignments in their districts and record what they find — and now and then a visit
is formalistic (a photo reused from an earlier visit, a check-in from the office, a two-minute stay), so the
authenticity flags and the review queue show in `make run`. Visits and their photos go through the same
services the field app's uploads use."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.selectors import user_region_ids
from apps.evidence.demo import demo_signed
from apps.fieldwork.inputs import FindingInput, PersonCount, PhotoDeclared, Position, VisitInput
from apps.fieldwork.models import Assignment, Visit
from apps.fieldwork.photos import visit_photo_receive
from apps.fieldwork.services import visit_record
from apps.indicators.alerting import alert_transition
from apps.indicators.models import Alert

NOTES = [
    "到现场查看，与周边{n}位居民交谈，情况与告警一致。",
    "现场核实：问题存在，已联系相关部门处理，明日复查。",
    "现场查看未发现告警所述情况，居民表示近期正常。",
    "走访商户和居民，了解到问题集中在早晚高峰，已记录。",
]


def _photo(seed: str) -> bytes:
    from PIL import Image

    rng = random.Random(seed)  # noqa: S311  (a simulation)
    image = Image.new("RGB", (48, 32))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(48 * 32)])
    out = io.BytesIO()
    image.resize((480, 320)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def _dispatch(now: datetime, officers: list) -> None:
    """The command center sends one or two unverified alerts in the officers' districts for verification."""
    regions = set().union(*(user_region_ids(user=o) or set() for o in officers))
    waiting = Alert.objects.filter(
        status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
        region_id__in=regions,
        opened_at__gte=now - timedelta(hours=6),
    ).order_by("opened_at")[:2]
    if Assignment.objects.filter(status=Assignment.Status.OPEN).exclude(kind=Assignment.Kind.RECHECK).count() < 4:
        for alert in waiting:
            alert_transition(alert=alert, action="request_verification", user=None, note="模拟调度")


def _findings(assignment: Assignment, verdict: str) -> tuple[FindingInput, ...]:
    """What the officer reports: a verdict on the alert; on a report's resolution (a check of it), whether the
    problem is really fixed, as the simulated city knows (apps/grievances/simulator.py)."""
    if assignment.alert_id:
        return (FindingInput(verdict=verdict, alert=assignment.alert_id),)
    if assignment.kind == Assignment.Kind.RESOLUTION and assignment.grievance is not None:
        from apps.grievances.simulator import resolution_fixed

        fixed = resolution_fixed(assignment.grievance)
        return (FindingInput(verdict="confirmed" if fixed else "contradicted", grievance=assignment.grievance_id),)
    return ()


def _body(visit: VisitInput) -> dict[str, Any]:
    """The visit as the field app sends it (JSON), for its simulated phone to sign."""
    return {
        "uuid": str(visit.uuid),
        "assignment": visit.assignment,
        "started_at": visit.started_at.isoformat(),
        "ended_at": visit.ended_at.isoformat(),
        "checkin": {"lon": visit.checkin.lon, "lat": visit.checkin.lat, "accuracy": visit.checkin.accuracy_m},
        "people": [{"kind": p.kind, "count": p.count} for p in visit.people],
        "notes": visit.notes,
        "findings": [{k: v for k, v in vars(f).items() if v not in (None, "")} for f in visit.findings],
        "photos": [{"index": p.index, "sha256": p.sha256, "name": p.name} for p in visit.photos],
    }


def step(now: datetime) -> int:
    officers = list(get_user_model().objects.filter(username__startswith="officer.", is_active=True))
    if not officers:
        return 0
    _dispatch(now, officers)
    made = 0
    waiting = Assignment.objects.filter(status=Assignment.Status.OPEN)
    for assignment in waiting.select_related("region", "alert", "grievance__department"):
        rng = random.Random(f"field:{assignment.pk}")  # noqa: S311
        if now - assignment.created_at < timedelta(minutes=rng.randint(3, 20)):
            continue  # on the way
        original = assignment.recheck_of.officer_id if assignment.recheck_of else None
        officer = next((o for o in officers if o.pk == assignment.assignee_id), None) or next(
            (o for o in officers if o.pk != original and assignment.region_id in (user_region_ids(user=o) or set())),
            None,
        )
        if officer is None:
            continue
        done = Visit.objects.filter(officer=officer).count()
        formalistic = done % 7 == 1  # now and then: one visit in seven (the second one, for the demo)
        # A citizen's report without a position makes an assignment without one: the officer goes to its region.
        lon = assignment.lon if assignment.lon is not None else assignment.region.centroid_lon
        lat = assignment.lat if assignment.lat is not None else assignment.region.centroid_lat
        minutes = rng.randint(12, 40)
        photo_seed = f"visit:{assignment.pk}"
        if formalistic:
            trick = ["office", "photo", "short"][done // 7 % 3]
            if trick == "office":  # checked in from an office across town, outside the target area
                lon, lat = lon + 0.12, lat + 0.02
            elif trick == "photo":  # the photo of an earlier visit
                earlier = (
                    Visit.objects.filter(officer=officer).exclude(assignment=assignment).order_by("-ended_at").first()
                )
                photo_seed = f"visit:{earlier.assignment_id}" if earlier and earlier.assignment_id else photo_seed
            else:
                minutes = 2
        verdict = rng.choices(["confirmed", "contradicted", "partly", "could_not_verify"], weights=[55, 25, 12, 8])[0]
        started = now - timedelta(minutes=minutes + 2)
        photo = _photo(photo_seed)
        visit = VisitInput(
            uuid=uuid.UUID(int=rng.getrandbits(128)),
            assignment=assignment.pk,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
            sent_at=timezone.now(),
            checkin=Position(
                lon=lon + rng.uniform(-0.001, 0.001),
                lat=lat + rng.uniform(-0.001, 0.001),
                accuracy_m=rng.randint(5, 30),
            ),
            people=(PersonCount(kind="residents", count=rng.randint(1, 5)),),
            notes=rng.choice(NOTES).format(n=rng.randint(2, 6)) + f"（{assignment.region.name_zh}）",
            findings=_findings(assignment, verdict),
            photos=(PhotoDeclared(index=0, name="scene.jpg", sha256=hashlib.sha256(photo).hexdigest()),),
        )
        recorded = visit_record(officer=officer, visit=visit, signed=demo_signed(officer, _body(visit)))
        if not recorded.created:
            continue  # this assignment's visit was made in an earlier step (and waits for review)
        visit_photo_receive(officer=officer, photo=recorded.visit.photos.get(index=0), content=photo)  # its own upload
        made += 1
    return made
