"""Reads of public warnings: the approvers' list in their scope, one warning for a user, the public messages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.selectors import regions_scope
from apps.indicators.models import Alert
from apps.indicators.registry import indicators
from apps.warnings.cap import CAP_NS
from apps.warnings.models import CapMessage, MsgType, PublicWarning

FEED_SIZE = 100  # the newest messages in the Atom index; every message stays at its own address


def warnings_for_user(*, user: Any) -> QuerySet[PublicWarning]:
    """Warnings of the regions the user sees, newest first."""
    rows = PublicWarning.objects.select_related("alert", "region", "decided_by").order_by("-created_at", "-id")
    return regions_scope(rows, user=user)


def warnings_waiting_count(user: Any) -> int:
    """How many drafts wait for this approver's decision in their regions (the nav's count; one indexed query)."""
    if not (getattr(user, "is_authenticated", False) and user.has_perm("warnings.approve_publicwarning")):
        return 0
    return regions_scope(PublicWarning.objects.filter(state=PublicWarning.State.PENDING), user=user).count()


def warning_get_for_user(*, user: Any, pk: int) -> PublicWarning | None:
    """The warning if it is in the user's scope (None also for one that does not exist)."""
    return warnings_for_user(user=user).filter(pk=pk).first()


def alerts_to_choose_for_user(*, user: Any) -> list[Alert]:
    """Unresolved alerts a person may choose to draft a warning from (policies that are not automatic), in the
    user's scope, for users holding the policy's choose permission; newest first."""
    codes = [
        i.code
        for i in indicators(include_hidden=True)
        if i.public_warning and not i.public_warning.automatic and user.has_perm(i.public_warning.choose_permission)
    ]
    if not codes:
        return []
    rows = (
        Alert.objects.filter(kind=Alert.Kind.THRESHOLD, indicator__in=codes, public_warning__isnull=True)
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("region")
    )
    return list(regions_scope(rows, user=user)[:50])


def messages_public() -> list[CapMessage]:
    """The Atom index, newest first: every message of the warnings still in force (however many newer ones there
    are: an Update's references must stay readable while the warning is on), and the newest FEED_SIZE others."""
    newest = list(CapMessage.objects.order_by("-sent", "-id")[:FEED_SIZE])
    seen = {m.pk for m in newest}
    in_force = [m for w in warnings_in_force() for m in w.messages if m.pk not in seen]
    return sorted(newest + in_force, key=lambda m: (m.sent, m.pk), reverse=True)


def message_public(*, identifier: str) -> CapMessage | None:
    return CapMessage.objects.filter(identifier=identifier).first()


# --- The public's pages: a warning's own page (the CAP `web` link) and the warnings in force ---------------


@dataclass(frozen=True)
class PublishedTexts:
    headline: str
    description: str
    instruction: str
    area: str
    effective: datetime | None
    expires: datetime | None


@dataclass(frozen=True)
class WarningPublic:
    """What the public may read of a warning: only what its messages published."""

    key: str  # the identifier of its first message: the page's address, stable for the warning's life
    messages: list[CapMessage]  # oldest first
    zh: PublishedTexts  # the latest texts that warned (not the Cancel's), as published
    en: PublishedTexts
    lifted: CapMessage | None  # the Cancel, if one was published
    exercise: bool
    expires: datetime | None  # of the latest message

    @property
    def latest(self) -> CapMessage:
        return self.messages[-1]

    @property
    def in_force(self) -> bool:
        return self.lifted is None and self.expires is not None and timezone.now() < self.expires

    @property
    def updated(self) -> bool:
        return self.in_force and self.latest.msg_type == MsgType.UPDATE


def _published_texts(message: CapMessage) -> tuple[PublishedTexts, PublishedTexts]:
    ns = {"cap": CAP_NS}
    # Our own documents, built by cap_xml and parsed before they were stored: not untrusted input.
    try:
        infos = ET.fromstring(message.xml).findall("cap:info", ns)[:2]  # noqa: S314
    except ET.ParseError:  # never stored so (cap_xml's output is parsed first); one bad row must not break a page
        infos = []
    if len(infos) < 2:
        empty = PublishedTexts(headline=message.headline, description="", instruction="", area="", effective=None,
                               expires=None)  # fmt: skip
        return empty, empty

    def when(info: ET.Element, tag: str) -> datetime | None:
        text = info.findtext(f"cap:{tag}", default="", namespaces=ns)
        return datetime.fromisoformat(text) if text else None

    zh, en = (
        PublishedTexts(
            headline=info.findtext("cap:headline", default="", namespaces=ns),
            description=info.findtext("cap:description", default="", namespaces=ns),
            instruction=info.findtext("cap:instruction", default="", namespaces=ns),
            area=info.findtext("cap:area/cap:areaDesc", default="", namespaces=ns),
            effective=when(info, "effective"),
            expires=when(info, "expires"),
        )
        for info in infos
    )
    return zh, en


def _warning_public(messages: list[CapMessage]) -> WarningPublic:
    warned = [m for m in messages if m.msg_type != MsgType.CANCEL] or messages
    zh, en = _published_texts(warned[-1])
    lifted = next((m for m in reversed(messages) if m.msg_type == MsgType.CANCEL), None)
    return WarningPublic(
        key=messages[0].identifier,
        messages=messages,
        zh=zh,
        en=en,
        lifted=lifted,
        exercise=messages[-1].status == "Exercise",
        expires=_published_texts(messages[-1])[0].expires,
    )


def warning_public(*, key: str) -> WarningPublic | None:
    """The public view of the warning whose first message is `key`; None when there is no such message (or the
    key is a later message's: one address per warning)."""
    first = CapMessage.objects.filter(identifier=key).only("warning_id").first()
    if first is None:
        return None
    messages = list(CapMessage.objects.filter(warning_id=first.warning_id).order_by("sent", "id"))
    if messages[0].identifier != key:
        return None
    return _warning_public(messages)


def warnings_in_force() -> list[WarningPublic]:
    """The warnings in force now (published, not lifted, their latest message not expired), newest first. Read
    from the warnings that may be in force (published, or with an Update or Cancel waiting): a handful."""
    candidates = PublicWarning.objects.filter(state__in=[PublicWarning.State.PUBLISHED, PublicWarning.State.PENDING])
    messages = CapMessage.objects.filter(warning__in=candidates).order_by("sent", "id")
    by_warning: dict[int, list[CapMessage]] = {}
    for message in messages:
        by_warning.setdefault(message.warning_id, []).append(message)
    found = [_warning_public(rows) for rows in by_warning.values()]
    return sorted((w for w in found if w.in_force), key=lambda w: w.latest.sent, reverse=True)
