"""Sessions end after inactivity; a disabled account loses every session and its open websockets close."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from apps.accounts.services import user_deactivate
from apps.accounts.sockets import CLOSE_SESSION_ENDED, socket_registry
from apps.core.models import AuditLog
from tests.indicators.live import (
    HOST,
    ORIGIN,
    QUIET,
    TIMEOUT,
    flush_layer,
    in_thread,
    open_socket,
    session_headers,
    subscribe,
)

CLOSED = {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def user_sessions(user):
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(cast):
    # given
    client = signed_in(cast["officer"])
    client.get("/accounts/security/")

    # when
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client.get("/accounts/security/")

    # then
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/security/")


def test_activity_keeps_the_session_alive(cast):
    # given
    client = signed_in(cast["officer"])
    start = timezone.now()

    # when
    with time_machine.travel(start + timedelta(minutes=20)):
        client.get("/accounts/security/")
    with time_machine.travel(start + timedelta(minutes=45)):
        response = client.get("/accounts/security/")

    # then
    assert response.status_code == 200


def test_the_session_cookie_lasts_for_the_browser_session_and_the_server_expires_it(cast, settings):
    # when
    response = Client().post("/accounts/login/", {"username": "officer", "password": "correct-horse-battery"})

    # then
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    expires = Session.objects.get(session_key=cookie.value).expire_date
    assert timedelta(minutes=29) < expires - timezone.now() <= timedelta(minutes=30)


def test_deactivating_a_user_ends_all_their_sessions_only(cast):
    # given
    first, _second, other = signed_in(cast["officer"]), signed_in(cast["officer"]), signed_in(cast["command"])

    # when
    user_deactivate(user=cast["officer"], actor=cast["admin"])

    # then
    assert user_sessions(cast["officer"]) == []
    assert len(user_sessions(cast["command"])) == 1
    assert first.get("/accounts/security/").status_code == 302
    assert other.get("/accounts/security/").status_code == 200
    assert AuditLog.objects.filter(action="accounts.user.deactivate", actor=cast["admin"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_deactivating_a_user_closes_their_websockets_at_once_and_no_one_elses(cast):
    # given
    officer, command = session_headers(cast["officer"]), session_headers(cast["command"])

    async def scenario():
        await flush_layer()
        mine, theirs = await open_socket(officer), await open_socket(command)
        for socket in (mine, theirs):
            assert (await subscribe(socket, "system"))["type"] == "snapshot"
        # when
        await in_thread(user_deactivate)(user=cast["officer"])
        closed = await mine.receive_output(timeout=TIMEOUT)
        still_open = await theirs.receive_nothing(timeout=QUIET)
        await theirs.send_json_to({"type": "ping"})
        pong = await theirs.receive_json_from(timeout=TIMEOUT)
        await theirs.disconnect()
        return closed, still_open, pong

    # then
    closed, still_open, pong = async_to_sync(scenario)()
    assert closed == CLOSED
    assert still_open is True
    assert pong == {"type": "pong"}


@pytest.mark.django_db(transaction=True)
def test_the_sweep_closes_sockets_of_users_disabled_by_a_plain_save_and_of_ended_sessions(cast):
    # given
    officer, command, staff = (session_headers(cast[name]) for name in ("officer", "command", "staff"))
    staff_key = staff[1][1].decode().split("=", 1)[1]

    async def scenario():
        await flush_layer()
        sockets = [await open_socket(headers) for headers in (officer, command, staff)]

        def disable_and_sign_out():
            cast["officer"].is_active = False
            cast["officer"].save(update_fields=["is_active"])  # not through the service: the sweep catches it
            Session.objects.filter(session_key=staff_key).delete()  # signed out elsewhere

        await in_thread(disable_and_sign_out)()
        # when
        await socket_registry().sweep()
        outputs = [await sockets[0].receive_output(timeout=TIMEOUT), await sockets[2].receive_output(timeout=TIMEOUT)]
        command_open = await sockets[1].receive_nothing(timeout=QUIET)
        await sockets[1].disconnect()
        return outputs, command_open

    # then
    outputs, command_open = async_to_sync(scenario)()
    assert outputs == [CLOSED, CLOSED]
    assert command_open is True


@pytest.mark.django_db(transaction=True)
def test_an_open_wall_keeps_its_session_alive_but_another_page_does_not(cast):
    # given
    wall, region = session_headers(cast["command"]), session_headers(cast["officer"])
    keys = [headers[1][1].decode().split("=", 1)[1] for headers in (wall, region)]
    soon = timezone.now() + timedelta(minutes=1)
    Session.objects.filter(session_key__in=keys).update(expire_date=soon)

    async def scenario():
        await flush_layer()
        wall_socket, other_socket = await open_socket(wall), await open_socket(region)
        assert (await subscribe(wall_socket, "wall", {"code": "C"}))["type"] == "snapshot"
        assert (await subscribe(other_socket, "system"))["type"] == "snapshot"
        # when
        await socket_registry().sweep()
        for socket in (wall_socket, other_socket):
            await socket.disconnect()

    async_to_sync(scenario)()

    # then
    expiry = dict(Session.objects.filter(session_key__in=keys).values_list("session_key", "expire_date"))
    assert expiry[keys[0]] - timezone.now() > timedelta(minutes=29)
    assert expiry[keys[1]] == soon


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["/accounts/logout/", "/admin/logout/"])
def test_signing_out_closes_that_sessions_websockets_at_once_and_not_another_sessions(cast, settings, page):
    # given the admin signed in twice (a wall and a desk), each with a screen open
    desk, wall = Client(), Client()
    for client in (desk, wall):
        client.force_login(cast["admin"])
    cookies = [f"{settings.SESSION_COOKIE_NAME}={c.cookies[settings.SESSION_COOKIE_NAME].value}" for c in (desk, wall)]
    headers = [[(b"host", HOST), (b"origin", ORIGIN), (b"cookie", cookie.encode())] for cookie in cookies]

    async def scenario():
        await flush_layer()
        desk_socket, wall_socket = await open_socket(headers[0]), await open_socket(headers[1])
        for socket in (desk_socket, wall_socket):
            assert (await subscribe(socket, "system"))["type"] == "snapshot"
        # when the desk signs out (no sweep runs)
        await in_thread(desk.post)(page)
        closed = await desk_socket.receive_output(timeout=TIMEOUT)
        wall_open = await wall_socket.receive_nothing(timeout=QUIET)
        await wall_socket.disconnect()
        return closed, wall_open

    # then
    closed, wall_open = async_to_sync(scenario)()
    assert closed == CLOSED
    assert wall_open is True
