"""Writes of public warnings: drafting one from an alert, a person's approval (or refusal), and the automatic
follow-up messages.

The lifecycle, and the choices in it:
- An alert of an indicator whose policy (`Indicator.public_warning`, declared by its domain) is automatic gets a
  draft, waiting for approval, when it opens at the policy's severity or escalates to it. A policy that is not
  automatic (the fever-clinic alarm) gets a draft only when a person holding its `choose_permission` chooses to.
- Nothing is published without a person holding `warnings.approve_publicwarning` (and, for a chosen warning,
  the choose permission too) approving it, for a region in their scope. They may edit the texts first.
- A waiting draft follows its alert: a worse level before approval drafts it anew, and an approval of the texts a
  page showed for the older level is refused. A declined warning whose alert gets worse than the declined level
  is drafted again (a worse episode needs a new decision).
- Once published, an automatic policy's warning follows its alert without another approval: an **Update** when
  the alert's level rises (a worse AQI category, warning → critical), with the texts drafted anew for the new
  level — holding back news that a published warning got worse would leave the public with the milder message;
  a **Cancel** when the alert ends by its figure (back to normal for long enough). When a person resolves the
  alert instead, the Cancel is a draft waiting for approval (resolving is a wall action; lifting a public warning
  is an approver's). A policy that is not automatic (health) publishes nothing by itself: its Updates (worse
  level, renewal) and Cancel are drafts waiting for a person holding the choose permission.
- A warning whose alert ends before it was approved is withdrawn, never published. A level that falls while the
  alert lasts sends nothing.
- Drafted texts carry the alert's figures only when the indicator's figures are public (`public_indicators`, the
  rule of every public surface); otherwise (the fever-clinic alarm: counts and the CUSUM score are important
  data) words only.
- Every step (draft, approve, decline, withdraw, each message) is in the audit trail on the alert and on the
  warning.
- Messages are status "Exercise" with a note saying so while the city's data is simulated (CITYOPS_SIMULATE, the
  embedded demo), so no aggregator takes the demo city's episodes for real ones; "Actual" otherwise.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_can_access_region
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.indicators.models import Alert
from apps.indicators.registry import Indicator, PublicWarningPolicy, get_indicator, indicators, public_indicators
from apps.regions.models import Region
from apps.warnings.cap import CAP_NS, CapAlert, CapArea, CapInfo, cap_xml
from apps.warnings.geo import cap_geocodes, cap_polygons
from apps.warnings.models import DECLINE_REASON_MAX, CapMessage, MsgType, PublicWarning

logger = logging.getLogger(__name__)

APPROVE = "warnings.approve_publicwarning"
WARNING_WAITING = "warning.waiting"  # the notification's event
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


def figures_public(indicator: Indicator) -> bool:
    """Whether the indicator's figures may be published as they are (the one rule of every public surface)."""
    return any(i.code == indicator.code for i in public_indicators())


def breach_since(alert: Alert) -> datetime:
    """When the figure crossed its limit, if the alert records it (`breach_since`), else when the alert opened."""
    recorded = (alert.details or {}).get("breach_since")
    try:
        return datetime.fromisoformat(recorded) if recorded else alert.opened_at
    except (TypeError, ValueError):
        return alert.opened_at


def _sentence_zh(text: str) -> str:
    """A Chinese sentence ending with its full stop "。"."""
    text = text.strip().rstrip(".;；,，")
    return text if not text or text.endswith(("。", "！", "？")) else f"{text}。"


def _sentence_en(text: str) -> str:
    """An English sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _public_words(texts: WarningTexts) -> WarningTexts:
    """The drafted texts in the public's words: "告警" is the command center's internal alert, never said to the
    public (a phrase drawn from an indicator or its explanation may hold it)."""
    return WarningTexts(**{n: getattr(texts, n).replace("告警", "预警") for n in WarningTexts.FIELDS})


def warning_texts_draft(alert: Alert) -> WarningTexts:
    """The texts a draft starts from, from the alert (no one's personal data is in an alert); its figures and
    explanation only when the indicator's figures are public, words only otherwise."""
    indicator, policy = _policy_of(alert)
    region, level = _region_of(alert), warning_level(alert, policy)
    name_en = region.name_en or region.name_zh
    advice = policy.advice(alert.value) if policy.advice else None
    headlines = {
        "headline_zh": f"{region.name_zh}{policy.event_zh}预警：{level.zh}",
        "headline_en": f"{policy.event_en} warning for {name_en}: {level.en}",
        "instruction_zh": _sentence_zh(advice[0]) if advice else "",
        "instruction_en": _sentence_en(advice[1]) if advice else "",
    }
    if not figures_public(indicator):
        return _public_words(
            WarningTexts(
                description_zh=f"{region.name_zh}{indicator.name_zh}处于{level.zh}级别：{policy.event_zh}。",
                description_en=f"{policy.event_en} in {name_en}: the {indicator.name_en.lower()} is at its "
                f"{level.en.lower()} level.",
                **headlines,
            )
        )
    value = _number(alert.value, indicator.decimals)
    since = timezone.localtime(breach_since(alert))
    explained = (alert.details or {}).get("explanation") or {}
    description_zh = (
        f"{region.name_zh}{indicator.name_zh}为 {value}（{level.zh}），自{since.month}月{since.day}日 {since:%H:%M}"
        "起超过预警值。" + (f"{_sentence_zh(explained['zh'])}" if explained.get("zh") else "")
    )
    description_en = (
        f"The {indicator.name_en.lower()} in {name_en} is {value} ({level.en.lower()}), above its limit since "
        f"{since.day} {since:%b %H:%M}." + (f" {_sentence_en(explained['en'])}" if explained.get("en") else "")
    )
    return _public_words(WarningTexts(description_zh=description_zh, description_en=description_en, **headlines))


def _require(user: Any, warning_region_id: int, *permissions: str) -> None:
    """PermissionDenied unless the user holds every permission and sees the region."""
    if not all(user.has_perm(p) for p in permissions if p) or not user_can_access_region(
        user=user, region_id=warning_region_id
    ):
        raise PermissionDenied


def _log(warning: PublicWarning, action: str, *, user: Any = None, data: dict[str, Any]) -> None:
    """One step of the warning, in the audit trail of its alert and of the warning itself."""
    log_action(warning.alert, action, user=user, data={"warning": warning.pk, **data})
    log_action(warning, action, user=user, data={"alert": warning.alert_id, **data})


def _texts_set(warning: PublicWarning, texts: WarningTexts) -> None:
    for name in WarningTexts.FIELDS:
        setattr(warning, name, getattr(texts, name))


def _draft(alert: Alert, *, chosen_by: Any = None) -> PublicWarning:
    _indicator, policy = _policy_of(alert)
    texts = warning_texts_draft(alert)
    warning = PublicWarning.objects.create(
        alert=alert,
        region=_region_of(alert),
        indicator=alert.indicator,
        level=warning_level(alert, policy).rank,
        chosen_by=chosen_by,
        draft_type=MsgType.ALERT,
        **{name: getattr(texts, name) for name in WarningTexts.FIELDS},
    )
    _log(warning, "warnings.warning.draft", user=chosen_by, data={"msg_type": MsgType.ALERT, "level": warning.level})
    _notify_waiting(warning, redrafted=False)
    return warning


def approvers_of(warning: PublicWarning) -> list[Any]:
    """The people who may decide the warning: APPROVE (and a chosen policy's choose permission), its region in
    their scope, active."""
    from django.contrib.auth import get_user_model

    needed = [p for p in (APPROVE, _choose_permission(warning)) if p]
    people = get_user_model().objects.with_perm(APPROVE, include_superusers=False).filter(is_active=True)
    return [
        user
        for user in people
        if all(user.has_perm(p) for p in needed) and user_can_access_region(user=user, region_id=warning.region_id)
    ]


def _notify_waiting(warning: PublicWarning, *, redrafted: bool) -> None:
    """Tell the approvers in scope through the notification centre that a draft waits (or was drafted anew). A
    notification that cannot be made never undoes the draft (the approvers' page and its count still show it)."""
    from apps.notifications.services import notify

    link = reverse("warnings:review", args=[warning.pk])
    kind_zh, kind_en = ("公共预警草稿已更新，待审批", "Public warning redrafted, waiting for approval") if redrafted \
        else ("公共预警待审批", "Public warning waiting for approval")  # fmt: skip
    try:
        with transaction.atomic():
            notify(
                users=approvers_of(warning),
                event=WARNING_WAITING,
                title_zh=f"{kind_zh}：{warning.headline_zh}",
                title_en=f"{kind_en}: {warning.headline_en}",
                link=link,
                group_key=f"warning:{warning.pk}",
            )
    except Exception:
        logger.exception("approvers of public warning %s could not be notified", warning.pk)


def _redraft(warning: PublicWarning, msg_type: str, *, level: int | None = None) -> PublicWarning:
    """The warning waits again for approval, its texts drafted for `msg_type` (and the alert's level now)."""
    _indicator, policy = _policy_of(warning.alert)
    if msg_type == MsgType.CANCEL:
        _texts_set(warning, _cancel_texts(warning))
    elif level is not None:
        _texts_set(warning, warning_texts_draft(warning.alert))
        warning.level = level
    warning.state, warning.draft_type = W.PENDING, msg_type
    warning.save()
    _log(warning, "warnings.warning.draft", data={"msg_type": msg_type, "level": warning.level})
    _notify_waiting(warning, redrafted=True)
    return warning


def _choose_permission(warning: PublicWarning) -> str:
    found = warning_policy(warning.alert)
    return found[1].choose_permission if found and not found[1].automatic else ""


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


def _waiting(warning: PublicWarning, verb: str) -> PublicWarning:
    """The warning locked, or ApplicationError when it is not waiting for approval."""
    warning = PublicWarning.objects.select_for_update().select_related("alert", "region").get(pk=warning.pk)
    if warning.state != W.PENDING:
        message = (
            _("this warning is %(state)s: only one waiting for approval can be approved")
            if verb == "approve"
            else _("this warning is %(state)s: only one waiting for approval can be declined")
        )
        raise ApplicationError(message % {"state": warning.get_state_display()}, fields={"state": [warning.state]})
    return warning


def _level_current(warning: PublicWarning, shown_level: int | None) -> None:
    """ApplicationError when the draft is not the one the approver saw, or its alert got worse since drafted."""
    _indicator, policy = _policy_of(warning.alert)
    worse = warning_level(warning.alert, policy).rank > warning.level
    if worse or (shown_level is not None and shown_level != warning.level):
        raise ApplicationError(
            _("the alert's level changed since this page was drawn: review the new draft and approve again"),
            fields={"level": [str(warning.level)]},
        )


@transaction.atomic
def warning_approve(
    *, warning: PublicWarning, user: Any, texts: WarningTexts, shown_level: int | None = None
) -> CapMessage:
    """Publish a waiting warning's draft with the texts the person approved (edited or as drafted): its first
    message (Alert), or the Update or Cancel that waits. Needs APPROVE (and the choose permission for a chosen
    warning) and the region in the user's scope: PermissionDenied otherwise. ApplicationError, nothing changed,
    when it is not waiting, its alert has ended (but for a Cancel), its alert got worse than the draft, or
    `shown_level` (the level the approver's page showed) is not the draft's. Audited on the alert and the warning
    (which texts were edited, not the texts)."""
    _require(user, warning.region_id, APPROVE, _choose_permission(warning))
    warning = _waiting(warning, "approve")
    cancel = warning.draft_type == MsgType.CANCEL
    if warning.alert.status == Alert.Status.RESOLVED and not cancel:
        raise ApplicationError(_("this alert has ended: there is nothing to warn of"), fields={"alert": ["resolved"]})
    if not cancel:
        _level_current(warning, shown_level)
    edited = [name for name in WarningTexts.FIELDS if getattr(warning, name) != getattr(texts, name)]
    _texts_set(warning, texts)
    warning.state = W.ENDED if cancel else W.PUBLISHED
    warning.decided_at, warning.decided_by = timezone.now(), user
    warning.save()
    message = _message_publish(warning, warning.draft_type)
    _log(warning, "warnings.warning.approve", user=user, data={"identifier": message.identifier, "edited": edited})
    return message


@transaction.atomic
def warning_decline(*, warning: PublicWarning, user: Any, reason: str) -> PublicWarning:
    """Decide a waiting draft is not published. Same permissions as approving (the choose permission too for a
    chosen warning). A declined first draft leaves the warning declined (drafted again if its alert gets worse
    than the declined level); a declined Update leaves the published warning as it was published; a declined
    Cancel leaves it to expire. `reason` (a short why) is required: ApplicationError without one. Kept on the
    warning and audited on the alert and the warning."""
    _require(user, warning.region_id, APPROVE, _choose_permission(warning))
    reason = " ".join((reason or "").split())[:DECLINE_REASON_MAX]
    if not reason:
        raise ApplicationError(_("Say in a few words why it is not published."), fields={"reason": ["required"]})
    warning = _waiting(warning, "decline")
    last = warning.messages.exclude(msg_type=MsgType.CANCEL).order_by("-sent", "-id").first()
    if last is not None:
        _texts_set(warning, _texts_of_message(last))  # the texts stand as last published
    published = last is not None and warning.draft_type == MsgType.UPDATE
    warning.state = W.PUBLISHED if published else W.DECLINED
    warning.decided_at, warning.decided_by, warning.decline_reason = timezone.now(), user, reason
    warning.save()
    _log(warning, "warnings.warning.decline", user=user, data={"msg_type": warning.draft_type, "reason": reason})
    return warning


def _texts_of_message(message: CapMessage) -> WarningTexts:
    """The headline, description and instruction of a published message, as published."""
    ns = {"cap": CAP_NS}
    # Our own document, built by cap_xml and parsed before it was stored (no DTD, no entities): not untrusted input.
    zh, en = ET.fromstring(message.xml).findall("cap:info", ns)[:2]  # noqa: S314
    found = {}
    for suffix, info in (("zh", zh), ("en", en)):
        for tag in ("headline", "description", "instruction"):
            found[f"{tag}_{suffix}"] = info.findtext(f"cap:{tag}", default="", namespaces=ns)
    return WarningTexts(**found)


@dataclass(frozen=True)
class WarningSummary:
    """What an approver must know besides the texts: what would go out if approved now, and the alert's evidence."""

    msg_type: str
    level: Level
    cap_severity: str
    area: str
    effective: datetime
    expires: datetime
    exercise: bool
    value: str  # the alert's current figure ("–" when it has none)
    threshold: str
    verification: str  # the alert's verification on site, in words


def warning_summary(warning: PublicWarning) -> WarningSummary:
    """The facts of the message approval would publish now, and the state of the evidence behind it."""
    indicator, policy = _policy_of(warning.alert)
    alert = warning.alert
    now = timezone.now().replace(microsecond=0)
    cancel = warning.draft_type == MsgType.CANCEL
    if alert.verdict:
        verification = _("checked on site: %(verdict)s") % {"verdict": alert.get_verdict_display()}
    elif alert.verification_requested_at:
        verification = _("sent for verification on site, no verdict yet")
    else:
        verification = _("not checked on site")
    return WarningSummary(
        msg_type=warning.draft_type,
        level=warning_level(alert, policy),
        cap_severity="Minor" if cancel else CAP_SEVERITY[Alert.Severity(alert.severity)],
        area=warning.region.name,
        effective=now,
        expires=now + policy.expires_after,
        exercise=cap_status() == "Exercise",
        value=_number(alert.value, indicator.decimals),
        threshold=_number(alert.threshold, indicator.decimals),
        verification=verification,
    )


# --- Following the alert ---------------------------------------------------------------------------------


@transaction.atomic
def warning_follow(*, alert: Alert) -> CapMessage | PublicWarning | None:
    """Bring an alert's warning up to date: draft it (automatic policy, severity reached), redraft a waiting or
    declined one whose alert got worse, withdraw a waiting one whose alert ended, and for a published one an
    Update (level rose, or its last message is about to expire) or a Cancel (alert ended) — published at once
    for an automatic policy (a Cancel only when the alert ended by its figure), else drafted for approval.
    Returns what it made, None when nothing was due. Idempotent."""
    found = warning_policy(alert)
    if found is None:
        return None
    _indicator, policy = found
    # The alert's row is locked first: the listener (at once) and the periodic task (every 30 s) may follow the same
    # alert at the same moment, and one draft, one Update per level and one Cancel must come of it.
    alert = Alert.objects.select_for_update(of=("self",)).select_related("region").get(pk=alert.pk)
    warning = PublicWarning.objects.select_for_update().filter(alert=alert).first()
    ended = alert.status == Alert.Status.RESOLVED
    if warning is None:
        reached = SEVERITY_RANK[Alert.Severity(alert.severity)] >= SEVERITY_RANK[Alert.Severity(policy.min_severity)]
        return _draft(alert) if policy.automatic and reached and not ended else None
    warning.alert = alert
    level = warning_level(alert, policy).rank
    if warning.state == W.PENDING:
        return _follow_waiting(warning, ended=ended, level=level)
    if warning.state == W.DECLINED and not ended and level > warning.level:
        return _redraft(warning, MsgType.UPDATE if warning.messages.exists() else MsgType.ALERT, level=level)
    if warning.state != W.PUBLISHED:
        return None
    if ended:
        if policy.automatic and alert.resolved_by_id is None:  # the episode ended by its figure
            warning.state = W.ENDED
            _texts_set(warning, _cancel_texts(warning))
            warning.save()
            return _message_publish(warning, MsgType.CANCEL)
        return _redraft(warning, MsgType.CANCEL)
    if level > warning.level:
        if not policy.automatic:
            return _redraft(warning, MsgType.UPDATE, level=level)
        _texts_set(warning, warning_texts_draft(alert))
        warning.level = level
        warning.save()
        return _message_publish(warning, MsgType.UPDATE)
    last = warning.messages.order_by("-sent", "-id").first()
    if last is not None and timezone.now() >= last.sent + policy.expires_after - RENEW_BEFORE:
        if not policy.automatic:
            return _redraft(warning, MsgType.UPDATE)  # the same texts, for a person to renew
        return _message_publish(warning, MsgType.UPDATE)  # still on: renewed before it expires
    return None


def _follow_waiting(warning: PublicWarning, *, ended: bool, level: int) -> PublicWarning | None:
    """A waiting draft follows its alert: withdrawn (first draft) or turned into a Cancel when the alert ended;
    drafted anew for a worse level."""
    if ended and warning.draft_type == MsgType.ALERT:
        warning.state = W.WITHDRAWN
        warning.save()
        _log(warning, "warnings.warning.withdraw", data={})
        return warning
    if ended and warning.draft_type == MsgType.UPDATE:
        return _redraft(warning, MsgType.CANCEL)
    if not ended and warning.draft_type != MsgType.CANCEL and level > warning.level:
        return _redraft(warning, warning.draft_type, level=level)
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
    # A declined warning is followed while its alert lasts: a worse level drafts it again.
    followed = PublicWarning.objects.filter(
        Q(state__in=[W.PENDING, W.PUBLISHED]) | Q(state=W.DECLINED, alert__resolved_at__isnull=True)
    ).select_related("alert")
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
    """Build, store and audit one CAP message of the warning, with its texts as they stand; earlier ones are its
    references. ApplicationError when the document would not parse as XML: nothing is stored then (a message is
    never changed, so a broken one could never be mended)."""
    now = (now or timezone.now()).replace(microsecond=0)
    _indicator, policy = _policy_of(warning.alert)
    earlier = list(warning.messages.order_by("sent", "id"))
    # Unique per sender across databases too (a re-seeded demo starts its ids again): the time, then the ids.
    identifier = f"cityops-{timezone.localtime(now):%Y%m%d%H%M%S}-{warning.pk}-{len(earlier) + 1}"
    cancel = msg_type == CapMessage.MsgType.CANCEL
    status = cap_status()
    texts = WarningTexts(**{name: getattr(warning, name) for name in WarningTexts.FIELDS})
    severity = "Minor" if cancel else CAP_SEVERITY[Alert.Severity(warning.alert.severity)]
    region = warning.region
    area = (region.name_zh, region.name_en or region.name_zh)
    polygons, geocodes = cap_polygons(region.geometry), cap_geocodes(region.code)
    # The warning's own public page, at its first message's identifier (one address for the warning's life).
    key = earlier[0].identifier if earlier else identifier
    web = settings.CITYOPS_PUBLIC_URL.rstrip("/") + reverse("warnings:public", args=[key])
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
    xml = cap_xml(document)
    try:
        ET.fromstring(xml)  # noqa: S314  (the document cap_xml just built: no DTD, no entities)
    except ET.ParseError as error:
        logger.error("CAP message %s of warning %s is not well-formed XML: %s", identifier, warning.pk, error)
        raise ApplicationError(
            _("this message would not be valid XML (a character that cannot be published?): nothing was published"),
            fields={"texts": ["xml"]},
        ) from error
    message = CapMessage.objects.create(
        warning=warning,
        identifier=identifier,
        msg_type=msg_type,
        status=status,
        sent=now,
        severity=severity,
        headline_zh=texts.headline_zh,
        headline_en=texts.headline_en,
        xml=xml,
    )
    _log(warning, f"warnings.message.{msg_type.lower()}", data={"identifier": identifier, "status": status})
    return message


def _cancel_texts(warning: PublicWarning) -> WarningTexts:
    indicator, policy = _policy_of(warning.alert)
    region = warning.region
    name_en = region.name_en or region.name_zh
    return WarningTexts(
        headline_zh=f"{region.name_zh}{policy.event_zh}预警解除",
        headline_en=f"{policy.event_en} warning for {name_en} lifted",
        description_zh=f"{region.name_zh}{policy.event_zh}预警解除：此前发布的预警不再生效。",
        description_en=f"The {policy.event_en.lower()} warning issued earlier for {name_en} is lifted.",
        instruction_zh="",
        instruction_en="",
    )
