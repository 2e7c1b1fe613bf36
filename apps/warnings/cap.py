"""CAP 1.2 documents and the Atom index of them, built with xml.etree (never by joining strings of user text).

Pure functions over frozen dataclasses; the element order is the schema's (OASIS CAP 1.2 §3.2, ../shared/
standards/CAP.md): a CAP consumer that validates against the XSD refuses an element out of order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE",
              "Other")  # fmt: skip
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")


# Characters outside XML 1.0's Char production (C0 controls but tab and line breaks, surrogates, U+FFFE, U+FFFF).
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without characters XML 1.0 cannot carry (edited texts refuse them; this is the feed's own guard,
    so one stored headline can never make the whole index unreadable)."""
    return NOT_XML_CHAR.sub("", text)


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: local time with its zone offset, whole seconds ("2026-12-06T10:42:00+08:00"). UTC is
    written "+00:00" (CAP forbids "Z")."""
    text = timezone.localtime(moment).replace(microsecond=0).isoformat()
    return text[:-1] + "+00:00" if text.endswith("Z") else text


@dataclass(frozen=True)
class CapArea:
    description: str
    polygons: Sequence[str]  # each "lat,lon lat,lon …", closed
    geocodes: Sequence[tuple[str, str]]  # (valueName, value)


@dataclass(frozen=True)
class CapInfo:
    language: str  # "zh-CN", "en-US"
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    effective: datetime
    expires: datetime
    sender_name: str
    headline: str
    description: str
    instruction: str
    web: str
    area: CapArea


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    infos: Sequence[CapInfo]
    note: str = ""
    references: Sequence[tuple[str, str, datetime]] = ()  # (sender, identifier, sent) of earlier messages

    def __post_init__(self) -> None:
        if self.status not in STATUSES or self.msg_type not in MSG_TYPES:
            raise ValueError(f"not a CAP status / msgType: {self.status!r} / {self.msg_type!r}")
        if not self.identifier or any(c in self.identifier for c in " ,<&"):
            raise ValueError(f"a CAP identifier has no spaces, commas, < or &: {self.identifier!r}")
        for info in self.infos:
            if info.category not in CATEGORIES or info.urgency not in URGENCIES or info.severity not in SEVERITIES:
                raise ValueError(f"not a CAP category / urgency / severity in {info.language}")
            if info.certainty not in CERTAINTIES:
                raise ValueError(f"not a CAP certainty: {info.certainty!r}")


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    element.text = text
    return element


def cap_xml(alert: CapAlert) -> str:
    """The message as a CAP 1.2 XML document (UTF-8, with its declaration)."""
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", "Public")
    if alert.note:
        _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", " ".join(f"{s},{i},{cap_time(t)}" for s, i, t in alert.references))
    for info in alert.infos:
        _info(root, info)
    return _document(root, CAP_NS)


def _document(root: ET.Element, namespace: str) -> str:
    """The tree as a UTF-8 document, its namespace the default one (no prefixes: aggregators read it either way,
    people read it more easily)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode", default_namespace=namespace)


def _info(root: ET.Element, info: CapInfo) -> None:
    element = _add(root, "info", "")
    element.text = None
    _add(element, "language", info.language)
    _add(element, "category", info.category)
    _add(element, "event", info.event)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", info.certainty)
    _add(element, "effective", cap_time(info.effective))
    _add(element, "expires", cap_time(info.expires))
    _add(element, "senderName", info.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    if info.instruction:
        _add(element, "instruction", info.instruction)
    _add(element, "web", info.web)
    area = _add(element, "area", "")
    area.text = None
    _add(area, "areaDesc", info.area.description)
    for polygon in info.area.polygons:
        _add(area, "polygon", polygon)
    for name, value in info.area.geocodes:
        geocode = _add(area, "geocode", "")
        geocode.text = None
        _add(geocode, "valueName", name)
        _add(geocode, "value", value)


@dataclass(frozen=True)
class FeedEntry:
    identifier: str
    title: str
    summary: str
    sent: datetime
    msg_type: str
    url: str  # the CAP message, absolute


def atom_xml(*, feed_id: str, title: str, self_url: str, author: str, entries: Sequence[FeedEntry]) -> str:
    """An Atom 1.0 index of CAP messages, each entry linking its message as application/cap+xml (as the
    public-alert aggregators read such feeds)."""

    def add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attributes.items()})
        element.text = xml_safe(text) or None
        return element

    # Names unqualified and the namespace declared on the root: ElementTree's default_namespace refuses the
    # unqualified attribute names Atom uses (rel, type, href, term).
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    add(feed, "id", feed_id)
    add(feed, "title", title)
    add(feed, "updated", cap_time(max((e.sent for e in entries), default=timezone.now())))
    add(add(feed, "author"), "name", author)
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    for entry in entries:
        item = add(feed, "entry")
        add(item, "id", entry.url)
        add(item, "title", entry.title)
        add(item, "updated", cap_time(entry.sent))
        add(item, "published", cap_time(entry.sent))
        add(item, "summary", entry.summary)
        add(item, "category", term=entry.msg_type)
        add(item, "link", rel="alternate", type=CAP_CONTENT_TYPE, href=entry.url)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, "unicode")
