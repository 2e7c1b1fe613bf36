"""A database or Redis that is down for a moment is answered 503 with Retry-After, never a 500 (apps/core/outages.py).

These tests raise the drivers' own connection errors; the fault tests of `make test-services` restart the real
services (tests/faults/).
"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core.outages import RETRY_AFTER_S

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _database_down(request):
    raise OperationalError("connection to server at 127.0.0.1:5432 failed: Connection refused")


def _redis_down(request):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _broken(request):
    raise RuntimeError("a bug, not an outage")


urlpatterns = [
    path("api/v1/down", _database_down),
    path("api/v1/redis-down", _redis_down),
    path("api/v1/broken", _broken),
    path("pages/down", _database_down),
    path("pages/fine", lambda request: HttpResponse("fine")),
]
handler500 = "apps.core.outages.server_error"


class SessionStoreDown:
    """A middleware that meets the database first (as loading a session or a user does) while it is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("the database system is starting up")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/api/v1/down", "/api/v1/redis-down"])
def test_an_api_request_that_loses_its_database_or_redis_is_a_json_503_with_retry_after(url, caplog):
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.WARNING, logger="apps.core.outages"):
        response = client.post(url, data="{}", content_type="application/json", **ENGLISH)

    assert (response.status_code, response["Content-Type"]) == (503, "application/json")
    assert response["Retry-After"] == str(RETRY_AFTER_S)
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a few seconds.",
        "retry_after": RETRY_AFTER_S,
    }
    assert "answered 503" in caplog.text


@pytest.mark.urls(__name__)
def test_a_page_that_loses_its_database_says_to_try_again_and_a_bug_stays_a_500():
    client = Client(raise_request_exception=False)

    down, broken = client.get("/pages/down"), client.get("/api/v1/broken")

    assert (down.status_code, down["Retry-After"]) == (503, str(RETRY_AFTER_S))
    assert "Briefly unavailable" in down.content.decode()
    assert broken.status_code == 500


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("url", "content_type"), [("/api/v1/down", "application/json"), ("/pages/fine", "text/html")])
def test_a_middleware_that_loses_the_database_is_a_503_too(settings, url, content_type):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_outages.SessionStoreDown"]
    client = Client(raise_request_exception=False)

    response = client.get(url, **ENGLISH)

    assert (response.status_code, response["Retry-After"]) == (503, str(RETRY_AFTER_S))
    assert response["Content-Type"].startswith(content_type)


def test_open311_answers_its_own_503_when_the_database_is_down(client, categories, monkeypatch):
    import xml.etree.ElementTree as ET

    from apps.grievances.models import Category

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Category.objects, "filter", down)

    as_json = client.get("/open311/v2/services.json")
    as_xml = client.get("/open311/v2/services.xml")

    assert (as_json.status_code, as_json["Retry-After"]) == (503, str(RETRY_AFTER_S))
    assert as_json.json()[0]["code"] == "503"
    assert ET.fromstring(as_xml.content).find("error/code").text == "503"


def test_a_committed_change_does_not_fail_when_its_live_message_cannot_be_sent(
    db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from cityops import realtime

    def layer_down(messages):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(realtime, "_group_send_many", layer_down)

    with caplog.at_level(logging.WARNING, logger="cityops.realtime"), django_capture_on_commit_callbacks(execute=True):
        realtime.stream_publish(stream="system", params={}, payload={"server_time": "now"})  # sent after commit

    assert "not sent to live.system.all" in caplog.text
