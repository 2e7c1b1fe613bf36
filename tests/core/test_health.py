from __future__ import annotations

from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings as django_settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection

BROKEN_REDIS_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


class LeakyCache(LocMemCache):
    """A cache whose errors quote the secret key, to prove /healthz redacts it."""

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"cannot write with key {django_settings.SECRET_KEY}")


def test_healthz_reports_every_service_ok(client, db, settings):
    # given the embedded broker
    settings.CELERY_TASK_ALWAYS_EAGER = True

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "channel_layer", "cache", "broker"}
    assert {name: check["ok"] for name, check in checks.items()} == dict.fromkeys(checks, True)
    assert {name: check["error"] for name, check in checks.items()} == dict.fromkeys(checks, "")
    assert checks["database"]["backend"] == connection.vendor
    assert checks["channel_layer"]["backend"] == type(get_channel_layer()).__name__
    assert checks["cache"]["backend"] == settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    assert checks["broker"] == {"ok": True, "backend": "eager (in-process)", "ms": 0.0, "error": ""}
    assert all(check["ms"] >= 0 for check in checks.values())


def test_healthz_is_public(client, db):
    # when an anonymous visitor asks
    response = client.get("/healthz")

    # then it answers without a redirect to the login page
    assert response.status_code == 200


def test_healthz_reports_a_broken_cache_as_503(client, db, settings):
    # given a cache on a closed port
    settings.CACHES = BROKEN_REDIS_CACHE

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["backend"] == "RedisCache"
    assert body["checks"]["cache"]["error"].startswith("ConnectionError: ")
    assert "127.0.0.1:1" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["error"] == ""
    assert settings.SECRET_KEY not in response.content.decode()


def test_healthz_never_shows_the_secret_key(client, db, settings):
    # given a cache whose error message quotes the secret key
    settings.CACHES = {"default": {"BACKEND": "tests.core.test_health.LeakyCache"}}

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert settings.SECRET_KEY not in response.content.decode()
    assert response.json()["checks"]["cache"]["error"] == "RuntimeError: cannot write with key ***"


class LongLeakyCache(LocMemCache):
    """A cache whose error quotes the secret key across the 200-character cut of the error text."""

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("x" * 160 + django_settings.SECRET_KEY)


def test_healthz_never_shows_part_of_the_secret_key_at_the_cut(client, db, settings):
    # given an error text of 14 + 160 characters, then the secret key, cut at 200
    settings.CACHES = {"default": {"BACKEND": "tests.core.test_health.LongLeakyCache"}}

    # when
    response = client.get("/healthz")

    # then not even the head of the key shows
    assert response.status_code == 503
    assert settings.SECRET_KEY[:20] not in response.content.decode()


def test_a_visitor_from_elsewhere_gets_the_status_alone_and_staff_the_details(client, db, settings, cast):
    # given the embedded broker, and a request from another machine
    settings.CELERY_TASK_ALWAYS_EAGER = True
    elsewhere = {"REMOTE_ADDR": "203.0.113.7"}

    # when
    anonymous = client.get("/healthz", **elsewhere)
    client.force_login(cast["officer"])
    staff = client.get("/healthz", **elsewhere)

    # then
    assert (anonymous.status_code, anonymous.json()) == (200, {"status": "ok"})
    assert set(staff.json()["checks"]) == {"database", "channel_layer", "cache", "broker"}


def test_a_forwarded_address_does_not_pass_for_this_machine(client, db, settings):
    # given nginx on this machine, trusted, forwarding a request from elsewhere
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CITYOPS_TRUSTED_PROXIES = ["127.0.0.1"]

    # when
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")

    # then
    assert response.json() == {"status": "ok"}
