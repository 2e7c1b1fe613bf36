"""Hierarchical inhibition, as Alertmanager's inhibit rules: an unresolved alert on a region holds back the
alerts of the same kind, indicator and subject on the regions under it. The room sees one card, for the
highest region, listing the others; the same breach told for a city and four of its districts is one thing
to act on, not five.

The choices made:
- A child's breach while its parent alerts is still recorded (its history, its value, a field verdict on it
  stay possible), with `inhibited_by` set to the topmost unresolved ancestor alert; screens leave it out and
  show it inside that alert. Alerts of every kind are held back the same way; kinds without regions or
  without an indicator never match.
- An alert that opens above existing ones takes them over, however deep, even from an alert between them.
- When the holding alert resolves, its children go to the next unresolved ancestor alert, or stand alone
  again, at once; each is published again so walls show it.

Every alert whose payload changed is returned to the caller, who publishes it.
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet

from apps.indicators.models import Alert
from apps.regions.models import Region


def _peers(alert: Alert) -> QuerySet[Alert]:
    """The unresolved alerts an alert could inhibit or be inhibited by, on any region."""
    return (
        Alert.objects.filter(kind=alert.kind, indicator=alert.indicator, subject=alert.subject)
        .exclude(status=Alert.Status.RESOLVED)
        .exclude(pk=alert.pk)
    )


_RANK: dict[str, int] = {Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}


def _holds(holder: Alert, held: Alert) -> bool:
    """An alert holds back only alerts as severe as itself or less: a critical breach in a community is never
    hidden inside its district's warning card (Alertmanager's rule: the more severe inhibits the less)."""
    return _RANK.get(holder.severity, 0) >= _RANK.get(held.severity, 0)


def _region(alert: Alert) -> Region:
    """The region of an alert taking part in inhibition: only alerts with a region are placed, and the others are
    found by their region's path, so it is set."""
    return cast(Region, alert.region)


def _ancestor_paths(path: str) -> list[str]:
    """ "/C/W/W1/" → ["/C/", "/C/W/"] (the region's own path excluded)."""
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes))]


def inhibition_opened(*, alert: Alert) -> list[Alert]:
    """Place a newly opened alert: under its topmost unresolved ancestor alert, or above the unresolved alerts
    under it. Returns the other alerts whose payload changed (the inhibitor, or the newly held children)."""
    if alert.region_id is None or not alert.indicator:
        return []
    region = _region(alert)
    above = (
        _peers(alert)
        .filter(region__path__in=_ancestor_paths(region.path))
        .select_related("region")
        .order_by("region__depth", "pk")
    )
    holder = next((candidate for candidate in above if _holds(candidate, alert)), None)
    if holder is not None:
        alert.inhibited_by = holder
        alert.save(update_fields=["inhibited_by", "updated_at"])
        return [holder]
    held = [
        child
        for child in _peers(alert).filter(region__path__startswith=region.path).select_related("region")
        if _holds(alert, child)
    ]
    holders = {child.inhibited_by_id for child in held if child.inhibited_by_id is not None}
    previous = holders - {child.pk for child in held}
    Alert.objects.filter(pk__in=[child.pk for child in held]).update(inhibited_by=alert)
    for child in held:
        child.inhibited_by = alert
    return held + list(Alert.objects.filter(pk__in=previous).select_related("region"))


def inhibition_resolved(*, alert: Alert) -> list[Alert]:
    """Release the alerts a resolved alert held: each goes to its topmost remaining unresolved ancestor alert or
    stands alone. Returns the alerts whose payload changed (the released ones, their new holders, and the
    alert that held the resolved one)."""
    changed: list[Alert] = []
    if alert.inhibited_by_id is not None:
        changed += list(Alert.objects.filter(pk=alert.inhibited_by_id).select_related("region"))
    held = list(Alert.objects.filter(inhibited_by=alert).exclude(status=Alert.Status.RESOLVED).select_related("region"))
    if not held:
        return changed
    paths = {path for child in held for path in _ancestor_paths(_region(child).path)}
    holders = sorted(
        _peers(alert).filter(region__path__in=paths).select_related("region"),
        key=lambda a: (_region(a).depth, a.pk),
    )
    for child in held:
        above = (
            h
            for h in holders
            if h.pk != child.pk and _region(child).path.startswith(_region(h).path) and _holds(h, child)
        )
        child.inhibited_by = next(above, None)
        child.save(update_fields=["inhibited_by", "updated_at"])
    new_holders = {child.inhibited_by_id for child in held} - {None}
    return changed + held + [h for h in holders if h.pk in new_holders]


def inhibition_escalated(*, alert: Alert) -> list[Alert]:
    """An alert became more severe. Held by an alert it now outranks, it stands on its own again; standing on its
    own, it takes over the alerts under it that it now holds and that nothing above it holds (a district's warning
    turned critical takes in its communities' critical alerts, as if it had opened critical). Returns the alerts
    whose payload changed, or nothing."""
    holder = alert.inhibited_by
    if holder is not None and _holds(holder, alert):
        return []  # still held: what is under it stays with the alert above
    changed: list[Alert] = []
    if holder is not None:
        alert.inhibited_by = None
        alert.save(update_fields=["inhibited_by", "updated_at"])
        changed += [alert, holder]
    if alert.region_id is None or not alert.indicator:
        return changed
    under = [
        child
        for child in _peers(alert)
        .filter(region__path__startswith=_region(alert).path)
        .exclude(region=alert.region)
        .select_related("region", "inhibited_by__region")
        if _holds(alert, child)
        and (child.inhibited_by is None or _region(child.inhibited_by).path.startswith(_region(alert).path))
    ]
    if not under:
        return changed
    previous = [child.inhibited_by for child in under if child.inhibited_by is not None]
    Alert.objects.filter(pk__in=[child.pk for child in under]).update(inhibited_by=alert)
    for child in under:
        child.inhibited_by = alert
    return changed + [alert] + under + previous
