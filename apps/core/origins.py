"""Websockets accept the site's own pages only: the Origin must be the request's own origin, in full.

A browser sends the session cookie with a websocket handshake from any page, so a page elsewhere could open our
socket as the signed-in user and read the wall (cross-site websocket hijacking). Channels'
AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and ignores its scheme and port:
http://127.0.0.1:9999 passed for a server on 127.0.0.1:8311. Here the Origin must equal, as scheme, host and
port, either

- the origin the request was made to: its scheme (wss → https, ws → http; https behind a proxy that says so
  in SECURE_PROXY_SSL_HEADER, as Django's `request.is_secure()` reads it) and its Host header, which must itself
  be one of ALLOWED_HOSTS; or
- one of CSRF_TRUSTED_ORIGINS (exact, or `https://*.example.com` for its subdomains, as Django's CSRF check).

Default ports are dropped before comparing (http://host:80 is http://host). No Origin, no Host: refused (every
browser sends both). Settings are read per handshake, not at import.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None for anything that is not an http(s) origin."""
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number or out of range
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return scheme, parts.hostname.lower(), port


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    if len(values) != 1:  # none, or two (which one would the browser have meant?)
        return None
    try:
        return values[0].decode("ascii").strip()
    except UnicodeDecodeError:
        return None


def _request_scheme(scope: dict[str, Any]) -> str:
    secure = scope.get("scheme") == "wss"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        header, value = proxy_header
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode()
        forwarded = _header(scope, name)
        secure = secure or (forwarded is not None and forwarded.split(",")[0].strip() == value)
    return "https" if secure else "http"


def websocket_origin_allowed(scope: dict[str, Any]) -> bool:
    """Is the handshake's Origin the site's own (see the module's docstring)?"""
    origin_text, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin_text or not host:
        return False
    parts = urlsplit(origin_text)
    if parts.path or parts.query or parts.fragment:
        return False
    origin = _origin(parts.scheme, parts.netloc)
    if origin is None:
        return False
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS) and origin == _origin(_request_scheme(scope), host):
        return True
    return any(_trusted(origin, parts.netloc.lower(), entry) for entry in settings.CSRF_TRUSTED_ORIGINS)


def _trusted(origin: tuple[str, str, int], netloc: str, entry: str) -> bool:
    entry_parts = urlsplit(entry)
    if "*" in entry_parts.netloc:  # https://*.example.com: its subdomains, scheme and port as written
        return origin[0] == entry_parts.scheme.lower() and is_same_domain(netloc, entry_parts.netloc[1:].lower())
    return origin == _origin(entry_parts.scheme, entry_parts.netloc)


class SameOriginValidator:
    """ASGI middleware for websockets: hands the connection on only when `websocket_origin_allowed`; otherwise
    the handshake is denied (HTTP 403), before the session is even read."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not websocket_origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
