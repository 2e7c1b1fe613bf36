"""Noticing a waiting draft: a count on the approvers' nav entry (their regions only), and a notification in the
notification centre to each approver in scope when a draft starts waiting or is drafted anew."""

from __future__ import annotations

import re

from apps.notifications.models import Notification
from apps.warnings.models import PublicWarning
from apps.warnings.services import warnings_follow_all
from tests.warnings.conftest import aqi_minutes


def test_the_nav_counts_the_drafts_waiting_in_the_approvers_regions(client, episode, approvers):
    episode()
    warnings_follow_all()

    client.force_login(approvers["command"])
    mine = client.get("/cap/review/").content.decode()
    client.force_login(approvers["east_command"])
    east = client.get("/cap/review/").content.decode()

    waiting = PublicWarning.objects.filter(state="pending").count()  # West's, and the city's (their mean)
    assert re.search(rf'data-nav-badge="warnings-review"[^>]*>{waiting}</span>', mine)
    assert "data-nav-badge" not in east  # West's draft is not theirs


def test_approvers_in_scope_are_notified_when_a_draft_waits_and_when_it_is_drafted_anew(episode, approvers, city):
    alert = episode()
    warnings_follow_all()
    warning = PublicWarning.objects.get(alert=alert)

    told = Notification.objects.filter(event="warning.waiting")
    assert set(told.values_list("user__username", flat=True)) >= {"command"}
    assert "east_command" not in set(told.values_list("user__username", flat=True))
    first = told.get(user=approvers["command"], group_key=f"warning:{warning.pk}")
    assert first.link == f"/cap/review/{warning.pk}/"
    assert warning.headline_zh in first.title_zh

    aqi_minutes(city["W"], [250.0] * 3)  # worse before approval: drafted anew
    warnings_follow_all()
    warning.refresh_from_db()
    again = Notification.objects.get(
        event="warning.waiting", user=approvers["command"], group_key=f"warning:{warning.pk}"
    )
    assert warning.headline_en in again.title_en
    assert again.title_en.startswith("Public warning redrafted")
