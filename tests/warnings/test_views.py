"""The public feed and messages (anonymous, cached, Atom linking CAP), the approvers' page and API: who may approve
what, where, and what bad input does."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from apps.indicators.alerting import alert_raise
from apps.indicators.models import Alert
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import warning_approve, warning_choose, warnings_follow_all
from tests.warnings.test_cap import ATOM, NS, texts_of


@pytest.fixture
def waiting(episode, approvers):
    alert = episode()
    warnings_follow_all()
    return PublicWarning.objects.get(alert=alert)


def test_the_atom_feed_lists_every_message_linked_as_cap_and_each_link_serves_it(client, waiting, approvers, settings):
    # given a published warning; the public server's address
    settings.CITYOPS_PUBLIC_URL = "https://ops.example.org/"
    message = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))

    # when an anonymous aggregator reads the feed, then follows its link
    response = client.get("/cap/alerts.atom")
    feed = ET.fromstring(response.content)
    [entry] = feed.findall("a:entry", ATOM)
    [link] = entry.findall("a:link", ATOM)
    followed = client.get(link.get("href").removeprefix("https://ops.example.org"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    # ids and links on the public address, whatever host the request came by (Atom ids are permanent)
    assert feed.findtext("a:id", namespaces=ATOM) == "https://ops.example.org/cap/alerts.atom"
    assert feed.find("a:link[@rel='self']", ATOM).get("href") == "https://ops.example.org/cap/alerts.atom"
    assert (link.get("rel"), link.get("type")) == ("alternate", "application/cap+xml")
    assert link.get("href") == f"https://ops.example.org/cap/alerts/{message.identifier}.xml"
    assert entry.findtext("a:id", namespaces=ATOM) == f"https://ops.example.org/cap/alerts/{message.identifier}.xml"
    assert entry.findtext("a:title", namespaces=ATOM) == (
        "西区空气污染预警：轻度污染 | Air pollution warning for West District: Lightly polluted"
    )
    assert followed.status_code == 200
    assert followed["Content-Type"] == "application/cap+xml; charset=utf-8"
    assert followed.content.decode() == message.xml
    assert ET.fromstring(followed.content).findtext("cap:identifier", namespaces=NS) == message.identifier


def test_the_feed_answers_not_modified_to_a_conditional_request(client, waiting, approvers):
    warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    first = client.get("/cap/alerts.atom")

    again = client.get("/cap/alerts.atom", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_a_message_sent_in_the_same_second_is_never_hidden_by_a_304(client, episode, approvers, city):
    # given West's warning published and read by an aggregator
    from tests.warnings.conftest import aqi_minutes

    west = episode()
    aqi_minutes(city["E"], [150.0] * 35)
    warnings_follow_all()
    first_warning = PublicWarning.objects.get(region=city["W"])
    second_warning = PublicWarning.objects.get(region=city["E"])
    warning_approve(warning=first_warning, user=approvers["command"], texts=texts_of(first_warning))
    seen = client.get("/cap/alerts.atom")

    # when East's is published (in the same second, or in any: a Last-Modified of whole seconds would say 304 to
    # an If-Modified-Since at or after it)
    second = warning_approve(warning=second_warning, user=approvers["command"], texts=texts_of(second_warning))
    again = client.get("/cap/alerts.atom", HTTP_IF_NONE_MATCH=seen["ETag"])
    by_date = client.get("/cap/alerts.atom", HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")

    # then both conditional requests get the feed, with the new message
    assert west.pk == first_warning.alert_id
    assert (again.status_code, by_date.status_code) == (200, 200)
    assert "Last-Modified" not in again
    assert again["ETag"] != seen["ETag"]
    assert second.identifier in again.content.decode()


def test_an_unknown_or_malformed_identifier_is_404(client, db):
    assert client.get("/cap/alerts/nope-1.xml").status_code == 404
    assert client.get("/cap/alerts/a%20b.xml").status_code == 404


def test_a_draft_is_not_in_the_feed(client, waiting):
    feed = ET.fromstring(client.get("/cap/alerts.atom").content)
    assert feed.findall("a:entry", ATOM) == []


def test_the_approver_sees_both_languages_and_publishes_from_the_page(client, waiting, approvers):
    client.force_login(approvers["command"])
    listing = client.get("/cap/review/")
    page = client.get(f"/cap/review/{waiting.pk}/")

    response = client.post(f"/cap/review/{waiting.pk}/", {
        "decision": "approve", "headline_zh": "西区空气污染", "headline_en": "Air pollution in West District",
        "description_zh": waiting.description_zh, "description_en": waiting.description_en,
        "instruction_zh": waiting.instruction_zh, "instruction_en": waiting.instruction_en,
    })  # fmt: skip

    assert listing.status_code == 200
    assert f'data-warning="{waiting.pk}"' in listing.content.decode()
    assert waiting.headline_zh in page.content.decode()
    assert waiting.description_en in page.content.decode()
    assert (response.status_code, response["Location"]) == (302, "/cap/review/")
    assert CapMessage.objects.get().headline_zh == "西区空气污染"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"headline_en": ""}, "headline_en"),
        ({"headline_zh": "字" * 141}, "headline_zh"),
        ({"description_en": "Call 13912345678 for masks"}, "description_en"),
        ({"decision": "publish-twice"}, "decision"),
    ],
    ids=["empty", "too long", "personal data", "unknown decision"],
)
def test_malformed_approval_re_renders_the_form_with_400_and_publishes_nothing(
    client, waiting, approvers, change, field
):
    client.force_login(approvers["command"])
    data = {"decision": "approve", **{n: getattr(waiting, n) for n in texts_of(waiting).FIELDS}, **change}

    response = client.post(f"/cap/review/{waiting.pk}/", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert (PublicWarning.objects.get(pk=waiting.pk).state, CapMessage.objects.count()) == ("pending", 0)


@pytest.mark.parametrize("who", ["officer", "staff", "steward"])
def test_staff_without_the_permission_cannot_approve(client, waiting, approvers, who):
    client.force_login(approvers[who])

    page = client.post(f"/cap/review/{waiting.pk}/", {"decision": "approve"})
    api = client.post(f"/api/v1/warnings/{waiting.pk}/approve", data="{}", content_type="application/json")

    assert (page.status_code, api.status_code) == (403, 403)
    assert (PublicWarning.objects.get(pk=waiting.pk).state, CapMessage.objects.count()) == ("pending", 0)


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(client, waiting):
    page = client.get(f"/cap/review/{waiting.pk}/")
    api = client.post(f"/api/v1/warnings/{waiting.pk}/approve", data="{}", content_type="application/json")

    assert (page.status_code, page["Location"].split("?")[0]) == (302, "/accounts/login/")
    assert api.status_code in (401, 403)
    assert CapMessage.objects.count() == 0


def test_another_regions_approver_neither_sees_nor_approves_it(client, waiting, approvers):
    # given an approver narrowed to East; the warning is West's
    client.force_login(approvers["east_command"])

    listing = client.get("/cap/review/")
    page = client.post(f"/cap/review/{waiting.pk}/", {"decision": "approve"})
    api = client.post(f"/api/v1/warnings/{waiting.pk}/approve", data="{}", content_type="application/json")

    assert f'data-warning="{waiting.pk}"' not in listing.content.decode()
    assert (page.status_code, api.status_code) == (404, 404)
    assert (PublicWarning.objects.get(pk=waiting.pk).state, CapMessage.objects.count()) == ("pending", 0)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # the service itself refuses too
        warning_approve(warning=waiting, user=approvers["east_command"], texts=texts_of(waiting))


def test_the_api_approves_with_the_drafted_texts_and_refuses_a_second_time(client, waiting, approvers):
    client.force_login(approvers["command"])

    first = client.post(f"/api/v1/warnings/{waiting.pk}/approve", data=json.dumps({"headline_en": "Smog in West"}),
                        content_type="application/json")  # fmt: skip
    second = client.post(f"/api/v1/warnings/{waiting.pk}/approve", data="{}", content_type="application/json")

    message = CapMessage.objects.get()
    assert first.status_code == 200
    assert first.json()["identifier"] == message.identifier
    assert first.json()["url"] == f"http://testserver/cap/alerts/{message.identifier}.xml"
    assert message.headline_en == "Smog in West"
    assert second.status_code == 400
    assert CapMessage.objects.count() == 1


def test_the_api_refuses_personal_data_with_400(client, waiting, approvers):
    client.force_login(approvers["command"])

    response = client.post(f"/api/v1/warnings/{waiting.pk}/approve",
                           data=json.dumps({"instruction_en": "Ask Zhang at zhang@example.com"}),
                           content_type="application/json")  # fmt: skip

    assert response.status_code == 400
    assert "instruction_en" in response.json()["errors"]
    assert CapMessage.objects.count() == 0


# --- Health: never automatic ------------------------------------------------------------------------------


def fever_alarm(region):
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity=Alert.Severity.CRITICAL,
        indicator="healthcare.fever_signal",
        region=region,
        value=6.0,
        threshold=5.0,
        title_zh="西区：发热门诊预警",
        title_en="West District: Fever-clinic alarm",
    )
    return alert


def test_a_fever_clinic_alarm_is_never_drafted_by_itself(city, approvers):
    fever_alarm(city["W"])

    warnings_follow_all()

    assert PublicWarning.objects.count() == 0


def test_only_a_health_official_may_choose_to_draft_a_health_warning(client, city, approvers):
    # given a fever alarm; the command center may approve but not choose
    alert = fever_alarm(city["W"])
    client.force_login(approvers["command"])
    refused = client.post(f"/cap/choose/{alert.pk}/")
    assert (refused.status_code, PublicWarning.objects.count()) == (403, 0)

    # when the health official chooses to
    client.force_login(approvers["health"])
    listing = client.get("/cap/review/")
    chosen = client.post(f"/cap/choose/{alert.pk}/")

    # then a draft waits; the command center cannot approve it either, the official can
    warning = PublicWarning.objects.get()
    assert f'data-alert="{alert.pk}"' in listing.content.decode()
    assert (chosen.status_code, chosen["Location"]) == (302, f"/cap/review/{warning.pk}/")
    assert (warning.state, warning.chosen_by) == ("pending", approvers["health"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    message = warning_approve(warning=warning, user=approvers["health"], texts=texts_of(warning))
    assert ET.fromstring(message.xml).find("cap:info/cap:category", NS).text == "Health"


def test_choosing_an_automatic_alert_is_refused(city, approvers, episode):
    from apps.core.errors import ApplicationError

    alert = episode()

    with pytest.raises(ApplicationError):
        warning_choose(alert=alert, user=approvers["health"])
    assert PublicWarning.objects.count() == 0


def test_a_message_is_never_changed(waiting, approvers):
    message = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    message.headline_en = "changed"

    with pytest.raises(ValueError, match="never changed"):
        message.save()


def test_posting_to_a_decided_warning_changes_nothing_and_says_so(client, waiting, approvers):
    # given a warning already published
    message = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    client.force_login(approvers["command"])
    data = {"decision": "decline", **{n: getattr(waiting, n) for n in texts_of(waiting).FIELDS}}

    # when someone declines it from a stale page (in English)
    response = client.post(f"/cap/review/{waiting.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This warning is no longer waiting for approval: nothing was changed."
    ]
    assert PublicWarning.objects.get(pk=waiting.pk).state == "published"
    assert list(CapMessage.objects.all()) == [message]


# --- The review of 2026-12-07 (/tmp/review-cap-attack.md) ------------------------------------------------------

NOT_XML = ["\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0", "\x01", "\x1f", "\x0b"]


@pytest.mark.parametrize("char", NOT_XML, ids=[f"U+{ord(c):04X}" for c in NOT_XML])
def test_a_character_xml_cannot_carry_is_refused_by_the_form_and_the_api(client, waiting, approvers, char):
    client.force_login(approvers["command"])
    data = {"decision": "approve", **{n: getattr(waiting, n) for n in texts_of(waiting).FIELDS}}

    form = client.post(f"/cap/review/{waiting.pk}/", {**data, "headline_en": f"Air {char} West"})
    api = client.post(
        f"/api/v1/warnings/{waiting.pk}/approve",
        data=json.dumps({"instruction_en": f"a{char}b"}),
        content_type="application/json",
    )

    assert form.status_code == 400
    assert list(form.context["form"].errors) == ["headline_en"]
    assert api.status_code == 400
    assert list(api.json()["errors"]) == ["instruction_en"]
    assert (PublicWarning.objects.get(pk=waiting.pk).state, CapMessage.objects.count()) == ("pending", 0)


def test_a_message_that_would_not_parse_is_never_stored(waiting, approvers):
    from apps.core.errors import ApplicationError

    # when a caller of the service (not the form) gives a text with U+FFFF
    with pytest.raises(ApplicationError):
        warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting, headline_en="a\uffffb"))

    # then nothing was written: the warning still waits, no message
    waiting.refresh_from_db()
    assert (waiting.state, waiting.headline_en, CapMessage.objects.count()) == (
        "pending",
        "Air pollution warning for West District: Lightly polluted",
        0,
    )


def test_one_bad_stored_headline_does_not_break_the_feed(client, waiting, approvers):
    # given a published message, and one stored with U+FFFE in its headline (as before the fix)
    good = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    CapMessage.objects.create(
        warning=waiting,
        identifier="cityops-bad-1",
        msg_type="Update",
        status="Exercise",
        sent=good.sent,
        severity="Moderate",
        headline_zh="坏\ufffe",
        headline_en="bad\uffff",
        xml="<alert/>",
    )

    # when
    response = client.get("/cap/alerts.atom")

    # then the feed parses, both entries in it
    feed = ET.fromstring(response.content)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    assert sorted(titles) == sorted(["坏 | bad", f"{good.headline_zh} | {good.headline_en}"])


def test_head_is_answered_on_the_feed_and_the_messages(client, waiting, approvers):
    message = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))

    feed = client.head("/cap/alerts.atom")
    one = client.head(f"/cap/alerts/{message.identifier}.xml")

    assert (feed.status_code, one.status_code) == (200, 200)
    assert (feed.content, one.content) == (b"", b"")
    assert feed["ETag"] == client.get("/cap/alerts.atom")["ETag"]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Call 139 <b>1234</b> 5678", True),
        ("Call 139<!---->1234<i></i>5678 now", True),
        ("AQI 320，PM2.5 250 微克/立方米", False),
        ("<b>Stay indoors</b> from 10:30 to 18:00; AQI 320.", False),
    ],
    ids=["tags between groups", "comment and tags", "AQI figures", "markup around words and times"],
)
def test_personal_data_split_by_markup_is_refused_and_figures_are_not(client, waiting, approvers, text, refused):
    client.force_login(approvers["command"])
    data = {"decision": "approve", **{n: getattr(waiting, n) for n in texts_of(waiting).FIELDS}}

    response = client.post(f"/cap/review/{waiting.pk}/", {**data, "description_en": text})

    assert response.status_code == (400 if refused else 302)
    assert CapMessage.objects.count() == (0 if refused else 1)


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": "b"}], ids=["int", "float", "bool", "list", "object"])
def test_the_api_refuses_a_text_that_is_not_a_string(client, waiting, approvers, value):
    client.force_login(approvers["command"])

    response = client.post(
        f"/api/v1/warnings/{waiting.pk}/approve",
        data=json.dumps({"headline_en": value}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["headline_en"]
    assert (PublicWarning.objects.get(pk=waiting.pk).headline_en, CapMessage.objects.count()) == (
        "Air pollution warning for West District: Lightly polluted",
        0,
    )


def test_the_approvers_pages_are_never_cached(client, waiting, approvers):
    client.force_login(approvers["command"])

    for url in ("/cap/review/", f"/cap/review/{waiting.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(response["Cache-Control"].split(", ")), url
