"""End to end: a real websocket client against the real ASGI server (uvicorn), signed in by session."""

import asyncio
import json

import pytest
import websockets
from django.test import Client

from apps.core.tasks import system_heartbeat_task
from tests.conftest import PASSWORD


def session_cookie(username: str) -> str:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _receive(socket, *, timeout: float = 5.0) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))


def test_signed_in_client_gets_snapshot_then_heartbeat_delta(asgi_server, cast):
    # given a command-center user's session
    cookie = session_cookie("command")

    async def scenario() -> tuple[dict, dict]:
        async with websockets.connect(
            f"ws://{asgi_server}/ws/live/",
            additional_headers={"Cookie": cookie, "Origin": f"http://{asgi_server}"},
        ) as socket:
            # when it subscribes and the scheduled heartbeat runs
            await socket.send(json.dumps({"type": "subscribe", "stream": "system", "params": {}}))
            snapshot = await _receive(socket)
            await asyncio.to_thread(system_heartbeat_task.apply)
            delta = await _receive(socket)
            return snapshot, delta

    snapshot, delta = asyncio.run(scenario())

    # then the snapshot comes first and the delta follows with the next sequence number
    assert snapshot["type"] == "snapshot"
    assert snapshot["stream"] == "system"
    assert delta["type"] == "delta"
    assert delta["seq"] == snapshot["seq"] + 1
    assert delta["data"]["server_time"] >= snapshot["data"]["server_time"]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "anonymous"),
        ({"Origin": "http://evil.example"}, "foreign origin"),
    ],
)
def test_anonymous_and_cross_origin_sockets_are_refused(asgi_server, cast, headers, why):
    # given no session, or a session presented from another site
    if why == "foreign origin":
        headers = {**headers, "Cookie": session_cookie("command")}
    else:
        headers = {**headers, "Origin": f"http://{asgi_server}"}

    async def scenario() -> None:
        async with websockets.connect(f"ws://{asgi_server}/ws/live/", additional_headers=headers) as socket:
            await socket.recv()

    # when / then the handshake is rejected
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def test_ingested_data_reaches_the_wall_within_two_seconds_through_the_scheduled_tick(
    live_server_factory, cast, observe
):
    # given a server running its beat schedule (as under `make run`) and a subscribed wall
    server = live_server_factory(scheduler=True)
    cookie = session_cookie("command")

    async def scenario() -> tuple[dict, dict, float]:
        async with websockets.connect(
            f"ws://{server.address}/ws/live/",
            additional_headers={"Cookie": cookie, "Origin": f"http://{server.address}"},
        ) as socket:
            await socket.send(json.dumps({"type": "subscribe", "stream": "wall", "params": {"code": "C"}}))
            snapshot = await _receive(socket)
            # when new data is ingested (nobody calls the tick: the scheduler does)
            started = asyncio.get_running_loop().time()
            await asyncio.to_thread(_ingest, observe)
            while True:
                message = await _receive(socket, timeout=2.0)
                if message["type"] == "delta" and message["stream"] == "wall" and message["data"].get("tiles"):
                    return snapshot, message, asyncio.get_running_loop().time() - started

    snapshot, delta, elapsed = asyncio.run(scenario())

    # then the city's tile carries the new value in under two seconds
    assert snapshot["data"]["tiles"][0]["value"] is None
    tile = delta["data"]["tiles"][0]
    assert (tile["indicator"], tile["region"], tile["value"]) == ("test.load", "C", 55.0)
    assert elapsed < 2.0


def _ingest(observe) -> None:
    from django.db import connection

    try:
        for code in ("W1", "W2", "E"):
            observe(code, 55.0)
    finally:
        connection.close()
