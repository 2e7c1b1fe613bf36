"""The approver's review page: what approval publishes (message type, level and CAP severity, area, times, exercise,
the alert's figure and its check on site), a decline needs a reason (kept, audited, shown), and the page after
approval shows the texts as published, who approved and when, and that an automatic Update redrafts them."""

from __future__ import annotations

import pytest

from apps.core.models import AuditLog
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.services import warnings_follow_all


@pytest.fixture
def waiting(episode, approvers):
    alert = episode()
    warnings_follow_all()
    return PublicWarning.objects.get(alert=alert)


def texts(warning):
    return {n: getattr(warning, n) for n in ("headline_zh", "headline_en", "description_zh", "description_en",
                                             "instruction_zh", "instruction_en")}  # fmt: skip


def test_the_review_page_says_what_approval_publishes_and_the_state_of_the_evidence(
    client, waiting, approvers, settings
):
    settings.CITYOPS_SIMULATE = True  # the demo city's data: an exercise
    client.force_login(approvers["command"])
    page = client.get(f"/cap/review/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="warning-summary"' in page
    assert "CAP msgType Alert" in page
    assert "Lightly polluted" in page  # the warning level
    assert "CAP severity Moderate" in page
    assert "West District" in page  # the area
    assert 'id="summary-times"' in page
    assert 'id="summary-exercise"' in page  # the demo city's data: an exercise
    assert "Approve and publish (exercise)" in page
    assert "figure 130, threshold" in page  # the alert's current figure
    assert "not checked on site" in page

    settings.CITYOPS_SIMULATE = False  # real data: no exercise note, the plain button
    real = client.get(f"/cap/review/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="summary-exercise"' not in real
    assert "Approve and publish (exercise)" not in real


def test_declining_needs_a_reason_which_is_kept_audited_and_shown(client, waiting, approvers):
    client.force_login(approvers["command"])
    url = f"/cap/review/{waiting.pk}/"

    refused = client.post(url, {"decision": "decline", "reason": "  ", **texts(waiting)}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"]
    assert PublicWarning.objects.get(pk=waiting.pk).state == "pending"

    done = client.post(url, {"decision": "decline", "reason": "Only one station, being checked", **texts(waiting)})
    assert done.status_code == 302
    warning = PublicWarning.objects.get(pk=waiting.pk)
    assert (warning.state, warning.decline_reason) == ("declined", "Only one station, being checked")
    logged = AuditLog.objects.filter(action="warnings.warning.decline").first()
    assert logged.data["reason"] == "Only one station, being checked"
    assert "Only one station, being checked" in client.get("/cap/review/").content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only one station, being checked" in page
    assert "Draft (not published)" in page
    assert "As published" not in page


def test_after_approval_the_page_shows_the_published_texts_the_approver_and_the_update_rule(client, waiting, approvers):
    client.force_login(approvers["command"])
    client.post(f"/cap/review/{waiting.pk}/", {"decision": "approve", "level": waiting.level, **texts(waiting)})
    assert CapMessage.objects.count() == 1

    page = client.get(f"/cap/review/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert waiting.instruction_zh in page
    assert waiting.instruction_en in page
    user = approvers["command"]
    assert (user.get_full_name() or user.get_username()) in page
    assert 'id="update-note"' in page
    assert f"/cap/warnings/{CapMessage.objects.get().identifier}/" in page
