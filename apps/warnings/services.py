"""Writes of public warnings: drafting one from an alert, a person's approval (or refusal), and the automatic
follow-up messages.

The lifecycle, and the choices in it:
- An alert of an indicator whose policy (`Indicator.public_warning`, declared by its domain) is automatic gets a
  draft, waiting for approval, when it opens at the policy's severity or escalates to it. A policy that is not
  automatic (the fever-clinic alarm) gets a draft only when a person holding its `choose_permission` chooses to.
- Nothing is published without a person holding `warnings.approve_publicwarning` (and, for a chosen warning,
  the choose permission too) approving it, for a region in their scope. They may edit the texts first.
- Once published, the warning follows its alert without another approval: an **Update** when the alert's level
  rises (a worse AQI category, warning → critical), with the texts drafted anew for the new level — holding back
  news that a published warning got worse would leave the public with the milder message; a **Cancel** when the
  alert ends (resolved by a person, or back to normal for long enough). A warning whose alert ends before it
  was approved is withdrawn, never published. A level that falls while the alert lasts sends nothing.
- Messages are status "Exercise" with a note saying so while the city's data is simulated (CITYOPS_SIMULATE, the
  embedded demo), so no aggregator takes the demo city's episodes for real ones; "Actual" otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_can_access_region
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.indicators.models import Alert
from apps.indicators.registry import Indicator, PublicWarningPolicy, get_indicator, indicators
from apps.regions.models import Region
from apps.warnings.cap import CapAlert, CapArea, CapInfo, cap_xml
from apps.warnings.geo import cap_geocodes, cap_polygons
from apps.warnings.models import CapMessage, PublicWarning

logger = logging.getLogger(__name__)

APPROVE = "warnings.approve_publicwarning"
SEVERITY_RANK = {Alert.Severity.WARNING: 1, Alert.Severity.CRITICAL: 2}
CAP_SEVERITY = {Alert.Severity.WARNING: "Moderate", Alert.Severity.CRITICAL: "Severe"}
SENDER_NAME = ("城市运行管理中心", "City Operations Center")
EXERCISE_NOTE = "演示城市的模拟数据，不是真实预警。Demo city: simulated data, not a real warning."
W = PublicWarning.State
# A warning still on when its last message is about to expire is renewed by an Update (same texts) this long before.
RENEW_BEFORE = timedelta(minutes=30)


@dataclass(frozen=True)
class WarningTexts:
    """What a person approves: the headline, description and instruction, in Chinese and English."""

    headline_zh: str
    headline_en: str
    description_zh: str
    description_en: str
    instruction_zh: str
    instruction_en: str

    FIELDS = ("headline_zh", "headline_en", "description_zh", "description_en", "instruction_zh", "instruction_en")


@dataclass(frozen=True)
class Level:
    rank: int
    zh: str
    en: str


def warning_policy(alert: Alert) -> tuple[Indicator, PublicWarningPolicy] | None:
    """The alert's indicator and its public-warning policy, for a region's threshold alert; None otherwise."""
    if alert.kind != Alert.Kind.THRESHOLD or alert.region_id is None:
        return None
    indicator = get_indicator(alert.indicator)
    if indicator is None or indicator.public_warning is None:
        return None
    return indicator, indicator.public_warning


def _policy_of(alert: Alert) -> tuple[Indicator, PublicWarningPolicy]:
    found = warning_policy(alert)
    if found is None:
        raise ApplicationError(_("this alert may not be published"), fields={"alert": ["policy"]})
    return found


def _region_of(alert: Alert) -> Region:
    if alert.region_id is None:
        raise ApplicationError(_("this alert may not be published"), fields={"alert": ["region"]})
    return Region.objects.get(pk=alert.region_id)


def warning_level(alert: Alert, policy: PublicWarningPolicy) -> Level:
    """The alert's level by the policy (the AQI category of its value), else by its severity."""
    found = policy.level(alert.value) if policy.level else None
    if found is not None:
        return Level(*found)
    if alert.severity == Alert.Severity.CRITICAL:
        return Level(2, "严重", "severe")
    return Level(1, "预警", "warning")


def _number(value: float | None, decimals: int) -> str:
    if value is None:
        return "–"
    return f"{value:.{decimals}f}"


def warning_texts_draft(alert: Alert) -> WarningTexts:
    """The texts a draft starts from, from the alert's figures only (no one's personal data is in an alert)."""
    indicator, policy = _policy_of(alert)
    region, level = _region_of(alert), warning_level(alert, policy)
    value = _number(alert.value, indicator.decimals)
    since = timezone.localtime(alert.opened_at)
    name_en = region.name_en or region.name_zh
    explained = (alert.details or {}).get("explanation") or {}
    description_zh = (
        f"{region.name_zh}{indicator.name_zh}为 {value}（{level.zh}），自 {since:%m月%d日 %H:%M} 起超过预警值。"
        + (f"{explained['zh']}。" if explained.get("zh") else "")
    )
    description_en = f"The {indicator.name_en.lower()} in {name_en} is {value} ({level.en.lower()}), above its limit " \
        f"since {since:%d %b %H:%M}." + (f" {explained['en']}." if explained.get("en") else "")  # fmt: skip
    advice = policy.advice(alert.value) if policy.advice else None
    return WarningTexts(
        headline_zh=f"{region.name_zh}{policy.event_zh}预警：{level.zh}",
        headline_en=f"{policy.event_en} warning for {name_en}: {level.en}",
        description_zh=description_zh,
        description_en=description_en,
        instruction_zh=advice[0] if advice else "",
        instruction_en=advice[1] if advice else "",
    )


def _require(user: Any, warning_region_id: int, *permissions: str) -> None:
    """PermissionDenied unless the user holds every permission and sees the region."""
    if not all(user.has_perm(p) for p in permissions if p) or not user_can_access_region(
        user=user, region_id=warning_region_id
    ):
        raise PermissionDenied


def _draft(alert: Alert, *, chosen_by: Any = None) -> PublicWarning:
    _indicator, policy = _policy_of(alert)
    texts = warning_texts_draft(alert)
    warning = PublicWarning.objects.create(
        alert=alert,
        region=_region_of(alert),
        indicator=alert.indicator,
        level=warning_level(alert, policy).rank,
        chosen_by=chosen_by,
        **{name: getattr(texts, name) for name in WarningTexts.FIELDS},
    )
    log_action(warning, "warnings.warning.draft", user=chosen_by, data={"alert": alert.pk})
    return warning


@transaction.atomic
def warning_choose(*, alert: Alert, user: Any) -> PublicWarning:
    """Draft a public warning from an alert whose policy is not automatic (a fever-clinic alarm): the choice of a
    person holding the policy's choose permission, for a region in their scope. Raises PermissionDenied, or
    ApplicationError when the alert has no such policy, has ended or already has a warning. Audited."""
    found = warning_policy(alert)
    if found is None or found[1].automatic or alert.region_id is None:
        raise ApplicationError(_("this alert is not one a person chooses to publish"), fields={"alert": ["policy"]})
    _require(user, alert.region_id, APPROVE, found[1].choose_permission)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == Alert.Status.RESOLVED:
        raise ApplicationError(_("this alert has ended: there is nothing to warn of"), fields={"alert": ["resolved"]})
    if PublicWarning.objects.filter(alert=alert).exists():
        raise ApplicationError(_("this alert already has a public warning"), fields={"alert": ["exists"]})
    return _draft(alert, chosen_by=user)


@transaction.atomic
def warning_approve(*, warning: PublicWarning, user: Any, texts: WarningTexts) -> CapMessage:
    """Publish a waiting warning with the texts the person approved (edited or as drafted): its first CAP message
    (Alert). Needs APPROVE (and the choose permission for a chosen warning) and the region in the user's scope:
    PermissionDenied otherwise. ApplicationError when it is not waiting or its alert has ended; nothing changes
    then. Audited on the alert and the warning (which texts were edited, not the texts)."""
    found = warning_policy(warning.alert)
    choose = found[1].choose_permission if found and not found[1].automatic else ""
    _require(user, warning.region_id, APPROVE, choose)
    warning = PublicWarning.objects.select_for_update().select_related("alert", "region").get(pk=warning.pk)
    if warning.state != W.PENDING:
        raise ApplicationError(
            _("this warning is %(state)s: only one waiting for approval can be approved")
            % {"state": warning.get_state_display()},
            fields={"state": [warning.state]},
        )
    if warning.alert.status == Alert.Status.RESOLVED:
        raise ApplicationError(_("this alert has ended: there is nothing to warn of"), fields={"alert": ["resolved"]})
    edited = [name for name in WarningTexts.FIELDS if getattr(warning, name) != getattr(texts, name)]
    for name in WarningTexts.FIELDS:
        setattr(warning, name, getattr(texts, name))
    warning.state, warning.decided_at, warning.decided_by = W.PUBLISHED, timezone.now(), user
    warning.save()
    message = _message_publish(warning, CapMessage.MsgType.ALERT)
    data = {"warning": warning.pk, "identifier": message.identifier, "edited": edited}
    log_action(warning.alert, "warnings.warning.approve", user=user, data=data)
    log_action(warning, "warnings.warning.approve", user=user, data=data)
    return message


@transaction.atomic
def warning_decline(*, warning: PublicWarning, user: Any) -> PublicWarning:
    """Decide a waiting warning is not published. Same permissions as approving; audited."""
    _require(user, warning.region_id, APPROVE)
    warning = PublicWarning.objects.select_for_update().get(pk=warning.pk)
    if warning.state != W.PENDING:
        raise ApplicationError(
            _("this warning is %(state)s: only one waiting for approval can be declined")
            % {"state": warning.get_state_display()},
            fields={"state": [warning.state]},
        )
    warning.state, warning.decided_at, warning.decided_by = W.DECLINED, timezone.now(), user
    warning.save()
    log_action(warning.alert, "warnings.warning.decline", user=user, data={"warning": warning.pk})
    return warning


# --- Following the alert ---------------------------------------------------------------------------------


@transaction.atomic
def warning_follow(*, alert: Alert) -> CapMessage | PublicWarning | None:
    """Bring an alert's warning up to date: draft it (automatic policy, severity reached), withdraw a waiting one
    whose alert ended, or publish for a published one an Update (level rose, or its last message is about to
    expire) or a Cancel (alert ended). Returns what it made, None when nothing was due. Idempotent."""
    found = warning_policy(alert)
    if found is None:
        return None
    indicator, policy = found
    # The alert's row is locked first: the listener (at once) and the periodic task (every 30 s) may follow the same
    # alert at the same moment, and one draft, one Update per level and one Cancel must come of it.
    alert = Alert.objects.select_for_update(of=("self",)).select_related("region").get(pk=alert.pk)
    warning = PublicWarning.objects.select_for_update().filter(alert=alert).first()
    ended = alert.status == Alert.Status.RESOLVED
    if warning is None:
        reached = SEVERITY_RANK[Alert.Severity(alert.severity)] >= SEVERITY_RANK[Alert.Severity(policy.min_severity)]
        return _draft(alert) if policy.automatic and reached and not ended else None
    warning.alert = alert
    if ended and warning.state == W.PENDING:
        warning.state = W.WITHDRAWN
        warning.save()
        log_action(warning, "warnings.warning.withdraw", data={"alert": alert.pk})
        return warning
    if warning.state != W.PUBLISHED:
        return None
    if ended:
        warning.state = W.ENDED
        warning.save()
        return _message_publish(warning, CapMessage.MsgType.CANCEL)
    level = warning_level(alert, policy)
    if level.rank > warning.level:
        texts = warning_texts_draft(alert)
        for name in WarningTexts.FIELDS:
            setattr(warning, name, getattr(texts, name))
        warning.level = level.rank
        warning.save()
        return _message_publish(warning, CapMessage.MsgType.UPDATE)
    last = warning.messages.order_by("-sent", "-id").first()
    if last is not None and timezone.now() >= last.sent + policy.expires_after - RENEW_BEFORE:
        return _message_publish(warning, CapMessage.MsgType.UPDATE)  # still on: renewed before it expires
    return None


def warnings_follow_all() -> int:
    """warning_follow for every alert that may need it: unresolved alerts of automatic policies without a warning,
    and every warning waiting or published. One alert's failure is logged and the others still run. Returns how
    many drafts and messages were made (the periodic task; the alert listener does the same for one alert at once).
    """
    codes = [i.code for i in indicators(include_hidden=True) if i.public_warning and i.public_warning.automatic]
    alerts = list(
        Alert.objects.filter(kind=Alert.Kind.THRESHOLD, indicator__in=codes, region__isnull=False)
        .exclude(status=Alert.Status.RESOLVED)
        .filter(public_warning__isnull=True)
    )
    followed = PublicWarning.objects.filter(state__in=[W.PENDING, W.PUBLISHED]).select_related("alert")
    alerts += [warning.alert for warning in followed]
    made = 0
    for alert in alerts:
        try:
            made += warning_follow(alert=alert) is not None
        except Exception:  # one alert's problem must not stop the others' warnings
            logger.exception("public warning for alert %s could not be followed", alert.pk)
    return made


def warning_follow_listener(alert: Alert, event: str) -> None:
    """Alert listener ("change"): after the alert's transaction commits, follow it at once (the periodic task
    catches up escalations, which do not reach listeners, and anything missed)."""
    if event not in ("opened", "resolve", "resolved") or warning_policy(alert) is None:
        return
    pk = alert.pk

    def follow() -> None:
        try:
            warning_follow(alert=Alert.objects.get(pk=pk))
        except Exception:  # the alert's lifecycle has committed; the periodic task tries again
            logger.exception("public warning for alert %s could not be followed", pk)

    transaction.on_commit(follow)


# --- Messages --------------------------------------------------------------------------------------------


def cap_status() -> str:
    return "Exercise" if settings.CITYOPS_SIMULATE else "Actual"


def _message_publish(warning: PublicWarning, msg_type: str, *, now: datetime | None = None) -> CapMessage:
    """Build, store and audit one CAP message of the warning; earlier ones are its references."""
    now = (now or timezone.now()).replace(microsecond=0)
    indicator, policy = _policy_of(warning.alert)
    earlier = list(warning.messages.order_by("sent", "id"))
    # Unique per sender across databases too (a re-seeded demo starts its ids again): the time, then the ids.
    identifier = f"cityops-{timezone.localtime(now):%Y%m%d%H%M%S}-{warning.pk}-{len(earlier) + 1}"
    cancel = msg_type == CapMessage.MsgType.CANCEL
    status = cap_status()
    texts = _cancel_texts(warning, indicator, policy) if cancel else WarningTexts(
        **{name: getattr(warning, name) for name in WarningTexts.FIELDS}
    )  # fmt: skip
    severity = "Minor" if cancel else CAP_SEVERITY[Alert.Severity(warning.alert.severity)]
    region = warning.region
    area = (region.name_zh, region.name_en or region.name_zh)
    polygons, geocodes = cap_polygons(region.geometry), cap_geocodes(region.code)
    web = settings.CITYOPS_PUBLIC_URL.rstrip("/") + reverse(policy.page or "warnings:feed")
    infos = [
        CapInfo(
            language=language,
            category=policy.category,
            event=event,
            urgency="Past" if cancel else "Immediate",
            severity=severity,
            certainty="Observed",
            effective=now,
            expires=now + policy.expires_after,
            sender_name=SENDER_NAME[n],
            headline=getattr(texts, f"headline_{suffix}"),
            description=getattr(texts, f"description_{suffix}"),
            instruction=getattr(texts, f"instruction_{suffix}"),
            web=web,
            area=CapArea(description=area[n], polygons=polygons, geocodes=geocodes),
        )
        for n, (language, suffix, event) in enumerate(
            [("zh-CN", "zh", policy.event_zh), ("en-US", "en", policy.event_en)]
        )
    ]
    document = CapAlert(
        identifier=identifier,
        sender=settings.CITYOPS_CAP_SENDER,
        sent=now,
        status=status,
        msg_type=msg_type,
        infos=infos,
        note=EXERCISE_NOTE if status == "Exercise" else "",
        references=[(settings.CITYOPS_CAP_SENDER, m.identifier, m.sent) for m in earlier],
    )
    message = CapMessage.objects.create(
        warning=warning,
        identifier=identifier,
        msg_type=msg_type,
        status=status,
        sent=now,
        severity=severity,
        headline_zh=texts.headline_zh,
        headline_en=texts.headline_en,
        xml=cap_xml(document),
    )
    log_action(warning, f"warnings.message.{msg_type.lower()}", data={"identifier": identifier, "status": status})
    return message


def _cancel_texts(warning: PublicWarning, indicator: Indicator, policy: PublicWarningPolicy) -> WarningTexts:
    region = warning.region
    name_en = region.name_en or region.name_zh
    return WarningTexts(
        headline_zh=f"{region.name_zh}{policy.event_zh}预警解除",
        headline_en=f"{policy.event_en} warning for {name_en} lifted",
        description_zh=f"{region.name_zh}{indicator.name_zh}告警已结束，此前发布的预警解除。",
        description_en=f"The {indicator.name_en.lower()} alert in {name_en} has ended: the warning issued earlier "
        "is lifted.",
        instruction_zh="",
        instruction_en="",
    )
