"""The public's pages: a warning's own page (the CAP `web` link) in the reader's language, in force, updated or
lifted; the index of warnings in force and the AQI page's link to it. Anonymous; only what was published."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.indicators.alerting import alert_auto_resolve
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import warning_approve, warnings_follow_all
from tests.warnings.conftest import aqi_minutes
from tests.warnings.test_cap import ATOM, NS, texts_of


def freeze(moment):
    return mock.patch("apps.warnings.selectors.timezone.now", return_value=moment)


@pytest.fixture
def published(episode, approvers, settings):
    settings.CITYOPS_PUBLIC_URL = "https://ops.example.org"
    settings.CITYOPS_SIMULATE = True  # the demo city's data: messages go out as exercises
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    message = warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    return warning, message


def test_the_cap_web_link_is_the_warnings_own_public_page_in_the_readers_language(client, published):
    warning, message = published
    web = ET.fromstring(message.xml).findtext("cap:info/cap:web", namespaces=NS)
    assert web == f"https://ops.example.org/cap/warnings/{message.identifier}/"

    zh = client.get(web.removeprefix("https://ops.example.org"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    en = client.get(web.removeprefix("https://ops.example.org"), HTTP_ACCEPT_LANGUAGE="en")

    assert zh.status_code == en.status_code == 200
    page_zh, page_en = zh.content.decode(), en.content.decode()
    for text in (warning.headline_zh, warning.description_zh, warning.instruction_zh, "西区"):  # the area by name
        assert text in page_zh
    for text in (warning.headline_en, warning.description_en, warning.instruction_en, "West District", "In force"):
        assert text in page_en
    assert warning.headline_en not in page_zh
    assert "warning-state-on" in page_zh
    # the demo's messages are exercises, said so plainly
    assert 'id="exercise-note"' in page_zh
    assert "Exercise" in page_en
    assert f"/cap/alerts/{message.identifier}.xml" in page_zh
    assert 'id="warning-map"' in page_zh  # the area outlined on the offline basemap


def test_an_update_keeps_the_address_and_a_cancel_shows_the_warning_lifted(client, published, city):
    warning, first = published
    aqi_minutes(city["W"], [250.0] * 5)  # worse: an automatic Update
    warnings_follow_all()
    update = CapMessage.objects.filter(warning=warning, msg_type="Update").get()
    web = ET.fromstring(update.xml).findtext("cap:info/cap:web", namespaces=NS)
    assert web.endswith(f"/cap/warnings/{first.identifier}/")
    assert "updated at" in client.get(f"/cap/warnings/{first.identifier}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # an Update's own identifier is not a second address of the warning
    assert client.get(f"/cap/warnings/{update.identifier}/").status_code == 404

    warning.refresh_from_db()
    alert_auto_resolve(alert=warning.alert, reason="back to normal")  # ended by its figure: the Cancel goes out
    warnings_follow_all()
    lifted = client.get(f"/cap/warnings/{first.identifier}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert CapMessage.objects.filter(warning=warning, msg_type="Cancel").exists()
    assert "Lifted at" in lifted
    assert client.get("/cap/", HTTP_ACCEPT_LANGUAGE="en").content.decode().count("/cap/warnings/") == 0


def test_the_index_and_the_aqi_page_link_the_warnings_in_force_and_drafts_stay_private(client, published, episode):
    warning, message = published
    index = client.get("/cap/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    aqi = client.get("/environment/aqi/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert f"/cap/warnings/{message.identifier}/" in index
    assert warning.headline_zh in index
    assert f"/cap/warnings/{message.identifier}/" in aqi

    # expired (its `expires` has passed): no longer in force, and its page says so
    later = timezone.now() + timedelta(days=1)
    with freeze(later):
        assert f"/cap/warnings/{message.identifier}/" not in client.get("/cap/").content.decode()
        page = client.get(f"/cap/warnings/{message.identifier}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "No longer in force" in page


def test_a_draft_has_no_public_page_and_unknown_keys_are_404(client, episode, approvers):
    episode()
    warnings_follow_all()
    assert client.get("/cap/").content.decode().count("/cap/warnings/") == 0
    assert client.get("/environment/aqi/").content.decode().count("/cap/warnings/") == 0
    assert client.get("/cap/warnings/nope/").status_code == 404


def test_the_feed_keeps_every_message_of_a_warning_in_force_and_says_each_in_both_languages(
    client, published, city, approvers, monkeypatch
):
    # given West's warning in force, and a newer one in East; the feed's newest-N is 1
    warning, first = published
    monkeypatch.setattr("apps.warnings.selectors.FEED_SIZE", 1)
    aqi_minutes(city["E"], [140.0] * 35)
    warnings_follow_all()
    east = PublicWarning.objects.get(region=city["E"])
    newer = warning_approve(warning=east, user=approvers["command"], texts=texts_of(east))

    feed = ET.fromstring(client.get("/cap/alerts.atom").content)
    ids = [e.findtext("a:id", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    summaries = [e.findtext("a:summary", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]

    assert ids == [f"https://ops.example.org/cap/alerts/{m.identifier}.xml" for m in (newer, first)]
    assert summaries[1].startswith(f"预警发布（演练）：{warning.headline_zh} | Warning issued (exercise): ")
