"""CAP 1.2 public warnings: an AQI episode drafted, approved, updated when it worsens and cancelled when it ends;
each message checked against CAP 1.2's rules and read by an independent parser (capparser from PyPI)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import capparser

from apps.core.models import AuditLog
from apps.indicators.alerting import alert_auto_resolve, alert_transition
from apps.indicators.models import Alert
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import WarningTexts, warning_approve, warnings_follow_all
from tests.warnings.conftest import aqi_minutes

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
ALERT_ORDER = ["identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction", "addresses",
               "code", "note", "references", "incidents", "info"]  # fmt: skip
INFO_ORDER = ["language", "category", "event", "responseType", "urgency", "severity", "certainty", "audience",
              "eventCode", "effective", "onset", "expires", "senderName", "headline", "description", "instruction",
              "web", "contact", "parameter", "resource", "area"]  # fmt: skip
AREA_ORDER = ["areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"]
CATEGORIES = {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE",
              "Other"}  # fmt: skip
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")  # a zone, no fraction, no "Z"


def texts_of(warning: PublicWarning, **changes: str) -> WarningTexts:
    return WarningTexts(**{**{n: getattr(warning, n) for n in WarningTexts.FIELDS}, **changes})


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def in_order(children: list[str], order: list[str]) -> bool:
    positions = [order.index(c) for c in children]
    return positions == sorted(positions)


def check_cap(xml: str, region: Any) -> ET.Element:
    """The CAP 1.2 rules of ../shared/standards/CAP.md, asserted on one message."""
    root = ET.fromstring(xml)
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    names = [local(c.tag) for c in root]
    assert in_order(names, ALERT_ORDER)
    for required in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        assert names.count(required) == 1, required
    identifier = root.findtext("cap:identifier", namespaces=NS)
    assert identifier
    assert not set(identifier) & set(" ,<&")
    assert CAP_TIME.match(root.findtext("cap:sent", namespaces=NS) or "")
    assert root.findtext("cap:status", namespaces=NS) in {"Actual", "Exercise", "System", "Test", "Draft"}
    assert root.findtext("cap:msgType", namespaces=NS) in {"Alert", "Update", "Cancel", "Ack", "Error"}
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["zh-CN", "en-US"]
    west, south, east, north = region.bbox
    for info in infos:
        assert in_order([local(c.tag) for c in info], INFO_ORDER)
        assert info.findtext("cap:category", namespaces=NS) in CATEGORIES
        assert info.findtext("cap:urgency", namespaces=NS) in {"Immediate", "Expected", "Future", "Past", "Unknown"}
        assert info.findtext("cap:severity", namespaces=NS) in {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
        assert info.findtext("cap:certainty", namespaces=NS) in {"Observed", "Likely", "Possible", "Unlikely",
                                                               "Unknown"}  # fmt: skip
        for tag in ("event", "headline", "description", "senderName", "web"):
            assert info.findtext(f"cap:{tag}", namespaces=NS), tag
        for tag in ("effective", "expires"):
            assert CAP_TIME.match(info.findtext(f"cap:{tag}", namespaces=NS) or ""), tag
        [area] = info.findall("cap:area", NS)
        assert in_order([local(c.tag) for c in area], AREA_ORDER)
        assert area.findtext("cap:areaDesc", namespaces=NS)
        polygons = [p.text or "" for p in area.findall("cap:polygon", NS)]
        assert polygons
        for polygon in polygons:
            pairs = polygon.split(" ")
            assert len(pairs) >= 4
            assert pairs[0] == pairs[-1]
            for pair in pairs:
                lat, lon = (float(n) for n in pair.split(","))
                assert south - 1e-5 <= lat <= north + 1e-5  # latitude first
                assert west - 1e-5 <= lon <= east + 1e-5
        geocodes = [(g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS))
                    for g in area.findall("cap:geocode", NS)]  # fmt: skip
        assert ("CityOps region", region.code) in geocodes
    return root


def parsed(xml: str) -> Any:
    """capparser (PyPI) reads the message: its own element classes, every element it knows."""
    alert = capparser.parse(stringXML=xml)
    assert isinstance(alert, capparser.element.Alert)
    return alert


def test_an_aqi_episode_waits_for_approval_then_publishes_a_valid_cap_alert(episode, approvers, city, settings):
    # given the demo's simulated data; West's AQI episode (130: lightly polluted), drafted by the follow-up
    settings.CITYOPS_SIMULATE = True
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    assert (warning.state, CapMessage.objects.count()) == ("pending", 0)  # nothing public before approval
    assert warning.headline_zh == "西区空气污染预警：轻度污染"
    assert warning.headline_en == "Air pollution warning for West District: Lightly polluted"
    assert warning.instruction_en.startswith("Children, older people and people with heart or respiratory disease")

    # when the command center approves it with an edited English headline
    message = warning_approve(warning=warning, user=approvers["command"],
                              texts=texts_of(warning, headline_en="Air pollution in West District"))  # fmt: skip

    # then one Alert message, valid CAP 1.2, read the same by capparser
    root = check_cap(message.xml, city["W"])
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"  # simulated data is not a real warning
    assert "simulated data" in (root.findtext("cap:note", namespaces=NS) or "")
    assert root.find("cap:references", NS) is None
    en = root.findall("cap:info", NS)[1]
    assert en.findtext("cap:category", namespaces=NS) == "Env"
    assert en.findtext("cap:event", namespaces=NS) == "Air pollution"
    assert en.findtext("cap:headline", namespaces=NS) == "Air pollution in West District"
    assert (en.findtext("cap:urgency", namespaces=NS), en.findtext("cap:severity", namespaces=NS),
            en.findtext("cap:certainty", namespaces=NS)) == ("Immediate", "Moderate", "Observed")  # fmt: skip
    cap = parsed(message.xml)
    assert cap.identifier[0] == message.identifier
    assert cap.msgType[0] == "Alert"
    assert cap.scope[0] == "Public"
    assert [i.language[0] for i in cap.info[0]] == ["zh-CN", "en-US"]
    assert cap.info[0][1].area[0][0].areaDesc[0] == "West District"
    assert datetime.fromisoformat(cap.sent[0]) == message.sent
    warning.refresh_from_db()
    assert (warning.state, warning.decided_by, warning.headline_en) == ("published", approvers["command"],
                                                                        "Air pollution in West District")  # fmt: skip
    entry = AuditLog.objects.get(action="warnings.warning.approve", target_type__model="alert", target_id=str(alert.pk))
    assert entry.data == {"warning": warning.pk, "identifier": message.identifier, "edited": ["headline_en"]}


def test_a_worse_category_publishes_an_update_and_the_end_a_cancel_referencing_the_earlier(episode, approvers, city):
    # given a published warning at 130 (lightly polluted)
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    first = warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))

    # when the AQI rises to 230 (heavily polluted, critical), then a person resolves the alert and an approver
    # approves the Cancel drafted for it
    aqi_minutes(city["W"], [230.0] * 3)
    warnings_follow_all()
    warnings_follow_all()  # idempotent: no second update for the same level
    alert_transition(alert=Alert.objects.get(pk=alert.pk), action="resolve", user=approvers["command"])
    warnings_follow_all()
    waiting = PublicWarning.objects.get(pk=warning.pk)
    assert (waiting.state, waiting.draft_type, CapMessage.objects.count()) == ("pending", "Cancel", 2)
    warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))

    # then Alert, Update, Cancel: each valid, each referencing every earlier one
    alert_msg, update, cancel = CapMessage.objects.order_by("sent", "id")
    assert (alert_msg.msg_type, update.msg_type, cancel.msg_type) == ("Alert", "Update", "Cancel")
    assert alert_msg == first
    for message in (alert_msg, update, cancel):
        check_cap(message.xml, city["W"])
    sender = ET.fromstring(first.xml).findtext("cap:sender", namespaces=NS)
    update_root, cancel_root = ET.fromstring(update.xml), ET.fromstring(cancel.xml)
    first_sent = ET.fromstring(first.xml).findtext("cap:sent", namespaces=NS)
    update_sent = update_root.findtext("cap:sent", namespaces=NS)
    assert update_root.findtext("cap:references", namespaces=NS) == f"{sender},{first.identifier},{first_sent}"
    assert cancel_root.findtext("cap:references", namespaces=NS) == (
        f"{sender},{first.identifier},{first_sent} {sender},{update.identifier},{update_sent}"
    )
    zh = update_root.findall("cap:info", NS)[0]
    assert zh.findtext("cap:headline", namespaces=NS) == "西区空气污染预警：重度污染"
    assert zh.findtext("cap:severity", namespaces=NS) == "Severe"
    assert zh.findtext("cap:instruction", namespaces=NS).startswith("儿童、老年人和心脏病、肺病患者应停留在室内")
    en_cancel = cancel_root.findall("cap:info", NS)[1]
    assert en_cancel.findtext("cap:headline", namespaces=NS) == "Air pollution warning for West District lifted"
    assert (en_cancel.findtext("cap:urgency", namespaces=NS), en_cancel.findtext("cap:severity", namespaces=NS)) == (
        "Past", "Minor")  # fmt: skip
    assert parsed(cancel.xml).references[0] == cancel_root.findtext("cap:references", namespaces=NS)
    assert PublicWarning.objects.get(pk=warning.pk).state == "ended"


def test_an_episode_that_ends_before_approval_is_withdrawn_and_never_published(episode, approvers):
    # given a waiting draft
    alert = episode()
    warnings_follow_all()

    # when the alert is resolved before anyone approved
    alert_transition(alert=alert, action="resolve", user=approvers["command"])
    warnings_follow_all()

    # then nothing was published, and the draft can no longer be approved
    warning = PublicWarning.objects.get(alert=alert)
    assert (warning.state, CapMessage.objects.count()) == ("withdrawn", 0)


def test_real_data_is_sent_as_actual_without_a_note(episode, approvers, settings, city):
    settings.CITYOPS_SIMULATE = False
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)

    message = warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))

    root = check_cap(message.xml, city["W"])
    assert (root.findtext("cap:status", namespaces=NS), root.find("cap:note", NS)) == ("Actual", None)


def test_a_multipolygon_region_gives_one_closed_lat_lon_polygon_per_part_within_limits():
    import math

    from apps.warnings.geo import cap_polygons

    # given two islands, one with 400 vertices
    circle = [[118.0 + 0.01 * math.cos(2 * math.pi * k / 400), 32.0 + 0.01 * math.sin(2 * math.pi * k / 400)]
              for k in range(400)]  # fmt: skip
    square = [[118.1, 32.1], [118.11, 32.1], [118.11, 32.11], [118.1, 32.1]]
    geometry = {"type": "MultiPolygon", "coordinates": [[[*circle, circle[0]]], [square]]}

    # when
    polygons = cap_polygons(geometry)

    # then
    assert len(polygons) == 2
    big = polygons[0].split(" ")
    assert 4 <= len(big) <= 100
    assert big[0] == big[-1]
    assert polygons[1] == "32.10000,118.10000 32.10000,118.11000 32.11000,118.11000 32.10000,118.10000"


def test_a_warning_still_on_is_renewed_before_its_message_expires(episode, approvers, clock):
    from datetime import timedelta

    # given a published AQI warning (its messages expire after 6 hours), the episode still on at the same level
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    first = warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    warnings_follow_all()
    assert CapMessage.objects.count() == 1  # nothing new while the message stands

    # when 5 h 40 min have passed
    clock.shift(timedelta(hours=5, minutes=40))
    warnings_follow_all()

    # then an Update with the same texts, referencing the Alert
    renewal = CapMessage.objects.exclude(pk=first.pk).get()
    root = ET.fromstring(renewal.xml)
    assert (renewal.msg_type, renewal.headline_en) == ("Update", first.headline_en)
    assert root.findtext("cap:references", namespaces=NS).split(",")[1] == first.identifier


def test_the_alert_listener_drafts_at_opening_and_cancels_at_the_end_without_the_periodic_task(
    city, approvers, django_capture_on_commit_callbacks
):
    # given an AQI episode opening, the listener's work run after each commit
    with django_capture_on_commit_callbacks(execute=True):
        aqi_minutes(city["W"], [150.0] * 35)
    alert = Alert.objects.get(indicator="environment.aqi", region=city["W"])
    warning = PublicWarning.objects.get(alert=alert)  # drafted at once
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))

    # when the episode ends by its figure (back to normal long enough: the alert resolves itself)
    with django_capture_on_commit_callbacks(execute=True):
        alert_auto_resolve(alert=alert, reason="back to normal")

    # then the Cancel went out with the resolution, with no one's approval
    assert list(CapMessage.objects.order_by("id").values_list("msg_type", flat=True)) == ["Alert", "Cancel"]
    assert PublicWarning.objects.get(pk=warning.pk).state == "ended"
