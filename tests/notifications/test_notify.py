from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.core import mail

from apps.notifications.models import Notification
from apps.notifications.services import notifications_digest_send, notify, preference_update

pytestmark = pytest.mark.django_db


def _storm(user: Any, times: int, capture: Any) -> list[Notification]:
    done = []
    for n in range(times):
        with capture(execute=True):
            done += notify(users=[user], event="alert.opened", title_zh=f"告警 {n}", title_en=f"Alert {n}",
                           link="/wall/", group_key="alert:threshold:traffic.congestion:critical")  # fmt: skip
    return done


def test_forty_notifications_of_one_group_are_one_row_counting_forty(cast, django_capture_on_commit_callbacks):
    user = cast["command"]

    _storm(user, 40, django_capture_on_commit_callbacks)

    rows = list(Notification.objects.filter(user=user).values("count", "title_en", "title_zh"))
    assert rows == [{"count": 40, "title_en": "Alert 39", "title_zh": "告警 39"}]


def test_a_group_older_than_the_window_starts_a_new_row(cast, clock, django_capture_on_commit_callbacks):
    user = cast["command"]
    _storm(user, 2, django_capture_on_commit_callbacks)

    clock.shift(timedelta(minutes=31))
    _storm(user, 1, django_capture_on_commit_callbacks)

    assert sorted(Notification.objects.filter(user=user).values_list("count", flat=True)) == [1, 2]


def test_a_read_group_is_not_added_to(cast, django_capture_on_commit_callbacks):
    user = cast["command"]
    _storm(user, 2, django_capture_on_commit_callbacks)
    Notification.objects.update(read_at="2026-12-02T02:00:00Z")

    _storm(user, 1, django_capture_on_commit_callbacks)

    assert sorted(Notification.objects.filter(user=user).values_list("count", flat=True)) == [1, 2]


def test_inactive_users_are_skipped_and_duplicates_collapsed(cast):
    steward = cast["steward"]
    steward.is_active = False
    steward.save()

    done = notify(users=[cast["command"], cast["command"], steward], event="deadline.step", title_zh="到期",
                  title_en="Due")  # fmt: skip

    assert [n.user_id for n in done] == [cast["command"].pk]
    assert Notification.objects.filter(user=steward).count() == 0


def test_an_email_goes_in_the_site_language_to_users_with_an_address_and_email_on(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    command, staff, steward = cast["command"], cast["staff"], cast["steward"]
    for user, address in ((command, "command@example.org"), (staff, "staff@example.org"), (steward, "")):
        user.email = address
        user.save()
    preference_update(user=staff, email=False, quiet_start=None, quiet_end=None)

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[command, staff, steward], event="deadline.step", title_zh="工单即将超时", title_en="Report due soon"
        )

    assert [(m.to, m.subject) for m in mail.outbox] == [(["command@example.org"], "CityOps：工单即将超时")]


def test_an_email_goes_in_the_language_the_user_chose(cast, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "zh-hans"
    command = cast["command"]
    command.email = "command@example.org"
    command.save()
    preference_update(user=command, email=True, quiet_start=None, quiet_end=None, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[command], event="deadline.step", title_zh="工单即将超时", title_en="Report due soon")

    assert [m.subject for m in mail.outbox] == ["CityOps: Report due soon"]


def test_a_group_gets_one_email_per_window(cast, django_capture_on_commit_callbacks):
    user = cast["command"]
    user.email = "command@example.org"
    user.save()

    _storm(user, 5, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1


@pytest.mark.clock("2026-12-02T23:30:00+08:00")
def test_quiet_hours_hold_the_email_and_a_digest_follows_when_they_end(
    cast, clock, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    user = cast["command"]
    user.email = "command@example.org"
    user.save()
    preference_update(user=user, email=True, quiet_start=time(22, 0), quiet_end=time(7, 0))
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], event="deadline.step", title_zh="一", title_en="First due")
        notify(users=[user], event="assignment.overdue", title_zh="二", title_en="Second overdue")
    held_at_night = len(mail.outbox) + notifications_digest_send()

    clock.move_to("2026-12-03T07:00:30+08:00")
    sent = notifications_digest_send()
    again = notifications_digest_send()

    assert held_at_night == 0
    assert (sent, again, len(mail.outbox)) == (1, 0, 1)
    assert mail.outbox[0].subject == "CityOps: 2 notifications"
    assert "First due" in mail.outbox[0].body
    assert "Second overdue" in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at=None).count() == 0


@pytest.mark.parametrize(
    ("start", "end", "at", "quiet"),
    [
        (time(22, 0), time(7, 0), "2026-12-02T23:30:00+08:00", True),
        (time(22, 0), time(7, 0), "2026-12-02T06:59:00+08:00", True),
        (time(22, 0), time(7, 0), "2026-12-02T07:00:00+08:00", False),
        (time(12, 0), time(14, 0), "2026-12-02T13:00:00+08:00", True),
        (time(12, 0), time(14, 0), "2026-12-02T14:30:00+08:00", False),
        (None, None, "2026-12-02T23:30:00+08:00", False),
    ],
)
def test_quiet_hours_are_read_on_the_citys_clock_and_may_span_midnight(start, end, at, quiet):
    from datetime import datetime

    from apps.notifications.models import NotificationPreference
    from apps.notifications.services import in_quiet_hours

    assert in_quiet_hours(NotificationPreference(quiet_start=start, quiet_end=end), datetime.fromisoformat(at)) is quiet


def test_a_mail_server_down_fails_nothing_and_the_mail_is_sent_later(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.notifications import services

    user = cast["command"]
    user.email = "command@example.org"
    user.save()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(services, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], event="deadline.step", title_zh="一", title_en="One")
    held = Notification.objects.get()
    monkeypatch.undo()
    sent = services.notification_email_send(notification_id=held.pk)

    assert held.emailed_at is None
    assert sent is True
    assert len(mail.outbox) == 1
