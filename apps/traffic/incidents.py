"""Traffic incident services: report, confirm, clear, dismiss — audited, counted on the live spine."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.workflow import Workflow
from apps.indicators.alerting import alert_raise, alert_transition
from apps.indicators.models import Alert
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
    """confirm, clear or dismiss. Clearing or dismissing also resolves its verification alert, if any."""
    incident = TrafficIncident.objects.select_for_update().get(pk=incident.pk)
    incident.status = WORKFLOW.target(action=action, status=incident.status, status_label=incident.get_status_display())
    if action == "confirm":
        incident.confirmed_at = timezone.now()
    else:
        incident.cleared_at = timezone.now()
    incident.save()
    log_action(incident, f"traffic.incident.{action}", user=user)
    alert = incident.verification_alert
    if action in ("clear", "dismiss") and alert is not None and alert.status != Alert.Status.RESOLVED:
        alert_transition(alert=alert, action="resolve", user=user, note=f"incident {action}")
    open_incidents_observe()
    return incident


@transaction.atomic
def incident_request_verification(*, incident: TrafficIncident, user: Any = None, note: str = "") -> TrafficIncident:
    """Ask the field officers of the incident's area to check it in person.

    Opens an alert about the incident, already sent for verification, in the incident's region: it shows
    on the wall and region pages and in the verification lists, and a field verdict on it moves the
    incident (confirmed on site → confirmed; contradicted → dismissed, or cleared if it was confirmed).
    """
    incident = TrafficIncident.objects.select_for_update(of=("self",)).select_related("region").get(pk=incident.pk)
    if incident.status not in (S.REPORTED, S.CONFIRMED):
        raise ApplicationError(
            _("an incident that is %(status)s cannot be sent for verification")
            % {"status": incident.get_status_display()},
            fields={"status": [incident.status]},
        )
    pending = incident.verification_alert
    if pending is not None and pending.status == Alert.Status.VERIFICATION_REQUESTED:
        raise ApplicationError(
            _("this incident is already waiting for verification"), fields={"status": [pending.status]}
        )
    if incident.region is None:
        raise ApplicationError(
            _("this incident lies outside the monitored regions: no field officer covers it"),
            fields={"region": ["none"]},
        )
    if pending is not None and pending.status != Alert.Status.RESOLVED:
        # An earlier verdict stands in the record; a new request is a new alert.
        alert_transition(alert=pending, action="resolve", user=user, note="verification requested again")
    kind_zh, kind_en = _names(incident)
    alert, _created = alert_raise(
        kind=Alert.Kind.INCIDENT,
        severity=Alert.Severity.CRITICAL if incident.severity >= 3 else Alert.Severity.WARNING,
        title_zh=f"交通事件待现场核实：{kind_zh}",
        title_en=f"Traffic incident to verify on site: {kind_en}",
        region=incident.region,
        indicator="traffic.open_incidents",
        subject=f"traffic.incident:{incident.pk}",
        details={"incident": incident.pk, "lon": incident.lon, "lat": incident.lat, "kind": incident.kind},
    )
    alert = alert_transition(alert=alert, action="request_verification", user=user, note=note)
    incident.verification_alert = alert
    incident.save(update_fields=["verification_alert", "updated_at"])
    log_action(incident, "traffic.incident.request_verification", user=user, data={"alert": alert.pk})
    return incident


def _names(incident: TrafficIncident) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(incident.get_kind_display())
    with translation.override("en"):
        en = str(incident.get_kind_display())
    return zh, en


def incident_follow_verdict(alert: Alert, verdict: str, user: Any) -> None:
    """A field verdict on an incident's alert moves the incident (listener of alert verdicts)."""
    incident = TrafficIncident.objects.select_for_update().filter(verification_alert=alert).first()
    if incident is None or incident.status not in (S.REPORTED, S.CONFIRMED):
        return
    if verdict == Alert.Status.CONFIRMED and incident.status == S.REPORTED:
        incident_transition(incident=incident, action="confirm", user=user)
    elif verdict == Alert.Status.CONTRADICTED:
        incident_transition(
            incident=incident, action="dismiss" if incident.status == S.REPORTED else "clear", user=user
        )


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
