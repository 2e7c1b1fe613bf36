"""Traffic incident services: report, confirm, clear, dismiss — audited, counted on the live spine."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.workflow import Workflow
from apps.indicators.services import Observation, indicator_observations_record
from apps.regions.models import Region
from apps.regions.selectors import region_ids_for_points
from apps.traffic.models import RoadSegment, TrafficIncident

S = TrafficIncident.Status
TRANSITIONS = {"confirm": ({S.REPORTED}, S.CONFIRMED), "clear": ({S.REPORTED, S.CONFIRMED}, S.CLEARED),
               "dismiss": ({S.REPORTED}, S.DISMISSED)}  # fmt: skip
WORKFLOW = Workflow(
    transitions=TRANSITIONS,
    past={"confirm": gettext_lazy("confirmed"), "clear": gettext_lazy("cleared"), "dismiss": gettext_lazy("dismissed")},
    refusal=gettext_lazy("an incident that is %(status)s cannot be %(done)s"),
)


@transaction.atomic
def incident_report(
    *, kind: str, source: str, lon: float, lat: float, severity: int = 1, description: str = "",
    segment: RoadSegment | None = None, user: Any = None,
) -> TrafficIncident:  # fmt: skip
    """Record a new incident at a point; its region is found from the point. Audited; counted on commit."""
    if kind not in TrafficIncident.Kind.values:
        raise ApplicationError(f"unknown incident kind {kind!r}", fields={"kind": ["unknown"]})
    if not (1 <= severity <= 3):
        raise ApplicationError("severity is 1, 2 or 3", fields={"severity": ["out of range"]})
    region_id = int(region_ids_for_points(np.array([lon]), np.array([lat]))[0]) or None
    incident = TrafficIncident.objects.create(
        kind=kind, source=source, lon=lon, lat=lat, severity=severity, description=description[:500],
        segment=segment, region_id=region_id, reported_at=timezone.now(),
    )  # fmt: skip
    log_action(incident, "traffic.incident.report", user=user, data={"kind": kind, "severity": severity})
    open_incidents_observe()
    return incident


@transaction.atomic
def incident_transition(*, incident: TrafficIncident, action: str, user: Any = None) -> TrafficIncident:
    incident = TrafficIncident.objects.select_for_update().get(pk=incident.pk)
    incident.status = WORKFLOW.target(action=action, status=incident.status, status_label=incident.get_status_display())
    if action == "confirm":
        incident.confirmed_at = timezone.now()
    else:
        incident.cleared_at = timezone.now()
    incident.save()
    log_action(incident, f"traffic.incident.{action}", user=user)
    open_incidents_observe()
    return incident


def open_incidents_observe() -> None:
    """Count open incidents per leaf region now, as observations (0 for regions whose incidents cleared)."""
    now = timezone.now()
    counts = Counter(
        TrafficIncident.objects.filter(status__in=[S.REPORTED, S.CONFIRMED]).values_list("region_id", flat=True)
    )
    leaves = Region.objects.filter(children__isnull=True).values_list("id", flat=True)
    observations = [
        Observation("traffic.open_incidents", region_id, now, float(counts.get(region_id, 0))) for region_id in leaves
    ]
    indicator_observations_record(observations=observations)
