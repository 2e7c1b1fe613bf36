"""Alert services: opening alerts from threshold breaches, the lifecycle transitions, auto-resolution.

Every transition is audited with log_action and published on the alerts stream after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.registry import Registry, qualified_name
from apps.core.workflow import Workflow
from apps.deadlines.services import deadline_respond, deadline_start, deadline_stop
from apps.indicators.buckets import STEP
from apps.indicators.inhibition import inhibition_escalated, inhibition_opened, inhibition_resolved
from apps.indicators.models import Alert, Granularity, IndicatorValue
from apps.indicators.registry import Indicator, get_indicator
from apps.indicators.storm import storm_alert_opened, storm_settle
from apps.regions.models import Region

S = Alert.Status
ONE_MINUTE = STEP[Granularity.MINUTE]

# Which status each action may start from; the verdict statuses come from field visits.
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "acknowledge": ({S.OPEN}, S.ACKNOWLEDGED),
    "request_verification": ({S.OPEN, S.ACKNOWLEDGED, S.COULD_NOT_VERIFY}, S.VERIFICATION_REQUESTED),
    "resolve": (set(S.values) - {S.RESOLVED}, S.RESOLVED),
}
V = Alert.Verdict
# A verdict as found on site, and the status it gives the alert: partly counts as confirmed in the lifecycle
# (what must be done next is the same), the alert's `verdict` keeps it partly for every screen and figure.
VERDICT_STATUS: dict[str, str] = {
    V.CONFIRMED: S.CONFIRMED,
    V.PARTLY: S.CONFIRMED,
    V.CONTRADICTED: S.CONTRADICTED,
    V.COULD_NOT_VERIFY: S.COULD_NOT_VERIFY,
}
STAMPS = {
    "acknowledge": ("acknowledged_at", "acknowledged_by"),
    "request_verification": ("verification_requested_at", "verification_requested_by"),
    "resolve": ("resolved_at", "resolved_by"),
}
# How a breach reads, by direction and level: "低于预警值 3.5（3.3）" / "below warning 3.5 (3.3)".
_BREACH_ZH = {"above": "超过", "below": "低于"}
_LEVEL_ZH = {"warning": "预警值", "critical": "严重阈值"}
WORKFLOW = Workflow(
    transitions=TRANSITIONS,
    past={
        "acknowledge": gettext_lazy("acknowledged"),
        "request_verification": gettext_lazy("sent for verification"),
        "resolve": gettext_lazy("resolved"),
    },
    refusal=gettext_lazy("an alert that is %(status)s cannot be %(done)s"),
)


# Apps follow alerts through listeners declared in their manifest (`alert_listeners`):
# - on "verdict", for alerts of kind `key`: `call(alert, verdict, user)` in the verdict's transaction (e.g. a
#   traffic incident confirmed on site);
# - on "transition", after action `key`: `call(alert, action, user, note)` in the transition's transaction (e.g.
#   field work opens an assignment when an alert is sent for verification);
# - on "change", `key` empty: `call(alert, event)` when an alert opens, moves in its lifecycle, gets a verdict or
#   resolves, but not on a repeated breach (e.g. the wall's ground truth).
VerdictListener = Callable[[Alert, str, Any], None]
TransitionListener = Callable[[Alert, str, Any, str], None]
ChangeListener = Callable[[Alert, str], None]


@dataclass(frozen=True)
class AlertListener:
    on: Literal["verdict", "transition", "change"]
    call: Callable[..., object]  # what it returns is not used
    key: str = ""  # the alert kind (verdict) or the action (transition)

    @property
    def name(self) -> str:
        return f"{self.on}:{self.key}:{qualified_name(self.call)}"


listener_registry: Registry[AlertListener] = Registry("alert listener", key=lambda listener: listener.name)


def _listeners(on: str, key: str = "") -> list[Callable[..., object]]:
    return [listener.call for listener in listener_registry if listener.on == on and listener.key == key]


def _publish(alert: Alert, event: str) -> None:
    from apps.indicators.streams import alert_publish

    alert_publish(alert=alert, event=event)
    if event != "updated":
        for listener in _listeners("change"):
            listener(alert, event)


def _publish_changed(alerts: list[Alert], *, besides: Alert) -> None:
    """Publish alerts whose inhibition changed (each once, not the one whose own event says it)."""
    for alert in {a.pk: a for a in alerts if a.pk != besides.pk}.values():
        _publish(alert, "updated")


@transaction.atomic
def alert_raise(
    *,
    kind: str,
    severity: str,
    title_zh: str,
    title_en: str,
    region: Region | None = None,
    indicator: str = "",
    subject: str = "",
    value: float | None = None,
    threshold: float | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> tuple[Alert, bool]:
    """Open an alert, or update the unresolved one for the same subject. Returns (alert, created).

    A repeated breach refreshes value, severity (it only escalates), time and details; it does not
    reopen the lifecycle. Published on commit (a new alert goes out at once).
    """
    at = at or timezone.now()
    _family_lock(kind=kind, indicator=indicator, subject=subject)
    existing = (
        Alert.objects.select_for_update()
        .filter(kind=kind, indicator=indicator, region=region, subject=subject)
        .exclude(status=S.RESOLVED)
        .first()
    )
    if existing:
        was = existing.severity
        escalate = severity == Alert.Severity.CRITICAL
        existing.severity = Alert.Severity.CRITICAL if escalate else existing.severity
        existing.value, existing.last_breach_at = value, at
        if escalate or existing.severity == severity:  # title and threshold name the alert's level
            existing.title_zh, existing.title_en, existing.threshold = title_zh, title_en, threshold
        kept = {"breach_since": existing.details["breach_since"]} if "breach_since" in existing.details else {}
        existing.details = {**existing.details, **(details or {}), **kept}
        existing.save(
            update_fields=[
                "severity",
                "value",
                "threshold",
                "last_breach_at",
                "details",
                "title_zh",
                "title_en",
                "updated_at",
            ]
        )
        released = inhibition_escalated(alert=existing) if existing.severity != was else []
        _publish(existing, "updated")
        _publish_changed(released, besides=existing)
        return existing, False
    alert = Alert.objects.create(
        kind=kind,
        indicator=indicator,
        region=region,
        subject=subject,
        severity=severity,
        title_zh=title_zh,
        title_en=title_en,
        value=value,
        threshold=threshold,
        details=details or {},
        opened_at=at,
        last_breach_at=at,
    )
    log_action(alert, "indicators.alert.open", data={"kind": kind, "severity": severity, "value": value})
    changed = inhibition_opened(alert=alert)
    if alert.inhibited_by_id is None:  # one held back under another is timed by that one (the wall's grouping)
        deadline_start(subject="alert", obj=alert, start=at)
    _publish(alert, "opened")
    _publish_changed(changed, besides=alert)
    storm_alert_opened()
    return alert, True


def _family_lock(*, kind: str, indicator: str, subject: str) -> None:
    """Serialise, until the transaction ends, whatever opens, escalates or resolves alerts of one kind, indicator
    and subject, across processes (PostgreSQL advisory lock; SQLite writes one at a time anyway). Inhibition links
    a family's alerts across regions: two ticks opening a district's and its community's alert at the same moment
    would each miss the other's uncommitted alert and both stand alone. Taken before any row lock, everywhere, so
    two transactions never wait on each other in opposite orders."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cityops.alert:{kind}:{indicator}:{subject}"])


@transaction.atomic
def alert_transition(*, alert: Alert, action: str, user: Any, note: str = "") -> Alert:
    """acknowledge, request_verification or resolve an alert. Raises ApplicationError when the alert's
    status does not allow the action (nothing changes). Audited and published."""
    _family_lock(kind=alert.kind, indicator=alert.indicator, subject=alert.subject)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    target = WORKFLOW.target(action=action, status=alert.status, status_label=alert.get_status_display())
    now = timezone.now()
    alert.status = target
    stamp = STAMPS[action]
    setattr(alert, stamp[0], now)
    setattr(alert, stamp[1], user)
    alert.save()
    if target == S.RESOLVED:
        deadline_stop(subject="alert", obj=alert, at=now)
    else:  # acknowledged or sent to the field: someone responded
        deadline_respond(subject="alert", obj=alert, at=now)
    log_action(alert, f"indicators.alert.{action}", user=user, data={"note": note} if note else {})
    for listener in _listeners("transition", action):
        listener(alert, action, user, note)
    _publish(alert, action)
    if target == S.RESOLVED:
        _publish_changed(inhibition_resolved(alert=alert), besides=alert)
    return alert


@transaction.atomic
def alert_record_verdict(
    *, alert: Alert, verdict: str, user: Any = None, details: dict[str, Any] | None = None
) -> Alert:
    """A field verdict (confirmed / partly / contradicted / could_not_verify) on an alert, kept as found in
    `verdict`; the status follows VERDICT_STATUS. Used by field visits. Listeners hear the status (partly as
    confirmed) and read `alert.verdict` for the nuance."""
    if verdict not in VERDICT_STATUS:
        raise ApplicationError(f"unknown verdict {verdict!r}", fields={"verdict": ["unknown"]})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == S.RESOLVED:
        raise ApplicationError("the alert is already resolved", fields={"status": [alert.status]})
    alert.status, alert.verdict, alert.verified_at = VERDICT_STATUS[verdict], verdict, timezone.now()
    alert.details = {**alert.details, "verdict": details or {}}
    alert.save()
    deadline_respond(subject="alert", obj=alert)
    log_action(alert, "indicators.alert.verdict", user=user, data={"verdict": verdict})
    for listener in _listeners("verdict", alert.kind):
        listener(alert, alert.status, user)
    _publish(alert, "verdict")
    return alert


# --- Thresholds ------------------------------------------------------------------------------------------


def alerts_evaluate(*, keys: Iterable[tuple[str, int]], now: datetime | None = None) -> list[Alert]:
    """Open, refresh or auto-resolve threshold alerts for the given (indicator, region_id) pairs.

    The pairs' recent minutes (with their samples' minutes) and their open alerts are read in two queries,
    however many pairs a tick brings (thousands after an outage's backlog, hundreds every second in a large
    city). A storm that is on is checked for its end.
    """
    now = now or timezone.now()
    pairs: dict[tuple[str, int], Indicator] = {}
    for indicator_code, region_id in keys:
        indicator = get_indicator(indicator_code)
        if indicator is not None and (indicator.warning is not None or indicator.critical is not None):
            pairs[(indicator_code, region_id)] = indicator
    storm_settle(now=now)
    if not pairs:
        return []
    earliest = min(now - indicator.min_duration - ONE_MINUTE for indicator in pairs.values())
    samples = {indicator.sample for indicator in pairs.values() if indicator.sample}
    windows: dict[tuple[str, int], list[IndicatorValue]] = {}
    sizes: dict[tuple[str, int, datetime], int] = {}
    for row in IndicatorValue.objects.filter(
        indicator__in={code for code, _r in pairs} | samples,
        region_id__in={region_id for _c, region_id in pairs},
        granularity=Granularity.MINUTE,
        bucket_start__gte=earliest,
    ).order_by("bucket_start"):
        key = (row.indicator, row.region_id)
        if row.indicator in samples:
            sizes[(row.indicator, row.region_id, row.bucket_start)] = round(row.last_value)
        if key in pairs and row.bucket_start >= now - pairs[key].min_duration - ONE_MINUTE:
            windows.setdefault(key, []).append(row)
    open_alerts: dict[tuple[str, int | None], Alert] = {}  # region_id__in: each has a region
    for alert in (
        Alert.objects.filter(
            kind=Alert.Kind.THRESHOLD,
            indicator__in={code for code, _r in pairs},
            region_id__in={region_id for _c, region_id in pairs},
        )
        .exclude(status=S.RESOLVED)
        .order_by("-pk")
    ):
        open_alerts[(alert.indicator, alert.region_id)] = alert  # the oldest open one wins, as before
    touched = []
    for key, indicator in pairs.items():
        rows = windows.get(key, [])
        too_few = bool(rows) and sample_size(indicator, rows[-1], sizes) < indicator.min_count
        evaluated = _evaluate_one(indicator, key[1], now, rows, open_alerts.get(key), too_few=too_few)
        if evaluated is not None:
            touched.append(evaluated)
    return touched


def sample_size(indicator: Indicator, row: IndicatorValue, sizes: dict[tuple[str, int, datetime], int]) -> int:
    """How many observations stand behind a bucket's value: the value of the indicator's `sample` in the same
    region and bucket (0 when it has none there), or else the bucket's own count."""
    if indicator.sample:
        return sizes.get((indicator.sample, row.region_id, row.bucket_start), 0)
    return row.count


def _evaluate_one(
    indicator: Indicator,
    region_id: int,
    now: datetime,
    rows: list[IndicatorValue],
    open_alert: Alert | None,
    *,
    too_few: bool = False,
) -> Alert | None:
    if not rows:
        return None
    severities = [indicator.severity(row.value_for(indicator)) for row in rows]
    latest = rows[-1].value_for(indicator)
    breaching = all(s != "normal" for s in severities)
    lasted = rows[-1].bucket_start - rows[0].bucket_start >= indicator.min_duration - ONE_MINUTE
    if breaching and lasted:
        if too_few:
            return None  # a handful of observations opens nothing, and escalates nothing already open
        if indicator.rollup == "max" and _rolled_up_from_children(indicator, region_id, rows[-1].bucket_start):
            return None  # its value is a child's, and that child alerts: one alert, where it happens
        return _breach(indicator, region_id, latest, severities[-1], rows[-1].last_at, since=rows[0].bucket_start)
    if severities[-1] == "normal" and open_alert is not None:
        return _maybe_resolve(indicator, open_alert, now)
    return None


def _rolled_up_from_children(indicator: Indicator, region_id: int, bucket: datetime) -> bool:
    return IndicatorValue.objects.filter(
        indicator=indicator.code, region__parent_id=region_id, granularity=Granularity.MINUTE, bucket_start=bucket
    ).exists()


def _breach(
    indicator: Indicator, region_id: int, value: float, severity: str, at: datetime, *, since: datetime | None = None
) -> Alert:
    region = Region.objects.get(pk=region_id)
    threshold = indicator.critical if severity == "critical" else indicator.warning
    explained = indicator.explain(region_id, at) if indicator.explain else None
    zh, en = (f"（{explained[0]}）", f" ({explained[1]})") if explained else ("", "")
    breach_zh, breach_en = breach_words(indicator, severity, value, threshold)
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity=severity,
        indicator=indicator.code,
        region=region,
        value=round(value, indicator.decimals),
        threshold=threshold,
        title_zh=f"{region.name_zh}：{breach_zh}{zh}",
        title_en=f"{region.name_en or region.name_zh}: {breach_en}{en}",
        # breach_since: the first minute of the breach that opened it (kept from the first breach: the public warning
        # says since when the figure has been above its limit, not when the alert opened).
        details={
            **({"explanation": {"zh": explained[0], "en": explained[1]}} if explained else {}),
            **({"breach_since": since.isoformat()} if since else {}),
        }
        or None,
        at=at,
    )
    return alert


def breach_words(indicator: Indicator, severity: str, value: float, threshold: float | None) -> tuple[str, str]:
    """What a breach says, in Chinese and English, by the indicator's direction and with its unit: "满意度低于预警值
    3.5分（3.3分）", "Satisfaction below warning 3.5/5 (3.3/5)"; "拥堵指数超过严重阈值 8（8.4）" (a scale, no unit)."""
    shown, limit = _number(value, indicator.decimals), _number(threshold, indicator.decimals)
    zh_unit, en_unit = indicator.unit_in("zh"), indicator.unit_in("en")
    zh_shown, zh_limit = (_with_unit(n, zh_unit, space=zh_unit.isascii()) for n in (shown, limit))
    en_shown, en_limit = (_with_unit(n, en_unit, space=not en_unit.startswith(("/", "%"))) for n in (shown, limit))
    zh = f"{indicator.name_zh}{_BREACH_ZH[indicator.direction]}{_LEVEL_ZH[severity]} {zh_limit}（{zh_shown}）"
    return zh, f"{indicator.name_en} {indicator.direction} {severity} {en_limit} ({en_shown})"


def _with_unit(number: str, unit: str, *, space: bool) -> str:
    if not unit or number == "–":
        return number
    return f"{number} {unit}" if space and unit != "%" else f"{number}{unit}"


def _number(value: float | None, decimals: int) -> str:
    """A value as the indicator shows it, without trailing zeros: 3.5, 3, 101."""
    if value is None:
        return "–"
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _maybe_resolve(indicator: Indicator, alert: Alert, now: datetime) -> Alert | None:
    if now - alert.last_breach_at < indicator.resolve_after:
        return None
    return alert_auto_resolve(alert=alert, reason="back to normal")


@transaction.atomic
def alert_auto_resolve(*, alert: Alert, reason: str) -> Alert:
    """Resolve without a person (the value stayed normal long enough, or the source recovered)."""
    _family_lock(kind=alert.kind, indicator=alert.indicator, subject=alert.subject)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == S.RESOLVED:
        return alert
    alert.status, alert.resolved_at = S.RESOLVED, timezone.now()
    alert.details = {**alert.details, "resolution": reason}
    alert.save()
    deadline_stop(subject="alert", obj=alert)
    log_action(alert, "indicators.alert.auto_resolve", data={"reason": reason})
    _publish(alert, "resolved")
    _publish_changed(inhibition_resolved(alert=alert), besides=alert)
    return alert
