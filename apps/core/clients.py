"""Who is asking: the client's address behind trusted proxies, and the rate limits keyed on it.

The address a request came from is `REMOTE_ADDR`. Behind a reverse proxy that is the proxy's address, and the
client's is in the `X-Forwarded-For` header the proxy adds. A header is only as trustworthy as whoever sent it,
so it is read only when `REMOTE_ADDR` is one of `CITYOPS_TRUSTED_PROXIES` (addresses or networks; empty by
default: no proxy is trusted), and then from the right: the nearest address that is not itself a trusted
proxy is the client. Addresses a client wrote into the header itself sit further left and are never reached.

The ASGI server must not rewrite the address on its own (uvicorn's `--proxy-headers` is off in `manage.py serve`
and in the deployment units): this module is the one place that decides.

Every limit on anonymous or per-client use (sign-in lockout, the portal's reports, Open311) keys on
`client_address` through `client_key`, a keyed digest: no address is stored.
"""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    """The trusted networks ("10.0.0.5", "10.0.0.0/24", "::1"; settings checked them at start-up)."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _is_trusted(address: str) -> bool:
    networks = _trusted(tuple(settings.CITYOPS_TRUSTED_PROXIES))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Any) -> str:
    """The client's IP address as text: REMOTE_ADDR, or, from a trusted proxy, the nearest untrusted hop of
    X-Forwarded-For. "unknown" when there is none (a test client, a Unix socket)."""
    meta = request.META
    address = (meta.get("REMOTE_ADDR") or "").strip()
    if not address or not _is_trusted(address):
        return address or "unknown"
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed header: the proxy is all that is known for sure
        if not _is_trusted(hop):
            return hop
    return hops[0] if hops else address


def client_key(request: Any, *, purpose: str) -> str:
    """A keyed digest of the client's address for `purpose` (not reversible without SECRET_KEY). An IPv6 client is
    its /64: one subscriber gets a whole /64 and could otherwise take a new address per request."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        parsed = None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        address = str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return salted_hmac(f"cityops.client.{purpose}", address, algorithm="sha256").hexdigest()[:32]


def rate_limited(request: Any, *, action: str, limit: int, window_seconds: int) -> bool:
    """Count one use of `action` by this client; True once it used it more than `limit` times in the window.

    The window starts at the client's first use (a fixed window per client, not per clock hour, so nobody gets
    twice the limit around the top of the hour).
    """
    key = f"ratelimit:{action}:{client_key(request, purpose=action)}"
    now = time.time()  # the window is the app's clock, not the cache's expiry (Redis counts on its own clock)
    started = cache.get(key)
    if started is None or now - started >= window_seconds:
        started = now
        cache.set(key, started, timeout=window_seconds * 2)
    counter = f"{key}:{int(started * 1000)}"
    cache.add(counter, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=window_seconds * 2)
        count = 1
    return count > limit
