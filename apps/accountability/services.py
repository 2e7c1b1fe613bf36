"""Taking a citizen's contest, grouping it, and sending a group to the field once (see models.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accountability.models import Contest, ContestGroup
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.text import clean_text
from apps.dashboards.services import ground_truth_touch
from apps.grievances.services import CODE_ALPHABET
from apps.regions.models import Region

TEXT_MAX = 1000
CONTACT_MAX = 100


@dataclass(frozen=True)
class ContestInput:
    """What a visitor sends: a figure (`indicator`) at a place (`region` code, or `lon`+`lat`), or a report
    (`report_code`); what they see; how to reach them, if they wish."""

    text: str
    indicator: str = ""
    region: str = ""
    lon: float | None = None
    lat: float | None = None
    report_code: str = ""
    contact: str = ""
    client: str = ""  # a keyed digest of the sender's connection (apps/core/clients.py client_key)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"C{raw[:3]}-{raw[3:7]}"


def _place(data: ContestInput, errors: dict[str, list[str]]) -> Region | None:
    """The region the contest is about: the one named, or the street (else the district) containing the point."""
    from apps.regions.selectors import region_for_point

    if data.region:
        region = Region.objects.select_related("parent").filter(code=data.region.strip()).first()
        if region is None:
            errors["region"] = [_("no such region")]
        while region is not None and region.level == Region.Level.COMMUNITY:  # published down to streets only
            region = region.parent
        return region
    if data.lon is None or data.lat is None:
        errors["region"] = [_("name the region, or give lat and lon")]
        return None
    if not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        errors["lat"] = [_("not a position on Earth")]
        return None
    region = region_for_point(lon=data.lon, lat=data.lat)
    while region is not None and region.level == Region.Level.COMMUNITY:
        region = region.parent
    if region is None:
        errors["lat"] = [_("this place is outside the city")]
    return region


def _contact_problems(contact: str) -> list[str]:
    from apps.grievances.services import reporter_contact_problems

    if not contact:
        return []
    if len(contact) > CONTACT_MAX:
        return [_("at most %(n)d characters") % {"n": CONTACT_MAX}]
    problems = reporter_contact_problems(name="", phone="" if "@" in contact else contact,
                                         email=contact if "@" in contact else "")  # fmt: skip
    return [m for messages in problems.values() for m in messages]


def _validated(data: ContestInput) -> tuple[str, Region | None, Any, str, str]:
    """(kind, region, report, text, contact), or ApplicationError with every problem by field."""
    from apps.grievances.models import Grievance
    from apps.grievances.selectors import tracking_code_normalize
    from apps.indicators.registry import public_indicators

    errors: dict[str, list[str]] = {}
    text, contact = clean_text(data.text).strip(), clean_text(data.contact).strip()
    if not text:
        errors["text"] = [_("say what you see")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("at most %(n)d characters") % {"n": TEXT_MAX}]
    if problems := _contact_problems(contact):
        errors["contact"] = problems
    region = report = None
    if bool(data.indicator) == bool(data.report_code):
        errors["indicator"] = [_("contest either a figure (indicator) or a report (report_code)")]
        kind = ""
    elif data.indicator:
        kind = ContestGroup.Kind.FIGURE
        if data.indicator not in {i.code for i in public_indicators()}:
            errors["indicator"] = [_("not a figure the city publishes")]
        region = _place(data, errors)
    else:
        kind = ContestGroup.Kind.RESOLUTION
        report = Grievance.objects.filter(tracking_code=tracking_code_normalize(data.report_code)).first()
        if report is None or report.status == Grievance.Status.MERGED:
            errors["report_code"] = [_("no report with this code")]
        elif report.status not in (Grievance.Status.RESOLVED, Grievance.Status.CLOSED) or report.resolved_at is None:
            errors["report_code"] = [_("this report is not marked resolved")]
        region = report.region if report is not None else None
        while region is not None and region.level == Region.Level.COMMUNITY:  # published down to streets only
            region = region.parent
    if errors:
        raise ApplicationError(_("the contest could not be taken"), fields=errors)
    return kind, region, report, text, contact


def contest_submit(*, data: ContestInput, now: datetime | None = None) -> Contest:
    """Take a contest: into the open group about the same figure and place (or report), sent to the field once the
    group is large enough (a resolution: at once)."""
    now = now or timezone.now()
    kind, region, report, text, contact = _validated(data)
    with transaction.atomic():
        group = _group_for(kind=kind, indicator=data.indicator, region=region, report=report, now=now)
        # people, not contests: one sender saying it again does not bring an officer out
        seen = not data.client or Contest.objects.filter(group=group, client=data.client).exists()
        group.contestants += 0 if data.client and seen else 1
        group.last_contest_at = now
        group.save(update_fields=["contestants", "last_contest_at", "updated_at"])
        lon = round(data.lon, 3) if data.lon is not None and data.lat is not None else None
        lat = round(data.lat, 3) if data.lon is not None and data.lat is not None else None
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    contest = Contest.objects.create(code=_new_code(), group=group, lon=lon, lat=lat, text=text,
                                                     contact=contact, client=data.client)  # fmt: skip
                break
            except IntegrityError:  # a code already taken: draw another
                continue
        else:  # pragma: no cover - 32^7 codes
            raise ApplicationError(_("the contest could not be taken"))
        if group.sent_at is None and (kind == ContestGroup.Kind.RESOLUTION
                                      or group.contestants >= settings.CITYOPS_CONTEST_THRESHOLD
                                      and not _checked_lately(group, now)):  # fmt: skip
            _send(group, now=now)
        log_action(contest, "accountability.contest.submit", data={"group": group.pk, "kind": kind})
        ground_truth_touch()  # the wall's ground-truth panel counts the contests
    return contest


def _group_for(*, kind: str, indicator: str, region: Region | None, report: Any, now: datetime) -> ContestGroup:
    """The open group this contest joins (locked), or a new one. Open: not checked yet and, while still waiting
    for enough contestants, with a contest within the window."""
    window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
    rows = ContestGroup.objects.select_for_update().filter(kind=kind)
    rows = rows.filter(grievance=report) if report is not None else rows.filter(indicator=indicator, region=region)
    for group in rows.order_by("-last_contest_at")[:5]:
        if group.sent_at is None and group.last_contest_at >= now - window:
            return group
        if group.sent_at is not None and contest_group_state(group)["state"] == "checking":
            return group  # being checked: the newcomer hears the same verdict
    return ContestGroup.objects.create(kind=kind, indicator=indicator, region=region, grievance=report,
                                       last_contest_at=now)  # fmt: skip


def _checked_lately(group: ContestGroup, now: datetime) -> bool:
    """Was the same figure in the same place checked on site within the window? Then the group waits (the panel
    shows that check), so a few people cannot send officers to the same place again and again."""
    window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
    return (
        ContestGroup.objects.filter(kind=group.kind, indicator=group.indicator, region=group.region,
                                    alert__verified_at__gte=now - window)
        .exclude(pk=group.pk)
        .exists()
    )  # fmt: skip


def _send(group: ContestGroup, *, now: datetime) -> None:
    """Once per group: a figure's group as an alert sent for verification (field work opens the assignment; the
    verdict counts for the source's trust); a resolution as an independent check by a field visit."""
    from apps.indicators.alerting import alert_raise, alert_transition
    from apps.indicators.models import Alert
    from apps.indicators.registry import get_indicator

    if group.kind == ContestGroup.Kind.RESOLUTION:
        from apps.grievances.models import ResolutionCheck

        if group.grievance is None:  # the report was erased since the first contest
            raise ApplicationError(_("no report with this code"), fields={"report_code": [_("gone")]})
        from apps.grievances.verification import resolution_check_request

        group.resolution_check = resolution_check_request(
            grievance=group.grievance, reason=ResolutionCheck.Reason.CONTEST, method=ResolutionCheck.Method.VISIT
        )
    else:
        indicator, region = get_indicator(group.indicator), group.region
        if indicator is None or region is None:  # validated when the first contest came; gone since
            raise ApplicationError(_("the contested figure is no longer published"), fields={"indicator": ["gone"]})
        area_zh, area_en = region.name_zh, region.name_en or region.name_zh
        alert, _created = alert_raise(
            kind=Alert.Kind.CONTEST, severity=Alert.Severity.WARNING, region=region, indicator=indicator.code,
            subject=f"contest:{group.pk}",
            title_zh=f"{area_zh}：{group.contestants} 位市民质疑「{indicator.name_zh}」",
            title_en=f"{area_en}: {group.contestants} citizens contest \u201c{indicator.name_en}\u201d",
            details={"contest_group": group.pk, "contestants": group.contestants}, at=now,
        )  # fmt: skip
        note = _("Citizens say the published figure does not match what they see. Does it? Confirmed: the figure "
                 "is right; contradicted: it is wrong here.")  # fmt: skip
        group.alert = alert_transition(alert=alert, action="request_verification", user=None, note=note)
    group.sent_at = now
    group.save(update_fields=["resolution_check", "alert", "sent_at", "updated_at"])
    sent = {"alert": group.alert_id, "check": group.resolution_check_id}
    log_action(group, "accountability.contest_group.send", data=sent)


def contest_group_state(group: ContestGroup) -> dict[str, Any]:
    """Where the group stands, read from its alert or check: waiting (for more contestants), checking, checked
    (with the verdict and when), or expired (the window passed without enough contestants)."""
    if group.sent_at is None:
        window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
        expired = group.last_contest_at < timezone.now() - window
        return {"state": "expired" if expired else "waiting", "verdict": None, "checked_at": None}
    if group.kind == ContestGroup.Kind.RESOLUTION:
        check = group.resolution_check
        if check is None or check.fixed is None:
            return {"state": "checking", "verdict": None, "checked_at": None}
        # the check is about the resolution: fixed confirms it, not fixed contradicts it
        return {"state": "checked", "verdict": "confirmed" if check.fixed else "contradicted",
                "checked_at": check.checked_at}  # fmt: skip
    alert = group.alert
    if alert is None or not alert.verdict:
        return {"state": "checking", "verdict": None, "checked_at": None}
    return {"state": "checked", "verdict": alert.verdict, "checked_at": alert.verified_at}


def contests_erase_personal_data(cutoff: datetime) -> int:
    """Contests sent before `cutoff` whose group is no longer open (checked, or expired without enough voices):
    the contact erased, the words masked, the position dropped (the group keeps the place and the figure)."""
    from apps.core.classification import mask_text

    window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
    done = 0
    rows = Contest.objects.filter(created_at__lt=cutoff, personal_data_erased_at__isnull=True)
    for contest in rows.select_related("group__alert", "group__resolution_check"):
        group = contest.group
        if group.sent_at is None and group.last_contest_at >= timezone.now() - window:
            continue  # still gathering voices
        if group.sent_at is not None and contest_group_state(group)["state"] == "checking":
            continue  # an officer may still need the words
        contest.contact = ""
        contest.lon = contest.lat = None
        contest.text = mask_text(contest.text)
        contest.personal_data_erased_at = timezone.now()
        contest.save(update_fields=["contact", "lon", "lat", "text", "personal_data_erased_at", "updated_at"])
        done += 1
    return done
