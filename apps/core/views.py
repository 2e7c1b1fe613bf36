from __future__ import annotations

import ipaddress
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from apps.core.clients import client_address
from apps.core.health import run_checks
from apps.core.surfaces import surfaces_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Every surface the user's role may use; for visitors, the public ones and the sign-in."""
    return render(request, "core/home.html", {"surfaces": surfaces_for_user(request.user)})


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every configured service answers, 503 otherwise. The status is public (a load balancer or a
    monitor reads it); which backends answered and how fast only for signed-in staff and for this machine
    asking directly (see `_may_see_details`)."""
    checks = await run_checks()
    ok = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {"status": "ok" if ok else "error"}
    if await _may_see_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if ok else 503)


# Headers a proxy adds: a request carrying one came through a proxy, from wherever its client is.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


async def _may_see_details(request: HttpRequest) -> bool:
    """Signed-in staff, or a loopback client with no proxy's header: behind a proxy on this machine that is not
    in CITYOPS_TRUSTED_PROXIES every client's address is the proxy's, loopback too."""
    if not any(request.META.get(name) for name in FORWARDING_HEADERS):
        try:
            if ipaddress.ip_address(client_address(request)).is_loopback:
                return True
        except ValueError:
            pass
    user = await request.auser()
    return bool(user.is_authenticated)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and the admin ask for /favicon.ico whatever the page says."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
