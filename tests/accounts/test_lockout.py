"""Sign-in lockout: per username after 5 failures in 15 minutes, per client address at a higher count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from apps.accounts.models import LoginThrottle
from apps.core.models import AuditLog
from tests.conftest import PASSWORD

LOCKED = "Too many failed sign-in attempts."


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        headers={"accept-language": "en"},
        REMOTE_ADDR=address,
    )


def fail(client, username, times, address="10.0.0.1"):
    return [sign_in(client, username, "wrong-password", address) for _ in range(times)]


def test_four_failures_do_not_lock_and_the_right_password_still_works(client, cast):
    # given
    fail(client, "officer", 4)

    # when
    response = sign_in(client, "officer", PASSWORD)

    # then
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(cast["officer"].pk)


def test_the_fifth_failure_locks_the_username_even_for_the_right_password(client, cast):
    # given
    responses = fail(client, "officer", 5)

    # when
    locked = sign_in(client, "officer", PASSWORD)

    # then
    assert LOCKED not in responses[3].content.decode()
    assert LOCKED in responses[4].content.decode()
    assert locked.status_code == 200
    assert LOCKED in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_an_unknown_username_locks_with_the_same_message(client, cast):
    # given
    fail(client, "nobody-here", 5)

    # when
    response = sign_in(client, "nobody-here", "whatever-password")

    # then
    assert LOCKED in response.content.decode()


def test_the_lock_ends_after_15_minutes(client, cast):
    # given
    fail(client, "officer", 5)

    # when
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = sign_in(client, "officer", PASSWORD)

    # then
    assert response.status_code == 302


def test_failures_spread_beyond_the_window_do_not_lock(client, cast):
    # given
    fail(client, "officer", 4)

    # when
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        fail(client, "officer", 1)
        response = sign_in(client, "officer", PASSWORD)

    # then
    assert response.status_code == 302


def test_a_successful_sign_in_resets_the_username_count(client, cast):
    # given
    fail(client, "officer", 4)
    sign_in(client, "officer", PASSWORD)
    client.logout()

    # when
    responses = fail(client, "officer", 4)
    response = sign_in(client, "officer", PASSWORD)

    # then
    assert all(LOCKED not in r.content.decode() for r in responses)
    assert response.status_code == 302


def test_a_lock_on_one_username_leaves_others_alone(client, cast):
    # given
    fail(client, "officer", 5)

    # when
    response = sign_in(client, "command", PASSWORD)

    # then
    assert response.status_code == 302


def test_an_address_spraying_many_usernames_is_locked(client, cast, settings):
    # given
    settings.CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for number in range(6):
        fail(client, f"user{number}", 1, address="10.9.9.9")

    # when
    sprayer = sign_in(client, "command", PASSWORD, address="10.9.9.9")
    elsewhere = sign_in(client, "command", PASSWORD, address="10.0.0.2")

    # then
    assert LOCKED in sprayer.content.decode()
    assert elsewhere.status_code == 302


def test_locked_attempts_are_audit_logged_without_names_or_passwords(client, cast):
    # given
    fail(client, "officer", 5)

    # when
    sign_in(client, "officer", PASSWORD)

    # then
    entries = list(AuditLog.objects.filter(action="accounts.login.locked").order_by("pk"))
    assert [e.data for e in entries] == [{"by": ["username"], "started": True}, {"by": ["username"]}]
    assert all(e.actor is None and e.target_id == "" for e in entries)
    assert not any("officer" in str(e.data) or PASSWORD in str(e.data) for e in entries)


def test_the_throttle_table_holds_no_usernames_or_addresses(client, cast):
    # when
    fail(client, "officer", 2, address="10.1.2.3")

    # then
    keys = list(LoginThrottle.objects.values_list("kind", "key", "failures"))
    assert sorted((kind, failures) for kind, _key, failures in keys) == [("address", 2), ("username", 2)]
    assert all(len(key) == 64 and "officer" not in key and "10.1.2.3" not in key for _kind, key, _f in keys)


@pytest.mark.parametrize("path", ["/admin/login/"])
def test_the_admin_sign_in_is_locked_too(client, cast, path):
    # given
    fail(client, "admin", 5)

    # when
    response = client.post(path, {"username": "admin", "password": PASSWORD}, headers={"accept-language": "en"})

    # then
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert SESSION_KEY not in client.session
