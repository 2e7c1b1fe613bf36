"""The review of 2026-12-07 (/tmp/review-cap-attack.md) made tests: health warnings publish nothing by themselves
and carry no important figures, a waiting draft follows its alert, a decline holds only for the level declined, a
person's resolve waits for approval to lift a warning, and every step is audited on the alert and the warning."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from apps.core.errors import ApplicationError
from apps.core.models import AuditLog
from apps.indicators.alerting import alert_raise, alert_transition
from apps.indicators.models import Alert
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import (
    warning_approve,
    warning_choose,
    warning_decline,
    warning_follow,
    warnings_follow_all,
)
from tests.warnings.conftest import aqi_minutes
from tests.warnings.test_cap import texts_of

EXPLANATION = {
    "zh": "昨日发热门诊 88 人次，预期 121（-27%）",
    "en": "88 fever-clinic visits yesterday, 121 expected (-27%)",
}


def fever(region, severity, value):
    """A fever-clinic alarm (the CUSUM score), with fever_explain's counts in its details, as the live tick has."""
    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity=severity,
        indicator="healthcare.fever_signal",
        region=region,
        value=value,
        threshold=3.0 if severity == Alert.Severity.WARNING else 5.0,
        title_zh="西区：发热门诊预警",
        title_en="West District: Fever-clinic alarm",
        details={"explanation": EXPLANATION},
    )
    return alert


def all_texts(warning) -> str:
    return " ".join(getattr(warning, n) for n in texts_of(warning).FIELDS)


def test_a_health_draft_holds_words_only_not_the_important_counts_or_score(city, approvers):
    # given a fever-clinic alarm at CUSUM 4.2 with yesterday's visit counts in its explanation
    alert = fever(city["W"], Alert.Severity.WARNING, 4.2)

    # when the health official chooses to draft a warning
    warning = warning_choose(alert=alert, user=approvers["health"])

    # then no figure at all: the counts and the score are important data
    assert re.search(r"\d", all_texts(warning)) is None
    assert warning.description_en == (
        "Rise in fever cases in West District: the fever-clinic alarm is at its warning level."
    )
    assert warning.description_zh == "西区发热门诊预警处于预警级别：发热病例增多。"


def test_a_health_warning_that_worsens_is_drafted_for_approval_not_updated_by_itself(city, approvers):
    # given a health warning published with the official's own texts
    alert = fever(city["W"], Alert.Severity.WARNING, 4.2)
    warning = warning_choose(alert=alert, user=approvers["health"])
    edited = texts_of(warning, headline_en="Rise in fever cases in West District")
    first = warning_approve(warning=warning, user=approvers["health"], texts=edited)

    # when the score reaches critical and the follow-up runs
    fever(city["W"], Alert.Severity.CRITICAL, 6.0)
    warnings_follow_all()

    # then nothing new is public; an Update waits, drafted in words for the new level
    waiting = PublicWarning.objects.get(pk=warning.pk)
    assert list(CapMessage.objects.all()) == [first]
    assert (waiting.state, waiting.draft_type, waiting.level) == ("pending", "Update", 2)
    assert waiting.headline_en == "Rise in fever cases warning for West District: severe"
    assert re.search(r"\d", all_texts(waiting)) is None
    with pytest.raises(PermissionDenied):  # the command center may not approve it
        warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    update = warning_approve(warning=waiting, user=approvers["health"], texts=texts_of(waiting))
    assert (update.msg_type, CapMessage.objects.count()) == ("Update", 2)


def test_a_health_warning_ending_by_its_figure_waits_for_approval_to_be_lifted(city, approvers):
    from apps.indicators.alerting import alert_auto_resolve

    # given a published health warning
    alert = fever(city["W"], Alert.Severity.CRITICAL, 6.0)
    warning = warning_choose(alert=alert, user=approvers["health"])
    warning_approve(warning=warning, user=approvers["health"], texts=texts_of(warning))

    # when the alarm ends by itself
    alert_auto_resolve(alert=alert, reason="back to normal")
    warnings_follow_all()

    # then a Cancel waits for the official
    waiting = PublicWarning.objects.get(pk=warning.pk)
    assert (waiting.state, waiting.draft_type, CapMessage.objects.count()) == ("pending", "Cancel", 1)


def test_declining_a_health_warning_needs_the_choose_permission(city, approvers):
    # given a chosen health draft
    alert = fever(city["W"], Alert.Severity.CRITICAL, 6.0)
    warning = warning_choose(alert=alert, user=approvers["health"])

    # when the command center (no choose permission) declines it
    with pytest.raises(PermissionDenied):
        warning_decline(warning=warning, user=approvers["command"], reason="minor")

    # then nothing changed
    assert PublicWarning.objects.get(pk=warning.pk).state == "pending"


def test_a_waiting_draft_is_drafted_anew_when_its_alert_worsens_and_the_stale_page_is_refused(
    client, episode, approvers, city
):
    # given West's draft at 130 (lightly polluted), open on an approver's page
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    shown = {
        "decision": "approve",
        "level": warning.level,
        **{n: getattr(warning, n) for n in texts_of(warning).FIELDS},
    }
    client.force_login(approvers["command"])

    # when the AQI reaches 320 (severely polluted) and the follow-up runs, then the page posts what it showed
    aqi_minutes(city["W"], [320.0] * 3)
    warnings_follow_all()
    response = client.post(f"/cap/review/{warning.pk}/", shown, HTTP_ACCEPT_LANGUAGE="en")

    # then the draft is the new level's; the stale approval is refused, the new draft shown, nothing published
    redrafted = PublicWarning.objects.get(pk=warning.pk)
    assert (redrafted.state, redrafted.level) == ("pending", 6)
    assert redrafted.headline_en == "Air pollution warning for West District: Severely polluted"
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "the alert's level changed since this page was drawn: review the new draft and approve again"
    ]
    assert response.context["form"]["headline_en"].value() == redrafted.headline_en
    assert CapMessage.objects.count() == 0


def test_approving_a_draft_older_than_its_alert_is_refused_before_the_follow_up_redrafts_it(episode, approvers, city):
    # given West's draft at 130; the AQI reached 320 and the follow-up has not run yet
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    aqi_minutes(city["W"], [320.0] * 3)

    # when the API or a script approves the drafted texts
    with pytest.raises(ApplicationError) as refused:
        warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))

    # then refused, nothing published
    assert refused.value.fields == {"level": ["3"]}
    assert (PublicWarning.objects.get(pk=warning.pk).state, CapMessage.objects.count()) == ("pending", 0)


def test_a_declined_warning_is_drafted_again_when_its_alert_gets_worse(episode, approvers, city):
    # given West's draft at 130, declined
    alert = episode()
    warnings_follow_all()
    warning = warning_decline(warning=PublicWarning.objects.get(alert=alert), user=approvers["command"], reason="minor")
    aqi_minutes(city["W"], [140.0] * 3)
    warnings_follow_all()
    assert PublicWarning.objects.get(pk=warning.pk).state == "declined"  # same level: the decision stands

    # when the episode reaches 320
    aqi_minutes(city["W"], [320.0] * 3)
    warnings_follow_all()

    # then a new decision is asked for
    again = PublicWarning.objects.get(pk=warning.pk)
    assert (again.state, again.draft_type, again.level) == ("pending", "Alert", 6)
    assert again.headline_zh == "西区空气污染预警：严重污染"


def test_a_person_resolving_the_alert_drafts_a_cancel_for_approval(
    episode, approvers, django_capture_on_commit_callbacks
):
    # given a published AQI warning, the AQI still high
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))

    # when a person resolves the alert (the listener follows at once)
    with django_capture_on_commit_callbacks(execute=True):
        alert_transition(alert=alert, action="resolve", user=approvers["command"])

    # then no all-clear is public; a Cancel waits; an approver publishes it
    waiting = PublicWarning.objects.get(pk=warning.pk)
    assert list(CapMessage.objects.values_list("msg_type", flat=True)) == ["Alert"]
    assert (waiting.state, waiting.draft_type) == ("pending", "Cancel")
    assert waiting.headline_en == "Air pollution warning for West District lifted"
    cancel = warning_approve(warning=waiting, user=approvers["command"], texts=texts_of(waiting))
    assert (cancel.msg_type, PublicWarning.objects.get(pk=warning.pk).state) == ("Cancel", "ended")


def test_a_declined_cancel_leaves_the_published_texts_and_follows_no_more(episode, approvers):
    # given a published warning whose alert a person resolved: a Cancel waits
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning, headline_en="Smog in West"))
    alert_transition(alert=alert, action="resolve", user=approvers["command"])
    warnings_follow_all()

    # when the approver declines lifting it
    warning_decline(warning=PublicWarning.objects.get(pk=warning.pk), user=approvers["command"], reason="minor")
    made = warnings_follow_all()

    # then
    after = PublicWarning.objects.get(pk=warning.pk)
    assert (after.state, after.headline_en, made, CapMessage.objects.count()) == ("declined", "Smog in West", 0, 1)


def actions_on(obj) -> list[str]:
    kind = ContentType.objects.get_for_model(obj)
    rows = AuditLog.objects.filter(target_type=kind, target_id=str(obj.pk)).order_by("id")
    return [a for a in rows.values_list("action", flat=True) if a.startswith("warnings.")]


def test_every_step_is_audited_on_the_alert_and_on_the_warning(episode, approvers, city):
    # given West's episode: drafted, declined, drafted again (worse), approved, updated, resolved, lifted
    alert = episode()
    warnings_follow_all()
    warning = warning_decline(warning=PublicWarning.objects.get(alert=alert), user=approvers["command"], reason="minor")
    aqi_minutes(city["W"], [160.0] * 3)
    warnings_follow_all()
    warning.refresh_from_db()
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    aqi_minutes(city["W"], [230.0] * 3)
    warnings_follow_all()
    alert_transition(alert=Alert.objects.get(pk=alert.pk), action="resolve", user=approvers["command"])
    warnings_follow_all()
    warning.refresh_from_db()
    warning_approve(warning=warning, user=approvers["command"], texts=texts_of(warning))
    # and East's, withdrawn before approval
    aqi_minutes(city["E"], [150.0] * 35)
    warnings_follow_all()
    east = PublicWarning.objects.get(region=city["E"])
    alert_transition(alert=east.alert, action="resolve", user=approvers["command"])
    warning_follow(alert=east.alert)

    # then each step is written on both
    steps = [
        "warnings.warning.draft",
        "warnings.warning.decline",
        "warnings.warning.draft",
        "warnings.message.alert",
        "warnings.warning.approve",
        "warnings.message.update",
        "warnings.warning.draft",
        "warnings.message.cancel",
        "warnings.warning.approve",
    ]
    assert actions_on(warning) == steps
    assert actions_on(alert) == steps
    withdrawn = ["warnings.warning.draft", "warnings.warning.withdraw"]
    assert (actions_on(east), actions_on(east.alert)) == (withdrawn, withdrawn)
