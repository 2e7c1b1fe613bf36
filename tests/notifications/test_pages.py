from __future__ import annotations

import pytest

from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.services import notify

pytestmark = pytest.mark.django_db


def _one(user, link="/wall/"):
    return notify(users=[user], event="deadline.step", title_zh="工单即将超时", title_en="Report due soon", link=link)[
        0
    ]


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [("zh-hans", "工单即将超时", "全部标为已读"), ("en", "Report due soon", "Mark all read")],
)
def test_the_centre_shows_the_users_own_notifications_in_either_language(client, cast, language, title, button):
    _one(cast["command"])
    notify(users=[cast["officer"]], event="deadline.step", title_zh="别人的", title_en="Someone else's")
    client.force_login(cast["command"])

    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE=language)

    text = page.content.decode()
    assert page.status_code == 200
    assert title in text
    assert button in text
    assert "别人的" not in text
    assert "Someone else" not in text
    assert 'class="bell-count" data-bell-count>1<' in text


def test_the_centre_needs_a_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert "/accounts/login/" in response.headers["Location"] or "login" in response.headers["Location"]


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(client, cast):
    notification = _one(cast["command"])
    client.force_login(cast["command"])

    response = client.post(f"/notifications/{notification.pk}/read/")

    assert (response.status_code, response.headers["Location"]) == (302, "/wall/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_anothers_notification_is_not_marked_and_an_outside_link_not_followed(client, cast):
    theirs = _one(cast["officer"])
    mine = _one(cast["command"], link="https://evil.example/")
    client.force_login(cast["command"])

    other = client.post(f"/notifications/{theirs.pk}/read/")
    outside = client.post(f"/notifications/{mine.pk}/read/")

    assert other.headers["Location"] == "/notifications/"
    assert outside.headers["Location"] == "/notifications/"
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read(client, cast):
    _one(cast["command"])
    notify(users=[cast["command"]], event="assignment.overdue", title_zh="二", title_en="Two")
    client.force_login(cast["command"])

    client.post("/notifications/read-all/")

    assert Notification.objects.filter(user=cast["command"], read_at=None).count() == 0


def test_preferences_are_saved(client, cast):
    client.force_login(cast["command"])

    response = client.post("/notifications/settings/", {"quiet_start": "22:00", "quiet_end": "07:00"})

    pref = NotificationPreference.objects.get(user=cast["command"])
    assert response.status_code == 302
    assert (pref.email, str(pref.quiet_start), str(pref.quiet_end)) == (False, "22:00:00", "07:00:00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "on", "quiet_start": "22:00"}, "Give both ends of the quiet hours, or neither."),
        ({"email": "on", "quiet_start": "25:99", "quiet_end": "07:00"}, "Enter a valid time."),
        ({"email": "on", "quiet_start": "07:00", "quiet_end": "07:00"}, "Quiet hours must end at another time"),
    ],
)
def test_bad_preferences_re_render_with_the_error_and_change_nothing(client, cast, data, message):
    client.force_login(cast["command"])

    response = client.post("/notifications/settings/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="' + data["quiet_start"] + '"' in response.content.decode()
    assert NotificationPreference.objects.filter(user=cast["command"], quiet_start__isnull=False).count() == 0


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "静默时段开始"), ("en", "Quiet hours from")])
def test_the_preferences_page_renders_in_either_language(client, cast, language, label):
    client.force_login(cast["command"])

    page = client.get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    assert label in page.content.decode()
