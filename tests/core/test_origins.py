"""The websocket Origin check (apps/core/origins.py): the request's own scheme, host and port, or a trusted
origin — never merely the same host name."""

from __future__ import annotations

import pytest

from apps.core.origins import websocket_origin_allowed


def scope(*, host: str | None = "127.0.0.1:8311", origin: str | None = "http://127.0.0.1:8311", scheme="ws", extra=()):
    headers = [(b"host", host.encode())] if host is not None else []
    headers += [(b"origin", origin.encode())] if origin is not None else []
    return {"type": "websocket", "scheme": scheme, "headers": headers + list(extra)}


@pytest.mark.parametrize(
    ("request_scope", "allowed", "why"),
    [
        (scope(), True, "the page's own origin"),
        (scope(origin="http://127.0.0.1:9999"), False, "same host, another port"),
        (scope(origin="https://127.0.0.1:8311"), False, "same host and port, another scheme"),
        (scope(origin="http://127.0.0.1"), False, "the default port is another port"),
        (scope(host="localhost", origin="http://localhost:80"), True, "the default port written out"),
        (scope(host="localhost", origin="https://localhost", scheme="wss"), True, "wss is https"),
        (scope(host="localhost", origin="http://localhost", scheme="wss"), False, "a plain page for a TLS socket"),
        (scope(host="evil.example:8311", origin="http://evil.example:8311"), False, "a host we do not serve"),
        (scope(origin=None), False, "no Origin"),
        (scope(host=None), False, "no Host"),
        (scope(origin="null"), False, "an opaque origin"),
        (scope(origin="http://127.0.0.1:8311/page"), False, "not an origin"),
        (scope(origin="http://user@127.0.0.1:8311"), False, "credentials in the origin"),
        (scope(origin="http://127.0.0.1:99999"), False, "a port out of range"),
        (scope(extra=[(b"origin", b"http://127.0.0.1:9999")]), False, "two Origin headers"),
    ],
)
def test_only_the_requests_own_origin_is_accepted(request_scope, allowed, why):
    assert websocket_origin_allowed(request_scope) is allowed, why


def test_behind_a_tls_proxy_the_https_page_is_accepted_only_when_the_proxy_says_so(settings):
    settings.ALLOWED_HOSTS = ["ops.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    page = "https://ops.example.com"

    behind = scope(host="ops.example.com", origin=page, extra=[(b"x-forwarded-proto", b"https")])
    direct = scope(host="ops.example.com", origin=page)

    assert (websocket_origin_allowed(behind), websocket_origin_allowed(direct)) == (True, False)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://wall.example.com", True),
        ("https://wall.example.com:443", True),
        ("https://wall.example.com:8443", False),
        ("http://wall.example.com", False),
        ("https://a.example.org", True),
        ("http://a.example.org", False),
        ("https://a.example.net", False),
    ],
)
def test_csrf_trusted_origins_are_accepted_in_full(settings, origin, allowed):
    settings.CSRF_TRUSTED_ORIGINS = ["https://wall.example.com", "https://*.example.org"]

    assert websocket_origin_allowed(scope(host="localhost", origin=origin)) is allowed
